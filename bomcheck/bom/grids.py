"""Spreadsheet readers: .xlsx/.xlsm through openpyxl (formulas, merged cells), .xls/.ods through calamine."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bomcheck.bom.cells import Grid, Sheet, plain_value, trim
from bomcheck.errors import BomError

OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
CALAMINE_SUFFIXES = (".xls", ".ods")
MAX_ROWS = 100_000
MAX_MERGE_CELLS = 100_000  # a merged range larger than this is damage, not layout


def workbook_sheets(path: Path, sheet: str | None = None) -> Iterator[Sheet]:
    """Every worksheet of the workbook at `path` (visible ones first), or only `sheet`."""
    magic = _magic(path)
    ooxml = path.suffix.lower() in OPENPYXL_SUFFIXES and magic != _OLE_MAGIC
    if ooxml or (path.suffix.lower() == ".xls" and magic == _ZIP_MAGIC):  # .xlsx saved as .xls too
        yield from _openpyxl_sheets(path, sheet)
    else:
        yield from _calamine_sheets(path, sheet)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, or an encrypted (password-protected) .xlsx
_ZIP_MAGIC = b"PK\x03\x04"


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(4)
    except OSError as exc:
        raise BomError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _no_such_sheet(path: Path, sheet: str, names: list[str]) -> BomError:
    listed = ", ".join(repr(name) for name in names)
    return BomError(f"{path.name} has no sheet {sheet!r}; its sheets are: {listed}")


# ---------------------------------------------------------------- openpyxl


def _open(path: Path, *, data_only: bool) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with path.open("rb") as handle:  # a file object: openpyxl would refuse an .xls name
                return openpyxl.load_workbook(handle, data_only=data_only, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException) as exc:
        raise BomError(f"{path.name} is not a readable Excel workbook ({exc})") from exc
    except OSError as exc:
        if not path.is_file():
            raise BomError(f"cannot read {path}: {exc.strerror or exc}") from exc
        raise BomError(f"{path.name} is a damaged Excel workbook ({_short(exc)})") from exc
    except Exception as exc:  # a damaged archive or XML surfaces as zlib, XML, Key or Value errors
        raise BomError(f"{path.name} is a damaged Excel workbook ({type(exc).__name__}: {_short(exc)})"
                       ) from exc


def _openpyxl_sheets(path: Path, sheet: str | None) -> Iterator[Sheet]:
    values = _open(path, data_only=True)
    formulas = _open(path, data_only=False)
    try:
        worksheets = list(values.worksheets)
        if sheet is not None:
            chosen = [ws for ws in worksheets if ws.title == sheet]
            if not chosen:
                raise _no_such_sheet(path, sheet, [ws.title for ws in worksheets])
            worksheets = chosen
        else:
            worksheets.sort(key=lambda ws: ws.sheet_state != "visible")
        for worksheet in worksheets:
            formula_sheet = formulas[worksheet.title] if worksheet.title in formulas.sheetnames else None
            yield Sheet(worksheet.title, worksheet_grid(worksheet), _formula_cells(formula_sheet))
    finally:
        values.close()
        formulas.close()


def worksheet_grid(worksheet: Any) -> Grid:
    """The sheet's values by row (grid[i] = sheet row i+1), merged ranges filled with their value."""
    max_row = min(worksheet.max_row, MAX_ROWS)
    grid: Grid = [
        [plain_value(value) for value in row]
        for row in worksheet.iter_rows(min_row=1, max_row=max_row, max_col=worksheet.max_column,
                                       values_only=True)
    ]
    for merged in worksheet.merged_cells.ranges:
        value = plain_value(worksheet.cell(merged.min_row, merged.min_col).value)
        _fill(grid, merged.min_row, merged.max_row, merged.min_col, merged.max_col, value)
    return trim(grid)


def _formula_cells(worksheet: Any) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    if worksheet is None:
        return found
    for row in worksheet.iter_rows(min_row=1, max_row=min(worksheet.max_row, MAX_ROWS)):
        for cell in row:
            value = cell.value
            if (isinstance(value, str) and value.startswith("=")) or getattr(cell, "data_type", "") == "f":
                found[(cell.row, cell.column)] = str(getattr(value, "text", value))
    return found


def _fill(grid: Grid, min_row: int, max_row: int, min_col: int, max_col: int, value: Any) -> None:
    area = (max_row - min_row + 1) * (max_col - min_col + 1)
    if value is None or max_row > MAX_ROWS or area > MAX_MERGE_CELLS:
        return
    for row in range(min_row, max_row + 1):
        while len(grid) < row:
            grid.append([])
        cells = grid[row - 1]
        while len(cells) < max_col:
            cells.append(None)
        for col in range(min_col, max_col + 1):
            cells[col - 1] = value


# ---------------------------------------------------------------- calamine


def _calamine_sheets(path: Path, sheet: str | None) -> Iterator[Sheet]:
    from python_calamine import CalamineWorkbook

    kind = "OpenDocument spreadsheet" if path.suffix.lower() == ".ods" else "Excel workbook"
    try:
        with path.open("rb") as handle:  # from the content, not the extension: renamed files read too
            workbook = CalamineWorkbook.from_filelike(handle)
        names = list(workbook.sheet_names)
    except OSError as exc:
        raise BomError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except BaseException as exc:  # calamine raises its own error types (and Rust panics) for damaged files
        if not _calamine_failure(exc):
            raise
        if path.suffix.lower() in OPENPYXL_SUFFIXES:
            raise BomError(f"{path.name} is password-protected (encrypted) or not a workbook; save an "
                           "unprotected copy and check that") from exc
        raise BomError(f"{path.name} is not a readable {kind} ({_short(exc)})") from exc
    if sheet is not None:
        if sheet not in names:
            raise _no_such_sheet(path, sheet, names)
        names = [sheet]
    for name in names:
        try:
            worksheet = workbook.get_sheet_by_name(name)
            rows = worksheet.to_python(skip_empty_area=False)
            merged = getattr(worksheet, "merged_cell_ranges", None) or []
        except BaseException as exc:
            if not _calamine_failure(exc):
                raise
            raise BomError(f"{path.name}: sheet {name!r} is not readable ({_short(exc)})") from exc
        grid: Grid = [[plain_value(value) for value in row] for row in rows[:MAX_ROWS]]
        if path.suffix.lower() == ".ods":
            merged = ods_merges(path).get(name, [])
        ranges = []
        for (min_row, min_col), (max_row, max_col) in merged:
            value = grid[min_row][min_col] if min_row < len(grid) and min_col < len(grid[min_row]) else None
            _fill(grid, min_row + 1, max_row + 1, min_col + 1, max_col + 1, value)
            ranges.append((min_row + 1, min_col + 1, max_row + 1, max_col + 1))
        yield Sheet(name, trim(grid), merged=ranges)


def _calamine_failure(exc: BaseException) -> bool:
    """An error of the file, not of the run: any Exception, or a panic inside calamine's Rust code."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _short(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return message[:200]


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
MAX_ODS_XML_BYTES = 50_000_000


def ods_merges(path: Path) -> dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Merged ranges of each sheet of an .ods file, 0-based ((row, col), (last row, last col)).

    calamine does not report them for OpenDocument; they are read from content.xml (safely).
    """
    from defusedxml import ElementTree

    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("content.xml")
            if info.file_size > MAX_ODS_XML_BYTES:
                return {}
            root = ElementTree.fromstring(archive.read(info))
    except Exception:  # no merges is a safe answer: the values themselves came from calamine
        return {}
    found: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {}
    for table in root.iter(f"{_ODS_TABLE}table"):
        ranges: list[tuple[tuple[int, int], tuple[int, int]]] = []
        row = 0
        for element in table.iter(f"{_ODS_TABLE}table-row"):
            repeat = int(element.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
            col = 0
            for cell in element:
                span_cols = int(cell.get(f"{_ODS_TABLE}number-columns-spanned", "1"))
                span_rows = int(cell.get(f"{_ODS_TABLE}number-rows-spanned", "1"))
                if (span_cols > 1 or span_rows > 1) and row < MAX_ROWS:
                    ranges.append(((row, col), (row + span_rows - 1, col + span_cols - 1)))
                col += int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
            row += repeat
        found[table.get(f"{_ODS_TABLE}name", "")] = ranges
    return found
