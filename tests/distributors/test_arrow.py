"""Tests of the Arrow token-search client: request, parsing (v3 seed, real v4 answers), matching."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.arrow import (
    ARROW_PRODUCTION_URL,
    ArrowCredentials,
    ArrowSearch,
    ArrowSource,
    build_request,
)
from bomcheck.distributors.arrow_match import manufacturer_matches, match_parts
from bomcheck.distributors.arrow_parse import ArrowPart, parse_response
from bomcheck.distributors.http import Transport
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import LookupStatus, PipelineDelivery, PriceBreak, Query
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "arrow"
BASE = "https://arrow.test"
API_KEY = "k3y-SECRET-0123456789"
CREDS = ArrowCredentials(login="acme", api_key=API_KEY)
SEARCH_URL = re.compile(r"^https://arrow\.test/itemservice/v[34]/en/search/token.*$")

SAMPLE_02 = "v4_token_lm358_02_LM358PWRG3_asia-acna_sourcepart-without-prices.json"
SAMPLE_04 = "v4_token_lm358_04_LM358DR_quote-with-stock-no-prices_cstrp-pipeline.json"
SAMPLE_06 = "v4_token_lm358_06_LM358LVIDR_arrow-only_cstrp-quote.json"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=3, secrets=(API_KEY,))


@pytest.fixture
async def bare_transport() -> AsyncIterator[Transport]:
    """A Transport the caller forgot to give the key to: ArrowSource must still redact."""
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2)


def sent_requests(mocked: aioresponses) -> list[Any]:
    return [call for calls in mocked.requests.values() for call in calls]


def sent_urls(mocked: aioresponses) -> list[str]:
    return [str(url) for (_, url), calls in mocked.requests.items() for _ in calls]


# --------------------------------------------------------------------------- request


def test_build_request_v3_defaults() -> None:
    url, params = build_request(ARROW_PRODUCTION_URL, CREDS, "BAV99-7-F")
    assert url == "https://api.arrow.com/itemservice/v3/en/search/token"
    assert params == {"login": "acme", "apikey": API_KEY, "search_token": "BAV99-7-F", "rows": "25",
                      "fmt": "json"}


def test_build_request_all_options() -> None:
    url, params = build_request(BASE + "/", CREDS, "X", rows=99, start=25, currency="eur",
                                mfr_cd="TI", api_version="v4")
    assert url == "https://arrow.test/itemservice/v4/en/search/token"
    assert params["rows"] == "25"  # Arrow's maximum
    assert params["start"] == "25"
    assert params["utm_currency"] == "EUR"
    assert params["mfrCd"] == "TI"


def test_build_request_rejects_unknown_version() -> None:
    with pytest.raises(ValueError):
        build_request(BASE, CREDS, "X", api_version="v9")


def test_credentials_repr_hides_key() -> None:
    assert API_KEY not in repr(CREDS)
    assert API_KEY not in repr(ArrowSource(BASE, CREDS))


# --------------------------------------------------------------------------- parsing


def test_parse_seed_v3_layout() -> None:
    page = parse_response(load("v3_bav99_seed.json"))
    assert page.total_items == 64
    (part,) = page.parts
    assert (part.item_id, part.part_num, part.mfr_cd, part.mfr_name) == (
        "21763417", "BAV99", "DIOTCSEM", "Diotec Semiconductor")
    verical, europe = part.offers
    assert verical.source == "Arrow"
    assert verical.seller == "Verical (VERICAL)"
    assert verical.sku == "35834312"
    assert verical.stock == 3000
    assert verical.moq == 3000 and verical.multiple == 3000
    assert verical.breaks == (PriceBreak(3000, Decimal("0.012")),)
    assert verical.date_code == "1918"
    assert verical.lead_time_weeks is None  # mfrLeadTime 0: Verical's placeholder, unknown
    assert europe.seller == "Europe (EUROPE)"
    assert europe.breaks == (PriceBreak(1, Decimal("0.0128")), PriceBreak(10, Decimal("0.0126")))
    assert europe.stock == 416
    assert europe.lead_time_weeks == 12
    assert europe.pipeline == (PipelineDelivery("20200622", 3000, date(2020, 6, 22)),)
    assert europe.description.startswith("Diode Small Signal")
    assert all(isinstance(b.unit_price, Decimal) for o in part.offers for b in o.breaks)


def test_parse_real_v4_sourcepart_without_prices_and_moq_above_pack() -> None:
    (part,) = parse_response(load(SAMPLE_02)).parts
    assert part.part_num == "LM358PWRG3" and part.mfr_name == "Texas Instruments"
    by_sku = {offer.sku: offer for offer in part.offers}
    assert len(by_sku) == 4
    asia = by_sku["0898_00957669"]
    assert asia.seller == "Asia (ASIA)"
    assert asia.stock == 6000 and asia.currency == "USD"
    assert asia.breaks[0] == PriceBreak(2000, Decimal("0.18"))
    assert asia.breaks[-1] == PriceBreak(50000, Decimal("0.0816"))
    assert [b.min_qty for b in asia.breaks] == sorted(b.min_qty for b in asia.breaks)
    no_prices = by_sku["V72:2272_07275175"]
    assert no_prices.seller == "Arrow Americas (ACNA)"
    assert no_prices.breaks == ()  # never planned at a price
    assert no_prices.moq == 2000 and no_prices.multiple == 1  # MOQ 2000 with packSize 1
    assert no_prices.stock == 0


def test_parse_real_v4_quote_with_stock_and_cut_strips_pipeline() -> None:
    page = parse_response(load(SAMPLE_04))
    assert page.total_items == 71
    (part,) = page.parts
    by_sku = {offer.sku: offer for offer in part.offers}
    sellers = {offer.seller for offer in part.offers}
    assert sellers == {"Verical (VERICAL)", "Arrow Americas (ACNA)"}  # both webSites read
    quote = by_sku["V39:1801_07275158"]
    assert quote.stock == 2500 and quote.breaks == ()  # QUOTE: fohQty as given, no price
    assert quote.pipeline == (PipelineDelivery("05-APR-2024", 2500, date(2024, 4, 5)),)
    cut = by_sku["V72:2272_07275158"]
    assert cut.stock == 2403
    assert len(cut.breaks) == 7
    assert cut.breaks[0] == PriceBreak(1, Decimal("0.369"))
    assert cut.pipeline == (PipelineDelivery("21-MAR-2023", 2435, date(2023, 3, 21)),)
    verical = by_sku["60616932"]
    assert verical.moq == 100 and verical.multiple == 1
    assert verical.breaks[0].unit_price == Decimal("0.4125")
    reel = by_sku["V36:1790_07275158"]
    assert len(reel.breaks) == 9 and reel.stock == 0


def test_parse_real_v4_arrow_only() -> None:
    (part,) = parse_response(load(SAMPLE_06)).parts
    assert {offer.seller for offer in part.offers} == {"Arrow Americas (ACNA)"}
    cut = next(offer for offer in part.offers if offer.stock)
    assert cut.sku == "V72:2272_22822371" and cut.stock == 67
    assert cut.lead_time_weeks == 12 and cut.currency == "USD" and not cut.ncnr


def test_parse_tolerates_strings_nulls_and_malformed_entries() -> None:
    page = parse_response(load("tolerant_strings_nulls.json"))
    assert page.total_items == 71  # "71" as a string
    (part,) = page.parts  # "not a part" and the part without partNum are skipped
    assert part.item_id == "88001" and part.mfr_name == "" and part.description == ""
    by_sku = {offer.sku: offer for offer in part.offers}
    assert set(by_sku) == {"12345", "Q1", "M1", "V9"}
    mlcc = by_sku["12345"]
    assert mlcc.stock == 12000
    assert mlcc.breaks == (PriceBreak(95, Decimal("0.0089")), PriceBreak(4000, Decimal("0.0070")))
    assert mlcc.moq == 760  # MOQ above the first break stays
    assert mlcc.multiple == 4000
    assert mlcc.currency == "USD" and mlcc.ncnr is True and mlcc.lead_time_weeks == 16
    bare = by_sku["Q1"]
    assert (bare.stock, bare.moq, bare.multiple, bare.breaks, bare.lead_time_weeks) == (
        0, 1, 1, (), None)
    no_currency = by_sku["M1"]
    assert no_currency.breaks == () and no_currency.currency == ""  # never assume USD
    assert no_currency.seller == "MANUSTK"
    verical = by_sku["V9"]
    assert verical.currency == "EUR"
    assert [b.min_qty for b in verical.breaks] == [1, 10]  # sorted ascending
    assert verical.stock == 77  # unknown availability code: fohQty as given
    assert verical.pipeline == (PipelineDelivery("10-NOV-2023", 665, date(2023, 11, 10)),)


def test_parse_first_break_raises_moq() -> None:
    body = load("tolerant_strings_nulls.json")
    sp = body["itemserviceresult"]["data"][0]["PartList"][2]["InvOrg"]["sources"][0]
    sp["sourceParts"][2]["minimumOrderQuantity"] = 10
    (part,) = parse_response(body).parts
    assert next(o for o in part.offers if o.sku == "12345").moq == 95
    # MOQ 291 with the first tier at 66: MOQ wins
    assert next(o for o in part.offers if o.sku == "M1").moq == 291


def test_parse_requested_currency_used_when_source_names_none() -> None:
    (part,) = parse_response(load("tolerant_strings_nulls.json"), currency="GBP").parts
    offer = next(o for o in part.offers if o.sku == "M1")
    assert offer.currency == "GBP" and offer.breaks == (PriceBreak(66, Decimal("0.02")),)


@pytest.mark.parametrize("name", ["miss_empty_partlist.json", "miss_no_data.json",
                                  "miss_empty_data.json"])
def test_parse_miss_is_empty_page(name: str) -> None:
    assert parse_response(load(name)).parts == ()


def test_parse_success_false_raises_with_return_msg() -> None:
    with pytest.raises(SourceError) as info:
        parse_response(load("error_success_false.json"))
    assert str(info.value) == "Arrow: search_token must be at least 3 characters"
    assert not info.value.retryable
    assert not isinstance(info.value, SourceUnavailable)


def test_parse_nonzero_return_code_raises() -> None:
    with pytest.raises(SourceError, match="Internal search error"):
        parse_response(load("error_code_nonzero_success_true.json"))


def test_parse_credential_message_is_unavailable() -> None:
    with pytest.raises(SourceUnavailable):
        parse_response(load("error_invalid_apikey.json"))


@pytest.mark.parametrize("body", [None, [], "x", {"foo": 1}])
def test_parse_unexpected_shape(body: Any) -> None:
    with pytest.raises(SourceError):
        parse_response(body)


# --------------------------------------------------------------------------- matching


def _parts(name: str) -> tuple[ArrowPart, ...]:
    return parse_response(load(name)).parts


def test_match_prefix_results_are_not_matches() -> None:
    parts = _parts("prefix_lm358_no_exact.json")
    assert match_parts(parts, Query("LM358")) == []
    assert [p.part_num for p in match_parts(parts, Query("LM358DR"))] == ["LM358DR"]


def test_match_dots_are_significant() -> None:
    parts = _parts("smc_dot_significant.json")
    assert [p.item_id for p in match_parts(parts, Query("1.5SMC6.8CA"))] == ["5002"]
    assert [p.item_id for p in match_parts(parts, Query("1.5SMC68CA"))] == ["5001"]
    assert match_parts(parts, Query("1.5SMC6.8")) == []


@pytest.mark.parametrize("spelling", ["lm358dr", " LM358DR ", "LM 358DR", "LM358DR"])
def test_match_normalises_case_and_spaces(spelling: str) -> None:
    parts = _parts("prefix_lm358_no_exact.json")
    assert [p.part_num for p in match_parts(parts, Query(spelling))] == ["LM358DR"]


def test_match_normalises_unicode_dashes() -> None:
    parts = _parts("smc_dot_significant.json")
    matched = match_parts(parts, Query("1.5SMC6.8CA\u2013E3/57T"))
    assert [p.part_num for p in matched] == ["1.5SMC6.8CA-E3/57T"]


def test_match_no_mpn() -> None:
    assert match_parts(_parts("smc_dot_significant.json"), Query(None)) == []


@pytest.mark.parametrize(("manufacturer", "expected"), [
    ("TI(德州仪器)", ["7001"]),
    ("Texas Instruments Inc.", ["7001"]),
    ("TI", ["7001"]),
    ("ON Semiconductor", ["7002"]),
    ("ST", ["7003"]),
    ("ST Microelectronics", ["7003"]),
    ("Analog Devices", ["7001", "7002", "7003"]),  # nobody matches: keep all
    (None, ["7001", "7002", "7003"]),
])
def test_match_manufacturer_narrowing(manufacturer: str | None, expected: list[str]) -> None:
    parts = _parts("mfr_ambiguous_lm358.json")
    assert [p.item_id for p in match_parts(parts, Query("LM358", manufacturer))] == expected


@pytest.mark.parametrize(("wanted", "name", "same"), [
    ("Murata", "Murata Manufacturing Co., Ltd.", True),
    ("Yageo", "YAGEO Corporation", True),
    ("Vishay Dale", "Vishay", True),
    ("Samsung", "Samsung Electro-Mechanics", True),
    ("SEMCO", "Samsung Electro-Mechanics", True),
    ("Microchip", "Microchip Technology Inc.", True),
    ("NXP", "NXP Semiconductors", True),
    ("ADI", "Analog Devices Inc.", True),
    ("Maxim", "Analog Devices", True),
    ("Maxim Integrated", "Analog Devices Inc.", True),
    ("On Shore Technology", "onsemi", False),
    ("On Shore Technology", "ON", False),
    ("ON Semiconductor", "ON", True),
    ("AVX", "KYOCERA AVX Components Corporation", True),
    ("Diodes Inc", "Diotec Semiconductor", False),
    ("TI", "STMicroelectronics", False),
    ("", "Texas Instruments", False),
])
def test_manufacturer_matches(wanted: str, name: str, same: bool) -> None:
    assert manufacturer_matches(wanted, name) is same


# --------------------------------------------------------------------------- source


def test_batches_group_by_normalised_mpn() -> None:
    source = ArrowSource(BASE, CREDS)
    queries = [Query("LM358DR"), Query("lm358dr", "TI"), Query("LM358\u2011DR"), Query(None),
               Query("BAV99")]
    # U+2011 is a dash, so it stays: "LM358-DR" is a different key from "LM358DR"
    batches = source.batches(queries)
    assert [[q.mpn for q in batch] for batch in batches] == [
        ["LM358DR", "lm358dr"], ["LM358\u2011DR"], ["BAV99"]]


async def test_one_request_per_distinct_mpn(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    queries = [Query("LM358DR"), Query("lm358dr", "Texas Instruments"), Query(" LM358 DR")]
    batches = source.batches(queries)
    assert len(batches) == 1
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load(SAMPLE_04), repeat=True)
        lookups = await source.fetch(transport, batches[0])
        assert len(sent_requests(mocked)) == 1
        (url,) = sent_urls(mocked)
    assert parse_qs(urlsplit(url).query)["search_token"] == ["LM358DR"]
    assert set(lookups) == set(queries)
    for lookup in lookups.values():
        assert lookup.status is LookupStatus.FOUND
        assert lookup.source == "Arrow"
        assert len(lookup.offers) == 5
        assert lookup.message == ""


async def test_search_token_is_url_encoded(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS, currency="eur", api_version="v4")
    mpn = "ABC/12#3+4,5"
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load("miss_empty_partlist.json"))
        lookups = await source.fetch(transport, [Query(mpn)])
        (url,) = sent_urls(mocked)
    assert "/itemservice/v4/" in url
    query = parse_qs(urlsplit(url).query)
    assert query["search_token"] == [mpn]
    assert query["utm_currency"] == ["EUR"]
    assert "start" not in query
    assert lookups[Query(mpn)].status is LookupStatus.NOT_FOUND


async def test_not_found_names_the_near_misses(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load("prefix_lm358_no_exact.json"))
        lookups = await source.fetch(transport, [Query("LM358")])
    lookup = lookups[Query("LM358")]
    assert lookup.status is LookupStatus.NOT_FOUND and lookup.offers == ()
    assert "LM358ADR" in lookup.message
    assert "LM358ADR" in lookup.candidates and "LM358" not in lookup.candidates


async def test_several_manufacturers_make_an_ambiguous_answer(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    queries = [Query("LM358"), Query("LM358", "TI(德州仪器)"), Query("LM358", "Analog Devices")]
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load("mfr_ambiguous_lm358.json"))
        lookups = await source.fetch(transport, queries)
        assert len(sent_requests(mocked)) == 1
    any_maker = lookups[queries[0]]
    assert any_maker.status is LookupStatus.AMBIGUOUS
    assert len(any_maker.offers) == 3
    assert any_maker.candidates == ("LM358 (Texas Instruments)", "LM358 (onsemi)",
                                    "LM358 (STMicroelectronics)")
    for name in ("Texas Instruments", "onsemi", "STMicroelectronics"):
        assert name in any_maker.message
    ti = lookups[queries[1]]
    assert ti.status is LookupStatus.FOUND
    assert [o.manufacturer for o in ti.offers] == ["Texas Instruments"]
    assert ti.message == ""
    adi = lookups[queries[2]]
    assert adi.status is LookupStatus.AMBIGUOUS
    assert len(adi.offers) == 3 and "none is Analog Devices" in adi.message
    assert {o.currency for o in any_maker.offers} == {"USD", "EUR"}


async def test_paging_until_exact_part_with_dedup(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load("paging_page1.json"))
        mocked.get(SEARCH_URL, payload=load("paging_page2.json"))
        lookups = await source.fetch(transport, [Query("abc123")])
        urls = sent_urls(mocked)
    assert len(urls) == 2
    starts = [parse_qs(urlsplit(url).query).get("start") for url in urls]
    assert sorted(starts, key=str) == sorted([None, ["25"]], key=str)
    lookup = lookups[Query("abc123")]
    assert lookup.status is LookupStatus.FOUND
    assert [o.stock for o in lookup.offers] == [42]


async def test_no_paging_when_exact_part_on_first_page(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load("paging_page2.json"), repeat=True)
        await source.fetch(transport, [Query("ABC123")])
        assert len(sent_requests(mocked)) == 1


async def test_paging_is_bounded(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS, max_pages=3)
    counter = iter(range(10_000))

    def endless(url: Any, **kwargs: Any) -> Any:
        from aioresponses import CallbackResult

        first = next(counter) * 25
        parts = load("paging_page1.json")
        for i, part in enumerate(parts["itemserviceresult"]["data"][0]["PartList"]):
            part["itemId"] = first + i
        parts["itemserviceresult"]["transactionArea"][0]["responseSequence"]["totalItems"] = 10**6
        return CallbackResult(payload=parts)

    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, callback=endless, repeat=True)
        lookups = await source.fetch(transport, [Query("ABC123")])
        assert len(sent_requests(mocked)) == 3
    # the cap ended the search with results unread: not checked, never NOT FOUND
    lookup = lookups[Query("ABC123")]
    assert lookup.status is LookupStatus.ERROR and not lookup.offers
    assert lookup.message.startswith("ABC123 not in the first 75 of 1000000 Arrow results")


async def test_paging_stops_on_empty_or_repeated_page(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS, max_pages=10)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load("paging_page1.json"), repeat=True)  # same ids again
        await source.fetch(transport, [Query("ABC123")])
        assert len(sent_requests(mocked)) == 2
    empty = load("miss_empty_partlist.json")
    empty["itemserviceresult"]["transactionArea"][0]["responseSequence"]["totalItems"] = 500
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load("paging_page1.json"))
        mocked.get(SEARCH_URL, payload=empty, repeat=True)
        await source.fetch(transport, [Query("ABC123")])
        assert len(sent_requests(mocked)) == 2


async def test_http_401_is_unavailable(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, status=401, body="Unauthorized")
        with pytest.raises(SourceUnavailable, match=r"Arrow refused the request \(HTTP 401: Unauthorized\); "
                                                    "check the Arrow login and API key") as info:
            await source.fetch(transport, [Query("LM358")])
    assert not info.value.retryable


async def test_http_html_body_is_source_error(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, status=200, body="<html><body>Maintenance</body></html>",
                   content_type="text/html", repeat=True)
        with pytest.raises(SourceError, match=r"Arrow: HTML page instead of JSON \(HTTP 200: Maintenance\) "
                                              "after 2 attempts") as info:
            await source.fetch(transport, [Query("LM358")])
        assert len(sent_requests(mocked)) == 2  # a maintenance page is worth one more try, not more
    assert not isinstance(info.value, SourceUnavailable)


async def test_http_5xx_after_retries_is_source_error(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, status=503, repeat=True)
        with pytest.raises(SourceError, match="HTTP 503"):
            await source.fetch(transport, [Query("LM358")])
        assert len(sent_requests(mocked)) == 3  # the Transport's attempts


async def test_http_429_after_retries_is_source_error(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, status=429, repeat=True)
        with pytest.raises(SourceError, match="429") as info:
            await source.fetch(transport, [Query("LM358")])
    assert not isinstance(info.value, SourceUnavailable)


async def test_success_false_through_source(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=load("error_success_false.json"))
        with pytest.raises(SourceError, match=r"^Arrow: search_token must be at least 3"):
            await source.fetch(transport, [Query("LM")])


def _error_answers() -> list[dict[str, Any]]:
    echo = f"<html>bad request for /search/token?apikey={API_KEY}&login=acme</html>"
    return [
        {"status": 401, "body": f"invalid key {API_KEY}"},
        {"status": 403, "body": "forbidden"},
        {"status": 400, "body": echo},
        {"status": 200, "body": echo, "content_type": "text/html"},
        {"status": 500, "body": f"error at apikey={API_KEY}"},
        {"status": 200, "body": json.dumps(load("error_invalid_apikey.json"))},
        {"exception": aiohttp.ClientConnectionError(f"cannot connect to ...?apikey={API_KEY}")},
    ]


@pytest.mark.parametrize("answer", _error_answers())
@pytest.mark.parametrize("caller_passed_secrets", [True, False])
async def test_api_key_never_leaks(answer: dict[str, Any], caller_passed_secrets: bool,
                                   transport: Transport, bare_transport: Transport,
                                   caplog: pytest.LogCaptureFixture) -> None:
    used = transport if caller_passed_secrets else bare_transport
    caplog.set_level(logging.DEBUG)
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, repeat=True, **answer)
        with pytest.raises(SourceError) as info:
            await source.fetch(used, [Query("LM358")])
    assert API_KEY not in str(info.value)
    assert API_KEY not in repr(info.value)
    assert info.value.__cause__ is None or API_KEY not in str(info.value.__cause__)
    assert API_KEY not in caplog.text
    assert API_KEY not in str(info.value.__context__ or "")


def test_secrets_property() -> None:
    assert ArrowSource(BASE, CREDS).secrets == (API_KEY,)


def test_one_maker_under_two_names_is_not_ambiguous() -> None:
    ti_a = ArrowPart("1", "LM358", "TI", "Texas Instruments", "", ())
    ti_b = ArrowPart("2", "lm358", "TXN", "TI", "", ())
    other = ArrowPart("3", "LM358", "STM", "STMicroelectronics", "", ())
    source = ArrowSource(BASE, CREDS)
    assert source._lookup(Query("LM358"), ArrowSearch((ti_a, ti_b), 2)).status is LookupStatus.FOUND
    both = source._lookup(Query("LM358"), ArrowSearch((ti_a, ti_b, other), 3))
    assert both.status is LookupStatus.AMBIGUOUS
    assert both.candidates == ("LM358 (Texas Instruments)", "LM358 (STMicroelectronics)")
    st_line = source._lookup(Query("LM358", "ST Micro"), ArrowSearch((ti_a, other), 2))
    assert st_line.status is LookupStatus.FOUND


def test_every_seed_element_reaches_the_offer() -> None:
    (part,) = parse_response(load("v3_bav99_seed.json")).parts
    verical, europe = part.offers
    assert (verical.eccn, verical.hts, verical.availability) == ("EAR99", "8541.10.00.80", "INSTK")
    assert europe.availability == "INSTKEU" and europe.lead_time_weeks == 12
    assert europe.compliance == (("eurohs", "Compliant"), ("cnrohs", "Compliant"))
    links = dict(europe.links)
    assert links["cloud_part_detail"] == "https://www.arrow.com/en/products/bav99/diotec-semiconductor-ag"
    assert links["add_to_cart"].startswith("https://www.arrow.com/")
    assert not any("api.arrow.com" in uri for _, uri in verical.links + europe.links)


def test_v4_sample_fields_quote_and_cut_strips() -> None:
    (part,) = parse_response(load(SAMPLE_04)).parts
    by_code = {offer.availability: offer for offer in part.offers}
    quote = next(o for o in part.offers if "QUOTE" in o.availability and o.stock > 0)
    assert quote.breaks == ()  # a stocked QUOTE offer has no price: never planned at one
    cut = next(o for o in by_code.values() if o.availability == "CSTRP")
    assert cut.packaging == "Cut Strips" and cut.pipeline and cut.breaks
    assert all(o.eccn for o in part.offers if o.seller.endswith("(ACNA)"))


@pytest.mark.parametrize(("sample", "boards", "seller", "buy", "status"), [
    # packSize 1 with MOQ 2000 at ASIA: the minimum is 2000; the ACNA offers are QUOTE without stock
    (SAMPLE_02, 1, "Asia (ASIA)", 2000, "OK"),
    # the stocked QUOTE reel (2500 on hand, no Prices) is never bought; cut strips are
    (SAMPLE_04, 100, "Arrow Americas (ACNA)", 100, "OK"),
    (SAMPLE_06, 100, "Arrow Americas (ACNA)", 67, "SHORT"),
])
def test_the_real_v4_samples_plan_sensibly(sample: str, boards: int, seller: str, buy: int,
                                           status: str) -> None:
    from bomcheck.model import BomLine, Lookup
    from bomcheck.pricing import plan_line

    (part,) = parse_response(load(sample)).parts
    lookup = Lookup("Arrow", LookupStatus.FOUND, offers=part.offers)
    result = plan_line(BomLine(row=2, mpn=part.part_num, qty=1), {"Arrow": lookup}, boards=boards)
    assert result.status.name == status
    assert result.purchase is not None and result.purchase.offer.breaks
    assert (result.purchase.offer.seller, result.purchase.buy_qty) == (seller, buy)
    if sample == SAMPLE_04:  # 2403 mirrored under Verical and ACNA counts once
        assert result.stock["Arrow"] == 2500 + 2403


def test_every_seed_parameter_and_awkward_mpns_on_the_wire() -> None:
    url, params = build_request(ARROW_PRODUCTION_URL, CREDS, "A+B#C/D", rows=99, start=25,
                                currency="eur", mfr_cd="TI", api_version="v4")
    assert url == "https://api.arrow.com/itemservice/v4/en/search/token"
    assert params == {"login": CREDS.login, "apikey": CREDS.api_key, "search_token": "A+B#C/D",
                      "rows": "25", "start": "25", "utm_currency": "EUR", "mfrCd": "TI", "fmt": "json"}
    from yarl import URL

    wire = str(URL(url).with_query(params))
    assert "search_token=A%2BB%23C/D" in wire  # '+' and '#' survive the trip
