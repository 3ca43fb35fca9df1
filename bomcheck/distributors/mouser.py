"""Mouser Search API part-number search: ten distinct parts a call, the request, refusals, the Source."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from bomcheck.distributors.http import HttpResponse, Transport, page_says
from bomcheck.distributors.mouser_match import lookup_for, parts_for, search_term, term_problem
from bomcheck.distributors.mouser_parse import (
    BAD_KEY_ADVICE,
    SOURCE,
    MouserAnswer,
    MouserError,
    MouserPart,
    parse_answer,
    parse_errors,
    raise_for_errors,
    says_daily_limit,
    says_throttled,
)
from bomcheck.distributors.quota import QuotaSeen
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import Lookup, LookupStatus, Query, normalize_mpn

log = logging.getLogger(__name__)

MOUSER_PRODUCTION_URL = "https://api.mouser.com"
SEARCH_PATH = "/api/v1/search/partnumber"
BATCH_SIZE = 10  # part numbers per call, joined by '|' (several clients verified 10 live)


def _version() -> str:
    try:
        return metadata.version("bomcheck")
    except metadata.PackageNotFoundError:
        return "0"


# Mouser's CDN redirects or refuses library default agents: say who is asking.
USER_AGENT = f"bomcheck/{_version()} (BOM checker; aiohttp)"


def build_request(base_url: str, api_key: str, terms: Sequence[str]
                  ) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(URL, query parameters, JSON body) of one exact part-number search for up to ten numbers."""
    if not 0 < len(terms) <= BATCH_SIZE:
        raise ValueError(f"a Mouser search takes 1 to {BATCH_SIZE} part numbers, not {len(terms)}")
    url = f"{base_url.rstrip('/')}{SEARCH_PATH}"
    body = {"SearchByPartRequest": {"mouserPartNumber": "|".join(terms), "partSearchOptions": "Exact"}}
    return url, {"apiKey": api_key}, body


class MouserSource:
    """The Mouser Source: the distinct part numbers of a BOM, ten to a call.

    A query asks its MPN, or the BOM's Mouser number when the line has no MPN (Mouser's search
    takes both). Answers are matched back by number (mouser_parse.lookup_for), so a part
    missing from an answer is NOT_FOUND for that part alone. When Mouser counted more
    results than the 50 it returns, the numbers left without a match are asked once more.
    """

    name = SOURCE

    def __init__(self, base_url: str, api_key: str, *, user_agent: str = USER_AGENT,
                 currency: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.user_agent = user_agent
        # The currency the run asked for: Mouser prices in the account's own (its locale, set in
        # My Mouser), which no request can change; said once when they differ.
        self.currency = (currency or "").strip().upper()
        self._currency_said = False

    def __repr__(self) -> str:
        return f"MouserSource({self.base_url!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings the caller must put into Transport.secrets (the key rides in the URL)."""
        return (self._api_key,)

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        """Queries grouped so that each batch holds at most ten distinct part numbers.

        Queries sharing a number (normalize_mpn) share its slot. Queries whose number Mouser
        cannot take ride along in the first batch without a slot, and are answered without a
        call; queries with no number at all are not asked.
        """
        groups: dict[str, list[Query]] = {}
        unaskable: list[Query] = []
        for query in queries:
            term = search_term(query)
            if not term:
                continue
            if term_problem(term):
                unaskable.append(query)
            else:
                groups.setdefault(normalize_mpn(term), []).append(query)
        slots = list(groups.values())
        batches = [[query for group in slots[i:i + BATCH_SIZE] for query in group]
                   for i in range(0, len(slots), BATCH_SIZE)]
        if unaskable:
            if batches:
                batches[0].extend(unaskable)
            else:
                batches.append(unaskable)
        return batches

    def calls_at_most(self, batch: Sequence[Query]) -> int:
        """Two: a cut-short answer (more results than the 50 returned) asks its unmatched numbers again."""
        return 2

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> dict[Query, Lookup]:
        """One search for the batch's distinct numbers (a second only for a cut-short answer)."""
        terms: dict[str, str] = {}
        for query in batch:
            term = search_term(query)
            if term and not term_problem(term):
                terms.setdefault(normalize_mpn(term), term)
        parts: list[MouserPart] = []
        if terms:
            answer = await self.search(transport, list(terms.values()))
            parts.extend(answer.parts)
            missing = [term for term in terms.values() if not parts_for(term, parts)]
            if answer.truncated and missing:
                log.debug("Mouser returned %d of %d results; asking %d numbers again", len(answer.parts),
                          answer.total, len(missing))
                parts.extend((await self.search(transport, missing)).parts)
        self._check_currency(parts)
        lookups: dict[Query, Lookup] = {}
        for query in batch:
            problem = term_problem(search_term(query))
            if problem:
                lookups[query] = Lookup(self.name, LookupStatus.NOT_CHECKED, message=problem)
            else:
                lookups[query] = lookup_for(query, parts)
        return lookups

    def _check_currency(self, parts: Sequence[MouserPart]) -> None:
        """Say once when the account prices in another currency than the run asked for."""
        if self._currency_said or not self.currency:
            return
        priced = next((part.offer.currency for part in parts if part.offer.breaks), "")
        if priced and priced != self.currency:
            self._currency_said = True
            log.warning("Mouser prices in %s (the Mouser account's currency, set in My Mouser), not %s: "
                        "its prices are labelled %s and never compared with %s prices", priced,
                        self.currency, priced, self.currency)

    async def search(self, transport: Transport, terms: Sequence[str]) -> MouserAnswer:
        """One exact part-number search; SourceError / SourceUnavailable (redacted) when it fails."""
        url, params, body = build_request(self.base_url, self._api_key, terms)
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        try:
            # A spent daily limit stops at once, whatever status carries it (the sandbox's 503, like
            # Binner's reading of Mouser's throttling, mouser.md); a per-minute throttle inside an
            # HTTP 200 is waited out once by the transport, as a 429 would be.
            response = await transport.request(
                "POST", url, params=params, json_body=body, headers=headers, expect_json=True,
                final=lambda answer: says_daily_limit(_errors_of(answer)),
                throttled=lambda answer: says_throttled(_errors_of(answer)))
            if says_daily_limit(_errors_of(response)):
                # none left today: kept (quota.json) so that the next run does not ask before the reset
                limit = transport.own_daily_limit or (transport.quota.limit if transport.quota else None)
                transport.quota = QuotaSeen(0, limit, datetime.now(timezone.utc))
            return self._read(response)
        except SourceError as exc:
            message = str(exc) if str(exc).startswith(f"{self.name}") else f"{self.name}: {exc}"
            error = type(exc)(self._redact(transport, message), retryable=exc.retryable)
        raise error  # outside the except block: the unredacted original is not chained

    def _read(self, response: HttpResponse) -> MouserAnswer:
        status = response.status
        if 200 <= status < 300:
            return parse_answer(response.json())
        body = _json_or_none(response)
        errors = parse_errors(body)
        log.debug("Mouser answered HTTP %s", status)
        if status == 401:
            said = "; ".join(str(error) for error in errors) or f"HTTP {status}"
            raise SourceUnavailable(f"Mouser rejected the API key ({said}); {BAD_KEY_ADVICE}")
        if errors:
            try:
                raise_for_errors(errors)
            except SourceUnavailable:
                raise
            except SourceError as exc:
                retryable = status == 429 or status >= 500
                raise SourceError(f"{exc} (HTTP {status})", retryable=retryable) from None
        page = _html_title(response)
        if status == 403:
            raise SourceUnavailable(f"Mouser refused the request (HTTP 403{': ' + page if page else ''}) — "
                                    "Mouser not checked")
        if status == 429 or status >= 500:  # the transport has retried these already
            raise SourceError(f"Mouser: {response.failed_after_attempts()}", retryable=True)
        snippet = page or repr(" ".join(response.text[:120].split()))
        raise SourceError(f"Mouser: unexpected answer (HTTP {status}): {snippet}")

    def _redact(self, transport: Transport, text: str) -> str:
        return transport.redact(text, self.secrets)


def _errors_of(response: HttpResponse) -> tuple[MouserError, ...]:
    return parse_errors(_json_or_none(response))


def _json_or_none(response: HttpResponse) -> Any:
    try:
        return response.json() if response.body.strip() else None
    except SourceError:
        return None


def _html_title(response: HttpResponse) -> str:
    """'an HTML page (Access Denied)' for a CDN or maintenance page, else ''."""
    said = page_says(response.text)
    if said is None:
        return ""
    return f"an HTML page ({said})" if said else "an HTML page"
