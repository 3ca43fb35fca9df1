"""The sandbox's DigiKey catalog (Product Information v4): shapes, traps, tokens, quota, the client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bomcheck.distributors.digikey_app_token import AppTokens
from bomcheck.distributors.digikey_catalog import DigiKeyCatalogSource
from bomcheck.distributors.digikey_catalog_parse import NOT_ORDERABLE, own_stock, parse_details
from bomcheck.errors import SourceUnavailable
from bomcheck.model import Lifecycle, LookupStatus, Packaging, Query
from bomcheck.sandbox import (
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    catalog,
)
from bomcheck.sandbox.digikey_products import (
    ACTIVE_NCNR_MPN,
    DIGI_REEL_MPN,
    MARKETPLACE_ONLY_MPN,
    MULTI_MAKER_MPN,
    OBSOLETE_MPN,
    exact_products,
)
from bomcheck.sandbox.server import STATS_PATH, SandboxConfig, make_app, running_sandbox
from tests.conftest import FakeClock, quick_transport

KEYWORD = "/products/v4/search/keyword"


def details_path(number: str) -> str:
    return f"/products/v4/search/{quote(number, safe='')}/productdetails"


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    test_client = TestClient(TestServer(make_app(SandboxConfig())))
    await test_client.start_server()
    yield test_client
    await test_client.close()


async def app_token(client: TestClient, lifetime: int = 599) -> str:
    response = await client.post("/v1/oauth2/token", data={
        "client_id": SANDBOX_DIGIKEY_CLIENT_ID, "client_secret": SANDBOX_DIGIKEY_CLIENT_SECRET,
        "grant_type": "client_credentials"})
    assert response.status == 200
    body = await response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}  # no refresh token
    assert body["token_type"] == "Bearer" and body["expires_in"] == lifetime
    return str(body["access_token"])


def headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-DIGIKEY-Client-Id": SANDBOX_DIGIKEY_CLIENT_ID, **extra}


async def keyword(client: TestClient, token: str, words: str, **extra: str) -> Any:
    response = await client.post(KEYWORD, json={"Keywords": words, "Limit": 10, "Offset": 0},
                                 headers=headers(token, **extra))
    assert response.status == 200
    return await response.json()


# --------------------------------------------------------------------------- the endpoints


async def test_keyword_answer_has_the_real_shape(client: TestClient):
    token = await app_token(client)
    body = await keyword(client, token, DIGI_REEL_MPN)
    assert {"Products", "ProductsCount", "ExactMatches", "SearchLocaleUsed"} <= set(body)
    assert body["SearchLocaleUsed"] == {"Site": "us", "Language": "en", "Currency": "USD"}
    (product,) = body["ExactMatches"]
    assert product["ManufacturerProductNumber"] == DIGI_REEL_MPN
    assert product["QuantityAvailable"] == 5409  # one stock, not the sum of the packagings
    variations = {v["PackageType"]["Name"]: v for v in product["ProductVariations"]}
    assert variations["Tape & Reel (TR)"]["MinimumOrderQuantity"] == 4000
    assert variations["Tape & Reel (TR)"]["QuantityAvailableforPackageType"] == 4000
    assert variations["Digi-Reel®"]["DigiReelFee"] == 7.0 and variations["Cut Tape (CT)"]["DigiReelFee"] == 0
    assert all(v["MyPricing"] == [] for v in product["ProductVariations"])  # keyword: never MyPricing
    assert product["DatasheetUrl"].startswith("//mm.digikey.com/")


async def test_productdetails_by_a_number_with_special_characters(client: TestClient):
    token = await app_token(client)
    number = "175-LM4040DIX3-5.0+TCT-ND"
    response = await client.get(details_path(number), headers=headers(token))
    assert response.status == 200
    answer = parse_details(await response.json())
    (product,) = answer.exact
    assert product.mpn == ACTIVE_NCNR_MPN and product.has_number(number)
    reel, cut, _ = product.offers
    assert reel.stock == 0 and cut.stock == 915 and all(o.ncnr for o in product.offers)
    assert all(o.lifecycle is Lifecycle.ACTIVE for o in product.offers)


async def test_an_mpn_with_a_slash_by_its_digikey_number(client: TestClient):
    mpn = "MCP2551-I/SN"
    number = exact_products(mpn)[0].variations[0].number
    token = await app_token(client)
    response = await client.get(details_path(number), headers=headers(token))
    assert response.status == 200
    assert (await response.json())["Product"]["ManufacturerProductNumber"] == mpn


async def test_unknown_numbers_are_404_problem_details(client: TestClient):
    token = await app_token(client)
    response = await client.get(details_path("999-NOTFOUND-ND"), headers=headers(token))
    assert response.status == 404
    body = await response.json()
    assert body["title"] == "Not Found" and body["status"] == 404 and "correlationId" in body


async def test_a_real_digikey_number_from_a_users_cart_is_answered_under_a_made_up_mpn(client: TestClient):
    """The sandbox cannot know what a real number (1572-1715-ND) is; DigiKey would answer it, so the
    sandbox does too, under an MPN that says it is made up, the number on one of its packagings."""
    token = await app_token(client)
    answered = {}
    for serial in range(1700, 1712):
        number = f"1572-{serial}-ND"
        response = await client.get(details_path(number), headers=headers(token))
        if response.status == 200:
            answered[number] = (await response.json())["Product"]
    assert 8 <= len(answered) <= 12  # found as often as any MPN (the unlucky twelfth are 404)
    number, product = next(iter(answered.items()))
    assert product["ManufacturerProductNumber"] == "SANDBOX-" + number.removesuffix("-ND")
    assert number in [v["DigiKeyProductNumber"] for v in product["ProductVariations"]]
    again = await client.get(details_path(number), headers=headers(token))
    assert (await again.json())["Product"] == product  # the same answer every time


async def test_the_traps(client: TestClient):
    token = await app_token(client)
    market = (await keyword(client, token, MARKETPLACE_ONLY_MPN))["ExactMatches"][0]
    assert market["QuantityAvailable"] == 21836970 and market["ManufacturerLeadWeeks"] is None
    bulk = [v for v in market["ProductVariations"] if v["MarketPlace"]]
    assert [(v["QuantityAvailableforPackageType"], v["MinimumOrderQuantity"], v["MaxQuantityForDistribution"])
            for v in bulk] == [(21836970, 11539, 0)]
    own = [v for v in market["ProductVariations"] if not v["MarketPlace"]]
    assert own and all(v["QuantityAvailableforPackageType"] == 0 for v in own)
    obsolete = (await keyword(client, token, OBSOLETE_MPN))["ExactMatches"][0]
    assert obsolete["ProductStatus"] == {"Id": 1, "Status": "Obsolete"} and obsolete["Ncnr"] is True
    moq0 = [v for v in obsolete["ProductVariations"] if v["MinimumOrderQuantity"] == 0]
    assert len(moq0) == 2 and all(v["StandardPricing"] == [] for v in moq0)
    several = (await keyword(client, token, MULTI_MAKER_MPN))["ExactMatches"]
    makers = {p["Manufacturer"]["Name"] for p in several}
    assert len(makers) == 4
    ncnr = (await keyword(client, token, ACTIVE_NCNR_MPN))["ExactMatches"][0]
    assert ncnr["Ncnr"] is True and ncnr["ProductStatus"]["Status"] == "Active"


async def test_generic_numbers_of_several_makers_are_several_exact_matches(client: TestClient):
    token = await app_token(client)
    body = await keyword(client, token, "lm358")
    makers = [p["Manufacturer"]["Name"] for p in body["ExactMatches"]]
    assert makers == ["Texas Instruments", "STMicroelectronics", "onsemi"]
    assert body["ProductsCount"] >= 3


async def test_not_found_is_no_exact_match(client: TestClient):
    token = await app_token(client)
    body = await keyword(client, token, catalog.NOT_FOUND_MPN)
    assert body["ExactMatches"] == [] and body["ProductsCount"] == 0


async def test_locale_falls_back_to_the_sites_currency_and_converts(client: TestClient):
    token = await app_token(client)
    usd = (await keyword(client, token, DIGI_REEL_MPN))["ExactMatches"][0]
    eur_body = await keyword(client, token, DIGI_REEL_MPN, **{"X-DIGIKEY-Locale-Site": "DE",
                                                              "X-DIGIKEY-Locale-Currency": "EUR"})
    assert eur_body["SearchLocaleUsed"] == {"Site": "de", "Language": "en", "Currency": "EUR"}
    usd_price = usd["ProductVariations"][1]["StandardPricing"][0]["UnitPrice"]
    eur_price = eur_body["ExactMatches"][0]["ProductVariations"][1]["StandardPricing"][0]["UnitPrice"]
    assert Decimal(str(eur_price)) == (Decimal(str(usd_price)) * Decimal("0.92")).quantize(Decimal("0.0001"))
    fallback = await keyword(client, token, DIGI_REEL_MPN, **{"X-DIGIKEY-Locale-Currency": "EUR"})
    assert fallback["SearchLocaleUsed"]["Currency"] == "USD"  # the US site sells in USD only


async def test_the_account_header_is_optional_and_brings_my_pricing(client: TestClient):
    token = await app_token(client)
    plain = await (await client.get(details_path(DIGI_REEL_MPN), headers=headers(token))).json()
    assert all(v["MyPricing"] == [] for v in plain["Product"]["ProductVariations"])
    mine = await (await client.get(details_path(DIGI_REEL_MPN),
                                   headers=headers(token, **{"X-DIGIKEY-Account-Id": "1234567"}))).json()
    cut = mine["Product"]["ProductVariations"][1]
    assert mine["AccountIdUsed"] == 1234567
    assert cut["MyPricing"][0]["UnitPrice"] < cut["StandardPricing"][0]["UnitPrice"]


async def test_refusals_client_id_token_and_quota():
    clock = FakeClock()
    config = SandboxConfig(clock=clock, digikey_catalog_quota=2, digikey_app_token_lifetime=60)
    client = TestClient(TestServer(make_app(config)))
    await client.start_server()
    try:
        token = await app_token(client, 60)
        wrong_id = {"Authorization": f"Bearer {token}", "X-DIGIKEY-Client-Id": "nope"}
        bad_client = await client.post(KEYWORD, json={"Keywords": "X"}, headers=wrong_id)
        assert bad_client.status == 401 and (await bad_client.json())["ErrorMessage"] == "Invalid Client-Id"
        invalid = await client.post(KEYWORD, json={"Keywords": "X"}, headers=headers("forged"))
        assert (await invalid.json())["ErrorMessage"] == "Bearer token is invalid"
        first = await client.post(KEYWORD, json={"Keywords": "X"}, headers=headers(token))
        assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
        clock.now += 61
        expired = await client.post(KEYWORD, json={"Keywords": "X"}, headers=headers(token))
        assert expired.status == 401 and (await expired.json())["ErrorMessage"] == "Bearer token is expired"
        token = await app_token(client, 60)
        await client.post(KEYWORD, json={"Keywords": "X"}, headers=headers(token))
        spent = await client.post(KEYWORD, json={"Keywords": "X"}, headers=headers(token))
        # the daily 429 names itself and says when the quota comes back (midnight US Central)
        assert spent.status == 429 and (await spent.json())["ErrorMessage"] == "Daily ratelimit exceeded"
        assert 0 < int(spent.headers["Retry-After"]) <= 24 * 3600
        assert spent.headers["X-RateLimit-Remaining"] == "0"
        # Supply Chain's quota is its own: untouched
        stats = await (await client.get(STATS_PATH)).json()
        assert stats["digikey_catalog"] == 6 and stats["digikey"] == 0 and stats["digikey_oauth"] == 2
    finally:
        await client.close()


async def test_a_keyword_body_without_keywords_is_a_400(client: TestClient):
    token = await app_token(client)
    response = await client.post(KEYWORD, json={"Limit": 5}, headers=headers(token))
    assert response.status == 400 and (await response.json())["status"] == 400


# --------------------------------------------------------------------------- the client on the sandbox


async def test_the_client_on_the_sandbox_one_call_per_distinct_part():
    async with running_sandbox() as url, aiohttp.ClientSession() as session:
        transport = quick_transport(session)
        tokens = AppTokens(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET)
        source = DigiKeyCatalogSource(url, SANDBOX_DIGIKEY_CLIENT_ID, tokens)
        ncnr_number = exact_products(ACTIVE_NCNR_MPN)[0].variations[1].number
        queries = [
            Query(mpn=DIGI_REEL_MPN), Query(mpn=DIGI_REEL_MPN.lower(), manufacturer="Diodes Incorporated"),
            Query(mpn=MARKETPLACE_ONLY_MPN), Query(mpn=OBSOLETE_MPN),
            Query(mpn=MULTI_MAKER_MPN), Query(mpn=MULTI_MAKER_MPN, manufacturer="Vishay"),
            Query(mpn=None, digikey_pn=ncnr_number), Query(mpn=None, digikey_pn=ncnr_number.lower()),
            Query(mpn=catalog.NOT_FOUND_MPN), Query(mpn=None, digikey_pn="999-NOTFOUND-ND"),
        ]
        lookups = {}
        for batch in source.batches(queries):
            lookups.update(await source.fetch(transport, batch))
        async with session.get(url + STATS_PATH) as response:
            stats = await response.json()
    # 5 distinct MPNs by keyword, 2 distinct DigiKey numbers by productdetails, 1 token
    assert stats["digikey_catalog"] == 7 and stats["digikey_oauth"] == 1 and tokens.requests == 1
    digi = lookups[queries[0]]
    assert digi.status is LookupStatus.FOUND and own_stock(digi) == 5409
    kinds = {o.packaging_kind: o for o in digi.offers}
    assert kinds[Packaging.DIGI_REEL].fees == Decimal("7")
    market = lookups[queries[2]]
    assert own_stock(market) == 0 and any(o.marketplace and o.stock == 21836970 for o in market.offers)
    obsolete = lookups[queries[3]]
    assert sum(o.availability == NOT_ORDERABLE for o in obsolete.offers) == 2
    assert lookups[queries[4]].status is LookupStatus.AMBIGUOUS
    assert lookups[queries[5]].status is LookupStatus.FOUND
    by_number = lookups[queries[6]]
    assert by_number.status is LookupStatus.FOUND and by_number.offers[0].mpn == ACTIVE_NCNR_MPN
    assert "from DigiKey number" in by_number.message
    assert lookups[queries[8]].status is LookupStatus.NOT_FOUND
    assert lookups[queries[9]].status is LookupStatus.NOT_FOUND


async def test_the_client_renews_an_expired_token_once_on_the_sandbox():
    clock = FakeClock()
    async with running_sandbox(SandboxConfig(clock=clock)) as url, aiohttp.ClientSession() as session:
        transport = quick_transport(session)
        # the client's clock stands still: only the server sees the token expire
        tokens = AppTokens(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET, now=lambda: 0.0)
        source = DigiKeyCatalogSource(url, SANDBOX_DIGIKEY_CLIENT_ID, tokens)
        await source.fetch(transport, [Query(mpn=DIGI_REEL_MPN)])
        clock.now += 600
        lookups = await source.fetch(transport, [Query(mpn=ACTIVE_NCNR_MPN)])
    assert next(iter(lookups.values())).status is LookupStatus.FOUND and tokens.requests == 2


async def test_wrong_credentials_on_the_sandbox_stop_the_source():
    async with running_sandbox() as url, aiohttp.ClientSession() as session:
        tokens = AppTokens(url, SANDBOX_DIGIKEY_CLIENT_ID, "wrong-secret")
        source = DigiKeyCatalogSource(url, SANDBOX_DIGIKEY_CLIENT_ID, tokens)
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch(quick_transport(session), [Query(mpn=DIGI_REEL_MPN)])
    assert "client id or secret" in str(caught.value) and "wrong-secret" not in str(caught.value)


def test_every_digikey_number_of_the_demo_parts_finds_its_product_again():
    from bomcheck.sandbox.digikey_products import by_number

    for mpn in (*catalog.DEMO_MPNS, *catalog.SECOND_SOURCES, MARKETPLACE_ONLY_MPN, OBSOLETE_MPN,
                MULTI_MAKER_MPN, ACTIVE_NCNR_MPN, DIGI_REEL_MPN):
        for product in exact_products(mpn):
            for variation in product.variations:
                found = by_number(variation.number.lower())
                assert found is not None and (found.mpn, found.maker) == (product.mpn, product.maker), \
                    variation.number
    for mpn in catalog.BONDED_DEMO_MPNS:  # the bonded demo's numbers name the same parts here
        found = by_number(catalog.digikey_pn(mpn))
        assert found is not None and found.mpn == mpn
    assert exact_products("lm358") == exact_products(" LM358 ")  # the same answer every time
