"""Which Mouser parts answer a BOM line: the number asked, exact matches only, the BOM's maker and number."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from bomcheck.distributors.mouser_parse import SOURCE, MouserPart
from bomcheck.model import (
    Lifecycle,
    Lookup,
    LookupStatus,
    Query,
    maker_key,
    manufacturer_matches,
    normalize_mpn,
)

MAX_TERM_LENGTH = 40  # Mouser's part-number search takes 3 to 40 characters per number
MIN_TERM_LENGTH = 3


def search_term(query: Query) -> str:
    """The number one query asks Mouser about: its MPN, else the BOM's Mouser number ('' if neither)."""
    return (query.mpn or "").strip() or (query.mouser_pn or "").strip()


def term_problem(term: str) -> str:
    """Why `term` cannot go into a batch ('' when it can): one bad number must not spoil ten."""
    if "|" in term:
        return "the part number contains '|', which Mouser reads as a separator"
    if not MIN_TERM_LENGTH <= len(term) <= MAX_TERM_LENGTH:
        return f"Mouser searches part numbers of {MIN_TERM_LENGTH} to {MAX_TERM_LENGTH} characters"
    return ""


def parts_for(term: str, parts: Iterable[MouserPart]) -> list[MouserPart]:
    """The parts whose ManufacturerPartNumber or MouserPartNumber IS `term` (normalize_mpn):
    answers are matched back by number, never by their position in the answer."""
    key = normalize_mpn(term)
    if not key:
        return []
    return [part for part in parts if key in (normalize_mpn(part.mpn), normalize_mpn(part.mouser_pn))]


def _maker(name: str) -> str:
    """maker_key without accents, so Mouser's 'Wurth Elektronik' is the BOM's 'Würth Elektronik'."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return maker_key("".join(char for char in decomposed if not unicodedata.combining(char)))


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _same_maker(wanted: str, maker: str) -> bool:
    """The BOM's maker names Mouser's ('Samsung' ~ 'Samsung Electro-Mechanics', 'TI' ~ 'Texas
    Instruments', 'Würth' ~ 'Wurth Elektronik'): the model's rule, accents aside."""
    return _maker(wanted) == _maker(maker) or manufacturer_matches(_plain(wanted), _plain(maker))


def lookup_for(query: Query, parts: Sequence[MouserPart]) -> Lookup:
    """The Lookup of one query among the parts of its batch's answer.

    Exact matches only (see parts_for). When the BOM also names a Mouser number, the parts
    carrying it are preferred; then the BOM's manufacturer chooses among several makers.
    Several makers left: AMBIGUOUS (never pick one silently). None: NOT_FOUND.
    """
    term = search_term(query)
    matched = parts_for(term, parts)
    if not matched:
        if not (query.mpn or "").strip():
            return Lookup(SOURCE, LookupStatus.NOT_FOUND, message=f"Mouser number {term} not found at Mouser")
        return Lookup(SOURCE, LookupStatus.NOT_FOUND, message="not found at Mouser")
    notes: list[str] = []
    wanted_pn = (query.mouser_pn or "").strip()
    if wanted_pn and query.mpn and query.mpn.strip():
        same_pn = [part for part in matched if normalize_mpn(part.mouser_pn) == normalize_mpn(wanted_pn)]
        if same_pn:
            matched = same_pn
        else:
            notes.append(f"the BOM's Mouser number {wanted_pn} is not among Mouser's parts numbered "
                         f"{matched[0].mpn}")
    makers = {_maker(part.manufacturer): part.manufacturer for part in matched}
    if len(makers) > 1 and query.manufacturer:
        chosen = [part for part in matched if _same_maker(query.manufacturer, part.manufacturer)]
        if chosen:
            matched = chosen
            makers = {_maker(part.manufacturer): part.manufacturer for part in matched}
    offers = tuple(part.offer for part in matched)
    number = matched[0].mpn or matched[0].mouser_pn
    if len(makers) > 1:
        candidates = tuple(f"{part.mpn} ({part.manufacturer})" for part in matched)
        message = f"{len(makers)} manufacturers make a part numbered {number} at Mouser: " + ", ".join(
            makers.values())
        message += f"; none is {query.manufacturer}" if query.manufacturer else \
            "; add the manufacturer to the BOM line"
        return Lookup(SOURCE, LookupStatus.AMBIGUOUS, offers=offers, message=message,
                      candidates=tuple(dict.fromkeys(candidates)))
    maker = next(iter(makers.values()))
    if query.manufacturer and maker and not _same_maker(query.manufacturer, maker):
        notes.append(f"Mouser's {number} is made by {maker}, not {query.manufacturer}")
    for part in matched:
        if part.suggested_replacement and part.offer.lifecycle in (
                Lifecycle.OBSOLETE, Lifecycle.DISCONTINUED, Lifecycle.LAST_TIME_BUY, Lifecycle.NRND):
            notes.append(f"Mouser suggests {part.suggested_replacement} instead of {part.mouser_pn}")
    if wanted_pn and not (query.mpn or "").strip():
        notes.append(f"MPN {number} ({maker}) from Mouser number {wanted_pn}" if maker else
                     f"MPN {number} from Mouser number {wanted_pn}")
    return Lookup(SOURCE, LookupStatus.FOUND, offers=offers, message="; ".join(notes))
