"""The transport learns from answers: X-BurstLimit-*/X-RateLimit-* lower the rate; the daily quota is kept."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.http import RateHeaders, Transport, make_limiter, parse_retry_after
from bomcheck.distributors.quota import QuotaSeen, QuotaStore

URL = "https://api.example.test/SupplyChain/v1/BondedQuantity/Products"
DIGIKEY = RateHeaders(burst="X-BurstLimit-", quota="X-RateLimit-")


async def no_sleep(_: float) -> None:
    """Retries cost no time."""


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


def transport(session, rate: float = 10.0, headers: RateHeaders = DIGIKEY) -> Transport:
    return Transport(session, make_limiter(rate), sleep=no_sleep, rate_headers=headers)


async def test_a_burst_limit_below_our_rate_lowers_it(session):
    http = transport(session, rate=10.0)
    with aioresponses() as mocked:
        mocked.get(URL, status=200, body=b"[]", headers={
            "X-BurstLimit-Limit": "4", "X-BurstLimit-Remaining": "3", "X-BurstLimit-Reset": "1"})
        await http.request("GET", URL)
    assert http.limiter.rate == 4


async def test_a_per_minute_burst_limit_is_read_over_the_longest_reset_seen(session):
    http = transport(session, rate=5.0)
    with aioresponses() as mocked:
        mocked.get(URL, status=200, body=b"[]", headers={
            "X-BurstLimit-Limit": "120", "X-BurstLimit-Reset": "60"})
        await http.request("GET", URL)
    assert http.limiter.rate == pytest.approx(2.0)  # 120 a minute


async def test_a_limit_above_ours_never_raises_the_rate(session):
    http = transport(session, rate=2.0)
    with aioresponses() as mocked:
        mocked.get(URL, status=200, body=b"[]", headers={
            "X-BurstLimit-Limit": "50", "X-BurstLimit-Reset": "1"})
        mocked.get(URL, status=200, body=b"[]", headers={
            "X-BurstLimit-Limit": "bogus"})
        await http.request("GET", URL)
        await http.request("GET", URL)
    assert http.limiter.rate == 2.0


async def test_arrow_x_ratelimit_headers_are_read_as_a_short_term_limit(session):
    http = transport(session, rate=10.0, headers=RateHeaders())
    with aioresponses() as mocked:
        mocked.get(URL, status=200, body=b"{}", headers={"X-RateLimit-Limit": "3", "X-RateLimit-Reset": "1"})
        await http.request("GET", URL)
    assert http.limiter.rate == 3 and http.quota_remaining is None


async def test_digikey_daily_quota_is_kept_from_every_answer_and_does_not_touch_the_rate(session):
    http = transport(session, rate=2.0)
    with aioresponses() as mocked:
        mocked.get(URL, status=200, body=b"[]", headers={
            "X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "998"})
        await http.request("GET", URL)
    assert http.quota is not None and (http.quota.remaining, http.quota.limit) == (998, 1000)
    assert http.quota_remaining == 998 and http.limiter.rate == 2.0


def test_a_count_learnt_on_an_earlier_quota_day_is_unknown_to_a_long_running_process():
    http = Transport(None, make_limiter(1))  # type: ignore[arg-type]
    http.quota = QuotaSeen(0, 1000, datetime.now(timezone.utc) - timedelta(days=1, hours=1))
    assert http.quota_remaining is None


def test_retry_after_in_seconds_or_as_an_http_date():
    now = datetime(2026, 11, 24, 20, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Tue, 24 Nov 2026 20:00:07 GMT", now) == pytest.approx(7.0)
    assert parse_retry_after("Tue, 24 Nov 2026 19:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_quota_seen_on_an_earlier_us_central_day_is_unknown():
    # 05:30 UTC on 24 Nov is 23:30 on 23 Nov in Chicago (CST, UTC-6); 06:30 UTC is past midnight
    seen = QuotaSeen(12, 1000, datetime(2026, 11, 24, 5, 30, tzinfo=timezone.utc))
    assert seen.remaining_on(datetime(2026, 11, 24, 5, 59, tzinfo=timezone.utc)) == 12
    assert seen.remaining_on(datetime(2026, 11, 24, 6, 30, tzinfo=timezone.utc)) is None
    later = QuotaSeen(0, 1000, datetime(2026, 11, 24, 6, 10, tzinfo=timezone.utc))
    assert later.remaining_on(datetime(2026, 11, 25, 5, 50, tzinfo=timezone.utc)) == 0  # still the 24th there


def test_the_quota_state_round_trips_per_key_and_a_broken_file_is_ignored(tmp_path):
    store = QuotaStore(tmp_path / "state" / "quota.json")
    now = datetime.now(timezone.utc)
    store.save("production/app", QuotaSeen(7, 1000, now))
    store.save("digikey-sandbox/app", QuotaSeen(900, None, now))
    assert store.remaining("production/app", now) == 7
    assert store.remaining("digikey-sandbox/app", now) == 900
    assert store.remaining("production/other", now) is None
    assert store.remaining("production/app", now + timedelta(days=2)) is None
    store.save("old/app", QuotaSeen(5, 1000, now - timedelta(days=3)))
    assert store.load("old/app") is not None
    store.save("production/app", QuotaSeen(6, 1000, now))
    assert store.load("old/app") is None  # an earlier day's count is dropped when the file is saved
    assert store.remaining("digikey-sandbox/app", now) == 900
    store.path.write_text("{not json", encoding="utf-8")
    assert store.remaining("production/app", now) is None
    store.save("production/app", QuotaSeen(3, 1000, now))  # rebuilt, not fatal
    assert store.remaining("production/app", now) == 3
