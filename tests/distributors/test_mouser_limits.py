"""Mouser's 1,000 calls a day counted as sent, a daily refusal kept, a per-minute throttle retried."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.mouser import MouserSource
from bomcheck.distributors.quota import QuotaSeen, quota_day_of
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.lookups.fanout import SourceRun, gather_lookups
from bomcheck.model import LookupStatus, Query
from bomcheck.sandbox import SANDBOX_MOUSER_API_KEY
from bomcheck.sandbox.server import SandboxConfig, running_sandbox
from tests.distributors.test_mouser import API_KEY, BASE, SEARCH, answer, part, sent

DAILY = {"Id": 0, "Code": "TooManyRequests", "Message": "Maximum calls per day exceeded."}
PER_MINUTE = {"Id": 0, "Code": "TooManyRequests", "Message": "Too many requests per minute."}


class Sleeps:
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def counting(session: aiohttp.ClientSession, sleeps: Sleeps | None = None, *, attempts: int = 4,
             quota: QuotaSeen | None = None) -> Transport:
    """A Transport as runtime opens Mouser's: it counts its own calls against 1,000 a day."""
    transport = Transport(session, make_limiter(1000), sleep=sleeps or Sleeps(), secrets=(API_KEY,),
                          retry=RetryPolicy(attempts=attempts))
    transport.own_daily_limit = 1000
    transport.quota = quota
    return transport


def errors(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"Errors": list(entries), "SearchResults": None}


# --------------------------------------------------------------------------- the count (item 4)

async def test_each_call_sent_lowers_the_count_from_the_full_day_on_a_first_run(session):
    transport = counting(session)
    assert transport.quota_remaining is None  # nothing known before the first call
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=answer(part("LM358DR")), repeat=True)
        for _ in range(3):
            await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
    assert transport.quota_remaining == 1000 - 3
    assert transport.quota is not None and transport.quota.limit == 1000


async def test_the_count_goes_on_from_the_one_kept_today_and_retries_count_too(session):
    kept = QuotaSeen(40, 1000, datetime.now(timezone.utc) - timedelta(minutes=5))
    transport = counting(session, quota=kept)
    with aioresponses() as mocked:
        mocked.post(SEARCH, status=502)  # one failed try: Mouser may count it, so it is counted
        mocked.post(SEARCH, payload=answer(part("LM358DR")))
        await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
    assert transport.requests_sent == 2 and transport.quota_remaining == 40 - 2


async def test_a_count_from_an_earlier_quota_day_starts_the_day_afresh(session):
    yesterday = datetime.now(timezone.utc) - timedelta(days=1, hours=1)
    assert quota_day_of(yesterday) != quota_day_of(datetime.now(timezone.utc))
    transport = counting(session, quota=QuotaSeen(0, 1000, yesterday))
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=answer(part("LM358DR")))
        await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
    assert transport.quota_remaining == 999


async def test_a_second_fanout_on_the_same_transport_sees_the_calls_of_the_first(session):
    # A second round (sellers' numbers) or a watch service asks again on the same transport: the
    # pre-check must see the calls the first round sent. Three calls left; Mouser counts each
    # batch at two calls (a cut-short answer is asked again), so round one sends one batch (3 -> 2).
    transport = counting(session, quota=QuotaSeen(3, 1000, datetime.now(timezone.utc)))
    run = SourceRun(MouserSource(BASE, API_KEY), transport)
    first = [Query(f"PART{i}") for i in range(12)]  # two batches: ten, then two
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=answer(*(part(f"PART{i}") for i in range(12))), repeat=True)
        one = await gather_lookups([run], first)
        assert len(sent(mocked)) == 1 and transport.quota_remaining == 2
        two = await gather_lookups([run], [Query("OTHER1")])  # needs 2 at worst: 2 left, asked
        assert len(sent(mocked)) == 2 and transport.quota_remaining == 1
        three = await gather_lookups([run], [Query("OTHER2")])  # 1 left: not asked
        assert len(sent(mocked)) == 2
    assert [one.lookups[q]["Mouser"].status for q in first].count(LookupStatus.FOUND) == 10
    assert {one.lookups[q]["Mouser"].message for q in first[10:]} == {
        "Mouser daily quota: 3 calls left, 4 needed"}
    assert two.lookups[Query("OTHER1")]["Mouser"].status is LookupStatus.NOT_FOUND
    assert three.lookups[Query("OTHER2")]["Mouser"].message == "Mouser daily quota: 1 call left, 2 needed"


# --------------------------------------------------------------------------- the daily refusal (item 5)

async def test_a_daily_refusal_in_a_200_stops_mouser_and_leaves_none_for_today(session):
    transport = counting(session, quota=QuotaSeen(600, 1000, datetime.now(timezone.utc)))
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=errors(DAILY), repeat=True)
        with pytest.raises(SourceUnavailable, match="daily limit of calls reached"):
            await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
    assert transport.quota_remaining == 0  # kept (quota.json): the next run does not ask today
    assert transport.quota is not None and transport.quota.limit == 1000


@pytest.mark.parametrize("status", [503, 429])
async def test_a_daily_refusal_with_a_503_or_429_is_not_retried(session, status):
    transport = counting(session, attempts=4)
    with aioresponses() as mocked:
        mocked.post(SEARCH, status=status, payload=errors(DAILY), repeat=True,
                    headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0"})
        with pytest.raises(SourceUnavailable, match=r"daily limit of calls reached \(Maximum calls per day"):
            await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
        assert len(sent(mocked)) == 1  # waiting will not bring it back today: no four tries
    assert transport.quota_remaining == 0


async def test_the_sandboxs_daily_refusal_stops_at_the_first_answer_and_is_kept():
    async with running_sandbox(SandboxConfig(mouser_daily=1)) as url, aiohttp.ClientSession() as session:
        transport = counting(session, attempts=4)
        transport.secrets = (SANDBOX_MOUSER_API_KEY,)
        source = MouserSource(url, SANDBOX_MOUSER_API_KEY)
        await source.fetch(transport, [Query("LM358DR")])  # the day's one call
        assert transport.quota_remaining == 999  # bomcheck's count: it cannot know the sandbox's limit
        with pytest.raises(SourceUnavailable, match="daily limit"):
            await source.fetch(transport, [Query("NE555P")])
    assert transport.requests_sent == 2 and transport.quota_remaining == 0


# --------------------------------------------------------------------------- per-minute throttle (item 6)

async def test_a_per_minute_throttle_inside_a_200_is_retried_once_after_a_pause(session):
    sleeps = Sleeps()
    transport = counting(session, sleeps)
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=errors(PER_MINUTE))
        mocked.post(SEARCH, payload=answer(part("LM358DR")))
        found = await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
    assert found[Query("LM358DR")].status is LookupStatus.FOUND
    assert transport.requests_sent == 2 and transport.throttled == 1
    # no Retry-After: the transport's longest single wait (30 s), slept by the fake, not waited
    assert sleeps.slept == [pytest.approx(30.0, abs=0.1)]


async def test_a_per_minute_throttle_says_its_wait_in_retry_after(session):
    sleeps = Sleeps()
    transport = counting(session, sleeps)
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=errors(PER_MINUTE), headers={"Retry-After": "7"})
        mocked.post(SEARCH, payload=answer(part("LM358DR")))
        await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
    assert sleeps.slept == [pytest.approx(7.0, abs=0.1)]


async def test_a_throttle_that_stays_is_retried_only_once_then_marks_that_calls_parts(session):
    sleeps = Sleeps()
    transport = counting(session, sleeps)
    with aioresponses() as mocked:
        mocked.post(SEARCH, payload=errors(PER_MINUTE), repeat=True)
        with pytest.raises(SourceError, match="Too many requests per minute") as info:
            await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
        assert len(sent(mocked)) == 2
    assert not isinstance(info.value, SourceUnavailable) and len(sleeps.slept) == 1


async def test_other_errors_inside_a_200_are_not_retried(session):
    sleeps = Sleeps()
    transport = counting(session, sleeps)
    bad_part = {"Id": 0, "Code": "Invalid", "Message": "The part number is too short.",
                "PropertyName": "mouserPartNumber"}
    with aioresponses() as mocked:
        mocked.post(SEARCH, body=json.dumps(errors(bad_part)), content_type="application/json", repeat=True)
        with pytest.raises(SourceError):
            await MouserSource(BASE, API_KEY).fetch(transport, [Query("LM358DR")])
        assert len(sent(mocked)) == 1
    assert sleeps.slept == [] and re.fullmatch(r"\d+", str(transport.quota_remaining))
