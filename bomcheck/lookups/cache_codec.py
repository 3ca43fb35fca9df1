"""Lookups to JSON and back, for the offers cache: money as strings, every Offer field kept."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bomcheck.model import (
    Availability,
    Compliance,
    Lifecycle,
    Lookup,
    LookupStatus,
    Offer,
    Packaging,
    PipelineDelivery,
    PriceBreak,
)

# Offer fields that are not plain JSON values, and how each goes in and comes back.
_PAIRS = ("compliance", "links")
_ENUMS: dict[str, type[enum.Enum]] = {
    "lifecycle": Lifecycle, "rohs": Compliance, "reach": Compliance,
    "availability_kind": Availability, "packaging_kind": Packaging,
}
_DATES = ("last_buy_date",)
_DECIMALS = ("fees",)


def _date_or_none(text: Any) -> date | None:
    return date.fromisoformat(str(text)) if text else None


class CodecError(ValueError):
    """A stored answer that cannot be read back (another version wrote it, or it is damaged)."""


def lookup_to_json(lookup: Lookup) -> str:
    return json.dumps({
        "source": lookup.source,
        "status": lookup.status.value,
        "message": lookup.message,
        "candidates": list(lookup.candidates),
        "offers": [_offer_to_dict(offer) for offer in lookup.offers],
    }, ensure_ascii=False, separators=(",", ":"))


def lookup_from_json(text: str) -> Lookup:
    """The Lookup written by lookup_to_json; CodecError when the text is not one."""
    try:
        data = json.loads(text)
        return Lookup(
            source=str(data["source"]),
            status=LookupStatus(data["status"]),
            offers=tuple(_offer_from_dict(offer) for offer in data["offers"]),
            message=str(data["message"]),
            candidates=tuple(str(candidate) for candidate in data["candidates"]),
        )
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise CodecError(f"unreadable cached answer ({type(exc).__name__}: {exc})") from None


def _offer_to_dict(offer: Offer) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in dataclasses.fields(Offer):
        value = getattr(offer, f.name)
        if f.name == "breaks":
            value = [[b.min_qty, str(b.unit_price)] for b in value]
        elif f.name == "pipeline":
            value = [[p.date, p.quantity, p.due.isoformat() if p.due else None] for p in value]
        elif f.name in _ENUMS:
            value = value.value
        elif f.name in _DATES:
            value = value.isoformat() if value else None
        elif f.name in _DECIMALS:
            value = str(value)
        elif f.name in _PAIRS:
            value = [list(pair) for pair in value]
        data[f.name] = value
    return data


def _offer_from_dict(data: dict[str, Any]) -> Offer:
    known = {f.name for f in dataclasses.fields(Offer)}
    values = {name: value for name, value in data.items() if name in known}
    breaks, pipeline = data.get("breaks", ()), data.get("pipeline", ())
    values["breaks"] = tuple(PriceBreak(int(qty), Decimal(str(price))) for qty, price in breaks)
    values["pipeline"] = tuple(PipelineDelivery(str(when), int(qty), _date_or_none(due[0] if due else None))
                               for when, qty, *due in pipeline)
    for name, kind in _ENUMS.items():
        if name in values:
            values[name] = kind(values[name])
    for name in _DATES:
        if name in values:
            values[name] = _date_or_none(values[name])
    for name in _DECIMALS:
        if name in values:
            values[name] = Decimal(str(values[name]))
    for name in _PAIRS:
        values[name] = tuple((str(a), str(b)) for a, b in data.get(name, ()))
    return Offer(**values)
