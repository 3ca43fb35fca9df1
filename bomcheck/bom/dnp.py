"""Not-fitted marks: DNP words in cells and notes, placement columns, and titles of unfitted sections."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bomcheck.bom.aliases import DNP_MARKS, DNP_PHRASES
from bomcheck.bom.cells import CellValue, is_empty, text

_PHRASE_RE = re.compile(rf"(?<![A-Za-z0-9_])({DNP_PHRASES})(?![A-Za-z0-9_])", re.IGNORECASE)
_YES = frozenset({"yes", "y", "x", "true", "1", "ja", "oui", "sí", "si", "是", "はい"})
_NO = frozenset({"no", "n", "false", "0", "nein", "non", "否", "いいえ"})
_SHORT_MARKS = frozenset({"nf", "np", "ni", "nm"})  # not-fitted only in a DNP or placement column


def mark_key(raw: str) -> str:
    """A mark as compared: case, spaces, punctuation and underscores aside ('Not Fitted' -> 'notfitted')."""
    return re.sub(r"[\W_]", "", raw.casefold())


_MARK_KEYS = frozenset(mark_key(mark) for mark in DNP_MARKS)
_CELL_MARK_KEYS = _MARK_KEYS - _SHORT_MARKS


def dnp_word(value: str) -> bool:
    """Free text that says the part is not fitted ('DNP', '10k DNI', 'do not populate', 'nicht bestückt')."""
    return bool(_PHRASE_RE.search(value))


# Words a sheet named only for its not-fitted parts may add to the mark ("DNP parts", "Not fitted list").
_LIST_WORDS = frozenset({"part", "parts", "list", "components", "component", "items", "sheet", "only",
                         "bauteile", "teile", "liste", "pièces", "composants", "部品", "元件", "物料"})


def names_only_unfitted(name: str) -> bool:
    """A sheet or section name that is a not-fitted mark and nothing more ('NO-MOUNT', 'DNP parts',
    '不贴'), unlike a BOM that also lists them ('BOM + DNP', 'Variant A (no DNP)')."""
    if is_dnp_mark(name):
        return True
    if not dnp_word(name):
        return False
    rest = _PHRASE_RE.sub(" ", name)
    return all(word.casefold() in _LIST_WORDS for word in re.findall(r"[^\W\d_]+", rest))


def is_dnp_mark(value: CellValue) -> bool:
    """A whole cell that says not fitted ('DNP', 'DNI', 'Not fitted', '不贴'), in any column."""
    return isinstance(value, str) and mark_key(value) in _CELL_MARK_KEYS


def dnp_column_says(value: CellValue, *, kind: str) -> bool:
    """Whether a dnp-column cell marks the line not fitted (kind: negative, positive or notes)."""
    cell_text = text(value)
    if cell_text is None:
        return False
    if kind == "notes":
        return dnp_word(cell_text)
    key = mark_key(cell_text)
    return key in _MARK_KEYS or key in (_NO if kind == "positive" else _YES)


def row_says_dnp(cells: Sequence[CellValue], skip: set[int]) -> str | None:
    """The not-fitted mark a whole cell of the row holds outside the `skip` columns, or None."""
    for col, value in enumerate(cells, start=1):
        if col not in skip and is_dnp_mark(value):
            return str(value).strip()
    return None


def section_title(cells: Sequence[CellValue]) -> str | None:
    """The text of a section title row: one text, alone or repeated across merged cells ('Not installed')."""
    texts = {str(value).strip() for value in cells if not is_empty(value)}
    if len(texts) != 1:
        return None
    title = texts.pop()
    return title if not re.fullmatch(r"[-+]?[\d.,]+", title) else None


def dnp_section(title: str) -> bool:
    """A section title announcing unfitted parts ('Not installed', 'DO NOT INSTALL COMPONENTS BELOW')."""
    return dnp_word(title) or mark_key(title) in _MARK_KEYS
