"""DigiKey Product Information v4 (the public catalog): the Source, its calls, locale and refusals."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from bomcheck.distributors.digikey_auth import TokenProvider
from bomcheck.distributors.digikey_calls import DigiKeyCalls
from bomcheck.distributors.digikey_catalog_parse import (
    SOURCE_NAME,
    CatalogAnswer,
    catalog_lookup,
    parse_details,
    parse_keyword,
)
from bomcheck.distributors.digikey_errors import error_message, request_id
from bomcheck.distributors.http import HttpResponse, Transport
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import Lookup, LookupStatus, Query, normalize_mpn

log = logging.getLogger(__name__)

PRODUCTS_PATH = "/products/v4"
KEYWORD_LIMIT = 10  # Products[] asked for besides ExactMatches: near misses for the message
MAX_KEYWORDS = 250  # KeywordRequest.Keywords is at most 250 characters

# The site whose own currency each currency is; DigiKey falls back silently to the site's currency
# when the pair does not fit, so the answer's SearchLocaleUsed is what labels the prices.
CURRENCY_SITES: dict[str, str] = {
    "USD": "US", "CAD": "CA", "GBP": "UK", "EUR": "DE", "JPY": "JP", "AUD": "AU", "NZD": "NZ",
    "SGD": "SG", "HKD": "HK", "CNY": "CN", "KRW": "KR", "TWD": "TW", "INR": "IN", "CHF": "CH",
    "SEK": "SE", "DKK": "DK", "NOK": "NO", "PLN": "PL", "CZK": "CZ", "HUF": "HU", "ILS": "IL",
    "MXN": "MX", "MYR": "MY", "THB": "TH", "PHP": "PH", "ZAR": "ZA",
}

DAILY_QUOTA = (
    "DigiKey: daily quota of the catalog API exhausted (HTTP 429) — DigiKey not checked for the "
    "remaining lines"
)
_DIGIKEY_NUMBER = re.compile(r"(?i).+-ND$")


def looks_like_digikey_number(text: str | None) -> bool:
    """DigiKey's own part numbers end in "-ND" (296-1395-1-ND, AP2114H-3.3TRG1DICT-ND)."""
    return bool(text and _DIGIKEY_NUMBER.fullmatch(text.strip()))


def part_key(query: Query) -> tuple[str, str] | None:
    """The one call that answers a query: ("mpn", key) by keyword, ("number", key) by productdetails.

    A line with an MPN is asked by its MPN (its DigiKey number, if any, then picks among makers);
    a line with only a DigiKey number, or whose "MPN" is a DigiKey number, by that number.
    """
    if query.mpn_key and not looks_like_digikey_number(query.mpn):
        return ("mpn", query.mpn_key)
    number = query.digikey_pn if (query.digikey_pn or "").strip() else query.mpn
    if number and number.strip():
        return ("number", normalize_mpn(number))
    return None


def locale_headers(currency: str | None, language: str = "en") -> dict[str, str]:
    """X-DIGIKEY-Locale-*: the site whose currency was asked for (US for one DigiKey has no site for)."""
    code = (currency or "USD").strip().upper() or "USD"
    return {
        "X-DIGIKEY-Locale-Site": CURRENCY_SITES.get(code, "US"),
        "X-DIGIKEY-Locale-Language": language,
        "X-DIGIKEY-Locale-Currency": code,
    }


class DigiKeyCatalogSource(DigiKeyCalls):
    """The DigiKey catalog Source: one call per distinct part.

    An MPN: POST /search/keyword with it as Keywords, answered by ExactMatches (the BOM's maker,
    or its DigiKey number, chooses among makers). A DigiKey number: GET
    /search/{number}/productdetails, URL-encoded; 404 = not found. A line with an MPN that DigiKey
    does not know exactly and a DigiKey number is asked once more, by the number.
    """

    name = SOURCE_NAME
    token_kind = "app token"

    def __init__(self, base_url: str, client_id: str, tokens: TokenProvider, *,
                 currency: str | None = "USD", account_id: str | int | None = None,
                 language: str = "en") -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.tokens = tokens
        self.currency = (currency or "USD").strip().upper() or "USD"
        self.account_id = str(account_id).strip() if account_id not in (None, "") else ""
        self.language = language
        self._locale_said = False

    def __repr__(self) -> str:
        return f"DigiKeyCatalogSource({self.base_url!r}, currency={self.currency!r})"

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        """One batch per distinct part (see `part_key`); queries with nothing to ask are left out."""
        groups: dict[tuple[str, str], list[Query]] = {}
        for query in queries:
            key = part_key(query)
            if key is not None:
                groups.setdefault(key, []).append(query)
        return list(groups.values())

    def calls_at_most(self, batch: Sequence[Query]) -> int:
        """One call, plus one per distinct DigiKey number of a line asked by MPN: an MPN DigiKey
        does not know exactly is asked again by the line's DigiKey number (see `fetch`)."""
        numbers = {normalize_mpn(query.digikey_pn or "") for query in batch
                   if (part_key(query) or ("", ""))[0] == "mpn" and (query.digikey_pn or "").strip()}
        return 1 + len(numbers)

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> dict[Query, Lookup]:
        lookups: dict[Query, Lookup] = {}
        keyword_answers: dict[str, CatalogAnswer] = {}
        details_answers: dict[str, CatalogAnswer | None] = {}

        async def by_number(number: str) -> CatalogAnswer | None:
            key = normalize_mpn(number)
            if key not in details_answers:
                details_answers[key] = await self.details(transport, number)
            return details_answers[key]

        for query in batch:
            key = part_key(query)
            if key is None:
                lookups[query] = Lookup(self.name, LookupStatus.NOT_CHECKED,
                                        message="no MPN or DigiKey number")
                continue
            kind, wanted = key
            if kind == "mpn":
                if wanted not in keyword_answers:
                    keyword_answers[wanted] = await self.keyword(transport, query.mpn or "")
                lookup = catalog_lookup(keyword_answers[wanted], query)
                number = (query.digikey_pn or "").strip()
                if lookup.status is LookupStatus.NOT_FOUND and number:
                    answer = await by_number(number)
                    if answer is not None and answer.exact:
                        lookup = catalog_lookup(answer, query, asked=number)
                lookups[query] = lookup
                continue
            number = (query.digikey_pn or "").strip() or (query.mpn or "").strip()
            answer = await by_number(number)
            if answer is None or not answer.exact:
                lookups[query] = Lookup(self.name, LookupStatus.NOT_FOUND,
                                        message=f"DigiKey number {number} not found at DigiKey")
            else:
                lookups[query] = catalog_lookup(answer, query, asked=number)
        return lookups

    # ------------------------------------------------------------------ calls

    async def keyword(self, transport: Transport, mpn: str) -> CatalogAnswer:
        """KeywordSearch with the MPN as Keywords."""
        url = f"{self.base_url}{PRODUCTS_PATH}/search/keyword"
        body = {"Keywords": mpn.strip()[:MAX_KEYWORDS], "Limit": KEYWORD_LIMIT, "Offset": 0}
        response = await self._call(transport, "POST", url, body=body)
        if response is None:
            return CatalogAnswer(None, ())
        answer = parse_keyword(self._json(transport, response), mpn, self.currency)
        self._check_locale(answer)
        return answer

    async def details(self, transport: Transport, number: str) -> CatalogAnswer | None:
        """ProductDetails of a DigiKey number (or an MPN); None when DigiKey does not know it (404)."""
        url = f"{self.base_url}{PRODUCTS_PATH}/search/{quote(number.strip(), safe='')}/productdetails"
        response = await self._call(transport, "GET", url, account=True)
        if response is None:
            return None
        answer = parse_details(self._json(transport, response), self.currency)
        self._check_locale(answer)
        return answer

    def _check_locale(self, answer: CatalogAnswer) -> None:
        """Say once when DigiKey priced in another currency than asked (prices carry its label)."""
        used = answer.locale
        if used is None or self._locale_said or not used.currency or used.currency == self.currency:
            return
        self._locale_said = True
        log.warning("DigiKey answered in %s, not %s (site %s): its prices are labelled %s",
                    used.currency, self.currency, used.site or "?", used.currency)

    # ------------------------------------------------------------------ HTTP

    def _headers(self, token: str, *, account: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            "X-DIGIKEY-Client-Id": self.client_id,
            "Accept": "application/json",
            **locale_headers(self.currency, self.language),
        }
        if account and self.account_id:
            headers["X-DIGIKEY-Account-Id"] = self.account_id
        return headers

    async def _send(self, transport: Transport, method: str, url: str, token: str, *,
                    body: Any = None, account: bool = False) -> HttpResponse:
        return await self._request(transport, method, url, self._headers(token, account=account), token,
                                   body=body)

    async def _call(self, transport: Transport, method: str, url: str, *, body: Any = None,
                    account: bool = False) -> HttpResponse | None:
        """One catalog call: app token, one renewal + retry on an expired token, 404 = None,
        every other failure mapped to SourceError / SourceUnavailable."""
        response, token = await self._with_token(
            transport, lambda token: self._send(transport, method, url, token, body=body, account=account))
        status = response.status
        if 200 <= status < 300:
            return response
        if status == 404:
            return None
        message = self._redact(transport, error_message(response), token)
        daily = self._is_daily(transport, response)
        stops_run = status in (401, 403) or daily
        path = url[len(self.base_url):].split("?")[0]
        log.log(logging.INFO if stops_run else logging.WARNING, "DigiKey %s %s failed: %s", method,
                self._redact(transport, path), message)
        if "account" in message.casefold() and status in (400, 401, 403) and not self.account_id:
            raise SourceUnavailable(
                f"DigiKey asks for an account id ({message}); set BOMCHECK_DIGIKEY_ACCOUNT_ID to your "
                "DigiKey account number — DigiKey not checked")
        if status == 401:
            raise SourceUnavailable(
                f"DigiKey rejected the request ({message}); check the app's client id and that the app "
                "is subscribed to ProductInformation V4 — DigiKey not checked")
        if status == 403:
            raise SourceUnavailable(f"DigiKey refused the request ({message}) — DigiKey not checked")
        if daily:
            raise self._quota_spent(transport, response, DAILY_QUOTA)
        if status == 429 or status >= 500:  # retried by the transport already; the body was logged
            rid = request_id(response)
            raise SourceError(f"DigiKey: {response.failed_after_attempts()}"
                              + (f" (request id {rid})" if rid else ""), retryable=True)
        raise SourceError(f"DigiKey: {message}")

