"""The Mouser source over mocked HTTP: the request, batches of ten, mapping back, refusals, secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from bomcheck.distributors.http import Transport
from bomcheck.distributors.mouser import BATCH_SIZE, MOUSER_PRODUCTION_URL, MouserSource, build_request
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.lookups.fanout import SourceRun, gather_lookups
from bomcheck.model import LookupStatus, Query
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "mouser"
BASE = "https://mouser.test"
API_KEY = "0b9e6d1a-Mouser+Key/42="
SEARCH = re.compile(r"^https://mouser\.test/api/v1/search/partnumber\?apiKey=.*$")
BAD_KEY = {"Id": 0, "Code": "Invalid", "Message": "Invalid unique identifier.",
           "ResourceKey": "InvalidIdentifier", "PropertyName": "API Key"}


def sample_part() -> dict[str, Any]:
    body = json.loads((DATA / "v1_partnumber_710-696101000002_2021.json").read_text(encoding="utf-8"))
    return body["SearchResults"]["Parts"][0]


def part(mpn: str, maker: str = "Texas Instruments", mouser_pn: str | None = None) -> dict[str, Any]:
    return {**sample_part(), "ManufacturerPartNumber": mpn, "Manufacturer": maker,
            "MouserPartNumber": mouser_pn or f"595-{mpn}"}


def answer(*parts: dict[str, Any], total: int | None = None) -> dict[str, Any]:
    return {"Errors": [], "SearchResults": {"NumberOfResult": len(parts) if total is None else total,
                                            "Parts": list(parts)}}


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2, secrets=(API_KEY,))


def sent(mocked: aioresponses) -> list[Any]:
    return [call for calls in mocked.requests.values() for call in calls]


def asked(call: Any) -> list[str]:
    return call.kwargs["json"]["SearchByPartRequest"]["mouserPartNumber"].split("|")


# --------------------------------------------------------------------------- request and batches


def test_the_request_is_an_exact_search_of_up_to_ten_numbers():
    numbers = ["GRM155R71C104KA88D", "RC0402FR-0710KL"]
    url, params, body = build_request(MOUSER_PRODUCTION_URL + "/", "k", numbers)
    assert url == "https://api.mouser.com/api/v1/search/partnumber"
    assert params == {"apiKey": "k"}
    assert body == {"SearchByPartRequest": {"mouserPartNumber": "GRM155R71C104KA88D|RC0402FR-0710KL",
                                            "partSearchOptions": "Exact"}}
    with pytest.raises(ValueError):
        build_request(BASE, "k", [f"P{i:03d}" for i in range(11)])
    with pytest.raises(ValueError):
        build_request(BASE, "k", [])


def test_twenty_three_distinct_parts_make_three_batches():
    source = MouserSource(BASE, API_KEY)
    queries = [Query(mpn=f"PART-{i:02d}") for i in range(23)]
    queries += [Query(mpn="part-05", manufacturer="Maker"), Query(mpn=" PART-07 ")]  # same numbers again
    batches = source.batches(queries)
    assert [len({q.mpn_key for q in batch}) for batch in batches] == [10, 10, 3]
    assert sum(len(batch) for batch in batches) == 25


def test_lines_without_an_mpn_ask_their_mouser_number_and_lines_without_either_are_not_asked():
    source = MouserSource(BASE, API_KEY)
    by_mpn, by_mouser = Query(mpn="LM358DR"), Query(mpn=None, mouser_pn="595-LM358DR")
    nothing = Query(mpn=None)
    assert source.batches([by_mpn, by_mouser, nothing]) == [[by_mpn, by_mouser]]


def test_numbers_mouser_cannot_take_ride_along_without_a_slot():
    source = MouserSource(BASE, API_KEY)
    good = [Query(mpn=f"PART-{i:02d}") for i in range(10)]
    bad = [Query(mpn="R1"), Query(mpn="A|B")]
    batches = source.batches([*good, *bad])
    assert batches == [[*good, *bad]]
    assert source.batches(bad) == [bad]


def test_the_key_is_kept_out_of_repr():
    assert API_KEY not in repr(MouserSource(BASE, API_KEY))


# --------------------------------------------------------------------------- fetch


async def test_one_call_answers_a_batch_mapped_back_by_number(transport):
    source = MouserSource(BASE, API_KEY)
    queries = [Query(mpn="NE555DR"), Query(mpn="XYZ-NOTFOUND-1"), Query(mpn="lm358dr"),
               Query(mpn="LM358DR", manufacturer="Texas Instruments")]
    with aioresponses() as mocked:
        # order differs from the question, one part is missing, a prefix variant comes first
        mocked.post(SEARCH, payload=answer(part("LM358DRG4"), part("LM358DR"), part("NE555DR")))
        lookups = await source.fetch(transport, queries)
    (call,) = sent(mocked)
    assert asked(call) == ["NE555DR", "XYZ-NOTFOUND-1", "lm358dr"]  # distinct numbers, as written
    assert call.kwargs["json"]["SearchByPartRequest"]["partSearchOptions"] == "Exact"
    assert call.kwargs["params"] == {"apiKey": API_KEY}
    assert call.kwargs["headers"]["Accept"] == "application/json"
    assert call.kwargs["headers"]["User-Agent"].startswith("bomcheck/")
    assert [o.sku for o in lookups[queries[0]].offers] == ["595-NE555DR"]
    assert lookups[queries[1]].status is LookupStatus.NOT_FOUND
    assert [o.sku for o in lookups[queries[2]].offers] == ["595-LM358DR"]
    assert [o.sku for o in lookups[queries[3]].offers] == ["595-LM358DR"]


async def test_a_mouser_number_line_and_an_unaskable_line(transport):
    source = MouserSource(BASE, API_KEY)
    by_mouser, short = Query(mpn=None, mouser_pn="710-696101000002"), Query(mpn="R1")
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=answer(sample_part()))
        lookups = await source.fetch(transport, [by_mouser, short])
    assert asked(sent(mocked)[0]) == ["710-696101000002"]
    assert lookups[by_mouser].offers[0].mpn == "696101000002"
    assert lookups[short].status is LookupStatus.NOT_CHECKED and "3 to 40" in lookups[short].message


async def test_a_batch_of_only_unaskable_numbers_costs_no_call(transport):
    source = MouserSource(BASE, API_KEY)
    with aioresponses() as mocked:
        lookups = await source.fetch(transport, [Query(mpn="R1")])
    assert sent(mocked) == [] and lookups[Query(mpn="R1")].status is LookupStatus.NOT_CHECKED


async def test_a_cut_short_answer_asks_the_unmatched_numbers_again(transport):
    source = MouserSource(BASE, API_KEY)
    queries = [Query(mpn="AAA1"), Query(mpn="BBB2")]
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=answer(part("AAA1"), total=57))
        mocked.post(SEARCH, payload=answer(part("BBB2")))
        lookups = await source.fetch(transport, queries)
    assert [asked(call) for call in sent(mocked)] == [["AAA1", "BBB2"], ["BBB2"]]
    assert all(lookup.status is LookupStatus.FOUND for lookup in lookups.values())


# --------------------------------------------------------------------------- refusals and failures


async def test_a_bad_key_in_a_200_stops_mouser_with_one_line(transport, caplog):
    source = MouserSource(BASE, API_KEY)
    queries = [Query(mpn=f"PART-{i:02d}") for i in range(25)]
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload={"Errors": [BAD_KEY], "SearchResults": None}, repeat=True)
        with caplog.at_level(logging.WARNING):
            result = await gather_lookups([SourceRun(source, transport)], queries)
    (status,) = result.sources
    assert not status.checked and status.message.startswith("Mouser rejected the API key")
    assert {lookup["Mouser"].message for lookup in result.lookups.values()} == {status.message}
    assert [r.message for r in caplog.records if r.levelno >= logging.WARNING] == [status.message]


async def test_http_401_is_a_bad_key(transport):
    source = MouserSource(BASE, API_KEY)
    with aioresponses() as mocked:
        mocked.post(SEARCH, status=401, payload={"Errors": [BAD_KEY]})
        with pytest.raises(SourceUnavailable, match=r"^Mouser rejected the API key"):
            await source.fetch(transport, [Query(mpn="LM358DR")])


async def test_an_html_page_is_an_error_not_an_answer(transport):
    source = MouserSource(BASE, API_KEY)
    page = "<html><head><title>Access Denied</title></head><body>Reference #18</body></html>"
    with aioresponses() as mocked:
        mocked.post(SEARCH, status=200, body=page, content_type="text/html", repeat=True)
        with pytest.raises(SourceError,
                           match=r"^Mouser: HTML page instead of JSON \(HTTP 200: Access Denied\) after 2 "
                                 r"attempts$"):
            await source.fetch(transport, [Query(mpn="LM358DR")])
    with aioresponses() as mocked:
        mocked.post(SEARCH, status=403, body=page, content_type="text/html")
        with pytest.raises(SourceUnavailable, match=r"HTTP 403: an HTML page \(Access Denied\)"):
            await source.fetch(transport, [Query(mpn="LM358DR")])


async def test_other_errors_mark_only_that_calls_parts(transport):
    source = MouserSource(BASE, API_KEY)
    queries = [Query(mpn=f"PART-{i:02d}") for i in range(12)]
    failing = {"Errors": [{"Code": "Invalid", "Message": "Search failed.", "PropertyName": ""}]}

    def reply(url: Any, **kwargs: Any) -> CallbackResult:
        numbers = kwargs["json"]["SearchByPartRequest"]["mouserPartNumber"].split("|")
        if "PART-00" in numbers:
            return CallbackResult(payload=failing)
        return CallbackResult(payload=answer(*(part(number) for number in numbers)))

    with aioresponses() as mocked:
        mocked.post(SEARCH, callback=reply, repeat=True)
        result = await gather_lookups([SourceRun(source, transport)], queries)
    statuses = {query.mpn: lookups["Mouser"].status for query, lookups in result.lookups.items()}
    expected = [LookupStatus.ERROR] * 10 + [LookupStatus.FOUND] * 2
    assert [statuses[f"PART-{i:02d}"] for i in range(12)] == expected
    assert result.lookups[queries[0]]["Mouser"].message == "Mouser: Search failed. (Invalid)"
    assert result.sources[0].checked and result.sources[0].message == "10 of 12 queries failed"


async def test_5xx_after_retries_fails_the_call(transport):
    source = MouserSource(BASE, API_KEY)
    with aioresponses() as mocked:
        mocked.post(SEARCH, status=503, body="busy", repeat=True)
        with pytest.raises(SourceError, match=r"^Mouser: HTTP 503 after 2 attempts") as caught:
            await source.fetch(transport, [Query(mpn="LM358DR")])
    assert caught.value.retryable


# --------------------------------------------------------------------------- secrets


async def test_the_transport_redacts_the_apikey_query_parameter_without_being_told_the_key():
    async with aiohttp.ClientSession() as session:
        untold: Transport = quick_transport(session)
        url = f"{BASE}/api/v1/search/partnumber?apiKey=0b9e6d1a-1111-2222&x=1"
        assert untold.redact(url) == f"{BASE}/api/v1/search/partnumber?apiKey=***&x=1"
        assert untold.redact("apikey=abc APIKEY=def") == "apikey=*** APIKEY=***"


ECHO = f"bad key {API_KEY}, url {BASE}/api/v1/search/partnumber?apiKey={API_KEY}"
FAULTS: dict[str, dict[str, Any]] = {
    "bad key echoed in a 200": {"payload": {"Errors": [{**BAD_KEY, "Message": ECHO}]}},
    "other error echoing the key": {"payload": {"Errors": [{"Code": "X", "Message": ECHO}]}},
    "401": {"status": 401, "body": ECHO},
    "403 html": {"status": 403, "body": f"<html><title>{ECHO}</title></html>", "content_type": "text/html"},
    "500": {"status": 500, "body": ECHO},
    "418": {"status": 418, "body": ECHO},
    "html 200": {"status": 200, "body": f"<html>{ECHO}</html>", "content_type": "text/html"},
    "connection refused": {"exception": aiohttp.ClientConnectionError(f"cannot reach apiKey={API_KEY}")},
    "timeout": {"exception": asyncio.TimeoutError()},
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("told", [True, False], ids=["transport-told", "transport-not-told"])
async def test_the_key_never_leaks(fault, told, caplog):
    source = MouserSource(BASE, API_KEY)
    async with aiohttp.ClientSession() as session:
        transport = quick_transport(session, attempts=2, secrets=source.secrets if told else ())
        with aioresponses() as mocked:
            mocked.post(SEARCH, repeat=True, **FAULTS[fault])
            with caplog.at_level(logging.DEBUG):
                result = await gather_lookups([SourceRun(source, transport)], [Query(mpn="LM358DR")])
    texts = [status.message for status in result.sources]
    texts += [lookup.message for lookups in result.lookups.values() for lookup in lookups.values()]
    assert any(texts)
    for text in (caplog.text, *texts):
        assert API_KEY not in text
        assert "0b9e6d1a-Mouser" not in text  # nor any encoded form of it


def test_batch_size_is_ten():
    assert BATCH_SIZE == 10


def euro_part(mpn: str) -> dict[str, Any]:
    """A part as an account in a German locale sees it: prices in EUR, written the German way."""
    return {**part(mpn), "PriceBreaks": [{"Quantity": 1, "Price": "6,85 €", "Currency": "EUR"},
                                         {"Quantity": 10, "Price": "5,20 €", "Currency": "EUR"}]}


async def test_prices_carry_the_accounts_currency_said_once_when_not_the_runs(transport, caplog):
    source = MouserSource(BASE, API_KEY, currency="USD")
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=answer(euro_part("LM358DR")))
        mocked.post(SEARCH, payload=answer(euro_part("NE555DR")))
        with caplog.at_level(logging.WARNING):
            first = await source.fetch(transport, [Query(mpn="LM358DR")])
            await source.fetch(transport, [Query(mpn="NE555DR")])
    (offer,) = first[Query(mpn="LM358DR")].offers
    assert offer.currency == "EUR" and [str(b.unit_price) for b in offer.breaks] == ["6.85", "5.20"]
    said = [r.getMessage() for r in caplog.records if "Mouser prices in EUR" in r.getMessage()]
    assert len(said) == 1 and "not USD" in said[0]


async def test_no_currency_remark_when_the_account_prices_in_the_runs_currency(transport, caplog):
    source = MouserSource(BASE, API_KEY, currency="EUR")
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=answer(euro_part("LM358DR")))
        with caplog.at_level(logging.WARNING):
            await source.fetch(transport, [Query(mpn="LM358DR")])
    assert not [r for r in caplog.records if "Mouser prices in" in r.getMessage()]


async def test_a_mouser_number_only_line_names_the_mpn_it_resolved_to(transport):
    source = MouserSource(BASE, API_KEY)
    by_number, unknown = Query(mpn=None, mouser_pn="595-LM358DR"), Query(mpn=None, mouser_pn="595-NOPE1")
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=answer(part("LM358DR")))
        lookups = await source.fetch(transport, [by_number, unknown])
    assert lookups[by_number].message == "MPN LM358DR (Texas Instruments) from Mouser number 595-LM358DR"
    assert lookups[unknown].status is LookupStatus.NOT_FOUND
    assert lookups[unknown].message == "Mouser number 595-NOPE1 not found at Mouser"
