"""Builds the configured sources for one run: one HTTP session, one limiter and transport per source."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bomcheck.config import ENV_VARS, Settings, cache_dir, config_dir
from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource
from bomcheck.distributors.digikey import (
    DIGIKEY_PRODUCTION_URL,
    DIGIKEY_SANDBOX_URL,
    DigiKeyBondedSource,
)
from bomcheck.distributors.digikey_auth import (
    OAuthTokenProvider,
    authorize_url,
    exchange_code,
    new_state,
    parse_redirect,
    sandbox_consent,
)
from bomcheck.distributors.http import RateHeaders, Transport, make_limiter
from bomcheck.distributors.quota import STATE_FILE, QuotaStore
from bomcheck.distributors.redirect_listener import catch_redirect, listener_address
from bomcheck.distributors.token_store import FileTokenStore, MemoryTokenStore, TokenStore, token_store_path
from bomcheck.errors import AuthError, ConfigError, SourceError
from bomcheck.lookups.cache import CACHE_FILE, OffersCache
from bomcheck.lookups.cached_lookups import CachedLookups, CachePolicy
from bomcheck.lookups.fanout import SourceRun
from bomcheck.model import SourceStatus
from bomcheck.sandbox import (
    SANDBOX_ARROW_API_KEY,
    SANDBOX_ARROW_LOGIN,
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
)

SANDBOX_ENVIRONMENT = "bomcheck-sandbox"


def sandbox_settings(settings: Settings, url: str) -> Settings:
    """The settings pointed at a running sandbox, with its public demo credentials."""
    return dataclasses.replace(
        settings,
        arrow_url=url,
        arrow_login=SANDBOX_ARROW_LOGIN,
        arrow_api_key=SANDBOX_ARROW_API_KEY,
        digikey_url=url,
        digikey_client_id=SANDBOX_DIGIKEY_CLIENT_ID,
        digikey_client_secret=SANDBOX_DIGIKEY_CLIENT_SECRET,
        digikey_account_id=SANDBOX_DIGIKEY_ACCOUNT_ID,
        digikey_redirect_uri=SANDBOX_REDIRECT_URI,
        environment=SANDBOX_ENVIRONMENT,
    )


@contextlib.asynccontextmanager
async def open_sources(
    settings: Settings,
) -> AsyncIterator[tuple[list[SourceRun], list[SourceStatus]]]:
    """Yield the runnable sources and a status for each source left out (with the reason)."""
    runs: list[SourceRun] = []
    unavailable: list[SourceStatus] = []
    async with aiohttp.ClientSession() as session:
        if settings.arrow_configured:
            arrow = ArrowSource(
                settings.arrow_url,
                ArrowCredentials(settings.arrow_login, settings.arrow_api_key),
                currency=settings.currency,
                api_version=settings.arrow_api_version,
            )
            runs.append(SourceRun(arrow, _transport(session, settings, settings.arrow_rate)))
        else:
            unavailable.append(SourceStatus(ArrowSource.name, False, "no Arrow credentials (set "
                                            f"{ENV_VARS['arrow_login']} and {ENV_VARS['arrow_api_key']})"))
        if settings.digikey_configured:
            tokens = OAuthTokenProvider(settings.digikey_url, settings.digikey_client_id,
                                        settings.digikey_client_secret, _token_store(settings))
            if settings.environment == SANDBOX_ENVIRONMENT:
                tokens = SandboxLogin(tokens, settings)
            digikey = DigiKeyBondedSource(settings.digikey_url, settings.digikey_client_id,
                                          settings.digikey_account_id, tokens,
                                          currency=settings.digikey_currency)
            digikey_transport = _transport(session, settings, settings.digikey_rate, DIGIKEY_HEADERS)
            quota_store, quota_key = QuotaStore(cache_dir(settings) / STATE_FILE), quota_key_of(settings)
            digikey_transport.quota = quota_store.load(quota_key)
            runs.append(SourceRun(digikey, digikey_transport))
        else:
            unavailable.append(SourceStatus(DigiKeyBondedSource.name, False, "no DigiKey credentials (set "
                                            f"{ENV_VARS['digikey_client_id']} and "
                                            f"{ENV_VARS['digikey_client_secret']})"))
        try:
            yield runs, unavailable
        finally:
            if settings.digikey_configured:
                _save_quota(quota_store, quota_key, digikey_transport)


def cache_identities(settings: Settings) -> dict[str, str]:
    """Per source, what its answers depend on besides the query: where, as whom, in what currency.

    No secret goes in (the cache hashes these anyway). The in-process sandbox is named by its
    environment, not by its port, which changes every run.
    """
    arrow_at = settings.environment or settings.arrow_url.rstrip("/")
    return {
        ArrowSource.name: f"{arrow_at}|{settings.arrow_login}|{settings.currency}|"
                          f"{settings.arrow_api_version}",
        DigiKeyBondedSource.name: f"{token_environment(settings)}|{settings.digikey_client_id}|"
                                  f"{settings.digikey_account_id}|{settings.digikey_currency}",
    }


# Arrow's terms keep its answers off the disk unless the user opts in (README: Cache).
ARROW_KEEP_HINT = f"unless {ENV_VARS['arrow_cache']}=1"


def open_lookups(settings: Settings, policy: CachePolicy, *, uncached: bool = False) -> CachedLookups:
    """The offers cache for a run or a watch service: DigiKey bonded answers on disk, Arrow's in
    memory only unless the user opted in (`arrow_cache`); close `.cache` when done.
    `uncached`: every source is asked and nothing is stored (a run under sandbox faults)."""
    on_disk = {DigiKeyBondedSource.name} | ({ArrowSource.name} if settings.arrow_cache else set())
    cache = OffersCache(cache_dir(settings) / CACHE_FILE, disk_sources=on_disk)
    return CachedLookups(cache, {} if uncached else cache_identities(settings), policy,
                         keep_hints={ArrowSource.name: ARROW_KEEP_HINT})


# DigiKey: X-BurstLimit-* is the per-minute burst, X-RateLimit-* the daily quota.
DIGIKEY_HEADERS = RateHeaders(burst="X-BurstLimit-", quota="X-RateLimit-")


def quota_key_of(settings: Settings) -> str:
    """Whose daily quota: the DigiKey environment (production, sandbox, a server) and the app.

    An in-process sandbox lives for one run and starts with a full quota; its address (a new
    port each time) keeps one run's count from limiting the next.
    """
    environment = token_environment(settings)
    if environment == SANDBOX_ENVIRONMENT:
        environment += "-" + re.sub(r"[^A-Za-z0-9]+", "-", urlsplit(settings.digikey_url).netloc).strip("-")
    return f"{environment}/{settings.digikey_client_id}"


def _save_quota(store: QuotaStore, key: str, transport: Transport) -> None:
    """Remember the quota the server last reported, for the next run's planning."""
    if transport.quota is not None:
        store.save(key, transport.quota)


def _transport(session: aiohttp.ClientSession, settings: Settings, rate: float,
               headers: RateHeaders | None = None) -> Transport:
    return Transport(session=session, limiter=make_limiter(rate), concurrency=settings.concurrency,
                     secrets=settings.secrets, timeout=settings.timeout,
                     rate_headers=headers or RateHeaders())


def _token_store(settings: Settings) -> TokenStore:
    if settings.environment == SANDBOX_ENVIRONMENT:
        return MemoryTokenStore()  # the in-process sandbox lives for one run; so does its login
    return FileTokenStore(token_store_path(config_dir(), token_environment(settings)))


def digikey_logged_in(settings: Settings) -> bool:
    """Whether a DigiKey login is stored for the environment these settings point at."""
    return _token_store(settings).load() is not None


def token_environment(settings: Settings) -> str:
    """Which DigiKey login a URL needs: production, DigiKey's sandbox, or a server of one's own."""
    if settings.environment:
        return settings.environment
    url = urlsplit(settings.digikey_url)
    if settings.digikey_url.rstrip("/") == DIGIKEY_PRODUCTION_URL:
        return "production"
    if url.hostname == urlsplit(DIGIKEY_SANDBOX_URL).hostname:
        return "digikey-sandbox"
    return "custom-" + re.sub(r"[^A-Za-z0-9]+", "-", url.netloc).strip("-")


async def login_digikey(settings: Settings, ask: Callable[[str], str],
                        tell: Callable[[str], None], *, listen: bool = True,
                        listen_timeout: float = 180.0) -> Path:
    """The 3-legged login: show the authorize URL, catch or take back the redirect, store the tokens.

    When the registered redirect URI is a plain-http loopback address with a port
    (`http://localhost:8139/callback`) and `listen` is on, a local listener catches the browser's
    redirect; after `listen_timeout` seconds (or when the port is taken) it falls back to the
    paste-back, which also serves headless servers: the browser can be on another machine, the
    user pastes back the address it was sent to.
    """
    if not (settings.digikey_client_id and settings.digikey_client_secret):
        raise ConfigError(f"set {ENV_VARS['digikey_client_id']} and "
                          f"{ENV_VARS['digikey_client_secret']} (your DigiKey app) first")
    state = new_state()
    redirect_uri = settings.digikey_redirect_uri
    tell("Open this address in a browser, log in to DigiKey and allow access:\n\n  "
         + authorize_url(settings.digikey_url, settings.digikey_client_id, redirect_uri, state) + "\n")
    code: str | None = None
    if listen and listener_address(redirect_uri) is not None:
        tell(f"Waiting up to {listen_timeout:.0f} s for the browser to come back to {redirect_uri} ...")
        code = await catch_redirect(redirect_uri, state, listen_timeout)
        if code is None:
            tell("No redirect arrived; paste it instead.")
    if code is None:
        pasted = ask(f"Paste the address the browser was sent to (it starts with {redirect_uri})")
        code = parse_redirect(pasted, state)
    store_path = token_store_path(config_dir(), token_environment(settings))
    async with aiohttp.ClientSession() as session:
        transport = _transport(session, settings, settings.digikey_rate, DIGIKEY_HEADERS)
        tokens = await exchange_code(transport, settings.digikey_url, settings.digikey_client_id,
                                     settings.digikey_client_secret, code, redirect_uri)
        store = FileTokenStore(store_path)
        store.save(tokens)
        await _show_locations(transport, settings, store, tell)
    return store_path


async def _show_locations(transport: Transport, settings: Settings, store: TokenStore,
                          tell: Callable[[str], None]) -> None:
    """Try the new login on GetLocations and say what it sees (account ids, bonded or not)."""
    provider = OAuthTokenProvider(settings.digikey_url, settings.digikey_client_id,
                                  settings.digikey_client_secret, store)
    source = DigiKeyBondedSource(settings.digikey_url, settings.digikey_client_id,
                                 settings.digikey_account_id, provider)
    try:
        locations = await source.fetch_locations(transport)
    except (SourceError, AuthError) as exc:
        tell(f"Logged in, but Supply Chain answered: {exc}")
        return
    if not locations:
        tell("Logged in; DigiKey lists no bonded inventory locations for this user.")
        return
    shown = ", ".join(f"{loc.customer_id} ({'bonded' if loc.bonded_inventory else 'no bonded stock'}"
                      f"{', ' + loc.currency if loc.currency else ''})" for loc in locations)
    tell(f"Logged in; bonded inventory locations (account ids): {shown}")
    if not settings.digikey_account_id:
        tell(f"Set {ENV_VARS['digikey_account_id']} to one of them to ask only that account.")


class SandboxLogin:
    """Logs in to OUR sandbox on first use, which consents by itself as a user clicking Allow would."""

    def __init__(self, provider: OAuthTokenProvider, settings: Settings) -> None:
        self._provider = provider
        self._settings = settings
        self._logged_in = False

    async def access_token(self, transport: Transport) -> str:
        if not self._logged_in:
            await self._log_in(transport)
        return await self._provider.access_token(transport)

    async def refresh(self, transport: Transport) -> str:
        return await self._provider.refresh(transport)

    async def _log_in(self, transport: Transport) -> None:
        s = self._settings
        state = new_state()
        code = await sandbox_consent(transport, s.digikey_url, s.digikey_client_id,
                                     s.digikey_redirect_uri, state)
        tokens = await exchange_code(transport, s.digikey_url, s.digikey_client_id,
                                     s.digikey_client_secret, code, s.digikey_redirect_uri)
        self._provider.store.save(tokens)
        self._logged_in = True
