"""Mouser search answers as parts and offers: prices in the account's locale, numbers as text, Errors[]."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

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

SOURCE = "Mouser"

# --------------------------------------------------------------------------- numbers


# Characters that only ever group thousands: spaces (plain, no-break, narrow no-break) and
# the Swiss apostrophes. '.' and ',' group in one locale and mark decimals in another.
_GROUPING_ONLY = " \u00a0\u202f'\u2019"
_SEPARATORS = ".," + _GROUPING_ONLY
_NUMBER = re.compile(rf"\d[\d{re.escape(_SEPARATORS)}]*")

# Currencies whose prices Mouser writes without decimals (a lone separator there groups).
_NO_DECIMALS = frozenset({"JPY", "KRW", "HUF", "ISK", "CLP", "VND", "IDR", "TWD"})
# Where the account's locale is known to mark decimals with a comma (Mouser's European sites).
_COMMA_DECIMALS = frozenset({"EUR", "SEK", "DKK", "NOK", "PLN", "CZK", "RON", "BGN", "BRL", "RUB", "TRY"})
_DOT_DECIMALS = frozenset({"USD", "GBP", "CNY", "HKD", "SGD", "INR", "AUD", "NZD", "CAD", "MXN", "MYR",
                           "THB", "PHP", "ILS", "CHF", "ZAR"})
# Symbols that name one currency on their own (a bare "$" or "kr" names several).
_SYMBOLS = {"€": "EUR", "£": "GBP", "US$": "USD", "₹": "INR", "₩": "KRW", "zł": "PLN", "Kč": "CZK",
            "₪": "ILS"}


def parse_price(value: Any, currency: str | None = None, decimal_mark: str | None = None) -> Decimal | None:
    """A price as Mouser writes it in the account's locale: '$0.25', '6,85 €', '6.817,20 kr'.

    ',' and '.' are told apart by position and count, never stripped blindly: with both, the
    last one marks decimals; one that occurs twice groups thousands; a lone one marks decimals
    unless exactly three digits follow it. Those three-digit cases ('1,234' or '0,419') are
    decided by, in order: a zero integer part (decimals), `decimal_mark` (what the answer's
    other prices show), the symbol's side (after the number, '6,85 €': comma locale; before,
    '$1,234': dot locale), then the currency's custom. Still undecided: None, never a guess
    that could be a thousand times off. Spaces and apostrophes only group. None for text
    without a number, negative amounts and malformed grouping.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        amount = _decimal(str(value))
        return amount if amount is not None and amount >= 0 else None
    text = unicodedata.normalize("NFKC", str(value)).strip()  # no-break spaces become spaces
    match = _NUMBER.search(text)
    if match is None or "-" in text[: match.start()] or "(" in text[: match.start()]:
        return None
    number = match.group().rstrip(_SEPARATORS)
    before, after = text[: match.start()].strip(), text[match.start() + len(number):].strip()
    side = "after" if after and not before else "before" if before and not after else ""
    mark = _decimal_mark(number, currency, decimal_mark, side)
    if mark is _INVALID:
        return None
    whole, _, fraction = number.rpartition(mark) if mark and mark in number else (number, "", "")
    digits = _ungrouped(whole)
    if digits is None or (fraction and not fraction.isdigit()):
        return None
    return _decimal(f"{digits}.{fraction}" if fraction else digits)


_INVALID = "invalid"


def _decimal_mark(number: str, currency: str | None, hint: str | None, side: str) -> str | None:
    """Which of '.' and ',' marks the decimals in `number` ('' when neither does), or _INVALID."""
    marks = [char for char in number if char in ".,"]
    if not marks:
        return ""
    kinds = set(marks)
    if len(kinds) == 2:
        last = marks[-1]
        return last if marks.count(last) == 1 and marks[0] != last else _INVALID
    mark = marks[0]
    if len(marks) > 1:
        return ""  # '1.234.567': grouping only
    digits_after = len(number) - number.index(mark) - 1
    if digits_after != 3:
        return mark
    integer_part = number[: number.index(mark)]
    if _ungrouped(integer_part) in ("0", ""):
        return mark  # '0,419', '0.627'
    if any(char in number for char in _GROUPING_ONLY):
        return mark  # '1 234,567': spaces already group, so the comma marks decimals
    code = (currency or "").strip().upper()
    if code in _NO_DECIMALS:
        return ""
    by_side = {"after": ",", "before": "."}.get(side)
    locale_mark = hint or by_side or _custom_mark(code)
    if locale_mark is None:
        return _INVALID
    return mark if mark == locale_mark else ""


def _custom_mark(code: str) -> str | None:
    if code in _COMMA_DECIMALS:
        return ","
    if code in _DOT_DECIMALS:
        return "."
    return None


def _ungrouped(whole: str) -> str | None:
    """The digits of an integer part whose groups are well formed ('6.817' → '6817'), else None.

    Groups after the first hold three digits; two-digit groups before the last are allowed
    for Indian lakh grouping ('1,23,456').
    """
    if not whole:
        return ""
    groups = re.split(rf"[{re.escape(_SEPARATORS)}]", whole)
    if len(groups) == 1:
        return whole if whole.isdigit() else None
    first, *rest = groups
    if not (first.isdigit() and 1 <= len(first) <= 3):
        return None
    if not all(group.isdigit() for group in rest) or len(rest[-1]) != 3:
        return None
    if any(len(group) not in (2, 3) for group in rest[:-1]):
        return None
    return "".join(groups)


def _decimal(text: str) -> Decimal | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def decimal_mark_of(prices: Iterable[Any]) -> str | None:
    """The decimal mark the account's locale uses, as the unambiguous prices of an answer show it.

    '6,85 €' and '0,419 €' say ',', '$0.25' says '.'; '1,234' says nothing. None when no
    price tells, or (never seen in one answer) when they disagree.
    """
    seen: set[str] = set()
    for value in prices:
        if not isinstance(value, str):
            continue
        match = _NUMBER.search(unicodedata.normalize("NFKC", value))
        if match is None:
            continue
        number = match.group().rstrip(_SEPARATORS)
        mark = _decimal_mark(number, None, None, "")
        if mark in (".", ","):
            seen.add(mark)
    return seen.pop() if len(seen) == 1 else None


_COUNT = re.compile(rf"\d{{1,3}}(?:[{re.escape(_SEPARATORS)}]\d{{3}})+(?!\d)|\d+")


def parse_count(value: Any) -> int | None:
    """A whole number Mouser wrote as text, however its locale groups it: '1498379',
    '1,498,379', '6.809 Auf Lager', '6 809 En stock'; None when there is none ('None', '')."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = unicodedata.normalize("NFKC", str(value))
    match = _COUNT.search(text)
    if match is None or "-" in text[: match.start()]:
        return None
    rest = text[match.end():]
    if rest[:1] in (".", ",") and rest[1:2].isdigit():
        return None  # '1,5': not a count
    return int(re.sub(r"\D", "", match.group()))


_LEAD = re.compile(r"(\d+)\s*([A-Za-z]*)")


def lead_time_weeks(value: Any) -> int | None:
    """`LeadTime` ('63 Days') in whole weeks, rounded up: never shorter than Mouser says.

    A number without a unit, or with any word but 'week(s)', counts as days (Mouser writes
    days; the unit may be localised). 0 and an empty value are unknown (None).
    """
    match = _LEAD.search(fields.text(value))
    if match is None:
        return None
    number = int(match.group(1))
    if number <= 0:
        return None
    if match.group(2).casefold().startswith(("week", "wk")):
        return number
    return math.ceil(number / 7)


def _due(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


# --------------------------------------------------------------------------- part facts


def lifecycle_of(status: Any, discontinued: Any) -> tuple[Lifecycle, str]:
    """(Lifecycle, Mouser's words) from `LifecycleStatus` and `IsDiscontinued` (a string "true"/"false").

    An empty status says nothing: unknown, never active. 'New Product' is active; an unknown
    phrase stays unknown with its words kept. `IsDiscontinued` = Mouser stops carrying it.
    """
    text = fields.text(status)
    folded = text.casefold()
    gone = fields.boolean(discontinued)
    if "obsolete" in folded:
        return Lifecycle.OBSOLETE, text
    if "end of life" in folded or "last time buy" in folded or folded in ("eol", "ltb"):
        return Lifecycle.LAST_TIME_BUY, text
    if "not recommended" in folded or "nrnd" in folded or "not for new design" in folded:
        return Lifecycle.NRND, text
    if gone:
        return Lifecycle.DISCONTINUED, text or "Discontinued at Mouser"
    if folded in ("new product", "new at mouser", "new", "active", "production"):
        return Lifecycle.ACTIVE, text
    return Lifecycle.UNKNOWN, text


_NEGATED = re.compile(r"\b(not|non)\b|\bnon-?compliant")


def rohs_of(value: Any) -> Compliance:
    """`ROHSStatus` ('RoHS Compliant', 'RoHS Compliant By Exemption', 'Not RoHS Compliant')."""
    folded = fields.text(value).casefold()
    if not folded:
        return Compliance.UNKNOWN
    if "exempt" in folded:
        return Compliance.EXEMPT
    if _NEGATED.search(folded):
        return Compliance.NOT_COMPLIANT
    if "compliant" in folded:
        return Compliance.COMPLIANT
    return Compliance.UNKNOWN


_PACKAGINGS = (
    ("mousereel", Packaging.DIGI_REEL),
    ("cut tape", Packaging.CUT_TAPE),
    ("reel", Packaging.REEL),
    ("tube", Packaging.TUBE),
    ("tray", Packaging.TRAY),
    ("bulk", Packaging.BULK),
    ("bag", Packaging.BULK),
    ("box", Packaging.BOX),
    ("ammo", Packaging.BOX),
)


def _packaging_kind(name: str) -> Packaging:
    folded = name.casefold()
    return next((kind for word, kind in _PACKAGINGS if word in folded), Packaging.OTHER)


def packaging_of(attributes: Any) -> tuple[str, Packaging, int | None]:
    """(the packagings as Mouser lists them, the one a buy of any quantity gets, standard pack qty).

    One Mouser number covers every packaging it lists ('Reel', 'Cut Tape', 'MouseReel', one
    `Packaging` attribute each) from one stock and one price ladder: with Cut Tape among them,
    a buy below a full reel is cut tape, so that is the kind; a lone packaging is itself.
    """
    names: list[str] = []
    spq: int | None = None
    for attribute in _mappings(attributes):
        name = fields.text(attribute.get("AttributeName")).casefold()
        value = fields.text(attribute.get("AttributeValue"))
        if name == "packaging" and value and value not in names:
            names.append(value)
        elif name == "standard pack qty" and spq is None:
            spq = parse_count(value)
    kinds = [_packaging_kind(name) for name in names]
    if not kinds:
        kind = Packaging.UNKNOWN
    elif Packaging.CUT_TAPE in kinds:
        kind = Packaging.CUT_TAPE
    else:
        kind = kinds[0]
    return ", ".join(names), kind, spq if spq and spq > 0 else None


_NCNR_WORDS = re.compile(r"(?i)\bNCNR\b|non[- ]?cancell?able|non[- ]?returnable")


def ncnr_of(raw: Mapping[str, Any]) -> bool | None:
    """True when Mouser's messages say the part is non-cancellable/non-returnable; else None.

    Mouser has no NCNR field: silence is unknown, never 'no'.
    """
    texts = [fields.text(raw.get("RestrictionMessage"))]
    for message in _as_list(raw.get("InfoMessages")):
        texts.append(fields.text(message) if not isinstance(message, Mapping)
                     else " ".join(fields.text(v) for v in message.values()))
    return True if any(_NCNR_WORDS.search(text) for text in texts) else None


def _links(raw: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    links = []
    for kind, key in (("detail", "ProductDetailUrl"), ("datasheet", "DataSheetUrl"), ("image", "ImagePath")):
        url = fields.text(raw.get(key))
        if url.startswith("//"):
            url = "https:" + url
        if url.startswith(("https://", "http://")):
            links.append((kind, url))
    return tuple(links)


def _compliance(raw: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], ...], str, str]:
    """(every compliance label and value, HTS code, ECCN): USHTS is the HTS when several are given."""
    pairs: list[tuple[str, str]] = []
    rohs = fields.text(raw.get("ROHSStatus"))
    if rohs:
        pairs.append(("RoHS", rohs))
    for item in _mappings(raw.get("ProductCompliance")):
        name, value = fields.text(item.get("ComplianceName")), fields.text(item.get("ComplianceValue"))
        if name and value:
            pairs.append((name, value))
    svhc = [fields.text(x) for x in _as_list(raw.get("REACH-SVHC")) if fields.text(x)]
    if svhc:
        pairs.append(("REACH SVHC", ", ".join(svhc)))
    names = dict(pairs)
    hts = names.get("USHTS") or next((value for name, value in pairs if name.upper().endswith("HTS")), "")
    return tuple(pairs), hts, names.get("ECCN", "")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mappings(value: Any) -> Iterator[Mapping[str, Any]]:
    return (item for item in _as_list(value) if isinstance(item, Mapping))


# --------------------------------------------------------------------------- offers


def stock_of(raw: Mapping[str, Any]) -> int:
    """Mouser's own stock: `AvailabilityInStock` (a string), else the number in `Availability`.

    `AvailabilityInStock` is missing in older answers and may be null; `Availability` is free
    text in the account's language ('6809 In Stock', '6809 Auf Lager', 'None'): only its number
    is read, and text without one means none in stock.
    """
    stock = parse_count(raw.get("AvailabilityInStock"))
    if stock is None:
        stock = parse_count(raw.get("Availability"))
    return max(0, stock or 0)


def price_breaks(raw: Mapping[str, Any], decimal_mark: str | None = None
                 ) -> tuple[tuple[PriceBreak, ...], str]:
    """(the ladder ascending by quantity, its currency) from `PriceBreaks`.

    Each break's `Price` is read with its own `Currency`; the ladder keeps the first break's
    currency and drops breaks in another. A ladder without any currency keeps its prices only
    when the symbol names one ('€', '£'); a bare '$' or 'kr' does not, and USD is never assumed.
    Unreadable, zero or negative prices are skipped.
    """
    by_qty: dict[int, Decimal] = {}
    currency = ""
    for tier in _mappings(raw.get("PriceBreaks")):
        text = tier.get("Price")
        code = fields.text(tier.get("Currency")).upper() or _symbol_currency(fields.text(text))
        if not code:
            continue
        if currency and code != currency:
            log.debug("Mouser: dropping a %s break of %s priced in %s", code, raw.get("MouserPartNumber"),
                      currency)
            continue
        quantity = parse_count(tier.get("Quantity"))
        price = parse_price(text, code, decimal_mark)
        if quantity is None or price is None or price <= 0:
            continue
        currency = code
        by_qty.setdefault(max(1, quantity), price)
    return tuple(PriceBreak(qty, by_qty[qty]) for qty in sorted(by_qty)), currency


def _symbol_currency(text: str) -> str:
    return next((code for symbol, code in _SYMBOLS.items() if symbol in text), "")


def _pipeline(raw: Mapping[str, Any]) -> tuple[PipelineDelivery, ...]:
    deliveries = []
    for entry in _mappings(raw.get("AvailabilityOnOrder")):
        quantity = parse_count(entry.get("Quantity"))
        when = fields.text(entry.get("Date"))
        if quantity and quantity > 0:
            deliveries.append(PipelineDelivery(when, quantity, _due(when)))
    return tuple(deliveries)


def _availability_text(raw: Mapping[str, Any]) -> str:
    """`Availability` as Mouser wrote it, with the factory stock when there is some."""
    said = fields.text(raw.get("Availability"))
    factory = parse_count(raw.get("FactoryStock")) or 0
    if factory > 0:
        said = f"{said}; factory stock {factory}" if said else f"factory stock {factory}"
    return said


def mouser_offer(raw: Mapping[str, Any], decimal_mark: str | None = None) -> Offer:
    """THE mapping of one Mouser part to its Offer.

    - sku: MouserPartNumber; mpn, manufacturer, description as given; seller: Mouser itself
      (no marketplace).
    - stock: see stock_of. pipeline: `AvailabilityOnOrder` (quantity, date). availability:
      the `Availability` text plus the `FactoryStock` when it is not 0.
    - moq: `Min` (a string), raised to the first price break; multiple: `Mult` (a string),
      the order multiple. Both at least 1.
    - breaks/currency: see price_breaks; no readable ladder = no list price.
    - lead_time_weeks: `LeadTime` days rounded up to weeks (see lead_time_weeks).
    - ncnr: None (Mouser has no such field) unless its messages say NCNR.
    - lifecycle: see lifecycle_of; rohs from `ROHSStatus`; REACH unknown (only the SVHC list
      is given, kept in `compliance`); eccn and hts (USHTS first) from `ProductCompliance`.
    - packaging: see packaging_of; links: detail page, datasheet, image.
    """
    breaks, currency = price_breaks(raw, decimal_mark)
    stock = stock_of(raw)
    moq = max(1, parse_count(raw.get("Min")) or 1)
    if breaks:
        moq = max(moq, breaks[0].min_qty)
    packaging, packaging_kind, spq = packaging_of(raw.get("ProductAttributes"))
    lifecycle, lifecycle_text = lifecycle_of(raw.get("LifecycleStatus"), raw.get("IsDiscontinued"))
    compliance, hts, eccn = _compliance(raw)
    return Offer(
        source=SOURCE,
        seller=SOURCE,
        mpn=fields.text(raw.get("ManufacturerPartNumber")),
        manufacturer=fields.text(raw.get("Manufacturer")),
        sku=fields.text(raw.get("MouserPartNumber")),
        stock=stock,
        moq=moq,
        multiple=max(1, parse_count(raw.get("Mult")) or 1),
        breaks=breaks,
        currency=currency,
        ncnr=ncnr_of(raw),
        lead_time_weeks=lead_time_weeks(raw.get("LeadTime")),
        description=fields.text(raw.get("Description")),
        pipeline=_pipeline(raw),
        availability=_availability_text(raw),
        packaging=packaging,
        eccn=eccn,
        hts=hts,
        compliance=compliance,
        links=_links(raw),
        lifecycle=lifecycle,
        lifecycle_text=lifecycle_text,
        rohs=rohs_of(raw.get("ROHSStatus")),
        marketplace=False,
        # none in stock but a price and a lead time: Mouser takes the order (none said otherwise)
        availability_kind=(Availability.IN_STOCK if stock > 0 else
                           Availability.BACKORDER if breaks else Availability.NO_STOCK),
        packaging_kind=packaging_kind,
        spq=spq,
    )


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class MouserPart:
    """One entry of `SearchResults.Parts`: who makes it, Mouser's number for it, and its offer."""

    mouser_pn: str
    mpn: str
    manufacturer: str
    offer: Offer
    suggested_replacement: str = ""


@dataclass(frozen=True)
class MouserError:
    """One entry of `Errors[]`."""

    code: str
    message: str
    resource_key: str = ""
    property_name: str = ""

    def __str__(self) -> str:
        detail = " ".join(part for part in (self.code, self.property_name) if part)
        return f"{self.message or self.resource_key or 'error'}" + (f" ({detail})" if detail else "")


@dataclass(frozen=True)
class MouserAnswer:
    """A partnumber search answer: its parts, and how many results Mouser counted (it returns 50 at most)."""

    parts: tuple[MouserPart, ...]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.parts)


def parse_errors(body: Any) -> tuple[MouserError, ...]:
    """The `Errors[]` of an answer (any HTTP status), as values."""
    if not isinstance(body, Mapping):
        return ()
    return tuple(
        MouserError(fields.text(item.get("Code")), fields.text(item.get("Message")),
                    fields.text(item.get("ResourceKey")), fields.text(item.get("PropertyName")))
        for item in _mappings(body.get("Errors"))
    )


_BAD_KEY = re.compile(r"(?i)unique identifier|api ?key|unauthori[sz]ed|not authori[sz]ed")
_DAILY = re.compile(r"(?i)per day|daily|a day\b|quota")
_THROTTLED = re.compile(r"(?i)too many|per minute|rate limit|throttl")

BAD_KEY_ADVICE = ("check the Mouser Search API key (My Mouser → APIs; the Cart and Order API keys do "
                  "not work for search) — Mouser not checked")


def raise_for_errors(errors: Sequence[MouserError]) -> None:
    """Errors in an answer (HTTP 200 included) stop here, before any result is read.

    A rejected key stops the source (SourceUnavailable, one line saying what to check); a spent
    daily limit too; a per-minute throttle is retryable; anything else fails this call's parts.
    """
    if not errors:
        return
    said = "; ".join(dict.fromkeys(str(error) for error in errors))
    if any(error.resource_key == "InvalidIdentifier"
           or _BAD_KEY.search(f"{error.message} {error.property_name}") for error in errors):
        raise SourceUnavailable(f"Mouser rejected the API key ({said}); {BAD_KEY_ADVICE}")
    if says_daily_limit(errors):
        raise SourceUnavailable(f"Mouser: daily limit of calls reached ({said}) — Mouser not checked "
                                "for the remaining lines")
    raise SourceError(f"Mouser: {said}", retryable=says_throttled(errors))


def says_daily_limit(errors: Sequence[MouserError]) -> bool:
    """Whether Mouser's errors say its 1,000 calls a day are spent (waiting today will not help)."""
    return any(_DAILY.search(error.message) for error in errors)


def says_throttled(errors: Sequence[MouserError]) -> bool:
    """Whether Mouser's errors say its per-minute limit (30 calls) was hit, not the daily one."""
    return not says_daily_limit(errors) and any(_THROTTLED.search(error.message) for error in errors)


def parse_answer(body: Any) -> MouserAnswer:
    """One partnumber search answer: `Errors` first (see raise_for_errors), then `SearchResults`.

    A miss is `NumberOfResult: 0, Parts: []`. A part without any part number is skipped.
    Every price of the answer is read with the one decimal mark its unambiguous prices show
    (one account, one locale).
    """
    if not isinstance(body, Mapping):
        raise SourceError("Mouser: unexpected answer (not a JSON object)")
    raise_for_errors(parse_errors(body))
    results = body.get("SearchResults")
    if not isinstance(results, Mapping):
        raise SourceError("Mouser: unexpected answer (no SearchResults and no Errors)")
    raws = list(_mappings(results.get("Parts")))
    mark = decimal_mark_of(tier.get("Price") for raw in raws for tier in _mappings(raw.get("PriceBreaks")))
    parts: list[MouserPart] = []
    for raw in raws:
        mouser_pn = fields.text(raw.get("MouserPartNumber"))
        mpn = fields.text(raw.get("ManufacturerPartNumber"))
        if not (mouser_pn or mpn):
            log.debug("Mouser: skipping a part without MouserPartNumber or ManufacturerPartNumber")
            continue
        try:
            offer = mouser_offer(raw, mark)
        except (TypeError, ValueError, ArithmeticError) as exc:
            log.debug("Mouser: skipping a malformed part %s: %s", mouser_pn or mpn, exc)
            continue
        parts.append(MouserPart(mouser_pn, mpn, fields.text(raw.get("Manufacturer")), offer,
                                fields.text(raw.get("SuggestedReplacement"))))
    total = fields.integer(results.get("NumberOfResult"))
    return MouserAnswer(tuple(parts), max(total or 0, len(parts)))
