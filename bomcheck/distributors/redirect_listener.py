"""Catches DigiKey's OAuth redirect on loopback over HTTPS (self-signed), so a login needs no paste-back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from bomcheck.distributors.digikey_auth import parse_redirect
from bomcheck.errors import AuthError

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DONE_PAGE = ("<!doctype html><title>bomcheck</title><p>bomcheck received the DigiKey login. "
              "You can close this tab.</p>")
_REFUSED_PAGE = "<!doctype html><title>bomcheck</title><p>bomcheck: {}</p>"
# What the browser shows for a certificate made a moment ago by bomcheck itself, said before it does.
CERTIFICATE_NOTE = ("The browser will warn that the connection is not private: the address is this "
                    "computer and its certificate was made by bomcheck for this login only. Accept it "
                    "once (Advanced → Proceed to localhost) to let the login through.")


@dataclass(frozen=True)
class ListenAt:
    """Where a redirect listener serves: loopback host, port, path, and whether over HTTPS."""

    host: str
    port: int
    path: str
    https: bool


def listener_address(redirect_uri: str) -> ListenAt | None:
    """Where to listen for `redirect_uri`, or None when no listener can catch it.

    A loopback URI with an explicit port qualifies. DigiKey registers only callbacks that
    begin with https:// (digikey.md, OAuth), so `https://localhost:8139/callback` is served
    over TLS with a certificate made at run time (`self_signed_certificate`); plain http is
    kept for OAuth servers of one's own (DigiKey and bomcheck's sandbox refuse it). Without a
    port (the default `https://localhost`, port 443) the listener would need privileges: those
    logins paste back.
    """
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in LOOPBACK_HOSTS:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if not port:
        return None
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname or "127.0.0.1"
    return ListenAt(host, port, parts.path or "/", parts.scheme == "https")


@contextlib.contextmanager
def self_signed_certificate() -> Iterator[ssl.SSLContext | None]:
    """A TLS server context for localhost with a key and certificate made now by `openssl`, valid
    one day and deleted afterwards; None where openssl is missing or fails (then paste back)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        log.info("no openssl to make a certificate for the local listener; paste the redirect instead")
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="bomcheck-login-") as folder:  # 0700, removed after
        key, cert = Path(folder) / "key.pem", Path(folder) / "cert.pem"
        command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                   "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                   "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"]
        try:
            subprocess.run(command, capture_output=True, timeout=60, check=True)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
        except (OSError, subprocess.SubprocessError, ssl.SSLError) as exc:
            log.warning("cannot make a certificate for the local listener (%s); paste the redirect instead",
                        type(exc).__name__)
            yield None
            return
        yield context


async def catch_redirect(redirect_uri: str, state: str, timeout: float) -> str | None:
    """Serve `redirect_uri` until the browser arrives with our `state`; return the code.

    None when nobody came within `timeout` seconds, or the port or a certificate cannot be had
    (the caller then asks for a paste-back). A redirect with another state is answered 400 and
    ignored (an old tab); a redirect carrying `error=` ends the wait with that AuthError.
    """
    address = listener_address(redirect_uri)
    if address is None:
        return None
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def on_redirect(request: web.Request) -> web.Response:
        if request.path != address.path:
            return web.Response(status=404, text="not found")
        try:
            code = parse_redirect(str(request.rel_url), state)
        except AuthError as exc:
            if "state mismatch" in str(exc):
                return web.Response(status=400, text=_REFUSED_PAGE.format(exc), content_type="text/html")
            if not answer.done():
                answer.set_exception(exc)
            return web.Response(status=400, text=_REFUSED_PAGE.format(exc), content_type="text/html")
        if not answer.done():
            answer.set_result(code)
        return web.Response(text=_DONE_PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", on_redirect)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    with self_signed_certificate() if address.https else contextlib.nullcontext() as context:
        try:
            if address.https and context is None:
                return None
            try:
                await web.TCPSite(runner, address.host, address.port, ssl_context=context).start()
            except OSError as exc:
                log.warning("cannot listen on %s:%s for the DigiKey redirect (%s); paste it instead",
                            address.host, address.port, exc.strerror or exc)
                return None
            try:
                return await asyncio.wait_for(asyncio.shield(answer), timeout)
            except asyncio.TimeoutError:
                return None
        finally:
            await runner.cleanup()
