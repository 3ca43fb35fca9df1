"""The DigiKey token store under real processes: concurrent refreshes, and refreshes cut short."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import aiohttp
import pytest

from bomcheck.distributors.digikey_auth import (
    INTERRUPTED_REFRESH,
    LOGIN_EXPIRED,
    OAuthTokenProvider,
    exchange_code,
    new_state,
    refresh_tokens,
    sandbox_consent,
)
from bomcheck.distributors.token_store import FileTokenStore, Tokens
from bomcheck.errors import AuthError
from bomcheck.sandbox import (
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
)
from tests.conftest import ROOT, ThreadedSandbox, quick_transport

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks and signals")

# One child process: refresh the store's login `rounds` times (each time as if DigiKey had just
# answered 401 "expired" for the token it holds), then call Supply Chain with the token it ends
# with. `mode` "die-after-save" / "die-before-save" ends the process (os._exit, no clean-up) right
# after the new pair is saved / right after the token endpoint answered, before it is saved.
CHILD = textwrap.dedent("""
    import asyncio, os, sys
    import aiohttp
    from bomcheck.distributors import digikey_auth
    from bomcheck.distributors.digikey_auth import OAuthTokenProvider
    from bomcheck.distributors.token_store import FileTokenStore
    from tests.conftest import quick_transport

    url, path, mode, rounds, client_id, secret, account = sys.argv[1:8]

    class Store(FileTokenStore):
        def save(self, tokens):
            super().save(tokens)
            if mode == "die-after-save" and tokens.refresh_started_at is None:
                os._exit(9)

    if mode == "die-before-save":
        def answered(*args, **kwargs):
            os._exit(9)
        digikey_auth.tokens_from_response = answered

    async def main():
        while not os.path.exists(path + ".go"):  # start together with the other process
            await asyncio.sleep(0.005)
        async with aiohttp.ClientSession() as session:
            transport = quick_transport(session)
            provider = OAuthTokenProvider(url, client_id, secret, Store(path))
            token = await provider.access_token(transport)
            for _ in range(int(rounds)):
                token = await provider.refresh(transport, rejected_token=token)
            headers = {"Authorization": "Bearer " + token, "X-DIGIKEY-Client-Id": client_id}
            products = f"{url}/SupplyChain/v1/BondedQuantity/Locations/{account}/Products"
            answer = await transport.request("GET", products, headers=headers)
            print("status", answer.status)

    asyncio.run(main())
""")


def _child(url: str, path: Path, mode: str, rounds: int) -> subprocess.Popen[str]:
    if mode != "race":
        path.with_name(path.name + ".go").touch()
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(path), mode, str(rounds), SANDBOX_DIGIKEY_CLIENT_ID,
         SANDBOX_DIGIKEY_CLIENT_SECRET, SANDBOX_DIGIKEY_ACCOUNT_ID],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


async def _log_in(url: str, store: FileTokenStore) -> Tokens:
    async with aiohttp.ClientSession() as session:
        transport = quick_transport(session)
        state = new_state()
        code = await sandbox_consent(transport, url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_REDIRECT_URI, state)
        tokens = await exchange_code(transport, url, SANDBOX_DIGIKEY_CLIENT_ID,
                                     SANDBOX_DIGIKEY_CLIENT_SECRET, code, SANDBOX_REDIRECT_URI)
    store.save(tokens)
    return tokens


async def _refresh(url: str, refresh_token: str) -> Tokens:
    async with aiohttp.ClientSession() as session:
        return await refresh_tokens(quick_transport(session), url, SANDBOX_DIGIKEY_CLIENT_ID,
                                    SANDBOX_DIGIKEY_CLIENT_SECRET, refresh_token)


def test_two_processes_refreshing_one_store_both_stay_logged_in(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "digikey-tokens-bomcheck-sandbox.json")
    with ThreadedSandbox() as sandbox:
        first = asyncio.run(_log_in(sandbox.url, store))
        children = [_child(sandbox.url, store.path, "race", 20) for _ in range(2)]
        time.sleep(1.0)  # both interpreters up and polling for the go file (not an assertion)
        store.path.with_name(store.path.name + ".go").touch()
        outputs = [child.communicate(timeout=60) for child in children]
        for child, (out, err) in zip(children, outputs, strict=True):
            assert child.returncode == 0, err
            assert "status 200" in out, err
        final = store.load()
        assert final is not None and final.refresh_started_at is None
        assert final.refresh_token != first.refresh_token
        # the stored refresh token is the live one: it refreshes, and the first one is dead
        assert asyncio.run(_refresh(sandbox.url, final.refresh_token)).access_token
        with pytest.raises(AuthError, match="bomcheck auth digikey"):
            asyncio.run(_refresh(sandbox.url, first.refresh_token))


def test_process_killed_right_after_saving_the_answer_leaves_a_usable_store(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    with ThreadedSandbox() as sandbox:
        first = asyncio.run(_log_in(sandbox.url, store))
        child = _child(sandbox.url, store.path, "die-after-save", 1)
        child.communicate(timeout=60)
        assert child.returncode == 9
        saved = store.load()
        assert saved is not None and saved.refresh_started_at is None
        assert saved.refresh_token != first.refresh_token  # DigiKey rotated it; we kept the new one
        assert asyncio.run(_refresh(sandbox.url, saved.refresh_token)).access_token
        assert oct(store.path.stat().st_mode & 0o777) == "0o600"


def test_answer_lost_before_saving_is_recognised_not_mistaken_for_a_revoked_login(
    tmp_path: Path,
) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    with ThreadedSandbox() as sandbox:
        first = asyncio.run(_log_in(sandbox.url, store))
        child = _child(sandbox.url, store.path, "die-before-save", 1)
        child.communicate(timeout=60)
        assert child.returncode == 9
        marked = store.load()
        assert marked is not None and marked.refresh_started_at is not None
        assert marked.refresh_token == first.refresh_token  # spent at DigiKey, but all we have

        async def next_run() -> tuple[str, str]:
            async with aiohttp.ClientSession() as session:
                transport = quick_transport(session)
                provider = OAuthTokenProvider(sandbox.url, SANDBOX_DIGIKEY_CLIENT_ID,
                                              SANDBOX_DIGIKEY_CLIENT_SECRET, store)
                # the access token still lives: the next run keeps working with it
                token = await provider.access_token(transport)
                with pytest.raises(AuthError) as refused:
                    await provider.refresh(transport, rejected_token=token)
                return token, str(refused.value)

        token, message = asyncio.run(next_run())
        assert token == first.access_token
        assert message == INTERRUPTED_REFRESH != LOGIN_EXPIRED
        assert "bomcheck auth digikey" in message
