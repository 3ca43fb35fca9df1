"""DigiKey Supply Chain v1 bonded inventory: the Source, its endpoint choice, token refresh and refusals."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from bomcheck.distributors.digikey_auth import TokenProvider
from bomcheck.distributors.digikey_calls import DigiKeyCalls
from bomcheck.distributors.digikey_errors import error_message, request_id
from bomcheck.distributors.digikey_parse import (
    QUANTITY_FIELDS,
    BondedItem,
    BondedLocation,
    bonded_offer,
    parse_locations,
    parse_products,
    product_keys,
)
from bomcheck.distributors.http import HttpResponse, Transport
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import Lookup, LookupStatus, Query, normalize_mpn

log = logging.getLogger(__name__)

DIGIKEY_PRODUCTION_URL = "https://api.digikey.com"
DIGIKEY_SANDBOX_URL = "https://sandbox-api.digikey.com"
SUPPLY_CHAIN_PATH = "/SupplyChain/v1"

# {said}: DigiKey's own words and request id, e.g. "HTTP 403: Forbidden — No bonded inventory
# agreement for this account. (request id 7a3f…)".
NO_AGREEMENT = (
    "DigiKey: no access to bonded inventory ({said}): the account has no bonded agreement, or "
    "the account id is not yours (`bomcheck auth digikey` lists your locations) — bonded stock "
    "not checked"
)
DAILY_QUOTA = (
    "DigiKey: daily quota exhausted (HTTP 429) — bonded stock not checked for the remaining "
    "lines"
)


# --------------------------------------------------------------------------- matching


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


def _has(value: str | None) -> bool:
    return bool(value and value.strip())


# --------------------------------------------------------------------------- source


class DigiKeyBondedSource(DigiKeyCalls):
    """The DigiKey bonded-inventory Source.

    Endpoint choice, per BOM: when every asked line has a DigiKey part number and there are at
    most PER_PART_LIMIT of them, one GetProductByPartNumber call per line; otherwise a single
    products-list call answers the whole BOM (GetLocationProducts for the configured account,
    or GetAllProducts when no account id is set). The list is one call whatever the BOM's
    size, which is what a daily quota wants; the per-part calls fetch less for a re-check.
    A part number the per-part endpoint does not know (a stale `-ND`) falls back to a list
    call for that line, matched by MPN then customer part number, so the answer never depends
    on the mode (at most PER_PART_LIMIT extra calls, and only for stale numbers).
    """

    name = "DigiKey Bonded"
    not_checked = "bonded stock not checked"
    PER_PART_LIMIT = 3

    def __init__(
        self, base_url: str, client_id: str, account_id: str | int | None, tokens: TokenProvider, *,
        currency: str = "USD", location_currencies: Mapping[int, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.account_id = str(account_id).strip() if account_id not in (None, "") else ""
        self.tokens = tokens
        self.currency = currency
        # CustomerLocationResponse.Currency per location (CustomerId), as `auth digikey` stored it
        self.location_currencies = {int(k): v.upper() for k, v in (location_currencies or {}).items() if v}
        self._fields_said = False
        self._currencies_said: set[int] = set()

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

    def calls_at_most(self, batch: Sequence[Query]) -> int:
        """One call, or in per-part mode one per line plus one list call for a stale DigiKey number
        whose line can be matched by MPN or customer part number (see `fetch`)."""
        if not self._per_part(batch):
            return 1
        return len(batch) + any(_has(query.mpn) or _has(query.customer_pn) for query in batch)

    def _per_part(self, batch: Sequence[Query]) -> bool:
        return (bool(self.account_id) and len(batch) <= self.PER_PART_LIMIT
                and all(_has(query.digikey_pn) for query in batch))

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> dict[Query, Lookup]:
        if self._per_part(batch):
            by_part = {query: await self._lookup_part(transport, query) for query in batch}
            unknown = [query for query, lookup in by_part.items() if lookup.status is LookupStatus.NOT_FOUND
                       and (_has(query.mpn) or _has(query.customer_pn))]
            return {**by_part, **(await self._from_list(transport, unknown) if unknown else {})}
        return await self._from_list(transport, batch)

    async def _from_list(self, transport: Transport, batch: Sequence[Query]) -> dict[Query, Lookup]:
        items = await self.fetch_products(transport)
        missing = "not in bonded inventory"
        if not items:
            missing += " (the account lists no bonded parts)"
        lookups: dict[Query, Lookup] = {}
        for query in batch:
            matched = match_items(items, query)
            if matched:
                offers = tuple(bonded_offer(item, self._currency_of(item)) for item in matched)
                lookups[query] = Lookup(self.name, LookupStatus.FOUND, offers=offers)
            else:
                lookups[query] = Lookup(self.name, LookupStatus.NOT_FOUND, message=missing)
        return lookups

    async def _lookup_part(self, transport: Transport, query: Query) -> Lookup:
        item = await self.fetch_part(transport, query.digikey_pn or "")
        if item is None:
            return Lookup(self.name, LookupStatus.NOT_FOUND, message="not in bonded inventory")
        return Lookup(self.name, LookupStatus.FOUND, offers=(bonded_offer(item, self._currency_of(item)),))

    def _currency_of(self, item: BondedItem) -> str:
        """The currency a bonded item's UnitPrice is in: that of the location its CustomerId names
        (its CustomerLocationResponse.Currency, "used in the order"), else the configured one.

        A configured currency that disagrees with the location's is said once per location and
        never relabels the prices: the location's is what DigiKey bills them in.
        """
        if item.customer_id is None or not (located := self.location_currencies.get(item.customer_id)):
            return self.currency
        location = item.customer_id
        if located != self.currency and location not in self._currencies_said:
            self._currencies_said.add(location)
            log.warning("DigiKey location %s is billed in %s, not in the configured DigiKey currency %s: "
                        "its bonded prices are shown in %s", location, located, self.currency, located)
        return located

    def _location_path(self) -> str:
        return f"/BondedQuantity/Locations/{quote(self.account_id, safe='')}"

    async def fetch_products(self, transport: Transport) -> list[BondedItem]:
        """Every bonded product: GetLocationProducts for the account, else GetAllProducts."""
        path = f"{self._location_path()}/Products" if self.account_id else "/BondedQuantity/Products"
        response = await self._get(transport, path)
        return self._products(self._json(transport, response)) if response is not None else []

    def _products(self, body: Any) -> list[BondedItem]:
        """The bonded items of an answer; the first answer with any says once which fields it has."""
        items = parse_products(body)
        if items and not self._fields_said:
            self._fields_said = True
            # The seed is the only public word on these answers: the first real one shows the rest.
            log.info("DigiKey's bonded products carry the fields %s", ", ".join(product_keys(body)))
            if all(item.quantity_field == "ReserveQuantity" for item in items):
                log.warning("DigiKey's bonded products carry no %s: bonded stock is read from "
                            "ReserveQuantity, which DigiKey describes as reserved on backorder; check a "
                            "part against DigiKey's portal", " or ".join(QUANTITY_FIELDS))
        return items

    async def fetch_part(self, transport: Transport, digikey_pn: str) -> BondedItem | None:
        """One bonded part by DigiKey part number (GetProductByPartNumber); None when unknown."""
        if not self.account_id:
            raise SourceUnavailable("DigiKey: set the account id to look up single bonded parts")
        path = f"{self._location_path()}/Products/{quote(digikey_pn.strip(), safe='')}"
        response = await self._get(transport, path, not_found_ok=True)
        if response is None:
            return None
        items = self._products(self._json(transport, response))
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
        return super()._json(transport, response) if response.body.strip() else []

    async def _send(self, transport: Transport, url: str, token: str) -> HttpResponse:
        headers = {
            "Authorization": f"Bearer {token}",
            "X-DIGIKEY-Client-Id": self.client_id,
            "Accept": "application/json",
        }
        return await self._request(transport, "GET", url, headers, token)

    async def _get(self, transport: Transport, path: str, *, not_found_ok: bool = False
                   ) -> HttpResponse | None:
        """GET a Supply Chain path: bearer token, one refresh + retry on an expired token,
        every other failure mapped to SourceError / SourceUnavailable."""
        url = f"{self.base_url}{SUPPLY_CHAIN_PATH}{path}"
        response, token = await self._with_token(transport, lambda token: self._send(transport, url, token))
        status = response.status
        if 200 <= status < 300:
            return response
        if status == 404 and not_found_ok:
            return None
        message = self._redact(transport, error_message(response), token)
        # error_message() carries the request id. Refusals that stop DigiKey for the run (401,
        # 403, spent quota) are said once by the fan-out; here they are only logged at INFO.
        daily = self._is_daily(transport, response)
        stops_run = status in (401, 403) or daily
        log.log(logging.INFO if stops_run else logging.WARNING, "DigiKey %s%s failed: %s",
                SUPPLY_CHAIN_PATH, path, message)
        if status == 401:
            raise SourceUnavailable(
                f"DigiKey rejected the request ({message}); check the app's client id and its "
                "Supply Chain subscription, or run `bomcheck auth digikey` — bonded stock not "
                "checked"
            )
        if status == 403:
            raise SourceUnavailable(NO_AGREEMENT.format(said=message), account_wide=True)
        if daily:
            raise self._quota_spent(transport, response, DAILY_QUOTA)
        if status == 429 or status >= 500:  # retried by the transport already; the body was logged
            rid = request_id(response)
            raise SourceError(f"DigiKey: {response.failed_after_attempts()}"
                              + (f" (request id {rid})" if rid else ""), retryable=True)
        raise SourceError(f"DigiKey: {message}")
