"""The rate limiter: no one-second window ever sees more than the rate, on a patched clock (no sleeps)."""

from __future__ import annotations

import asyncio
import random

import pytest

from bomcheck.distributors.inflight import InFlight
from bomcheck.distributors.limiter import RateLimiter, window_of


class FakeTime:
    """A clock that only moves when someone sleeps; `early` makes every wake-up a little early,
    as event loops do (they fire timers up to their clock resolution ahead)."""

    def __init__(self, early: float = 0.0, late: float = 0.0) -> None:
        self.now = 1000.0
        self.early = early
        self.late = late  # wake-ups up to this much late, at random
        self.sleeps = 0
        self._random = random.Random(3)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += max(0.0, seconds - self.early) if seconds > self.early else seconds
        self.now += self._random.uniform(0, self.late)
        await asyncio.sleep(0)


def most_in_any_window(times: list[float], period: float = 1.0) -> int:
    """The largest number of times inside any closed window [t, t + period] (starting at a send)."""
    times = sorted(times)
    most, j = 0, 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j + 1 < len(times) and times[j + 1] <= start + period:
            j += 1
        most = max(most, j - i + 1)
    return most


async def drive(limiter: RateLimiter, requests: int, tasks: int) -> list[float]:
    """`tasks` concurrent senders share `requests` acquisitions; the admission times."""
    times: list[float] = []
    left = iter(range(requests))

    async def sender() -> None:
        for _ in left:
            times.append(await limiter.acquire())

    await asyncio.gather(*(sender() for _ in range(tasks)))
    return times


@pytest.mark.parametrize("rate", [20.0, 7.0, 2.5, 1.0, 0.5, 100.0])
@pytest.mark.parametrize("early", [0.0, 1e-9, 1e-4])
async def test_no_one_second_window_holds_more_than_the_rate(rate, early):
    fake = FakeTime(early=early)
    limiter = RateLimiter(rate, clock=fake.clock, sleep=fake.sleep)
    times = await drive(limiter, 400, tasks=50)
    limit, period = window_of(rate)
    assert len(times) == 400
    assert most_in_any_window(times, period) <= limit
    # ...and it is not slower than it must be: evenly spaced at the rate plus the margin
    spacing = period * (1 + limiter.margin) / limit
    assert times[-1] - times[0] <= 399 * spacing + 1e-6


async def test_late_wake_ups_do_not_add_up_over_a_run():
    # a busy loop wakes timers late; the schedule absorbs it instead of slipping by each delay
    fake = FakeTime(late=0.004)
    limiter = RateLimiter(20, clock=fake.clock, sleep=fake.sleep)
    times = await drive(limiter, 500, tasks=10)
    assert most_in_any_window(times) <= 20
    assert times[-1] - times[0] <= 499 * 1.02 / 20 + 0.1  # not 500 x 2 ms later


async def test_a_server_seeing_each_request_up_to_10_ms_late_still_counts_at_most_the_rate():
    fake = FakeTime()
    limiter = RateLimiter(20, clock=fake.clock, sleep=fake.sleep)
    times = await drive(limiter, 1000, tasks=64)
    jitter = random.Random(7)
    arrivals = [t + jitter.uniform(0, 0.010) for t in times]
    assert most_in_any_window(arrivals) <= 20


async def test_exact_one_over_rate_spacing_would_not_survive_that_jitter():
    # Why the margin: sends exactly 1/R apart put R + 1 of them in a closed one-second window
    # as soon as the first is seen a little late.
    times = [i / 20 for i in range(100)]
    arrivals = [t + (0.005 if i % 20 == 0 else 0.0) for i, t in enumerate(times)]
    assert most_in_any_window(arrivals) > 20


async def test_lowering_the_rate_at_runtime_holds_from_the_next_admission_on():
    fake = FakeTime()
    limiter = RateLimiter(20, clock=fake.clock, sleep=fake.sleep)
    before = await drive(limiter, 60, tasks=10)
    assert limiter.lower_to(5) and not limiter.lower_to(8)
    after = await drive(limiter, 60, tasks=10)
    every = sorted(before + after)
    first_new = after[0]
    # every one-second window that holds a send made at the lower rate holds at most 5
    for start in every:
        window = [t for t in every if start <= t <= start + 1.0]
        if any(t >= first_new for t in window):
            assert len(window) <= 5
    for end in after:
        assert len([t for t in every if end - 1.0 <= t <= end]) <= 5


async def test_waiters_are_admitted_first_come_first_served():
    fake = FakeTime()
    limiter = RateLimiter(10, clock=fake.clock, sleep=fake.sleep)
    order: list[int] = []

    async def sender(i: int) -> None:
        await limiter.acquire()
        order.append(i)

    await asyncio.gather(*(sender(i) for i in range(30)))
    assert order == list(range(30))


def test_a_rate_is_read_the_way_a_window_counting_server_reads_it():
    assert window_of(20) == (20, 1.0)
    assert window_of(2.5) == (2, 1.0)  # 2.5 a second cannot mean 3 in one second
    assert window_of(0.5) == (1, 2.0)
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            window_of(bad)


async def test_in_flight_covers_rate_times_latency_within_the_cap():
    rate = 20.0
    gate = InFlight(64, lambda: rate, latency=0.25)
    for _ in range(50):
        gate.observe(1.0)
    assert gate.latency == pytest.approx(1.0, abs=0.01)
    assert rate * gate.latency <= gate.size <= 64  # enough to keep 20/s busy at 1 s per answer
    rate = 1000.0
    assert gate.size == 64  # never above the cap (BOMCHECK_CONCURRENCY)
    rate = 2.0
    for _ in range(50):
        gate.observe(0.01)
    assert gate.size <= 3  # a fast server needs few


async def test_in_flight_never_admits_more_than_its_size():
    gate = InFlight(3, lambda: 1000.0)
    active, most = 0, 0

    async def batch() -> None:
        nonlocal active, most
        async with gate:
            active += 1
            most = max(most, active)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            active -= 1

    await asyncio.gather(*(batch() for _ in range(40)))
    assert most == 3 and gate.active == 0


class RecordingSession:
    """Stands in for aiohttp: records the (fake) time of every send; answers 503 or 429 now and then."""

    def __init__(self, fake: FakeTime) -> None:
        self.fake = fake
        self.sent: list[float] = []

    def request(self, method: str, url: str, **_: object) -> RecordedAnswer:
        self.sent.append(self.fake.now)
        n = len(self.sent)
        if n % 7 == 0:
            return RecordedAnswer(503, {})
        if n % 11 == 0:
            return RecordedAnswer(429, {"Retry-After": "0"})
        return RecordedAnswer(200, {})


class RecordedAnswer:
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status = status
        self.headers = headers

    async def __aenter__(self) -> RecordedAnswer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def read(self) -> bytes:
        return b"{}"


async def test_requests_are_sent_within_the_rate_with_concurrency_retries_and_slow_downs():
    from bomcheck.distributors.http import Transport
    from bomcheck.distributors.retry import RetryPolicy

    fake = FakeTime()
    session = RecordingSession(fake)
    transport = Transport(session, RateLimiter(20, clock=fake.clock, sleep=fake.sleep), concurrency=32,
                          retry=RetryPolicy(attempts=4, base_delay=0.01), sleep=fake.sleep)
    answers = await asyncio.gather(*(transport.request("GET", f"http://x/{i}") for i in range(300)))
    assert all(answer.status == 200 for answer in answers)
    assert len(session.sent) > 300  # retries and 429s were sent again, through the limiter
    assert most_in_any_window(session.sent) <= 20
    assert transport.limiter.rate < 20  # a 429 with Retry-After halved it


class ScriptedSession:
    """Answers from a list of (status, headers), then 200s."""

    def __init__(self, answers: list[tuple[int, dict[str, str]]]) -> None:
        self.answers = list(answers)

    def request(self, method: str, url: str, **_: object) -> RecordedAnswer:
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        return RecordedAnswer(status, headers)


async def test_a_halved_rate_comes_back_after_ten_quiet_seconds_but_never_above_the_servers():
    from bomcheck.distributors.http import RateHeaders, Transport

    fake = FakeTime()
    session = ScriptedSession([(200, {"X-BurstLimit-Limit": "8", "X-BurstLimit-Reset": "1"}),
                               (429, {"Retry-After": "0"})])
    transport = Transport(session, RateLimiter(20, clock=fake.clock, sleep=fake.sleep), clock=fake.clock,
                          sleep=fake.sleep, rate_headers=RateHeaders(burst="X-BurstLimit-"))
    await transport.request("GET", "http://x/1")
    assert transport.limiter.rate == 8  # the server's own limit
    await transport.request("GET", "http://x/2")  # a 429, then its retry
    assert transport.limiter.rate == 4
    fake.now += 5
    await transport.request("GET", "http://x/3")
    assert transport.limiter.rate == 4  # not yet
    fake.now += 6
    await transport.request("GET", "http://x/4")
    assert transport.limiter.rate == 8  # doubled back, to the server's limit and not to our 20
    fake.now += 11
    await transport.request("GET", "http://x/5")
    assert transport.limiter.rate == 8
