"""A DigiKey login's life: a refused refresh in DigiKey's own error shape, and the refresh token's 90 days."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.digikey_auth import (
    INTERRUPTED_REFRESH,
    LoginExpired,
    OAuthTokenProvider,
    exchange_code,
    refresh_tokens,
)
from bomcheck.distributors.http import Transport
from bomcheck.distributors.token_store import FileTokenStore, MemoryTokenStore, Tokens
from bomcheck.errors import AuthError
from tests.conftest import quick_transport

BASE = "https://digikey.test"
TOKEN_URL = f"{BASE}/v1/oauth2/token"
CLIENT_ID = "client-id-123"
CLIENT_SECRET = "client-SECRET-456"
REFRESH = "RT-very-SECRET-0001"
NOW = 1_700_000_000.0
DAY = 86400.0


def clock() -> float:
    return NOW


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2)


def api_error(status: int, message: str, details: str) -> dict[str, object]:
    """DigiKey's ApiErrorResponse (digikey.md, "Error bodies"), as its token endpoint may send it."""
    return {"ErrorResponseVersion": "3.0.0.0", "StatusCode": status, "ErrorMessage": message,
            "ErrorDetails": details, "RequestId": "rq-77", "ValidationErrors": []}


@pytest.mark.parametrize(("status", "message", "details"), [
    (400, "Bad Request", "The refresh token provided is not valid"),
    (401, "Unauthorized", "Token has been revoked"),
    (400, "", ""),
])
async def test_any_refused_refresh_in_digikeys_shape_is_a_dead_login(
        transport: Transport, status: int, message: str, details: str) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=status, payload=api_error(status, message, details),
                    headers={"X-DIGIKEY-REQUEST-ID": "rq-77"})
        with pytest.raises(LoginExpired) as info:
            await refresh_tokens(transport, BASE, CLIENT_ID, CLIENT_SECRET, REFRESH, now=clock)
    said = str(info.value)
    assert said.startswith("DigiKey login expired or revoked (DigiKey: ")
    assert said.endswith("run `bomcheck auth digikey` to log in again")
    assert "request id rq-77" in said
    assert all(word in said for word in (message, details))
    assert REFRESH not in said and CLIENT_SECRET not in said


async def test_a_refused_refresh_that_is_a_bad_client_secret_says_so(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=401, payload={"error": "invalid_client",
                                                    "error_description": "Client authentication failed"})
        with pytest.raises(AuthError) as info:
            await refresh_tokens(transport, BASE, CLIENT_ID, CLIENT_SECRET, REFRESH, now=clock)
    assert not isinstance(info.value, LoginExpired) and "client id or secret" in str(info.value)


async def test_a_refused_code_in_digikeys_shape_is_not_a_dead_login(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, payload=api_error(400, "Bad Request", "redirect_uri mismatch"))
        with pytest.raises(AuthError) as info:
            await exchange_code(transport, BASE, CLIENT_ID, CLIENT_SECRET, "code-1", "https://localhost",
                                now=clock)
    assert "redirect_uri mismatch" in str(info.value) and not isinstance(info.value, LoginExpired)


async def test_an_interrupted_refresh_refused_in_digikeys_shape_says_it_was_interrupted(
        transport: Transport) -> None:
    stored = Tokens("AT-1", REFRESH, NOW - 10, refresh_started_at=NOW - 3600)
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, MemoryTokenStore(stored), now=clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, payload=api_error(400, "Bad Request", "Invalid refresh token"))
        with pytest.raises(AuthError) as info:
            await provider.access_token(transport)
    assert str(info.value) == INTERRUPTED_REFRESH


def test_the_file_store_keeps_when_the_refresh_token_dies(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(Tokens("AT", "RT", NOW + 1800, refresh_expires_at=NOW + 90 * DAY))
    assert store.load() == Tokens("AT", "RT", NOW + 1800, refresh_expires_at=NOW + 90 * DAY)
    store.save(Tokens("AT", "RT", NOW + 1800))
    assert store.load() == Tokens("AT", "RT", NOW + 1800)  # not said: unknown, never assumed


@pytest.mark.parametrize(("left", "warned"), [
    (3.5 * DAY, "ends in 3 days"), (0.5 * DAY, "ends in 0 days"), (-DAY, "ends now"),
    (8 * DAY, None), (None, None),
])
async def test_check_warns_once_when_the_login_has_under_a_week_left(
        transport: Transport, caplog: pytest.LogCaptureFixture, left: float | None,
        warned: str | None) -> None:
    ends = NOW + left if left is not None else None
    store = MemoryTokenStore(Tokens("AT-1", REFRESH, NOW + 1800, refresh_expires_at=ends))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    with caplog.at_level(logging.WARNING, logger="bomcheck"):
        assert await provider.access_token(transport) == "AT-1"
        assert await provider.access_token(transport) == "AT-1"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if warned is None:
        assert warnings == []
    else:
        (warning,) = warnings
        assert f"the DigiKey login {warned}" in warning and "run `bomcheck auth digikey`" in warning


async def test_a_refresh_that_renews_the_90_days_says_nothing(transport: Transport,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryTokenStore(Tokens("AT-1", REFRESH, NOW - 5, refresh_expires_at=NOW + 2 * DAY))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    with caplog.at_level(logging.WARNING, logger="bomcheck"), aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload={"access_token": "AT-2", "refresh_token": "RT-2", "expires_in": 1799,
                                        "refresh_token_expires_in": 7775999, "token_type": "Bearer"})
        assert await provider.access_token(transport) == "AT-2"
    assert store.tokens is not None and store.tokens.refresh_expires_at == NOW + 7775999
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


async def test_opening_the_bonded_source_warns_from_the_stored_login_without_a_request(
        caplog: pytest.LogCaptureFixture) -> None:
    # A `check` answered from the cache fetches no token: the warning comes when the source is
    # opened, from the stored refresh expiry (3 days left), once for the run, with no request sent.
    import time

    from bomcheck.config import config_dir, load_settings
    from bomcheck.distributors.token_store import token_store_path
    from bomcheck.runtime import DIGIKEY_BONDED, open_sources, token_environment

    env = {"BOMCHECK_DIGIKEY_CLIENT_ID": CLIENT_ID, "BOMCHECK_DIGIKEY_CLIENT_SECRET": CLIENT_SECRET,
           "BOMCHECK_DIGIKEY_ACCOUNT_ID": "123456", "BOMCHECK_DIGIKEY_URL": BASE}
    settings = load_settings(env=env)
    now = time.time()
    FileTokenStore(token_store_path(config_dir(), token_environment(settings))).save(
        Tokens("AT-1", REFRESH, now + 1800, refresh_expires_at=now + 3.5 * DAY))
    with aioresponses() as mocked, caplog.at_level(logging.WARNING, logger="bomcheck"):
        async with open_sources(settings) as (runs, _):
            (bonded,) = [run for run in runs if run.source.name == DIGIKEY_BONDED.name]
            assert [r.getMessage() for r in caplog.records if "DigiKey login ends" in r.getMessage()]
            # the first token of the run says it no more
            assert await bonded.source.tokens.access_token(bonded.transport) == "AT-1"  # type: ignore[attr-defined]
        assert mocked.requests == {}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    (warning,) = [w for w in warnings if "DigiKey login" in w]
    assert "the DigiKey login ends in 3 days" in warning and "run `bomcheck auth digikey`" in warning
