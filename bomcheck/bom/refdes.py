"""Designator cells to designators: separators, ranges ('R1-R4', 'U1-2', 'C337..C339'), 'PTC3,4'."""

from __future__ import annotations

import re

from bomcheck.bom.cells import DASHES

MAX_RANGE_EXPANSION = 1000
_RANGE_RE = re.compile(r"^([A-Za-z_]+)(\d+)([A-Za-z_]*)(?:-|\.{2,3})([A-Za-z_]*?)(\d+)([A-Za-z_]*)$")
_NO_DESIGNATOR = frozenset({"-", "--", "n/a", "na", "none", "nil", "无", "無", "なし", "없음", "нет", "~"})


def split_refdes(raw: str | None, notes: list[str] | None = None) -> tuple[str, ...]:
    """Designators split on commas, semicolons and whitespace, ranges like R1-R4 expanded."""
    if not raw:
        return ()
    raw = re.sub(r"\s*\.{2,3}\s*", "..", re.sub(r"\s*-\s*", "-", raw.translate(DASHES)))
    designators: list[str] = []
    for token in _joined(re.split(r"[,;\s]+", raw)):
        if token and token.casefold() not in _NO_DESIGNATOR:
            designators.extend(expand_range(token))
    unique = tuple(dict.fromkeys(designators))
    if notes is not None and len(unique) != len(designators):
        twice = [d for d in unique if designators.count(d) > 1]
        notes.append(f"designator listed more than once: {', '.join(twice)}")
    return unique


def _joined(tokens: list[str]) -> list[str]:
    """Shorthand and split designators put back: 'PTC3,4' -> PTC3, PTC4; 'SW 2' -> SW2."""
    joined: list[str] = []
    for token in tokens:
        previous = joined[-1] if joined else ""
        if token.isdigit() and re.fullmatch(r"[A-Za-z]+", previous):
            joined[-1] = previous + token
        elif token.isdigit() and (prefix := re.fullmatch(r"([A-Za-z]+)\d+", previous)):
            joined.append(prefix.group(1) + token)
        else:
            joined.append(token)
    return joined


def expand_range(token: str) -> list[str]:
    """['R1', 'R2', 'R3'] for 'R1-R3', 'R1-3' or 'R1..R3' (same prefix, ascending, at most 1000), else
    [token]."""
    match = _RANGE_RE.match(token)
    if not match:
        return [token]
    prefix, first, suffix, second_prefix, last, second_suffix = match.groups()
    start, stop = int(first), int(last)
    if (second_prefix not in ("", prefix) or second_suffix not in ("", suffix) or stop <= start
            or stop - start >= MAX_RANGE_EXPANSION):
        return [token]
    return [f"{prefix}{number}{suffix}" for number in range(start, stop + 1)]
