"""Arrow itemservice "search by token" (v3/v4): request building and the Source."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bomcheck.distributors import fields
from bomcheck.distributors.arrow_match import maker_key, manufacturer_matches, match_parts
from bomcheck.distributors.arrow_parse import (
    ArrowPage,
    ArrowPart,
    canonical_currency,
    first_source_currency,
    parse_response,
    return_message,
)
from bomcheck.distributors.http import HttpResponse, Transport, page_says
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import Lookup, LookupStatus, Query

log = logging.getLogger(__name__)

ARROW_PRODUCTION_URL = "https://api.arrow.com"
API_VERSIONS = ("v3", "v4")
MAX_ROWS = 25  # Arrow's documented maximum of distinct itemIds per page
# Pages read at most for one MPN (100 results): a real `lm358` search has 71. Pages beyond the
# first are asked only while the exact part, or the BOM's maker of it, has not come yet.
MAX_PAGES = 4


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
    # utm_currency "converts USD to selected currency" (seed 004): USD is what Arrow prices in
    # anyway, so it is sent only for another currency; whether Arrow then relabels each source's
    # `currency` is unconfirmed (arrow.md), hence ArrowSource's one log line about it.
    wanted = canonical_currency(currency)
    if wanted and wanted != "USD":
        params["utm_currency"] = wanted
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
        max_pages: int = MAX_PAGES,
    ) -> None:
        if api_version not in API_VERSIONS:
            raise ValueError(f"unknown Arrow API version {api_version!r} (use one of {API_VERSIONS})")
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.currency = canonical_currency(currency) or None
        self._currency_said = False
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
        searched: dict[str, ArrowSearch] = {}
        for query in batch:
            key = query.mpn_key
            if not key:
                lookups[query] = Lookup(self.name, LookupStatus.NOT_CHECKED, message="no MPN")
                continue
            if key not in searched:
                makers = [q.manufacturer for q in batch if q.mpn_key == key and q.manufacturer]
                searched[key] = await self.search(transport, key, makers)
            lookups[query] = self._lookup(query, searched[key])
        return lookups

    async def search(self, transport: Transport, token: str, makers: Sequence[str] = ()) -> ArrowSearch:
        """The parts a token search returns, paging (at most `max_pages`) until it has what the
        BOM asks for: an exact match, and one by each maker in `makers` (the BOM's manufacturers
        for this MPN).

        Token search is exact-or-prefix and not ranked exact-first (a real `lm358` answer lists
        LM358AM/NOPB, LM358PWRG3… first, 71 items), and several makers share one MPN: stopping
        at the first exact number would plan one maker's part for a line naming another.
        `start` is sent as a 0-based offset (Arrow does not say whether it is 0- or 1-based;
        a 1-based server would repeat one item, which the itemId de-duplication absorbs).
        """
        probe = Query(mpn=token)
        parts: list[ArrowPart] = []
        seen: set[str] = set()
        start = total = 0
        for _ in range(self.max_pages):
            page = await self._page(transport, token, start)
            total = max(total, page.total_items)
            new = [part for part in page.parts if not part.item_id or part.item_id not in seen]
            seen.update(part.item_id for part in new if part.item_id)
            parts.extend(new)
            start += self.rows
            if not page.parts or not new or start >= page.total_items:
                return ArrowSearch(tuple(parts), total, cut_short=False)
            if _has_what_is_asked(match_parts(parts, probe), makers):
                return ArrowSearch(tuple(parts), total, cut_short=False)
        return ArrowSearch(tuple(parts), total, cut_short=start < total)

    async def _page(self, transport: Transport, token: str, start: int) -> ArrowPage:
        body = await self._request(transport, token, start)
        try:
            page = parse_response(body, currency=self.currency)
        except SourceError as exc:
            error = self._redacted(transport, exc, "")
        else:
            self._say_currency(body)
            return page
        raise error  # outside the except block: the unredacted original is not chained

    def _say_currency(self, body: Any) -> None:
        """Once per run that asks for another currency than USD: what one source's `currency`
        says beside it (whether Arrow relabels the sources is unconfirmed)."""
        if self._currency_said or not self.currency or self.currency == "USD":
            return
        raw = first_source_currency(body)
        if raw is None:
            return
        self._currency_said = True
        if canonical_currency(raw) == self.currency:
            log.info("Arrow: asked for %s (utm_currency=%s); a source's currency says %r",
                     self.currency, self.currency, raw)
        else:
            log.warning("Arrow: asked for %s but a source's currency says %r: its prices are "
                        "labelled %s and never compared with %s prices", self.currency, raw,
                        canonical_currency(raw), self.currency)

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
        said = self._redact(transport, body_says(response))
        if status in (401, 403):
            # Arrow documents errors inside HTTP 200 (arrow.md); a 401/403 may come from Arrow or
            # from a gateway in front of it (an HTML "Access Denied"): its own words say which.
            raise SourceUnavailable(
                f"Arrow refused the request (HTTP {status}{': ' + said if said else ''}); check the "
                "Arrow login and API key — Arrow not checked"
            )
        if status == 429 or status >= 500:  # the transport has retried these already
            raise SourceError(f"Arrow: {response.failed_after_attempts()}", retryable=True)
        raise SourceError(f"Arrow: unexpected answer (HTTP {status}){': ' + said if said else ''}")

    def _redact(self, transport: Transport, text: str) -> str:
        return transport.redact(text, self.secrets)

    def _lookup(self, query: Query, search: ArrowSearch) -> Lookup:
        parts = search.parts
        matched = match_parts(parts, query)
        fits = not query.manufacturer or any(
            manufacturer_matches(query.manufacturer, part.mfr_name, part.mfr_cd) for part in matched
        )
        if search.cut_short and (not matched or not fits):
            return self._not_in_first(query, search, matched)
        if not matched:
            others = sorted({part.part_num for part in parts})
            message = "not found at Arrow"
            if others:
                shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
                message += f" (no exact match; Arrow lists {shown})"
            return Lookup(self.name, LookupStatus.NOT_FOUND, message=message, candidates=tuple(others))
        offers = tuple(offer for part in matched for offer in part.offers)
        makers = _makers(matched)
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

    def _not_in_first(self, query: Query, search: ArrowSearch, matched: Sequence[ArrowPart]) -> Lookup:
        """The page cap ended the search before the part asked for came: not checked, not NOT FOUND.

        An ERROR without offers: another maker's part of the same number is never planned for a
        line that names its maker, and "not found" would be a claim the search cannot make.
        """
        wanted = query.mpn or ""
        if query.manufacturer:
            wanted = f"{wanted} by {query.manufacturer}"
        message = (f"{wanted} not in the first {len(search.parts)} of {search.total} Arrow results "
                   f"(bomcheck reads at most {self.max_pages} pages of {self.rows})")
        others = [f"{part.part_num} ({maker})" for part in matched
                  for maker in [part.mfr_name or part.mfr_cd] if maker]
        if others:
            message += f"; Arrow lists {', '.join(dict.fromkeys(others))}"
        return Lookup(self.name, LookupStatus.ERROR, message=message,
                      candidates=tuple(dict.fromkeys(others)) or tuple(
                          sorted({part.part_num for part in search.parts})))


def body_says(response: HttpResponse, limit: int = 100) -> str:
    """What an error answer's body says, in one short line: Arrow's `returnMsg`, a JSON message,
    an HTML page's <title> (else its text without markup), or the start of any other text."""
    text = response.text[:4000]
    try:
        body = json.loads(response.body) if response.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        message = return_message(body)
        if message:
            return message[:limit]
        for key in ("message", "error_description", "error", "title", "detail"):
            if fields.text(body.get(key)):
                return fields.text(body.get(key))[:limit]
    page = page_says(text, limit)
    return page if page is not None else " ".join(text.split())[:limit]


@dataclass(frozen=True)
class ArrowSearch:
    """The parts one token search read, Arrow's total match count, and whether the page cap ended
    it with results left unread (`cut_short`)."""

    parts: tuple[ArrowPart, ...]
    total: int
    cut_short: bool = False


def _makers(parts: Sequence[ArrowPart]) -> dict[object, str]:
    """The distinct makers of `parts`, keyed by maker_key, as Arrow names them."""
    makers: dict[object, str] = {}
    for part in parts:
        maker = part.mfr_name or part.mfr_cd
        if maker:
            makers.setdefault(maker_key(maker), maker)
    return makers


def _has_what_is_asked(exact: Sequence[ArrowPart], makers: Sequence[str]) -> bool:
    """Whether the exact matches read so far answer every line: one at all, and one by each maker
    the BOM names for this number."""
    return bool(exact) and all(
        any(manufacturer_matches(maker, part.mfr_name, part.mfr_cd) for part in exact) for maker in makers
    )
