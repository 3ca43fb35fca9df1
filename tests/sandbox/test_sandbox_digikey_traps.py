"""The sandbox plays DigiKey's real-world traps, and the client gets them right over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import aiohttp
import pytest

from bomcheck.distributors.digikey import DAILY_QUOTA, DigiKeyBondedSource
from bomcheck.distributors.digikey_auth import (
    LoginExpired,
    OAuthTokenProvider,
    exchange_code,
    new_state,
    refresh_tokens,
    sandbox_consent,
)
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.distributors.token_store import MemoryTokenStore, Tokens
from bomcheck.errors import SourceUnavailable
from bomcheck.model import Query
from bomcheck.sandbox import (
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
)
from bomcheck.sandbox.digikey_api import seconds_to_quota_reset
from bomcheck.sandbox.server import SandboxConfig, running_sandbox


@asynccontextmanager
async def sandbox(config: SandboxConfig) -> AsyncIterator[tuple[str, Transport]]:
    async with running_sandbox(config) as url, aiohttp.ClientSession() as session:
        yield url, Transport(session, make_limiter(1000), retry=RetryPolicy(attempts=2),
                             secrets=(SANDBOX_DIGIKEY_CLIENT_SECRET,))


async def first_login(url: str, transport: Transport) -> Tokens:
    state = new_state()
    code = await sandbox_consent(transport, url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_REDIRECT_URI, state)
    return await exchange_code(transport, url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET, code,
                               SANDBOX_REDIRECT_URI)


@pytest.mark.parametrize("shape", ["api", "mixed"])
async def test_a_spent_refresh_token_is_a_dead_login_whatever_the_error_shape(shape: str) -> None:
    async with sandbox(SandboxConfig(digikey_error_shape=shape)) as (url, transport):
        tokens = await first_login(url, transport)
        await refresh_tokens(transport, url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET,
                             tokens.refresh_token)
        with pytest.raises(LoginExpired, match="run `bomcheck auth digikey`"):
            await refresh_tokens(transport, url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET,
                                 tokens.refresh_token)  # rotated: dead since the first refresh


async def test_the_login_stores_when_the_refresh_token_dies() -> None:
    async with sandbox(SandboxConfig()) as (url, transport):
        tokens = await first_login(url, transport)
    assert tokens.refresh_expires_at is not None
    assert tokens.refresh_expires_at - tokens.expires_at == pytest.approx(90 * 86400 - 1800, abs=5)


async def test_the_spent_daily_quota_stops_the_source_at_once_and_says_when_it_returns() -> None:
    async with sandbox(SandboxConfig(daily_quota=0)) as (url, transport):
        store = MemoryTokenStore(await first_login(url, transport))
        provider = OAuthTokenProvider(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET, store)
        source = DigiKeyBondedSource(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_ACCOUNT_ID, provider)
        sent_before = transport.requests_sent
        with pytest.raises(SourceUnavailable) as info:
            await source.fetch(transport, [Query("LM358P")])
        assert transport.requests_sent - sent_before == 1  # Retry-After is not waited out
    assert str(info.value).startswith(DAILY_QUOTA) and "the quota comes back at" in str(info.value)
    assert transport.quota is not None and transport.quota.remaining == 0
    assert transport.quota.resets_at is not None


@pytest.mark.parametrize(("now", "seconds"), [
    (datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc), 15 * 3600),  # 09:00 CST; midnight = 06:00 UTC
    (datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc), 17 * 3600),  # 07:00 CDT; midnight = 05:00 UTC
    (datetime(2026, 12, 8, 5, 59, 59, tzinfo=timezone.utc), 1),
])
def test_the_sandbox_quota_day_ends_at_midnight_us_central(now: datetime, seconds: int) -> None:
    assert seconds_to_quota_reset(now) == seconds
