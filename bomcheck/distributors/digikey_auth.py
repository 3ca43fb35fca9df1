"""DigiKey OAuth 2.0 (3-legged): authorize URL, code exchange, rotating refresh, durable token store."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

from bomcheck.distributors.base import Transport
from bomcheck.errors import AuthError, SourceError, SourceUnavailable

try:  # POSIX only; elsewhere the file lock is a no-op
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

Clock = Callable[[], float]

AUTHORIZE_PATH = "/v1/oauth2/authorize"
TOKEN_PATH = "/v1/oauth2/token"
LOGIN_EXPIRED = (
    "DigiKey login expired or revoked; run `bomcheck auth digikey` to log in again"
)
NOT_LOGGED_IN = "not logged in to DigiKey; run `bomcheck auth digikey` to log in"
# DigiKey's lifetimes vary (10 min to 24 h access); when an answer lacks expires_in we assume
# the shortest seen, so the token is refreshed early rather than used after it died.
DEFAULT_EXPIRES_IN = 600


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


@dataclass(frozen=True)
class Tokens:
    """An access token, the refresh token that renews it, and when the access token dies."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float  # epoch seconds

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at - now <= seconds


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
            raise AuthError(LOGIN_EXPIRED)
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
    return Tokens(access_token=access, refresh_token=refresh, expires_at=now + max(0.0, expires_in))


async def _token_request(
    transport: Transport, base_url: str, form: Mapping[str, str], now: Clock,
    previous_refresh_token: str | None = None,
) -> Tokens:
    hidden = [value for key, value in form.items()
              if key in ("client_secret", "code", "refresh_token") and value]

    def redact(text: str) -> str:
        for secret in hidden:
            text = text.replace(secret, "***")
        return transport.redact(text)

    url = f"{base_url.rstrip('/')}{TOKEN_PATH}"
    try:
        # A refresh is sent once: repeating it after a lost answer would spend the rotated token.
        response = await transport.request(
            "POST", url, data=form, headers={"Accept": "application/json"},
            attempts=1 if form.get("grant_type") == "refresh_token" else None,
        )
    except SourceError as exc:
        unreachable = SourceUnavailable(redact(f"DigiKey login server unreachable: {exc}"),
                                        retryable=True)
    else:
        unreachable = None
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
            f"DigiKey login server unavailable (HTTP {response.status}); try again later",
            retryable=True,
        )
    oauth_error = _oauth_error(body) is not None
    if response.status != 200 or oauth_error:
        log.warning("DigiKey token endpoint refused the request: HTTP %s (request id %s)",
                    response.status, request_id)
        if not oauth_error:
            raise AuthError(f"DigiKey login failed (HTTP {response.status})")
    try:
        return tokens_from_response(body, now(), previous_refresh_token=previous_refresh_token)
    except AuthError as exc:
        refused = AuthError(redact(str(exc)))
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
    return await _token_request(transport, base_url, form, now)


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
    try:
        response = await transport.request("GET", url, allow_redirects=False)
    except SourceError as exc:
        failure = AuthError(transport.redact(f"DigiKey sandbox unreachable: {exc}"))
    else:
        failure = None
    if failure is not None:
        raise failure
    location = response.header("Location")
    if not (300 <= response.status < 400) or not location:
        raise AuthError(f"the DigiKey sandbox did not redirect (HTTP {response.status})")
    return parse_redirect(location, state)



# --------------------------------------------------------------------------- storage


class TokenStore(Protocol):
    """Where the current tokens live between runs."""

    def load(self) -> Tokens | None: ...

    def save(self, tokens: Tokens) -> None: ...


class MemoryTokenStore:
    """Tokens kept in memory only (tests, one-shot runs)."""

    def __init__(self, tokens: Tokens | None = None) -> None:
        self.tokens = tokens
        self.saves = 0

    def __repr__(self) -> str:
        return f"MemoryTokenStore(saves={self.saves})"

    def load(self) -> Tokens | None:
        return self.tokens

    def save(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.saves += 1


def token_store_path(config_dir: Path, environment: str) -> Path:
    """The token file of one DigiKey environment: sandbox and production logins never mix."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", environment):
        raise ValueError(f"invalid DigiKey environment name {environment!r}")
    return Path(config_dir) / f"digikey-tokens-{environment.lower()}.json"


class FileTokenStore:
    """Tokens in a JSON file readable by the owner only (0600), replaced atomically.

    save() writes a temp file in the same directory, flushes and fsyncs it, then os.replace()s
    it over the old file: a crash leaves either the old or the new refresh token, never half
    a file. try_lock()/unlock() take an advisory lock on a side file so that only one process
    refreshes (refresh tokens rotate; two refreshes with one token lose the login).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = None

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> Tokens | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the DigiKey token file %s: %s", self.path, exc.strerror)
            return None
        self._tighten()
        try:
            data = json.loads(raw)
            tokens = Tokens(
                access_token=_require_str(data, "access_token"),
                refresh_token=_require_str(data, "refresh_token"),
                expires_at=float(data["expires_at"]),
            )
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            log.warning("ignoring the unreadable DigiKey token file %s (%s); "
                        "run `bomcheck auth digikey` to log in again", self.path,
                        type(exc).__name__)
            return None
        return tokens

    def save(self, tokens: Tokens) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = json.dumps({
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
        }).encode()
        temp = directory / f".{self.path.name}.{secrets.token_hex(6)}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        self._tighten()
        _fsync_directory(directory)

    def try_lock(self) -> bool:
        """Take the refresh lock without blocking; False when another process holds it."""
        if self._lock_fd is not None:
            return False  # held by another user of this very store
        if fcntl is None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def unlock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _tighten(self) -> None:
        with contextlib.suppress(OSError):
            if self.path.stat().st_mode & 0o077:
                os.chmod(self.path, 0o600)


def _require_str(data: Any, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where directories cannot be opened."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- provider


class TokenProvider(Protocol):
    """What a DigiKey source needs: a usable access token, and a forced refresh after a 401."""

    async def access_token(self, transport: Transport) -> str: ...

    async def refresh(self, transport: Transport) -> str: ...


class OAuthTokenProvider:
    """Access tokens from a TokenStore, refreshed shortly before they expire.

    Every refresh saves the rotated tokens to the store BEFORE the new access token is used,
    and happens once however many callers ask at the same time (an asyncio.Lock in-process,
    the store's try_lock() across processes, re-reading the store after taking them).
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
        self._tokens: Tokens | None = None
        self._lock = asyncio.Lock()
        self._refreshed_at: float | None = None  # time.monotonic() of our last refresh

    def __repr__(self) -> str:
        return f"OAuthTokenProvider({self.base_url!r}, client_id={self.client_id!r})"

    async def access_token(self, transport: Transport) -> str:
        tokens = self._tokens
        if tokens is None or tokens.expires_within(self.margin, self._now()):
            tokens = self.store.load()  # another process may have refreshed already
            if tokens is None:
                raise AuthError(NOT_LOGGED_IN)
            self._tokens = tokens
        if not tokens.expires_within(self.margin, self._now()):
            return tokens.access_token
        return await self.refresh(transport)

    async def refresh(self, transport: Transport, *, rejected_token: str | None = None) -> str:
        """Renew the tokens now (after a 401 "expired"), unless that already happened: when
        the store holds a valid access token other than `rejected_token` (default: the one
        this provider handed out when called), or we refreshed moments ago."""
        stale = rejected_token or (self._tokens.access_token if self._tokens else None)
        async with self._lock, self._store_lock():
            current = self.store.load()
            if current is None:
                raise AuthError(NOT_LOGGED_IN)
            valid = not current.expires_within(self.margin, self._now())
            recent = (self._refreshed_at is not None and rejected_token is None
                      and time.monotonic() - self._refreshed_at < self.RECENT)
            if valid and ((stale is not None and current.access_token != stale) or recent):
                self._tokens = current  # refreshed meanwhile by another caller or process
                return current.access_token
            new = await refresh_tokens(
                transport, self.base_url, self.client_id, self._client_secret,
                current.refresh_token, now=self._now,
            )
            self.store.save(new)  # the old refresh token is dead now: persist first
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
