"""Catches DigiKey's OAuth redirect on a loopback address, so a desktop login needs no paste-back."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from aiohttp import web

from bomcheck.distributors.digikey_auth import parse_redirect
from bomcheck.errors import AuthError

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DONE_PAGE = ("<!doctype html><title>bomcheck</title><p>bomcheck received the DigiKey login. "
              "You can close this tab.</p>")
_REFUSED_PAGE = "<!doctype html><title>bomcheck</title><p>bomcheck: {}</p>"


def listener_address(redirect_uri: str) -> tuple[str, int, str] | None:
    """(host, port, path) to listen on for `redirect_uri`, or None when no listener can catch it.

    Only a plain-http loopback URI with an explicit port qualifies: an https one would need a
    certificate the browser trusts (the self-signed-localhost pain other tools have), and the
    default ports need privileges. Those logins use the paste-back instead.
    """
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or (parts.hostname or "") not in LOOPBACK_HOSTS:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if not port:
        return None
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname or "127.0.0.1"
    return host, port, parts.path or "/"


async def catch_redirect(redirect_uri: str, state: str, timeout: float) -> str | None:
    """Serve `redirect_uri` until the browser arrives with our `state`; return the code.

    None when nobody came within `timeout` seconds or the port cannot be had (the caller then
    asks for a paste-back). A redirect with another state is answered 400 and ignored (an old
    tab); a redirect carrying `error=` ends the wait with that AuthError.
    """
    address = listener_address(redirect_uri)
    if address is None:
        return None
    host, port, path = address
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def on_redirect(request: web.Request) -> web.Response:
        if request.path != path:
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
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            log.warning("cannot listen on %s:%s for the DigiKey redirect (%s); paste it instead",
                        host, port, exc.strerror or exc)
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(answer), timeout)
        except asyncio.TimeoutError:
            return None
    finally:
        await runner.cleanup()
