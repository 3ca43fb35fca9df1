"""Spreadsheet readers: .xlsx/.xlsm through openpyxl (formulas, merged cells), .xls/.ods through calamine."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bomcheck.bom.archive import check_archive
from bomcheck.bom.calamine_child import first_line, read_in_child
from bomcheck.bom.cells import MAX_CELLS, MAX_ROWS, Grid, Sheet, plain_value, trim, unreadable
from bomcheck.errors import BomError

OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
CALAMINE_SUFFIXES = (".xls", ".ods")
MAX_MERGE_CELLS = 100_000  # a merged range larger than this is damage, not layout


def workbook_sheets(path: Path, sheet: str | None = None) -> Iterator[Sheet]:
    """Every worksheet of the workbook at `path` (visible ones first), or only `sheet`."""
    magic = _magic(path)
    suffix = path.suffix.lower()
    if magic == _OLE_MAGIC and suffix in OPENPYXL_SUFFIXES and _encrypted(path):
        raise BomError(f"{path.name} is password-protected; save an unprotected copy (in Excel: File > "
                       "Info > Protect Workbook > Encrypt with Password, clear the password) and check that")
    if magic not in (_OLE_MAGIC, _ZIP_MAGIC) and suffix != ".ods":
        _refuse_text_in_disguise(path)
    ooxml = suffix in OPENPYXL_SUFFIXES and magic != _OLE_MAGIC
    if ooxml or (suffix == ".xls" and magic == _ZIP_MAGIC):  # .xlsx saved as .xls too
        check_archive(path, "Excel workbook")
        yield from _ooxml_sheets(path, sheet)
    else:
        if magic == _ZIP_MAGIC:
            check_archive(path, "OpenDocument spreadsheet" if suffix == ".ods" else "spreadsheet")
        yield from _calamine_sheets(path, sheet)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, or an encrypted (password-protected) .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # the OLE stream of an encrypted .xlsx
_OLE_SCAN_BYTES = 256_000_000  # the directory may follow the encrypted stream: scan (in chunks) this far


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(4)
    except OSError as exc:
        raise BomError(f"cannot read {path}: {unreadable(path, exc)}") from None


def _encrypted(path: Path) -> bool:
    """An OLE container holding an `EncryptedPackage` stream: how Office stores an encrypted .xlsx."""
    overlap = len(_ENCRYPTED_STREAM)
    tail = b""
    try:
        with path.open("rb") as handle:
            for _ in range(_OLE_SCAN_BYTES >> 20):
                chunk = handle.read(1 << 20)
                if not chunk:
                    return False
                if _ENCRYPTED_STREAM in tail + chunk:
                    return True
                tail = chunk[-overlap:]
        return False
    except OSError as exc:
        raise BomError(f"cannot read {path}: {unreadable(path, exc)}") from None


def _refuse_text_in_disguise(path: Path) -> None:
    """An HTML page, an Excel 2003 XML file or a text table under a workbook's name: say which."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise BomError(f"cannot read {path}: {unreadable(path, exc)}") from None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table")):
        raise BomError(f"{path.name} is not a readable Excel workbook: it is a web page (HTML); open it in "
                       "Excel and save it as .xlsx, or export the BOM as CSV")
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise BomError(f"{path.name} is not a readable Excel workbook: it is an Excel 2003 XML spreadsheet, "
                       "which bomcheck does not read; open it in Excel and save it as .xlsx")
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return
        raise BomError(f"{path.name} is not a readable Excel workbook: it is a text file; if it is a CSV, "
                       "name it .csv")


def _no_such_sheet(path: Path, sheet: str, names: list[str]) -> BomError:
    listed = ", ".join(repr(name) for name in names)
    return BomError(f"{path.name} has no sheet {sheet!r}; its sheets are: {listed}")


# ---------------------------------------------------------------- openpyxl


class _ParserRefused(BomError):
    """openpyxl failed inside a workbook that opened as a zip: perhaps only its strict style parser."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _ooxml_sheets(path: Path, sheet: str | None) -> list[Sheet]:
    """The sheets of an .xlsx/.xlsm through openpyxl (formulas, merged cells); a sound workbook whose
    styles openpyxl's strict parser refuses is read by calamine instead, as an .xls is."""
    try:
        return list(_openpyxl_sheets(path, sheet))
    except _ParserRefused as refused:
        reason = refused.reason
        try:
            sheets = list(_calamine_sheets(path, sheet))
        except BomError:
            raise refused from None
    note = (f"openpyxl could not read {path.name} ({reason}); its cells were read by calamine "
            "instead: formulas count by their saved values, and the output holds the sheet's cells without "
            "their formatting")
    for found in sheets:
        found.notes.append(note)
    return sheets


def _open(path: Path, *, data_only: bool) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with path.open("rb") as handle:  # a file object: openpyxl would refuse an .xls name
                return openpyxl.load_workbook(handle, data_only=data_only, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException) as exc:
        raise BomError(f"{path.name} is not a readable Excel workbook ({exc}); open it in Excel and save it "
                       "again") from None
    except OSError as exc:
        if not path.is_file():
            raise BomError(f"cannot read {path}: {unreadable(path, exc)}") from None
        raise BomError(f"{path.name} is a damaged Excel workbook ({first_line(exc)}); open it in Excel "
                       "and save it again") from None
    except Exception as exc:  # a damaged archive or XML surfaces as zlib, XML, Key or Value errors
        if _xml_attack(exc):
            raise BomError(f"{path.name} is refused: its XML declares entities (an \"XML bomb\" would "
                           "expand them to gigabytes), which no Excel file does; bomcheck never expands "
                           "them") from None
        reason = f"{type(exc).__name__}: {first_line(exc)}"
        raise _ParserRefused(f"{path.name} is a damaged Excel workbook ({reason}); open it in Excel and save "
                             "it again", reason) from None


def _xml_attack(exc: BaseException) -> bool:
    """defusedxml refused the XML (openpyxl parses through it when installed, as it is here)."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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
            yield Sheet(worksheet.title, worksheet_grid(worksheet, path.name), _formula_cells(formula_sheet))
    finally:
        values.close()
        formulas.close()


def worksheet_grid(worksheet: Any, file_name: str = "") -> Grid:
    """The sheet's values by row (grid[i] = sheet row i+1), merged ranges filled with their value.

    Built from the cells that hold a value, so a stray cell at XFD1048576 costs one cell, not
    the billions of empty ones a rectangle would hold.
    """
    filled = [(row, col, value) for (row, col), cell in worksheet._cells.items()
              if (value := plain_value(cell.value)) is not None]
    last_row = max((row for row, _, _ in filled), default=0)
    if last_row > MAX_ROWS:
        where = f"{file_name}: " if file_name else ""
        raise BomError(f"{where}sheet {worksheet.title!r} has values down to row {last_row:,}, past row "
                       f"{MAX_ROWS:,}, the last bomcheck reads; delete the rows below the BOM or split it")
    grid: Grid = [[] for _ in range(last_row)]
    for row, col, value in sorted(filled):
        cells = grid[row - 1]
        cells.extend([None] * (col - len(cells)))
        cells[col - 1] = value
    for merged in worksheet.merged_cells.ranges:
        value = plain_value(worksheet.cell(merged.min_row, merged.min_col).value)
        _fill(grid, merged.min_row, merged.max_row, merged.min_col, merged.max_col, value)
    return trim(grid)


def _formula_cells(worksheet: Any) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    if worksheet is None:
        return found
    for (row, col), cell in worksheet._cells.items():  # only the cells that exist (see worksheet_grid)
        value = cell.value
        formula = (isinstance(value, str) and value.startswith("=")) or getattr(cell, "data_type", "") == "f"
        if row <= MAX_ROWS and formula:
            found[(row, col)] = str(getattr(value, "text", value))
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
    kind = "OpenDocument spreadsheet" if path.suffix.lower() == ".ods" else "Excel workbook"
    try:
        names, sheets = read_in_child(path, sheet, kind)
    except BomError:
        if path.suffix.lower() not in OPENPYXL_SUFFIXES:
            raise
        # An OLE file named .xlsx that is not an old .xls either: most likely encrypted some other way.
        raise BomError(f"{path.name} is password-protected (encrypted) or not a workbook; save an "
                       "unprotected copy and check that") from None
    if sheet is not None and sheet not in names:
        raise _no_such_sheet(path, sheet, names)
    spans = ods_merges(path) if path.suffix.lower() == ".ods" else None  # content.xml parsed once
    for name, rows, merged in sheets:
        grid: Grid = rows
        if spans is not None:
            merged = spans.get(name, [])
        covered = sum((last_row - row + 1) * (last_col - col + 1) - 1
                      for (row, col), (last_row, last_col) in merged)
        if covered > MAX_CELLS:
            raise BomError(f"{path.name} is refused: sheet {name!r} has merged cells covering more than "
                           f"{MAX_CELLS:,} cells, the most bomcheck reads per sheet; unmerge them or delete "
                           "what is not the BOM")
        ranges = []
        for (min_row, min_col), (max_row, max_col) in merged:
            value = grid[min_row][min_col] if min_row < len(grid) and min_col < len(grid[min_row]) else None
            _fill(grid, min_row + 1, max_row + 1, min_col + 1, max_col + 1, value)
            ranges.append((min_row + 1, min_col + 1, max_row + 1, max_col + 1))
        yield Sheet(name, trim(grid), merged=ranges)


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
            repeat = _count(element, "number-rows-repeated")
            col = 0
            for cell in element:
                span_cols = _count(cell, "number-columns-spanned")
                span_rows = _count(cell, "number-rows-spanned")
                if (span_cols > 1 or span_rows > 1) and row < MAX_ROWS:
                    ranges.append(((row, col), (row + span_rows - 1, col + span_cols - 1)))
                col += _count(cell, "number-columns-repeated")
            row += repeat
        found[table.get(f"{_ODS_TABLE}name", "")] = ranges
    return found


def _count(element: Any, attribute: str) -> int:
    """A repeat or span count of an .ods cell or row: 1 when it is missing, not a number, or below 1."""
    try:
        return max(1, int(element.get(f"{_ODS_TABLE}{attribute}", "1")))
    except ValueError:
        return 1
