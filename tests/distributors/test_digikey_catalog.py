"""The DigiKey catalog source over aioresponses: app token, headers, locale, which call, errors."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from bomcheck.distributors.digikey_app_token import AppTokens
from bomcheck.distributors.digikey_catalog import (
    DigiKeyCatalogSource,
    locale_headers,
    looks_like_digikey_number,
    part_key,
)
from bomcheck.distributors.http import Transport
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import LookupStatus, Query
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "digikey_catalog"
BASE = "https://digikey.test"
TOKEN_URL = f"{BASE}/v1/oauth2/token"
KEYWORD_URL = f"{BASE}/products/v4/search/keyword"
DETAILS = re.compile(r"^https://digikey\.test/products/v4/search/.+/productdetails$")
CLIENT_ID = "app-client-id-1"
CLIENT_SECRET = "app-SECRET-value-2"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


AP2114 = load("v4_productdetails_AP2114H-3.3TRG1_tr-ct-digireel.json")
LM4040 = load("v4_productdetails_LM4040DIX3-5.0+T_active-ncnr.json")
LL4148 = load("handmade_keyword_LL4148_4_makers.json")


def keyword_answer(details: Any) -> dict[str, Any]:
    return {"Products": [details["Product"]], "ProductsCount": 1, "ExactMatches": [details["Product"]],
            "SearchLocaleUsed": details["SearchLocaleUsed"]}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_source(clock: Clock, **options: Any) -> DigiKeyCatalogSource:
    tokens = AppTokens(BASE, CLIENT_ID, CLIENT_SECRET, now=clock)
    return DigiKeyCatalogSource(BASE, CLIENT_ID, tokens, **options)


def token_reply(token: str = "APP-TOKEN-1", expires_in: int = 599) -> dict[str, Any]:
    return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


def calls(mocked: aioresponses, method: str, pattern: str = "") -> list[tuple[str, Any]]:
    return [(str(url), call) for (m, url), found in mocked.requests.items() if m == method
            and pattern in str(url) for call in found]


# --------------------------------------------------------------------------- pure helpers


def test_which_call_answers_which_line():
    assert part_key(Query(mpn="ap2114h-3.3trg1")) == ("mpn", "AP2114H-3.3TRG1")
    assert part_key(Query(mpn="AP2114H-3.3TRG1", digikey_pn="AP2114H-3.3TRG1DICT-ND")) == (
        "mpn", "AP2114H-3.3TRG1")
    assert part_key(Query(mpn=None, digikey_pn="296-1395-1-ND")) == ("number", "296-1395-1-ND")
    assert part_key(Query(mpn="296-1395-1-ND")) == ("number", "296-1395-1-ND")  # a DigiKey number as MPN
    assert part_key(Query(mpn=None)) is None
    assert looks_like_digikey_number("175-LM4040DIX3-5.0+TCT-nd") and not looks_like_digikey_number("LM358")


@pytest.mark.parametrize(("currency", "site"), [("USD", "US"), ("eur", "DE"), ("GBP", "UK"), ("JPY", "JP"),
                                                ("BRL", "US"), (None, "US")])
def test_locale_headers_follow_the_currency(currency: str | None, site: str):
    headers = locale_headers(currency)
    assert headers["X-DIGIKEY-Locale-Site"] == site
    assert headers["X-DIGIKEY-Locale-Currency"] == (currency or "USD").upper()
    assert headers["X-DIGIKEY-Locale-Language"] == "en"


def test_one_batch_per_distinct_part(clock: Clock):
    source = make_source(clock)
    queries = [Query(mpn="LL4148", manufacturer="onsemi"), Query(mpn="ll4148", manufacturer="Vishay"),
               Query(mpn="AP2114H-3.3TRG1"), Query(mpn=None, digikey_pn="296-1395-1-ND"),
               Query(mpn=None, digikey_pn="296-1395-1-nd"), Query(mpn=None)]
    batches = source.batches(queries)
    assert [len(batch) for batch in batches] == [2, 1, 2]


# --------------------------------------------------------------------------- calls and headers


async def test_keyword_search_with_an_app_token_and_the_documented_headers(transport: Transport,
                                                                          clock: Clock):
    source = make_source(clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, payload=keyword_answer(AP2114))
        query = Query(mpn="AP2114H-3.3TRG1", manufacturer="Diodes Incorporated")
        lookups = await source.fetch(transport, [query])
    assert lookups[query].status is LookupStatus.FOUND and len(lookups[query].offers) == 3
    ((_, token_call),) = calls(mocked, "POST", "oauth2")
    assert token_call.kwargs["data"] == {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                         "grant_type": "client_credentials"}
    ((_, search),) = calls(mocked, "POST", "keyword")
    assert search.kwargs["json"] == {"Keywords": "AP2114H-3.3TRG1", "Limit": 10, "Offset": 0}
    headers = search.kwargs["headers"]
    assert headers["Authorization"] == "Bearer APP-TOKEN-1"
    assert headers["X-DIGIKEY-Client-Id"] == CLIENT_ID
    assert (headers["X-DIGIKEY-Locale-Site"], headers["X-DIGIKEY-Locale-Currency"]) == ("US", "USD")
    assert "X-DIGIKEY-Account-Id" not in headers


async def test_productdetails_for_a_digikey_number_url_encoded_with_the_account_when_set(
        transport: Transport, clock: Clock):
    source = make_source(clock, account_id="5551234")
    seen: list[str] = []

    def answer(url: Any, **kwargs: Any) -> CallbackResult:
        seen.append(url.raw_path)
        assert kwargs["headers"]["X-DIGIKEY-Account-Id"] == "5551234"
        return CallbackResult(payload=LM4040)

    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.get(DETAILS, callback=answer)
        query = Query(mpn=None, digikey_pn="175-LM4040DIX3-5.0+TCT-ND")
        lookups = await source.fetch(transport, [query])
    assert seen == ["/products/v4/search/175-LM4040DIX3-5.0%2BTCT-ND/productdetails"]
    lookup = lookups[query]
    assert lookup.status is LookupStatus.FOUND and lookup.offers[0].mpn == "LM4040DIX3-5.0+T"
    assert "MPN LM4040DIX3-5.0+T (Analog Devices Inc./Maxim Integrated) from DigiKey number" in lookup.message


async def test_slashes_quotes_and_spaces_in_a_number_are_encoded(transport: Transport, clock: Clock):
    source = make_source(clock)
    seen: list[str] = []

    def answer(url: Any, **kwargs: Any) -> CallbackResult:
        seen.append(url.raw_path)
        assert "X-DIGIKEY-Account-Id" not in kwargs["headers"]
        return CallbackResult(status=404, payload={"title": "Not Found", "status": 404})

    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.get(DETAILS, callback=answer)
        query = Query(mpn=None, digikey_pn="19-FP-3011/16\"CR1000' #2-ND")
        lookups = await source.fetch(transport, [query])
    # '/', '"', ' ' and '#' encoded (yarl sends "'" as it is: legal in a path)
    assert seen == ["/products/v4/search/19-FP-3011%2F16%22CR1000'%20%232-ND/productdetails"]
    assert lookups[query].status is LookupStatus.NOT_FOUND  # 404 = not found, not an error
    assert "not found at DigiKey" in lookups[query].message


async def test_one_call_per_distinct_part_whatever_the_lines(transport: Transport, clock: Clock):
    source = make_source(clock)
    queries = [Query(mpn="LL4148", manufacturer="onsemi"), Query(mpn="LL4148", manufacturer="Vishay"),
               Query(mpn="LL4148")]
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, payload=LL4148)
        (batch,) = source.batches(queries)
        lookups = await source.fetch(transport, batch)
    assert len(calls(mocked, "POST", "keyword")) == 1 and len(calls(mocked, "POST", "oauth2")) == 1
    statuses = [lookups[q].status for q in queries]
    assert statuses == [LookupStatus.FOUND, LookupStatus.FOUND, LookupStatus.AMBIGUOUS]
    assert {o.manufacturer for o in lookups[queries[1]].offers} == {
        "Vishay General Semiconductor - Diodes Division"}


async def test_an_mpn_not_found_is_asked_by_the_lines_digikey_number(transport: Transport, clock: Clock):
    source = make_source(clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, payload={"Products": [], "ExactMatches": [], "ProductsCount": 0})
        mocked.get(DETAILS, payload=AP2114)
        query = Query(mpn="AP2114H 3.3 TRG1 (SOT223)", digikey_pn="AP2114H-3.3TRG1DICT-ND")
        lookups = await source.fetch(transport, [query])
    assert lookups[query].status is LookupStatus.FOUND
    assert len(calls(mocked, "GET")) == 1


async def test_a_currency_digikey_does_not_give_is_labelled_as_it_answered(
        transport: Transport, clock: Clock, caplog: pytest.LogCaptureFixture):
    source = make_source(clock, currency="EUR")
    sent: list[dict[str, str]] = []

    def answer(url: Any, **kwargs: Any) -> CallbackResult:
        sent.append(kwargs["headers"])
        return CallbackResult(payload=keyword_answer(AP2114))  # SearchLocaleUsed: us / USD

    caplog.set_level(logging.WARNING)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, callback=answer, repeat=True)
        lookups = await source.fetch(transport, [Query(mpn="AP2114H-3.3TRG1")])
        await source.fetch(transport, [Query(mpn="AP2114H-3.3TRG1", manufacturer="Diodes")])
    assert (sent[0]["X-DIGIKEY-Locale-Site"], sent[0]["X-DIGIKEY-Locale-Currency"]) == ("DE", "EUR")
    assert {o.currency for lookup in lookups.values() for o in lookup.offers} == {"USD"}
    said = [r.getMessage() for r in caplog.records if "answered in USD" in r.getMessage()]
    assert said == ["DigiKey answered in USD, not EUR (site US): its prices are labelled USD"]


# --------------------------------------------------------------------------- tokens


async def test_the_token_is_renewed_before_it_expires(transport: Transport, clock: Clock):
    source = make_source(clock)
    tokens: list[str] = []

    def answer(url: Any, **kwargs: Any) -> CallbackResult:
        tokens.append(kwargs["headers"]["Authorization"])
        return CallbackResult(payload=keyword_answer(AP2114))

    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply("APP-TOKEN-1"))
        mocked.post(TOKEN_URL, payload=token_reply("APP-TOKEN-2"))
        mocked.post(KEYWORD_URL, callback=answer, repeat=True)
        await source.fetch(transport, [Query(mpn="A1")])
        clock.now += 500  # 99 s left: still more than the margin
        await source.fetch(transport, [Query(mpn="A2")])
        clock.now += 60  # 39 s left: renewed first
        await source.fetch(transport, [Query(mpn="A3")])
    assert tokens == ["Bearer APP-TOKEN-1", "Bearer APP-TOKEN-1", "Bearer APP-TOKEN-2"]


async def test_an_expired_token_is_renewed_once_and_the_call_repeated(transport: Transport, clock: Clock):
    source = make_source(clock)
    expired = {"ErrorResponseVersion": "3.0.0", "StatusCode": 401, "ErrorMessage": "Bearer token is expired",
               "ErrorDetails": "", "RequestId": "r-1", "ValidationErrors": []}
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply("APP-TOKEN-1"))
        mocked.post(TOKEN_URL, payload=token_reply("APP-TOKEN-2"))
        mocked.post(KEYWORD_URL, status=401, payload=expired)
        mocked.post(KEYWORD_URL, payload=keyword_answer(AP2114))
        lookups = await source.fetch(transport, [Query(mpn="AP2114H-3.3TRG1")])
    assert next(iter(lookups.values())).status is LookupStatus.FOUND
    searches = calls(mocked, "POST", "keyword")
    assert [c.kwargs["headers"]["Authorization"] for _, c in searches] == [
        "Bearer APP-TOKEN-1", "Bearer APP-TOKEN-2"]


async def test_a_second_expired_answer_stops_the_source(transport: Transport, clock: Clock):
    source = make_source(clock)
    expired = {"ErrorMessage": "Bearer token is expired", "StatusCode": 401}
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply("APP-TOKEN-1"), repeat=True)
        mocked.post(KEYWORD_URL, status=401, payload=expired, repeat=True)
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch(transport, [Query(mpn="AP2114H-3.3TRG1")])
    assert len(calls(mocked, "POST", "keyword")) == 2
    assert "APP-TOKEN" not in str(caught.value)


async def test_wrong_app_credentials_say_so_without_the_secret(transport: Transport, clock: Clock):
    source = make_source(clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=401, payload={"error": "invalid_client",
                                                    "error_description": f"bad secret {CLIENT_SECRET}"})
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch(transport, [Query(mpn="LM358")])
    message = str(caught.value)
    assert "client id or secret" in message and "BOMCHECK_DIGIKEY_CLIENT_SECRET" in message
    assert CLIENT_SECRET not in message and "DigiKey not checked" in message
    ((_, token_call),) = calls(mocked, "POST", "oauth2")
    assert token_call.kwargs["data"]["grant_type"] == "client_credentials"


# --------------------------------------------------------------------------- refusals


async def test_an_app_without_the_product_subscription_is_told_so(transport: Transport, clock: Clock):
    source = make_source(clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, status=401, payload={"ErrorMessage": "Invalid Client-Id", "StatusCode": 401})
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch(transport, [Query(mpn="LM358")])
    assert "ProductInformation V4" in str(caught.value)
    assert len(calls(mocked, "POST", "oauth2")) == 1  # not an expired token: no renewal


async def test_a_request_for_the_account_id_says_which_setting(transport: Transport, clock: Clock):
    source = make_source(clock)
    problem = {"type": "x", "title": "Bad Request", "status": 400,
               "detail": "The X-DIGIKEY-Account-Id header is required", "errors": {}}
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.get(DETAILS, status=400, payload=problem)
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch(transport, [Query(mpn=None, digikey_pn="296-1395-1-ND")])
    assert "BOMCHECK_DIGIKEY_ACCOUNT_ID" in str(caught.value)


async def test_the_spent_daily_quota_stops_the_source(transport: Transport, clock: Clock):
    source = make_source(clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, status=429, payload={"ErrorMessage": "Daily ratelimit exceeded"},
                    headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0"})
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch(transport, [Query(mpn="LM358")])
    assert "daily quota" in str(caught.value)


async def test_a_daily_429_with_a_short_retry_after_is_not_waited_out(transport: Transport, clock: Clock):
    source = make_source(clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, status=429, payload={"ErrorMessage": "Daily ratelimit exceeded"},
                    headers={"Retry-After": "1"}, repeat=True)
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch(transport, [Query(mpn="LM358")])
        searches = [key for key in mocked.requests if str(key[1]).startswith(KEYWORD_URL)]
        assert len(mocked.requests[searches[0]]) == 1  # one call: the day's quota is spent, no retry
    assert "daily quota" in str(caught.value)


async def test_a_server_error_after_the_retries_is_a_retryable_failure(transport: Transport, clock: Clock):
    source = make_source(clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, status=503, body="<html><title>Down</title></html>", repeat=True,
                    headers={"X-DIGIKEY-REQUEST-ID": "rid-9"})
        with pytest.raises(SourceError) as caught:
            await source.fetch(transport, [Query(mpn="LM358")])
    assert caught.value.retryable and "HTTP 503 after 2 attempts" in str(caught.value)
    assert not isinstance(caught.value, SourceUnavailable)


async def test_an_html_page_instead_of_json_is_a_failure_not_a_traceback(transport: Transport, clock: Clock):
    source = make_source(clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, status=200, body="<html>maintenance</html>", repeat=True,
                    content_type="text/html")
        with pytest.raises(SourceError):
            await source.fetch(transport, [Query(mpn="LM358")])


async def test_the_catalogs_daily_429_is_kept_until_digikeys_reset_and_says_when(transport: Transport,
                                                                                 clock: Clock):
    # 9 hours to DigiKey's reset (Retry-After), as the bonded source reads it: kept on the transport
    # (saved to quota.json on close), and the message says when the quota comes back.
    source = make_source(clock)
    before = datetime.now(timezone.utc)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_reply())
        mocked.post(KEYWORD_URL, status=429, payload={"ErrorMessage": "Daily ratelimit exceeded"},
                    headers={"Retry-After": "32400", "X-RateLimit-Limit": "1000",
                             "X-RateLimit-Remaining": "0"})
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch(transport, [Query(mpn="LM358")])
    quota = transport.quota
    assert quota is not None and (quota.remaining, quota.limit) == (0, 1000)
    assert quota.resets_at is not None
    assert before + timedelta(hours=9) <= quota.resets_at <= datetime.now(timezone.utc) + timedelta(hours=9)
    assert transport.quota_remaining == 0
    assert re.search(r"the quota comes back at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in (8 h 59|9 h 0) min\)$",
                     str(caught.value))
    assert "midnight" not in str(caught.value)


async def test_the_catalog_tells_the_daily_429_by_the_transports_throttle_budget(clock: Clock):
    # No words, Retry-After 60 s; this transport waits at most 10 s on 429s. The transport returns the
    # answer at once as a spent quota (beyond its budget): the source must read it the same way.
    async with aiohttp.ClientSession() as session:
        transport = quick_transport(session, attempts=2)
        transport.retry.throttle_budget = 10.0
        source = make_source(clock)
        with aioresponses() as mocked:
            mocked.post(TOKEN_URL, payload=token_reply())
            mocked.post(KEYWORD_URL, status=429, headers={"Retry-After": "60"}, repeat=True)
            with pytest.raises(SourceUnavailable, match="daily quota of the catalog API exhausted"):
                await source.fetch(transport, [Query(mpn="LM358")])
            searches = [key for key in mocked.requests if str(key[1]).startswith(KEYWORD_URL)]
            assert len(mocked.requests[searches[0]]) == 1
    assert transport.quota_remaining == 0


def test_a_line_asked_by_mpn_with_a_digikey_number_may_cost_two_calls(clock: Clock):
    source = make_source(clock)
    assert source.calls_at_most([Query(mpn="LM358")]) == 1
    assert source.calls_at_most([Query(mpn=None, digikey_pn="296-1395-1-ND")]) == 1  # by number only
    # an MPN DigiKey does not know exactly is asked again by the line's DigiKey number
    assert source.calls_at_most([Query(mpn="LM358", digikey_pn="296-1395-1-ND")]) == 2
    assert source.calls_at_most([Query(mpn="LM358", digikey_pn="296-1395-1-ND"),
                                 Query(mpn="lm358", digikey_pn="296-1395-1-nd")]) == 2
