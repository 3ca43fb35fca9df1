"""Arrow token-search answers (v3/v4 layouts) as parts and offers: tolerant, skipping what is malformed."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from bomcheck.distributors import fields
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import (
    Availability,
    Compliance,
    Lifecycle,
    Offer,
    Packaging,
    PipelineDelivery,
    PriceBreak,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArrowPart:
    """One PartList entry: a manufacturer part as Arrow lists it, with one Offer per sourcePart."""

    item_id: str
    part_num: str
    mfr_cd: str
    mfr_name: str
    description: str
    offers: tuple[Offer, ...] = ()


@dataclass(frozen=True)
class ArrowPage:
    """One page of a token search: the parts on it and Arrow's total match count."""

    parts: tuple[ArrowPart, ...]
    total_items: int


# --------------------------------------------------------------------------- tolerant readers


_get = fields.get


def _as_list(value: Any) -> list[Any]:
    """A JSON list as a list; a lone object as a one-item list; anything else as empty."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        return [value]
    return []


def _mappings(value: Any) -> Iterator[Mapping[str, Any]]:
    return (item for item in _as_list(value) if isinstance(item, Mapping))


# --------------------------------------------------------------------------- response


def parse_response(body: Any, *, currency: str | None = None) -> ArrowPage:
    """One token-search answer (v3 or v4 layout) as an ArrowPage.

    Arrow answers errors with HTTP 200: `transactionArea[0].response.success` false or a
    non-zero `returnCode` raises SourceError("Arrow: <returnMsg>") (SourceUnavailable when the
    message is about the login or key). A missing or empty `data`/`PartList` is a miss: an
    empty page. Malformed parts and offers are skipped, never fatal. `currency` is the one
    asked for with utm_currency, used only for sources that name no currency of their own.
    """
    result = _get(body, "itemserviceresult")
    if not isinstance(result, Mapping):
        raise SourceError("Arrow: unexpected answer (no itemserviceresult)")
    total: int | None = None
    for area in _mappings(_get(result, "transactionArea")):
        _raise_for_transaction(_get(area, "response"))
        sequence = _get(area, "responseSequence")
        if total is None:
            total = fields.integer(_get(sequence, "totalItems"))
    parts: list[ArrowPart] = []
    for data in _mappings(_get(result, "data")):
        for raw in _as_list(_get(data, "PartList")):
            part = _parse_part(raw, currency)
            if part is not None:
                parts.append(part)
    return ArrowPage(parts=tuple(parts), total_items=max(total or 0, len(parts)))


def first_source_currency(body: Any) -> str | None:
    """The `currency` of the first source of the first part, as Arrow wrote it; None without one."""
    for data in _mappings(_get(_get(body, "itemserviceresult"), "data")):
        for raw in _mappings(_get(data, "PartList")):
            for _, source in _sources(_get(raw, "InvOrg")):
                currency = fields.text(_get(source, "currency"))
                if currency:
                    return currency
    return None


def return_message(body: Any) -> str:
    """Arrow's `returnMsg` of an answer, '' when it has none."""
    for area in _mappings(_get(_get(body, "itemserviceresult"), "transactionArea")):
        message = fields.text(_get(_get(area, "response"), "returnMsg"))
        if message:
            return message
    return ""


_CREDENTIAL_WORDS = re.compile(r"(?i)api ?key|login|credential|unauthori[sz]ed|not authori[sz]ed")


def _raise_for_transaction(response: Any) -> None:
    if not isinstance(response, Mapping):
        return
    success = _get(response, "success")
    code = fields.text(_get(response, "returnCode"))
    failed = (success is not None and not fields.boolean(success)) or (code not in ("", "0"))
    if not failed:
        return
    message = fields.text(_get(response, "returnMsg")) or f"request failed (returnCode {code or '?'})"
    error = SourceUnavailable if _CREDENTIAL_WORDS.search(message) else SourceError
    raise error(f"Arrow: {message}")


def _parse_part(raw: Any, currency: str | None) -> ArrowPart | None:
    if not isinstance(raw, Mapping):
        log.debug("Arrow: skipping a PartList entry that is not an object")
        return None
    part_num = fields.text(_get(raw, "partNum"))
    if not part_num:
        log.debug("Arrow: skipping a PartList entry without partNum")
        return None
    manufacturer = _get(raw, "manufacturer")
    offers: list[Offer] = []
    for web_site, source in _sources(_get(raw, "InvOrg")):
        for source_part in _as_list(_get(source, "sourceParts")):
            if not isinstance(source_part, Mapping):
                log.debug("Arrow: skipping a malformed sourcePart of %s", part_num)
                continue
            try:
                offers.append(arrow_offer(raw, source, source_part, default_currency=currency,
                                          web_site=web_site))
            except (TypeError, ValueError, ArithmeticError) as exc:
                log.debug("Arrow: skipping a malformed sourcePart of %s: %s", part_num, exc)
    return ArrowPart(
        item_id=fields.text(_get(raw, "itemId")),
        part_num=part_num,
        mfr_cd=fields.text(_get(manufacturer, "mfrCd")),
        mfr_name=fields.text(_get(manufacturer, "mfrName")),
        description=fields.text(_get(raw, "desc")),
        offers=tuple(offers),
    )


def _sources(inv_org: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(web site code, source) of an InvOrg: v3 `sources[]` (no web site: "") and v4
    `webSites[].sources[]`, whichever exist."""
    for source in _mappings(_get(inv_org, "sources")):
        yield "", source
    for web_site in _mappings(_get(inv_org, "webSites")):
        code = fields.text(_get(web_site, "code")) or fields.text(_get(web_site, "name"))
        for source in _mappings(_get(web_site, "sources")):
            yield code, source


def arrow_offer(
    part: Mapping[str, Any],
    source: Mapping[str, Any],
    source_part: Mapping[str, Any],
    *,
    default_currency: str | None = None,
    web_site: str = "",
) -> Offer:
    """THE mapping of one Arrow sourcePart to an Offer.

    - seller: "<displayName> (<sourceCd>)", e.g. "Verical (VERICAL)", "Arrow Americas (ACNA)".
      marketplace: see `is_marketplace` (Verical and other non-Arrow sellers).
    - sku: sourcePartId (the id Arrow's checkout needs), else the deprecated sourcePartNumber.
    - stock: the sum of `Availability[].fohQty` exactly as given, whatever `availabilityCd`
      says (QUOTE once came with fohQty 2500, NOSTK/QUOTE usually with 0). Stock is per
      sourcePart: the same lot can be mirrored under several sources (Verical and ACNA), so
      adding stock across offers double-counts.
    - breaks: `Prices.resaleList[]` as (minQty, Decimal(str(price))), ascending. No `Prices`
      (QUOTE offers) means breaks=(): such an offer has no list price and is never planned
      at one. Prices in an unknown currency are dropped too (never assume USD).
    - moq: max(minimumOrderQuantity, first break minQty, 1) — Arrow's MOQ can sit below the
      first price tier. multiple: packSize (at least 1).
    - currency: the source's `currency`, else the utm_currency asked for, else "" (no prices);
      Arrow's "CAN" is read as CAD (`canonical_currency`).
    - ncnr: isNcnr; lead_time_weeks: mfrLeadTime in weeks, its placeholders 0 and 99 as
      unknown (`lead_time_weeks`); date_code: dateCode; pipeline: every
      `Availability[].pipeline[]` (delivery text as written and parsed to `due`, quantity).
    - availability: the `availabilityCd`s as given, joined ("CSTRP"); availability_kind: what
      they mean (`availability_kind`), unknown codes never "in stock".
    - packaging: containerType as given; packaging_kind: its meaning (cut strips = cut tape).
    - eccn: eccnCode; hts: htsCode; country_of_origin: countryOfOrigin (any may be missing).
    - compliance: the part's `EnvData.compliance[]` as (displayLabel, displayValue); rohs and
      reach read from it (`compliance_of`).
    - lifecycle / lifecycle_text: the part's `status` (`lifecycle_of`).
    - links: (type, uri) of the part's and the sourcePart's `resources[]` meant for people
      (datasheet, images, detail and cart pages); links into api.arrow.com are left out.
    """
    seller_name = fields.text(_get(source, "displayName"))
    source_code = fields.text(_get(source, "sourceCd"))
    if seller_name and source_code:
        seller = f"{seller_name} ({source_code})"
    else:
        seller = seller_name or source_code or "Arrow"

    stock = 0
    pipeline: list[PipelineDelivery] = []
    codes: list[str] = []
    for availability in _mappings(_get(source_part, "Availability")):
        stock += max(0, fields.integer(_get(availability, "fohQty")) or 0)
        code = fields.text(_get(availability, "availabilityCd")).upper()
        if code and code not in codes:
            codes.append(code)
        for delivery in _mappings(_get(availability, "pipeline")):
            quantity = fields.integer(_get(delivery, "quantity"))
            if quantity is not None and quantity > 0:
                written = fields.text(_get(delivery, "delivery"))
                pipeline.append(PipelineDelivery(written, quantity, delivery_date(written)))

    currency = canonical_currency(fields.text(_get(source, "currency")) or fields.text(default_currency))
    breaks = _price_breaks(_get(source_part, "Prices"))
    if breaks and not currency:
        log.debug("Arrow: dropping prices of %s from %s: no currency", _get(part, "partNum"), seller)
        breaks = ()

    moq_candidates = [1, fields.integer(_get(source_part, "minimumOrderQuantity")) or 0]
    if breaks:
        moq_candidates.append(breaks[0].min_qty)
    manufacturer = _get(part, "manufacturer")
    container = fields.text(_get(source_part, "containerType"))
    compliance = tuple(
        (fields.text(_get(item, "displayLabel")), fields.text(_get(item, "displayValue")))
        for item in _mappings(_get(_get(part, "EnvData"), "compliance"))
        if fields.text(_get(item, "displayLabel"))
    )
    status = fields.text(_get(part, "status"))
    return Offer(
        source="Arrow",
        seller=seller,
        mpn=fields.text(_get(part, "partNum")),
        manufacturer=fields.text(_get(manufacturer, "mfrName")) or fields.text(_get(manufacturer, "mfrCd")),
        sku=(fields.text(_get(source_part, "sourcePartId"))
             or fields.text(_get(source_part, "sourcePartNumber"))),
        stock=stock,
        moq=max(moq_candidates),
        multiple=max(1, fields.integer(_get(source_part, "packSize")) or 1),
        breaks=breaks,
        currency=currency,
        ncnr=fields.boolean(_get(source_part, "isNcnr")),
        lead_time_weeks=lead_time_weeks(_get(source_part, "mfrLeadTime")),
        description=fields.text(_get(part, "desc")),
        date_code=fields.text(_get(source_part, "dateCode")),
        pipeline=tuple(pipeline),
        availability="/".join(codes),
        availability_kind=availability_kind(codes),
        packaging=container,
        packaging_kind=packaging_kind(container, codes),
        eccn=fields.text(_get(source_part, "eccnCode")),
        hts=fields.text(_get(source_part, "htsCode")),
        country_of_origin=fields.text(_get(source_part, "countryOfOrigin")),
        compliance=compliance,
        rohs=compliance_of(compliance, ROHS_LABELS),
        reach=compliance_of(compliance, REACH_LABELS),
        lifecycle=lifecycle_of(status),
        lifecycle_text=status,
        marketplace=is_marketplace(source_code, web_site),
        links=_links(_get(part, "resources"), _get(source_part, "resources")),
    )


# --------------------------------------------------------------------------- what Arrow's words mean


# Arrow's currency codes that are not ISO 4217: its own docs spell the Canadian dollar "CAN"
# as an utm_currency value (seed 004) and "CAD" in the list of currencies prices come in.
CURRENCY_ALIASES = {"CAN": "CAD"}


def canonical_currency(code: str | None) -> str:
    """An Arrow currency code as the ISO code bomcheck labels prices with ("can" -> "CAD")."""
    text = (code or "").strip().upper()
    return CURRENCY_ALIASES.get(text, text)


# mfrLeadTime is documented in weeks, but 0 comes on every Verical offer and 99 was seen beside
# a tariff flag (../shared/api/arrow.md, "Fields that bite"): placeholders, not lead times.
LEAD_TIME_PLACEHOLDERS = frozenset({0, 99})


def lead_time_weeks(value: Any) -> int | None:
    """mfrLeadTime in weeks; None (unknown) when missing, negative or one of the placeholders."""
    weeks = fields.integer(value)
    if weeks is None or weeks < 0 or weeks in LEAD_TIME_PLACEHOLDERS:
        return None
    return weeks


# The availabilityCd values seen in real answers (arrow.md); any other code is OTHER, never in stock.
AVAILABILITY_CODES: Mapping[str, Availability] = {
    "INSTK": Availability.IN_STOCK,
    "INSTKEU": Availability.IN_STOCK_EU,
    "CSTRP": Availability.CUT_STRIPS,  # cut strips: sellable stock
    "NOSTK": Availability.NO_STOCK,
    "QUOTE": Availability.QUOTE,  # "Call For Quote": never planned at a list price
}


def availability_kind(codes: Iterable[str]) -> Availability:
    """What a sourcePart's availabilityCd(s) mean: UNKNOWN without one, OTHER for a code not in
    AVAILABILITY_CODES or for codes that disagree."""
    kinds = {AVAILABILITY_CODES.get(code.strip().upper(), Availability.OTHER)
             for code in codes if code.strip()}
    if not kinds:
        return Availability.UNKNOWN
    return kinds.pop() if len(kinds) == 1 else Availability.OTHER


_PACKAGING_WORDS: tuple[tuple[str, Packaging], ...] = (
    ("cut", Packaging.CUT_TAPE),  # "Cut Strips", "Cut Tape"
    ("reel", Packaging.REEL),
    ("t/r", Packaging.REEL),
    ("tube", Packaging.TUBE),
    ("rail", Packaging.TUBE),
    ("tray", Packaging.TRAY),
    ("bulk", Packaging.BULK),
    ("bag", Packaging.BULK),
    ("box", Packaging.BOX),
)


def packaging_kind(container: str, codes: Iterable[str] = ()) -> Packaging:
    """containerType in words bomcheck knows; an empty one is UNKNOWN, unless the offer is sold
    as cut strips (availabilityCd CSTRP)."""
    text = container.strip().casefold()
    if not text:
        return Packaging.CUT_TAPE if "CSTRP" in codes else Packaging.UNKNOWN
    for word, kind in _PACKAGING_WORDS:
        if word in text:
            return kind
    return Packaging.OTHER


_LIFECYCLES: Mapping[str, Lifecycle] = {
    "active": Lifecycle.ACTIVE,
    "nrnd": Lifecycle.NRND,
    "not recommended for new designs": Lifecycle.NRND,
    "obsolete": Lifecycle.OBSOLETE,
    "last time buy": Lifecycle.LAST_TIME_BUY,
    "ltb": Lifecycle.LAST_TIME_BUY,
}


def lifecycle_of(status: str) -> Lifecycle:
    """A part's `status` ("Active", "NRND", "Obsolete", "" seen) as a Lifecycle; "" and words not
    known here are UNKNOWN (the text is kept beside it), never ACTIVE."""
    return _LIFECYCLES.get(" ".join(status.split()).casefold(), Lifecycle.UNKNOWN)


# EU RoHS is what `rohs` means. Arrow labels it "eurohs"; "cnrohs" is China's RoHS, another law
# with its own marking rules, so it stays in `compliance` only and never decides `rohs`.
ROHS_LABELS = ("eurohs", "rohs")
REACH_LABELS = ("reach", "eureach")


def compliance_of(compliance: Iterable[tuple[str, str]], labels: Iterable[str]) -> Compliance:
    """The standing under the first of `labels` the part lists (documented values: Compliant,
    Non Compliant, Unknown); UNKNOWN when it lists none of them."""
    given = {label.strip().casefold(): value for label, value in compliance}
    for label in labels:
        if label in given:
            return _compliance_value(given[label])
    return Compliance.UNKNOWN


def _compliance_value(value: str) -> Compliance:
    words = " ".join(re.split(r"[\s_-]+", value.strip().casefold()))
    if words.startswith(("non", "not")):
        return Compliance.NOT_COMPLIANT
    if "exempt" in words or "exemption" in words:
        return Compliance.EXEMPT
    if words in ("compliant", "yes", "y"):
        return Compliance.COMPLIANT
    return Compliance.UNKNOWN


# Arrow's own inventory pools (arrow.md: ACNA, v3-era NAC, EUROPE, ASIA); VERICAL is Arrow's
# marketplace of other sellers. Other pools (AEP, ANZ, CIS, MANUSTK, RFPD…) are not said.
ARROW_POOLS = frozenset({"ACNA", "NAC", "EUROPE", "ASIA"})
MARKETPLACE_POOLS = frozenset({"VERICAL"})


def is_marketplace(source_code: str, web_site: str = "") -> bool | None:
    """Whether a source sells through a marketplace rather than Arrow itself: True for Verical (by
    sourceCd or its v4 web site), False for Arrow's pools or the arrow.com web site, else None."""
    code = source_code.strip().upper()
    site = web_site.strip().casefold()
    if code in MARKETPLACE_POOLS or "verical" in site:
        return True
    if code in ARROW_POOLS or site.startswith("arrow"):
        return False
    return None


_MONTHS = {name: number for number, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}


def delivery_date(text: str) -> date | None:
    """A pipeline `delivery` as a date: "20200622" (the seed), "05-APR-2024" (real v4 answers) or
    "2024-04-05"; None when it is none of these or no real day."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{8}", text):
            return datetime.strptime(text, "%Y%m%d").date()
        match = re.fullmatch(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})", text)
        if match:
            month = _MONTHS.get(match.group(2).upper())
            return date(int(match.group(3)), month, int(match.group(1))) if month else None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]):
            return date.fromisoformat(text[:10])
    except ValueError:
        return None
    return None


def _links(*resource_lists: Any) -> tuple[tuple[str, str], ...]:
    """(type, uri) of resources meant for people, in order, without duplicates or API links."""
    links: dict[tuple[str, str], None] = {}
    for resources in resource_lists:
        for resource in _mappings(resources):
            kind, uri = fields.text(_get(resource, "type")), fields.text(_get(resource, "uri"))
            host = urlsplit(uri).hostname or ""
            if kind and uri.startswith(("https://", "http://")) and not host.startswith("api."):
                links.setdefault((kind, uri), None)
    return tuple(links)


def _price_breaks(prices: Any) -> tuple[PriceBreak, ...]:
    """The resale ladder, ascending by minQty; tiers without a usable minQty or price are skipped."""
    by_qty: dict[int, Decimal] = {}
    for container in _mappings(prices):
        for tier in _mappings(_get(container, "resaleList")):
            min_qty = fields.integer(_get(tier, "minQty"))
            price = fields.price(_get(tier, "price"))
            if price is None:
                price = fields.price(_get(tier, "displayPrice"))
            if min_qty is None or price is None:
                continue
            by_qty.setdefault(max(1, min_qty), price)
    return tuple(PriceBreak(qty, by_qty[qty]) for qty in sorted(by_qty))
