"""The sandbox over HTTP: Arrow's shapes and errors, DigiKey's OAuth and Supply Chain, limits, stats."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bomcheck.errors import ConfigError
from bomcheck.sandbox import (
    SANDBOX_ARROW_API_KEY,
    SANDBOX_ARROW_LOGIN,
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
    catalog,
)
from bomcheck.sandbox.arrow_api import parse_request
from bomcheck.sandbox.server import SandboxConfig, make_app, running_sandbox, serve_forever
from tests.conftest import FakeClock

ARROW_V3 = "/itemservice/v3/en/search/token"
ARROW_V4 = "/itemservice/v4/en/search/token"
SUPPLY = "/SupplyChain/v1/BondedQuantity"
ACCOUNT = f"{SUPPLY}/Locations/{SANDBOX_DIGIKEY_ACCOUNT_ID}"
PRODUCT_FIELDS = {
    "DigiKeyPartNumber": str, "ManufacturerPartNumber": str, "CustomerPartNumber": str,
    "ProductDescription": str, "Manufacturer": str, "UnitPrice": float, "PackType": str,
    "CountryOfOrigin": str, "ReserveQuantity": int, "BackOrderReserveQuantity": int,
    "VendorLeadWeeks": str, "CustomerId": int, "NcnrQuantity": int, "NcnrDateSigned": str,
    "MinimumReleaseQuantityOverride": bool, "MinimumQuantityThreshold": int, "NonCancelable": bool,
    "StandardPackage": int,
}
API_ERROR_FIELDS = {"ErrorResponseVersion", "StatusCode", "ErrorMessage", "ErrorDetails", "RequestId",
                    "ValidationErrors"}


async def _client(config: SandboxConfig | None = None) -> TestClient:
    client = TestClient(TestServer(make_app(config)))
    await client.start_server()
    return client


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    test_client = await _client()
    yield test_client
    await test_client.close()


def _arrow_params(token: str, **extra: str) -> dict[str, str]:
    return {"login": SANDBOX_ARROW_LOGIN, "apikey": SANDBOX_ARROW_API_KEY, "search_token": token, **extra}


async def _arrow(client: TestClient, token: str, path: str = ARROW_V3, **extra: str) -> dict:
    response = await client.get(path, params=_arrow_params(token, **extra))
    assert response.status == 200
    return await response.json()


def _transaction(body: dict) -> dict:
    return body["itemserviceresult"]["transactionArea"][0]


def _part_list(body: dict) -> list[dict]:
    return body["itemserviceresult"]["data"][0]["PartList"]


# --------------------------------------------------------------------------- Arrow


async def test_arrow_v3_answer_has_the_seed_layout(client):
    body = await _arrow(client, "BAV99")
    result = body["itemserviceresult"]
    assert result["serviceMetaData"] == [{"version": "3.0.2"}]
    transaction = _transaction(body)
    assert transaction["response"] == {"returnCode": "0", "returnMsg": "", "success": True}
    sequence = transaction["responseSequence"]
    assert sequence["totalItems"] == len(catalog.search("BAV99"))
    assert sequence["transactionTime"].endswith(" ms") and sequence["resources"] == []
    data = result["data"][0]
    assert data["resources"] == [{"type": "search", "uri": "https://www.arrow.com/en/products/search?q=bav99"}]
    parts = data["PartList"]
    assert [p["partNum"] for p in parts] == [p.part_num for p in catalog.search("BAV99")]
    for part in parts:
        expected = catalog.lookup(part["partNum"])
        assert part["itemId"] == expected.item_id and isinstance(part["itemId"], int)
        assert part["manufacturer"] == {"mfrCd": expected.mfr_cd, "mfrName": expected.mfr_name}
        assert part["desc"] == expected.description and part["status"] == expected.status
        assert part["status"] in ("Active", "NRND", "Obsolete", "")
        assert all(r["uri"].startswith("https://") for r in part["resources"])
        assert "cloud_part_detail" in {r["type"] for r in part["resources"]}
        assert {c["displayLabel"] for c in part["EnvData"]["compliance"]} <= {"eurohs", "cnrohs"}
        assert "webSites" not in part["InvOrg"]
        sources = part["InvOrg"]["sources"]
        assert [s["sourceCd"] for s in sources] == [s.source_cd for s in expected.sources]
        for source in sources:
            assert source["currency"] == "USD" and source["displayName"]
            for source_part in source["sourceParts"]:
                assert {"packSize", "minimumOrderQuantity", "sourcePartNumber", "sourcePartId",
                        "Availability", "customerSpecificPricing", "customerSpecificInventory",
                        "dateCode", "resources", "inStock", "mfrLeadTime", "isNcnr", "isNpi", "isASA",
                        "requestQuantity", "productCode", "iccLevels", "cloudMfrCode", "eccnCode",
                        "htsCode", "locationId", "containerType"} <= source_part.keys()
                assert isinstance(source_part["sourcePartId"], str)
                availability = source_part["Availability"][0]
                assert {"fohQty", "availabilityCd", "availabilityMessage", "pipeline"} <= availability.keys()
                assert ("shipsFrom" in source_part) == (source["sourceCd"] != "VERICAL")


async def test_arrow_v4_groups_sources_by_web_site_like_the_real_samples(client):
    body = await _arrow(client, "STM32F103C8T6", ARROW_V4)
    assert body["itemserviceresult"]["serviceMetaData"] == [{"version": "4.0.0"}]
    part = next(p for p in _part_list(body) if p["partNum"] == "STM32F103C8T6")
    assert "sources" not in part["InvOrg"]
    sites = {site["code"]: site for site in part["InvOrg"]["webSites"]}
    assert set(sites) == {"Verical.com", "arrow.com"}  # this part is listed by ACNA, EUROPE, VERICAL
    assert [s["sourceCd"] for s in sites["Verical.com"]["sources"]] == ["VERICAL"]
    assert {s["sourceCd"] for s in sites["arrow.com"]["sources"]} == {"ACNA", "EUROPE"}
    source_part = sites["arrow.com"]["sources"][0]["sourceParts"][0]
    assert {"tariffFlag", "arrowLeadTime", "productCode"} <= source_part.keys()
    assert not {"isASA", "locationId", "sourcePartNumber", "iccLevels"} & source_part.keys()
    assert source_part["productCode"] == "STM32F103C8T6"


async def test_arrow_prices_are_numbers_with_matching_display_strings_and_quotes_have_none(client):
    body = await _arrow(client, catalog.ZERO_STOCK_MPN, ARROW_V4)
    part = next(p for p in _part_list(body) if p["partNum"] == catalog.ZERO_STOCK_MPN)
    expected = catalog.lookup(catalog.ZERO_STOCK_MPN)
    offers = {sp.sku: sp for s in expected.sources for sp in s.parts}
    seen_quote = False
    for site in part["InvOrg"]["webSites"]:
        for source in site["sources"]:
            for source_part in source["sourceParts"]:
                offer = offers[source_part["sourcePartId"]]
                assert source_part["Availability"][0]["fohQty"] == 0 and not source_part["inStock"]
                if not offer.breaks:
                    seen_quote = True
                    assert "Prices" not in source_part
                    assert source_part["Availability"][0]["availabilityCd"] == "QUOTE"
                    continue
                tiers = source_part["Prices"]["resaleList"]
                assert [t["minQty"] for t in tiers] == [b.min_qty for b in offer.breaks]
                for tier, price_break in zip(tiers, offer.breaks, strict=True):
                    assert isinstance(tier["price"], float)
                    assert Decimal(tier["displayPrice"]) == price_break.price
                    assert Decimal(str(tier["price"])) == price_break.price
                assert tiers[-1]["maxQty"] in (99999999, 999999999)
    assert seen_quote


async def test_arrow_pages_with_rows_and_a_zero_based_start(client):
    everything = [p["partNum"] for p in _part_list(await _arrow(client, "BAV99", rows="25"))]
    assert len(everything) >= 4
    pages = []
    for start in range(0, len(everything), 2):
        body = await _arrow(client, "BAV99", rows="2", start=str(start))
        assert _transaction(body)["responseSequence"]["totalItems"] == len(everything)
        pages += [p["partNum"] for p in _part_list(body)]
    assert pages == everything
    beyond = await _arrow(client, "BAV99", start="100")
    assert _part_list(beyond) == []
    assert _transaction(beyond)["responseSequence"]["totalItems"] == len(everything)
    default = await _arrow(client, "BAV99")  # default rows is 10
    assert [p["partNum"] for p in _part_list(default)] == everything[:10]


def test_rows_are_clamped_to_arrows_limits():
    assert parse_request(_arrow_params("X", rows="500")).rows == 25
    assert parse_request(_arrow_params("X", rows="0")).rows == 1
    assert parse_request(_arrow_params("X")).rows == 10
    assert parse_request(_arrow_params("X", start="-3")).start == 0


async def test_arrow_filters_on_manufacturer_code_and_converts_currency(client):
    diodes = await _arrow(client, "BAV99", mfrCd="diodes")
    assert _part_list(diodes) and all(p["manufacturer"]["mfrCd"] == "DIODES" for p in _part_list(diodes))
    other = await _arrow(client, "BAV99", mfrCd="TI")
    assert _part_list(other) == [] and _transaction(other)["responseSequence"]["totalItems"] == 0
    euro = await _arrow(client, "LM358DR", utm_currency="EUR")
    sources = _part_list(euro)[0]["InvOrg"]["sources"]
    assert {s["currency"] for s in sources} == {"EUR"}
    first = next(sp for s in sources for sp in s["sourceParts"] if "Prices" in sp)
    usd = next(sp.breaks[0].price for s in catalog.lookup("LM358DR").sources for sp in s.parts if sp.breaks)
    assert Decimal(first["Prices"]["resaleList"][0]["displayPrice"]) == catalog.convert(usd, "EUR")


async def test_arrow_miss_is_a_success_with_an_empty_part_list(client):
    body = await _arrow(client, catalog.NOT_FOUND_MPN)
    assert _transaction(body)["response"]["success"] is True
    assert _part_list(body) == [] and _transaction(body)["responseSequence"]["totalItems"] == 0


@pytest.mark.parametrize(("params", "message_part"), [
    ({"login": SANDBOX_ARROW_LOGIN, "apikey": "wrong", "search_token": "LM358"}, "apikey"),
    ({"login": "someone", "apikey": SANDBOX_ARROW_API_KEY, "search_token": "LM358"}, "login"),
    ({"login": SANDBOX_ARROW_LOGIN, "apikey": SANDBOX_ARROW_API_KEY}, "search_token"),
    (_arrow_params("LM358", fmt="xml"), "fmt=json"),
    (_arrow_params("LM358", rows="many"), "rows"),
])
async def test_arrow_errors_come_back_as_http_200_with_success_false(client, params, message_part):
    response = await client.get(ARROW_V4, params=params)
    assert response.status == 200
    body = await response.json()
    status = _transaction(body)["response"]
    assert status["success"] is False and status["returnCode"] != "0"
    assert message_part in status["returnMsg"]
    assert "data" not in body["itemserviceresult"]


async def test_arrow_bad_credentials_and_missing_token_have_different_codes(client):
    bad_key = await (await client.get(ARROW_V3, params=_arrow_params("X", apikey="nope"))).json()
    no_token = await (await client.get(ARROW_V3, params=_arrow_params(""))).json()
    assert _transaction(bad_key)["response"]["returnCode"] == "401"
    assert _transaction(bad_key)["response"]["returnMsg"] == "Invalid login or apikey"
    assert _transaction(no_token)["response"]["returnCode"] not in ("0", "401")


async def test_arrow_rate_limit_answers_429_with_retry_after_until_the_window_moves():
    clock = FakeClock()
    client = await _client(SandboxConfig(arrow_rate=2, clock=clock))
    try:
        statuses = [(await client.get(ARROW_V3, params=_arrow_params("LM358"))).status for _ in range(2)]
        throttled = await client.get(ARROW_V3, params=_arrow_params("LM358"))
        assert statuses == [200, 200] and throttled.status == 429
        assert int(throttled.headers["Retry-After"]) >= 1
        assert _transaction(await throttled.json())["response"]["success"] is False
        clock.now += 1.0
        assert (await client.get(ARROW_V3, params=_arrow_params("LM358"))).status == 200
        stats = await (await client.get("/_sandbox/stats")).json()
        assert stats["arrow"] == 4 and stats["throttled"] == 1
    finally:
        await client.close()


async def test_arrow_rate_limit_with_the_real_clock_throttles_a_quick_burst():
    client = await _client(SandboxConfig(arrow_rate=3))
    try:
        responses = [await client.get(ARROW_V4, params=_arrow_params("NE555DR")) for _ in range(6)]
        statuses = [r.status for r in responses]
        assert statuses[:3] == [200, 200, 200] and statuses.count(429) >= 1
        assert all(r.headers["Retry-After"].isdigit() for r in responses if r.status == 429)
    finally:
        await client.close()


# --------------------------------------------------------------------------- DigiKey OAuth


async def _authorize(client: TestClient, redirect_uri: str = SANDBOX_REDIRECT_URI, state: str = "st4te"
                     ) -> str:
    response = await client.get("/v1/oauth2/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": SANDBOX_DIGIKEY_CLIENT_ID,
        "redirect_uri": redirect_uri, "state": state,
    })
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(redirect_uri + ("&" if "?" in redirect_uri else "?"))
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    return query["code"][0]


async def _token(client: TestClient, **form: str) -> aiohttp.ClientResponse:
    fields = {"client_id": SANDBOX_DIGIKEY_CLIENT_ID, "client_secret": SANDBOX_DIGIKEY_CLIENT_SECRET, **form}
    return await client.post("/v1/oauth2/token", data=fields)


async def _login(client: TestClient) -> dict:
    code = await _authorize(client)
    response = await _token(client, grant_type="authorization_code", code=code,
                            redirect_uri=SANDBOX_REDIRECT_URI)
    assert response.status == 200
    return await response.json()


def _headers(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "X-DIGIKEY-Client-Id": SANDBOX_DIGIKEY_CLIENT_ID}


async def test_code_flow_gives_bearer_tokens_that_open_the_supply_chain_api(client):
    tokens = await _login(client)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 1800
    assert tokens["access_token"] and tokens["refresh_token"]
    response = await client.get(f"{ACCOUNT}/Products", headers=_headers(tokens["access_token"]))
    assert response.status == 200


async def test_refresh_tokens_rotate_and_the_used_one_is_dead(client):
    first = await _login(client)
    refreshed = await _token(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refreshed.status == 200
    second = await refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    reused = await _token(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status == 400 and (await reused.json())["error"] == "invalid_grant"
    again = await _token(client, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert again.status == 200
    assert (await client.get(f"{ACCOUNT}/Products", headers=_headers(second["access_token"]))).status == 200


async def test_codes_are_single_use_bound_to_the_redirect_uri_and_expire_after_a_minute():
    clock = FakeClock()
    client = await _client(SandboxConfig(clock=clock))
    try:
        code = await _authorize(client)
        ok = await _token(client, grant_type="authorization_code", code=code,
                          redirect_uri=SANDBOX_REDIRECT_URI)
        assert ok.status == 200
        reused = await _token(client, grant_type="authorization_code", code=code,
                              redirect_uri=SANDBOX_REDIRECT_URI)
        assert reused.status == 400 and (await reused.json())["error"] == "invalid_grant"

        code = await _authorize(client)
        wrong_uri = await _token(client, grant_type="authorization_code", code=code,
                                 redirect_uri="https://localhost/elsewhere")
        assert wrong_uri.status == 400 and (await wrong_uri.json())["error"] == "invalid_grant"

        code = await _authorize(client)
        clock.now += 61
        late = await _token(client, grant_type="authorization_code", code=code,
                            redirect_uri=SANDBOX_REDIRECT_URI)
        assert late.status == 400 and (await late.json())["error"] == "invalid_grant"
    finally:
        await client.close()


async def test_a_local_callback_url_is_accepted_and_its_query_kept(client):
    callback = "https://127.0.0.1:8765/callback?x=1"
    response = await client.get("/v1/oauth2/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": SANDBOX_DIGIKEY_CLIENT_ID, "redirect_uri": callback})
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert (location.netloc, location.path, query["x"]) == ("127.0.0.1:8765", "/callback", ["1"])
    assert "state" not in query  # none was sent, none is echoed
    exchanged = await _token(client, grant_type="authorization_code", code=query["code"][0],
                             redirect_uri=callback)
    assert exchanged.status == 200


async def test_oauth_refuses_unknown_clients_bad_secrets_and_foreign_redirects(client):
    unknown = await client.get("/v1/oauth2/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": "stranger", "redirect_uri": SANDBOX_REDIRECT_URI})
    assert unknown.status == 400 and (await unknown.json())["error"]
    foreign = await client.get("/v1/oauth2/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": SANDBOX_DIGIKEY_CLIENT_ID,
        "redirect_uri": "https://evil.example/cb"})
    assert foreign.status == 400 and "Location" not in foreign.headers
    # DigiKey registers only https:// callbacks: a plain-http one, even on loopback, is refused
    plain = await client.get("/v1/oauth2/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": SANDBOX_DIGIKEY_CLIENT_ID,
        "redirect_uri": "http://localhost:8139/callback"})
    assert plain.status == 400 and "Location" not in plain.headers
    code = await _authorize(client)
    bad_secret = await _token(client, grant_type="authorization_code", code=code,
                              redirect_uri=SANDBOX_REDIRECT_URI, client_secret="wrong")
    assert bad_secret.status == 401 and (await bad_secret.json())["error"] == "invalid_client"
    bad_grant = await _token(client, grant_type="password")
    assert bad_grant.status == 400 and (await bad_grant.json())["error"] == "unsupported_grant_type"


async def test_http_basic_client_authentication_is_accepted(client):
    code = await _authorize(client)
    response = await client.post(
        "/v1/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": SANDBOX_REDIRECT_URI},
        auth=aiohttp.BasicAuth(SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET),
    )
    assert response.status == 200 and (await response.json())["access_token"]


# --------------------------------------------------------------------------- DigiKey Supply Chain


async def test_expired_access_token_is_refused_as_expired():
    clock = FakeClock()
    client = await _client(SandboxConfig(clock=clock, token_lifetime=10))
    try:
        tokens = await _login(client)
        assert tokens["expires_in"] == 10
        again = await client.get(f"{SUPPLY}/Products", headers=_headers(tokens["access_token"]))
        assert again.status == 200
        clock.now += 11
        response = await client.get(f"{SUPPLY}/Products", headers=_headers(tokens["access_token"]))
        assert response.status == 401
        body = await response.json()
        assert body["ErrorMessage"] == "Bearer token is expired" and set(body) == API_ERROR_FIELDS
    finally:
        await client.close()


@pytest.mark.parametrize(("headers", "message"), [
    ({"X-DIGIKEY-Client-Id": SANDBOX_DIGIKEY_CLIENT_ID}, "Bearer token is invalid"),
    ({"X-DIGIKEY-Client-Id": SANDBOX_DIGIKEY_CLIENT_ID, "Authorization": "Bearer made-up"},
     "Bearer token is invalid"),
    ({"Authorization": "Bearer made-up"}, "Invalid Client-Id"),
    ({"X-DIGIKEY-Client-Id": "someone-else", "Authorization": "Bearer made-up"}, "Invalid Client-Id"),
])
async def test_supply_chain_refuses_bad_credentials_in_api_error_shape(client, headers, message):
    response = await client.get(f"{ACCOUNT}/Products", headers=headers)
    assert response.status == 401
    body = await response.json()
    assert set(body) == API_ERROR_FIELDS
    assert body["StatusCode"] == 401 and body["ErrorMessage"] == message
    assert body["ErrorResponseVersion"] == "3.0.0" and body["ValidationErrors"] == []
    assert body["RequestId"] == response.headers["X-DIGIKEY-REQUEST-ID"]


async def test_a_foreign_account_gets_403_problem_details(client):
    tokens = await _login(client)
    for path in (f"{SUPPLY}/Locations/424242", f"{SUPPLY}/Locations/424242/Products",
                 f"{SUPPLY}/Locations/424242/Products/296-1395-1-ND"):
        response = await client.get(path, headers=_headers(tokens["access_token"]))
        assert response.status == 403
        body = await response.json(content_type=None)
        assert {"type", "title", "status", "detail", "instance", "correlationId", "errors"} == set(body)
        assert body["status"] == 403 and body["errors"] == {} and "424242" in body["detail"]


async def test_products_list_has_every_seed_field_with_the_right_types(client):
    tokens = await _login(client)
    for path in (f"{ACCOUNT}/Products", f"{SUPPLY}/Products"):
        response = await client.get(path, headers=_headers(tokens["access_token"]))
        assert response.status == 200
        products = await response.json()
        assert isinstance(products, list)
        assert [p["ManufacturerPartNumber"] for p in products] == list(catalog.BONDED_DEMO_MPNS)
        for product in products:
            assert set(product) == set(PRODUCT_FIELDS)
            for name, kind in PRODUCT_FIELDS.items():
                assert isinstance(product[name], kind), name
            assert product["DigiKeyPartNumber"].endswith("-ND")
            second = product["ManufacturerPartNumber"] in catalog.SECOND_LOCATION_MPNS
            assert product["CustomerId"] == (catalog.SECOND_LOCATION_ID if second
                                             else int(SANDBOX_DIGIKEY_ACCOUNT_ID))


async def test_one_part_by_its_url_encoded_digikey_number_or_404(client):
    tokens = await _login(client)
    number = catalog.digikey_pn("NE555DR")
    response = await client.get(f"{ACCOUNT}/Products/{quote(number, safe='')}",
                                headers=_headers(tokens["access_token"]))
    assert response.status == 200
    products = await response.json()
    assert [p["DigiKeyPartNumber"] for p in products] == [number]
    assert products[0]["MinimumQuantityThreshold"] == 100
    missing = await client.get(f"{ACCOUNT}/Products/{quote('NO/SUCH-ND', safe='')}",
                               headers=_headers(tokens["access_token"]))
    assert missing.status == 404
    body = await missing.json()
    assert set(body) == API_ERROR_FIELDS and body["StatusCode"] == 404
    assert "NO/SUCH-ND" in body["ErrorDetails"]


async def test_locations_list_the_demo_account(client):
    tokens = await _login(client)
    for path in (f"{SUPPLY}/Locations", ACCOUNT):
        response = await client.get(path, headers=_headers(tokens["access_token"]))
        assert response.status == 200
        locations = await response.json()
        assert len(locations) == 2
        location, second = locations
        assert location["CustomerId"] == int(SANDBOX_DIGIKEY_ACCOUNT_ID)
        assert location["BondedInventory"] is True and location["Currency"] == "USD"
        assert location["ShippingAddress"]["CountryCode"] == "US"
        # a second location billed in euros: the currency of its bonded lines' prices
        assert (second["CustomerId"], second["Currency"]) == (catalog.SECOND_LOCATION_ID, "EUR")


async def test_every_digikey_answer_carries_request_id_and_quota_headers(client):
    tokens = await _login(client)
    answers = [
        await client.get(f"{ACCOUNT}/Products", headers=_headers(tokens["access_token"])),
        await client.get(f"{ACCOUNT}/Products", headers=_headers(tokens["access_token"])),
        await client.get(f"{ACCOUNT}/Products"),
        await client.get(f"{SUPPLY}/NoSuchThing", headers=_headers(tokens["access_token"])),
        await _token(client, grant_type="refresh_token", refresh_token="dead"),
    ]
    ids = [answer.headers["X-DIGIKEY-REQUEST-ID"] for answer in answers]
    assert len(set(ids)) == len(ids)
    assert all(answer.headers["X-RateLimit-Limit"] == "1000" for answer in answers)
    remaining = [int(answer.headers["X-RateLimit-Remaining"]) for answer in answers]
    assert remaining[:2] == [999, 998]  # authenticated Supply Chain calls use the quota
    assert answers[3].status == 404 and set(await answers[3].json()) == API_ERROR_FIELDS


async def test_daily_quota_exhausted_is_429_with_retry_after_to_midnight_us_central():
    client = await _client(SandboxConfig(daily_quota=2))
    try:
        tokens = await _login(client)
        statuses = [(await client.get(f"{SUPPLY}/Products", headers=_headers(tokens["access_token"]))).status
                    for _ in range(2)]
        over = await client.get(f"{SUPPLY}/Products", headers=_headers(tokens["access_token"]))
        assert statuses == [200, 200] and over.status == 429
        # as DigiKey's own daily 429: Retry-After (to its reset) and its words, which alone tell it
        # from the per-minute burst
        assert 0 < int(over.headers["Retry-After"]) <= 25 * 3600
        assert over.headers["X-RateLimit-Remaining"] == "0"
        assert (await over.json())["ErrorMessage"] == "Daily Ratelimit exceeded"
    finally:
        await client.close()


async def test_digikey_burst_limit_answers_429_with_burst_headers():
    clock = FakeClock()
    client = await _client(SandboxConfig(digikey_rate=1, clock=clock))
    try:
        tokens = await _login(client)  # OAuth calls are outside the burst window
        first = await client.get(f"{SUPPLY}/Products", headers=_headers(tokens["access_token"]))
        second = await client.get(f"{SUPPLY}/Products", headers=_headers(tokens["access_token"]))
        assert first.status == 200 and second.status == 429
        assert second.headers["Retry-After"] == "1"
        assert second.headers["X-BurstLimit-Limit"] == "1"
        assert second.headers["X-BurstLimit-Remaining"] == "0"
        assert int(second.headers["X-BurstLimit-Reset"]) >= 1
        clock.now += 1
        again = await client.get(f"{SUPPLY}/Products", headers=_headers(tokens["access_token"]))
        assert again.status == 200
        stats = await (await client.get("/_sandbox/stats")).json()
        assert stats == {"arrow": 0, "digikey": 3, "digikey_oauth": 2, "digikey_catalog": 0, "throttled": 1,
                         "faults": {}, "mouser": 0}
    finally:
        await client.close()


# --------------------------------------------------------------------------- server


async def test_stats_count_requests_per_api(client):
    await _arrow(client, "LM358")
    await _arrow(client, "NE555DR", ARROW_V4)
    await client.get(f"{SUPPLY}/Products")
    stats = await (await client.get("/_sandbox/stats")).json()
    assert stats == {"arrow": 2, "digikey": 1, "digikey_oauth": 0, "digikey_catalog": 0, "throttled": 0,
                     "faults": {}, "mouser": 0}


async def test_latency_is_added_to_every_answer():
    client = await _client(SandboxConfig(latency=0.15))
    try:
        started = time.perf_counter()
        await _arrow(client, "LM358")
        assert time.perf_counter() - started >= 0.15
    finally:
        await client.close()


async def test_running_sandbox_serves_on_real_loopback_and_stops_on_exit():
    async with running_sandbox() as url:
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as session, \
                session.get(f"{url}{ARROW_V3}", params=_arrow_params("LM358DR")) as response:
            body = await response.json()
        assert _part_list(body)[0]["partNum"] == "LM358DR"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"{url}/_sandbox/stats")


def test_serve_forever_says_so_when_the_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=str(port)):
            serve_forever("127.0.0.1", port, SandboxConfig())
