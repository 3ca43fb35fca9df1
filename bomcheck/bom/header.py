"""Find the header row: score the early rows by the names they hold and how the rows below look."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bomcheck.bom.cells import Grid, cell, is_empty, is_number, row_has_content, text
from bomcheck.bom.columns import ColumnMap, map_columns
from bomcheck.bom.layouts import Layouts, layout_key
from bomcheck.bom.names import header_key, header_role

HEADER_SEARCH_ROWS = 40
BODY_SAMPLE_ROWS = 200
_WEIGHTS = {"mpn": 4, "qty": 3, "refdes": 3, "manufacturer": 2, "description": 1, "digikey_pn": 2,
            "dnp": 1, "customer_pn": 1, "attrition": 1, "lcsc_pn": 1, "footprint": 1}


@dataclass
class Header:
    """The chosen header row of one table and what its columns hold."""

    row: int  # 1-based physical row
    columns: ColumnMap
    score: float


def row_score(grid: Grid, number: int) -> float:
    """How much physical row `number` looks like a table header (0: not at all)."""
    cells = grid[number - 1]
    filled = [value for value in cells if not is_empty(value)]
    if len(filled) < 2 and not (filled and header_role(filled[0])):
        return 0.0
    texts = [value for value in filled if isinstance(value, str) and not is_number(value)]
    if len(texts) < len(filled) * 0.7:
        return 0.0
    roles = {match[0] for match in map(header_role, filled) if match}
    distinct = len({header_key(str(value)) for value in filled}) / len(filled)
    named = sum(_WEIGHTS.get(role, 1) for role in roles)
    return named + 2 * data_support(grid, number) + distinct


def data_support(grid: Grid, number: int, sample: int = 8) -> float:
    """Share of the next non-blank rows that fill at least half of the header's columns."""
    header_cols = [col for col, value in enumerate(grid[number - 1], start=1) if not is_empty(value)]
    rows = [row for row in grid[number:number + 3 * sample] if row_has_content(row)][:sample]
    if not rows:
        return 0.0
    wanted = max(2, (len(header_cols) + 1) // 2)
    hits = 0
    for row in rows:
        present = sum(1 for col in header_cols if not is_empty(cell(row, col)))
        if present >= wanted:
            hits += 1
    return hits / len(rows)


def find_header(grid: Grid, overrides: Mapping[str, str] | None = None, header_row: int | None = None,
                search_rows: int = HEADER_SEARCH_ROWS, layouts: Layouts | None = None) -> Header | None:
    """The best header of the grid that identifies parts (an MPN or a seller's number column); the best
    one of all when none does.

    Overrides (a column named by the user) restrict the choice to rows holding those names;
    `header_row` fixes the row. A row whose layout was saved takes its saved column map.
    """
    overrides = dict(overrides or {})
    if layouts and header_row is None:
        for number in range(1, min(len(grid), search_rows) + 1):
            saved = layouts.get(layout_key(grid[number - 1])) if row_has_content(grid[number - 1]) else None
            if saved:
                columns = _columns(grid, number, {**saved, **overrides}, saved=set(saved) - set(overrides))
                return Header(number, columns, row_score(grid, number))
    if header_row is not None:
        if header_row > len(grid):
            return None
        return Header(header_row, _columns(grid, header_row, overrides), row_score(grid, header_row))
    candidates = []
    for number in range(1, min(len(grid), search_rows) + 1):
        if overrides and not _holds_names(grid[number - 1], overrides.values()):
            continue
        score = row_score(grid, number)
        if score > 0 or overrides:
            candidates.append((score, number))
    named = [(score, number) for score, number in candidates if _has_alias(grid[number - 1])]
    candidates = named or candidates  # rows naming a known column beat data rows that merely look like text
    candidates.sort(key=lambda item: (-item[0], item[1]))
    fallback: Header | None = None
    for score, number in candidates[:5]:
        header = Header(number, _columns(grid, number, overrides), score)
        if header.columns.identified:
            return header
        fallback = fallback or header
    return fallback


def _has_alias(cells: list) -> bool:
    return any(header_role(value) for value in cells if not is_empty(value))


def _holds_names(cells: list, names) -> bool:
    """Whether a row holds every named header ('Group/Header' names the header after the slash)."""
    keys = {header_key(text(value) or "") for value in cells}
    return all(header_key(name) in keys or ("/" in name and header_key(name.rpartition("/")[2]) in keys)
               for name in names)


def _columns(grid: Grid, number: int, overrides: Mapping[str, str], saved: set[str] | None = None
             ) -> ColumnMap:
    body = [row for row in grid[number:number + BODY_SAMPLE_ROWS] if row_has_content(row)]
    group_row = grid[number - 2] if number >= 2 else None
    columns = map_columns(grid[number - 1], body, overrides, group_row)
    for role in saved or ():
        if role in columns.reasons:
            columns.reasons[role] = "saved column map (inspect --save-layout)"
    return columns


def plausible_header(grid: Grid, search_rows: int = HEADER_SEARCH_ROWS) -> list[str]:
    """The non-empty cells of the early row that looks most like a header (for messages)."""
    best: list[str] = []
    best_score = 0.0
    for number in range(1, min(len(grid), search_rows) + 1):
        score = row_score(grid, number)
        if score > best_score:
            best = [text(value) or "" for value in grid[number - 1] if not is_empty(value)]
            best_score = score
    return best
