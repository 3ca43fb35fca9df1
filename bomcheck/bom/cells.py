"""Cell values as the reader sees them: plain str/int/float/None, and the text helpers on them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

CellValue = str | int | float | None
Grid = list[list[CellValue]]

DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d"), "-")
_NUMBER_RE = re.compile(r"^[-+]?(\d[\d,]*)?\.?\d+$")
_WHOLE_RE = re.compile(r"^\+?\d+(\.0*)?$")
MAX_ROWS = 100_000  # rows per sheet bomcheck reads; more is refused, never silently cut
# cells per sheet: in .xlsx every <c> element (openpyxl holds each twice, ~250 bytes a copy),
# in the other formats the filled ones
MAX_CELLS = 500_000  # at the limit an .xlsx takes ~0.5 GB and ~20 s to read on a 2-core machine
MAX_WORKBOOK_CELLS = MAX_CELLS  # all sheets together: openpyxl and calamine read every sheet
PLACEHOLDERS = frozenset({"", "-", "--", "---", "n/a", "na", "none", "tbd", "?", "nc"})


@dataclass
class Sheet:
    """One table as read from a file: its rows (rows[i] is physical row i+1) and formula cells."""

    name: str | None
    rows: Grid
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) 1-based -> "=..."
    notes: list[str] = field(default_factory=list)  # how the file was decoded, etc.
    # merged ranges as (min_row, min_col, max_row, max_col), 1-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


# Control characters (C0 but tab and newlines, DEL, C1) and bidirectional overrides: in a
# terminal an ESC sequence in an MPN could rewrite the screen, a bidi override reorders what is shown.
# Invisible marks (zero-width space, LRM/RLM, word joiner, BOM) go too: '\u200eNCP551\u200e' is NCP551.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069"
                         "\ufeff]")


def clean_text(value: str) -> str:
    """Cell text without control characters or bidi overrides (tab, CR and LF are kept)."""
    return _CONTROL_RE.sub("", value)


def plain_value(value: Any) -> CellValue:
    """A cell value as str/int/float/None: dates as ISO text, booleans as TRUE/FALSE, text cleaned."""
    if value is None or isinstance(value, str):
        return clean_text(value) or None if value else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def text(value: CellValue) -> str | None:
    """A cell as stripped text; whole floats without '.0' (878311420.0 -> '878311420')."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        rendered = str(int(value)) if value.is_integer() else repr(value)
    else:
        rendered = str(value)
    return rendered.strip() or None


def is_empty(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_number(value: CellValue) -> bool:
    """A number, or text that is only a number ("12", "-3.5", "1,234.00")."""
    return isinstance(value, int | float) or bool(_NUMBER_RE.match(str(value).strip()))


def whole_number(value: CellValue) -> int | None:
    """The whole number a cell holds (4, 4.0, '4'), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e12 else None
    stripped = value.strip()
    return int(float(stripped)) if _WHOLE_RE.match(stripped) and len(stripped) < 13 else None


def optional(value: str | None) -> str | None:
    """None for empty or placeholder text ('-', 'N/A', 'TBD'), else the text."""
    if value is None or value.translate(DASHES).strip().lower() in PLACEHOLDERS:
        return None
    return value


def cell(cells: list[CellValue] | tuple[CellValue, ...], col: int | None) -> CellValue:
    """The cell at 1-based `col`, None when the row is shorter or no column is given."""
    if col is None or col < 1 or col > len(cells):
        return None
    return cells[col - 1]


def row_has_content(cells: list[CellValue] | tuple[CellValue, ...]) -> bool:
    return any(not is_empty(value) for value in cells)


def trim(grid: Grid) -> Grid:
    """Drop each row's trailing empty cells and the grid's trailing empty rows."""
    for row in grid:
        while row and is_empty(row[-1]):
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


def unreadable(path: Path, exc: OSError) -> str:
    """Why a file could not be read, saying so plainly when it vanished while bomcheck read it."""
    if not path.exists():
        return "it no longer exists (moved or deleted while bomcheck read it); check it again once it is back"
    return str(exc.strerror or exc)
