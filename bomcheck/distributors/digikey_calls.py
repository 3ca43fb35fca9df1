"""What both DigiKey sources do around a call: the bearer token (renewed once when DigiKey says it
expired), the request (a daily 429 stops at once), the JSON, and their secrets out of every message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bomcheck.distributors.digikey_auth import TokenProvider
from bomcheck.distributors.digikey_errors import is_daily_quota, request_id, says_expired
from bomcheck.distributors.http import HttpResponse, Transport
from bomcheck.errors import AuthError, SourceError, SourceUnavailable

log = logging.getLogger(__name__)


class DigiKeyCalls:
    """Mixed into a DigiKey source that holds `tokens`; `not_checked` ends the message that stops it."""

    tokens: TokenProvider
    not_checked = "DigiKey not checked"
    token_kind = "access token"

    def _redact(self, transport: Transport, text: str, *tokens: str) -> str:
        """`text` without the transport's secrets nor any token the provider has held."""
        return transport.redact(text, (*tokens, *getattr(self.tokens, "secrets", ())))

    def _json(self, transport: Transport, response: HttpResponse) -> Any:
        try:
            return response.json()
        except SourceError as exc:
            error = SourceError(self._redact(transport, f"DigiKey: {exc}"), retryable=exc.retryable)
        raise error  # raised outside the except block: nothing unredacted is chained

    async def _token(self, transport: Transport, *, refresh: bool = False) -> str:
        try:
            if refresh:
                return await self.tokens.refresh(transport)
            return await self.tokens.access_token(transport)
        except AuthError as exc:
            error = SourceUnavailable(self._redact(transport, f"{exc} — {self.not_checked}"))
        raise error

    async def _request(self, transport: Transport, method: str, url: str, headers: Mapping[str, str],
                       token: str, *, body: Any = None) -> HttpResponse:
        """One request; a transport failure comes back as the same error, redacted."""
        try:
            # A daily 429 carries Retry-After too (digikey.md): told by its words it stops the source
            # at once, instead of being waited out and asked again up to four times.
            return await transport.request(
                method, url, headers=headers, json_body=body, expect_json=True,
                final_429=lambda answer: is_daily_quota(answer, transport.retry.throttle_budget))
        except SourceError as exc:
            message = self._redact(transport, f"DigiKey: {exc}", token)
            error = type(exc)(message, retryable=exc.retryable)  # SourceUnavailable stays one
        raise error

    async def _with_token(self, transport: Transport,
                          send: Callable[[str], Awaitable[HttpResponse]]) -> tuple[HttpResponse, str]:
        """`send(token)`, and once more with a renewed token when DigiKey says it expired."""
        token = await self._token(transport)
        response = await send(token)
        if response.status == 401 and says_expired(response):
            log.info("DigiKey says the %s expired (request id %s); renewing it once", self.token_kind,
                     request_id(response) or "-")
            token = await self._token(transport, refresh=True)
            response = await send(token)
        return response, token
