"""An MPN cell's text to the MPN: placeholders, values, notes in parentheses, several parts in one cell."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bomcheck.bom.cells import optional
from bomcheck.bom.dnp import is_dnp_mark
from bomcheck.bom.shapes import footprint_like, manufacturer_like, mpn_like, value_like

_CJK_RE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uff60]")
_NOT_FITTED_PREFIX_RE = re.compile(r"^(NA|NS|DNP|DNI|DNF)/", re.IGNORECASE)
_WRAPPED_DNP_RE = re.compile(r"^\s*(NA|NS|NF|DNP|DNI|DNF)\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
# A part number mpn_like takes for a designator or a range ('TLV1117-33', 'TJA1050T'): 2+ letters and 3+
# digits. Only trusted beside another part number in 'A(B)', where a designator makes no sense.
_RANGE_SHAPED_PN_RE = re.compile(r"[A-Za-z]{2,6}\d{3,5}[A-Za-z]?(-\d+[A-Za-z]*)?")
_PACKAGE_RE = re.compile(r"SOT|SOIC|SOP|QFN|DFN|QFP|BGA|TO-?\d|DO-?\d|MSOP|DIP|SOD|LGA|CSP|SC-?\d|"
                         r"^[RC]\d{4}$|^\d{4}$", re.IGNORECASE)
_DIMENSIONS_RE = re.compile(r"^[\d.,]+(\s*[*x×]\s*[\d.,]+)+\s*(mm)?$", re.IGNORECASE)
_PIN_COUNT_RE = re.compile(r"\s\d{1,2}P(in)?$", re.IGNORECASE)  # 'CH3.96 2P': a connector series and its pins
_PLACEHOLDER_NUMBER_RE = re.compile(r"^(\d)\1{3,}$")  # '2222', '0000'
# Characters no part number ends with, glued to one: mojibake of a double-encoded file ('…-LFÙÙÙÙ').
_GARBAGE_TAIL_RE = re.compile(r"^([\x21-\x7e]{4,}?)([^\x00-\x7f\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]+)$")
_SEVERAL_RE = re.compile(r"\s*[;\n]\s*")
# An ordering code in parentheses, part of the orderable MPN: Toshiba's taping and packing codes
# ('TC7SZ08FU(TE85L,F)', 'TPC8107(TE12L,Q)', '(T5L)'), or a short code ('(LF)', '(31)').
_TOSHIBA_TAPING_RE = re.compile(r"^T[EPL]?\d{1,2}[LRF]\d{0,2}$", re.IGNORECASE)
_SHORT_CODE_RE = re.compile(r"^[A-Za-z0-9]{1,4}$")
# A word that is no code: letters only (a maker's name, a colour), at least 5 of them ('(LF)' is a code).
_PLAIN_WORD_RE = re.compile(r"^[^\W\d_]{5,}([ .&-]+[^\W\d_]+)*\.?$")
MAX_SHORT_NUMBER_DIGITS = 6  # a number-typed cell this short, with no maker named, is a value or a code


@dataclass
class MpnReading:
    """What an MPN cell says: the MPN (None when it holds none), whether it marks the line not fitted,
    and other part numbers it lists (second sources, or the text without a doubtful parenthesis)."""

    mpn: str | None
    dnp: bool = False
    alternates: list[str] = field(default_factory=list)
    maker: str | None = None  # a maker's name the cell gives in parentheses ('TPS62130RGTR (TI)')


def read_mpn(raw: str | None, notes: list[str], *, bare_number: bool = False) -> MpnReading:
    """The MPN in a cell's text; `bare_number`: the cell is a short number with no maker named."""
    if raw is None or is_dnp_mark(raw):
        return MpnReading(None, raw is not None)
    first, *others = several(raw)
    reading = _one(first, notes, bare_number=bare_number)
    for other in others:
        alternate = _one(other, [])
        if alternate.mpn:
            reading.alternates.append(alternate.mpn)
    return reading


def several(raw: str) -> list[str]:
    """The part numbers a cell lists: '~'-joined (ERP exports), or one per line or ';' when each is one."""
    if "~" in raw:
        pieces = [piece.strip() for piece in raw.split("~") if piece.strip()]
        if len(pieces) > 1 and part_number_like(pieces[0]):
            return pieces
    pieces = [piece for piece in _SEVERAL_RE.split(raw.strip()) if piece]
    if len(pieces) > 1 and all(part_number_like(piece) for piece in pieces):
        return pieces
    return [raw]


def part_number_like(piece: str) -> bool:
    """Loose on purpose ('1N4148WS' is no designator here): one word with letters and digits."""
    piece = piece.strip()
    return 3 <= len(piece) <= 40 and " " not in piece and any(ch.isdigit() for ch in piece) and any(
        ch.isalpha() for ch in piece)


def _one(raw: str, notes: list[str], *, bare_number: bool = False) -> MpnReading:
    # Full-width letters and parentheses ('ＬM358DR', '（SOT23）') are the ASCII they stand for.
    candidate = " ".join(unicodedata.normalize("NFKC", raw).split())
    reading = MpnReading(candidate)
    if _description_in_cjk(candidate):
        return MpnReading(None)
    wrapped = _WRAPPED_DNP_RE.match(candidate)
    if wrapped:
        reading.dnp, candidate = True, wrapped.group(2).strip()
    candidate, alternates, reading.maker = _parenthesis(candidate, notes)
    reading.alternates.extend(alternates)
    reading.mpn = _checked(candidate, notes, bare_number=bare_number)
    if reading.mpn is None:
        reading.alternates.clear()
        reading.maker = None
    if _NOT_FITTED_PREFIX_RE.match(candidate):  # Olimex 'NA/R0402': not assembled
        reading.dnp = True
    return reading


def _parenthesis(candidate: str, notes: list[str]) -> tuple[str, list[str], str | None]:
    """What a closing parenthesis holds decides: a package or value note ('(SOT23-3)', '(47u)', a remark)
    is dropped; a maker's name ('(TI)', '(OMRON)') or another plain word is dropped, the maker kept as a
    hint; a second part number becomes an alternate; an ordering code ('(LF)(SN)', '(31)', '(TE85L,F)')
    stays. In doubt the whole text stays the MPN and the text before the parenthesis is an alternate."""
    inner = re.match(r"^(.*?)(\s*)\(([^()]*)\)$", candidate)
    if not inner:
        return candidate, [], None
    outer, space, inside = inner.group(1).strip(), inner.group(2), inner.group(3).strip()
    if outer and not _value(outer) and (_PACKAGE_RE.search(inside) or _note(inside)):
        return outer, [], None
    if part_number_like(outer) and not value_like(outer):
        if manufacturer_like(inside) and not any(ch.isdigit() for ch in inside.replace("3M", "")):
            return outer, [], inside
        if _PLAIN_WORD_RE.match(inside) and not ordering_code(inside):
            notes.append(f"MPN {candidate!r} read as {outer!r} ({inside!r} is no part of a part number)")
            return outer, [], None
    if paired_part_like(outer) and paired_part_like(inside) and not note_like(inside):
        if space:  # 'ESP32-WROVER-B (M213DH6464PC3Q0)': a seller's way to write one part
            return candidate, [outer], None
        return candidate, [], None  # 'RJP-003TC1(LPJ4112CNL)': split_second_choice makes the inside an alt
    if paired_part_like(inside) and (not outer or value_like(outer) or "/" in outer):
        return inside, [], None
    if paired_part_like(inside) and not any(ch.isdigit() for ch in outer):
        notes.append(f"MPN {candidate!r} read as {inside!r} ({outer!r} is no part number)")
        return inside, [], None
    if outer and space and mpn_like(outer) and not ordering_code(inside):
        return candidate, [outer], None
    return candidate, [], None


def ordering_code(inside: str) -> bool:
    """Parenthesised text that belongs to the orderable MPN: a packing or taping code ('TE85L,F', 'LF',
    '31', 'T5L'), never a second part number ('TJA1050T', 'LPJ4112CNL')."""
    inside = inside.strip()
    return "," in inside or bool(_SHORT_CODE_RE.match(inside) or _TOSHIBA_TAPING_RE.match(inside))


def _value(text: str) -> bool:
    """A component value, not a part number; a number of 4 or more digits alone is a part (Keystone
    5010, Würth 744031220), written bare or beside a note ('744031220 (22uH)')."""
    return value_like(text) and not re.fullmatch(r"\d{4,}", text)


def _note(inside: str) -> bool:
    """Parenthesised text that only comments: values ('5v-3.3v', '1uA', '47u'), CJK or several words."""
    if not inside:
        return False
    if _CJK_RE.search(inside) or len(inside.split()) > 2 or "=" in inside:
        return True
    pieces = [piece for piece in re.split(r"[-/~\s,]+", inside) if piece]
    # values with a unit; a bare number ('(31)', '(80)') is an ordering code, kept
    return bool(pieces) and all(value_like(piece) for piece in pieces) and any(ch.isalpha() for ch in inside)


def _checked(candidate: str, notes: list[str], *, bare_number: bool) -> str | None:
    """The candidate as an MPN, or None when it is a placeholder, a value, a size, prose or a description."""
    if optional(candidate) is None or ("_" in candidate and footprint_like(candidate)):
        return None
    if not any(ch.isdigit() for ch in candidate) or ", " in candidate or candidate.count(" ") > 2:
        return None  # a word ('LED', 'Fiducial') or prose ('Header, 16-Pin, Dual row')
    if _value(candidate):
        return None
    if (_PLACEHOLDER_NUMBER_RE.match(candidate) or _DIMENSIONS_RE.match(candidate)
            or _PIN_COUNT_RE.search(candidate)
            or (bare_number and candidate.isdigit() and len(candidate) <= MAX_SHORT_NUMBER_DIGITS)):
        return None
    if _NOT_FITTED_PREFIX_RE.match(candidate) or _slash_description(candidate):
        return None
    if _description_in_cjk(candidate):
        return None
    garbage = _GARBAGE_TAIL_RE.match(candidate)
    if garbage:
        notes.append(f"MPN {candidate!r} read as {garbage.group(1)!r} (characters no part number holds "
                     "at its end; is the file's text encoding damaged?)")
        candidate = garbage.group(1)
    if candidate.endswith((".", ",")) and len(candidate) > 4:
        notes.append(f"MPN {candidate!r} read as {candidate.rstrip('.,')!r} (stray trailing punctuation)")
        candidate = candidate.rstrip(".,")
    return candidate


def split_second_choice(mpn: str | None) -> tuple[str | None, tuple[str, ...]]:
    """'RJP-003TC1(LPJ4112CNL)': two part numbers, the one in parentheses an alternate."""
    both = re.fullmatch(r"([^()\s][^()]*?[^()\s])\(([^()]+)\)", mpn or "")
    if not both or not paired_part_like(both.group(1)) or note_like(both.group(2)) or ordering_code(
            both.group(2)):
        return mpn, ()
    return both.group(1), (both.group(2),)


def paired_part_like(piece: str) -> bool:
    """Either side of 'A(B)' as a part number: mpn_like, a range-shaped one ('TLV1117-33'), or one
    with an ordering suffix after a slash ('MCP2551-I/SN'); never a slashed description
    ('CAP/0603', '10uF/25V')."""
    piece = piece.strip()
    if "/" in piece:
        first, *rest = piece.split("/")
        return len(rest) == 1 and paired_part_like(first) and bool(rest[0]) and not (
            value_like(rest[0]) or footprint_like(rest[0]) or rest[0].isdigit())
    return mpn_like(piece) or bool(_RANGE_SHAPED_PN_RE.fullmatch(piece))


def note_like(inside: str) -> bool:
    """Parenthesised text that is a remark, not a part number: values ('5v-3.3v') or words."""
    pieces = [piece for piece in re.split(r"[-/~\s]+", inside) if piece]
    return not paired_part_like(inside) or all(value_like(piece) for piece in pieces)


def _slash_description(text: str) -> bool:
    """'LED/YELLOW/0603', '22uF/6.3V/20%/X5R': fields of a description, not an MPN ('MCP2551-I/SN' is one)."""
    fields = [field for field in text.split("/") if field]
    return len(fields) >= 3 and any(value_like(field) or footprint_like(field) or field.isdigit()
                                    for field in fields[1:])


def _description_in_cjk(text: str) -> bool:
    """A description in CJK ('铝电解电容贴片 10uF/30V', '四脚按键6*6*6').

    CJK after a Latin start ('KT-0805翠绿', a colour suffix) stays an MPN.
    """
    if not _CJK_RE.search(text):
        return False
    start = _CJK_RE.split(text, maxsplit=1)[0]
    return not any(ch.isascii() and ch.isalpha() for ch in start) or any(ch.isspace() for ch in text)
