"""Sandbox fault injection, per request and seeded: 5xx, timeouts, resets, bodies cut short or not JSON.

Which request gets which fault is decided by hashing the seed with the request's method, path
and query and how many times that same request was seen before; so a run is reproducible
whatever order concurrent requests arrive in, and a retry of a faulted request draws again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import socket
import struct
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

# Each a kind of failure a client must survive; the names are those of `bomcheck sandbox --fault`.
HTTP_KINDS = {"500": 500, "502": 502, "503": 503}
FAULT_KINDS = ("500", "502", "503", "timeout", "reset", "truncated", "invalid-json", "html", "trickle")
# What `--faults R` spreads R over: the kinds that fail a request. A trickle is slowness, not a
# failure (the answer arrives, unless it takes longer than the client's timeout): it is played
# only when named (`--fault trickle=RATE`), so `--faults 1.0` fails every request.
FAILING_KINDS = tuple(kind for kind in FAULT_KINDS if kind != "trickle")
FAULT_HELP = {
    "500": "HTTP 500 with an HTML error page",
    "502": "HTTP 502 with a proxy's HTML page",
    "503": "HTTP 503 with an HTML page",
    "timeout": "no answer for `hold` seconds (longer than a client waits)",
    "reset": "the connection is reset without an answer",
    "truncated": "Content-Length declared, half the body sent, connection closed",
    "invalid-json": "HTTP 200 whose JSON body is cut in half (Content-Length honest)",
    "html": "HTTP 200 with an HTML maintenance page instead of JSON",
    "trickle": "the real answer, a few bytes at a time over `trickle_seconds` (not in --faults)",
}


@dataclass(frozen=True)
class FaultConfig:
    """How often each fault happens (a probability per request) and how it behaves."""

    rates: Mapping[str, float] = field(default_factory=dict)  # kind -> probability; they add up to <= 1
    seed: int = 0
    oauth: bool = False  # also fault DigiKey's OAuth endpoints (a lost refresh answer kills the login)
    max_faults: int | None = None  # stop faulting after this many (None: never stop)
    hold: float = 120.0  # seconds a "timeout" holds the answer, unless the client hangs up first
    trickle_seconds: float = 3.0  # how long a trickled body takes to arrive in full

    def __post_init__(self) -> None:
        unknown = sorted(set(self.rates) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kind {unknown[0]!r}; choose from {', '.join(FAULT_KINDS)}")
        if any(not 0 <= rate <= 1 for rate in self.rates.values()):
            raise ValueError("a fault rate is a probability between 0 and 1")
        if sum(self.rates.values()) > 1 + 1e-9:
            raise ValueError(f"the fault rates add up to {sum(self.rates.values()):g}; at most 1 is possible")

    @property
    def active(self) -> bool:
        return any(rate > 0 for rate in self.rates.values())


def fault_rates(every: float | None, each: Mapping[str, float]) -> dict[str, float]:
    """`--faults R` spreads R evenly over the failing kinds; `--fault KIND=RATE` sets one kind on top.

    ValueError, in words for the user, when the result is not a set of probabilities.
    """
    if every is not None and not 0 <= every <= 1:
        raise ValueError(f"--faults {every:g}: give the share of requests to fail, between 0 and 1")
    rates = {kind: every / len(FAILING_KINDS) for kind in FAILING_KINDS} if every else {}
    for kind, rate in each.items():  # added to the kind's share of --faults, not in place of it
        rates[kind] = rates.get(kind, 0.0) + rate
    FaultConfig(rates)  # validates
    return {kind: rate for kind, rate in rates.items() if rate > 0}


def parse_fault(text: str) -> tuple[str, float]:
    """`timeout=0.1` -> ("timeout", 0.1); ValueError naming the kinds for anything else."""
    kind, _, rate = text.partition("=")
    kind = kind.strip().lower()
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r} in {text!r}; choose from {', '.join(FAULT_KINDS)}")
    try:
        value = float(rate)
    except ValueError:
        raise ValueError(f"{text!r}: write KIND=RATE with a rate between 0 and 1, e.g. {kind}=0.1") from None
    if not 0 <= value <= 1 or math.isnan(value):
        raise ValueError(f"{text!r}: the rate is a probability between 0 and 1")
    return kind, value


class FaultInjector:
    """Draws the fault of each request and plays it; counts what it did."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.counts: Counter[str] = Counter()
        self._seen: Counter[str] = Counter()

    def pick(self, api: str, request: web.Request) -> str | None:
        """The fault this request gets (None: answer normally); OAuth only if configured."""
        config = self.config
        if not config.active or (api == "digikey_oauth" and not config.oauth):
            return None
        if config.max_faults is not None and sum(self.counts.values()) >= config.max_faults:
            return None
        key = f"{request.method} {request.path_qs}"
        nth = self._seen[key]
        self._seen[key] += 1
        digest = hashlib.sha256(f"{config.seed}|{key}|{nth}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        edge = 0.0
        for kind in FAULT_KINDS:
            edge += config.rates.get(kind, 0.0)
            if draw < edge:
                self.counts[kind] += 1
                return kind
        return None

    async def before(self, kind: str, request: web.Request) -> web.StreamResponse | None:
        """Faults that happen before the API answers: an answer to send instead, or None to go on."""
        if kind in HTTP_KINDS:
            status = HTTP_KINDS[kind]
            reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}[status]
            return web.Response(status=status, content_type="text/html",
                                text=f"<html><head><title>{status} {reason}</title></head><body>"
                                     f"<h1>{status} {reason}</h1><hr><center>nginx</center></body></html>")
        if kind == "html":
            return web.Response(content_type="text/html",
                                text="<!DOCTYPE html><html><head><title>Scheduled maintenance</title></head>"
                                     "<body><h1>We'll be back soon</h1><p>The service is down for "
                                     "maintenance.</p></body></html>")
        if kind == "reset":
            return _reset(request)
        if kind == "timeout":
            await _hold(request, self.config.hold)
        return None

    async def after(self, kind: str, request: web.Request, answer: web.StreamResponse) -> web.StreamResponse:
        """Faults that damage the API's real answer on its way out."""
        body = answer.body if isinstance(answer, web.Response) and isinstance(answer.body, bytes) else None
        if body is None or kind not in ("truncated", "invalid-json", "trickle"):
            return answer
        if kind == "invalid-json":
            half = body[: len(body) // 2]
            return web.Response(status=200, body=half, content_type="application/json",
                                headers=_kept_headers(answer))
        stream = web.StreamResponse(status=answer.status, headers=_kept_headers(answer))
        stream.content_type = answer.content_type
        stream.content_length = len(body)
        await stream.prepare(request)
        if kind == "truncated":
            await stream.write(body[: len(body) // 2])
            _reset(request)
            return stream
        pieces = max(1, min(len(body) // 8, 60))  # "a few bytes at a time", at most 60 pauses
        size = math.ceil(len(body) / pieces)
        for start in range(0, len(body), size):
            if request.transport is None or request.transport.is_closing():
                break  # the client gave up
            await stream.write(body[start:start + size])
            await asyncio.sleep(self.config.trickle_seconds / pieces)
        return stream


def _kept_headers(answer: web.StreamResponse) -> dict[str, str]:
    """The API's own headers (request id, Retry-After...), without those the body size sets."""
    dropped = {"content-length", "content-type", "transfer-encoding"}
    return {k: v for k, v in answer.headers.items() if k.casefold() not in dropped}


def _reset(request: web.Request) -> web.StreamResponse:
    """Drop the connection with a TCP reset (SO_LINGER 0), as a crashed server or proxy does."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=499)  # never reaches anyone: the connection is gone


async def _hold(request: web.Request, seconds: float) -> None:
    """Keep the client waiting up to `seconds`; stop as soon as it hangs up."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    while loop.time() < until:
        if request.transport is None or request.transport.is_closing():
            return
        await asyncio.sleep(min(0.05, max(0.0, until - loop.time())))
