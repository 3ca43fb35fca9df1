"""A run's parts from Settings: THE registry of sources (the only list of vendors), the cache, the sandbox."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
from collections.abc import AsyncIterator, Callable, MutableMapping, MutableSet, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from bomcheck.config import (
    ENV_VARS,
    Setting,
    Settings,
    cache_dir,
    config_dir,
    config_path,
    declare,
    undeclare,
)
from bomcheck.distributors.arrow import ARROW_PRODUCTION_URL, ArrowCredentials, ArrowSource
from bomcheck.distributors.digikey import (
    DIGIKEY_PRODUCTION_URL,
    DIGIKEY_SANDBOX_URL,
    DigiKeyBondedSource,
)
from bomcheck.distributors.digikey_app_token import AppTokens
from bomcheck.distributors.digikey_auth import (
    NOT_LOGGED_IN,
    OAuthTokenProvider,
    TokenProvider,
    authorize_url,
    exchange_code,
    new_state,
    parse_redirect,
    sandbox_consent,
)
from bomcheck.distributors.digikey_catalog import DigiKeyCatalogSource
from bomcheck.distributors.digikey_parse import BondedLocation, location_currencies
from bomcheck.distributors.http import RateHeaders, Transport, make_limiter
from bomcheck.distributors.mouser import MOUSER_PRODUCTION_URL, MouserSource
from bomcheck.distributors.quota import STATE_FILE, QuotaStore
from bomcheck.distributors.redirect_listener import CERTIFICATE_NOTE, catch_redirect, listener_address
from bomcheck.distributors.token_store import (
    FileTokenStore,
    MemoryTokenStore,
    TokenStore,
    load_location_currencies,
    locations_path,
    save_location_currencies,
    token_store_path,
)
from bomcheck.errors import AuthError, ConfigError, SourceError
from bomcheck.lookups.cache import CACHE_FILE, OffersCache
from bomcheck.lookups.cached_lookups import CachedLookups, CachePolicy
from bomcheck.lookups.fanout import SourceRun
from bomcheck.model import Query, SourceStatus, other_maker
from bomcheck.sandbox import (
    SANDBOX_ARROW_API_KEY,
    SANDBOX_ARROW_LOGIN,
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_MOUSER_API_KEY,
    SANDBOX_REDIRECT_URI,
)
from bomcheck.sandbox.catalog import listed_maker, part_key

if TYPE_CHECKING:  # the server itself is loaded only by the runs that start one
    from bomcheck.sandbox.server import SandboxConfig

SANDBOX_ENVIRONMENT = "bomcheck-sandbox"

# Arrow documents these currencies for prices (its example also spells CAD "CAN").
ARROW_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "SGD", "AUD", "CAD", "CAN", "HKD", "MYR", "KRW", "BRL",
                    "CNY", "INR", "MXN", "TWD")


@dataclass(frozen=True)
class OpenedSource:
    """A source built for one run: its run, and what to do when the run ends (save its quota)."""

    run: SourceRun
    close: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class SourceSpec:
    """One entry of the registry: everything the rest of bomcheck needs to know about a source.

    `open` builds the source for a run; `identity` is what its answers depend on besides the
    query (the cache key: where, as whom, in what currency; no secret); `on_disk` says whether its
    answers may be kept on disk (else in memory only, `keep_hint` saying how to opt in);
    `sandbox` the settings that point it at a running sandbox.
    """

    name: str
    vendor: str  # whose credentials it takes ("DigiKey" for both DigiKey sources)
    column: str
    settings: tuple[Setting, ...]
    configured: Callable[[Settings], bool]
    needs: tuple[str, ...]  # the settings that switch it on, for "set … to check it"
    open: Callable[[Settings, aiohttp.ClientSession], OpenedSource]
    identity: Callable[[Settings], str]
    sandbox: Callable[[str], dict[str, Any]]
    on_disk: Callable[[Settings], bool] = lambda settings: True
    keep_hint: str = ""
    max_age: timedelta | None = None  # the oldest cached answer its terms allow, whatever --max-age says
    check: Callable[[Settings], None] | None = None
    link_domains: tuple[str, ...] = ()  # where its offers' links may point (live links in the workbook)
    # The BOM columns of sellers' numbers this source looks parts up by (BomLine.distributor_pns
    # roles): a line listing only such a number is resolved to its MPN by this source, and the
    # other sources are asked about that MPN (lookups/sellers.py).
    numbers: tuple[str, ...] = ()
    # What a configured source still lacks before it can answer (a login), said once when a
    # long-running service starts; None: nothing.
    missing: Callable[[Settings], str | None] = lambda settings: None


# ---------------------------------------------------------------------------------------- Arrow

def _arrow_settings() -> tuple[Setting, ...]:
    return (
        Setting("arrow_url", ARROW_PRODUCTION_URL, "BOMCHECK_ARROW_URL"),
        Setting("arrow_login", "", "BOMCHECK_ARROW_LOGIN"),
        Setting("arrow_api_key", "", "BOMCHECK_ARROW_API_KEY", secret=True),
        Setting("arrow_api_version", "v3", "BOMCHECK_ARROW_API_VERSION",
                check=lambda value: None if value in ("v3", "v4") else f"must be v3 or v4, got {value!r}"),
        Setting("arrow_rate", 5.0, "BOMCHECK_ARROW_RATE"),  # requests per second
        # Arrow's terms forbid caching their data: on disk only when the user opts in (README "Cache").
        Setting("arrow_cache", False, "BOMCHECK_ARROW_CACHE"),
    )


def _arrow_currency(settings: Settings) -> None:
    if settings.currency not in ARROW_CURRENCIES:
        raise ConfigError(f"currency {settings.currency!r} is not one Arrow prices in; use one of "
                          f"{', '.join(ARROW_CURRENCIES)} (--currency or BOMCHECK_CURRENCY)")


# Arrow documents no rate headers (arrow.md): an X-RateLimit-* from a gateway in front of it may be a
# daily figure, which read as a short-term limit would slow a run to a crawl. 429 + Retry-After rule.
NO_RATE_HEADERS = RateHeaders(burst=None, quota=None)
ARROW_HEADERS = NO_RATE_HEADERS


def _open_arrow(settings: Settings, session: aiohttp.ClientSession) -> OpenedSource:
    arrow = ArrowSource(settings.arrow_url, ArrowCredentials(settings.arrow_login, settings.arrow_api_key),
                        currency=settings.currency, api_version=settings.arrow_api_version)
    return OpenedSource(SourceRun(arrow, _transport(session, settings, settings.arrow_rate, ARROW_HEADERS)))


def _arrow_identity(settings: Settings) -> str:
    arrow_at = settings.environment or settings.arrow_url.rstrip("/")
    return f"{arrow_at}|{settings.arrow_login}|{settings.currency}|{settings.arrow_api_version}"


# Arrow's terms keep its answers off the disk unless the user opts in (README: Cache).
ARROW_KEEP_HINT = "unless BOMCHECK_ARROW_CACHE=1"

ARROW = SourceSpec(
    name=ArrowSource.name,
    vendor="Arrow",
    column="Arrow Stock",
    settings=_arrow_settings(),
    configured=lambda settings: bool(settings.arrow_login and settings.arrow_api_key),
    needs=("arrow_login", "arrow_api_key"),
    open=_open_arrow,
    identity=_arrow_identity,
    sandbox=lambda url: {"arrow_url": url, "arrow_login": SANDBOX_ARROW_LOGIN,
                         "arrow_api_key": SANDBOX_ARROW_API_KEY},
    on_disk=lambda settings: bool(settings.arrow_cache),
    keep_hint=ARROW_KEEP_HINT,
    check=_arrow_currency,
    link_domains=("arrow.com", "verical.com"),
)


# ------------------------------------------------------------------------------- DigiKey bonded

def _digikey_settings() -> tuple[Setting, ...]:
    return (
        Setting("digikey_url", DIGIKEY_PRODUCTION_URL, "BOMCHECK_DIGIKEY_URL"),
        Setting("digikey_client_id", "", "BOMCHECK_DIGIKEY_CLIENT_ID"),
        Setting("digikey_client_secret", "", "BOMCHECK_DIGIKEY_CLIENT_SECRET", secret=True),
        # DigiKey's sandbox (sandbox-api.digikey.com) has apps of its own: a production app's id gets
        # 401 "Invalid clientId" there. Used wherever the DigiKey URL is the sandbox (`auth --sandbox`).
        Setting("digikey_sandbox_client_id", "", "BOMCHECK_DIGIKEY_SANDBOX_CLIENT_ID"),
        Setting("digikey_sandbox_client_secret", "", "BOMCHECK_DIGIKEY_SANDBOX_CLIENT_SECRET", secret=True),
        Setting("digikey_account_id", "", "BOMCHECK_DIGIKEY_ACCOUNT_ID"),
        Setting("digikey_redirect_uri", "https://localhost", "BOMCHECK_DIGIKEY_REDIRECT_URI"),
        Setting("digikey_rate", 2.0, "BOMCHECK_DIGIKEY_RATE"),  # 120 a minute, DigiKey's per-minute quota
        # The account's billing currency (`bomcheck auth digikey` shows it per location): the bonded
        # answer carries prices without a currency, so this labels them.
        Setting("digikey_currency", "USD", "BOMCHECK_DIGIKEY_CURRENCY",
                check=lambda value: None if re.fullmatch(r"[A-Z]{3}", str(value).upper()) else
                f"must be a three-letter code such as USD or EUR, got {value!r}"),
    )


def _digikey_configured(settings: Settings) -> bool:
    """An app's client id and secret AND the bonded account id: the app alone switches on the
    catalog (`DIGIKEY`), which every DigiKey developer may use; bonded inventory needs an agreement
    with DigiKey, which the user says by naming the account. On DigiKey's sandbox a production app
    still counts: the missing sandbox login then says what to set (`auth digikey --sandbox`)."""
    app = all(digikey_app(settings)) or bool(settings.digikey_client_id and settings.digikey_client_secret)
    return app and bool(settings.digikey_account_id)


def _open_digikey_bonded(settings: Settings, session: aiohttp.ClientSession) -> OpenedSource:
    client_id, client_secret = digikey_app(settings)
    provider = OAuthTokenProvider(settings.digikey_url, client_id, client_secret, _token_store(settings))
    provider.warn_if_login_ends_soon()  # issue 17: on every `check`, even one answered from the cache
    tokens: TokenProvider = provider
    if settings.environment == SANDBOX_ENVIRONMENT:
        tokens = SandboxLogin(tokens, settings)  # type: ignore[arg-type]
    source = DigiKeyBondedSource(settings.digikey_url, client_id, settings.digikey_account_id, tokens,
                                 currency=settings.digikey_currency.upper(),
                                 location_currencies=_location_currencies(settings))
    transport = _transport(session, settings, settings.digikey_rate, DIGIKEY_HEADERS)
    return _with_daily_quota(SourceRun(source, transport), settings, quota_key_of(settings))


def _digikey_identity(settings: Settings) -> str:
    return (f"{token_environment(settings)}|{digikey_app(settings)[0]}|{settings.digikey_account_id}|"
            f"{settings.digikey_currency.upper()}")


DIGIKEY_BONDED = SourceSpec(
    name=DigiKeyBondedSource.name,
    vendor="DigiKey",
    column="DigiKey Bonded",
    settings=_digikey_settings(),
    configured=_digikey_configured,
    needs=("digikey_client_id", "digikey_client_secret", "digikey_account_id"),
    open=_open_digikey_bonded,
    identity=_digikey_identity,
    sandbox=lambda url: {"digikey_url": url, "digikey_client_id": SANDBOX_DIGIKEY_CLIENT_ID,
                         "digikey_client_secret": SANDBOX_DIGIKEY_CLIENT_SECRET,
                         "digikey_account_id": SANDBOX_DIGIKEY_ACCOUNT_ID,
                         "digikey_redirect_uri": SANDBOX_REDIRECT_URI},
    link_domains=("digikey.com",),
    missing=lambda settings: None if digikey_logged_in(settings) else NOT_LOGGED_IN,
)


# ------------------------------------------------------------------------------ DigiKey catalog

def _digikey_catalog_settings() -> tuple[Setting, ...]:
    """The app and URL settings it shares with the bonded source, and its own rate."""
    shared = {setting.name: setting for setting in _digikey_settings()}
    return (
        shared["digikey_url"], shared["digikey_client_id"], shared["digikey_client_secret"],
        shared["digikey_account_id"],
        # Product Information v4 allows 120 a minute (and 1000 a day) per app, apart from Supply Chain
        Setting("digikey_catalog_rate", 2.0, "BOMCHECK_DIGIKEY_CATALOG_RATE"),
    )


def catalog_quota_key(settings: Settings) -> str:
    """Whose catalog quota: Product Information counts apart from Supply Chain, per app."""
    return quota_key_of(settings) + "/product-information"


def _open_digikey_catalog(settings: Settings, session: aiohttp.ClientSession) -> OpenedSource:
    client_id, client_secret = digikey_app(settings)  # DigiKey's sandbox has apps of its own
    tokens = AppTokens(settings.digikey_url, client_id, client_secret)
    source = DigiKeyCatalogSource(settings.digikey_url, client_id, tokens,
                                  currency=settings.currency, account_id=settings.digikey_account_id)
    transport = _transport(session, settings, settings.digikey_catalog_rate, DIGIKEY_HEADERS)
    return _with_daily_quota(SourceRun(source, transport), settings, catalog_quota_key(settings))


def _digikey_catalog_identity(settings: Settings) -> str:
    """Prices follow the currency asked for (the locale headers) and the account (MyPricing)."""
    return (f"{token_environment(settings)}|catalog|{digikey_app(settings)[0]}|"
            f"{settings.digikey_account_id}|{settings.currency}")


DIGIKEY = SourceSpec(
    name=DigiKeyCatalogSource.name,
    vendor="DigiKey",
    column="DigiKey Stock",
    settings=_digikey_catalog_settings(),
    configured=lambda settings: all(digikey_app(settings)),
    needs=("digikey_client_id", "digikey_client_secret"),
    open=_open_digikey_catalog,
    identity=_digikey_catalog_identity,
    # digikey-catalog.md: no cache period found in DigiKey's terms: "cache for hours, not weeks"
    max_age=timedelta(hours=24),
    # the in-process sandbox answers at once and has no per-minute limit unless asked (as Mouser's)
    sandbox=lambda url: {"digikey_url": url, "digikey_client_id": SANDBOX_DIGIKEY_CLIENT_ID,
                         "digikey_client_secret": SANDBOX_DIGIKEY_CLIENT_SECRET,
                         "digikey_catalog_rate": 20.0},
    # DigiKey's terms ask for attribution, not for keeping answers off the disk (README: DigiKey):
    # on disk, used for hours (--max-age), every offer labelled DigiKey in the outputs.
    link_domains=("digikey.com",),
    numbers=("digikey_pn",),
)


# -------------------------------------------------------------------------------------- Mouser

MOUSER_DAILY_CALLS = 1000  # Mouser's Search API: 1,000 calls a day, 30 a minute


def _mouser_settings() -> tuple[Setting, ...]:
    return (
        Setting("mouser_url", MOUSER_PRODUCTION_URL, "BOMCHECK_MOUSER_URL"),
        Setting("mouser_api_key", "", "BOMCHECK_MOUSER_API_KEY", secret=True),
        Setting("mouser_rate", 0.5, "BOMCHECK_MOUSER_RATE"),  # 30 a minute, Mouser's limit
    )


def _key_digest(key: str) -> str:
    """Which Mouser key, without the key: two accounts keep their own counts and answers."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def mouser_quota_key(settings: Settings) -> str:
    """Whose daily count: the Mouser server and the key (its digest). Mouser sends no count of
    its own, so bomcheck counts the calls it sends; an in-process sandbox counts per server."""
    where = settings.environment or urlsplit(settings.mouser_url).netloc
    if settings.environment == SANDBOX_ENVIRONMENT:
        where += "-" + re.sub(r"[^A-Za-z0-9]+", "-", urlsplit(settings.mouser_url).netloc).strip("-")
    return f"mouser/{where}/{_key_digest(settings.mouser_api_key)}"


def _open_mouser(settings: Settings, session: aiohttp.ClientSession) -> OpenedSource:
    source = MouserSource(settings.mouser_url, settings.mouser_api_key, currency=settings.currency)
    # Mouser documents no rate headers (a client reads X-RateLimit-* on a 503, unconfirmed: mouser.md):
    # one seen is not taken for a short-term limit; its own 30 a minute and 429/503 retries hold.
    transport = _transport(session, settings, settings.mouser_rate, NO_RATE_HEADERS)
    transport.secrets = (*transport.secrets, *source.secrets)
    # Mouser sends no count of its 1,000 calls a day: the transport counts each call it sends, from
    # the count the last run saved (or the whole day), so the fan-out's pre-check and a watch service
    # see it fall during the run; a daily refusal sets it to 0. Saved on close for the next run.
    transport.own_daily_limit = MOUSER_DAILY_CALLS
    return _with_daily_quota(SourceRun(source, transport), settings, mouser_quota_key(settings))


def _mouser_identity(settings: Settings) -> str:
    """The account's locale sets the currency and words of its answers: the key stands for it."""
    where = settings.environment or settings.mouser_url.rstrip("/")
    return f"{where}|{_key_digest(settings.mouser_api_key)}"


MOUSER = SourceSpec(
    name=MouserSource.name,
    vendor="Mouser",
    column="Mouser Stock",
    settings=_mouser_settings(),
    configured=lambda settings: bool(settings.mouser_api_key),
    needs=("mouser_api_key",),
    open=_open_mouser,
    identity=_mouser_identity,
    max_age=timedelta(hours=24),  # mouser.md: its terms could not be read: "treat as unknown; short TTL"
    # The sandbox's Mouser keeps no per-minute limit unless asked (`SandboxConfig.mouser_per_minute`):
    # a demo need not wait two seconds a call.
    sandbox=lambda url: {"mouser_url": url, "mouser_api_key": SANDBOX_MOUSER_API_KEY, "mouser_rate": 20.0},
    link_domains=("mouser.com",),
    numbers=("mouser_pn",),
)


# ------------------------------------------------------------------------------------ registry

# THE list of vendors: every source bomcheck knows, in the order the outputs show them.
SOURCES: list[SourceSpec] = [ARROW, DIGIKEY_BONDED, DIGIKEY, MOUSER]


def register(spec: SourceSpec) -> None:
    """Add a source to the registry (and its settings to those bomcheck reads)."""
    SOURCES.append(spec)
    declare(*spec.settings, check=spec.check)


def unregister(spec: SourceSpec) -> None:
    """Take a source out of the registry again (a plug-in switched off, a test done)."""
    SOURCES.remove(spec)
    undeclare(*spec.settings, check=spec.check)


for _spec in SOURCES:
    declare(*_spec.settings, check=_spec.check)


def sandbox_settings(settings: Settings, url: str) -> Settings:
    """The settings pointed at a running sandbox, with its public demo credentials."""
    pointed: dict[str, Any] = {}
    for spec in SOURCES:
        pointed.update(spec.sandbox(url))
    return dataclasses.replace(settings, environment=SANDBOX_ENVIRONMENT, **pointed)


def sandbox_environment(url: str) -> list[tuple[str, str]]:
    """The variables (and values) that point bomcheck at the sandbox at `url`, every source's."""
    return [(ENV_VARS[name], str(value)) for spec in SOURCES for name, value in spec.sandbox(url).items()]


def link_domains() -> tuple[str, ...]:
    """Every registered source's link domains."""
    return tuple(domain for spec in SOURCES for domain in spec.link_domains)


def any_source_configured(settings: Settings) -> bool:
    return any(spec.configured(settings) for spec in SOURCES)


def missing_credentials_message() -> str:
    """What to tell a user who asked for a real run without any credentials."""
    by_vendor: dict[str, list[SourceSpec]] = {}
    for spec in SOURCES:
        by_vendor.setdefault(spec.vendor, []).append(spec)
    said = []
    for vendor, specs in by_vendor.items():  # the fewest settings that switch a vendor on, then the rest
        first = min(specs, key=lambda spec: len(spec.needs))
        text = f"{', '.join(ENV_VARS[name] for name in first.needs)} for {vendor}"
        more = [f"{', '.join(ENV_VARS[name] for name in extra)} for {spec.name}" for spec in specs
                if spec is not first and (extra := [name for name in spec.needs if name not in first.needs])]
        said.append(text + (f" (+ {'; '.join(more)})" if more else ""))
    each = " and/or ".join(said)
    return (f"no distributor credentials found; set {each} (or put them in {config_path()}), or pass "
            "--sandbox to try bomcheck on its built-in sandbox")


@contextlib.asynccontextmanager
async def open_sources(
    settings: Settings,
) -> AsyncIterator[tuple[list[SourceRun], list[SourceStatus]]]:
    """Yield the runnable sources and a status for each source left out (with the reason)."""
    runs: list[SourceRun] = []
    unavailable: list[SourceStatus] = []
    opened: list[OpenedSource] = []
    async with aiohttp.ClientSession() as session:
        for rank, spec in enumerate(SOURCES):
            if spec.configured(settings):
                source = spec.open(settings, session)
                opened.append(source)
                runs.append(dataclasses.replace(source.run, column=spec.column, rank=rank,
                                                link_domains=spec.link_domains, numbers=spec.numbers))
            else:
                needs = " and ".join(ENV_VARS[name] for name in spec.needs)
                why = f"no {spec.vendor} credentials (set {needs})"
                unavailable.append(SourceStatus(spec.name, False, why, column=spec.column, rank=rank))
        try:
            yield runs, unavailable
        finally:
            for source in opened:
                source.close()


def cache_identities(settings: Settings) -> dict[str, str]:
    """Per source, what its answers depend on besides the query: where, as whom, in what currency.

    No secret goes in (the cache hashes these anyway). The in-process sandbox is named by its
    environment, not by its port, which changes every run.
    """
    return {spec.name: spec.identity(settings) for spec in SOURCES}


def answers_from(settings: Settings) -> str:
    """Where and as whom every source is asked, in one line (no secret): what a watch output's
    reuse depends on besides the file and the options. Another address or account of any
    source is another run."""
    return " ".join(f"{name}={identity}" for name, identity in sorted(cache_identities(settings).items()))


def open_lookups(settings: Settings, policy: CachePolicy, *, uncached: bool = False,
                 sandbox: SandboxConfig | None = None) -> CachedLookups:
    """The offers cache for a run or a watch service, each source's answers on disk or in memory as
    its registry entry says; close `.cache` when done.
    `uncached`: every source is asked and nothing is stored (a run under sandbox faults).
    `sandbox`: an in-process sandbox's config, told what the BOMs name as they are asked."""
    on_disk = {spec.name for spec in SOURCES if spec.on_disk(settings)}
    cache = OffersCache(cache_dir(settings) / CACHE_FILE, disk_sources=on_disk)
    return CachedLookups(cache, {} if uncached else cache_identities(settings), policy,
                         keep_hints={spec.name: spec.keep_hint for spec in SOURCES if spec.keep_hint},
                         age_caps={spec.name: spec.max_age for spec in SOURCES if spec.max_age is not None},
                         on_ask=None if sandbox is None else naming_makers(sandbox.named_makers,
                                                                           sandbox.named_numbers))


def naming_makers(named_makers: MutableMapping[str, str],
                  named_numbers: MutableSet[str] | None = None) -> Callable[[Sequence[Query]], None]:
    """Tell the sandbox the maker each query names where its catalog would list another.

    The synthetic catalog cannot know who makes a part it has never heard of; a real distributor
    does, and on a correct BOM that is the maker the BOM names. Without this a real BOM checked
    on the sandbox came out half OTHER MAKER, a verdict about the sandbox and not about the BOM."""
    def name(queries: Sequence[Query]) -> None:
        for query in queries:
            if query.mpn and query.manufacturer and other_maker(query.manufacturer,
                                                                listed_maker(query.mpn)):
                named_makers[part_key(query.mpn)] = query.manufacturer.strip()
            if named_numbers is not None and query.mpn and query.digikey_pn:
                named_numbers.add(query.digikey_pn.strip().upper())
    return name


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
    return f"{environment}/{digikey_app(settings)[0]}"


def _with_daily_quota(run: SourceRun, settings: Settings, key: str) -> OpenedSource:
    """The run, its transport starting from the quota the last run saw under `key`, saved on close."""
    store = QuotaStore(cache_dir(settings) / STATE_FILE)
    run.transport.quota = store.load(key)
    return OpenedSource(run, close=lambda: _save_quota(store, key, run.transport))


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


def _location_currencies(settings: Settings) -> dict[int, str]:
    """Each bonded location's currency, as `bomcheck auth digikey` stored it. The in-process sandbox
    (whose login lives in memory) gets what its GetLocations would answer, at no request."""
    if settings.environment == SANDBOX_ENVIRONMENT:
        from bomcheck.sandbox import catalog  # only a sandbox run pays for loading the catalog

        return {location.customer_id: location.currency
                for location in catalog.bonded_locations(SANDBOX_DIGIKEY_ACCOUNT_ID)}
    return load_location_currencies(locations_path(config_dir(), token_environment(settings)))


def still_missing(settings: Settings) -> list[str]:
    """For each configured source that cannot answer yet (no login): '<name>: <what to do>'."""
    said = [(spec.name, spec.missing(settings)) for spec in SOURCES if spec.configured(settings)]
    return [f"{name}: {what}" for name, what in said if what]


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


def digikey_app(settings: Settings) -> tuple[str, str]:
    """The DigiKey app (client id, secret) for where the settings point.

    DigiKey's sandbox has apps of its own (a production id gets 401 "Invalid clientId" there):
    BOMCHECK_DIGIKEY_SANDBOX_CLIENT_ID/SECRET when set, else the main pair (which may hold a
    sandbox app's).
    """
    if token_environment(settings) == "digikey-sandbox" and settings.digikey_sandbox_client_id:
        return settings.digikey_sandbox_client_id, settings.digikey_sandbox_client_secret
    return settings.digikey_client_id, settings.digikey_client_secret


def _app_missing(settings: Settings) -> ConfigError:
    if token_environment(settings) == "digikey-sandbox":
        return ConfigError("DigiKey's sandbox takes an app of its own: set "
                           f"{ENV_VARS['digikey_sandbox_client_id']} and "
                           f"{ENV_VARS['digikey_sandbox_client_secret']} (your app on DigiKey's sandbox) "
                           "first")
    return ConfigError(f"set {ENV_VARS['digikey_client_id']} and "
                       f"{ENV_VARS['digikey_client_secret']} (your DigiKey app) first")


# The authorization code's lifetime (digikey.md: "about one minute"), said where the user pastes it.
PASTE_PROMPT = ("Paste the address the browser was sent to (it starts with {}; the code in it lives about "
                "one minute, so paste it promptly)")


async def login_digikey(settings: Settings, ask: Callable[[str], str],
                        tell: Callable[[str], None], *, listen: bool = True,
                        listen_timeout: float = 180.0) -> Path:
    """The 3-legged login: show the authorize URL, catch or take back the redirect, store the tokens.

    DigiKey registers only https:// callbacks (digikey.md). The default, `https://localhost`, has no
    port a user may listen on: the browser lands on a page that does not load, and the user pastes
    its address back (which also serves headless servers: the browser can be on another machine).
    A loopback callback with a port (`https://localhost:8139/callback`) is caught by a local
    listener over HTTPS with a certificate made for this login (the browser warns once); after
    `listen_timeout` seconds, or when the port or a certificate cannot be had, it falls back to
    the paste-back. Then the new login is tried on GetLocations (and GetOneLocation for the
    configured account id), and each location's currency is stored beside the tokens.
    """
    client_id, client_secret = digikey_app(settings)
    if not (client_id and client_secret):
        raise _app_missing(settings)
    if token_environment(settings) == "digikey-sandbox" and not settings.digikey_sandbox_client_id:
        tell(f"{ENV_VARS['digikey_sandbox_client_id']} is not set: using {ENV_VARS['digikey_client_id']}, "
             "which DigiKey's sandbox refuses (401 Invalid clientId) unless it is a sandbox app's.")
    state = new_state()
    redirect_uri = settings.digikey_redirect_uri
    tell("Open this address in a browser, log in to DigiKey and allow access:\n\n  "
         + authorize_url(settings.digikey_url, client_id, redirect_uri, state) + "\n")
    code: str | None = None
    address = listener_address(redirect_uri) if listen else None
    if address is not None:
        if address.https:
            tell(CERTIFICATE_NOTE)
        tell(f"Waiting up to {listen_timeout:.0f} s for the browser to come back to {redirect_uri} ...")
        code = await catch_redirect(redirect_uri, state, listen_timeout)
        if code is None:
            tell("No redirect arrived; paste it instead.")
    elif listener_address(redirect_uri) is None:
        tell(f"After you allow access the browser is sent to {redirect_uri}, where nothing answers: the "
             "page will not load, which is expected. Copy the address from the address bar.")
    if code is None:
        pasted = ask(PASTE_PROMPT.format(redirect_uri))
        code = parse_redirect(pasted, state)
    store_path = token_store_path(config_dir(), token_environment(settings))
    async with aiohttp.ClientSession() as session:
        transport = _transport(session, settings, settings.digikey_rate, DIGIKEY_HEADERS)
        tokens = await exchange_code(transport, settings.digikey_url, client_id, client_secret, code,
                                     redirect_uri)
        store = FileTokenStore(store_path)
        store.save(tokens)
        await _show_locations(transport, settings, store, tell)
    return store_path


async def _show_locations(transport: Transport, settings: Settings, store: TokenStore,
                          tell: Callable[[str], None]) -> None:
    """Try the new login on GetLocations and say what it sees (account ids, bonded or not, currency);
    keep each location's currency; check the configured account id on GetOneLocation."""
    client_id, client_secret = digikey_app(settings)
    provider = OAuthTokenProvider(settings.digikey_url, client_id, client_secret, store)
    source = DigiKeyBondedSource(settings.digikey_url, client_id, settings.digikey_account_id, provider)
    try:
        locations = await source.fetch_locations(transport)
    except (SourceError, AuthError) as exc:
        tell(f"Logged in, but Supply Chain answered: {exc}")
        return
    if not locations:
        tell("Logged in; DigiKey lists no bonded inventory locations for this user.")
    else:
        tell(f"Logged in; bonded inventory locations (account ids): {_shown(locations)}")
    account = settings.digikey_account_id.strip()
    if account:
        locations += await _check_account(source, transport, account, tell)
    elif locations:
        tell(f"Set {ENV_VARS['digikey_account_id']} to one of them to ask only that account.")
    save_location_currencies(locations_path(config_dir(), token_environment(settings)),
                             location_currencies(locations))


def _shown(locations: list[BondedLocation]) -> str:
    return ", ".join(f"{loc.customer_id} ({'bonded' if loc.bonded_inventory else 'no bonded stock'}"
                     f"{', ' + loc.currency if loc.currency else ''})" for loc in locations)


async def _check_account(source: DigiKeyBondedSource, transport: Transport, account: str,
                         tell: Callable[[str], None]) -> list[BondedLocation]:
    """GetOneLocation for the configured account id: say whether `check` can read its bonded stock."""
    variable = f"{ENV_VARS['digikey_account_id']}={account}"
    try:
        own = await source.fetch_locations(transport, account)
    except (SourceError, AuthError) as exc:
        tell(f"Warning: {variable} does not work with this login: {exc}. Set it to one of the account "
             "ids above, or unset it to read every location.")
        return []
    if not own:
        tell(f"Warning: DigiKey lists no location for {variable}; set it to one of the account ids above, "
             "or unset it to read every location.")
    elif not any(location.bonded_inventory for location in own):
        tell(f"Warning: {variable}: DigiKey says its locations hold no bonded inventory "
             f"({_shown(own)}); `check` will find no bonded stock there.")
    else:
        tell(f"{variable} checked: {_shown(own)}.")
    return own


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
