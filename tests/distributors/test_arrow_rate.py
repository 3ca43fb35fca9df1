"""Arrow's rate: no X-RateLimit-* header lowers it (Arrow documents none); 429 + Retry-After still do."""

from __future__ import annotations

import aiohttp
from aioresponses import aioresponses

from bomcheck.config import Settings
from bomcheck.runtime import ARROW

URL = "https://api.arrow.test/itemservice/v3/en/search/token"
EMPTY = {"itemserviceresult": {"transactionArea": [{"response": {"success": True, "returnCode": "0"}}],
                               "data": [{"PartList": []}]}}


async def test_a_gateways_daily_rate_header_does_not_slow_arrow() -> None:
    settings = Settings(arrow_url="https://api.arrow.test", arrow_login="me", arrow_api_key="k3y-value",
                        arrow_rate=5.0)
    async with aiohttp.ClientSession() as session:
        transport = ARROW.open(settings, session).run.transport
        with aioresponses() as mocked:
            # 1000 a day read as a per-window limit would be 1000/86400 ≈ 0.012 requests/s
            mocked.get(URL, payload=EMPTY, repeat=True, headers={
                "X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999", "X-RateLimit-Reset": "86400"})
            await transport.request("GET", URL, expect_json=True)
            await transport.request("GET", URL, expect_json=True)
        assert transport.limiter.rate == 5.0
        assert transport.quota is None


async def test_arrows_429_with_retry_after_still_halves_the_rate() -> None:
    settings = Settings(arrow_url="https://api.arrow.test", arrow_login="me", arrow_api_key="k3y-value",
                        arrow_rate=4.0)
    async with aiohttp.ClientSession() as session:
        transport = ARROW.open(settings, session).run.transport

        async def no_sleep(_: float) -> None:
            return None

        transport.sleep = no_sleep
        with aioresponses() as mocked:
            mocked.get(URL, status=429, headers={"Retry-After": "1"})
            mocked.get(URL, payload=EMPTY)
            answer = await transport.request("GET", URL, expect_json=True)
        assert answer.status == 200 and transport.limiter.rate == 2.0
