"""DigiKey's daily 429 told from the per-minute burst, and when the quota comes back."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.digikey import DAILY_QUOTA, DigiKeyBondedSource
from bomcheck.distributors.digikey_auth import OAuthTokenProvider
from bomcheck.distributors.digikey_errors import is_daily_quota, quota_resets_at
from bomcheck.distributors.http import HttpResponse, Transport
from bomcheck.distributors.quota import QuotaSeen, QuotaStore
from bomcheck.distributors.token_store import MemoryTokenStore, Tokens
from bomcheck.errors import SourceUnavailable
from bomcheck.model import Query
from tests.conftest import quick_transport

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
DAILY_BODY = json.dumps({"ErrorResponseVersion": "3.0.0.0", "StatusCode": 429,
                         "ErrorMessage": "Daily Ratelimit exceeded", "ErrorDetails": "",
                         "RequestId": "rq-1"}).encode()
BURST_BODY = json.dumps({"ErrorMessage": "Too Many Requests",
                         "ErrorDetails": "Burst limit of 120 requests exceeded; retry after 20 s"}).encode()


def answer(headers: dict[str, str], body: bytes = b"", status: int = 429) -> HttpResponse:
    return HttpResponse(status, headers, body)


@pytest.mark.parametrize(("headers", "body", "daily"), [
    # the daily 429 as DigiKey sends it: Retry-After (until the reset), X-RateLimit-*, its words
    ({"Retry-After": "32400", "X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0"}, DAILY_BODY, True),
    ({"Retry-After": "20"}, DAILY_BODY, True),  # the words alone say it
    ({"Retry-After": "3600"}, b"", True),  # a wait beyond what a request may spend on 429s
    ({}, b"", True),  # no Retry-After: waiting would not help
    ({"Retry-After": "20", "X-RateLimit-Remaining": "0"}, b"", True),
    # the per-minute burst: wait and retry
    ({"Retry-After": "20", "X-BurstLimit-Remaining": "0", "X-RateLimit-Remaining": "512"}, BURST_BODY, False),
    ({"Retry-After": "120"}, b"", False),
])
def test_daily_quota_or_burst(headers: dict[str, str], body: bytes, daily: bool) -> None:
    assert is_daily_quota(answer(headers, body), throttle_budget=120) is daily


def test_only_a_429_is_a_spent_quota() -> None:
    assert not is_daily_quota(answer({}, DAILY_BODY, status=503))


@pytest.mark.parametrize(("headers", "resets"), [
    ({"Retry-After": "32400"}, NOW + timedelta(hours=9)),
    ({"Retry-After": "Mon, 07 Dec 2026 18:00:00 GMT"}, datetime(2026, 12, 7, 18, 0, tzinfo=timezone.utc)),
    ({"X-RateLimit-Reset": "600"}, NOW + timedelta(minutes=10)),
    ({"X-RateLimit-Reset": str(int((NOW + timedelta(hours=2)).timestamp()))}, NOW + timedelta(hours=2)),
    ({"X-RateLimit-Reset": "2026-12-08T06:00:00Z"}, datetime(2026, 12, 8, 6, 0, tzinfo=timezone.utc)),
    # Retry-After first: it is the one DigiKey documents on its 429s
    ({"Retry-After": "60", "X-RateLimit-Reset": "600"}, NOW + timedelta(minutes=1)),
    ({}, None),  # not said: the caller falls back to midnight US Central
    ({"X-RateLimit-Reset": "soon"}, None),
])
def test_when_the_quota_comes_back(headers: dict[str, str], resets: datetime | None) -> None:
    assert quota_resets_at(answer(headers), NOW) == resets


# --------------------------------------------------------------------------- through the source

BASE = "https://digikey.test"
ACCOUNT = "123456"
PRODUCTS_URL = f"{BASE}/SupplyChain/v1/BondedQuantity/Locations/{ACCOUNT}/Products"


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=3)


def bonded_source() -> DigiKeyBondedSource:
    store = MemoryTokenStore(Tokens("AT-1", "RT-1", time.time() + 1800))
    provider = OAuthTokenProvider(BASE, "client-id", "secret", store)
    return DigiKeyBondedSource(BASE, "client-id", ACCOUNT, provider)


@pytest.mark.parametrize(("headers", "said"), [
    ({"X-RateLimit-Reset": "3600"},
     r"the quota comes back at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in (0 h 59|1 h 0) min\)$"),
    ({}, r"the quota resets at midnight US Central time \(as reported; DigiKey's answer did not say\)$"),
])
async def test_the_spent_quota_says_when_it_comes_back(transport: Transport, headers: dict[str, str],
                                                       said: str) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=429, body=DAILY_BODY, headers=headers, repeat=True)
        with pytest.raises(SourceUnavailable) as info:
            await bonded_source().fetch(transport, [Query("LM358P")])
    assert str(info.value).startswith(DAILY_QUOTA)
    assert re.search(said, str(info.value))


async def test_a_daily_429_with_a_short_retry_after_is_asked_once(transport: Transport) -> None:
    # Near DigiKey's reset the daily 429 may ask for a wait the throttle budget allows: its words
    # still say the day's quota is spent, so the source stops at the first answer.
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=429, body=DAILY_BODY, repeat=True,
                   headers={"Retry-After": "20", "X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0"})
        with pytest.raises(SourceUnavailable) as info:
            await bonded_source().fetch(transport, [Query("LM358P")])
        asked = sum(len(calls) for calls in mocked.requests.values())
    assert asked == 1 and transport.requests_sent == 1 and transport.throttled == 1
    assert str(info.value).startswith(DAILY_QUOTA)


async def test_a_burst_429_is_still_waited_out(transport: Transport) -> None:
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=429, body=BURST_BODY,
                   headers={"Retry-After": "2", "X-BurstLimit-Remaining": "0",
                            "X-RateLimit-Remaining": "700"})
        mocked.get(PRODUCTS_URL, status=200, body=b"[]")
        assert await bonded_source().fetch_products(transport) == []
    assert transport.requests_sent == 2


async def test_the_spent_quota_is_kept_until_digikeys_reset(transport: Transport, tmp_path: Path) -> None:
    before = datetime.now(timezone.utc)
    with aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, status=429, body=DAILY_BODY,
                   headers={"Retry-After": "7200", "X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0"})
        with pytest.raises(SourceUnavailable):
            await bonded_source().fetch(transport, [Query("LM358P")])
    seen = transport.quota
    assert seen is not None and seen.remaining == 0 and seen.limit == 1000
    assert seen.resets_at is not None
    assert before + timedelta(hours=2) <= seen.resets_at <= datetime.now(timezone.utc) + timedelta(hours=2)
    # the next run reads it back: nothing left one hour later, unknown (a fresh day) after the reset
    store = QuotaStore(tmp_path / "quota.json")
    store.save("production/app", seen)
    assert store.remaining("production/app", before + timedelta(hours=1)) == 0
    assert store.remaining("production/app", before + timedelta(hours=2, minutes=1)) is None


def test_a_reset_time_counts_even_across_midnight_us_central() -> None:
    # 05:30 UTC is 23:30 in Chicago (winter); DigiKey said its quota comes back at 07:00 UTC, an hour
    # after midnight there: the count holds until then, not until midnight.
    seen_at = datetime(2026, 12, 7, 5, 30, tzinfo=timezone.utc)
    seen = QuotaSeen(0, 1000, seen_at, resets_at=datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc))
    assert seen.remaining_on(datetime(2026, 12, 7, 6, 30, tzinfo=timezone.utc)) == 0  # past midnight there
    assert seen.remaining_on(datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)) is None
    without = QuotaSeen(0, 1000, seen_at)
    assert without.remaining_on(datetime(2026, 12, 7, 6, 30, tzinfo=timezone.utc)) is None  # the fallback
