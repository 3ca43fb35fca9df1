"""DigiKey OAuth 2.0 (3-legged): authorize URL, code exchange, rotating refresh, durable token store."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

from bomcheck.distributors.http import Transport
from bomcheck.distributors.token_store import Tokens, TokenStore
from bomcheck.errors import AuthError, SourceError, SourceUnavailable

log = logging.getLogger(__name__)

Clock = Callable[[], float]

AUTHORIZE_PATH = "/v1/oauth2/authorize"
TOKEN_PATH = "/v1/oauth2/token"
LOGIN_EXPIRED = (
    "DigiKey login expired or revoked; run `bomcheck auth digikey` to log in again"
)
CODE_REFUSED = (
    "DigiKey refused the authorization code (invalid_grant): it is used only once and lives about "
    "a minute; open the address again and paste the new redirect promptly"
)
INTERRUPTED_REFRESH = (
    "DigiKey login lost: an earlier token refresh was interrupted before its answer could be "
    "saved, and DigiKey has retired the old refresh token; run `bomcheck auth digikey` to log in again"
)
NOT_LOGGED_IN = "not logged in to DigiKey; run `bomcheck auth digikey` to log in"
# DigiKey's lifetimes vary (10 min to 24 h access); when an answer lacks expires_in we assume
# the shortest seen, so the token is refreshed early rather than used after it died.
DEFAULT_EXPIRES_IN = 600
# `check` warns when the stored refresh token (90 days, `refresh_token_expires_in`) has less left.
REFRESH_WARN_BEFORE = 7 * 24 * 3600


class LoginExpired(AuthError):
    """The stored DigiKey login is dead (refresh token expired, revoked or spent): log in again."""

    @classmethod
    def saying(cls, said: str = "") -> LoginExpired:
        """LOGIN_EXPIRED with DigiKey's own words in it."""
        head, _, tail = LOGIN_EXPIRED.partition(";")
        return cls(f"{head} ({said});{tail}" if said else LOGIN_EXPIRED)


# --------------------------------------------------------------------------- step 1: consent


def authorize_url(base_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    """The URL the user opens in a browser to let bomcheck read their DigiKey account."""
    query = urlencode({
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
    })
    return f"{base_url.rstrip('/')}{AUTHORIZE_PATH}?{query}"


def new_state() -> str:
    """An unguessable `state` value that ties the redirect to this login attempt."""
    return secrets.token_urlsafe(24)


_BARE_CODE = re.compile(r"[A-Za-z0-9._~\-]+")


def parse_redirect(pasted: str, expected_state: str) -> str:
    """The authorization code from the redirected URL the user pasted back (or a bare code).

    A URL must carry our `state` (else AuthError: the redirect belongs to another attempt);
    an `error=` in it becomes an AuthError with DigiKey's description. The code itself never
    appears in a message.
    """
    text = pasted.strip().strip("'\"<>")
    if not text:
        raise AuthError("nothing was pasted: paste the URL the browser landed on, or the code")
    if "?" not in text and "=" not in text and "#" not in text:
        if not _BARE_CODE.fullmatch(text):
            raise AuthError("that does not look like a DigiKey authorization code or URL")
        return text
    parts = urlsplit(text) if "?" in text or "://" in text else urlsplit("?" + text)
    params = parse_qs(parts.query, keep_blank_values=True)
    if not params and parts.fragment:
        params = parse_qs(parts.fragment, keep_blank_values=True)
    first = {name: values[0] for name, values in params.items() if values}
    if "error" in first:
        description = first.get("error_description") or first["error"]
        raise AuthError(f"DigiKey refused the authorization: {description}")
    state = first.get("state")
    if state is None or not secrets.compare_digest(state, expected_state):
        raise AuthError(
            "the pasted URL belongs to another login attempt (state mismatch); "
            "run `bomcheck auth digikey` again and paste the newest URL"
        )
    code = first.get("code", "").strip()
    if not code:
        raise AuthError("the pasted URL carries no authorization code")
    return code


# --------------------------------------------------------------------------- step 2: tokens


def _oauth_error(body: Any) -> tuple[str, str] | None:
    """(code, description) of an OAuth error or DigiKey ApiErrorResponse body; None otherwise."""
    if not isinstance(body, Mapping):
        return None
    folded = {str(key).casefold(): value for key, value in body.items()}
    if folded.get("error"):
        return str(folded["error"]), str(folded.get("error_description") or "")
    message = folded.get("errormessage") or folded.get("title")
    details = folded.get("errordetails") or folded.get("detail")
    if message or details:
        text = " — ".join(str(part) for part in (message, details) if part)
        code = "invalid_grant" if re.search(r"(?i)invalid_grant|invalid refresh", text) else ""
        return code, text
    return None


def tokens_from_response(body: Any, now: float, *, previous_refresh_token: str | None = None
                         ) -> Tokens:
    """Tokens from a token-endpoint answer (`expires_in` seconds from `now`).

    `invalid_grant` (a dead or reused refresh token, an expired code) raises the AuthError that
    sends the user to `bomcheck auth digikey`; other errors raise AuthError with DigiKey's
    words. An answer without a new refresh token keeps `previous_refresh_token`.
    """
    error = _oauth_error(body)
    if error is not None:
        code, description = error
        if code == "invalid_grant":
            raise LoginExpired.saying(f"DigiKey: {description}" if description else "")
        if code == "invalid_client":
            raise AuthError("DigiKey rejected the client id or secret (invalid_client); "
                            "check the DigiKey app credentials")
        raise AuthError(f"DigiKey login failed: {': '.join(p for p in (code, description) if p)}")
    if not isinstance(body, Mapping):
        raise AuthError("DigiKey's token answer is not a JSON object")
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise AuthError("DigiKey's token answer carries no access_token")
    refresh = body.get("refresh_token") or previous_refresh_token
    if not isinstance(refresh, str) or not refresh:
        raise AuthError("DigiKey's token answer carries no refresh_token")
    try:
        expires_in = float(body.get("expires_in", DEFAULT_EXPIRES_IN))
    except (TypeError, ValueError):
        expires_in = DEFAULT_EXPIRES_IN
    # DigiKey's token answer also says how long the refresh token lives (90 days); without it the
    # login's end is unknown (None), never assumed.
    try:
        refresh_in: float | None = float(body["refresh_token_expires_in"])
    except (KeyError, TypeError, ValueError):
        refresh_in = None
    return Tokens(access_token=access, refresh_token=refresh, expires_at=now + max(0.0, expires_in),
                  refresh_expires_at=now + max(0.0, refresh_in) if refresh_in is not None else None)


_CODE_LOST = ("DigiKey's answer to the login was lost ({}); an authorization code works only once: "
              "run `bomcheck auth digikey` again")


async def _token_request(
    transport: Transport, base_url: str, form: Mapping[str, str], now: Clock,
    previous_refresh_token: str | None = None,
) -> Tokens:
    hidden = [value for key, value in form.items()
              if key in ("client_secret", "code", "refresh_token") and value]

    def redact(text: str) -> str:
        return transport.redact(text, hidden)

    url = f"{base_url.rstrip('/')}{TOKEN_PATH}"
    # Sent once: repeating a refresh after a lost answer would spend the rotated token, and an
    # authorization code works once (a second try would only be refused with invalid_grant).
    code = form.get("grant_type") == "authorization_code"
    unreachable: SourceUnavailable | None = None
    try:
        response = await transport.request("POST", url, data=form, headers={"Accept": "application/json"},
                                           attempts=1)
    except SourceError as exc:
        unreachable = SourceUnavailable(
            redact(_CODE_LOST.format(f"no answer: {exc}") if code
                   else f"DigiKey login server unreachable: {exc}"), retryable=not code)
    if unreachable is not None:
        raise unreachable  # outside the except block: nothing unredacted is chained
    request_id = response.header("X-DIGIKEY-REQUEST-ID") or "-"
    try:
        body: Any = json.loads(response.body) if response.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if response.status >= 500 or response.status == 429:
        log.warning("DigiKey token endpoint answered HTTP %s (request id %s)",
                    response.status, request_id)
        raise SourceUnavailable(
            _CODE_LOST.format(f"HTTP {response.status}") if code
            else f"DigiKey login server unavailable (HTTP {response.status}); try again later",
            retryable=not code,
        )
    error = _oauth_error(body)
    if response.status != 200 or error is not None:
        log.warning("DigiKey token endpoint refused the request: HTTP %s (request id %s)",
                    response.status, request_id)
        refreshing = form.get("grant_type") == "refresh_token"
        if refreshing and response.status in (400, 401) and (error is None or error[0] != "invalid_client"):
            # The token endpoint may answer in DigiKey's ApiErrorResponse (ErrorMessage,
            # ErrorDetails), not OAuth's `error` (digikey.md): whatever its words, a refused
            # refresh means the stored login is dead, and only a new login brings it back.
            words = " — ".join(part for part in (error or ("", "")) if part) or f"HTTP {response.status}"
            raise LoginExpired.saying(redact(f"DigiKey: {words}; request id {request_id}"))
        if error is None:
            raise AuthError(f"DigiKey login failed (HTTP {response.status}, request id {request_id})")
    try:
        return tokens_from_response(body, now(), previous_refresh_token=previous_refresh_token)
    except AuthError as exc:
        refused = type(exc)(redact(str(exc)))  # LoginExpired stays one
    raise refused


async def exchange_code(
    transport: Transport, base_url: str, client_id: str, client_secret: str, code: str,
    redirect_uri: str, *, now: Clock = time.time,
) -> Tokens:
    """Trade an authorization code (valid about a minute) for the first tokens."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
    }
    try:
        return await _token_request(transport, base_url, form, now)
    except LoginExpired:  # an expired or reused code, not a lost login
        raise AuthError(CODE_REFUSED) from None


async def refresh_tokens(
    transport: Transport, base_url: str, client_id: str, client_secret: str,
    refresh_token: str, *, now: Clock = time.time,
) -> Tokens:
    """New tokens for a refresh token; the old refresh token stops working (rotation)."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return await _token_request(transport, base_url, form, now,
                                previous_refresh_token=refresh_token)


async def sandbox_consent(
    transport: Transport, base_url: str, client_id: str, redirect_uri: str, state: str
) -> str:
    """The code bomcheck's own sandbox hands out without a browser (it consents by itself)."""
    url = authorize_url(base_url, client_id, redirect_uri, state)
    failure: AuthError | None = None
    try:
        response = await transport.request("GET", url, allow_redirects=False)
    except SourceError as exc:
        failure = AuthError(transport.redact(f"DigiKey sandbox unreachable: {exc}"))
    if failure is not None:
        raise failure
    location = response.header("Location")
    if not (300 <= response.status < 400) or not location:
        raise AuthError(f"the DigiKey sandbox did not redirect (HTTP {response.status})")
    return parse_redirect(location, state)



# --------------------------------------------------------------------------- provider


class TokenProvider(Protocol):
    """What a DigiKey source needs: a usable access token, and a forced refresh after a 401."""

    async def access_token(self, transport: Transport) -> str: ...

    async def refresh(self, transport: Transport) -> str: ...


class OAuthTokenProvider:
    """Access tokens from a TokenStore, refreshed shortly before they expire.

    Every refresh saves the rotated tokens to the store BEFORE the new access token is used,
    and happens once however many callers ask at the same time (an asyncio.Lock in-process,
    the store's try_lock() across processes, re-reading the store after taking them). While
    a refresh is in flight the store carries a `refresh_started_at` marker; see refresh().
    """

    LOCK_TIMEOUT = 30.0
    RECENT = 5.0  # seconds after a refresh in which another refresh request reuses its result

    def __init__(
        self, base_url: str, client_id: str, client_secret: str, store: TokenStore, *,
        margin: float = 60, now: Clock = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.store = store
        self.margin = margin
        self._now = now
        self._tokens_held: Tokens | None = None
        self._seen: set[str] = {client_secret} if client_secret else set()
        self._lock = asyncio.Lock()
        self._refreshed_at: float | None = None  # time.monotonic() of our last refresh
        self._warned = False  # the login's end has been warned about

    def __repr__(self) -> str:
        return f"OAuthTokenProvider({self.base_url!r}, client_id={self.client_id!r})"

    @property
    def _tokens(self) -> Tokens | None:
        return self._tokens_held

    @_tokens.setter
    def _tokens(self, tokens: Tokens | None) -> None:
        self._tokens_held = tokens
        if tokens is not None:
            self._seen.update((tokens.access_token, tokens.refresh_token))

    @property
    def secrets(self) -> tuple[str, ...]:
        """The client secret and every token this provider has held: never to be shown."""
        return tuple(self._seen)

    async def access_token(self, transport: Transport) -> str:
        tokens = self._tokens
        if tokens is None or tokens.expires_within(self.margin, self._now()):
            tokens = self.store.load()  # another process may have refreshed already
            if tokens is None:
                raise AuthError(NOT_LOGGED_IN)
            self._tokens = tokens
        if not tokens.expires_within(self.margin, self._now()):
            token = tokens.access_token
        else:
            token = await self.refresh(transport)
        self._warn_if_login_ends_soon()
        return token

    def warn_if_login_ends_soon(self) -> None:
        """The warning below from the stored login, without asking DigiKey: said when the source is
        opened, since a run answered from the cache never fetches a token (once per provider)."""
        if not self._warned:
            self._warn_if_login_ends_soon(self._tokens or self.store.load())

    def _warn_if_login_ends_soon(self, tokens: Tokens | None = None) -> None:
        """Once: a warning when the refresh token (hence the login) has less than a week left."""
        tokens = tokens or self._tokens
        if self._warned or tokens is None or tokens.refresh_expires_at is None:
            return
        left = tokens.refresh_expires_at - self._now()
        if left >= REFRESH_WARN_BEFORE:
            return
        self._warned = True
        ends = datetime.fromtimestamp(tokens.refresh_expires_at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        days = max(0, int(left // 86400))
        log.warning("the DigiKey login ends %s (%s): run `bomcheck auth digikey` before then, or bonded "
                    "stock will not be checked", f"in {days} day{'s' if days != 1 else ''}"
                    if left > 0 else "now", ends)

    async def refresh(self, transport: Transport, *, rejected_token: str | None = None) -> str:
        """Renew the tokens now (after a 401 "expired"), unless that already happened: when
        the store holds a valid access token other than `rejected_token` (default: the one
        this provider handed out when called), or we refreshed moments ago.

        The refresh runs shielded from cancellation: a caller that gives up (a timeout, a
        cancelled batch) does not abort it between DigiKey's answer and saving that answer.
        """
        stale = rejected_token or (self._tokens.access_token if self._tokens else None)
        return await asyncio.shield(self._refresh_locked(transport, stale, rejected_token is None))

    async def _refresh_locked(self, transport: Transport, stale: str | None, may_reuse_recent: bool
                              ) -> str:
        async with self._lock, self._store_lock():
            current = self.store.load()
            if current is None:
                raise AuthError(NOT_LOGGED_IN)
            self._seen.update((current.access_token, current.refresh_token))
            valid = not current.expires_within(self.margin, self._now())
            recent = (self._refreshed_at is not None and may_reuse_recent
                      and time.monotonic() - self._refreshed_at < self.RECENT)
            if valid and ((stale is not None and current.access_token != stale) or recent):
                self._tokens = current  # refreshed meanwhile by another caller or process
                return current.access_token
            # From here on DigiKey may spend the stored refresh token: say so in the store
            # first, so that an answer lost on the way (or a crash before it is saved) is
            # recognised later instead of looking like a revoked login.
            self.store.save(current.refreshing(self._now()))
            try:
                new = await refresh_tokens(
                    transport, self.base_url, self.client_id, self._client_secret,
                    current.refresh_token, now=self._now,
                )
            except AuthError as exc:
                self.store.save(current)  # DigiKey answered: nothing was lost in flight
                if current.refresh_started_at is not None and isinstance(exc, LoginExpired):
                    raise AuthError(INTERRUPTED_REFRESH) from None
                raise
            except SourceUnavailable:
                # No answer (or a 5xx): the token may or may not be spent. The access token we
                # have is still the best there is while it lives.
                if not current.expires_within(0, self._now()):
                    log.warning("DigiKey token refresh failed; using the current access token "
                                "until it expires")
                    self._tokens = current
                    return current.access_token
                raise
            self.store.save(new)  # the old refresh token is dead now: persist before any use
            self._tokens = new
            self._refreshed_at = time.monotonic()
            log.info("DigiKey access token refreshed")
            return new.access_token

    @contextlib.asynccontextmanager
    async def _store_lock(self) -> AsyncIterator[None]:
        try_lock = getattr(self.store, "try_lock", None)
        unlock = getattr(self.store, "unlock", None)
        if try_lock is None or unlock is None:
            yield
            return
        deadline = time.monotonic() + self.LOCK_TIMEOUT
        while not try_lock():
            if time.monotonic() > deadline:
                raise SourceUnavailable(
                    "another bomcheck process is renewing the DigiKey login; try again shortly"
                )
            await asyncio.sleep(0.05)
        try:
            yield
        finally:
            unlock()
