"""A workbook whose large sheet is streamed to disk row by row, its other sheets built as usual."""

from __future__ import annotations

import datetime
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

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


class StreamingWorkbook(Workbook):
    """An ordinary workbook that may also hold `StreamedSheet`s, saved by a writer that takes both."""

    def save(self, filename: Any) -> None:
        archive = ZipFile(filename, "w", ZIP_DEFLATED, allowZip64=True)
        self.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
        _MixedWriter(self, archive).save()
