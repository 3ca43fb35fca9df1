"""Quantity per board: the quantity cell read, and whole-table rules when the column is not per board."""

from __future__ import annotations

import re
from dataclasses import replace

from bomcheck.bom.cells import DASHES, CellValue, Grid, is_empty, text, whole_number
from bomcheck.bom.dnp import is_dnp_mark
from bomcheck.model import BomLine

_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:[,\u00a0 ]\d{3})+$")
_COUNT_WITH_UNIT_RE = re.compile(r"^(\d+)\s*(?:pcs?|pieces?|ea|each|x|units?|st|шт\.?|个|只|個|개)$",
                                 re.IGNORECASE)
_SETS_RE = re.compile(r"^(\d{1,3})\s*(세트|sets?|boards?|pcbs?|套|台分|セット)$", re.IGNORECASE)
_BOARD_QTY_RE = re.compile(r"^(board\s*qty|boards|number of boards|build qty)\s*:?$", re.IGNORECASE)
# The warning a quantity and a designator count that disagree give (count_disagrees).
COUNT_DISAGREES = re.compile(r"quantity \S+ but \d+ designators? \(")


def count_disagrees(qty: int, refdes: tuple[str, ...]) -> str:
    """'quantity 2 but 1 designator (U1)': said, never "fixed"."""
    plural = "" if len(refdes) == 1 else "s"
    return f"quantity {qty} but {len(refdes)} designator{plural} ({', '.join(refdes)})"


def parse_qty(value: CellValue, refdes: tuple[str, ...], notes: list[str]) -> int:
    """Quantity per board: the qty cell, else the designator count, else 1 (with notes)."""
    fallback = len(refdes) or 1
    if is_empty(value):
        return fallback
    qty = whole_number(value)
    if qty is None and isinstance(value, str):
        qty = _counted_text(value)
    if qty is None or qty < 0:
        if not is_dnp_mark(value):
            used = f"{len(refdes)} from the designators" if refdes else "1"
            problem = "is negative" if _negative(value) else "is not a whole number"
            notes.append(f"quantity {text(value)!r} {problem}; using {used}")
        return fallback
    if refdes and qty not in (0, len(refdes)):
        notes.append(count_disagrees(qty, refdes))
    return qty


def _counted_text(value: str) -> int | None:
    """'1,000' (thousands separators) -> 1000; '2 pcs', '2ea', '4 шт' -> 2, 2, 4; else None."""
    stripped = value.strip()
    if _THOUSANDS_RE.match(stripped):
        return int(re.sub(r"\D", "", stripped))
    counted = _COUNT_WITH_UNIT_RE.match(stripped)
    return int(counted.group(1)) if counted else None


def _negative(value: CellValue) -> bool:
    """A quantity below zero: -1, '-1', '−2' (a minus sign), '-1,000'."""
    rendered = (text(value) or "").translate(DASHES).replace(",", "")
    try:
        return float(rendered) < 0
    except ValueError:
        return False


def _by_designators(line: BomLine) -> BomLine:
    return replace(line, qty=len(line.refdes) if line.qty else 0,
                   warnings=tuple(w for w in line.warnings if not COUNT_DISAGREES.match(w)))


def per_board_quantities(lines: list[BomLine], qty_header: str | None, preamble: Grid,
                         footer: Grid | None = None) -> tuple[list[BomLine], list[str]]:
    """Quantities written for a whole build back to per board, or said to be doubtful.

    KiCost's 'Board Qty: N' with quantities N times the designator count: per board. A stated
    number of sets or boards ('2세트', '2 sets') that divides every quantity: per set. Quantities
    that differ from the designator count on nearly every line, with no common multiple (an order
    list with spares and pack sizes): per board is the designator count. A common multiple alone
    is only warned about.
    """
    if qty_header is None:
        return lines, []
    sets = _stated_sets([*preamble, *(footer or [])])
    fitted = [line for line in lines if line.qty and not line.dnp]
    if sets and len(fitted) >= 3 and all(line.qty % sets == 0 for line in fitted):
        divided = [replace(line, qty=line.qty // sets) if line.qty and not line.dnp else line
                   for line in lines]
        return divided, [f"quantities in {qty_header!r} are for {sets} sets (the sheet says so and every one "
                         f"divides by {sets}): read per set as the quantity / {sets}"]
    counted = [line for line in fitted if line.refdes]
    if len(counted) < 2:
        return lines, []
    ratios = [line.qty / len(line.refdes) for line in counted]
    boards = _stated_boards(preamble)
    if boards and sum(1 for r in ratios if r == boards) >= 0.8 * len(ratios):
        fixed = [_by_designators(line) if line.refdes else line for line in lines]
        return fixed, [f"quantities in {qty_header!r} are for {boards} boards "
                       f"(Board Qty: {boards}); read per board as the designator count"]
    common = max(set(ratios), key=ratios.count)
    if common > 1 and common.is_integer() and ratios.count(common) >= 0.6 * len(ratios):
        return lines, [f"most quantities are {int(common)}x the designator count: is the BOM written "
                       f"for {int(common)} boards? Quantities are used as written"]
    return _not_per_board(lines, counted, qty_header)


def _not_per_board(lines: list[BomLine], counted: list[BomLine],
                   qty_header: str) -> tuple[list[BomLine], list[str]]:
    differing = [line for line in counted if line.qty != len(line.refdes)]
    if len(counted) < 3 or len(differing) < 0.8 * len(counted):
        return lines, []
    extra = {line.qty - len(line.refdes) for line in counted}
    why = (f"each line has {extra.pop()} more than its designators (spares)" if len(extra) == 1
           else f"{len(differing)} of {len(counted)} lines differ from their designator count")
    fixed = [_by_designators(line) if line.refdes and not line.dnp else line for line in lines]
    return fixed, [f"quantities in {qty_header!r} are not per board ({why}): read per board as the "
                   "designator count; if they are, pass --qty-column to use them as written"]


def _stated_boards(preamble: Grid) -> int | None:
    for row in preamble:
        for position, value in enumerate(row):
            if isinstance(value, str) and _BOARD_QTY_RE.match(value.strip()):
                following = [v for v in row[position + 1:] if not is_empty(v)]
                number = whole_number(following[0]) if following else None
                if number and number > 1:
                    return number
    return None


def _stated_sets(rows: Grid) -> int | None:
    """The largest number of sets or boards a cell outside the table states ('2세트', '2 sets')."""
    stated = [int(match.group(1)) for row in rows for value in row
              if isinstance(value, str) and (match := _SETS_RE.match(value.strip()))]
    return max((number for number in stated if number > 1), default=None)
