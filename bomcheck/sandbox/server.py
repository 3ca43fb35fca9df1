"""The sandbox server: Arrow and DigiKey (Supply Chain, catalog) on one loopback aiohttp app, limits, stats.

Rate limits: a sliding window per API admits at most floor(rate) requests in any 1 s (a rate
below 1 admits one request per 1/rate s); the next one gets HTTP 429 with `Retry-After`
(whole seconds, at least 1) and, for DigiKey, the X-BurstLimit-* headers. Arrow's window
covers the token search; DigiKey's covers Supply Chain, not the OAuth endpoints.

`GET /_sandbox/stats` answers `{"arrow": n, "digikey": n, "digikey_oauth": n, "throttled": n}`:
every request that reached an API (throttled and refused ones included; "digikey" counts
Supply Chain calls, "digikey_catalog" Product Information v4 calls, "digikey_oauth" the
authorize/token calls) and how many got a 429, and
"faults": how many of each injected fault were played (see `faults.py`, `SandboxConfig.faults`).
"mouser" counts Mouser part-number searches; its limits (per minute, per day) are its own
(`mouser_api.py`), and its throttled answers count in "throttled" too.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import signal
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web

from bomcheck.errors import ConfigError
from bomcheck.sandbox import (
    arrow_api,
    catalog,
    digikey_api,
    mouser_api,
)
from bomcheck.sandbox.digikey_api import Burst, DigiKeyApi
from bomcheck.sandbox.digikey_catalog_api import PREFIX as DIGIKEY_CATALOG_PREFIX
from bomcheck.sandbox.digikey_catalog_api import DigiKeyCatalogApi
from bomcheck.sandbox.faults import FaultConfig, FaultInjector
from bomcheck.sandbox.mouser_api import MouserApi

STATS_PATH = "/_sandbox/stats"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class SandboxConfig:
    """How the sandbox behaves: rate limits (requests per second, None = unlimited), latency, tokens."""

    arrow_rate: float | None = None
    digikey_rate: float | None = None
    latency: float = 0.0  # seconds added to every API answer
    token_lifetime: int = 1800  # DigiKey access token lifetime (expires_in), seconds
    daily_quota: int = 1000  # DigiKey Supply Chain calls per "day" (the server's lifetime)
    clock: Callable[[], float] = time.monotonic  # for token/code expiry and the rate windows
    digikey_bonded_agreement: bool = True  # False: Supply Chain answers 403 for every account
    digikey_error_shape: str = "mixed"  # "mixed", "api" (ApiErrorResponse) or "problem" (DKProblemDetails)
    arrow_error: tuple[str, str] | None = None  # (returnCode, returnMsg) every search answers in a 200
    arrow_html: bool = False  # every search answers an HTML maintenance page (HTTP 200)
    faults: FaultConfig = field(default_factory=FaultConfig)  # injected failures, per request
    digikey_tokens: tuple[str, str] | None = None  # (access, refresh) honoured as if issued earlier
    digikey_catalog_rate: float | None = None  # Product Information v4 requests per second
    digikey_catalog_quota: int = 1000  # catalog calls per "day" (its own quota, beside Supply Chain's)
    digikey_app_token_lifetime: int = 599  # 2-legged (client credentials) token lifetime, seconds
    mouser_locale: str = "en-US"  # the account's locale: prices and words (mouser_api.LOCALES)
    mouser_per_minute: int | None = None  # Mouser calls per minute (Mouser's own limit is 30)
    mouser_daily: int = 1000  # Mouser calls per "day" (the server's lifetime)
    # part key (catalog.part_key) -> the maker a BOM names for it: the catalog lists the part so
    # (catalog.NAMED_MAKERS). The in-process sandbox of check/watch fills it as the BOMs are asked.
    named_makers: dict[str, str] = field(default_factory=dict)
    # DigiKey numbers (upper-cased) of BOM lines that have an MPN: the catalog makes up no part for
    # them (catalog.NAMED_NUMBERS), whose MPN would contradict the line's own.
    named_numbers: set[str] = field(default_factory=set)


@dataclass
class SandboxStats:
    """Requests that reached each API, and how many of all answers were 429s."""

    arrow: int = 0
    digikey: int = 0
    digikey_oauth: int = 0
    digikey_catalog: int = 0
    throttled: int = 0
    faults: dict[str, int] = field(default_factory=dict)  # fault kind -> times played
    mouser: int = 0


class SlidingWindow:
    """At most `limit` admissions in any `period` seconds, measured on `clock`."""

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.limit, self.period = (int(rate), 1.0) if rate >= 1 else (1, 1.0 / rate)
        self._clock = clock
        self._admitted: deque[float] = deque()

    def _forget_old(self, now: float) -> None:
        while self._admitted and self._admitted[0] <= now - self.period:
            self._admitted.popleft()

    def admit(self) -> float | None:
        """None when this request may pass (and is counted), else the seconds until one may."""
        now = self._clock()
        self._forget_old(now)
        if len(self._admitted) < self.limit:
            self._admitted.append(now)
            return None
        return self._admitted[0] + self.period - now

    def burst(self) -> Burst:
        """The window's state as DigiKey's X-BurstLimit-* headers report it."""
        now = self._clock()
        self._forget_old(now)
        reset = self._admitted[0] + self.period - now if self._admitted else 0.0
        return Burst(self.limit, max(0, self.limit - len(self._admitted)), math.ceil(max(0.0, reset)))


@dataclass
class _Sandbox:
    """Everything one app instance keeps: config, stats, windows, the DigiKey state."""

    config: SandboxConfig
    digikey: DigiKeyApi
    digikey_catalog: DigiKeyCatalogApi
    stats: SandboxStats = field(default_factory=SandboxStats)
    windows: dict[str, SlidingWindow] = field(default_factory=dict)
    faults: FaultInjector | None = None


STATE_KEY = web.AppKey("bomcheck_sandbox", _Sandbox)


def _api_of(path: str) -> str | None:
    if path.startswith(arrow_api.PATH_PREFIX):
        return "arrow"
    if path.startswith(digikey_api.SUPPLY_CHAIN_PREFIX + "/"):
        return "digikey"
    if path.startswith(digikey_api.OAUTH_PREFIX):
        return "digikey_oauth"
    if path.startswith(DIGIKEY_CATALOG_PREFIX + "/"):
        return "digikey_catalog"
    if path.startswith(mouser_api.PATH_PREFIX):
        return "mouser"
    return None


def _retry_after(wait: float) -> int:
    return max(1, math.ceil(wait))


async def _answer(state: _Sandbox, api: str, request: web.Request, handler: Handler
                  ) -> web.StreamResponse:
    """The handler's answer, or the 429 of the API's window; DigiKey route errors in its shape."""
    window = state.windows.get(api)
    wait = window.admit() if window else None
    if wait is not None and window is not None:
        if api == "arrow":
            return arrow_api.throttled_response(request.path, _retry_after(wait))
        return state.digikey.throttled_response(request, _retry_after(wait), window.burst())
    if api == "arrow" and (state.config.arrow_error or state.config.arrow_html):
        return arrow_api.fault_response(request, state.config.arrow_error, html=state.config.arrow_html)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if api in ("arrow", "mouser"):
            raise
        return state.digikey.api_error(request, exc.status, exc.reason, f"{request.method} {request.path}")


def _middleware(state: _Sandbox) -> Any:  # an aiohttp middleware (its type is private to aiohttp)
    @web.middleware
    async def sandbox_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        api = _api_of(request.path)
        if api is None:
            return await handler(request)
        setattr(state.stats, api, getattr(state.stats, api) + 1)
        if state.config.latency > 0:
            await asyncio.sleep(state.config.latency)
        fault = state.faults.pick(api, request) if state.faults else None
        if fault and state.faults:
            state.stats.faults[fault] = state.stats.faults.get(fault, 0) + 1
            instead = await state.faults.before(fault, request)
            if instead is not None:
                return instead
        named = catalog.NAMED_MAKERS.set(state.config.named_makers)
        numbers = catalog.NAMED_NUMBERS.set(frozenset(state.config.named_numbers))
        try:
            response = await _answer(state, api, request, handler)
        finally:
            catalog.NAMED_NUMBERS.reset(numbers)
            catalog.NAMED_MAKERS.reset(named)
        if response.status == 429:
            state.stats.throttled += 1
        if api == "digikey_catalog":
            window = state.windows.get(api)
            state.digikey_catalog.add_headers(request, response, window.burst() if window else None)
        elif api.startswith("digikey"):
            window = state.windows.get(api)
            state.digikey.add_headers(request, response, window.burst() if window else None)
        if fault and state.faults:
            return await state.faults.after(fault, request, response)
        return response

    return sandbox_middleware


def _count_throttled(state: _Sandbox) -> None:
    state.stats.throttled += 1


async def _stats(request: web.Request) -> web.Response:
    return web.json_response(asdict(request.app[STATE_KEY].stats))


def make_app(config: SandboxConfig | None = None) -> web.Application:
    """One aiohttp app serving Arrow's token search, DigiKey's OAuth, Supply Chain and catalog, and stats."""
    config = config or SandboxConfig()
    digikey = DigiKeyApi(token_lifetime=config.token_lifetime, daily_quota=config.daily_quota,
                         clock=config.clock, bonded_agreement=config.digikey_bonded_agreement,
                         error_shape=config.digikey_error_shape,
                         app_token_lifetime=config.digikey_app_token_lifetime)
    digikey_catalog = DigiKeyCatalogApi(digikey, daily_quota=config.digikey_catalog_quota, clock=config.clock)
    if config.digikey_tokens:
        digikey.accept_tokens(*config.digikey_tokens)
    state = _Sandbox(config=config, digikey=digikey, digikey_catalog=digikey_catalog,
                     faults=FaultInjector(config.faults) if config.faults.active else None)
    if config.arrow_rate is not None:
        state.windows["arrow"] = SlidingWindow(config.arrow_rate, config.clock)
    if config.digikey_rate is not None:
        state.windows["digikey"] = SlidingWindow(config.digikey_rate, config.clock)
    if config.digikey_catalog_rate is not None:
        state.windows["digikey_catalog"] = SlidingWindow(config.digikey_catalog_rate, config.clock)
    app = web.Application(middlewares=[_middleware(state)])
    app[STATE_KEY] = state
    arrow_api.add_routes(app)
    digikey.add_routes(app)
    digikey_catalog.add_routes(app)
    MouserApi(locale=config.mouser_locale, per_minute=config.mouser_per_minute, daily=config.mouser_daily,
              clock=config.clock, on_throttled=lambda: _count_throttled(state)).add_routes(app)
    app.router.add_get(STATS_PATH, _stats)
    return app


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@asynccontextmanager
async def running_sandbox(config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0,
                          *, log_requests: bool = False) -> AsyncIterator[str]:
    """Serve the sandbox on `host:port` (0: a free port) and yield its base URL; stop on exit."""
    app = make_app(config)
    runner = web.AppRunner(app) if log_requests else web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = int(runner.addresses[0][1])
        yield _url(host, bound_port)
    finally:
        await runner.cleanup()


# What to set to point bomcheck at the sandbox at an address: (variable, value) pairs.
Environment = Callable[[str], Sequence[tuple[str, str]]]


def banner(url: str, faults: FaultConfig | None = None, environment: Environment | None = None) -> str:
    """What `bomcheck sandbox` prints: where it listens, the public demo credentials, the faults."""
    shown = ", ".join(f"{kind} {rate:.1%}" for kind, rate in (faults.rates if faults else {}).items() if rate)
    return "\n".join((
        f"bomcheck sandbox listening on {url}",
        "  (synthetic catalog and public demo credentials; nothing here reaches Arrow or DigiKey)",
        *(f"  {variable}={value}" for variable, value in (environment(url) if environment else ())),
        f"  stats: {url}{STATS_PATH}    stop: Ctrl+C",
        *((f"  injected faults per request (seed {faults.seed}): {shown}",) if faults and shown else ()),
    ))


async def _serve(host: str, port: int, config: SandboxConfig, environment: Environment | None) -> None:
    try:
        async with running_sandbox(config, host, port, log_requests=True) as url:
            print(banner(url, config.faults, environment), file=sys.stderr, flush=True)
            stop = asyncio.Event()
            with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            await stop.wait()
    except OSError as exc:
        raise ConfigError(f"the sandbox cannot listen on {host}:{port} ({exc.strerror or exc}); "
                          "choose another port with --port") from None


def serve_forever(host: str, port: int, config: SandboxConfig,
                  environment: Environment | None = None) -> None:
    """Run the sandbox until Ctrl+C or SIGTERM (for `bomcheck sandbox`); ConfigError if the port is taken.

    `environment` names the variables that point bomcheck at it (the banner lists them)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(host, port, config, environment))
    print("bomcheck sandbox stopped", file=sys.stderr)
