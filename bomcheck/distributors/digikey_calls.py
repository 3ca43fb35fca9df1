"""What both DigiKey sources do around a call: the bearer token (renewed once when DigiKey says it
expired), the request (a daily 429 stops at once and is kept until DigiKey's reset), the JSON, and
their secrets out of every message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from bomcheck.distributors.digikey_auth import TokenProvider
from bomcheck.distributors.digikey_errors import is_daily_quota, quota_resets_at, request_id, says_expired
from bomcheck.distributors.http import HttpResponse, Transport
from bomcheck.distributors.quota import QuotaSeen
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
                final=lambda answer: self._is_daily(transport, answer))
        except SourceError as exc:
            message = self._redact(transport, f"DigiKey: {exc}", token)
            error = type(exc)(message, retryable=exc.retryable)  # SourceUnavailable stays one
        raise error

    @staticmethod
    def _is_daily(transport: Transport, response: HttpResponse) -> bool:
        """Whether an answer is the spent daily quota: one test for the transport and the source."""
        return is_daily_quota(response, transport.retry.throttle_budget)

    @staticmethod
    def _quota_spent(transport: Transport, response: HttpResponse, said: str) -> SourceUnavailable:
        """The error that stops the source on a daily 429 (`said`, and when the quota comes back),
        after keeping the spent quota on the transport for the next runs (quota.json): nothing left
        until DigiKey's own reset time when the answer says it, else midnight US Central."""
        transport.quota = QuotaSeen(0, _limit_of(response), datetime.now(timezone.utc),
                                    resets_at=quota_resets_at(response))
        return SourceUnavailable(f"{said}; {comes_back(response)}")

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


def _limit_of(response: HttpResponse) -> int | None:
    """The daily quota's size as the answer's X-RateLimit-Limit says, if it does."""
    try:
        return int(float(response.header("X-RateLimit-Limit") or ""))
    except ValueError:
        return None


def comes_back(response: HttpResponse) -> str:
    """When a spent daily quota comes back, in words, from the answer's headers if they say it."""
    resets = quota_resets_at(response)
    if resets is None:
        return "the quota resets at midnight US Central time (as reported; DigiKey's answer did not say)"
    left = max(0, int((resets - datetime.now(timezone.utc)).total_seconds() // 60))
    return f"the quota comes back at {resets:%Y-%m-%d %H:%M} UTC (in {left // 60} h {left % 60} min)"
