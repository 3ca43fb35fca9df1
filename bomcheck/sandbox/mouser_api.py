"""Mouser's Search API part-number search, answered from the sandbox catalog in the account's locale.

`POST /api/v1/search/partnumber?apiKey=<key>` (KiCost's `/api/v1.0/...` too) with
`{"SearchByPartRequest": {"mouserPartNumber": "A|B|…", "partSearchOptions": "Exact"}}`: up to
ten numbers (MPNs or Mouser numbers) joined by '|'. "Exact" finds exact numbers only; any other
option also finds the longer numbers starting with each one. The answer is
`{"Errors": [], "SearchResults": {"NumberOfResult": n, "Parts": [...]}}` with at most 50 parts,
in Mouser-number order, never in the order asked; a number nobody lists is simply absent.

Traps, as the real service and its clients showed them (mouser.md):
- numbers as strings (`Min`, `Mult`, `FactoryStock`, `AvailabilityInStock`, `IsDiscontinued`),
  prices formatted in the account's locale (`SandboxConfig.mouser_locale`: "en-US" '$0.627',
  "de-DE" '6,85 €', "sv-SE" '6.817,20 kr', "fr-FR" '1 234,50 €', "en-GB" '£0.66'), the
  `Availability` text in its language;
- about one part in three in the 2021 shape (no `AvailabilityInStock`, no `AvailabilityOnOrder`);
  in the 2026 shape `AvailabilityInStock` is null when nothing is in stock;
- errors inside HTTP 200 answers: a wrong key is `Errors: [{"Code": "Invalid", "Message":
  "Invalid unique identifier.", "ResourceKey": "InvalidIdentifier", "PropertyName": "API Key"}]`
  with `SearchResults: null`; so is a body without `mouserPartNumber` or with more than ten numbers;
- no `User-Agent`, or a library's default one (Python-urllib, python-requests, bare aiohttp), gets
  the CDN's HTML "Access Denied" page (HTTP 403).

Assumptions where nothing public says (UNCONFIRMED, kept here): over the per-minute limit
(`SandboxConfig.mouser_per_minute`, off by default; Mouser's is 30) the answer is HTTP 503 with
`Retry-After` and `X-RateLimit-Limit/-Remaining/-Reset` (as Binner reads Mouser's throttling),
and an `Errors` entry; over the daily limit (`mouser_daily`, 1000) the same without
`Retry-After`, saying "Maximum calls per day exceeded.". Calls refused by the CDN or for a wrong
key are not counted against the limits; every other call is, whatever its answer.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bomcheck.sandbox import SANDBOX_MOUSER_API_KEY
from bomcheck.sandbox.mouser_catalog import MouserListing, begins_with, exact

SEARCH_PATHS = ("/api/v1/search/partnumber", "/api/v1.0/search/partnumber")
PATH_PREFIX = "/api/v1"
MAX_NUMBERS = 10
MAX_RESULTS = 50
MINUTE = 60.0


@dataclass(frozen=True)
class Locale:
    """How an account's prices and stock read: currency, rate from USD, separators, the words."""

    currency: str
    rate: Decimal  # 1 USD = rate units of the currency (fixed: the sandbox answers the same forever)
    decimal: str
    group: str
    symbol: str
    symbol_after: bool
    in_stock: str


LOCALES: dict[str, Locale] = {
    "en-US": Locale("USD", Decimal("1"), ".", ",", "$", False, "In Stock"),
    "de-DE": Locale("EUR", Decimal("0.92"), ",", ".", "€", True, "Auf Lager"),
    "sv-SE": Locale("SEK", Decimal("10.50"), ",", ".", "kr", True, "I lager"),
    "fr-FR": Locale("EUR", Decimal("0.92"), ",", "\u202f", "€", True, "En stock"),
    "en-GB": Locale("GBP", Decimal("0.79"), ".", ",", "£", False, "In Stock"),
}

def locale_for(currency: str) -> str:
    """The demo account's locale for a run in `currency`: a Mouser account prices in its own
    currency, so a buyer in euros has a euro account ("de-DE"); else "en-US"."""
    return next((name for name, locale in LOCALES.items() if locale.currency == currency.upper()), "en-US")


BAD_KEY = {"Id": 0, "Code": "Invalid", "Message": "Invalid unique identifier.",
           "ResourceKey": "InvalidIdentifier", "ResourceFormatString": None, "ResourceFormatString2": None,
           "PropertyName": "API Key"}
_DEFAULT_AGENTS = re.compile(r"(?i)^(python-urllib|python-requests|python/[\d.]+ aiohttp/|curl/)")
_ACCESS_DENIED = ("<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
                  "You don't have permission to access this server.<P>\nReference&#32;#18.sandbox\n"
                  "</BODY>\n</HTML>\n")


def local_price(usd: Decimal, locale: Locale) -> Decimal:
    """A USD price in the locale's currency, rounded as Mouser shows it: 2 places from 1 up, 3 below,
    4 below a cent."""
    amount = usd * locale.rate
    places = 2 if amount >= 1 else 3 if amount >= Decimal("0.01") else 4
    step = Decimal(1).scaleb(-places)
    return max(step, amount.quantize(step, rounding=ROUND_HALF_UP))


def format_price(amount: Decimal, locale: Locale) -> str:
    """'$1,234.50', '6,85 €', '6.817,20 kr': the locale's separators, its symbol on its side."""
    whole, _, fraction = f"{amount:f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    number = locale.group.join([whole, *groups]) + (locale.decimal + fraction if fraction else "")
    return f"{number} {locale.symbol}" if locale.symbol_after else f"{locale.symbol}{number}"


def error(code: str, message: str, property_name: str = "", resource_key: str = "") -> dict[str, Any]:
    """One `Errors[]` entry with every field Mouser's model has."""
    return {"Id": 0, "Code": code, "Message": message, "ResourceKey": resource_key or code,
            "ResourceFormatString": None, "ResourceFormatString2": None, "PropertyName": property_name}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def part_json(entry: MouserListing, locale: Locale) -> dict[str, Any]:
    """One `Parts[]` entry: the 2021 sample's fields, plus the 2026 ones unless `entry.legacy`."""
    part = entry.part
    qs = hashlib.sha256(entry.mouser_pn.encode()).hexdigest()[:22]
    attributes = [{"AttributeName": "Packaging", "AttributeValue": name} for name in entry.packagings]
    if entry.standard_pack > 1:
        attributes.append({"AttributeName": "Standard Pack Qty", "AttributeValue": str(entry.standard_pack)})
    compliance = [{"ComplianceName": "USHTS", "ComplianceValue": re.sub(r"\D", "", part.hts_code)},
                  {"ComplianceName": "ECCN", "ComplianceValue": part.eccn_code}]
    data: dict[str, Any] = {
        "Availability": f"{entry.stock} {locale.in_stock}" if entry.stock else "None",
        "DataSheetUrl": f"https://www.mouser.com/datasheet/2/{qs[:3]}/{quote(part.part_num, safe='')}.pdf"
        if part.has_datasheet else "",
        "Description": part.description,
        "FactoryStock": str(entry.factory_stock),
        "ImagePath": f"https://www.mouser.com/images/{_slug(part.mfr_name).lower()}/images/{qs[:10]}_t.jpg",
        "Category": part.category,
        "LeadTime": f"{entry.lead_days} Days",
        "LifecycleStatus": entry.lifecycle,
        "Manufacturer": part.mfr_name,
        "ManufacturerPartNumber": part.part_num,
        "Min": str(entry.moq),
        "Mult": str(entry.multiple),
        "MouserPartNumber": entry.mouser_pn,
        "ProductAttributes": attributes,
        "PriceBreaks": [{"Quantity": quantity, "Price": format_price(local_price(usd, locale), locale),
                         "Currency": locale.currency} for quantity, usd in entry.breaks],
        "AlternatePackagings": None,
        "ProductDetailUrl": f"https://www.mouser.com/ProductDetail/{_slug(part.mfr_name)}/"
                            f"{quote(part.part_num, safe='')}?qs={qs}",
        "Reeling": "MouseReel" in entry.packagings,
        "ROHSStatus": entry.rohs,
        "SuggestedReplacement": entry.replacement,
        "MultiSimBlue": 0,
        "InfoMessages": [],
        "ProductCompliance": compliance,
    }
    if entry.legacy:
        return data
    data.update({
        "AvailabilityInStock": str(entry.stock) if entry.stock else None,
        "AvailabilityOnOrder": [{"Quantity": quantity, "Date": f"{due.isoformat()}T00:00:00"}
                                for due, quantity in entry.on_order],
        "IsDiscontinued": "true" if entry.discontinued else "false",
        "UnitWeightKg": {"UnitWeight": 0.000_1},
        "RestrictionMessage": "",
        "SalesMaximumOrderQty": "",
        "PID": f"P{qs[:8].upper()}",
        "REACH-SVHC": [],
        "ActualMfrName": part.mfr_name,
        "SurchargeMessages": [],
    })
    return data


def search_body(numbers: list[str], exact_only: bool, locale: Locale) -> dict[str, Any]:
    """The answer to a search of `numbers`: every listing found once, in Mouser-number order, 50 at most."""
    found: dict[str, MouserListing] = {}
    for number in numbers:
        for entry in exact(number) if exact_only else begins_with(number):
            found.setdefault(entry.mouser_pn, entry)
    listings = [found[key] for key in sorted(found)]
    return {"Errors": [], "SearchResults": {"NumberOfResult": len(listings),
                                            "Parts": [part_json(e, locale) for e in listings[:MAX_RESULTS]]}}


class MouserRequestError(Exception):
    """A request the sandbox refuses the way Mouser does: an `Errors[]` entry in a 200."""

    def __init__(self, entry: dict[str, Any]) -> None:
        super().__init__(entry["Message"])
        self.entry = entry


def parse_search(body: Any) -> tuple[list[str], bool]:
    """(the numbers asked, whether the search is exact) from a request body; MouserRequestError if bad."""
    request = body.get("SearchByPartRequest") if isinstance(body, Mapping) else None
    if not isinstance(request, Mapping):
        raise MouserRequestError(error("Required", "SearchByPartRequest is required.", "SearchByPartRequest"))
    text = request.get("mouserPartNumber")
    numbers = [n.strip() for n in text.split("|") if n.strip()] if isinstance(text, str) else []
    if not numbers:
        raise MouserRequestError(error("Required", "Part Number is required.", "mouserPartNumber"))
    if len(numbers) > MAX_NUMBERS:
        too_many = f"A maximum of {MAX_NUMBERS} part numbers may be searched at once."
        raise MouserRequestError(error("Invalid", too_many, "mouserPartNumber"))
    option = str(request.get("partSearchOptions") or "None").strip().casefold()
    return numbers, option == "exact"


def _json(body: dict[str, Any], status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers,
                             dumps=lambda data: json.dumps(data, ensure_ascii=False))


class MouserApi:
    """The part-number search with its key, locale, per-minute and daily limits."""

    def __init__(self, *, locale: str = "en-US", per_minute: int | None = None, daily: int = 1000,
                 clock: Callable[[], float] = time.monotonic,
                 on_throttled: Callable[[], None] | None = None) -> None:
        if locale not in LOCALES:
            raise ValueError(f"unknown Mouser locale {locale!r} (use one of {', '.join(LOCALES)})")
        self.locale = LOCALES[locale]
        self.per_minute = per_minute
        self.daily = daily
        self.used_today = 0
        self._clock = clock
        self._minute: deque[float] = deque()
        self._on_throttled = on_throttled

    def add_routes(self, app: web.Application) -> None:
        for path in SEARCH_PATHS:
            app.router.add_post(path, self.search)

    async def search(self, request: web.Request) -> web.Response:
        """One part-number search: the CDN's check, the key, the limits, then the catalog."""
        agent = request.headers.get("User-Agent", "").strip()
        if not agent or _DEFAULT_AGENTS.match(agent):
            return web.Response(status=403, text=_ACCESS_DENIED, content_type="text/html")
        key = next((value for name, value in request.query.items() if name.casefold() == "apikey"), "")
        if not secrets.compare_digest(key.encode(), SANDBOX_MOUSER_API_KEY.encode()):
            return _json({"Errors": [BAD_KEY], "SearchResults": None})
        refused = self._over_limit()
        if refused is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            body = None
        except ConnectionResetError:  # the client (or a played "reset" fault) dropped the connection
            return web.Response(status=400)
        try:
            numbers, exact_only = parse_search(body)
        except MouserRequestError as exc:
            return _json({"Errors": [exc.entry], "SearchResults": None})
        return _json(search_body(numbers, exact_only, self.locale))

    def _over_limit(self) -> web.Response | None:
        """The 503 of a spent daily or per-minute limit, or None (and the call is counted)."""
        now = self._clock()
        while self._minute and self._minute[0] <= now - MINUTE:
            self._minute.popleft()
        if self.used_today >= self.daily:
            return self._throttled(error("TooManyRequests", "Maximum calls per day exceeded."), {
                "X-RateLimit-Limit": str(self.daily), "X-RateLimit-Remaining": "0"})
        if self.per_minute is not None and len(self._minute) >= self.per_minute:
            wait = max(1, math.ceil(self._minute[0] + MINUTE - now))
            return self._throttled(error("TooManyRequests", "Too many requests per minute."), {
                "Retry-After": str(wait), "X-RateLimit-Limit": str(self.per_minute),
                "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(wait)})
        self.used_today += 1
        self._minute.append(now)
        return None

    def _throttled(self, entry: dict[str, Any], headers: dict[str, str]) -> web.Response:
        if self._on_throttled:
            self._on_throttled()
        return _json({"Errors": [entry], "SearchResults": None}, status=503, headers=headers)
