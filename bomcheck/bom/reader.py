"""read_bom: pick the sheet and header that hold the BOM, map its columns, and build its lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bomcheck.bom.cells import CellValue, Grid, Sheet, is_empty, row_has_content
from bomcheck.bom.columns import ROLES, header_role
from bomcheck.bom.dnp import names_only_unfitted
from bomcheck.bom.grids import CALAMINE_SUFFIXES, OPENPYXL_SUFFIXES, workbook_sheets
from bomcheck.bom.header import HEADER_SEARCH_ROWS, Header, find_header, plausible_header, row_score
from bomcheck.bom.lines import Table, build_lines
from bomcheck.bom.options import ReaderOptions, column_option
from bomcheck.bom.sellers import SELLER_ROLES
from bomcheck.bom.text import TEXT_SUFFIXES, text_sheet
from bomcheck.errors import BomError
from bomcheck.model import Bom, BomLine

LATE_HEADER_ROWS = 500  # how far past the header search a better header is looked for
SUPPORTED_SUFFIXES = OPENPYXL_SUFFIXES + CALAMINE_SUFFIXES + TEXT_SUFFIXES


def read_bom(path: Path, options: ReaderOptions | None = None) -> Bom:
    """Read the BOM at `path`: the sheet and header row that look most like a BOM, or those named."""
    options = options or ReaderOptions()
    path = Path(path)
    suffix = check_bom_file(path)
    file_warnings: list[str] = []
    if suffix in TEXT_SUFFIXES:
        if options.sheet is not None:
            file_warnings.append(f"sheet {options.sheet!r} ignored: {suffix} files have no sheets")
        sheets = [text_sheet(path)]
    else:
        sheets = list(workbook_sheets(path, options.sheet))
    sheet, header, seen = _choose_table(path, sheets, options)
    file_warnings.extend(sheet.notes)
    later = _later_header(sheet.rows, header) if options.header_row is None else None
    if later is not None:
        header = find_header(sheet.rows, options.column_overrides(), later) or header
        file_warnings.append(f"header found at row {later}, below the first {HEADER_SEARCH_ROWS} rows; "
                             "if that is wrong, pass --header-row")
    grid = sheet.rows
    table = Table(header.row, header.columns, sheet.formulas, grid[:header.row - 1],
                  qty_named="qty" in options.column_overrides())
    lines, line_warnings = build_lines(grid, table)
    columns = header.columns
    if not lines:
        where = f"sheet {sheet.name!r}, " if sheet.name else ""
        raise BomError(f"{path.name}: no BOM lines below the header ({where}row {header.row}); "
                       "if the table is further down, pass --header-row")
    line_warnings.extend(_unfitted_sheets(seen, sheet, lines))
    return Bom(
        path=path,
        sheet=sheet.name,
        header_row=header.row,
        columns={**{role: columns.texts.get(role) for role in ROLES},
                 **{role: columns.texts[role] for role in SELLER_ROLES if role in columns.texts}},
        column_index={role: col for role, col in columns.index.items()},
        lines=tuple(lines),
        grid=frozen(grid),
        last_column=last_column(grid, header.row),
        warnings=tuple(file_warnings + columns.warnings + line_warnings),
        column_reasons=dict(columns.reasons),
        merged=tuple(sheet.merged),
        seller_columns=tuple(columns.seller_columns()),
    )


def frozen(grid: Grid) -> tuple[tuple[CellValue, ...], ...]:
    """The grid as tuples, row by row in place: each row's list is let go as its tuple is made, so
    a large table is never held twice (the cells' values are shared, not copied)."""
    rows: list[Any] = grid
    for number, cells in enumerate(rows):
        rows[number] = tuple(cells)
    return tuple(rows)


def _later_header(grid: Grid, header: Header) -> int | None:
    """A row past the searched ones that names an MPN column and scores higher than `header`."""
    for number in range(HEADER_SEARCH_ROWS + 1, min(len(grid), LATE_HEADER_ROWS) + 1):
        cells = grid[number - 1]
        names_mpn = any((header_role(value) or ("", 0))[0] == "mpn" for value in cells if not is_empty(value))
        if names_mpn and row_score(grid, number) > header.score:
            return number
    return None


def check_bom_file(path: Path) -> str:
    """The file's suffix, once it is a readable, non-empty file of a kind bomcheck reads; else BomError."""
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


def unfitted_sheet(name: str | None) -> bool:
    """A sheet named as a list of parts not fitted ('NO-MOUNT', 'DNP', 'Not fitted', '不贴')."""
    return bool(name) and names_only_unfitted(name or "")


def _unfitted_sheets(seen: list[tuple[Sheet, Header | None]], chosen: Sheet,
                     lines: list[BomLine]) -> list[str]:
    """A warning per other sheet named as not fitted: it is not read as BOM lines (its rows belong to
    another sheet than the one annotated), so what it lists is said, with designators it shares with
    fitted lines of the BOM sheet."""
    fitted = {ref for line in lines if not line.dnp for ref in line.refdes}
    said = []
    for sheet, header in seen:
        if sheet is chosen or not unfitted_sheet(sheet.name):
            continue
        listed, _ = (build_lines(sheet.rows, Table(header.row, header.columns)) if header is not None
                     and header.columns.identified else ([], []))
        what = (f"{len(listed)} {'line' if len(listed) == 1 else 'lines'} of not-fitted parts" if listed
                else "not-fitted parts")
        both = sorted({ref for line in listed for ref in line.refdes} & fitted)
        refs = ", ".join(both[:8]) + (" and more" if len(both) > 8 else "")
        clash = (f"; {refs} {'is' if len(both) == 1 else 'are'} listed there and fitted on {chosen.name!r}: "
                 "check which is right") if both else ""
        said.append(f"sheet {sheet.name!r} lists {what}: not read as BOM lines (nothing on it is bought or "
                    f"planned){clash}")
    return said


def _choose_table(path: Path, sheets: list[Sheet],
                  options: ReaderOptions) -> tuple[Sheet, Header, list[tuple[Sheet, Header | None]]]:
    """The sheet and header naming parts (MPNs or sellers' numbers) with the best score, and every
    sheet's header; else a BomError. A sheet named as not fitted ('NO-MOUNT') is the BOM only when
    no other sheet names parts."""
    overrides = options.column_overrides()
    if options.header_row is not None and options.header_row < 1:
        raise BomError(f"--header-row must be 1 or more, not {options.header_row}")
    found: list[tuple[Sheet, Header]] = []
    seen: list[tuple[Sheet, Header | None]] = []
    for sheet in sheets:
        header = find_header(sheet.rows, overrides, options.header_row, layouts=options.layouts)
        seen.append((sheet, header))
        if header is not None and header.columns.identified and _covers(header, overrides):
            found.append((sheet, header))
    if found:
        fitted = [item for item in found if not unfitted_sheet(item[0].name)] or found
        sheet, header = max(fitted, key=lambda item: item[1].score)  # max keeps the first of equals
        return sheet, header, seen
    _refuse(path, seen, options, overrides)
    raise AssertionError("unreachable")


def _covers(header: Header, overrides: dict[str, str]) -> bool:
    return all(role in header.columns.index for role in overrides)


def _refuse(path: Path, seen: list[tuple[Sheet, Header | None]], options: ReaderOptions,
            overrides: dict[str, str]) -> None:
    filled = [(sheet, header) for sheet, header in seen if any(map(row_has_content, sheet.rows))]
    if not filled:
        named = [sheet.name for sheet, _ in seen if sheet.name is not None]
        if len(named) == 1:
            raise BomError(f"{path.name} holds no data: its only sheet, {named[0]!r}, is empty")
        if named:
            raise BomError(f"{path.name} holds no data: its sheets ({', '.join(map(repr, named))}) are empty")
        raise BomError(f"{path.name} is empty")
    sheet, header = max(filled, key=lambda item: item[1].score if item[1] else -1)
    where = ""
    if len(seen) > 1:
        where = f" (sheets checked: {', '.join(repr(s.name) for s, _ in seen)})"
    elif sheet.name is not None:
        where = f" (sheet {sheet.name!r})"
    if options.header_row is not None and options.header_row > len(sheet.rows):
        raise BomError(f"{path.name}: --header-row {options.header_row} is past the end{where}, "
                       f"which has {len(sheet.rows)} rows")
    if options.header_row is not None:
        row = sheet.rows[options.header_row - 1]  # past the end was refused above
        names = [str(value).strip() for value in row if not is_empty(value)]
    else:
        names = plausible_header(sheet.rows)
    headers = _said_headers(names)
    missing = [name for role, name in overrides.items()
               if header is None or role not in header.columns.index]
    if missing:
        raise BomError(f"{path.name}: no column named {missing[0]!r}{where}; headers seen: {headers}")
    at_row = f" in row {options.header_row}" if options.header_row is not None else ""
    guess = f"; {header.columns.best_mpn_guess}" if header and header.columns.best_mpn_guess else ""
    for role, name in overrides.items():
        role_of_name = header_role(name)
        if role_of_name and role_of_name[0] == "mpn":  # e.g. --qty-column MPN
            guess = f"; {name!r} would be the MPN column, but {column_option(role)} took it"
    raise BomError(f"{path.name}: no MPN column found{at_row}{where}; headers seen: {headers}"
                   f"{guess}; pass --mpn-column")


MAX_HEADERS_SAID = 12
MAX_HEADER_CHARS = 40


def _said_headers(names: list[str]) -> str:
    """The headers seen, as an error may quote them: a few short names, never a file's whole first row
    (a refused file may be no BOM at all — a token file dropped by mistake)."""
    shown = [repr(name if len(name) <= MAX_HEADER_CHARS else name[:MAX_HEADER_CHARS - 1] + "…")
             for name in names[:MAX_HEADERS_SAID]]
    more = f" and {len(names) - MAX_HEADERS_SAID} more" if len(names) > MAX_HEADERS_SAID else ""
    return ", ".join(shown) + more if shown else "none"


def last_column(grid: Grid, header_row: int) -> int:
    """The last column with a value in the header row or any row below it (1-based)."""
    last = 0
    for cells in grid[header_row - 1:]:
        for col in range(len(cells), last, -1):
            if not is_empty(cells[col - 1]):
                last = col
                break
    return last
