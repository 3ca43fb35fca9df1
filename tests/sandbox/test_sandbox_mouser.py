"""The sandbox's Mouser over HTTP, and the Mouser source on loopback: shapes, traps, economy, limits."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bomcheck.distributors.http import Transport
from bomcheck.distributors.limiter import RateLimiter
from bomcheck.distributors.mouser import MouserSource
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.errors import SourceUnavailable
from bomcheck.lookups.fanout import SourceRun, gather_lookups
from bomcheck.model import LookupStatus, Query
from bomcheck.sandbox import SANDBOX_MOUSER_API_KEY, catalog, mouser_catalog
from bomcheck.sandbox.mouser_api import LOCALES, format_price, local_price
from bomcheck.sandbox.server import STATS_PATH, SandboxConfig, make_app, running_sandbox
from tests.conftest import FakeClock, quick_transport

SEARCH = "/api/v1/search/partnumber"
AGENT = {"User-Agent": "bomcheck-tests/1.0"}
# Found parts of the demo catalog, none second-sourced: 23 distinct numbers
PARTS = [mpn for mpn in catalog.DEMO_MPNS if mpn != catalog.STOCKED_ALTERNATE_MPN][:23]


async def _client(config: SandboxConfig | None = None) -> TestClient:
    client = TestClient(TestServer(make_app(config)))
    await client.start_server()
    return client


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    test_client = await _client()
    yield test_client
    await test_client.close()


def _body(numbers: list[str], option: str = "Exact") -> dict[str, Any]:
    return {"SearchByPartRequest": {"mouserPartNumber": "|".join(numbers), "partSearchOptions": option}}


async def _search(client: TestClient, numbers: list[str], *, key: str = SANDBOX_MOUSER_API_KEY,
                  option: str = "Exact", headers: dict[str, str] | None = None) -> tuple[int, Any]:
    skip = ["User-Agent"] if headers == {} else []  # {}: no User-Agent at all
    response = await client.post(SEARCH, params={"apiKey": key}, json=_body(numbers, option),
                                 headers=AGENT if headers is None else headers, skip_auto_headers=skip)
    if response.content_type == "application/json":
        return response.status, await response.json()
    return response.status, await response.text()


# --------------------------------------------------------------------------- the API over HTTP


async def test_a_batch_of_ten_with_a_missing_part(client):
    asked = [*PARTS[:9], catalog.NOT_FOUND_MPN]
    status, body = await _search(client, asked)
    assert status == 200 and body["Errors"] == []
    parts = body["SearchResults"]["Parts"]
    assert body["SearchResults"]["NumberOfResult"] == len(parts) == 9
    assert {p["ManufacturerPartNumber"] for p in parts} == set(PARTS[:9])
    numbers = [p["MouserPartNumber"] for p in parts]
    assert numbers == sorted(numbers)  # Mouser-number order, not the order asked
    assert [p["ManufacturerPartNumber"] for p in parts] != PARTS[:9]
    for part in parts:
        assert isinstance(part["Min"], str) and isinstance(part["Mult"], str)
        assert isinstance(part["FactoryStock"], str) and part["LeadTime"].endswith(" Days")


async def test_some_answers_have_no_availability_in_stock(client):
    _, body = await _search(client, PARTS[:10])
    shapes = {"AvailabilityInStock" in part for part in body["SearchResults"]["Parts"]}
    assert shapes == {True, False}


async def test_a_mouser_number_is_searched_as_it_is(client):
    _, body = await _search(client, ["595-LM358DR"])
    (part,) = body["SearchResults"]["Parts"]
    assert (part["ManufacturerPartNumber"], part["Manufacturer"]) == ("LM358DR", "Texas Instruments")


async def test_a_number_several_makers_share(client):
    _, body = await _search(client, ["LM358"])
    makers = sorted(part["Manufacturer"] for part in body["SearchResults"]["Parts"])
    assert makers == ["STMicroelectronics", "Texas Instruments", "onsemi"]


async def test_exact_finds_only_the_number_and_other_options_find_its_family(client):
    _, exact = await _search(client, ["BAV99"])
    _, wider = await _search(client, ["BAV99"], option="BeginsWith")
    assert {p["ManufacturerPartNumber"] for p in exact["SearchResults"]["Parts"]} == {"BAV99"}
    assert len(wider["SearchResults"]["Parts"]) > 1
    assert all(p["ManufacturerPartNumber"].startswith("BAV99") for p in wider["SearchResults"]["Parts"])


async def test_a_bad_key_is_an_error_inside_a_200(client):
    status, body = await _search(client, ["LM358DR"], key="not-the-key")
    assert status == 200 and body["SearchResults"] is None
    assert body["Errors"][0]["Message"] == "Invalid unique identifier."
    assert body["Errors"][0]["ResourceKey"] == "InvalidIdentifier"


async def test_more_than_ten_numbers_or_none_are_refused(client):
    _, body = await _search(client, PARTS[:11])
    assert body["SearchResults"] is None and "maximum of 10" in body["Errors"][0]["Message"]
    _, body = await _search(client, [])
    assert body["Errors"][0]["PropertyName"] == "mouserPartNumber"


@pytest.mark.parametrize("agent", [None, "", "Python-urllib/3.12", "python-requests/2.32",
                                   "Python/3.12 aiohttp/3.13.2"])
async def test_default_agents_get_the_cdns_html_page(client, agent):
    headers = {"User-Agent": agent} if agent is not None else {}
    status, text = await _search(client, ["LM358DR"], headers=headers)
    assert status == 403 and "<TITLE>Access Denied</TITLE>" in text


@pytest.mark.parametrize(("locale", "amount", "text"), [
    ("en-US", "0.25", "$0.25"), ("en-US", "1234.50", "$1,234.50"), ("de-DE", "6.85", "6,85 €"),
    ("de-DE", "0.419", "0,419 €"), ("sv-SE", "6817.20", "6.817,20 kr"),
    ("fr-FR", "1234.50", "1\u202f234,50 €"), ("en-GB", "0.66", "£0.66"),
])
def test_prices_are_written_in_the_accounts_locale(locale, amount, text):
    assert format_price(Decimal(amount), LOCALES[locale]) == text


def test_local_prices_round_as_mouser_shows_them():
    assert local_price(Decimal("0.62666"), LOCALES["en-US"]) == Decimal("0.627")
    assert local_price(Decimal("1.234"), LOCALES["en-US"]) == Decimal("1.23")
    assert local_price(Decimal("100"), LOCALES["sv-SE"]) == Decimal("1050.00")
    assert local_price(Decimal("0.0031"), LOCALES["en-US"]) == Decimal("0.0031")


async def test_a_locale_answers_in_its_currency_and_words():
    client = await _client(SandboxConfig(mouser_locale="de-DE"))
    try:
        _, body = await _search(client, PARTS[:10])
    finally:
        await client.close()
    priced = [p for p in body["SearchResults"]["Parts"] if p["PriceBreaks"]]
    assert priced and all(b["Currency"] == "EUR" and b["Price"].endswith(" €") and "," in b["Price"]
                          for p in priced for b in p["PriceBreaks"])
    assert any(p["Availability"].endswith("Auf Lager") for p in body["SearchResults"]["Parts"])


async def test_calls_are_counted_and_the_limits_answer_503():
    clock = FakeClock()
    client = await _client(SandboxConfig(mouser_per_minute=2, mouser_daily=4, clock=clock))
    try:
        assert [(await _search(client, ["LM358DR"]))[0] for _ in range(3)] == [200, 200, 503]
        response = await client.post(SEARCH, params={"apiKey": SANDBOX_MOUSER_API_KEY},
                                     json=_body(["NE555DR"]), headers=AGENT)
        assert response.status == 503 and response.headers["Retry-After"] == "60"
        assert response.headers["X-RateLimit-Limit"] == "2"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert "per minute" in (await response.json())["Errors"][0]["Message"]
        clock.now += 60
        assert [(await _search(client, ["LM358DR"]))[0] for _ in range(3)] == [200, 200, 503]
        _, body = await _search(client, ["LM358DR"])
        assert body["Errors"][0]["Message"] == "Maximum calls per day exceeded."
        stats = await (await client.get(STATS_PATH)).json()
    finally:
        await client.close()
    assert stats["mouser"] == 8 and stats["throttled"] == 4


# --------------------------------------------------------------------------- the source on loopback


async def _stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url + STATS_PATH) as response:
        return await response.json()


async def _run(url: str, queries: list[Query], key: str = SANDBOX_MOUSER_API_KEY) -> Any:
    async with aiohttp.ClientSession() as session:
        source = MouserSource(url, key)
        return await gather_lookups([SourceRun(source, quick_transport(session, secrets=source.secrets))],
                                    queries)


async def test_twenty_three_distinct_parts_cost_three_calls_and_map_back():
    queries = [Query(mpn=mpn) for mpn in PARTS] + [Query(mpn=catalog.NOT_FOUND_MPN)]
    async with running_sandbox() as url:
        result = await _run(url, queries)
        counted = await _stats(url)
    assert counted["mouser"] == 3
    for query in queries[:-1]:
        lookup = result.lookups[query]["Mouser"]
        assert lookup.status is LookupStatus.FOUND, query
        (expected,) = mouser_catalog.exact(query.mpn)
        (offer,) = lookup.offers
        assert (offer.mpn, offer.sku, offer.stock) == (query.mpn, expected.mouser_pn, expected.stock)
        assert offer.ncnr is None
    assert result.lookups[queries[-1]]["Mouser"].status is LookupStatus.NOT_FOUND


async def test_a_300_line_bom_costs_at_most_one_call_per_ten_distinct_parts():
    numbers = [*PARTS, *(f"RC0603FR-07{i}KL" for i in range(1, 60))]
    lines = [Query(mpn=numbers[(i * 7) % len(numbers)], manufacturer=None if i % 3 else "Yageo")
             for i in range(300)]
    distinct = {query.mpn_key for query in lines}
    async with running_sandbox() as url:
        result = await _run(url, lines)
        counted = await _stats(url)
    assert counted["mouser"] <= math.ceil(len(distinct) / 10)
    assert all(result.lookups[query]["Mouser"].status is not LookupStatus.ERROR for query in lines)


@pytest.mark.parametrize(("locale", "currency"), [("de-DE", "EUR"), ("sv-SE", "SEK"), ("fr-FR", "EUR"),
                                                  ("en-US", "USD")])
async def test_locale_prices_are_read_exactly(locale, currency):
    queries = [Query(mpn=mpn) for mpn in PARTS[:10]]
    async with running_sandbox(SandboxConfig(mouser_locale=locale)) as url:
        result = await _run(url, queries)
    checked = 0
    for query in queries:
        (expected,) = mouser_catalog.exact(query.mpn)
        (offer,) = result.lookups[query]["Mouser"].offers
        wanted = tuple((qty, local_price(usd, LOCALES[locale])) for qty, usd in expected.breaks)
        assert tuple((b.min_qty, b.unit_price) for b in offer.breaks) == wanted
        if wanted:
            assert offer.currency == currency
            checked += 1
    assert checked >= 5


async def test_the_mouser_number_of_a_line_without_an_mpn():
    query = Query(mpn=None, mouser_pn="595-LM358DR")
    async with running_sandbox() as url:
        result = await _run(url, [query])
    (offer,) = result.lookups[query]["Mouser"].offers
    assert (offer.mpn, offer.manufacturer) == ("LM358DR", "Texas Instruments")


async def test_a_bad_key_stops_mouser_in_one_line():
    queries = [Query(mpn=mpn) for mpn in PARTS]
    async with running_sandbox() as url:
        result = await _run(url, queries, key="wrong-key")
    (status,) = result.sources
    assert not status.checked and status.message.startswith("Mouser rejected the API key")
    assert all(result.lookups[q]["Mouser"].status is LookupStatus.ERROR for q in queries)


async def test_a_spent_daily_limit_stops_mouser():
    async with running_sandbox(SandboxConfig(mouser_daily=1)) as url, aiohttp.ClientSession() as session:
        source = MouserSource(url, SANDBOX_MOUSER_API_KEY)
        transport = quick_transport(session, attempts=1)
        await source.fetch(transport, [Query(mpn="LM358DR")])
        with pytest.raises(SourceUnavailable, match="daily limit"):
            await source.fetch(transport, [Query(mpn="NE555DR")])


async def test_thirty_a_minute_is_kept_without_a_single_throttled_answer():
    """35 calls at Mouser's 30/min: the limiter spaces them, the sandbox counting on the same clock.

    One call in flight at a time: with a fake clock, requests waiting at the limiter move time
    on while an earlier one is still on its way, and the sandbox would see it late.
    """
    clock = FakeClock()
    numbers = [f"RC0603FR-07{i}KL" for i in range(1, 400)]
    numbers = [n for n in numbers if catalog.is_found(n)][:350]
    async with running_sandbox(SandboxConfig(mouser_per_minute=30, clock=clock)) as url, \
            aiohttp.ClientSession() as session:
        limiter = RateLimiter(30 / 60, clock=clock, sleep=clock.sleep)
        transport = Transport(session, limiter, concurrency=1, sleep=clock.sleep, clock=clock,
                              retry=RetryPolicy(attempts=1))
        source = MouserSource(url, SANDBOX_MOUSER_API_KEY)
        result = await gather_lookups([SourceRun(source, transport)], [Query(mpn=n) for n in numbers])
        counted = await _stats(url)
    assert counted["mouser"] == 35 and counted["throttled"] == 0
    assert all(lookups["Mouser"].status is LookupStatus.FOUND for lookups in result.lookups.values())
    assert clock.now - 1000 >= 34 * 2  # 35 calls, at least 2 s apart
