"""DigiKey 2-legged OAuth (client credentials): one app token in memory, renewed before it expires."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from bomcheck.distributors.http import Transport
from bomcheck.errors import AuthError, SourceError, SourceUnavailable
from bomcheck.redact import register_secret

log = logging.getLogger(__name__)

TOKEN_PATH = "/v1/oauth2/token"
DEFAULT_EXPIRES_IN = 599.0  # what DigiKey gives client-credentials tokens (digikey-catalog.md §1)


def _error_of(body: Any) -> str | None:
    """An OAuth error (`error`, `error_description`) or a DigiKey error body, in words; else None."""
    if not isinstance(body, Mapping):
        return None
    folded = {str(key).casefold(): value for key, value in body.items()}
    if folded.get("error"):
        return ": ".join(str(part) for part in (folded["error"], folded.get("error_description")) if part)
    keys = ("errormessage", "title", "errordetails", "detail")
    words = [str(folded[key]) for key in keys if folded.get(key)]
    return " — ".join(words) or None


class AppTokens:
    """Access tokens for the app itself (no user, no browser, no refresh token).

    The token lives in memory only: asking for a new one costs one call that DigiKey does not
    count against the product's quota, so nothing secret is written to disk. One request at a
    time renews it, however many lookups ask at once; `refresh` (after a 401 "expired") renews
    only when no other caller has already replaced the rejected token.
    """

    def __init__(self, base_url: str, client_id: str, client_secret: str, *, margin: float = 60.0,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.margin = margin
        self._now = now
        self._token = ""
        self._renew_at = 0.0  # when the token is renewed: `margin` before it expires
        self._seen: set[str] = {client_secret} if client_secret else set()
        register_secret(client_secret)
        self._lock = asyncio.Lock()
        self.requests = 0  # token requests made (for tests and the request count)

    def __repr__(self) -> str:
        return f"AppTokens({self.base_url!r}, client_id={self.client_id!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The client secret and every token held: never to be shown."""
        return tuple(self._seen)

    def _valid(self) -> bool:
        return bool(self._token) and self._now() < self._renew_at

    async def access_token(self, transport: Transport) -> str:
        if self._valid():
            return self._token
        async with self._lock:
            if not self._valid():
                await self._renew(transport)
            return self._token

    async def refresh(self, transport: Transport) -> str:
        """A new token after the server said the one in use expired (once per rejected token)."""
        rejected = self._token
        async with self._lock:
            if self._token == rejected or not self._valid():
                await self._renew(transport)
            return self._token

    def _redact(self, transport: Transport, text: str) -> str:
        return transport.redact(text, tuple(self._seen))

    async def _renew(self, transport: Transport) -> None:
        form = {"client_id": self.client_id, "client_secret": self._client_secret,
                "grant_type": "client_credentials"}
        self.requests += 1
        failure: SourceUnavailable | None = None
        try:
            response = await transport.request("POST", self.base_url + TOKEN_PATH, data=form,
                                               headers={"Accept": "application/json"})
        except SourceError as exc:
            failure = SourceUnavailable(self._redact(transport, f"DigiKey login server unreachable: {exc}"))
        if failure is not None:
            raise failure  # outside the except block: nothing unredacted is chained
        try:
            body: Any = json.loads(response.body) if response.body.strip() else None
        except (ValueError, UnicodeDecodeError):
            body = None
        request_id = response.header("X-DIGIKEY-REQUEST-ID") or "-"
        if response.status >= 500 or response.status == 429:
            log.warning("DigiKey token endpoint answered HTTP %s (request id %s)", response.status,
                        request_id)
            raise SourceUnavailable(f"DigiKey login server unavailable (HTTP {response.status}); "
                                    "try again later")
        error = _error_of(body)
        token = body.get("access_token") if isinstance(body, Mapping) else None
        if response.status != 200 or error or not isinstance(token, str) or not token:
            log.info("DigiKey token endpoint refused the app login: HTTP %s (request id %s)",
                     response.status, request_id)
            said = self._redact(transport, error or f"HTTP {response.status}")
            if "invalid_client" in said or response.status == 401:
                raise AuthError(f"DigiKey rejected the app's client id or secret ({said}); check "
                                "BOMCHECK_DIGIKEY_CLIENT_ID and BOMCHECK_DIGIKEY_CLIENT_SECRET")
            raise AuthError(f"DigiKey app login failed ({said})")
        try:
            expires_in = float(body.get("expires_in", DEFAULT_EXPIRES_IN))
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        self._token = token
        self._seen.add(token)
        register_secret(token)  # before anything can log or quote it
        expires_in = max(0.0, expires_in)
        self._renew_at = self._now() + expires_in - min(self.margin, expires_in / 10)
        log.info("DigiKey app token obtained (valid %.0f s)", expires_in)
