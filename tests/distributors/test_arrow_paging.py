"""Arrow paging finds the BOM's maker of a shared MPN, and says when its page cap cut the search short."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource
from bomcheck.distributors.http import Transport
from bomcheck.model import LookupStatus, Query
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "arrow"
SAMPLE_06 = "v4_token_lm358_06_LM358LVIDR_arrow-only_cstrp-quote.json"
BASE = "https://arrow.test"
CREDS = ArrowCredentials(login="acme", api_key="k3y-0123456789")
SEARCH_URL = re.compile(r"^https://arrow\.test/itemservice/v[34]/en/search/token.*$")
TI = ("TI", "Texas Instruments")
ONSEMI = ("ONSEMI", "onsemi")


def part(number: str, maker: tuple[str, str], item_id: int) -> dict[str, Any]:
    body = json.loads((DATA / SAMPLE_06).read_text(encoding="utf-8"))
    entry = copy.deepcopy(body["itemserviceresult"]["data"][0]["PartList"][0])
    entry.update(itemId=item_id, partNum=number, manufacturer={"mfrCd": maker[0], "mfrName": maker[1]})
    return entry


def page(parts: list[dict[str, Any]], total: int) -> dict[str, Any]:
    body = json.loads((DATA / SAMPLE_06).read_text(encoding="utf-8"))
    result = body["itemserviceresult"]
    result["transactionArea"][0]["responseSequence"]["totalItems"] = total
    result["data"][0]["PartList"] = parts
    return body


def lm358_results(onsemi_at: int, total: int) -> list[dict[str, Any]]:
    """`total` results of a `lm358` search, not exact-first: TI's LM358 at 3, onsemi's at `onsemi_at`."""
    results = [part(f"LM358X{i:03d}", TI, 1000 + i) for i in range(total)]
    results[3] = part("LM358", TI, 1003)
    results[onsemi_at] = part("LM358", ONSEMI, 1000 + onsemi_at)
    return results


def serve(mocked: aioresponses, results: list[dict[str, Any]]) -> None:
    """Answer every search with the page its `start` and `rows` ask for (0-based offset)."""

    def answer(url: Any, **kwargs: Any) -> CallbackResult:
        query = parse_qs(urlsplit(str(url)).query)
        start, rows = int(query.get("start", ["0"])[0]), int(query["rows"][0])
        return CallbackResult(payload=page(results[start:start + rows], len(results)))

    mocked.get(SEARCH_URL, callback=answer, repeat=True)


def requests_sent(mocked: aioresponses) -> int:
    return sum(len(calls) for calls in mocked.requests.values())


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2)


async def test_named_maker_on_page_two_is_found_not_the_first_exact_match(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        serve(mocked, lm358_results(onsemi_at=30, total=40))
        lookups = await source.fetch(transport, [Query("LM358", "onsemi")])
        assert requests_sent(mocked) == 2
    lookup = lookups[Query("LM358", "onsemi")]
    assert lookup.status is LookupStatus.FOUND
    assert lookup.offers and {offer.manufacturer for offer in lookup.offers} == {"onsemi"}


async def test_maker_on_the_first_page_costs_one_request(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        serve(mocked, lm358_results(onsemi_at=30, total=40))
        lookups = await source.fetch(transport, [Query("LM358", "TI")])
        assert requests_sent(mocked) == 1
    assert {o.manufacturer for o in lookups[Query("LM358", "TI")].offers} == {"Texas Instruments"}


async def test_line_without_maker_stops_at_the_first_exact_match(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        serve(mocked, lm358_results(onsemi_at=30, total=40))
        lookups = await source.fetch(transport, [Query("LM358")])
        assert requests_sent(mocked) == 1
    assert lookups[Query("LM358")].status is LookupStatus.FOUND


async def test_one_search_serves_both_lines_and_sees_both_makers(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    queries = [Query("LM358", "onsemi"), Query("lm358")]
    with aioresponses() as mocked:
        serve(mocked, lm358_results(onsemi_at=30, total=40))
        lookups = await source.fetch(transport, queries)
        assert requests_sent(mocked) == 2
    assert lookups[queries[0]].status is LookupStatus.FOUND
    assert lookups[queries[1]].status is LookupStatus.AMBIGUOUS  # the line names no maker


async def test_page_cap_says_not_in_the_first_n_of_m_and_plans_nothing(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS, max_pages=2)
    with aioresponses() as mocked:
        serve(mocked, lm358_results(onsemi_at=55, total=60))
        lookups = await source.fetch(transport, [Query("LM358", "onsemi")])
        assert requests_sent(mocked) == 2
    lookup = lookups[Query("LM358", "onsemi")]
    assert lookup.status is LookupStatus.ERROR and lookup.failed
    assert lookup.offers == ()  # TI's LM358 is never planned for a line naming onsemi
    assert lookup.message.startswith("LM358 by onsemi not in the first 50 of 60 Arrow results")
    assert "Arrow lists LM358 (Texas Instruments)" in lookup.message


async def test_page_cap_without_any_exact_match_is_not_not_found(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS, max_pages=2)
    results = [part(f"LM358X{i:03d}", TI, 1000 + i) for i in range(60)]
    with aioresponses() as mocked:
        serve(mocked, results)
        lookups = await source.fetch(transport, [Query("LM358")])
    lookup = lookups[Query("LM358")]
    assert lookup.status is LookupStatus.ERROR
    assert lookup.message.startswith("LM358 not in the first 50 of 60 Arrow results")


async def test_every_page_read_and_maker_absent_keeps_the_other_makers_part_with_a_note(
        transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    results = [part(f"LM358X{i:03d}", TI, 1000 + i) for i in range(40)]
    results[3] = part("LM358", TI, 1003)
    with aioresponses() as mocked:
        serve(mocked, results)
        lookups = await source.fetch(transport, [Query("LM358", "onsemi")])
        assert requests_sent(mocked) == 2  # every result read: nothing unseen
    lookup = lookups[Query("LM358", "onsemi")]
    assert lookup.status is LookupStatus.FOUND and "none is onsemi" in lookup.message
