"""No secret (Arrow apikey, DigiKey client secret, access or refresh token) leaks on any error path."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource
from bomcheck.distributors.digikey import DigiKeyBondedSource
from bomcheck.distributors.digikey_auth import OAuthTokenProvider
from bomcheck.distributors.token_store import MemoryTokenStore, Tokens
from bomcheck.lookups.fanout import SourceRun, gather_lookups
from bomcheck.model import Query
from tests.conftest import quick_transport

API_KEY = "ArrowKey+/=Secret42"
CLIENT_SECRET = "dk-Client-Secret-77"
ACCESS = "AccessTokenZZZ111"
REFRESH = "RefreshTokenYYY222"
NEW_ACCESS = "NewAccessTokenXXX333"
NEW_REFRESH = "NewRefreshTokenWWW444"
SECRETS = (API_KEY, CLIENT_SECRET, ACCESS, REFRESH, NEW_ACCESS, NEW_REFRESH)
ARROW = "https://arrow.test"
DK = "https://digikey.test"
SEARCH = re.compile(r"^https://arrow\.test/itemservice/v3/en/search/token.*$")
PRODUCTS = f"{DK}/SupplyChain/v1/BondedQuantity/Locations/42/Products"
TOKEN = f"{DK}/v1/oauth2/token"


def _arrow_error(message: str) -> dict[str, Any]:
    return {"itemserviceresult": {"transactionArea": [
        {"response": {"returnCode": "401", "returnMsg": message, "success": False}}]}}


ECHO = f"bad key {API_KEY} for login me, url apikey={API_KEY}"
ARROW_FAULTS: dict[str, dict[str, Any]] = {
    "200 success false echoing the key": {"payload": _arrow_error(ECHO)},
    "401": {"status": 401, "body": ECHO},
    "403": {"status": 403, "body": ECHO},
    "429 without retry-after": {"status": 429, "body": ECHO},
    "500": {"status": 500, "body": ECHO},
    "418 with the key in the body": {"status": 418, "body": ECHO},
    "html": {"status": 200, "body": f"<html>{ECHO}</html>", "content_type": "text/html"},
    "connection refused": {"exception": aiohttp.ClientConnectionError(f"cannot reach apikey={API_KEY}")},
    "timeout": {"exception": asyncio.TimeoutError()},
}

TOKEN_ECHO = f"{ACCESS} {REFRESH} {CLIENT_SECRET} {NEW_ACCESS} {NEW_REFRESH}"
EXPIRED = {"status": 401, "payload": {"ErrorMessage": "Bearer token is expired", "ErrorDetails": TOKEN_ECHO}}
REFRESHED = {"payload": {"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH, "expires_in": 1800}}
DIGIKEY_FAULTS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "401 invalid client": [("GET", PRODUCTS, {"status": 401, "payload": {
        "ErrorMessage": "Invalid Client-Id", "ErrorDetails": TOKEN_ECHO}})],
    "403 problem details": [("GET", PRODUCTS, {"status": 403, "payload": {
        "title": "Forbidden", "detail": TOKEN_ECHO, "status": 403}})],
    "429 quota": [("GET", PRODUCTS, {"status": 429, "body": TOKEN_ECHO})],
    "500": [("GET", PRODUCTS, {"status": 500, "body": TOKEN_ECHO})] * 3,
    "html": [("GET", PRODUCTS, {"status": 200, "body": f"<html>{TOKEN_ECHO}", "content_type": "text/html"})],
    # a local exception can only hold what this request carried: the bearer token
    "connection refused": [("GET", PRODUCTS, {"exception": aiohttp.ClientConnectionError(
        f"Authorization: Bearer {ACCESS} {CLIENT_SECRET}")})] * 3,
    "expired then invalid_grant echoing tokens": [
        ("GET", PRODUCTS, EXPIRED),
        ("POST", TOKEN, {"status": 400,
                         "payload": {"error": "invalid_grant", "error_description": TOKEN_ECHO}}),
    ],
    "expired then token endpoint 500": [
        ("GET", PRODUCTS, EXPIRED), ("POST", TOKEN, {"status": 500, "body": TOKEN_ECHO})],
    "expired then refreshed then expired again": [
        ("GET", PRODUCTS, EXPIRED), ("POST", TOKEN, REFRESHED), ("GET", PRODUCTS, EXPIRED)],
    "expired then refreshed then 400 validation": [
        ("GET", PRODUCTS, EXPIRED), ("POST", TOKEN, REFRESHED),
        ("GET", PRODUCTS, {"status": 400, "payload": {"ErrorMessage": "Bad", "ValidationErrors": [
            {"Field": "partNumber", "Message": TOKEN_ECHO}]}})],
}


def _assert_clean(*texts: str, secrets: tuple[str, ...] = SECRETS) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text


async def _run(source: Any, queries: list[Query], caplog: pytest.LogCaptureFixture,
               transport_secrets: tuple[str, ...]) -> list[str]:
    async with aiohttp.ClientSession() as session:
        transport = quick_transport(session, secrets=transport_secrets)
        with caplog.at_level(logging.DEBUG):
            result = await gather_lookups([SourceRun(source, transport)], queries)
    texts = [status.message for status in result.sources]
    for per_source in result.lookups.values():
        for lookup in per_source.values():
            texts += [lookup.message, repr(lookup)]
    return texts


@pytest.mark.parametrize("fault", ARROW_FAULTS)
async def test_arrow_key_never_leaks(fault: str, caplog: pytest.LogCaptureFixture) -> None:
    source = ArrowSource(ARROW, ArrowCredentials("me", API_KEY))
    with aioresponses() as mocked:
        for _ in range(4):
            mocked.get(SEARCH, **ARROW_FAULTS[fault])
        texts = await _run(source, [Query("LM358")], caplog, source.secrets)
    assert any(texts)  # the failure is reported...
    _assert_clean(caplog.text, repr(source), *texts)  # ...without the key


@pytest.mark.parametrize("fault", DIGIKEY_FAULTS)
async def test_digikey_secrets_never_leak(fault: str, caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryTokenStore(Tokens(ACCESS, REFRESH, 4_000_000_000.0))
    provider = OAuthTokenProvider(DK, "client-id", CLIENT_SECRET, store)
    source = DigiKeyBondedSource(DK, "client-id", "42", provider)
    with aioresponses() as mocked:
        for method, url, answer in DIGIKEY_FAULTS[fault]:
            mocked.add(url, method, **answer)
        texts = await _run(source, [Query("LM358")], caplog, (CLIENT_SECRET,))
    assert any(texts)
    # the server echoes every token; those this process never received are not its to hide
    held = SECRETS if "refreshed" in fault else (CLIENT_SECRET, ACCESS, REFRESH)
    _assert_clean(caplog.text, repr(source), repr(provider), repr(store), *texts, secrets=held)
