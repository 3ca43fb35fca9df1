"""DigiKey Supply Chain v1 bonded inventory: tolerant parsing, matching, error messages, the Source."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from bomcheck.distributors import fields
from bomcheck.distributors.base import HttpResponse, Transport
from bomcheck.distributors.digikey_auth import TokenProvider
from bomcheck.errors import AuthError, SourceError, SourceUnavailable
from bomcheck.model import Lookup, LookupStatus, Offer, PriceBreak, Query, normalize_mpn

log = logging.getLogger(__name__)

DIGIKEY_PRODUCTION_URL = "https://api.digikey.com"
DIGIKEY_SANDBOX_URL = "https://sandbox-api.digikey.com"
SUPPLY_CHAIN_PATH = "/SupplyChain/v1"
REQUEST_ID_HEADER = "X-DIGIKEY-REQUEST-ID"

NO_AGREEMENT = (
    "DigiKey: this account has no bonded inventory agreement (HTTP 403) — bonded stock not checked"
)
DAILY_QUOTA = (
    "DigiKey daily quota exhausted (HTTP 429) — bonded stock not checked for the remaining "
    "lines; the quota resets at midnight US Central time"
)
NCNR_NO_DATE = ("1858-11-17", "0001-01-01")  # the seed's "no NCNR" sentinel, and .NET's default


@dataclass(frozen=True)
class BondedItem:
    """One BondedInventoryProductResponse, field by field, plus the quantity we may release."""

    digikey_pn: str
    mpn: str
    customer_pn: str
    description: str
    manufacturer: str
    unit_price: Decimal | None
    pack_type: str
    country_of_origin: str
    reserve_quantity: int
    backorder_reserve_quantity: int
    vendor_lead_weeks: int | None
    customer_id: int | None
    ncnr: bool
    ncnr_date_signed: str | None
    min_release_override: bool
    min_quantity_threshold: int
    standard_package: int
    ncnr_quantity: str | None = None  # typed int, described as a date: kept as written
    quantity: int = 0  # what bomcheck treats as releasable stock, see bonded_item_from_json

    @property
    def min_release_qty(self) -> int:
        """The seed's rule: override TRUE → threshold if > 0 else 1; FALSE → StandardPackage."""
        if self.min_release_override:
            return self.min_quantity_threshold if self.min_quantity_threshold > 0 else 1
        return max(1, self.standard_package)


# --------------------------------------------------------------------------- field mapping


def _folded(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).casefold(): value for key, value in obj.items()}


def _price(value: Any) -> Decimal | None:
    """DigiKey's UnitPrice; 0 means no price was set, so it counts as unknown."""
    amount = fields.price(value)
    return amount if amount else None


def _date(value: Any) -> str | None:
    text = fields.text(value)
    if not text or text.startswith(NCNR_NO_DATE):
        return None
    return text


def bonded_item_from_json(obj: Mapping[str, Any]) -> BondedItem:
    """THE mapping from one product of a Supply Chain answer to a BondedItem.

    The public spec is incomplete; every assumption about the wire format lives here:
    - keys are matched case-insensitively (PascalCase per the seed, camelCase tolerated);
      unknown keys are ignored; an item needs a DigiKeyPartNumber or ManufacturerPartNumber.
    - quantity (stock we may release): `QuantityAvailable`, else `Quantity`, if the answer
      has such a key; otherwise `ReserveQuantity` — the seed's only on-hand-looking count
      (its description, "reserved on backorder", is muddled). BackOrderReserveQuantity is
      never counted as stock.
    - UnitPrice: a number via Decimal(str(x)); missing, zero or negative = unknown (None), so
      a bonded offer without a real price is never planned at price 0.
    - VendorLeadWeeks: a string per the seed ("12", "12 weeks"); unparseable → None.
    - NonCancelable true = NCNR. NcnrDateSigned (and NcnrQuantity, typed int but described
      as a date) on the sentinel 1858-11-17 (or 0001-01-01) = no date (None).
    - StandardPackage missing or 0 counts as 1 for the minimum release quantity.
    """
    if not isinstance(obj, Mapping):
        raise TypeError("a bonded product must be a JSON object")
    item = _folded(obj)
    digikey_pn = fields.text(item.get("digikeypartnumber"))
    mpn = fields.text(item.get("manufacturerpartnumber"))
    if not digikey_pn and not mpn:
        raise ValueError("a bonded product without DigiKeyPartNumber or ManufacturerPartNumber")
    reserve = max(0, fields.integer(item.get("reservequantity")) or 0)
    quantity = reserve
    for key in ("quantityavailable", "quantity"):
        given = fields.integer(item.get(key))
        if given is not None:
            quantity = max(0, given)
            break
    ncnr_quantity = item.get("ncnrquantity")
    return BondedItem(
        digikey_pn=digikey_pn,
        mpn=mpn,
        customer_pn=fields.text(item.get("customerpartnumber")),
        description=fields.text(item.get("productdescription")),
        manufacturer=fields.text(item.get("manufacturer")),
        unit_price=_price(item.get("unitprice")),
        pack_type=fields.text(item.get("packtype")),
        country_of_origin=fields.text(item.get("countryoforigin")),
        reserve_quantity=reserve,
        backorder_reserve_quantity=max(0, fields.integer(item.get("backorderreservequantity")) or 0),
        vendor_lead_weeks=fields.integer(item.get("vendorleadweeks")),
        customer_id=fields.integer(item.get("customerid")),
        ncnr=fields.boolean(item.get("noncancelable")),
        ncnr_date_signed=_date(item.get("ncnrdatesigned")),
        min_release_override=fields.boolean(item.get("minimumreleasequantityoverride")),
        min_quantity_threshold=max(0, fields.integer(item.get("minimumquantitythreshold")) or 0),
        standard_package=max(0, fields.integer(item.get("standardpackage")) or 0),
        ncnr_quantity=_date(ncnr_quantity) if ncnr_quantity not in (0, "0") else None,
        quantity=quantity,
    )


_PRODUCT_KEYS = frozenset({"digikeypartnumber", "manufacturerpartnumber"})


def _looks_like_product(obj: Mapping[str, Any]) -> bool:
    return any(str(key).casefold() in _PRODUCT_KEYS for key in obj)


def _product_objects(body: Any, depth: int = 0) -> Iterator[Any]:
    """Product objects wherever a tolerable answer keeps them: a bare list, an object holding
    a list (`{"Products": [...]}` or any one list value), a single product object, or one
    more level (e.g. locations that each hold their products)."""
    if depth > 3:
        return
    if isinstance(body, list):
        for element in body:
            if isinstance(element, Mapping) and not _looks_like_product(element) and any(
                isinstance(value, list) for value in element.values()
            ):
                yield from _product_objects(element, depth + 1)
            else:
                yield element
    elif isinstance(body, Mapping):
        if _looks_like_product(body):
            yield body
            return
        for value in body.values():
            if isinstance(value, list):
                yield from _product_objects(value, depth + 1)


def parse_products(body: Any) -> list[BondedItem]:
    """Every well-formed bonded product of an answer; malformed ones are skipped and logged."""
    items: list[BondedItem] = []
    for obj in _product_objects(body):
        try:
            items.append(bonded_item_from_json(obj))
        except (TypeError, ValueError) as exc:
            log.debug("DigiKey: skipping a malformed bonded product: %s", exc)
    return items


def bonded_offer(item: BondedItem, currency: str = "USD") -> Offer:
    """The Offer a bonded item makes: its releasable quantity at its unit price, NCNR as signed."""
    breaks = (PriceBreak(1, item.unit_price),) if item.unit_price is not None else ()
    return Offer(
        source="DigiKey Bonded",
        seller="DigiKey bonded inventory",
        mpn=item.mpn or item.digikey_pn,
        manufacturer=item.manufacturer,
        sku=item.digikey_pn,
        stock=item.quantity,
        moq=item.min_release_qty,
        multiple=1,
        breaks=breaks,
        currency=currency or "USD",
        ncnr=item.ncnr,
        lead_time_weeks=item.vendor_lead_weeks,
        description=item.description,
        bonded=True,
        packaging=item.pack_type,
        country_of_origin=item.country_of_origin,
    )


def match_items(items: Sequence[BondedItem], query: Query) -> list[BondedItem]:
    """Bonded items for a query, by the first key that finds any: the BOM's DigiKey part number,
    then its MPN, then its customer part number; last, an item whose customer PN is the MPN."""
    def same(value: str, wanted: str | None) -> bool:
        return bool(value and wanted and wanted.strip()) and normalize_mpn(value) == normalize_mpn(
            wanted or "")

    for found in (
        [item for item in items if same(item.digikey_pn, query.digikey_pn)],
        [item for item in items if same(item.mpn, query.mpn)],
        [item for item in items if same(item.customer_pn, query.customer_pn)],
        [item for item in items if same(item.customer_pn, query.mpn)],
    ):
        if found:
            return found
    return []


@dataclass(frozen=True)
class BondedLocation:
    """One CustomerLocationResponse: an account location, whether it holds bonded stock, its currency."""

    customer_id: int | None
    bonded_inventory: bool
    currency: str
    shipping_address: Mapping[str, str]


def parse_locations(body: Any) -> list[BondedLocation]:
    """Every CustomerLocationResponse of an answer (a bare list, an object holding one, or one)."""
    if isinstance(body, Mapping):
        lists = [value for value in body.values() if isinstance(value, list)]
        is_location = "customerid" in _folded(body)
        body = lists[0] if lists and not is_location else [body]
    locations: list[BondedLocation] = []
    for obj in body if isinstance(body, list) else []:
        if not isinstance(obj, Mapping):
            continue
        item = _folded(obj)
        address = item.get("shippingaddress")
        locations.append(BondedLocation(
            customer_id=fields.integer(item.get("customerid")),
            bonded_inventory=fields.boolean(item.get("bondedinventory")),
            currency=fields.text(item.get("currency")).upper(),
            shipping_address={str(k): fields.text(v) for k, v in address.items()}
            if isinstance(address, Mapping) else {},
        ))
    return locations


def _has(value: str | None) -> bool:
    return bool(value and value.strip())


# --------------------------------------------------------------------------- errors


def request_id(response: HttpResponse) -> str | None:
    """DigiKey's id of this request (header, else the error body's RequestId/correlationId)."""
    header = response.header(REQUEST_ID_HEADER)
    if header:
        return header
    body = _json_or_none(response)
    if isinstance(body, Mapping):
        folded = _folded(body)
        for key in ("requestid", "correlationid"):
            if folded.get(key):
                return fields.text(folded[key])
    return None


def _json_or_none(response: HttpResponse) -> Any:
    try:
        return json.loads(response.body) if response.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


def error_message(response: HttpResponse) -> str:
    """One readable line from an ApiErrorResponse, a DKProblemDetails, or any other error body.

    e.g. "HTTP 401: Bearer token is expired (request id 7a3f…)".
    """
    body = _json_or_none(response)
    pieces: list[str] = []
    if isinstance(body, Mapping):
        folded = _folded(body)
        for key in ("errormessage", "title", "message", "error", "errordetails", "detail",
                    "error_description"):
            text = fields.text(folded.get(key))
            if text and text not in pieces:
                pieces.append(text)
        for problem in folded.get("validationerrors") or []:
            if isinstance(problem, Mapping):
                field_name = fields.text(_folded(problem).get("field"))
                text = fields.text(_folded(problem).get("message"))
                if text:
                    pieces.append(f"{field_name}: {text}" if field_name else text)
        errors = folded.get("errors")
        if isinstance(errors, Mapping):
            for field_name, messages in errors.items():
                listed = messages if isinstance(messages, list) else [messages]
                text = "; ".join(fields.text(m) for m in listed if fields.text(m))
                if text:
                    pieces.append(f"{field_name}: {text}")
    elif response.body.strip() and body is None:
        snippet = " ".join(response.text[:120].split())
        if snippet:
            pieces.append(repr(snippet))
    message = f"HTTP {response.status}"
    if pieces:
        message += ": " + " — ".join(pieces)
    rid = request_id(response)
    if rid:
        message += f" (request id {rid})"
    return message


def _says_expired(response: HttpResponse) -> bool:
    text = error_message(response) + " " + (response.header("WWW-Authenticate") or "")
    return "expired" in text.casefold()


def _is_daily_quota(response: HttpResponse) -> bool:
    retry_after = response.header("Retry-After")
    remaining = response.header("X-RateLimit-Remaining")
    return not retry_after or (remaining is not None and remaining.strip() == "0")


# --------------------------------------------------------------------------- source


class DigiKeyBondedSource:
    """The DigiKey bonded-inventory Source.

    Endpoint choice, per BOM: when every asked line has a DigiKey part number and there are at
    most PER_PART_LIMIT of them, one GetProductByPartNumber call per line; otherwise a single
    products-list call answers the whole BOM (GetLocationProducts for the configured account,
    or GetAllProducts when no account id is set). The list is one call whatever the BOM's
    size, which is what a daily quota wants; the per-part calls fetch less for a re-check.
    """

    name = "DigiKey Bonded"
    PER_PART_LIMIT = 3

    def __init__(
        self, base_url: str, client_id: str, account_id: str | int | None, tokens: TokenProvider, *,
        currency: str = "USD",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.account_id = str(account_id).strip() if account_id not in (None, "") else ""
        self.tokens = tokens
        self.currency = currency

    def __repr__(self) -> str:
        return f"DigiKeyBondedSource({self.base_url!r}, account_id={self.account_id!r})"

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        """One batch per line in per-part mode, else every askable query in one batch."""
        asked = [q for q in queries if _has(q.mpn) or _has(q.digikey_pn) or _has(q.customer_pn)]
        if not asked:
            return []
        if self._per_part(asked):
            return [[query] for query in asked]
        return [asked]

    def _per_part(self, batch: Sequence[Query]) -> bool:
        return (bool(self.account_id) and len(batch) <= self.PER_PART_LIMIT
                and all(_has(query.digikey_pn) for query in batch))

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> dict[Query, Lookup]:
        if self._per_part(batch):
            return {query: await self._lookup_part(transport, query) for query in batch}
        items = await self.fetch_products(transport)
        missing = "not in bonded inventory"
        if not items:
            missing += " (the account lists no bonded parts)"
        lookups: dict[Query, Lookup] = {}
        for query in batch:
            matched = match_items(items, query)
            if matched:
                offers = tuple(bonded_offer(item, self.currency) for item in matched)
                lookups[query] = Lookup(self.name, LookupStatus.FOUND, offers=offers)
            else:
                lookups[query] = Lookup(self.name, LookupStatus.NOT_FOUND, message=missing)
        return lookups

    async def _lookup_part(self, transport: Transport, query: Query) -> Lookup:
        item = await self.fetch_part(transport, query.digikey_pn or "")
        if item is None:
            return Lookup(self.name, LookupStatus.NOT_FOUND, message="not in bonded inventory")
        return Lookup(self.name, LookupStatus.FOUND, offers=(bonded_offer(item, self.currency),))

    def _location_path(self) -> str:
        return f"/BondedQuantity/Locations/{quote(self.account_id, safe='')}"

    async def fetch_products(self, transport: Transport) -> list[BondedItem]:
        """Every bonded product: GetLocationProducts for the account, else GetAllProducts."""
        path = f"{self._location_path()}/Products" if self.account_id else "/BondedQuantity/Products"
        response = await self._get(transport, path)
        return parse_products(self._json(transport, response)) if response is not None else []

    async def fetch_part(self, transport: Transport, digikey_pn: str) -> BondedItem | None:
        """One bonded part by DigiKey part number (GetProductByPartNumber); None when unknown."""
        if not self.account_id:
            raise SourceUnavailable("DigiKey: set the account id to look up single bonded parts")
        path = f"{self._location_path()}/Products/{quote(digikey_pn.strip(), safe='')}"
        response = await self._get(transport, path, not_found_ok=True)
        if response is None:
            return None
        items = parse_products(self._json(transport, response))
        wanted = normalize_mpn(digikey_pn)
        for item in items:
            if normalize_mpn(item.digikey_pn) == wanted:
                return item
        return items[0] if items else None

    async def fetch_locations(self, transport: Transport, account_id: str | None = None
                              ) -> list[BondedLocation]:
        """The bonded locations of the logged-in user (GetLocations), or of one account
        (GetOneLocation)."""
        path = "/BondedQuantity/Locations"
        if account_id:
            path += f"/{quote(str(account_id).strip(), safe='')}"
        response = await self._get(transport, path)
        return parse_locations(self._json(transport, response)) if response is not None else []

    def _json(self, transport: Transport, response: HttpResponse) -> Any:
        if not response.body.strip():
            return []
        try:
            return response.json()
        except SourceError as exc:
            error = SourceError(self._redact(transport, f"DigiKey: {exc}"), retryable=exc.retryable)
        raise error  # raised outside the except block: nothing unredacted is chained

    async def _token(self, transport: Transport, *, refresh: bool = False) -> str:
        try:
            if refresh:
                return await self.tokens.refresh(transport)
            return await self.tokens.access_token(transport)
        except AuthError as exc:
            error = SourceUnavailable(self._redact(transport, f"{exc} — bonded stock not checked"))
        raise error

    def _redact(self, transport: Transport, text: str, *tokens: str) -> str:
        """`text` without the transport's secrets nor any token the provider has held."""
        for secret in (*tokens, *getattr(self.tokens, "secrets", ())):
            if secret:
                text = text.replace(secret, "***")
        return transport.redact(text)

    async def _send(self, transport: Transport, url: str, token: str) -> HttpResponse:
        headers = {
            "Authorization": f"Bearer {token}",
            "X-DIGIKEY-Client-Id": self.client_id,
            "Accept": "application/json",
        }
        try:
            return await transport.request("GET", url, headers=headers)
        except SourceError as exc:
            message = self._redact(transport, f"DigiKey: {exc}", token)
            error = SourceError(message, retryable=exc.retryable)
        raise error

    async def _get(self, transport: Transport, path: str, *, not_found_ok: bool = False
                   ) -> HttpResponse | None:
        """GET a Supply Chain path: bearer token, one refresh + retry on an expired token,
        every other failure mapped to SourceError / SourceUnavailable."""
        url = f"{self.base_url}{SUPPLY_CHAIN_PATH}{path}"
        token = await self._token(transport)
        response = await self._send(transport, url, token)
        if response.status == 401 and _says_expired(response):
            log.info("DigiKey says the access token expired (request id %s); refreshing once",
                     request_id(response) or "-")
            token = await self._token(transport, refresh=True)
            response = await self._send(transport, url, token)
        status = response.status
        if 200 <= status < 300:
            return response
        if status == 404 and not_found_ok:
            return None
        message = self._redact(transport, error_message(response), token)
        # error_message() carries the request id. Refusals that stop DigiKey for the run (401,
        # 403, spent quota) are said once by the fan-out; here they are only logged at INFO.
        stops_run = status in (401, 403) or (status == 429 and _is_daily_quota(response))
        log.log(logging.INFO if stops_run else logging.WARNING, "DigiKey %s%s failed: %s",
                SUPPLY_CHAIN_PATH, path, message)
        if status == 401:
            raise SourceUnavailable(
                f"DigiKey rejected the request ({message}); check the app's client id and its "
                "Supply Chain subscription, or run `bomcheck auth digikey` — bonded stock not "
                "checked"
            )
        if status == 403:
            raise SourceUnavailable(NO_AGREEMENT)
        if status == 429:
            if _is_daily_quota(response):
                raise SourceUnavailable(DAILY_QUOTA)
            raise SourceError(f"DigiKey: still throttled after retries ({message})",
                              retryable=True)
        raise SourceError(f"DigiKey: {message}", retryable=status >= 500)
