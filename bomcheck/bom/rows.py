"""Rows under the header that are no lines: totals, summaries, charges, titles, notes, repeated headers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bomcheck.bom.aliases import CHARGE_WORDS, TOTAL_WORDS, TOTAL_WORDS_CJK
from bomcheck.bom.cells import CellValue, cell, is_empty, is_number, text
from bomcheck.bom.columns import AUX_ROLES, ColumnMap
from bomcheck.bom.dnp import section_title
from bomcheck.bom.mpns import part_number_like, read_mpn
from bomcheck.bom.shapes import designator_cell_like

_TOTAL_RE = re.compile(rf"^({TOTAL_WORDS})|^total\s+general|^.{{0,12}}({TOTAL_WORDS_CJK})", re.IGNORECASE)
_CHARGE_RE = re.compile(CHARGE_WORDS, re.IGNORECASE)
_NOTE_RE = re.compile(r"^(\*?\s*notes?|remarks?|comments?)\b", re.IGNORECASE)
_UNDERLINE_RE = re.compile(r"^[_\-=\s]{3,}$")
_LABEL_RE = re.compile(r".+:\s*$")


def row_kind(cells: Sequence[CellValue], columns: ColumnMap) -> str | None:
    """Why a row is not a part line ('total', 'summary', 'charge', 'section', 'note', 'numbers',
    'underline'), or None for a part.

    A part line needs an MPN, a seller's number, designators or a quantity; rows with none of
    those are titles, notes or section headings. Totals and notes are skipped wherever they are.
    """
    cells = list(cells)
    index = columns.index
    filled = [value for value in cells if not is_empty(value)]
    texts = [str(value).strip() for value in filled if not is_number(value)]
    mpn = text(cell(cells, index.get("mpn")))
    part = mpn is not None and read_mpn(mpn, [], bare_number=bare_number(cells, index)).mpn is not None
    if any(_TOTAL_RE.match(t) for t in texts) and (not part or _TOTAL_RE.match(mpn or "")):
        return "total"
    if texts and all(_UNDERLINE_RE.match(t) for t in texts):
        return "underline"
    if texts and all(_LABEL_RE.match(t) for t in texts) and not columns.seller_numbers(cells):
        return "summary"  # 'Component Count:' 62, 'Gesamtpreis:' 15.12
    if len(filled) > 1 and section_title(cells):
        return "section"  # one title merged across the row ('Not installed')
    if mpn is not None and len(filled) == 1 and (_NOTE_RE.match(mpn) or not part):
        return "note"
    refdes = text(cell(cells, index.get("refdes")))
    if mpn is None and refdes is None and any(_CHARGE_RE.search(t) for t in texts):
        return "charge"  # shipping, fees
    if part or columns.seller_numbers(cells):
        return None
    if not texts:
        return "numbers"
    if len(filled) == 1:
        return None if refdes and designator_cell_like(refdes)[0] else "note"  # a list of unfitted parts
    if refdes is None and is_empty(cell(cells, index.get("qty"))) and _role_texts(cells, columns) < 2:
        return "note"
    return None


def _role_texts(cells: list[CellValue], columns: ColumnMap) -> int:
    """How many of the table's named columns hold text in the row (an item without quantity has several)."""
    named = set(columns.index.values()) | set(columns.sellers)
    return sum(1 for col in named if isinstance(value := cell(cells, col), str) and not is_number(value)
               and value.strip())


def bare_number(cells: Sequence[CellValue], index: dict[str, int]) -> bool:
    """The MPN cell is a number (not text) and the row names no maker: a short one is a value or a code."""
    return isinstance(cell(list(cells), index.get("mpn")), int | float) and is_empty(
        cell(list(cells), index.get("manufacturer")))


def repeats_header(cells: Sequence[CellValue], columns: ColumnMap) -> bool:
    """A repeated header line (multi-page exports, one header per section): its named cells say the names."""
    named = {role: col for role, col in columns.index.items() if role not in AUX_ROLES}
    if "mpn" in named:
        return text(cell(list(cells), named["mpn"])) == columns.texts["mpn"]
    same = sum(1 for role, col in named.items() if text(cell(list(cells), col)) == columns.texts[role])
    return same >= max(2, (len(named) + 1) // 2)


def continues_designators(cells: Sequence[CellValue], columns: ColumnMap, above: str | None) -> bool:
    """A wrapped designator list: only the designator cell is filled, the line above ended with ','."""
    col = columns.index.get("refdes")
    if col is None or is_empty(cell(list(cells), col)):
        return False
    if any(not is_empty(value) for number, value in enumerate(cells, start=1) if number != col):
        return False
    return above is not None and above.rstrip().endswith((",", ";"))


def second_source(cells: Sequence[CellValue], columns: ColumnMap) -> tuple[str, str | None] | None:
    """(MPN, maker) of a row that only names another maker's part for the line above (OrCAD/ERP
    second-source rows: no quantity, designators or description of their own), else None."""
    index = columns.index
    if "mpn" not in index or "qty" not in index or not ({"refdes", "description"} & set(index)):
        return None
    mpn = text(cell(list(cells), index["mpn"]))
    if not mpn or not part_number_like(mpn.split()[0]):
        return None
    own = {index.get(role) for role in ("qty", "refdes", "description", "value", "dnp")} - {None}
    if any(not is_empty(cell(list(cells), col)) for col in own | set(columns.sellers)):
        return None
    return mpn, text(cell(list(cells), index.get("manufacturer")))
