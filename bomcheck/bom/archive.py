"""Look inside a zipped workbook before any parser does: refuse damage, zip bombs and oversized sheets."""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from bomcheck.bom.cells import MAX_CELLS, MAX_ROWS, MAX_WORKBOOK_CELLS
from bomcheck.errors import BomError

MAX_PART_BYTES = 256_000_000  # one part (a sheet's XML) inflated; a 100,000-row BOM needs well under
MAX_TOTAL_BYTES = 512_000_000  # all parts inflated together
MAX_RATIO = 100  # real sheet XML deflates 5-30:1; a bomb 1000:1
RATIO_FROM_BYTES = 1_000_000  # tiny parts may compress as they like
MAX_SHARED_STRINGS_BYTES = 64_000_000  # the text of every cell; a BOM's is well under 10 MB
_CHUNK = 1 << 20
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="\$?([A-Za-z]{1,3})\$?(\d{1,7})'
                    rb'(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?"')
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_SHARED_STRINGS = re.compile(r"^xl/[^/]*sharedStrings[^/]*\.xml$", re.IGNORECASE)


def check_archive(path: Path, kind: str) -> None:
    """Refuse, before openpyxl or calamine opens it, a zip that is damaged or would inflate to too much.

    Python's zipfile never inflates a part past its declared size (a lying size fails the CRC
    check), so the declared sizes bound what reading can cost.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BomError(f"{path.name} is not a readable {kind}: it is not a complete zip archive (damaged, "
                       "cut short, or another kind of file renamed); open it in its program and save it "
                       "again") from None
    except OSError as exc:
        raise BomError(f"cannot read {path}: {exc.strerror or exc}") from None
    with archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_PART_BYTES or (info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO):
                raise BomError(
                    f"{path.name} is refused as a zip bomb: its part {info.filename} would inflate to "
                    f"{_mb(info.file_size)} from {_mb(info.compress_size)}; bomcheck opens parts of at "
                    f"most {_mb(MAX_PART_BYTES)} compressed at most {MAX_RATIO}:1")
            if _SHARED_STRINGS.match(info.filename) and info.file_size > MAX_SHARED_STRINGS_BYTES:
                raise BomError(f"{path.name} is refused: its shared text ({info.filename}) is "
                               f"{_mb(info.file_size)}, more than the {_mb(MAX_SHARED_STRINGS_BYTES)} "
                               "bomcheck reads; delete what is not the BOM or export the BOM as CSV")
        if total > MAX_TOTAL_BYTES:
            raise BomError(f"{path.name} is refused: it would inflate to {_mb(total)}, more than the "
                           f"{_mb(MAX_TOTAL_BYTES)} bomcheck opens; a BOM is far smaller")
        names: dict[str, str] | None = None
        workbook_cells = 0
        for info in archive.infolist():
            if _SHEET_PART.match(info.filename):
                if names is None:
                    names = _sheet_names(archive)
                workbook_cells += _check_sheet_size(path, archive, info, names.get(info.filename.lower()))
                if workbook_cells > MAX_WORKBOOK_CELLS:
                    raise BomError(f"{path.name} is refused: its sheets together have more than "
                                   f"{MAX_WORKBOOK_CELLS:,} cells (merged cells included), the most bomcheck "
                                   "reads per workbook; delete the sheets that are not the BOM or save the "
                                   "BOM sheet alone")


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (lower case) -> its tab name, from workbook.xml and its relationships; {} if unsure."""
    from defusedxml import ElementTree

    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # names only make the message clearer: the parsers check the file itself
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter() if rel.get("Id")}
    names: dict[str, str] = {}
    for sheet in workbook.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rel_id = next((value for key, value in sheet.attrib.items() if key.rsplit("}", 1)[-1] == "id"), None)
        target = targets.get(rel_id, "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        names[part.lower()] = sheet.get("name", "")
    return names


def _check_sheet_size(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str | None) -> int:
    """Count a worksheet's rows and cells by streaming its XML; refuse past MAX_ROWS or MAX_CELLS.

    openpyxl would build every cell in memory first: this costs a pass over the bytes, no objects.
    Merged ranges count with their whole area (openpyxl makes an object for every cell they cover).
    Returns the sheet's cells.
    """
    rows = cells = merged = 0
    carry = b""
    try:
        with archive.open(info) as part:
            while chunk := part.read(_CHUNK):
                data = carry + chunk
                cut = data.rfind(b"<")
                data, carry = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                rows += len(_ROW.findall(data))
                cells += len(_CELL.findall(data))
                merged += sum(merge_area(*match) for match in _MERGE.findall(data))
                if rows > MAX_ROWS or cells + merged > MAX_CELLS:
                    break
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BomError(f"{path.name} is a damaged Excel workbook ({info.filename}: {exc}); open it in Excel "
                       "and save it again") from None
    sheet = f"sheet {name!r}" if name else "a sheet"
    if rows > MAX_ROWS:
        raise BomError(f"{path.name} is refused: {sheet} has more than {MAX_ROWS:,} rows, the most bomcheck "
                       "reads per sheet; delete the rows below the BOM or split it")
    if merged and cells + merged > MAX_CELLS:
        raise BomError(f"{path.name} is refused: {sheet} has merged cells covering more than {MAX_CELLS:,} "
                       "cells, the most bomcheck reads per sheet; unmerge them or delete what is not the BOM")
    if cells > MAX_CELLS:
        raise BomError(f"{path.name} is refused: {sheet} has more than {MAX_CELLS:,} cells, the most "
                       "bomcheck reads per sheet; delete what is not the BOM or split it")
    return cells + merged


def merge_area(first_col: bytes, first_row: bytes, last_col: bytes = b"", last_row: bytes = b"") -> int:
    """Cells a merged range A1:XFD9 covers beyond its first (a one-cell range covers none)."""
    col1, row1 = _col_number(first_col), int(first_row)
    col2, row2 = (_col_number(last_col), int(last_row)) if last_col and last_row else (col1, row1)
    return (abs(row2 - row1) + 1) * (abs(col2 - col1) + 1) - 1


def _col_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB" if size >= 1_000_000 else f"{size / 1000:,.0f} kB"
