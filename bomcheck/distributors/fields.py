"""Tolerant readers for JSON fields from distributor APIs: nulls, strings for numbers, stray units."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

_UNIT_SUFFIX = re.compile(r"\s*(weeks?|wks?|pcs?|pieces?)\s*$", re.IGNORECASE)


def get(mapping: Any, key: str) -> Any:
    """mapping[key], else a case-insensitive match (PascalCase and camelCase read alike); None when
    absent or when `mapping` is no mapping."""
    if not isinstance(mapping, Mapping):
        return None
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    for name, value in mapping.items():
        if isinstance(name, str) and name.casefold() == folded:
            return value
    return None


def text(value: Any) -> str:
    """A scalar as stripped text; None, lists and objects as ''."""
    if value is None or isinstance(value, (list, dict)):
        return ""
    return str(value).strip()


def integer(value: Any) -> int | None:
    """An int from an int, an integral float or a numeric string ("2,500", "12 weeks"); else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        cleaned = _UNIT_SUFFIX.sub("", value.strip().replace(",", ""))
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            return None
        if number.is_finite() and number == number.to_integral_value():
            return int(number)
    return None


def boolean(value: Any) -> bool:
    """JSON true, a non-zero int, or a "true"/"yes"/"y"/"1" string."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "y", "1")
    return bool(value) if isinstance(value, (bool, int)) else False


def price(value: Any) -> Decimal | None:
    """A non-negative Decimal from an API number (via str, never via float) or numeric string."""
    if value is None or isinstance(value, (bool, list, dict)):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None
