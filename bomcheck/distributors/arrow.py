"""Arrow itemservice "search by token" (v3/v4): request building and the Source."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bomcheck.distributors.arrow_match import maker_key, manufacturer_matches, match_parts
from bomcheck.distributors.arrow_parse import ArrowPage, ArrowPart, parse_response
from bomcheck.distributors.http import HttpResponse, Transport
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import Lookup, LookupStatus, Query

log = logging.getLogger(__name__)

ARROW_PRODUCTION_URL = "https://api.arrow.com"
API_VERSIONS = ("v3", "v4")
MAX_ROWS = 25  # Arrow's documented maximum of distinct itemIds per page


@dataclass(frozen=True)
class ArrowCredentials:
    """An Arrow API login and key; the key travels in the query string, so it is kept out of repr."""

    login: str
    api_key: str = field(repr=False)


# --------------------------------------------------------------------------- request


def build_request(
    base_url: str,
    credentials: ArrowCredentials,
    token: str,
    *,
    rows: int = MAX_ROWS,
    start: int = 0,
    currency: str | None = None,
    mfr_cd: str | None = None,
    api_version: str = "v3",
) -> tuple[str, dict[str, str]]:
    """The URL and query parameters of one token search (aiohttp URL-encodes the parameters)."""
    if api_version not in API_VERSIONS:
        raise ValueError(f"unknown Arrow API version {api_version!r} (use one of {API_VERSIONS})")
    url = f"{base_url.rstrip('/')}/itemservice/{api_version}/en/search/token"
    params = {
        "login": credentials.login,
        "apikey": credentials.api_key,
        "search_token": token,
        "rows": str(max(1, min(int(rows), MAX_ROWS))),
        "fmt": "json",
    }
    if start > 0:
        params["start"] = str(int(start))
    if currency:
        params["utm_currency"] = currency.strip().upper()
    if mfr_cd:
        params["mfrCd"] = mfr_cd
    return url, params

# --------------------------------------------------------------------------- source


class ArrowSource:
    """The Arrow Source: one token search per distinct MPN, a few pages at most."""

    name = "Arrow"

    def __init__(
        self,
        base_url: str,
        credentials: ArrowCredentials,
        *,
        currency: str | None = None,
        api_version: str = "v3",
        rows: int = MAX_ROWS,
        max_pages: int = 3,
    ) -> None:
        if api_version not in API_VERSIONS:
            raise ValueError(f"unknown Arrow API version {api_version!r} (use one of {API_VERSIONS})")
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.currency = currency.strip().upper() if currency else None
        self.api_version = api_version
        self.rows = max(1, min(int(rows), MAX_ROWS))
        self.max_pages = max(1, int(max_pages))

    def __repr__(self) -> str:
        return f"ArrowSource({self.base_url!r}, login={self.credentials.login!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings the caller must put into Transport.secrets (the apikey rides in the URL)."""
        return (self.credentials.api_key,)

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        """One batch per distinct normalized MPN; queries without an MPN are not asked."""
        groups: dict[str, list[Query]] = {}
        for query in queries:
            if query.mpn_key:
                groups.setdefault(query.mpn_key, []).append(query)
        return list(groups.values())

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> dict[Query, Lookup]:
        """One token search (plus bounded paging) per MPN of the batch; a Lookup per query."""
        lookups: dict[Query, Lookup] = {}
        searched: dict[str, list[ArrowPart]] = {}
        for query in batch:
            key = query.mpn_key
            if not key:
                lookups[query] = Lookup(self.name, LookupStatus.NOT_CHECKED, message="no MPN")
                continue
            if key not in searched:
                searched[key] = await self.search(transport, key)
            lookups[query] = self._lookup(query, searched[key])
        return lookups

    async def search(self, transport: Transport, token: str) -> list[ArrowPart]:
        """The parts a token search returns, paging only while the exact part is not yet seen.

        `start` is sent as a 0-based offset (Arrow does not say whether it is 0- or 1-based;
        a 1-based server would repeat one item, which the itemId de-duplication absorbs).
        """
        probe = Query(mpn=token)
        parts: list[ArrowPart] = []
        seen: set[str] = set()
        start = 0
        for _ in range(self.max_pages):
            page = await self._page(transport, token, start)
            new = [part for part in page.parts if not part.item_id or part.item_id not in seen]
            seen.update(part.item_id for part in new if part.item_id)
            parts.extend(new)
            if not page.parts or not new or match_parts(parts, probe):
                break
            start += self.rows
            if start >= page.total_items:
                break
        return parts

    async def _page(self, transport: Transport, token: str, start: int) -> ArrowPage:
        body = await self._request(transport, token, start)
        try:
            return parse_response(body, currency=self.currency)
        except SourceError as exc:
            error = self._redacted(transport, exc, "")
        raise error  # outside the except block: the unredacted original is not chained

    async def _request(self, transport: Transport, token: str, start: int) -> Any:
        url, params = build_request(
            self.base_url, self.credentials, token, rows=self.rows, start=start,
            currency=self.currency, api_version=self.api_version,
        )
        try:
            response = await transport.request(
                "GET", url, params=params, headers={"Accept": "application/json"}, expect_json=True
            )
        except SourceError as exc:
            error = self._redacted(transport, exc, "Arrow: ")
        else:
            self._raise_for_status(transport, response)
            try:
                return response.json()
            except SourceError as exc:
                error = self._redacted(transport, exc, "Arrow: ")
        raise error

    def _redacted(self, transport: Transport, exc: SourceError, prefix: str) -> SourceError:
        """A copy of `exc` (same class) whose message carries no secret."""
        return type(exc)(self._redact(transport, prefix + str(exc)), retryable=exc.retryable)

    def _raise_for_status(self, transport: Transport, response: HttpResponse) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        log.debug("Arrow answered HTTP %s", status)
        if status in (401, 403):
            raise SourceUnavailable(
                f"Arrow rejected the login/apikey (HTTP {status}); check the Arrow login and "
                "API key — Arrow not checked"
            )
        if status == 429 or status >= 500:  # the transport has retried these already
            raise SourceError(f"Arrow: {response.failed_after_attempts()}",
                              retryable=True)
        snippet = " ".join(response.text[:120].split())
        raise SourceError(self._redact(transport, f"Arrow: unexpected answer (HTTP {status}): "
                                                  f"{snippet!r}"))

    def _redact(self, transport: Transport, text: str) -> str:
        return transport.redact(text, self.secrets)

    def _lookup(self, query: Query, parts: Sequence[ArrowPart]) -> Lookup:
        matched = match_parts(parts, query)
        if not matched:
            others = sorted({part.part_num for part in parts})
            message = "not found at Arrow"
            if others:
                shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
                message += f" (no exact match; Arrow lists {shown})"
            return Lookup(self.name, LookupStatus.NOT_FOUND, message=message, candidates=tuple(others))
        offers = tuple(offer for part in matched for offer in part.offers)
        makers: dict[object, str] = {}
        for part in matched:
            maker = part.mfr_name or part.mfr_cd
            if maker:
                makers.setdefault(maker_key(maker), maker)
        fits = not query.manufacturer or any(
            manufacturer_matches(query.manufacturer, part.mfr_name, part.mfr_cd) for part in matched
        )
        if len(makers) > 1:
            # Several different parts carry this exact number: never pick one silently.
            candidates = tuple(f"{matched[0].part_num} ({maker})" for maker in makers.values())
            message = (f"{len(makers)} manufacturers make a part numbered {matched[0].part_num}: "
                       + ", ".join(makers.values()))
            if query.manufacturer:
                message += f"; none is {query.manufacturer}"
            else:
                message += "; add the manufacturer to the BOM line"
            return Lookup(self.name, LookupStatus.AMBIGUOUS, offers=offers, message=message,
                          candidates=candidates)
        notes: list[str] = []
        if not fits and makers:
            notes.append(f"Arrow's {matched[0].part_num} is made by {next(iter(makers.values()))}")
        if not fits:
            notes.append(f"none is {query.manufacturer}")
        if not offers:
            notes.append("listed at Arrow without any offer")
        return Lookup(self.name, LookupStatus.FOUND, offers=offers, message="; ".join(notes))
