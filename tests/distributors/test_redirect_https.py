"""The redirect listener serves HTTPS (DigiKey takes only https:// callbacks) with a run-time certificate."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
from pathlib import Path

import aiohttp
import pytest

from bomcheck.distributors import redirect_listener
from bomcheck.distributors.redirect_listener import catch_redirect, self_signed_certificate

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl to make a certificate")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@needs_openssl
async def test_an_https_callback_is_caught_over_tls() -> None:
    port = free_port()
    uri = f"https://localhost:{port}/callback"
    waiting = asyncio.create_task(catch_redirect(uri, "the-state", timeout=30))
    seen: list[tuple[int, str, str]] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(400):  # until the listener is up (bounded; making the key takes a moment)
            try:
                # the browser's view: a certificate nobody vouches for, accepted once
                async with session.get(f"https://127.0.0.1:{port}/callback?code=C0DE&state=the-state",
                                       ssl=False) as page:
                    seen.append((page.status, page.url.scheme, await page.text()))
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    assert await waiting == "C0DE"
    assert seen and seen[0][0] == 200 and seen[0][1] == "https" and "close this tab" in seen[0][2]


@needs_openssl
async def test_the_certificate_is_not_trusted_by_default_and_is_deleted_after() -> None:
    port = free_port()
    waiting = asyncio.create_task(catch_redirect(f"https://localhost:{port}/cb", "s", timeout=30))
    errors: list[BaseException] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(400):
            try:
                async with session.get(f"https://127.0.0.1:{port}/cb?code=x&state=s"):
                    break
            except aiohttp.ClientConnectorCertificateError as exc:  # verified: refused, as a browser warns
                errors.append(exc)
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        async with session.get(f"https://127.0.0.1:{port}/cb?code=x&state=s", ssl=False) as page:
            assert page.status == 200
    assert await waiting == "x" and errors


@needs_openssl
def test_the_key_lives_in_a_private_folder_only_while_in_use() -> None:
    with self_signed_certificate() as context:
        assert isinstance(context, ssl.SSLContext)
        folders = list(Path(redirect_listener.tempfile.gettempdir()).glob("bomcheck-login-*"))
        assert folders and all((folder.stat().st_mode & 0o077) == 0 for folder in folders)
    assert not [f for f in folders if f.exists()]


async def test_without_openssl_the_login_falls_back_to_paste_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redirect_listener.shutil, "which", lambda _: None)
    assert await catch_redirect(f"https://localhost:{free_port()}/cb", "s", timeout=5) is None
