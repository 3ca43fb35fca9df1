"""Tests of the DigiKey Supply Chain bonded-inventory client: mapping, matching, errors, auth retry."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from bomcheck.distributors.digikey import DIGIKEY_PRODUCTION_URL, DigiKeyBondedSource, match_items
from bomcheck.distributors.digikey_auth import OAuthTokenProvider
from bomcheck.distributors.digikey_errors import error_message
from bomcheck.distributors.digikey_parse import (
    BondedItem,
    bonded_item_from_json,
    bonded_offer,
    parse_products,
)
from bomcheck.distributors.http import HttpResponse, Transport
from bomcheck.distributors.token_store import MemoryTokenStore, Tokens
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import LookupStatus, PriceBreak, Query
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "digikey"
BASE = "https://digikey.test"
ACCOUNT = "123456"
PRODUCTS_URL = f"{BASE}/SupplyChain/v1/BondedQuantity/Locations/{ACCOUNT}/Products"
TOKEN_URL = f"{BASE}/v1/oauth2/token"
CLIENT_ID = "client-id-123"
CLIENT_SECRET = "client-SECRET-456"
NOW = 1_700_000_000.0


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=3)


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore(Tokens("AT-first-0001", "RT-first-0001", NOW + 1800))


@pytest.fixture
def source(store: MemoryTokenStore) -> DigiKeyBondedSource:
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=lambda: NOW)
    return DigiKeyBondedSource(BASE, CLIENT_ID, ACCOUNT, provider)


def gets(mocked: aioresponses) -> list[Any]:
    return [call for (method, _), calls in mocked.requests.items() if method == "GET"
            for call in calls]


def posts(mocked: aioresponses) -> list[Any]:
    return [call for (method, _), calls in mocked.requests.items() if method == "POST"
            for call in calls]


def response(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, headers or {}, raw)


# --------------------------------------------------------------------------- parsing


def test_parse_bare_list_field_mapping() -> None:
    items = parse_products(load("products_bare_list.json"))
    assert [item.digikey_pn for item in items] == [
        "296-1395-5-ND", "311-100KCRCT-ND", "1276-1000-1-ND"]
    assert items[0] == BondedItem(
        digikey_pn="296-1395-5-ND", mpn="LM358P", customer_pn="ACME-OPAMP-01",
        description="IC OPAMP GP 2 CIRCUIT 8DIP", manufacturer="Texas Instruments",
        unit_price=Decimal("0.42"), pack_type="Tube", country_of_origin="MY",
        reserve_quantity=1500, backorder_reserve_quantity=500, vendor_lead_weeks=6,
        customer_id=123456, ncnr=False, ncnr_date_signed=None, min_release_override=True,
        min_quantity_threshold=0, standard_package=50, ncnr_quantity=None, quantity=1500,
    )
    assert isinstance(items[1].unit_price, Decimal) and items[1].unit_price == Decimal("0.0042")


def test_parse_wrapped_object_skips_malformed() -> None:
    wrapped = parse_products(load("products_wrapped.json"))
    assert wrapped == parse_products(load("products_bare_list.json"))


@pytest.mark.parametrize("body", [
    {"Items": [{"DigiKeyPartNumber": "A-ND"}]},
    {"whatever": [{"digiKeyPartNumber": "A-ND"}], "count": 1},  # camelCase tolerated
    {"DigiKeyPartNumber": "A-ND"},  # a single product object
    {"Locations": [{"CustomerId": 1, "Products": [{"DigiKeyPartNumber": "A-ND"}]}]},
    [{"CustomerId": 1, "Products": [{"DigiKeyPartNumber": "A-ND"}]}],
])
def test_parse_tolerated_shapes(body: Any) -> None:
    assert [item.digikey_pn for item in parse_products(body)] == ["A-ND"]


@pytest.mark.parametrize("body", [None, [], {}, "text", 3, {"Products": []}, [None, 1, "x"]])
def test_parse_empty_or_junk(body: Any) -> None:
    assert parse_products(body) == []


def test_min_release_quantity_rules() -> None:
    override_zero, override_threshold, no_override = parse_products(
        load("products_bare_list.json"))
    assert override_zero.min_release_qty == 1  # override TRUE, threshold 0
    assert override_threshold.min_release_qty == 250  # override TRUE, threshold 250
    assert no_override.min_release_qty == 4000  # override FALSE: StandardPackage
    no_pack = bonded_item_from_json({"DigiKeyPartNumber": "X", "StandardPackage": 0})
    assert no_pack.min_release_qty == 1


def test_ncnr_and_sentinel_date() -> None:
    override_zero, override_threshold, _ = parse_products(load("products_bare_list.json"))
    assert override_zero.ncnr is False and override_zero.ncnr_date_signed is None
    assert override_threshold.ncnr is True
    assert override_threshold.ncnr_date_signed == "2024-03-01T00:00:00"
    item = bonded_item_from_json({"DigiKeyPartNumber": "X", "NcnrDateSigned": "1858-11-17",
                                  "NcnrQuantity": "1858-11-17T00:00:00"})
    assert item.ncnr_date_signed is None and item.ncnr_quantity is None


def test_quantity_assumption() -> None:
    item = bonded_item_from_json({"DigiKeyPartNumber": "X", "ReserveQuantity": 70,
                                  "BackOrderReserveQuantity": 900})
    assert item.quantity == 70  # ReserveQuantity; backorders are not stock
    item = bonded_item_from_json({"DigiKeyPartNumber": "X", "ReserveQuantity": 70,
                                  "QuantityAvailable": "55"})
    assert item.quantity == 55 and item.reserve_quantity == 70
    item = bonded_item_from_json({"DigiKeyPartNumber": "X", "ReserveQuantity": 70, "Quantity": 9})
    assert item.quantity == 9


def test_tolerant_values() -> None:
    item = bonded_item_from_json({
        "DigiKeyPartNumber": " X-ND ", "UnitPrice": "0", "VendorLeadWeeks": "12 weeks",
        "ReserveQuantity": None, "NonCancelable": "true", "StandardPackage": "2500",
        "MinimumReleaseQuantityOverride": "false", "CustomerId": "77", "Unknown": {"a": 1},
    })
    assert item.digikey_pn == "X-ND" and item.mpn == ""
    assert item.unit_price is None  # zero price = unknown, never planned at 0
    assert item.vendor_lead_weeks == 12 and item.customer_id == 77
    assert item.quantity == 0 and item.ncnr is True and item.min_release_qty == 2500
    assert bonded_item_from_json({"DigiKeyPartNumber": "X", "VendorLeadWeeks": "n/a"}
                                 ).vendor_lead_weeks is None
    with pytest.raises(ValueError):
        bonded_item_from_json({"ProductDescription": "no part numbers"})


def test_bonded_offer() -> None:
    _, yageo, samsung = parse_products(load("products_bare_list.json"))
    offer = bonded_offer(yageo)
    assert offer.source == "DigiKey Bonded"
    assert offer.seller == "DigiKey bonded inventory"
    assert (offer.mpn, offer.manufacturer, offer.sku) == (
        "RC0603FR-07100KL", "YAGEO", "311-100KCRCT-ND")
    assert offer.stock == 20000 and offer.moq == 250 and offer.multiple == 1
    assert offer.breaks == (PriceBreak(1, Decimal("0.0042")),)
    assert offer.currency == "USD" and offer.ncnr is True and offer.bonded is True
    assert offer.lead_time_weeks == 12
    assert (offer.packaging, offer.country_of_origin) == ("Cut Tape (CT)", "TW")
    assert bonded_offer(samsung, "EUR").currency == "EUR"
    assert bonded_offer(samsung).lead_time_weeks is None
    unpriced = bonded_item_from_json({"DigiKeyPartNumber": "X"})
    assert bonded_offer(unpriced).breaks == ()


# --------------------------------------------------------------------------- matching


def test_match_by_digikey_pn_first() -> None:
    items = parse_products(load("products_bare_list.json"))
    # the DigiKey PN wins over a conflicting MPN
    matched = match_items(items, Query("CL10B104KB8NNNC", digikey_pn="296-1395-5-nd"))
    assert [item.digikey_pn for item in matched] == ["296-1395-5-ND"]


def test_match_falls_back_to_mpn_then_customer_pn() -> None:
    items = parse_products(load("products_bare_list.json"))
    matched = match_items(items, Query("rc0603fr\u201007100kl", digikey_pn="NOT-BONDED-ND"))
    assert [item.digikey_pn for item in matched] == ["311-100KCRCT-ND"]
    customer = parse_products(load("products_customer_pn_only.json"))
    assert [i.digikey_pn for i in match_items(customer, Query("stm32f103c8t6"))] == ["X-ND"]
    assert match_items(items, Query("LM358")) == []  # no prefix matching
    assert match_items(items, Query(None)) == []


# --------------------------------------------------------------------------- error messages


def test_error_message_api_error_response() -> None:
    message = error_message(response(401, load("error_api_error_response_401_expired.json")))
    assert message.startswith("HTTP 401: Bearer token is expired")
    assert "request id b1f2c3d4-0001" in message
    validation = error_message(response(400, load("error_api_error_response_400_validation.json")))
    assert "accountId: must be numeric" in validation


def test_error_message_of_an_html_page_names_its_title_not_its_markup() -> None:
    page = (b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
            b"<body><center>nginx</center>")
    message = error_message(response(503, page))
    assert message.startswith("HTTP 503: an HTML page (503 Service Temporarily Unavailable)")
    assert "<" not in message
    down = error_message(response(502, b"<!DOCTYPE html><p>down</p>"))
    assert down.startswith("HTTP 502: an HTML page (down)")
    assert "'upstream broke'" in error_message(response(502, b"upstream broke"))  # plain text as it is


def test_error_message_problem_details() -> None:
    message = error_message(response(400, load("error_problem_details_400.json")))
    assert "One or more validation errors occurred." in message
    assert "accountId: The value 'abc' is not valid." in message
    assert "request id corr-7777" in message


def test_error_message_header_request_id_and_non_json() -> None:
    message = error_message(response(502, b"<html>Bad gateway</html>",
                                     {"x-digikey-request-id": "hdr-1"}))
    assert message.startswith("HTTP 502: ") and "Bad gateway" in message
    assert message.endswith("(request id hdr-1)")
    assert error_message(response(500, b"")) == "HTTP 500"


# --------------------------------------------------------------------------- source


def test_batches_one_per_account(source: DigiKeyBondedSource) -> None:
    queries = [Query("LM358P"), Query(None, digikey_pn="311-100KCRCT-ND"), Query(None),
               Query("  ")]
    assert source.batches(queries) == [queries[:2]]
    assert source.batches([Query(None)]) == []


async def test_fetch_found_and_not_found(source: DigiKeyBondedSource,
                                         transport: Transport) -> None:
    queries = [Query("LM358P", "TI"), Query(None, digikey_pn="1276-1000-1-nd"), Query("BAV99")]
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, payload=load("products_wrapped.json"))
        lookups = await source.fetch(transport, queries)
        (call,) = gets(mocked)
    headers = call.kwargs["headers"]
    assert headers["Authorization"] == "Bearer AT-first-0001"
    assert headers["X-DIGIKEY-Client-Id"] == CLIENT_ID
    assert headers["Accept"] == "application/json"
    lm358 = lookups[queries[0]]
    assert lm358.status is LookupStatus.FOUND and lm358.source == "DigiKey Bonded"
    assert [o.sku for o in lm358.offers] == ["296-1395-5-ND"]
    assert lookups[queries[1]].offers[0].moq == 4000
    missing = lookups[queries[2]]
    assert missing.status is LookupStatus.NOT_FOUND
    assert missing.message == "not in bonded inventory"


async def test_fetch_empty_account(source: DigiKeyBondedSource, transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, payload=load("products_empty.json"))
        lookups = await source.fetch(transport, [Query("LM358P")])
    assert lookups[Query("LM358P")].message.startswith("not in bonded inventory")


async def test_account_id_is_url_quoted(store: MemoryTokenStore, transport: Transport) -> None:
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=lambda: NOW)
    source = DigiKeyBondedSource(BASE + "/", CLIENT_ID, "12/34 5", provider)
    with aioresponses() as mocked:
        mocked.get(re.compile(r"^https://digikey\.test/SupplyChain/v1/BondedQuantity/.*"),
                   payload=[])
        await source.fetch(transport, [Query("X")])
        ((_, url),) = mocked.requests.keys()
    assert url.raw_path == "/SupplyChain/v1/BondedQuantity/Locations/12%2F34%205/Products"


async def test_expired_token_refreshes_once_then_retries(
    source: DigiKeyBondedSource, store: MemoryTokenStore, transport: Transport,
) -> None:
    seen_by_retry: dict[str, Any] = {}

    def retried(url: Any, **kwargs: Any) -> CallbackResult:
        seen_by_retry["authorization"] = kwargs["headers"]["Authorization"]
        seen_by_retry["stored"] = store.tokens
        return CallbackResult(payload=load("products_bare_list.json"))

    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=401,
                   payload=load("error_api_error_response_401_expired.json"))
        mocked.post(TOKEN_URL, payload=load("token_refreshed.json"))
        mocked.get(PRODUCTS_URL, callback=retried)
        lookups = await source.fetch(transport, [Query("LM358P")])
        assert len(gets(mocked)) == 2 and len(posts(mocked)) == 1
        assert dict(posts(mocked)[0].kwargs["data"])["refresh_token"] == "RT-first-0001"
    assert seen_by_retry["authorization"] == "Bearer AT-second-0002"
    # the rotated tokens were saved before the retried call went out
    assert seen_by_retry["stored"] == Tokens("AT-second-0002", "RT-second-0002", NOW + 1799,
                  refresh_expires_at=NOW + 7775999)
    assert lookups[Query("LM358P")].status is LookupStatus.FOUND


async def test_expired_twice_gives_up(source: DigiKeyBondedSource, transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=401, repeat=True,
                   payload=load("error_api_error_response_401_expired.json"))
        mocked.post(TOKEN_URL, payload=load("token_refreshed.json"), repeat=True)
        with pytest.raises(SourceUnavailable, match="Bearer token is expired"):
            await source.fetch(transport, [Query("LM358P")])
        assert len(gets(mocked)) == 2 and len(posts(mocked)) == 1


async def test_invalid_client_id_is_unavailable_without_refresh(
    source: DigiKeyBondedSource, transport: Transport,
) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=401,
                   payload=load("error_api_error_response_401_invalid_client.json"))
        with pytest.raises(SourceUnavailable, match="Invalid Client-Id"):
            await source.fetch(transport, [Query("LM358P")])
        assert not posts(mocked)


async def test_refresh_with_dead_login_is_unavailable(
    source: DigiKeyBondedSource, transport: Transport,
) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=401,
                   payload=load("error_api_error_response_401_expired.json"))
        mocked.post(TOKEN_URL, status=400, payload=load("token_invalid_grant.json"))
        with pytest.raises(SourceUnavailable, match="`bomcheck auth digikey`"):
            await source.fetch(transport, [Query("LM358P")])


async def test_no_login_is_unavailable(transport: Transport) -> None:
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, MemoryTokenStore())
    source = DigiKeyBondedSource(BASE, CLIENT_ID, ACCOUNT, provider)
    with aioresponses() as mocked, pytest.raises(SourceUnavailable, match="bomcheck auth digikey"):
        await source.fetch(transport, [Query("LM358P")])
    assert not mocked.requests


async def test_403_no_agreement(source: DigiKeyBondedSource, transport: Transport,
                                caplog: pytest.LogCaptureFixture) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=403, payload=load("error_problem_details_403.json"),
                   headers={"X-DIGIKEY-REQUEST-ID": "req-403"})
        with caplog.at_level(logging.INFO), pytest.raises(SourceUnavailable) as info:
            await source.fetch(transport, [Query("LM358P")])
    # DigiKey's own words and request id beside what they usually mean
    assert str(info.value).startswith("DigiKey: no access to bonded inventory (HTTP 403: Forbidden — No "
                                      "bonded inventory agreement for this account. (request id req-403)): "
                                      "the account has no bonded agreement")
    assert "account id is not yours" in str(info.value)  # a typo in the id answers 403 too
    assert info.value.account_wide  # said once for the run, not on every line
    assert "req-403" in caplog.text  # logged with the request id, at INFO: the fan-out warns once
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_daily_quota(source: DigiKeyBondedSource, transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=429, payload=load("error_daily_quota_429.json"),
                   headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0"},
                   repeat=True)
        with pytest.raises(SourceUnavailable, match="DigiKey: daily quota exhausted"):
            await source.fetch(transport, [Query("LM358P")])


async def test_burst_429_is_retryable_source_error(source: DigiKeyBondedSource,
                                                   transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=429, headers={"Retry-After": "1"}, repeat=True)
        with pytest.raises(SourceError) as info:
            await source.fetch(transport, [Query("LM358P")])
        # waits of 1 s are honoured up to the throttle budget, then the normal attempts run out
        assert len(gets(mocked)) == int(transport.retry.throttle_budget) + transport.retry.attempts
    assert not isinstance(info.value, SourceUnavailable) and info.value.retryable


async def test_burst_429_then_success(source: DigiKeyBondedSource, transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=429, headers={"Retry-After": "1"})
        mocked.get(PRODUCTS_URL, payload=load("products_bare_list.json"))
        lookups = await source.fetch(transport, [Query("LM358P")])
    assert lookups[Query("LM358P")].status is LookupStatus.FOUND


@pytest.mark.parametrize(("name", "status", "expected"), [
    ("error_problem_details_400.json", 400, "One or more validation errors occurred."),
    ("error_api_error_response_400_validation.json", 400, "accountId: must be numeric"),
])
async def test_other_errors_are_readable_source_errors(
    source: DigiKeyBondedSource, transport: Transport, caplog: pytest.LogCaptureFixture,
    name: str, status: int, expected: str,
) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=status, payload=load(name))
        with caplog.at_level(logging.WARNING), pytest.raises(SourceError) as info:
            await source.fetch(transport, [Query("LM358P")])
    assert not isinstance(info.value, SourceUnavailable)
    assert str(info.value).startswith("DigiKey: HTTP 400")
    assert expected in str(info.value)
    assert "request id" in caplog.text


async def test_server_error_and_html(source: DigiKeyBondedSource, transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=503, repeat=True)
        with pytest.raises(SourceError, match="HTTP 503") as info:
            await source.fetch(transport, [Query("LM358P")])
    assert info.value.retryable
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=200, body="<html>oops</html>", content_type="text/html", repeat=True)
        with pytest.raises(SourceError, match=r"DigiKey: HTML page instead of JSON \(HTTP 200: oops\)"):
            await source.fetch(transport, [Query("LM358P")])


async def test_tokens_never_in_messages_or_logs(source: DigiKeyBondedSource,
                                                transport: Transport,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    failures: list[str] = []
    answers: list[dict[str, Any]] = [
        {"status": 400, "body": "echo Bearer AT-first-0001"},
        {"status": 401, "payload": load("error_api_error_response_401_expired.json")},
        {"exception": aiohttp.ClientConnectionError("boom")},
    ]
    for answer in answers:
        with aioresponses() as mocked:
            mocked.get(PRODUCTS_URL, repeat=True, **answer)
            mocked.post(TOKEN_URL, status=400, payload=load("token_invalid_grant.json"))
            with pytest.raises(SourceError) as info:
                await source.fetch(transport, [Query("LM358P")])
        failures.append(str(info.value))
    for secret in ("AT-first-0001", "RT-first-0001", CLIENT_SECRET):
        assert all(secret not in text for text in failures)
        assert secret not in caplog.text


async def test_fetch_part(source: DigiKeyBondedSource, transport: Transport) -> None:
    url = re.compile(r"^https://digikey\.test/SupplyChain/v1/BondedQuantity/Locations/123456/"
                     r"Products/.+")
    with aioresponses() as mocked:
        mocked.get(url, payload=load("product_single.json"))
        item = await source.fetch_part(transport, "311-100KCRCT-ND")
        ((_, sent),) = mocked.requests.keys()
    assert item is not None and item.mpn == "RC0603FR-07100KL"
    assert sent.raw_path.endswith("/Products/311-100KCRCT-ND")
    with aioresponses() as mocked:
        mocked.get(url, status=404, payload={"title": "Not Found", "status": 404})
        assert await source.fetch_part(transport, "AB/12-ND") is None
        ((_, sent),) = mocked.requests.keys()
    assert sent.raw_path.endswith("/Products/AB%2F12-ND")


def test_production_url() -> None:
    assert DIGIKEY_PRODUCTION_URL == "https://api.digikey.com"


# --------------------------------------------------------------------------- endpoint choice


def test_match_by_the_lines_customer_part_number() -> None:
    items = parse_products(load("products_bare_list.json"))
    found = match_items(items, Query("NOT-THE-MPN", customer_pn="acme-opamp-01"))
    assert [item.digikey_pn for item in found] == ["296-1395-5-ND"]
    # the DigiKey part number column wins over the MPN, the MPN over the customer PN
    both = match_items(items, Query("RC0603FR-07100KL", digikey_pn="296-1395-5-ND",
                                    customer_pn="ACME-OPAMP-01"))
    assert [item.digikey_pn for item in both] == ["296-1395-5-ND"]
    by_mpn = match_items(items, Query("RC0603FR-07100KL", customer_pn="ACME-OPAMP-01"))
    assert [item.digikey_pn for item in by_mpn] == ["311-100KCRCT-ND"]


def test_endpoint_choice_per_bom(source: DigiKeyBondedSource) -> None:
    few = [Query("A", digikey_pn="A-ND"), Query("B", digikey_pn="B-ND")]
    assert source.batches(few) == [[few[0]], [few[1]]]  # per-part calls
    one_without = [*few, Query("C")]
    assert source.batches(one_without) == [one_without] and not source._per_part(one_without)
    many = [Query(f"P{i}", digikey_pn=f"P{i}-ND") for i in range(source.PER_PART_LIMIT + 1)]
    assert source.batches(many) == [many] and not source._per_part(many)


async def test_per_part_mode_calls_the_part_endpoint(source: DigiKeyBondedSource,
                                                     transport: Transport) -> None:
    queries = [Query("LM358P", digikey_pn="296-1395-5-ND"), Query("X", digikey_pn="NOPE-ND")]
    one = [load("products_bare_list.json")[0]]
    with aioresponses() as mocked:
        mocked.get(f"{PRODUCTS_URL}/296-1395-5-ND", payload=one)
        mocked.get(f"{PRODUCTS_URL}/NOPE-ND", status=404, payload=load(
            "error_problem_details_400.json") | {"status": 404})
        mocked.get(PRODUCTS_URL, payload=load("products_bare_list.json"))  # the fallback for NOPE-ND
        lookups: dict[Query, Any] = {}
        for batch in source.batches(queries):
            lookups.update(await source.fetch(transport, batch))
        urls = sorted(str(key[1]) for key in mocked.requests)
    assert urls == [PRODUCTS_URL, f"{PRODUCTS_URL}/296-1395-5-ND", f"{PRODUCTS_URL}/NOPE-ND"]
    assert lookups[queries[0]].status is LookupStatus.FOUND
    assert lookups[queries[0]].offers[0].sku == "296-1395-5-ND"
    assert lookups[queries[1]].status is LookupStatus.NOT_FOUND


async def test_a_stale_digikey_pn_in_per_part_mode_falls_back_to_the_mpn(
        source: DigiKeyBondedSource, transport: Transport) -> None:
    stale = Query("LM358P", digikey_pn="296-OLD-ND")  # renumbered since the BOM was written
    with aioresponses() as mocked:
        mocked.get(f"{PRODUCTS_URL}/296-OLD-ND", status=404, payload=load(
            "error_problem_details_400.json") | {"status": 404})
        mocked.get(PRODUCTS_URL, payload=load("products_bare_list.json"))
        (batch,) = source.batches([stale])
        assert batch == [stale]
        lookups = await source.fetch(transport, batch)
        calls = len(mocked.requests)
    assert calls == 2  # the part call, then one list call
    assert lookups[stale].status is LookupStatus.FOUND
    assert lookups[stale].offers[0].sku == "296-1395-5-ND"


async def test_without_account_id_all_products_are_asked(store: MemoryTokenStore,
                                                         transport: Transport) -> None:
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=lambda: NOW)
    source = DigiKeyBondedSource(BASE, CLIENT_ID, None, provider)
    queries = [Query("LM358P", digikey_pn="296-1395-5-ND")]
    assert source.batches(queries) == [queries]  # no per-part endpoint without an account
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/SupplyChain/v1/BondedQuantity/Products", payload=load("products_bare_list.json"))
        lookups = await source.fetch(transport, queries)
    assert lookups[queries[0]].status is LookupStatus.FOUND


async def test_locations_endpoints(source: DigiKeyBondedSource, transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/SupplyChain/v1/BondedQuantity/Locations", payload=load("locations.json"))
        mocked.get(f"{BASE}/SupplyChain/v1/BondedQuantity/Locations/123456",
                   payload=load("locations.json")[0])
        every = await source.fetch_locations(transport)
        one = await source.fetch_locations(transport, "123456")
    assert [(loc.customer_id, loc.bonded_inventory, loc.currency) for loc in every] == [
        (123456, True, "USD"), (123457, False, "CAD")]
    assert every[0].shipping_address["City"] == "Thief River Falls"
    assert [loc.customer_id for loc in one] == [123456]
