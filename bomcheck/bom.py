"""Read a BOM spreadsheet (.xlsx, .xlsm, .csv, .tsv): load a grid, find the header, build lines."""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bomcheck.errors import BomError
from bomcheck.model import Bom, BomLine

CellValue = str | int | float | None
Grid = list[list[CellValue]]

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".tsv")
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES + TEXT_SUFFIXES
HEADER_SEARCH_ROWS = 30
MAX_RANGE_EXPANSION = 1000

ROLES = ("mpn", "manufacturer", "qty", "refdes", "description", "digikey_pn", "dnp")

# The one alias table: header texts as people write them, per role, best first. Matching
# ignores case, spaces and punctuation (but keeps '#': "Manf#" is an MPN, "Manf" a maker),
# and a trailing number ("MPN1", "Manufacturer 2") when the full text has no match.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "mpn": (
        "MPN", "Manufacturer Part Number", "Mfr Part #", "Mfr. Part No.", "Mfr Part Number",
        "Mfr PN", "Mfg Part Number", "Mfg Part #", "Mfg PN", "Manufacturer Part #",
        "Manufacturer Part No.", "Manufacturer PN", "Manufacturer P/N", "MFRPN", "Manf#",
        "Manufacturer Part", "Mfr Part", "Part Number", "PartNumber", "Part No.", "Part #", "P/N",
    ),
    "manufacturer": (
        "Manufacturer", "Manufacturer Name", "Mfr", "Mfr.", "Mfg", "Manf", "Maker", "Vendor",
    ),
    "qty": (
        "Qty", "Quantity", "Qty per board", "Qty/board", "Quantity per board", "Qty per PCB",
        "Quantity per PCB", "Count",
    ),
    "refdes": (
        "Designator", "Designators", "Reference", "References", "Reference(s)",
        "Reference Designator", "Reference Designators", "Ref Des", "RefDes", "Ref", "Refs",
        "Parts",
    ),
    "description": ("Description", "Desc", "Part Description", "Comment", "Value"),
    "digikey_pn": (
        "DigiKey Part Number", "Digi-Key PN", "DigiKey PN", "Digi-Key Part #", "DigiKey Part #",
        "DigiKey Part", "Digi-Key_PN", "DK PN", "DK Part Number", "DK Part #", "DigiKey",
    ),
    "dnp": (
        "DNP", "DNI", "DNF", "Do Not Populate", "Populate", "Populated", "Fitted",
        "Install Option", "Install",
    ),
}
# dnp headers that say "fitted": there "no" means DNP (under DNP/DNI/DNF, "yes"/"x" does).
POSITIVE_DNP_HEADERS = ("Populate", "Populated", "Fitted", "Install Option", "Install")

_DNP_MARKS = frozenset({
    "dnp", "dni", "dnf", "nf", "np", "donotpopulate", "donotplace", "donotfit", "donotinstall",
    "notfitted", "notpopulated", "notinstalled", "nopop",
})
_DNP_CELL_MARKS = frozenset({"dnp", "dni", "dnf"})
_YES = frozenset({"yes", "y", "x", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})
_PLACEHOLDERS = frozenset({"", "-", "--", "---", "n/a", "na", "none", "tbd", "?"})
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d"), "-")
_TOTAL_RE = re.compile(r"^(grand\s*)?(sub\s*)?totals?\b|^sum\b", re.IGNORECASE)
_NOTE_RE = re.compile(r"^(notes?|remarks?|comments?)\b", re.IGNORECASE)
_RANGE_RE = re.compile(r"^([A-Za-z_]+)(\d+)-([A-Za-z_]*)(\d+)$")
_WHOLE_RE = re.compile(r"^\+?\d+(\.0*)?$")
_NUMBER_RE = re.compile(r"^[-+]?(\d[\d,]*)?\.?\d+$")


def _header_key(text: str) -> str:
    """Header text reduced to what matching looks at: lower-case letters, digits and '#'."""
    return re.sub(r"[^a-z0-9#]", "", text.translate(_DASHES).lower())


def _build_alias_index() -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for role, aliases in COLUMN_ALIASES.items():
        for rank, alias in enumerate(aliases):
            key = _header_key(alias)
            if key in index and index[key][0] != role:
                raise AssertionError(f"alias {alias!r} is listed for two roles")
            index.setdefault(key, (role, rank))
    return index


_ALIAS_INDEX = _build_alias_index()
_POSITIVE_DNP_KEYS = frozenset(_header_key(alias) for alias in POSITIVE_DNP_HEADERS)


def _key_variants(text: str) -> list[str]:
    """A header's key, then the key without a trailing number ("MPN1" -> "mpn")."""
    key = _header_key(text)
    stripped = key.rstrip("0123456789")
    return [key, stripped] if stripped and stripped != key else [key]


def header_role(text: Any) -> tuple[str, int] | None:
    """The (role, rank) a header cell stands for, or None; rank 0 is the role's best alias."""
    if not isinstance(text, str):
        return None
    for key in _key_variants(text):
        if key in _ALIAS_INDEX:
            return _ALIAS_INDEX[key]
    return None


# ---------------------------------------------------------------- public entry point


def read_bom(path: Path, *, sheet: str | None = None, mpn_column: str | None = None) -> Bom:
    """Read the BOM at `path`: the first sheet that looks like a BOM, or `sheet`.

    `mpn_column` names the header of the MPN column when no known name is used for it.
    """
    path = Path(path)
    suffix = _check_file(path)
    file_warnings: list[str] = []
    candidates: Iterable[tuple[str | None, Grid]]
    if suffix in EXCEL_SUFFIXES:
        candidates = workbook_grids(path, sheet)
    else:
        if sheet is not None:
            file_warnings.append(f"sheet {sheet!r} ignored: {suffix} files have no sheets")
        grid, text_warnings = load_text_grid(path)
        file_warnings.extend(text_warnings)
        candidates = [(None, grid)]
    sheet_name, grid, header = _first_bom_table(path, candidates, mpn_column)
    lines, line_warnings = build_lines(grid, header)
    return Bom(
        path=path,
        sheet=sheet_name,
        header_row=header.row,
        columns={role: header.texts.get(role) for role in ROLES},
        column_index=dict(header.index),
        lines=tuple(lines),
        grid=tuple(tuple(row) for row in grid),
        last_column=last_column(grid, header.row),
        warnings=tuple(file_warnings + header.warnings + line_warnings),
    )


def _check_file(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise BomError(
            f"{path.name}: unsupported file type {suffix or '(no extension)'}; "
            f"bomcheck reads {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if not path.exists():
        raise BomError(f"BOM file not found: {path}")
    if not path.is_file():
        raise BomError(f"{path} is not a file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BomError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if size == 0:
        raise BomError(f"{path.name} is empty")
    return suffix


def _first_bom_table(
    path: Path, candidates: Iterable[tuple[str | None, Grid]], mpn_column: str | None = None
) -> tuple[str | None, Grid, Header]:
    """The first (sheet, grid, header) with an MPN column; else BomError saying what was seen."""
    seen: list[tuple[str | None, Grid]] = []
    for name, grid in candidates:
        header = find_header(grid, mpn_column=mpn_column)
        if header is not None:
            return name, grid, header
        seen.append((name, grid))
    filled = [(name, grid) for name, grid in seen if any(map(_row_has_content, grid))]
    if not filled:
        raise BomError(f"{path.name} is empty")
    name, grid = filled[0]
    where = ""
    if len(seen) > 1:
        where = f" (sheets checked: {', '.join(repr(n) for n, _ in seen)})"
    elif name is not None:
        where = f" (sheet {name!r})"
    headers = ", ".join(repr(text) for text in plausible_header(grid)) or "none"
    if mpn_column:
        raise BomError(f"{path.name}: no column named {mpn_column!r}{where}; headers seen: {headers}")
    raise BomError(
        f"{path.name}: no MPN column found{where}; headers seen: {headers}; pass --mpn-column"
    )


# ---------------------------------------------------------------- grid loading


def workbook_grids(path: Path, sheet: str | None = None) -> Iterator[tuple[str, Grid]]:
    """(sheet name, grid) for `sheet`, or for every worksheet, visible ones first."""
    workbook = _open_workbook(path)
    try:
        worksheets = list(workbook.worksheets)
        if sheet is not None:
            chosen = [ws for ws in worksheets if ws.title == sheet]
            if not chosen:
                names = ", ".join(repr(ws.title) for ws in worksheets)
                raise BomError(f"{path.name} has no sheet {sheet!r}; its sheets are: {names}")
            worksheets = chosen
        else:
            worksheets.sort(key=lambda ws: ws.sheet_state != "visible")
        for worksheet in worksheets:
            yield worksheet.title, worksheet_grid(worksheet)
    finally:
        workbook.close()


def _open_workbook(path: Path) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(path, data_only=True, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise BomError(f"{path.name} is not a readable Excel workbook ({exc})") from exc
    except OSError as exc:
        raise BomError(f"cannot read {path}: {exc.strerror or exc}") from exc


def worksheet_grid(worksheet: Any) -> Grid:
    """The sheet's values by row (grid[i] = sheet row i+1), merged ranges filled with their value."""
    grid: Grid = [
        [plain_value(value) for value in row]
        for row in worksheet.iter_rows(
            min_row=1, max_row=worksheet.max_row, max_col=worksheet.max_column, values_only=True
        )
    ]
    for merged in worksheet.merged_cells.ranges:
        value = plain_value(worksheet.cell(merged.min_row, merged.min_col).value)
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                _set_grid(grid, row, col, value)
    return _trim(grid)


def _set_grid(grid: Grid, row: int, col: int, value: CellValue) -> None:
    while len(grid) < row:
        grid.append([])
    cells = grid[row - 1]
    while len(cells) < col:
        cells.append(None)
    cells[col - 1] = value


def plain_value(value: Any) -> CellValue:
    """A cell value as str/int/float/None: dates as ISO text, booleans as TRUE/FALSE."""
    if value is None or isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _trim(grid: Grid) -> Grid:
    """Drop each row's trailing empty cells and the grid's trailing empty rows."""
    for row in grid:
        while row and _is_empty(row[-1]):
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


def load_text_grid(path: Path) -> tuple[Grid, list[str]]:
    """Rows of a .csv/.tsv file (grid[i] = record i+1) and warnings about its decoding."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BomError(f"cannot read {path}: {exc.strerror or exc}") from exc
    text, notes = decode_text(data, path.name)
    if not text.strip():
        raise BomError(f"{path.name} is empty")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise BomError(f"{path.name} is not a readable text table ({exc})") from exc
    return _trim([[cell.strip() or None for cell in row] for row in rows]), notes


def decode_text(data: bytes, name: str) -> tuple[str, list[str]]:
    """Text of a file: UTF-16 with a BOM, UTF-8 (BOM or not), else Windows-1252 (with a note)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), [f"{name} is not UTF-8; read it as Windows-1252 text"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), [f"{name} is not UTF-8; read it as Latin-1 text"]


def sniff_delimiter(text: str, candidates: Sequence[str] = (",", ";", "\t")) -> str:
    """The delimiter giving the most early rows of one shared width above 1 (ties: first)."""
    sample = "\n".join(text.splitlines()[:60])
    best, best_score = candidates[0], -1
    for delimiter in candidates:
        try:
            reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
            widths = [len(row) for row in reader if row]
        except csv.Error:
            continue
        common = max(set(widths), key=widths.count, default=1)
        score = widths.count(common) if common > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


# ---------------------------------------------------------------- header finding


@dataclass
class Header:
    """The header row and the column chosen for each role found in it."""

    row: int  # 1-based physical row
    index: dict[str, int]  # role -> 1-based column
    texts: dict[str, str]  # role -> header text as written
    warnings: list[str]

    @property
    def dnp_positive(self) -> bool:
        """True for a "fitted"-style dnp column (Populate, Fitted): "no" there means DNP."""
        text = self.texts.get("dnp", "")
        return any(key in _POSITIVE_DNP_KEYS for key in _key_variants(text))


def map_header(cells: Sequence[CellValue], row: int = 0, mpn_column: str | None = None) -> Header:
    """Roles of one candidate header row; a role seen twice takes its best alias, then leftmost.

    A cell equal to `mpn_column` (case and spaces aside) is the MPN column, whatever its name.
    """
    best: dict[str, tuple[tuple[int, int, int], str]] = {}  # role -> ((rank, n, col), text)
    wanted = _header_key(mpn_column) if mpn_column else None
    for col, value in enumerate(cells, start=1):
        if wanted is not None and isinstance(value, str) and _header_key(value) == wanted:
            best["mpn"] = ((-1, 0, col), value.strip())
            continue
        match = header_role(value)
        if wanted is not None and match is not None and match[0] == "mpn":
            continue  # the user named the MPN column; look-alikes are not candidates
        if match is None:
            continue
        text = str(value).strip()
        order = (match[1], _trailing_number(text), col)  # "MPN1" before "MPN2"
        if match[0] not in best or order < best[match[0]][0]:
            best[match[0]] = (order, text)
    header = Header(
        row=row,
        index={role: order[2] for role, (order, _) in best.items()},
        texts={role: text for role, (_, text) in best.items()},
        warnings=[],
    )
    if "mpn" in best:
        others = [
            str(value).strip()
            for col, value in enumerate(cells, start=1)
            if col != header.index["mpn"] and _role_of(value) == "mpn"
        ]
        if others:
            header.warnings.append(
                f"MPNs read from column {header.texts['mpn']!r}; not from "
                + ", ".join(repr(text) for text in others)
            )
    return header


def _trailing_number(text: str) -> int:
    match = re.search(r"(\d+)\W*$", text)
    return int(match.group(1)) if match else 0


def _role_of(value: CellValue) -> str | None:
    match = header_role(value)
    return match[0] if match else None


def find_header(grid: Grid, search_rows: int = HEADER_SEARCH_ROWS,
                mpn_column: str | None = None) -> Header | None:
    """The best-scoring of the first `search_rows` rows that has an MPN column (ties: earliest)."""
    chosen: Header | None = None
    for number, cells in enumerate(grid[:search_rows], start=1):
        header = map_header(cells, number, mpn_column)
        if "mpn" in header.index and (chosen is None or len(header.index) > len(chosen.index)):
            chosen = header
    return chosen


def plausible_header(grid: Grid, search_rows: int = HEADER_SEARCH_ROWS) -> list[str]:
    """The non-empty cells of the early row that looks most like a header (for messages)."""
    best: list[str] = []
    best_key = (0, 0)
    for cells in grid[:search_rows]:
        words = sum(1 for cell in cells if isinstance(cell, str) and not _is_number(cell))
        key = (len(map_header(cells).index), words)
        if key > best_key:
            best = [str(cell).strip() for cell in cells if not _is_empty(cell)]
            best_key = key
    return best


# ---------------------------------------------------------------- line building


def build_lines(grid: Grid, header: Header) -> tuple[list[BomLine], list[str]]:
    """BomLines of the data rows below the header, and warnings about the table as a whole."""
    notes: list[str] = []
    if "qty" not in header.index and "refdes" not in header.index:
        notes.append("no quantity or designator column: assuming 1 per board for every line")
    lines: list[BomLine] = []
    for number in range(header.row + 1, len(grid) + 1):
        cells = grid[number - 1]
        if not _row_has_content(cells) or _repeats_header(cells, header):
            continue
        kind = footer_kind(cells, header.index["mpn"])
        if kind == "total":
            break
        if kind is None:
            lines.append(build_line(number, cells, header))
    return lines, notes


def _cell(cells: Sequence[CellValue], col: int | None) -> CellValue:
    if col is None or col > len(cells):
        return None
    return cells[col - 1]


def _repeats_header(cells: Sequence[CellValue], header: Header) -> bool:
    """A repeated header line (multi-page exports): the MPN cell holds the MPN header text."""
    return _text(_cell(cells, header.index["mpn"])) == header.texts["mpn"]


def footer_kind(cells: Sequence[CellValue], mpn_col: int) -> str | None:
    """'total' for a totals row (ends the table), 'note' for a note or number-only row, else None.

    Rows with something in the MPN column are parts (an MPN may be all digits), except a
    lone "Notes: ..." or "Total" there.
    """
    filled = [(col, value) for col, value in enumerate(cells, start=1) if not _is_empty(value)]
    texts = [str(value).strip() for _, value in filled if not _is_number(value)]
    mpn = _text(_cell(cells, mpn_col))
    totals = [text for text in texts if _TOTAL_RE.match(text)]
    if totals and len(texts) <= 2 and (mpn is None or mpn in totals):
        return "total"
    if mpn is None and not texts:
        return "note"
    if len(filled) == 1 and (mpn is None or _NOTE_RE.match(mpn)):
        return "note"
    return None


def build_line(number: int, cells: Sequence[CellValue], header: Header) -> BomLine:
    """The BomLine of physical row `number`."""
    index = header.index
    notes: list[str] = []
    mpn_text = _text(_cell(cells, index["mpn"]))
    mpn = clean_mpn(mpn_text)
    description = _text(_cell(cells, index.get("description")))
    refdes = split_refdes(_text(_cell(cells, index.get("refdes"))), notes)
    qty_cell = _cell(cells, index.get("qty"))
    qty = parse_qty(qty_cell, refdes, notes)
    dnp = (
        qty == 0
        or dnp_column_says(_cell(cells, index.get("dnp")), positive=header.dnp_positive)
        or any(_is_dnp_mark(value) for value in (mpn_text, description, qty_cell))
    )
    return BomLine(
        row=number,
        mpn=mpn,
        manufacturer=_optional(_text(_cell(cells, index.get("manufacturer")))),
        qty=qty,
        refdes=refdes,
        dnp=dnp,
        digikey_pn=_optional(_text(_cell(cells, index.get("digikey_pn")))),
        description=description,
        warnings=tuple(notes),
        raw_mpn_text=mpn_text if mpn is None else None,
    )


def clean_mpn(text: str | None) -> str | None:
    """The MPN in a cell's text; None for empty, placeholder ('-', 'N/A') or DNP marks."""
    if text is None or _is_dnp_mark(text):
        return None
    return _optional(text)


def _optional(text: str | None) -> str | None:
    """None for empty or placeholder text ('-', 'N/A', 'TBD'), else the text."""
    if text is None or text.translate(_DASHES).strip().lower() in _PLACEHOLDERS:
        return None
    return text


def _text(value: CellValue) -> str | None:
    """A cell as stripped text; whole floats without '.0' (878311420.0 -> '878311420')."""
    if value is None:
        return None
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)
    return text.strip() or None


def split_refdes(text: str | None, notes: list[str] | None = None) -> tuple[str, ...]:
    """Designators split on commas, semicolons and whitespace, ranges like R1-R4 expanded."""
    if not text:
        return ()
    text = re.sub(r"\s*-\s*", "-", text.translate(_DASHES))
    designators: list[str] = []
    for token in re.split(r"[,;\s]+", text):
        if token:
            designators.extend(expand_range(token))
    unique = tuple(dict.fromkeys(designators))
    if notes is not None and len(unique) != len(designators):
        twice = [d for d in unique if designators.count(d) > 1]
        notes.append(f"designator listed more than once: {', '.join(twice)}")
    return unique


def expand_range(token: str) -> list[str]:
    """['R1', 'R2', 'R3'] for 'R1-R3' (same prefix, ascending, at most 1000); else [token]."""
    match = _RANGE_RE.match(token)
    if not match:
        return [token]
    prefix, first, second_prefix, last = match.groups()
    start, stop = int(first), int(last)
    if second_prefix not in ("", prefix) or stop <= start or stop - start >= MAX_RANGE_EXPANSION:
        return [token]
    return [f"{prefix}{number}" for number in range(start, stop + 1)]


def parse_qty(value: CellValue, refdes: tuple[str, ...], notes: list[str]) -> int:
    """Quantity per board: the qty cell, else the designator count, else 1 (with notes)."""
    fallback = len(refdes) or 1
    if _is_empty(value):
        return fallback
    qty = whole_number(value)
    if qty is None or qty < 0:
        if not _is_dnp_mark(value):
            used = f"{len(refdes)} from the designators" if refdes else "1"
            notes.append(f"quantity {_text(value)!r} is not a whole number; using {used}")
        return fallback
    if refdes and qty not in (0, len(refdes)):
        notes.append(f"quantity {qty} but {len(refdes)} designators ({', '.join(refdes)})")
    return qty


def whole_number(value: CellValue) -> int | None:
    """The whole number a cell holds (4, 4.0, '4'), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = value.strip()
    return int(float(text)) if _WHOLE_RE.match(text) else None


def dnp_column_says(value: CellValue, *, positive: bool) -> bool:
    """Whether a dnp-column cell marks the line not fitted (`positive`: a Populate/Fitted column)."""
    text = _text(value)
    if text is None:
        return False
    key = _mark_key(text)
    return key in _DNP_MARKS or key in (_NO if positive else _YES)


def _is_dnp_mark(value: CellValue) -> bool:
    return isinstance(value, str) and _mark_key(value) in _DNP_CELL_MARKS


def _mark_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# ---------------------------------------------------------------- small helpers


def _is_empty(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_number(value: CellValue) -> bool:
    """A number, or text that is only a number ("12", "-3.5", "1,234.00")."""
    return isinstance(value, int | float) or bool(_NUMBER_RE.match(str(value).strip()))


def _row_has_content(cells: Sequence[CellValue]) -> bool:
    return any(not _is_empty(value) for value in cells)


def last_column(grid: Grid, header_row: int) -> int:
    """The last column with a value in the header row or any row below it (1-based)."""
    last = 0
    for cells in grid[header_row - 1:]:
        for col in range(len(cells), last, -1):
            if not _is_empty(cells[col - 1]):
                last = col
                break
    return last
