"""Tests of DigiKey OAuth: consent URL, paste-back, token exchange and rotation, the token store."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.digikey_auth import (
    OAuthTokenProvider,
    authorize_url,
    exchange_code,
    new_state,
    parse_redirect,
    refresh_tokens,
    sandbox_consent,
    tokens_from_response,
)
from bomcheck.distributors.http import Transport
from bomcheck.distributors.redirect_listener import catch_redirect, listener_address
from bomcheck.distributors.token_store import FileTokenStore, MemoryTokenStore, Tokens, token_store_path
from bomcheck.errors import AuthError, SourceError, SourceUnavailable
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "digikey"
BASE = "https://digikey.test"
TOKEN_URL = f"{BASE}/v1/oauth2/token"
CLIENT_ID = "client-id-123"
CLIENT_SECRET = "client-SECRET-456"
REDIRECT = "https://localhost"
NOW = 1_700_000_000.0


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2)


def clock() -> float:
    return NOW


def posted_forms(mocked: aioresponses) -> list[dict[str, str]]:
    return [dict(call.kwargs["data"]) for (method, _), calls in mocked.requests.items()
            if method == "POST" for call in calls]


# --------------------------------------------------------------------------- consent


def test_authorize_url() -> None:
    url = authorize_url(BASE + "/", CLIENT_ID, REDIRECT, "st4te")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/v1/oauth2/authorize"
    assert parse_qs(parts.query) == {
        "response_type": ["code"], "client_id": [CLIENT_ID], "redirect_uri": [REDIRECT],
        "state": ["st4te"],
    }


def test_new_state_is_random_and_url_safe() -> None:
    states = {new_state() for _ in range(20)}
    assert len(states) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{20,}", state) for state in states)


def test_parse_redirect_full_url() -> None:
    assert parse_redirect("https://localhost/?code=AbC123&state=s1", "s1") == "AbC123"
    assert parse_redirect("  https://localhost?state=s1&code=xyz \n", "s1") == "xyz"


def test_parse_redirect_bare_code() -> None:
    assert parse_redirect(" Zx9-ab_c.d ", "whatever") == "Zx9-ab_c.d"


def test_parse_redirect_query_only() -> None:
    assert parse_redirect("code=abc&state=s1", "s1") == "abc"


@pytest.mark.parametrize("pasted", [
    "https://localhost/?code=abc&state=other",
    "https://localhost/?code=abc",  # we sent a state: its absence is a mismatch too
])
def test_parse_redirect_state_mismatch(pasted: str) -> None:
    with pytest.raises(AuthError, match="state mismatch") as info:
        parse_redirect(pasted, "s1")
    assert "abc" not in str(info.value)


def test_parse_redirect_error() -> None:
    with pytest.raises(AuthError, match="The user denied access"):
        parse_redirect("https://localhost/?error=access_denied&error_description=The+user+denied"
                       "+access&state=s1", "s1")


@pytest.mark.parametrize("pasted", ["", "https://localhost/?state=s1", "two words"])
def test_parse_redirect_unusable(pasted: str) -> None:
    with pytest.raises(AuthError):
        parse_redirect(pasted, "s1")


async def test_sandbox_consent_follows_no_redirect(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(re.compile(r"^https://digikey\.test/v1/oauth2/authorize\?.*"), status=302,
                   headers={"Location": "https://localhost/?code=SANDBOXCODE&state=s1"})
        assert await sandbox_consent(transport, BASE, CLIENT_ID, REDIRECT, "s1") == "SANDBOXCODE"
        ((_, url),) = mocked.requests.keys()
    assert parse_qs(url.query_string)["state"] == ["s1"]


async def test_sandbox_consent_checks_state_and_redirect(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(re.compile(r"^https://digikey\.test/v1/oauth2/authorize\?.*"), status=302,
                   headers={"Location": "https://localhost/?code=C&state=evil"})
        with pytest.raises(AuthError, match="state mismatch"):
            await sandbox_consent(transport, BASE, CLIENT_ID, REDIRECT, "s1")
    with aioresponses() as mocked:
        mocked.get(re.compile(r"^https://digikey\.test/v1/oauth2/authorize\?.*"), status=200,
                   body="<html>log in</html>")
        with pytest.raises(AuthError, match="did not redirect"):
            await sandbox_consent(transport, BASE, CLIENT_ID, REDIRECT, "s1")


# --------------------------------------------------------------------------- tokens


def test_tokens_from_response_uses_expires_in() -> None:
    tokens = tokens_from_response(load("token_ok.json"), NOW)
    assert tokens.access_token == "AT-first-0001"
    assert tokens.refresh_token == "RT-first-0001"
    assert tokens.expires_at == NOW + 1799


def test_tokens_from_response_keeps_refresh_token_when_not_rotated() -> None:
    body = {"access_token": "A", "expires_in": "600"}
    tokens = tokens_from_response(body, NOW, previous_refresh_token="R-old")
    assert tokens.refresh_token == "R-old" and tokens.expires_at == NOW + 600
    with pytest.raises(AuthError):
        tokens_from_response(body, NOW)


@pytest.mark.parametrize("name", ["token_invalid_grant.json", "token_api_error_response.json"])
def test_invalid_grant_sends_user_to_auth(name: str) -> None:
    with pytest.raises(AuthError) as info:
        tokens_from_response(load(name), NOW)
    assert "`bomcheck auth digikey`" in str(info.value)
    assert "expired or revoked" in str(info.value)


def test_other_token_errors() -> None:
    with pytest.raises(AuthError, match="invalid_client"):
        tokens_from_response(load("token_invalid_client.json"), NOW)
    with pytest.raises(AuthError, match="no access_token"):
        tokens_from_response({"token_type": "Bearer"}, NOW)


def test_tokens_never_in_repr_or_str() -> None:
    tokens = Tokens("AT-very-secret", "RT-very-secret", NOW)
    for text in (repr(tokens), str(tokens), repr(MemoryTokenStore(tokens))):
        assert "AT-very-secret" not in text and "RT-very-secret" not in text
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, MemoryTokenStore(tokens))
    assert CLIENT_SECRET not in repr(provider)


async def test_exchange_code_posts_form(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=load("token_ok.json"))
        tokens = await exchange_code(transport, BASE, CLIENT_ID, CLIENT_SECRET, "the-code",
                                     REDIRECT, now=clock)
        (form,) = posted_forms(mocked)
    assert form == {"grant_type": "authorization_code", "code": "the-code",
                    "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                    "redirect_uri": REDIRECT}
    assert tokens == Tokens("AT-first-0001", "RT-first-0001", NOW + 1799)


async def test_refresh_tokens_rotates(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=load("token_refreshed.json"))
        tokens = await refresh_tokens(transport, BASE, CLIENT_ID, CLIENT_SECRET, "RT-first-0001",
                                      now=clock)
        (form,) = posted_forms(mocked)
    assert form == {"grant_type": "refresh_token", "refresh_token": "RT-first-0001",
                    "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    assert tokens.refresh_token == "RT-second-0002"


async def test_refresh_invalid_grant_http_400(transport: Transport,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, payload=load("token_invalid_grant.json"),
                    headers={"X-DIGIKEY-REQUEST-ID": "req-42"})
        with pytest.raises(AuthError, match="bomcheck auth digikey") as info:
            await refresh_tokens(transport, BASE, CLIENT_ID, CLIENT_SECRET, "RT-dead", now=clock)
    for secret in ("RT-dead", CLIENT_SECRET):
        assert secret not in str(info.value) and secret not in caplog.text
    assert "req-42" in caplog.text


async def test_a_refused_code_says_to_open_the_address_again(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, payload=load("token_invalid_grant.json"))
        with pytest.raises(AuthError, match="refused the authorization code") as info:
            await exchange_code(transport, BASE, CLIENT_ID, CLIENT_SECRET, "old-code", REDIRECT)
    assert "run `bomcheck auth digikey`" not in str(info.value)  # the user is running it already
    assert "old-code" not in str(info.value)


async def test_token_endpoint_down_is_not_an_auth_error(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=503, repeat=True)
        with pytest.raises(SourceUnavailable, match="HTTP 503"):
            await refresh_tokens(transport, BASE, CLIENT_ID, CLIENT_SECRET, "RT", now=clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, exception=aiohttp.ClientConnectionError("refused"), repeat=True)
        with pytest.raises(SourceError, match="unreachable") as info:
            await refresh_tokens(transport, BASE, CLIENT_ID, CLIENT_SECRET, "RT-x", now=clock)
    assert "RT-x" not in str(info.value)


async def test_token_endpoint_html(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, body="<html>bad</html>", content_type="text/html")
        with pytest.raises(AuthError, match="HTTP 400"):
            await exchange_code(transport, BASE, CLIENT_ID, CLIENT_SECRET, "c", REDIRECT)


# --------------------------------------------------------------------------- store


def test_token_store_path_per_environment(tmp_path: Path) -> None:
    production = token_store_path(tmp_path, "production")
    sandbox = token_store_path(tmp_path, "sandbox")
    assert production == tmp_path / "digikey-tokens-production.json"
    assert sandbox == tmp_path / "digikey-tokens-sandbox.json"
    with pytest.raises(ValueError):
        token_store_path(tmp_path, "../evil")


def test_file_store_round_trip_mode_and_atomic(tmp_path: Path) -> None:
    path = tmp_path / "config" / "digikey-tokens-production.json"
    store = FileTokenStore(path)
    assert store.load() is None  # missing file
    first = Tokens("AT1", "RT1", NOW)
    store.save(first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load() == first
    second = Tokens("AT2", "RT2", NOW + 5)
    store.save(second)
    assert FileTokenStore(path).load() == second
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp files left
    assert "RT2" not in repr(store)


def test_file_store_tightens_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"access_token": "A", "refresh_token": "R", "expires_at": NOW}))
    os.chmod(path, 0o644)
    assert FileTokenStore(path).load() == Tokens("A", "R", NOW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    FileTokenStore(path).save(Tokens("A2", "R2", NOW))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"access_token": "A"}', b"\xff\xfe",
                                     b'{"access_token": "", "refresh_token": "R", "expires_at": 1}'])
def test_file_store_corrupt_file_is_none_with_warning(tmp_path: Path, content: bytes,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        assert FileTokenStore(path).load() is None
    assert "bomcheck auth digikey" in caplog.text


def test_file_store_failed_write_keeps_old_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    store.save(Tokens("A1", "R1", NOW))

    def broken_replace(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save(Tokens("A2", "R2", NOW))
    monkeypatch.undo()
    assert store.load() == Tokens("A1", "R1", NOW)
    assert [p.name for p in tmp_path.iterdir()] == ["tokens.json"]


def test_file_store_lock_excludes_other_users(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    one, other = FileTokenStore(path), FileTokenStore(path)
    assert one.try_lock()
    assert not one.try_lock()
    assert not other.try_lock()
    one.unlock()
    assert other.try_lock()
    other.unlock()


# --------------------------------------------------------------------------- provider


async def test_provider_returns_valid_token_without_http(transport: Transport) -> None:
    store = MemoryTokenStore(Tokens("AT", "RT", NOW + 3600))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    with aioresponses() as mocked:
        assert await provider.access_token(transport) == "AT"
        assert await provider.access_token(transport) == "AT"
        assert not mocked.requests


async def test_provider_without_login(transport: Transport) -> None:
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, MemoryTokenStore(), now=clock)
    with pytest.raises(AuthError, match="bomcheck auth digikey"):
        await provider.access_token(transport)


async def test_provider_refreshes_within_margin_and_saves(transport: Transport) -> None:
    store = MemoryTokenStore(Tokens("AT-first-0001", "RT-first-0001", NOW + 30))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, margin=60, now=clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=load("token_refreshed.json"))
        assert await provider.access_token(transport) == "AT-second-0002"
        (form,) = posted_forms(mocked)
    assert form["refresh_token"] == "RT-first-0001"
    assert store.tokens == Tokens("AT-second-0002", "RT-second-0002", NOW + 1799)
    assert store.saves == 2  # the in-flight marker, then the new pair


async def test_provider_saves_before_returning(transport: Transport) -> None:
    class FailingStore(MemoryTokenStore):
        def save(self, tokens: Tokens) -> None:
            raise OSError("read-only file system")

    store = FailingStore(Tokens("AT-old", "RT-old", NOW - 1))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=load("token_refreshed.json"))
        with pytest.raises(OSError):
            await provider.refresh(transport)  # the new access token is never handed out


async def test_provider_concurrent_callers_refresh_once(transport: Transport,
                                                        tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(Tokens("AT-old", "RT-old", NOW - 1))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=load("token_refreshed.json"), repeat=True)
        tokens = await asyncio.gather(*(provider.access_token(transport) for _ in range(5)))
        assert len(posted_forms(mocked)) == 1
    assert tokens == ["AT-second-0002"] * 5
    assert store.load() == Tokens("AT-second-0002", "RT-second-0002", NOW + 1799)
    assert not (tmp_path / "tokens.json.lock").exists() or store.try_lock()


async def test_provider_forced_refresh_concurrently_once(transport: Transport) -> None:
    store = MemoryTokenStore(Tokens("AT-old", "RT-old", NOW + 3600))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    assert await provider.access_token(transport) == "AT-old"
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=load("token_refreshed.json"), repeat=True)
        results = await asyncio.gather(provider.refresh(transport), provider.refresh(transport))
        assert len(posted_forms(mocked)) == 1
    assert results == ["AT-second-0002", "AT-second-0002"]


async def test_provider_uses_tokens_another_process_refreshed(transport: Transport,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    FileTokenStore(path).save(Tokens("AT-old", "RT-old", NOW - 1))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, FileTokenStore(path), now=clock)
    FileTokenStore(path).save(Tokens("AT-other", "RT-other", NOW + 3600))  # the other process
    with aioresponses() as mocked:
        assert await provider.access_token(transport) == "AT-other"
        assert not mocked.requests


async def test_provider_refresh_rotation_chain(transport: Transport) -> None:
    store = MemoryTokenStore(Tokens("AT-first-0001", "RT-first-0001", NOW + 3600))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    await provider.access_token(transport)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=load("token_refreshed.json"))
        mocked.post(TOKEN_URL, payload={"access_token": "AT-3", "refresh_token": "RT-3",
                                        "expires_in": 1799})
        assert await provider.refresh(transport) == "AT-second-0002"
        assert await provider.refresh(transport) == "AT-second-0002"  # moments ago: reused
        assert await provider.refresh(transport, rejected_token="AT-second-0002") == "AT-3"
        forms = posted_forms(mocked)
    assert [form["refresh_token"] for form in forms] == ["RT-first-0001", "RT-second-0002"]
    assert store.tokens is not None and store.tokens.refresh_token == "RT-3"


async def test_provider_invalid_grant(transport: Transport) -> None:
    store = MemoryTokenStore(Tokens("AT", "RT-dead", NOW - 1))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, payload=load("token_invalid_grant.json"))
        with pytest.raises(AuthError, match="`bomcheck auth digikey`"):
            await provider.access_token(transport)


# --------------------------------------------------------------------------- local listener


@pytest.mark.parametrize(("uri", "address"), [
    ("http://localhost:8139/callback", ("127.0.0.1", 8139, "/callback")),
    ("http://127.0.0.1:9000", ("127.0.0.1", 9000, "/")),
    ("https://localhost", None),  # needs a trusted certificate: paste-back
    ("http://localhost/cb", None),  # port 80 needs privileges
    ("http://example.com:8139/cb", None),
])
def test_listener_address(uri: str, address: tuple[str, int, str] | None) -> None:
    assert listener_address(uri) == address


async def test_listener_ignores_a_stale_tab_then_takes_the_right_redirect() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uri = f"http://127.0.0.1:{port}/cb"
    waiting = asyncio.create_task(catch_redirect(uri, "good-state", timeout=10))
    statuses = []
    async with aiohttp.ClientSession() as session:
        for query in ("code=old&state=stale", "code=THECODE&state=good-state"):
            for _ in range(200):  # until the listener is up (bounded)
                try:
                    async with session.get(f"{uri}?{query}") as answer:
                        statuses.append(answer.status)
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.02)
    assert statuses == [400, 200]
    assert await waiting == "THECODE"


async def test_listener_times_out_to_none() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert await catch_redirect(f"http://127.0.0.1:{port}/cb", "s", timeout=0.05) is None


async def test_a_refused_refresh_leaves_no_in_flight_marker(transport: Transport) -> None:
    store = MemoryTokenStore(Tokens("AT-first-0001", "RT-first-0001", NOW + 30))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, payload=load("token_invalid_grant.json"))
        with pytest.raises(AuthError, match="bomcheck auth digikey"):
            await provider.access_token(transport)
    assert store.tokens == Tokens("AT-first-0001", "RT-first-0001", NOW + 30)  # marker cleared


async def test_a_lost_refresh_answer_keeps_the_marker_and_the_live_access_token(transport: Transport) -> None:
    store = MemoryTokenStore(Tokens("AT-first-0001", "RT-first-0001", NOW + 30))
    provider = OAuthTokenProvider(BASE, CLIENT_ID, CLIENT_SECRET, store, now=clock)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, exception=aiohttp.ServerDisconnectedError())
        assert await provider.access_token(transport) == "AT-first-0001"  # still alive for 30 s
        assert len(posted_forms(mocked)) == 1  # a refresh is never sent twice
    assert store.tokens is not None and store.tokens.refresh_started_at == NOW


@pytest.mark.parametrize("fault", [
    {"exception": aiohttp.ClientPayloadError("cut short")},
    {"exception": aiohttp.ServerDisconnectedError()},
    {"status": 503},
])
async def test_the_code_exchange_is_sent_once_and_a_lost_answer_says_to_log_in_again(
        transport: Transport, fault: dict[str, Any]) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, **fault)
        mocked.post(TOKEN_URL, status=400, payload=load("token_invalid_grant.json"))  # what a retry would get
        lost = r"answer to the login was lost .*run `bomcheck auth digikey` again"
        with pytest.raises(SourceError, match=lost) as info:
            await exchange_code(transport, BASE, CLIENT_ID, CLIENT_SECRET, "one-time-code", REDIRECT)
        assert len(posted_forms(mocked)) == 1
    assert "one-time-code" not in str(info.value) and CLIENT_SECRET not in str(info.value)
