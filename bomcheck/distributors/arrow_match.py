"""Which Arrow parts answer a BOM line: the exact MPN, then the manufacturer by name or alias."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bomcheck.distributors.arrow_parse import ArrowPart
from bomcheck.model import Query, normalize_mpn

# Names one manufacturer goes by; the first entry is the one shown. Compared after
# _manufacturer_words (case-folded, parentheses and punctuation gone).
MANUFACTURER_ALIASES: tuple[tuple[str, ...], ...] = (
    ("Texas Instruments", "TI", "德州仪器"),
    ("STMicroelectronics", "ST", "ST Micro", "STMicro", "ST Microelectronics", "意法半导体"),
    # Maxim and Linear Technology belong to ADI now; their parts are listed under ADI
    ("Analog Devices", "ADI", "亚德诺", "Maxim Integrated", "Maxim", "Linear Technology"),
    ("Microchip Technology", "Microchip", "MCHP"),
    ("NXP Semiconductors", "NXP", "恩智浦"),
    ("onsemi", "ON Semiconductor", "ON Semi", "ON", "安森美"),
    ("Murata", "Murata Manufacturing", "MURATA", "村田"),
    ("Yageo", "国巨"),
    ("Vishay", "Vishay Intertechnology"),
    ("Samsung Electro-Mechanics", "SEMCO", "Samsung EM", "三星"),
    ("Infineon Technologies", "Infineon", "IFX", "英飞凌"),
    ("Renesas Electronics", "Renesas", "瑞萨"),
    ("Rohm Semiconductor", "ROHM", "罗姆"),
    ("Nexperia", "安世"),
    ("Diodes Incorporated", "Diodes Inc", "Diodes"),
    ("KEMET", "KEMET Corporation"),
    ("TDK", "TDK Corporation"),
    ("KYOCERA AVX", "AVX", "AVX Corporation"),
)

_PARENTHESISED = re.compile(r"[\(（\[【][^\)）\]】]*[\)）\]】]")
_WORD = re.compile(r"\w+")


def _manufacturer_words(name: str) -> tuple[str, ...]:
    """A manufacturer name as case-folded words, parenthesised parts ("TI(德州仪器)") dropped."""
    text = unicodedata.normalize("NFKC", name)
    text = _PARENTHESISED.sub(" ", text)
    return tuple(_WORD.findall(text.casefold()))


_ALIAS_GROUP: dict[tuple[str, ...], int] = {
    _manufacturer_words(alias): index
    for index, group in enumerate(MANUFACTURER_ALIASES)
    for alias in group
}

_COMPACT_ALIAS_GROUP: dict[str, int] = {"".join(words): i for words, i in _ALIAS_GROUP.items()}


def _alias_group(words: tuple[str, ...]) -> int | None:
    """The alias group a name belongs to: an exact alias, or (for aliases of 4+ letters) any
    name containing the alias as whole words ("Texas Instruments Inc." is TI; "On Shore" is
    not onsemi)."""
    if not words:
        return None
    if words in _ALIAS_GROUP:
        return _ALIAS_GROUP[words]
    if "".join(words) in _COMPACT_ALIAS_GROUP:
        return _COMPACT_ALIAS_GROUP["".join(words)]
    for alias, index in _ALIAS_GROUP.items():
        if _contains_long(words, alias):
            return index
    return None


def _contains_words(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    if not part or len(part) > len(words):
        return False
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _contains_long(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Whole-word containment of a name of 4+ letters ("ON" alone never matches "On Shore")."""
    return len("".join(part)) >= 4 and _contains_words(words, part)


def maker_key(name: str) -> object:
    """One key per manufacturer: its alias group, else its words run together."""
    words = _manufacturer_words(name)
    group = _alias_group(words)
    return ("alias", group) if group is not None else "".join(words)


def manufacturer_matches(wanted: str, *names: str) -> bool:
    """Whether the BOM's manufacturer `wanted` names the same maker as any of `names`.

    Case-insensitive, parenthesised suffixes dropped, whole-word containment either way
    ("Murata" ~ "Murata Manufacturing Co., Ltd."), spacing ignored ("ST Microelectronics" ~
    "STMicroelectronics"), and the alias table (TI ~ Texas Instruments).
    """
    want = _manufacturer_words(wanted)
    if not want:
        return False
    want_group = _alias_group(want)
    for name in names:
        have = _manufacturer_words(name or "")
        if not have:
            continue
        if "".join(have) == "".join(want):
            return True
        if _contains_long(have, want) or _contains_long(want, have):
            return True
        if want_group is not None and want_group == _alias_group(have):
            return True
    return False


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
