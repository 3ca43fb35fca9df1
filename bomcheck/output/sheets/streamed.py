"""A workbook whose large sheets are streamed to disk row by row, its other sheets built as usual."""

from __future__ import annotations

import contextlib
import datetime
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter


class StreamedSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, told its size up front: what `page_setup` sums the widths over
    and the `<dimension>` a reader sizes the sheet by (an ordinary sheet counts its cells for both).

    Everything written before the rows (column widths, panes, row heights, page properties) must be
    set before the first `append`; a row's height before that row is appended.
    """

    def __init__(self, parent: Workbook, title: str, rows: int, columns: int) -> None:
        super().__init__(parent, title)
        self._rows_expected = max(1, rows)
        self._columns_expected = max(1, columns)
        parent._sheets.append(self)  # type: ignore[attr-defined]  # what create_sheet does

    @property
    def max_row(self) -> int:
        return self._rows_expected

    @property
    def max_column(self) -> int:
        return self._columns_expected

    def calculate_dimension(self) -> str:
        return f"A1:{get_column_letter(self._columns_expected)}{self._rows_expected}"


class _MixedWriter(ExcelWriter):
    """openpyxl's writer for a workbook holding write-only sheets among ordinary ones (its own
    writer takes either kind, never both in one workbook)."""

    def write_worksheet(self, ws: Worksheet | WriteOnlyWorksheet) -> None:
        if not isinstance(ws, WriteOnlyWorksheet):
            super().write_worksheet(ws)
            return
        sheet: Any = ws  # openpyxl's private attributes, as its own writer uses them
        sheet._drawing = None  # no charts nor images on a streamed sheet
        if not sheet.closed:
            sheet.close()
        writer = sheet._writer
        sheet._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])  # type: ignore[attr-defined]
        self.manifest.append(ws)
        writer.cleanup()


def save_workbook(workbook: Workbook, filename: Any) -> None:
    """openpyxl's save_workbook, except that a save that fails (a full disk) abandons its zip file:
    left to the garbage collector, the zip would try to finish itself, fail again and print
    "Exception ignored in ZipFile.__del__" with a traceback under bomcheck's one error line."""
    archive = ZipFile(filename, "w", ZIP_DEFLATED, allowZip64=True)
    workbook.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
    writer = (_MixedWriter(workbook, archive) if isinstance(workbook, StreamingWorkbook)
              else ExcelWriter(workbook, archive))
    try:
        writer.save()
    except BaseException:
        handle, archive.fp = archive.fp, None  # close() then has nothing left to finish
        if handle is not None:
            with contextlib.suppress(OSError, ValueError):
                handle.close()
        raise


class StreamingWorkbook(Workbook):
    """An ordinary workbook that may also hold `StreamedSheet`s, saved by a writer that takes both."""

    def save(self, filename: Any) -> None:
        save_workbook(self, filename)

    def discard(self) -> None:
        """Remove the temporary files of streamed sheets not saved (a long-running service keeps
        no leftovers from a workbook that failed)."""
        for sheet in self.worksheets:
            writer = getattr(sheet, "_writer", None) if isinstance(sheet, StreamedSheet) else None
            if writer is not None and Path(writer.out).exists():
                writer.cleanup()


class RowStream:
    """The `cell(row, column)` of an ordinary sheet over a `StreamedSheet`, for code that writes a
    sheet top to bottom: a row's cells are kept until a later row is asked for, then appended.

    Run such code twice: first `dry` (cells are made and dropped; widths, heights and page setup
    land on the sheet, as does its size), then for real, when they precede the rows in the file.
    Other attributes (`column_dimensions`, `page_setup`...) are the streamed sheet's own.
    """

    def __init__(self, sheet: StreamedSheet, *, dry: bool = False) -> None:
        self._sheet = sheet
        self._dry = dry
        self._row = 0
        self._cells: dict[int, Cell] = {}
        self._written = 0  # rows appended so far

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:  # freeze_panes, print_title_rows...: the sheet's
            setattr(self._sheet, name, value)

    @property
    def max_row(self) -> int:
        return self._sheet.max_row

    @property
    def max_column(self) -> int:
        return self._sheet.max_column

    def cell(self, row: int, column: int) -> Cell:
        if row < self._row:
            raise ValueError(f"row {row} is already written (a streamed sheet is written top to bottom)")
        if row > self._row:
            self._flush()
            self._row = row
        if self._dry:  # the sheet's size, for page setup and the <dimension> of the real pass
            self._sheet._rows_expected = max(self._sheet._rows_expected, row)
            self._sheet._columns_expected = max(self._sheet._columns_expected, column)
        cell = self._cells.get(column)
        if cell is None:
            cell = self._cells[column] = Cell(self._sheet, row=row, column=column)
        return cell

    def _flush(self) -> None:
        if self._dry or not self._cells:
            self._cells.clear()
            return
        while self._written < self._row - 1:  # rows with no cell at all
            self._sheet.append([])
            self._written += 1
        self._sheet.append([self._cells.get(col) for col in range(1, max(self._cells) + 1)])
        self._written += 1
        self._sheet.row_dimensions.pop(self._row, None)  # type: ignore[attr-defined]  # in the file now
        self._cells.clear()

    def close(self) -> None:
        """Append the last row and finish the sheet's file (nothing for a dry run)."""
        self._flush()
        if not self._dry:
            self._sheet.close()
