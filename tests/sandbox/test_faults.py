"""Injected faults: the sandbox plays each one, the client retries it or marks the line with the reason."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from aioresponses import aioresponses
from click.testing import CliRunner

from bomcheck.cli import main
from bomcheck.cli import sandbox as sandbox_cli
from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource
from bomcheck.distributors.digikey import DigiKeyBondedSource
from bomcheck.distributors.digikey_auth import OAuthTokenProvider
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.distributors.token_store import MemoryTokenStore, Tokens
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.lookups.fanout import SourceRun, gather_lookups
from bomcheck.model import Failure, LookupStatus, Query
from bomcheck.output.failures import run_failures
from bomcheck.pricing import plan_line
from bomcheck.sandbox import (
    SANDBOX_ARROW_API_KEY,
    SANDBOX_ARROW_LOGIN,
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
)
from bomcheck.sandbox.faults import FAULT_KINDS, FaultConfig, FaultInjector, fault_rates, parse_fault
from bomcheck.sandbox.server import SandboxConfig, running_sandbox
from tests.builders import bom_line as line
from tests.conftest import FakeClock, no_sleep

SEARCH = "/itemservice/v3/en/search/token"
ARROW_PARAMS = {"login": SANDBOX_ARROW_LOGIN, "apikey": SANDBOX_ARROW_API_KEY, "search_token": "LM358DR",
                "fmt": "json"}
ATTEMPTS = 3


def faulty(kind: str, rate: float = 1.0, **extra: Any) -> SandboxConfig:
    return SandboxConfig(faults=FaultConfig({kind: rate}, hold=10, trickle_seconds=0.2, **extra))


@contextlib.asynccontextmanager
async def arrow_against(config: SandboxConfig, timeout: float = 2.0
                        ) -> AsyncIterator[tuple[str, ArrowSource, Transport]]:
    async with running_sandbox(config) as url, aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), sleep=no_sleep, timeout=timeout,
                              retry=RetryPolicy(attempts=ATTEMPTS))
        yield url, ArrowSource(url, ArrowCredentials(SANDBOX_ARROW_LOGIN, SANDBOX_ARROW_API_KEY)), transport


async def stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/_sandbox/stats") as answer:
        return dict(await answer.json())


async def ask_arrow(config: SandboxConfig, timeout: float = 2.0) -> tuple[Any, Transport, dict[str, Any]]:
    """One Arrow line through the fan-out; its lookup, the transport, the sandbox's stats."""
    async with arrow_against(config, timeout) as (url, source, transport):
        result = await gather_lookups([SourceRun(source, transport)], [Query("LM358DR")])
        seen = await stats(url)
    return result.lookups[Query("LM358DR")]["Arrow"], transport, seen


# ----------------------------------------------------------------------------- the sandbox side


@pytest.mark.parametrize("kind", ["500", "502", "503"])
async def test_sandbox_server_errors_answer_their_status_with_an_html_page(kind: str) -> None:
    async with running_sandbox(faulty(kind)) as url, aiohttp.ClientSession() as session:
        async with session.get(url + SEARCH, params=ARROW_PARAMS) as answer:
            assert answer.status == int(kind) and b"<html>" in await answer.read()
        assert (await stats(url))["faults"] == {kind: 1}


async def test_sandbox_timeout_holds_the_answer_past_the_clients_patience() -> None:
    async with running_sandbox(faulty("timeout")) as url, aiohttp.ClientSession() as session:
        with pytest.raises(TimeoutError):
            async with session.get(url + SEARCH, params=ARROW_PARAMS,
                                   timeout=aiohttp.ClientTimeout(total=0.3)) as answer:
                await answer.read()


async def test_sandbox_reset_drops_the_connection_without_an_answer() -> None:
    async with running_sandbox(faulty("reset")) as url, aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientOSError, match="reset"):
            async with session.get(url + SEARCH, params=ARROW_PARAMS) as answer:
                await answer.read()


async def test_sandbox_truncated_body_declares_more_than_it_sends() -> None:
    async with (running_sandbox(faulty("truncated")) as url, aiohttp.ClientSession() as session,
                session.get(url + SEARCH, params=ARROW_PARAMS) as answer):
            assert answer.status == 200 and int(answer.headers["Content-Length"]) > 100
            with pytest.raises(aiohttp.ClientPayloadError):
                await answer.read()


async def test_sandbox_invalid_json_is_a_200_cut_in_half() -> None:
    async with (running_sandbox(faulty("invalid-json")) as url, aiohttp.ClientSession() as session,
                session.get(url + SEARCH, params=ARROW_PARAMS) as answer):
            body = await answer.read()
            assert answer.status == 200 and answer.content_type == "application/json"
            assert body.startswith(b'{"itemserviceresult"') and not body.rstrip().endswith(b"}")


async def test_sandbox_html_is_a_maintenance_page_with_status_200() -> None:
    async with (running_sandbox(faulty("html")) as url, aiohttp.ClientSession() as session,
                session.get(url + SEARCH, params=ARROW_PARAMS) as answer):
            assert answer.status == 200 and answer.content_type == "text/html"
            assert b"maintenance" in await answer.read()


async def test_sandbox_trickle_sends_the_real_answer_in_small_pieces() -> None:
    async with (running_sandbox(faulty("trickle")) as url, aiohttp.ClientSession() as session,
                session.get(url + SEARCH, params=ARROW_PARAMS) as answer):
            pieces = [chunk async for chunk in answer.content.iter_any()]
    assert len(pieces) > 5 and b"".join(pieces).endswith(b"}")  # whole, but not in one go


async def test_oauth_is_spared_unless_asked_and_supply_chain_is_faulted() -> None:
    request = make_mocked_request("POST", "/v1/oauth2/token")
    assert FaultInjector(FaultConfig({"503": 1.0})).pick("digikey_oauth", request) is None
    assert FaultInjector(FaultConfig({"503": 1.0}, oauth=True)).pick("digikey_oauth", request) == "503"
    products = make_mocked_request("GET", "/SupplyChain/v1/BondedQuantity/Products")
    assert FaultInjector(FaultConfig({"503": 1.0})).pick("digikey", products) == "503"


def draws(config: FaultConfig, count: int = 400) -> list[str | None]:
    injector = FaultInjector(config)
    return [injector.pick("arrow", make_mocked_request("GET", f"{SEARCH}?search_token=P{n % 50}"))
            for n in range(count)]


def test_the_same_seed_fails_the_same_requests_and_the_rates_hold() -> None:
    every = FaultConfig(fault_rates(0.2, {}), seed=7)
    first, again = draws(every), draws(every)
    assert first == again
    assert first != draws(FaultConfig(fault_rates(0.2, {}), seed=8))
    faulted = [kind for kind in first if kind]
    assert 0.13 < len(faulted) / len(first) < 0.27 and len(set(faulted)) >= 6  # 20%, of many kinds


def test_faults_1_fails_every_request_and_a_trickle_is_played_only_when_named() -> None:
    every = draws(FaultConfig(fault_rates(1.0, {})), 400)
    assert None not in every and "trickle" not in every and len(set(every)) == len(FAULT_KINDS) - 1
    assert set(draws(FaultConfig(fault_rates(None, {"trickle": 1.0})), 20)) == {"trickle"}


def test_max_faults_stops_faulting_after_that_many() -> None:
    assert draws(FaultConfig({"503": 1.0}, max_faults=2), 5) == ["503", "503", None, None, None]


def test_fault_rates_spread_faults_evenly_and_single_kinds_go_on_top() -> None:
    rates = fault_rates(0.16, dict([parse_fault("timeout=0.1")]))
    assert set(rates) == set(FAULT_KINDS) - {"trickle"} and rates["503"] == pytest.approx(0.02)
    assert rates["timeout"] == pytest.approx(0.02 + 0.1)  # its share of --faults, plus 0.1 on top
    for bad in ("boom=0.1", "timeout", "timeout=2", "timeout=x"):
        with pytest.raises(ValueError):
            parse_fault(bad)
    with pytest.raises(ValueError, match="add up to"):
        fault_rates(None, {"500": 0.7, "502": 0.7})


def test_sandbox_command_takes_faults_and_seed(monkeypatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(sandbox_cli, "serve_forever",
                        lambda host, port, config, *environment: seen.update(config=config))
    result = CliRunner().invoke(main, ["sandbox", "--faults", "0.2", "--fault", "reset=0.05",
                                           "--fault-seed", "42", "--fault-oauth"])
    assert result.exit_code == 0, result.output
    faults = seen["config"].faults
    assert faults.seed == 42 and faults.oauth and faults.rates["reset"] == pytest.approx(0.2 / 8 + 0.05)
    assert sum(faults.rates.values()) == pytest.approx(0.2 + 0.05)  # 0.05 more resets, on top
    refused = CliRunner().invoke(main, ["sandbox", "--fault", "flood=0.1"])
    assert refused.exit_code == 2 and "flood" in refused.output


# ----------------------------------------------------------------------------- the client side


@pytest.mark.parametrize("kind", ["500", "502", "503"])
async def test_a_server_error_is_retried_then_succeeds(kind: str) -> None:
    lookup, transport, seen = await ask_arrow(faulty(kind, max_faults=1))
    assert lookup.status is LookupStatus.FOUND
    assert transport.requests_sent == 2 and seen["faults"] == {kind: 1}


@pytest.mark.parametrize("kind", ["500", "502", "503"])
async def test_a_server_error_that_stays_marks_the_line_after_every_attempt(kind: str) -> None:
    lookup, transport, seen = await ask_arrow(faulty(kind))
    assert lookup.status is LookupStatus.ERROR
    assert lookup.message == f"Arrow: HTTP {kind} after {ATTEMPTS} attempts"
    assert transport.requests_sent == ATTEMPTS and seen["faults"] == {kind: ATTEMPTS}


async def test_a_timeout_is_retried_then_succeeds() -> None:
    lookup, transport, _ = await ask_arrow(faulty("timeout", max_faults=1), timeout=1.5)
    assert lookup.status is LookupStatus.FOUND and transport.requests_sent == 2


async def test_timeouts_that_stay_mark_the_line() -> None:
    lookup, transport, _ = await ask_arrow(faulty("timeout"), timeout=0.3)
    assert lookup.message == f"Arrow: timeout (no answer within 0.3 s) after {ATTEMPTS} attempts"
    assert transport.requests_sent == ATTEMPTS


async def test_a_reset_is_retried_then_succeeds() -> None:
    lookup, transport, seen = await ask_arrow(faulty("reset", max_faults=2))
    assert lookup.status is LookupStatus.FOUND
    # aiohttp itself resends an idempotent GET once on a reset (RFC 9112), inside one attempt
    assert transport.requests_sent == 2 and seen["faults"] == {"reset": 2} and seen["arrow"] == 3


async def test_resets_that_stay_mark_the_line() -> None:
    lookup, transport, seen = await ask_arrow(faulty("reset"))
    assert lookup.message == f"Arrow: connection reset after {ATTEMPTS} attempts"
    assert transport.requests_sent == ATTEMPTS and seen["arrow"] == 2 * ATTEMPTS


async def test_a_truncated_body_is_retried_then_succeeds() -> None:
    lookup, transport, _ = await ask_arrow(faulty("truncated", max_faults=1))
    assert lookup.status is LookupStatus.FOUND and transport.requests_sent == 2


async def test_truncated_bodies_that_stay_mark_the_line() -> None:
    lookup, transport, _ = await ask_arrow(faulty("truncated"))
    assert lookup.message == f"Arrow: answer cut short after {ATTEMPTS} attempts"
    assert transport.requests_sent == ATTEMPTS


async def test_invalid_json_is_tried_once_more_then_succeeds() -> None:
    lookup, transport, _ = await ask_arrow(faulty("invalid-json", max_faults=1))
    assert lookup.status is LookupStatus.FOUND and transport.requests_sent == 2


async def test_invalid_json_that_stays_is_tried_twice_only() -> None:
    lookup, transport, _ = await ask_arrow(faulty("invalid-json"))
    assert lookup.message == "Arrow: invalid JSON after 2 attempts" and transport.requests_sent == 2


async def test_an_html_page_with_200_is_tried_once_more_then_succeeds() -> None:
    lookup, transport, _ = await ask_arrow(faulty("html", max_faults=1))
    assert lookup.status is LookupStatus.FOUND and transport.requests_sent == 2


async def test_html_pages_that_stay_are_tried_twice_only() -> None:
    lookup, transport, _ = await ask_arrow(faulty("html"))
    assert lookup.message == ("Arrow: HTML page instead of JSON (HTTP 200: Scheduled maintenance) "
                              "after 2 attempts")
    assert transport.requests_sent == 2


async def test_tries_that_failed_in_different_ways_are_all_named_next_to_the_count() -> None:
    async with aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), sleep=no_sleep, retry=RetryPolicy(attempts=4))
        with aioresponses() as mocked:
            mocked.get(URL, exception=aiohttp.ServerDisconnectedError())
            mocked.get(URL, status=200, body=b"<html>maintenance</html>", repeat=True)
            with pytest.raises(SourceError) as info:
                await transport.request("GET", URL, expect_json=True)
        with aioresponses() as mocked:
            mocked.get(URL, exception=aiohttp.ServerDisconnectedError())
            mocked.get(URL, status=503, repeat=True)
            answer = await transport.request("GET", URL)
    assert str(info.value) == ("HTML page instead of JSON (HTTP 200: maintenance) (3 attempts: connection "
                               "closed without an answer, HTML page instead of JSON ×2)")
    assert Failure.said(f"Arrow: {info.value}").kind == "HTML page instead of JSON"
    message = answer.failed_after_attempts()
    assert message == "HTTP 503 (4 attempts: connection closed without an answer, HTTP 503 ×3)"
    assert Failure.said(f"Arrow: {message}").kind == "HTTP 503"


async def test_a_trickle_within_the_timeout_is_an_answer() -> None:
    lookup, transport, seen = await ask_arrow(faulty("trickle"), timeout=3.0)
    assert lookup.status is LookupStatus.FOUND and transport.requests_sent == 1
    assert seen["faults"] == {"trickle": 1}


async def test_a_trickle_slower_than_the_timeout_is_cut_off_by_it() -> None:
    config = SandboxConfig(faults=FaultConfig({"trickle": 1.0}, trickle_seconds=5))
    lookup, transport, _ = await ask_arrow(config, timeout=0.3)
    assert lookup.message == f"Arrow: timeout (no answer within 0.3 s) after {ATTEMPTS} attempts"
    assert transport.requests_sent == ATTEMPTS


async def test_digikey_marks_its_lines_with_its_full_name_once() -> None:
    async with running_sandbox(faulty("503")) as url, aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), sleep=no_sleep, retry=RetryPolicy(attempts=2))
        store = MemoryTokenStore(Tokens("AT-seeded-1", "RT-seeded-1", 4_000_000_000.0))
        tokens = OAuthTokenProvider(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET, store)
        source = DigiKeyBondedSource(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_ACCOUNT_ID, tokens)
        result = await gather_lookups([SourceRun(source, transport)], [Query("LM358DR")])
    lookup = result.lookups[Query("LM358DR")][source.name]
    assert lookup.status is LookupStatus.ERROR
    assert lookup.message == "DigiKey: HTTP 503 after 2 attempts"  # a proxy's page: no request id
    planned = plan_line(line(mpn="LM358DR"), {source.name: lookup}, boards=1)
    assert planned.reason == "DigiKey Bonded: HTTP 503 after 2 attempts"
    assert planned.reason.count("DigiKey") == 1


# ----------------------------------------------------------------------------- backoff and budgets

URL = "https://api.example.test/search"


def clocked(session: aiohttp.ClientSession, clock: FakeClock, policy: RetryPolicy,
            seed: int = 1) -> Transport:
    return Transport(session, make_limiter(1000), retry=policy, sleep=clock.sleep, clock=clock,
                     rng=random.Random(seed))


async def test_backoff_is_exponential_with_full_jitter() -> None:
    clock = FakeClock()
    policy = RetryPolicy(attempts=6, base_delay=1.0, max_delay=8.0, total_budget=1000)
    async with aiohttp.ClientSession() as session:
        transport = clocked(session, clock, policy, seed=3)
        with aioresponses() as mocked:
            mocked.get(URL, status=503, repeat=True)
            answer = await transport.request("GET", URL)
    assert answer.status == 503 and answer.attempts == 6
    expected = random.Random(3)
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0]  # doubling, capped at max_delay
    assert clock.slept == [pytest.approx(expected.uniform(0, c)) for c in ceilings]
    assert len(set(clock.slept)) == 5 and all(0 <= s <= c for s, c in zip(clock.slept, ceilings, strict=True))


async def test_one_request_never_takes_longer_than_its_total_budget() -> None:
    clock = FakeClock()
    policy = RetryPolicy(attempts=50, base_delay=2.0, max_delay=30.0, total_budget=20.0)
    async with aiohttp.ClientSession() as session:
        transport = clocked(session, clock, policy)
        with aioresponses() as mocked:
            mocked.get(URL, exception=aiohttp.ServerDisconnectedError(), repeat=True)
            with pytest.raises(SourceError, match=r"closed without an answer after \d+ at") as info:
                await transport.request("GET", URL)
    assert clock.now - 1000.0 < 20.0  # every wait fit in the budget; the next one would not have
    assert 2 <= transport.requests_sent < 50
    assert f"after {transport.requests_sent} attempts" in str(info.value)


def test_each_attempt_waits_at_most_what_is_left_of_the_budget() -> None:
    clock = FakeClock()
    transport = Transport(None, make_limiter(1000), timeout=30.0, clock=clock,  # type: ignore[arg-type]
                          retry=RetryPolicy(total_budget=40.0))
    assert transport._attempt_timeout(started=clock.now) == 30.0
    assert transport._attempt_timeout(started=clock.now - 35.0) == pytest.approx(5.0)


async def test_429_pauses_count_against_the_total_budget() -> None:
    clock = FakeClock()
    policy = RetryPolicy(total_budget=10.0, throttle_budget=100.0)
    async with aiohttp.ClientSession() as session:
        transport = clocked(session, clock, policy)
        with aioresponses() as mocked:
            mocked.get(URL, status=429, headers={"Retry-After": "4"}, repeat=True)
            answer = await transport.request("GET", URL)
    assert answer.status == 429 and sum(clock.slept) < 10.0


async def test_a_source_failing_request_after_request_is_taken_as_down_for_the_run() -> None:
    async with aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), sleep=no_sleep,
                              retry=RetryPolicy(attempts=2, give_up_after=3), concurrency=1)
        source = ArrowSource("https://arrow.test", ArrowCredentials("me", "key-1234"))
        queries = [Query(f"PART{n}") for n in range(10)]
        with aioresponses() as mocked:
            mocked.get(re.compile(r"^https://arrow\.test/.*$"), status=503, repeat=True)
            result = await gather_lookups([SourceRun(source, transport)], queries)
    assert transport.requests_sent == 3 * 2  # three requests, two attempts each, then no more
    messages = [result.lookups[q]["Arrow"].message for q in queries]
    assert messages[:3] == ["Arrow: HTTP 503 after 2 attempts"] * 3
    assert all(m.startswith("Arrow: not answering (3 requests in a row failed") for m in messages[3:])
    assert all(result.lookups[q]["Arrow"].status is LookupStatus.ERROR for q in queries)


async def test_requests_in_flight_stop_at_their_next_attempt_once_the_source_is_down() -> None:
    backoff_over = asyncio.Event()

    async def held_sleep(seconds: float) -> None:  # the retries wait until the source is down
        await backoff_over.wait()

    async with aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), sleep=held_sleep,
                              retry=RetryPolicy(attempts=5, give_up_after=2))
        with aioresponses() as mocked:
            mocked.get(URL, status=503, repeat=True)
            retrying = [asyncio.create_task(transport.request("GET", URL)) for _ in range(2)]
            while transport.requests_sent < 2:  # both sent their first attempt, now waiting to retry
                await asyncio.sleep(0)
            for _ in range(2):  # two other requests fail every (single) try: the source is down
                await transport.request("GET", URL, attempts=1)
            assert transport.down.startswith("not answering (2 requests in a row failed")
            backoff_over.set()
            outcomes = await asyncio.gather(*retrying, return_exceptions=True)
    assert all(isinstance(outcome, SourceUnavailable) for outcome in outcomes)
    assert transport.requests_sent == 4  # no retry was sent once the source was down


async def test_a_source_answering_nothing_for_the_request_budget_is_down_with_fewer_failed_requests() -> None:
    clock = FakeClock()
    policy = RetryPolicy(attempts=2, give_up_after=5, total_budget=100.0, down_for=60.0)
    async with aiohttp.ClientSession() as session:
        transport = clocked(session, clock, policy)
        with aioresponses() as mocked:
            mocked.get(URL, status=200, body=b"{}")
            mocked.get(URL, exception=asyncio.TimeoutError(), repeat=True)
            await transport.request("GET", URL)  # an answer: the clock of failures starts after it
            with pytest.raises(SourceError):
                await transport.request("GET", URL)  # one request failing every try...
            clock.now += 99
            with pytest.raises(SourceError):  # ...and nothing answered for 99 s: still asked
                await transport.request("GET", URL, attempts=1)
            sent = transport.requests_sent
            clock.now += 1  # 100 s without an answer: the most one request may take
            with pytest.raises(SourceUnavailable, match=r"not answering \(nothing answered for 100 s, 2 "
                                                        r"requests failed every attempt, the last: timeout"):
                await transport.request("GET", URL)
            assert transport.requests_sent == sent  # not sent
            clock.now += 61  # down_for later (a watch's next file) it is asked again, with a fresh start
            with pytest.raises(SourceError) as again:
                await transport.request("GET", URL, attempts=1)
    assert not isinstance(again.value, SourceUnavailable) and transport.requests_sent == sent + 1


async def test_a_success_resets_the_count_of_failed_requests() -> None:
    async with aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), sleep=no_sleep,
                              retry=RetryPolicy(attempts=1, give_up_after=2))
        with aioresponses() as mocked:
            for status in (503, 200, 503, 200):
                mocked.get(URL, status=status, body=b"{}")
            for _ in range(4):
                await transport.request("GET", URL)
        assert not transport._down
        with aioresponses() as mocked:
            mocked.get(URL, status=503, repeat=True)
            await transport.request("GET", URL)
            await transport.request("GET", URL)
            with pytest.raises(SourceUnavailable, match="not answering"):
                await transport.request("GET", URL)


# ----------------------------------------------------------------------------- counting failures


def test_failure_kinds_are_the_short_reasons() -> None:
    assert Failure.said("Arrow: HTTP 503 after 4 attempts").kind == "HTTP 503"
    assert Failure.said("DigiKey: HTTP 502 after 4 attempts (request id 7)").kind == "HTTP 502"
    assert Failure.said("Arrow: timeout (no answer within 30 s) after 4 attempts").kind == "timeout"
    assert Failure.said("Arrow: answer cut short after 2 attempts").kind == "answer cut short"
    assert Failure.said("DigiKey: daily quota exhausted (HTTP 429) — bonded").kind == "daily quota exhausted"
    assert Failure.said("Arrow: not answering (5 requests in a row failed)").kind == "not answering"


def test_run_failures_count_lines_per_source_and_reason() -> None:
    from bomcheck.model import Lookup

    def error(message: str) -> Lookup:
        return Lookup("Arrow", LookupStatus.ERROR, message=message)

    messages = ["Arrow: HTTP 503 after 4 attempts"] * 2 + [
        "Arrow: timeout (no answer within 30 s) after 4 attempts"]
    results = [plan_line(line(mpn=f"P{n}"), {"Arrow": error(m)}, boards=1) for n, m in enumerate(messages)]
    results.append(plan_line(line(mpn="DNP1", dnp=True), {}, boards=1))
    summary = run_failures(results)
    assert summary.sentence() == ("1 line checked, 3 lines not checked: Arrow failed for 3 "
                                  "(HTTP 503 ×2, timeout ×1)")
    assert summary.as_dict()["sources"] == [{"source": "Arrow", "lines": 3,
                                             "reasons": {"HTTP 503": 2, "timeout": 1}}]


async def test_a_source_taken_as_down_is_tried_again_after_down_for() -> None:
    clock = FakeClock()
    policy = RetryPolicy(attempts=1, give_up_after=2, down_for=60.0)
    async with aiohttp.ClientSession() as session:
        transport = clocked(session, clock, policy)
        with aioresponses() as mocked:
            mocked.get(URL, status=503, repeat=True)
            await transport.request("GET", URL)
            await transport.request("GET", URL)
            clock.now += 59
            with pytest.raises(SourceUnavailable):
                await transport.request("GET", URL)
        clock.now += 2  # a watch service's next file, a minute later: the source is asked again
        with aioresponses() as mocked:
            mocked.get(URL, status=200, body=b"{}")
            assert (await transport.request("GET", URL)).status == 200
    assert transport.requests_sent == 3


def test_a_line_names_each_failed_source_once() -> None:
    from bomcheck.model import Lookup

    def failed(source: str, message: str) -> Lookup:
        return Lookup(source, LookupStatus.ERROR, message=message)

    lookups = {"Arrow": failed("Arrow", "Arrow: answer cut short after 4 attempts"),
               "DigiKey Bonded": failed("DigiKey Bonded", "DigiKey: HTTP 502 after 4 attempts")}
    both = plan_line(line(mpn="X"), lookups, boards=1)
    assert both.reason == ("Arrow: answer cut short after 4 attempts; "
                           "DigiKey Bonded: HTTP 502 after 4 attempts")
    prose = plan_line(line(mpn="X"), {"Arrow": failed("Arrow", "Arrow rejected the login/apikey (HTTP 401)")},
                      boards=1)
    bare = plan_line(line(mpn="X"), {"Arrow": failed("Arrow", "unexpected KeyError: 'x'")}, boards=1)
    assert prose.reason == "Arrow rejected the login/apikey (HTTP 401)"
    assert bare.reason == "Arrow: unexpected KeyError: 'x'"
