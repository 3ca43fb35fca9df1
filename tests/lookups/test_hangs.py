"""Hung requests do not clog the fan-out: answered lines are not starved, and a run's time is bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.inflight import InFlight
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.errors import SourceError
from bomcheck.lookups.fanout import SourceRun, gather_lookups, time_bound
from bomcheck.model import Lookup, LookupStatus, Query
from bomcheck.sandbox import SANDBOX_ARROW_API_KEY, SANDBOX_ARROW_LOGIN, catalog
from bomcheck.sandbox.faults import FaultConfig, FaultInjector
from bomcheck.sandbox.server import SandboxConfig, running_sandbox
from tests.conftest import FakeClock

# ----------------------------------------------------------------------------- the slots


async def hold(gate: InFlight, release: asyncio.Event, admitted: list[int], n: int, *, send: bool = True
               ) -> None:
    async with gate:
        admitted.append(n)
        if send:
            gate.mark_sent()  # as the transport does when the request goes out
        await release.wait()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_slow_holders_stop_counting_against_the_size_up_to_half_the_cap() -> None:
    clock = FakeClock()
    # 10 requests/s at 0.1 s: ceil(10 × 0.1 × 1.25) + 2 = 4 slots; cap 8, so at most 4 slow ones excused
    gate = InFlight(8, lambda: 10.0, latency=0.1, clock=clock)
    assert gate.size == 4 and gate.max_slow == 4
    release = asyncio.Event()
    admitted: list[int] = []
    tasks = [asyncio.create_task(hold(gate, release, admitted, n)) for n in range(12)]
    await settle()
    assert admitted == [0, 1, 2, 3]  # the size, no more
    clock.now += 0.9  # not yet slow: slow means MIN_SLOW (1 s) here, as 4 × 0.1 s is less
    await settle()
    assert gate.slow == 0 and len(admitted) == 4
    clock.now += 0.2  # the four hang: they no longer count, four more may go
    # (a waiter looks again when the next holder turns slow, on the loop's clock; nudge them now)
    gate.look_again()
    await settle()
    assert gate.slow == 4 and admitted == [0, 1, 2, 3, 4, 5, 6, 7]
    clock.now += 2  # all eight slow now, but only four are excused, and 8 is the cap
    gate.look_again()
    await settle()
    assert gate.active == 8 and gate.counted == 4 and len(admitted) == 8
    release.set()
    await asyncio.gather(*tasks)
    assert sorted(admitted) == list(range(12)) and gate.active == 0


async def test_a_batch_waiting_for_its_turn_is_not_slow_however_long_it_waits() -> None:
    clock = FakeClock()
    gate = InFlight(8, lambda: 10.0, latency=0.1, clock=clock)  # 4 slots, as above
    release = asyncio.Event()
    admitted: list[int] = []
    tasks = [asyncio.create_task(hold(gate, release, admitted, n, send=False)) for n in range(6)]
    await settle()
    clock.now += 60  # queued at the rate limiter, not sent: a stopped source would leave them unsent
    gate.look_again()
    await settle()
    assert gate.slow == 0 and admitted == [0, 1, 2, 3]
    release.set()
    await asyncio.gather(*tasks)


async def test_a_timeout_counts_toward_the_latency_estimate() -> None:
    gate = InFlight(64, lambda: 20.0, latency=0.01)
    small = gate.size
    gate.timed_out(30.0)
    assert gate.timeouts == 1
    assert gate.latency == pytest.approx(0.01 + 0.2 * (30.0 - 0.01))
    assert gate.size > small  # more requests in flight while some hang: the rate stays in use
    assert gate.answered_latency == pytest.approx(0.01)  # how long a try waits goes by the answers only
    gate.observe(0.02)
    assert gate.answered_latency == pytest.approx(0.01 + 0.2 * 0.01)


# ----------------------------------------------------------------------------- over the sandbox

HUNG = 4  # of the MPNs, these hang on their first try (every 7th from the 4th)


def catalog_mpns(count: int) -> list[str]:
    found: list[str] = []
    n = 100
    while len(found) < count:
        mpn = f"RC0603FR-07{n}KL"
        if catalog.is_found(mpn) and any(part.part_num == mpn for part in catalog.search(mpn)[:25]):
            found.append(mpn)
        n += 1
    return found


def hang_first_try_of(mpns: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox holds the first request for each of `mpns` (its 'timeout' fault), answers all others."""
    seen: set[str] = set()

    def pick(self: FaultInjector, api: str, request: web.Request) -> str | None:
        token = request.query.get("search_token", "")
        if token in mpns and token not in seen:
            seen.add(token)
            self.counts["timeout"] += 1
            return "timeout"
        return None

    monkeypatch.setattr(FaultInjector, "pick", pick)


class OrderedArrow(ArrowSource):
    """Arrow, noting the order in which its lookups complete."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.completed: list[str] = []

    async def fetch(self, transport: Any, batch: Sequence[Query]) -> dict[Query, Lookup]:
        answers = await super().fetch(transport, batch)
        self.completed.extend(query.mpn for query in batch)
        return answers


async def test_hung_requests_do_not_starve_the_ones_that_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    mpns = catalog_mpns(40)
    hung = {mpns[n] for n in range(3, 40, 7)[:HUNG]}
    hang_first_try_of(hung, monkeypatch)
    config = SandboxConfig(faults=FaultConfig({"timeout": 1e-9}, hold=60))
    async with running_sandbox(config) as url, aiohttp.ClientSession() as session:
        # 40/s on loopback: after a few answers ~3 slots cover the latency, so 3 hung requests
        # held every slot until their timeout (5 s) before the fix; a retry answers them
        transport = Transport(session, make_limiter(40), concurrency=8, timeout=5.0,
                              retry=RetryPolicy(attempts=2))
        source = OrderedArrow(url, ArrowCredentials(SANDBOX_ARROW_LOGIN, SANDBOX_ARROW_API_KEY))
        result = await gather_lookups([SourceRun(source, transport)], [Query(mpn) for mpn in mpns])
    statuses = {mpn: result.lookups[Query(mpn)]["Arrow"].status for mpn in mpns}
    assert set(statuses.values()) == {LookupStatus.FOUND}, statuses  # the retries answered the hung ones
    assert transport.requests_sent == 40 + HUNG  # each hung request tried once more, nothing else
    assert transport.in_flight.timeouts == HUNG  # each timeout was counted toward the latency
    # every line whose request answered was answered before any hung one came back
    assert set(source.completed[:40 - HUNG]) == set(mpns) - hung, source.completed


# ----------------------------------------------------------------------------- the time bound


class NeverAnswers:
    """Answers every query at once, except those it never returns from (a stuck call)."""

    name = "Stuck"

    def __init__(self, stuck: set[str]) -> None:
        self.stuck = stuck

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        return [[query] for query in queries]

    async def fetch(self, transport: Any, batch: Sequence[Query]) -> dict[Query, Lookup]:
        if batch[0].mpn in self.stuck:
            await asyncio.Event().wait()
        return {query: Lookup(self.name, LookupStatus.FOUND) for query in batch}


async def test_a_run_ends_within_its_time_bound_with_every_line_checked_or_marked() -> None:
    queries = [Query(f"PART{n}") for n in range(10)]
    advanced: list[int] = []
    async with aiohttp.ClientSession() as session:
        # the bound: 10 calls × 1.25 / 1000 per s + 0.3 s (the most one request may take)
        transport = Transport(session, make_limiter(1000), retry=RetryPolicy(total_budget=0.3))
        source = NeverAnswers({"PART2", "PART7"})
        result = await asyncio.wait_for(
            gather_lookups([SourceRun(source, transport)], queries, advanced.append), timeout=30)
    lookups = {query.mpn: result.lookups[query]["Stuck"] for query in queries}
    marked = {mpn for mpn, lookup in lookups.items() if lookup.status is LookupStatus.ERROR}
    assert marked == {"PART2", "PART7"}
    assert all(lookups[mpn].status is LookupStatus.FOUND for mpn in set(lookups) - marked)
    for mpn in marked:
        failure = lookups[mpn].failure
        assert failure is not None and failure.kind == "timeout"
        assert "time bound" in lookups[mpn].message
    assert sum(advanced) == 10  # progress counted every call, the marked ones too
    assert result.sources[0].message == "2 of 10 queries failed"


# ----------------------------------------------------------------------------- patience


async def test_a_hung_try_is_given_up_after_the_patience_and_the_last_try_gets_the_whole_timeout(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    mpns = catalog_mpns(8)
    hang_first_try_of({mpns[6], mpns[7]}, monkeypatch)
    config = SandboxConfig(faults=FaultConfig({"timeout": 1e-9}, hold=60))
    caplog.set_level("DEBUG", logger="bomcheck.distributors.http")
    async with running_sandbox(config) as url, aiohttp.ClientSession() as session:
        # loopback answers in ms (the estimate starts at 0.25 s): after 5 timed answers the patience
        # is max(0.4 s, 1 × the estimate), its floor
        transport = Transport(session, make_limiter(100), concurrency=1, timeout=1.5,
                              retry=RetryPolicy(attempts=2, min_patience=0.4, patience_factor=1.0,
                                                patience_after=5))
        source = ArrowSource(url, ArrowCredentials(SANDBOX_ARROW_LOGIN, SANDBOX_ARROW_API_KEY))
        assert transport.patience == 1.5  # nothing timed yet: the whole timeout
        first = await gather_lookups([SourceRun(source, transport)], [Query(mpn) for mpn in mpns[:7]])
        assert transport.answers_timed >= 5 and transport.patience == pytest.approx(0.4)
        # a request allowed one try only (a token refresh is) waits the whole timeout
        with pytest.raises(SourceError, match=r"no answer within 1\.5 s"):
            await transport.request("GET", f"{url}/itemservice/v3/en/search/token",
                                    params={"login": SANDBOX_ARROW_LOGIN, "apikey": SANDBOX_ARROW_API_KEY,
                                            "search_token": mpns[7], "fmt": "json"}, attempts=1)
    assert first.lookups[Query(mpns[6])]["Arrow"].status is LookupStatus.FOUND  # its retry answered
    cut = [record.getMessage() for record in caplog.records if "failed: timeout" in record.getMessage()]
    assert len(cut) == 2 and "no answer within 0.4 s), attempt 1" in cut[0], cut  # not 1.5 s
    assert "no answer within 1.5 s), attempt 1" in cut[1], cut


def test_the_time_bound_is_the_calls_at_the_rate_plus_one_request_budget_plus_the_pauses_asked() -> None:
    transport = Transport(session=None, limiter=make_limiter(20), retry=RetryPolicy(total_budget=180.0))
    assert time_bound(transport, 300) == pytest.approx(300 * 1.25 / 20 + 180)  # 198.75 s
    transport.limiter.set_rate(10)  # a server that asked for less: the calls take longer, so may the run
    assert time_bound(transport, 300) == pytest.approx(300 * 1.25 / 10 + 180)
    transport._slow_down(12.0, "https://arrow.test/search")  # a 429 with Retry-After: 12 (rate halved to 5)
    assert transport.paused == pytest.approx(12.0)
    assert time_bound(transport, 300) == pytest.approx(300 * 1.25 / 5 + 180 + 12)
