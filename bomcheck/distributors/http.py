"""The one HTTP seam every source shares: rate-limited, concurrency-bounded, retried, redacted requests."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bomcheck.distributors.inflight import InFlight
from bomcheck.distributors.limiter import RateLimiter
from bomcheck.distributors.quota import QuotaSeen
from bomcheck.distributors.retry import RETRYABLE_STATUSES, RetryPolicy
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.redact import SECRET_FIELDS, redact

log = logging.getLogger(__name__)

RECOVER_AFTER = 10.0  # seconds without a 429 before a halved rate is doubled back


@dataclass(frozen=True)
class HttpResponse:
    """A fully read HTTP answer; `attempts`: how many tries it took (the last one answered)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    attempts: int = 1
    failures: tuple[str, ...] = ()  # why each failed try failed, in order (for after_attempts)

    def header(self, name: str) -> str | None:
        """A response header, whatever case the server wrote its name in."""
        folded = name.casefold()
        return next((v for k, v in self.headers.items() if k.casefold() == folded), None)

    def failed_after_attempts(self) -> str:
        """An error answer still there after the last try, in words: 'HTTP 503 after 4 attempts'."""
        return after_attempts(f"HTTP {self.status}", self.attempts, self.failures)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; SourceError (not a traceback) for HTML pages and broken bodies."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            snippet = " ".join(self.text[:80].split())
            raise SourceError(
                f"invalid JSON in the answer (HTTP {self.status}): {snippet!r}", retryable=True
            ) from exc

    def bad_body(self) -> str | None:
        """Why a 2xx answer that should be JSON is not (an HTML page, broken JSON), else None."""
        if not 200 <= self.status < 300 or not self.body.strip():
            return None
        try:
            json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            html = self.body.lstrip()[:1] == b"<" or "html" in (self.header("Content-Type") or "")
            if not html:
                return "invalid JSON"
            said = page_says(self.text)
            # what the page says goes inside the parentheses: failure counts go by the words before them
            return f"HTML page instead of JSON (HTTP {self.status}{': ' + said if said else ''})"
        return None


_TITLE = re.compile(r"(?is)<title[^>]*>(.*?)</title>")
_MARKUP = re.compile(r"(?s)<[^>]*>")
_HTML_START = re.compile(r"(?is)\s*(<!doctype html|<html)")


def page_says(text: str, limit: int = 80) -> str | None:
    """What an HTML page says, in one short line: its <title>, else its text without markup
    ("" when it says nothing); None when `text` is not an HTML page. The one reading every source
    uses for a proxy's, CDN's or maintenance page."""
    text = text[:4000]
    title = _TITLE.search(text)
    if not (title or _HTML_START.match(text)):
        return None
    said = " ".join((title.group(1) if title and title.group(1).strip() else _MARKUP.sub(" ", text)).split())
    if len(said) > limit:  # whole words only: a secret the page echoes is shown whole (and redacted) or not
        said = said[:limit + 1].rsplit(" ", 1)[0] if " " in said[:limit + 1] else ""
    return said


Sleep = Callable[[float], Awaitable[None]]


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After in seconds, whether the server wrote seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass(frozen=True)
class RateHeaders:
    """Which response headers carry a source's short-term rate limit and its daily quota.

    DigiKey: X-BurstLimit-Limit/Remaining/Reset (the per-minute burst) and X-RateLimit-Limit/
    Remaining (the daily quota). Arrow publishes neither; any X-RateLimit-* it sends is read as
    a short-term limit.
    """

    burst: str | None = "X-RateLimit-"
    quota: str | None = None


def _int_header(response: HttpResponse, name: str) -> int | None:
    value = response.header(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def failure_reason(exc: BaseException, timeout: float) -> str:
    """What a failed try looked like, in words (no URL, hence no secret): 'connection reset'."""
    if isinstance(exc, asyncio.TimeoutError):
        return f"timeout (no answer within {timeout:g} s)"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "answer cut short"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "connection closed without an answer"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect ({exc.strerror or type(exc).__name__})"
    if isinstance(exc, aiohttp.ClientOSError) and exc.errno == errno.ECONNRESET:
        return "connection reset"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def after_attempts(reason: str, attempts: int, failures: Sequence[str] = ()) -> str:
    """'HTTP 503 after 4 attempts'; a single try is just the reason.

    When the tries failed in different ways, the last reason comes first (it is what the
    failure counts go by) and all of them follow: 'HTML page instead of JSON (HTTP 200)
    (3 attempts: connection reset, HTML page instead of JSON ×2)'.
    """
    if attempts <= 1:
        return reason
    kinds: dict[str, int] = {}
    for failure in failures:
        kind = failure.split(" (")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    if len(kinds) <= 1:
        return f"{reason} after {attempts} attempts"
    tries = ", ".join(kind if count == 1 else f"{kind} ×{count}" for kind, count in kinds.items())
    return f"{reason} ({attempts} attempts: {tries})"


@dataclass
class Transport:
    """Performs one source's HTTP requests: rate-limited, concurrency-bounded, retried, redacted.

    The aiohttp session belongs to the caller. `secrets` are replaced by '***' in every
    message this class produces, so keys that travel in query strings never leak.
    """

    session: aiohttp.ClientSession
    limiter: RateLimiter
    concurrency: int = 8  # the most requests in flight; `in_flight` keeps fewer when they suffice
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    secrets: Sequence[str] = ()
    timeout: float = 30.0
    sleep: Sleep = asyncio.sleep
    clock: Callable[[], float] | None = None  # None: time.monotonic (the event loop's clock)
    rng: random.Random = field(default_factory=random.Random)  # for the backoff jitter
    rate_headers: RateHeaders = field(default_factory=RateHeaders)
    # the daily quota as last reported (by the server this run, or kept from an earlier run)
    quota: QuotaSeen | None = None
    # A daily limit the server sends no count of (Mouser's 1,000 calls): the transport counts itself,
    # each try sent lowering `quota` by one, starting from the count kept from an earlier run today
    # or from this full limit, so a long run or a watch service sees its own calls. None: not counted.
    own_daily_limit: int | None = None
    requests_sent: int = field(default=0, init=False)
    throttled: int = field(default=0, init=False)  # 429 answers received
    answers_timed: int = field(default=0, init=False)  # answers whose latency the estimate learnt
    paused: float = field(default=0.0, init=False)  # seconds of pauses the server asked for (Retry-After)
    in_flight: InFlight = field(init=False, repr=False)
    _semaphore: asyncio.Semaphore | None = field(default=None, init=False, repr=False)
    _pause_until: float = field(default=0.0, init=False, repr=False)
    _last_slowdown: float = field(default=float("-inf"), init=False, repr=False)
    _failed_in_a_row: int = field(default=0, init=False, repr=False)
    _down: str = field(default="", init=False, repr=False)  # why the source is taken as down
    _down_until: float = field(default=0.0, init=False, repr=False)
    # when the first try failed since the last answer (None: the last try answered)
    _failing_since: float | None = field(default=None, init=False, repr=False)
    _last_failure: str = field(default="", init=False, repr=False)
    _burst_window: float = field(default=1.0, init=False, repr=False)
    _ceiling: float = field(default=float("inf"), init=False, repr=False)  # configured or header rate
    _last_rate_change: float = field(default=float("-inf"), init=False, repr=False)

    def __post_init__(self) -> None:
        self.in_flight = InFlight(self.concurrency, lambda: self.limiter.rate, clock=self._now)
        self._ceiling = self.limiter.rate

    def redact(self, text: str, extra: Sequence[str] = ()) -> str:
        """`text` without this transport's secrets, `extra` ones, or any registered one."""
        return redact(text, (*self.secrets, *extra))

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        allow_redirects: bool = True,
        attempts: int | None = None,
        expect_json: bool = False,
        final: Callable[[HttpResponse], bool] | None = None,
        throttled: Callable[[HttpResponse], bool] | None = None,
    ) -> HttpResponse:
        """Send with retries (see RetryPolicy); return the last answer, or SourceError with the reason.

        A 429 without Retry-After (a spent daily quota) is returned at once: waiting would not
        help. A 5xx still there after the last try is returned for the source to read (request
        ids); `answer.attempts` says how many tries it took. `expect_json`: a 2xx whose body is
        not JSON counts as a failed try. `attempts=1` is for calls that must not be repeated,
        such as a token refresh. `json_body` is sent as JSON (Content-Type: application/json).
        `final`: tells a 429 or 5xx that waiting will not cure although it may carry Retry-After (a
        spent daily quota: DigiKey's 429, Mouser's 503): returned at once, like a 429 without Retry-After.
        `throttled`: tells a 2xx answer that is a per-minute throttle (Mouser's Errors inside HTTP 200):
        waited out once like a 429 (its Retry-After, else `retry.max_delay`), then returned as it is.
        SourceUnavailable once the source is taken as down.
        """
        self._stop_if_down()
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        # credentials of this one request (bearer token, form secrets) are hidden like `secrets`
        carried = [value.split(" ", 1)[-1] for name, value in (headers or {}).items()
                   if name.casefold() == "authorization"]
        carried += [value for name, value in (data or {}).items() if name.casefold() in SECRET_FIELDS]
        shown_url = self.redact(url + ("?" + urlencode(params) if params else ""), carried)
        reason = ""
        attempts = attempts or self.retry.attempts
        attempt = bad_bodies = 0
        throttle_retried = False
        failures: list[str] = []  # each failed try's reason
        throttle_waited = 0.0
        started = self._now()
        while True:
            attempt += 1
            wait: float | None = None
            failed_answer: HttpResponse | None = None
            limit = self.timeout
            sent_at: float | None = None
            try:
                async with self._semaphore:
                    sent_at = await self._wait_turn()
                    # taken as down by other requests while this one waited or retried: stop here
                    self._stop_if_down()
                    # after the wait for a turn, which counts
                    limit = self._attempt_timeout(started, last=attempt >= attempts)
                    self.requests_sent += 1
                    self._count_own_send()
                    self.in_flight.mark_sent()
                    async with self.session.request(
                        method, url, params=params, data=data, json=json_body, headers=headers,
                        allow_redirects=allow_redirects,
                        timeout=aiohttp.ClientTimeout(total=limit, sock_read=limit),
                    ) as response:
                        body = await response.read()
                        answer = HttpResponse(response.status, dict(response.headers), body, attempt)
                    self._observe(answer, sent_at)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                if isinstance(exc, asyncio.TimeoutError) and sent_at is not None:
                    # a hung request is a latency too: the estimate learns from it, so the fan-out
                    # keeps enough requests in flight to use the rate while some hang
                    self.in_flight.timed_out(self._now() - sent_at)
                reason = self.redact(failure_reason(exc, limit), carried)
                failures.append(reason)
                self._failed_try()
                log.debug("%s %s failed: %s, attempt %d", method, shown_url, reason, attempt)
            else:
                wait = parse_retry_after(answer.header("Retry-After"))
                bad = answer.bad_body() if expect_json else None
                if bad is not None:  # what the page says may echo the request, key included
                    bad = self.redact(bad, carried)
                if answer.status == 429:
                    self.throttled += 1
                if answer.status in RETRYABLE_STATUSES and final is not None and final(answer):
                    return self._answered(answer)  # a spent quota: waiting will not help
                if answer.status == 429:
                    if wait is None:
                        return self._answered(answer)  # a spent quota: waiting will not help
                    if (throttle_waited + wait <= self.retry.throttle_budget
                            and self._within_budget(started, wait)):
                        throttle_waited += wait
                        attempt -= 1  # being asked to wait is not a failed attempt
                        self._slow_down(wait, shown_url)
                        continue
                elif (bad is None and 200 <= answer.status < 300 and throttled is not None
                      and not throttle_retried and throttled(answer)):
                    self.throttled += 1
                    pause = self.retry.max_delay if wait is None else wait
                    if throttle_waited + pause > self.retry.throttle_budget or not self._within_budget(
                            started, pause):
                        return self._answered(answer)
                    throttle_retried = True  # once: a throttle that stays is the source's to report
                    throttle_waited += pause
                    attempt -= 1
                    self._slow_down(pause, shown_url)
                    continue
                if bad is not None:
                    bad_bodies += 1
                    reason = bad
                    failures.append(reason)
                    self._failed_try()
                    log.debug("%s %s answered %s, attempt %d", method, shown_url, bad.split(" (")[0], attempt)
                    if bad_bodies >= self.retry.bad_body_attempts:
                        break  # a maintenance page: not worth more tries than that
                elif answer.status not in RETRYABLE_STATUSES:
                    return self._answered(answer)
                else:
                    reason = f"HTTP {answer.status}"
                    failures.append(reason)
                    self._failed_try()
                    log.debug("%s %s answered %s, attempt %d", method, shown_url, answer.status, attempt)
                    failed_answer = dataclasses.replace(answer, failures=tuple(failures))
            delay = self._backoff(attempt, wait)
            if attempt >= attempts or not self._within_budget(started, delay):
                if failed_answer is not None:  # the source reads the last error answer (request ids)
                    self._count_failure(after_attempts(reason, attempt, failures))
                    return failed_answer
                break
            await self.sleep(delay)
        message = after_attempts(reason, attempt, failures)
        self._count_failure(message)
        raise SourceError(message, retryable=True)

    @property
    def down(self) -> str:
        """Why the source is taken as down right now, else ''."""
        return self._down if self._down and self._now() < self._down_until else ""

    def _stop_if_down(self) -> None:
        """SourceUnavailable while the source is taken as down; once `down_for` is over, one more try.

        Besides `give_up_after` failed requests in a row, a source is taken as down once it has
        answered nothing for `total_budget` seconds (the most one request may take) while at
        least one request failed every try: with fewer requests in flight than `give_up_after`,
        counting alone would take several rounds of failing requests.
        """
        since = self._failing_since
        if (not self._down and since is not None and self._failed_in_a_row
                and self._now() - since >= self.retry.total_budget):
            self._take_down(f"not answering (nothing answered for {self.retry.total_budget:g} s, "
                            f"{self._failed_in_a_row} request{'s' if self._failed_in_a_row > 1 else ''} "
                            f"failed every attempt, the last: {self._last_failure})")
        if self._down:
            if self._now() < self._down_until:
                raise SourceUnavailable(self._down)
            self._down = ""  # time to try again; one more failure takes it down again

    def _attempt_timeout(self, started: float, *, last: bool = True) -> float:
        """This try's timeout: the transport's (or, for a try that is not the last, the patience),
        or what is left of the request's budget if less."""
        left = self.retry.total_budget - (self._now() - started)
        return max(0.1, min(self.timeout if last else self.patience, left))

    @property
    def patience(self) -> float:
        """How long a try that is not the last waits for its answer (see RetryPolicy.patience_factor)."""
        if self.answers_timed < self.retry.patience_after:
            return self.timeout
        wanted = max(self.retry.min_patience, self.retry.patience_factor * self.in_flight.answered_latency)
        return min(self.timeout, wanted)

    def _within_budget(self, started: float, delay: float) -> bool:
        """Whether waiting `delay` and trying again still fits in the request's total budget."""
        return self._now() - started + delay < self.retry.total_budget

    def _answered(self, answer: HttpResponse) -> HttpResponse:
        self._failed_in_a_row = 0
        self._failing_since = None
        return answer

    def _failed_try(self) -> None:
        if self._failing_since is None and not self._down:
            self._failing_since = self._now()

    def _count_failure(self, reason: str) -> None:
        """Count a request that failed every try; after `give_up_after` in a row the source is down."""
        self._failed_in_a_row += 1
        self._last_failure = reason
        if self._failed_in_a_row >= self.retry.give_up_after and not self._down:
            self._take_down(f"not answering ({self._failed_in_a_row} requests in a row failed, the last: "
                            f"{reason})")

    def _take_down(self, why: str) -> None:
        self._down = f"{why}; the remaining lines were not asked"
        self._down_until = self._now() + self.retry.down_for
        self._failing_since = None  # after `down_for`, a fresh start
        log.info("%s", self._down)  # the fan-out warns once, naming the source

    async def _wait_turn(self) -> float:
        """Wait out any pause the server asked for, then for the limiter; returns the send time.

        Nothing awaits between the limiter's admission and the send, so the limiter's record
        of send times is what the server sees (give or take the network's jitter).
        """
        delay = self._pause_until - self._now()
        if delay > 0:
            await self.sleep(delay)
        await self.limiter.acquire()
        return self._now()

    def _now(self) -> float:
        return self.clock() if self.clock is not None else time.monotonic()

    def _observe(self, answer: HttpResponse, sent_at: float) -> None:
        """Learn from an answer as it arrives: its latency, the server's rate limit, the quota."""
        now = self._now()
        self.in_flight.observe(now - sent_at)
        self.answers_timed += 1
        self._read_burst_headers(answer)
        self._read_quota_headers(answer)
        if answer.status != 429:
            self._recover(now)

    def _recover(self, now: float) -> None:
        """Undo one halving after RECOVER_AFTER seconds without a 429, up to the allowed rate.

        One stray 429 (a late packet, a busy server) would otherwise halve the rate for the
        rest of the run; a server that really wants less says so again, and is paused again.
        """
        if self.limiter.rate < self._ceiling and now >= self._last_rate_change + RECOVER_AFTER:
            self.limiter.set_rate(min(self._ceiling, self.limiter.rate * 2))
            self._last_rate_change = now
            log.info("no 429 for %.0f s; back to %.3g requests/s", RECOVER_AFTER, self.limiter.rate)

    def _read_burst_headers(self, answer: HttpResponse) -> None:
        """Lower the rate when the server's short-term limit is below ours.

        The headers give a count (Limit) but not the window it applies to; the window is taken
        as the longest Reset seen (at least one second). That can only overestimate the
        server's rate, never throttle us below it; Retry-After covers the rest.
        """
        prefix = self.rate_headers.burst
        if not prefix:
            return
        reset = parse_retry_after(answer.header(prefix + "Reset"))
        if reset is not None:
            self._burst_window = max(self._burst_window, reset)
        limit = _int_header(answer, prefix + "Limit")
        if limit is None or limit <= 0:
            return
        self._ceiling = min(self._ceiling, limit / self._burst_window)
        if self.limiter.lower_to(limit / self._burst_window):
            log.info("the server allows %d requests per %.0f s; slowing to %.3g requests/s",
                     limit, self._burst_window, self.limiter.rate)

    def _read_quota_headers(self, answer: HttpResponse) -> None:
        prefix = self.rate_headers.quota
        if not prefix:
            return
        remaining = _int_header(answer, prefix + "Remaining")
        if remaining is None:
            return
        self.quota = QuotaSeen(max(0, remaining), _int_header(answer, prefix + "Limit"),
                               datetime.now(timezone.utc))

    def _count_own_send(self) -> None:
        """One try sent against a daily limit the server keeps no visible count of (`own_daily_limit`)."""
        if self.own_daily_limit is None:
            return
        now = datetime.now(timezone.utc)
        left = self.quota.remaining_on(now) if self.quota is not None else None
        if left is None or self.quota is None:  # no count today yet: the whole day's limit
            self.quota = QuotaSeen(self.own_daily_limit - 1, self.own_daily_limit, now)
        else:
            self.quota = QuotaSeen(max(0, left - 1), self.quota.limit or self.own_daily_limit, now,
                                   resets_at=self.quota.resets_at)

    @property
    def quota_remaining(self) -> int | None:
        """The calls left today; None when unknown (never reported, or reported on an earlier
        quota day: a watch process may outlive the day it learnt the count on)."""
        return self.quota.remaining_on(datetime.now(timezone.utc)) if self.quota else None

    def _slow_down(self, wait: float, shown_url: str) -> None:
        """A 429 with Retry-After: pause every request of this source, and halve its rate.

        The rate is halved once per pause, however many requests were answered 429 in it, so
        a burst of 429s does not collapse the rate.
        """
        now = self._now()
        until = max(self._pause_until, now + min(wait, self.retry.max_delay))
        self.paused += until - max(self._pause_until, now)
        self._pause_until = until
        if now < self._last_slowdown + max(wait, 1.0):
            return
        self.limiter.set_rate(max(self.limiter.rate / 2, 0.1))
        self._last_slowdown = self._last_rate_change = now
        log.info("throttled by %s; slowing to %.2g requests/s", shown_url.split("?")[0], self.limiter.rate)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After if the server gave one, else exponential backoff with full jitter."""
        if retry_after is not None:
            return min(retry_after, self.retry.max_delay)
        ceiling = min(self.retry.base_delay * 2 ** (attempt - 1), self.retry.max_delay)
        return self.rng.uniform(0, ceiling)


def make_limiter(rate_per_second: float) -> RateLimiter:
    """A limiter that never lets more than `rate_per_second` requests into any one-second window.

    (aiolimiter's AsyncLimiter(1, 1/rate) spaces sends exactly 1/rate apart: a server whose
    clock sees two of them a millisecond closer counts rate + 1 in a second; see limiter.py.)
    """
    return RateLimiter(rate_per_second)
