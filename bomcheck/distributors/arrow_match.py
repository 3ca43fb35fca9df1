"""Which Arrow parts answer a BOM line: the exact MPN, then the manufacturer by name or alias."""

from __future__ import annotations

from collections.abc import Iterable

from bomcheck.distributors.arrow_parse import ArrowPart

# The one alias table (model.MANUFACTURER_ALIASES) decides which names are one maker, for every source.
from bomcheck.model import Query, maker_key, manufacturer_matches, normalize_mpn

__all__ = ["maker_key", "manufacturer_matches", "match_parts"]


def match_parts(parts: Iterable[ArrowPart], query: Query) -> list[ArrowPart]:
    """The parts whose partNum IS the query's MPN (after normalize_mpn); never prefix or substring.

    Token search is exact-or-prefix (LM358 returns LM358DR...), so results are filtered here.
    When several match and the query names a manufacturer, those of that manufacturer are
    kept — unless none is, then all are kept (the caller's message says so).
    """
    key = query.mpn_key
    if not key:
        return []
    exact = [part for part in parts if normalize_mpn(part.part_num) == key]
    if len(exact) > 1 and query.manufacturer:
        narrowed = [
            part for part in exact
            if manufacturer_matches(query.manufacturer, part.mfr_name, part.mfr_cd)
        ]
        if narrowed:
            return narrowed
    return exact
