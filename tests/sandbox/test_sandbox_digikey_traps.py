"""The sandbox plays DigiKey's real-world traps, and the client gets them right over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from bomcheck.distributors.digikey_auth import (
    LoginExpired,
    exchange_code,
    new_state,
    refresh_tokens,
    sandbox_consent,
)
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.distributors.token_store import Tokens
from bomcheck.sandbox import (
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
)
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
