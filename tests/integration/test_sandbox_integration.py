"""The real clients against the sandbox over loopback HTTP, with each of its faults switched on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest

from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource
from bomcheck.distributors.digikey import DAILY_QUOTA, NO_AGREEMENT, DigiKeyBondedSource
from bomcheck.distributors.digikey_auth import OAuthTokenProvider, exchange_code, new_state, sandbox_consent
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.distributors.token_store import MemoryTokenStore
from bomcheck.errors import SourceError
from bomcheck.lookups.fanout import SourceRun, gather_lookups
from bomcheck.model import LookupStatus, Query
from bomcheck.sandbox import (
    SANDBOX_ARROW_API_KEY,
    SANDBOX_ARROW_LOGIN,
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
    catalog,
)
from bomcheck.sandbox.server import SandboxConfig, running_sandbox
from tests.conftest import FakeClock

BONDED = catalog.bonded_inventory(SANDBOX_DIGIKEY_ACCOUNT_ID)


@asynccontextmanager
async def sandbox_session(config: SandboxConfig, sleep: Callable | None = None
                          ) -> AsyncIterator[tuple[str, Transport]]:
    async with running_sandbox(config) as url, aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), retry=RetryPolicy(attempts=3),
                              secrets=(SANDBOX_ARROW_API_KEY, SANDBOX_DIGIKEY_CLIENT_SECRET))
        if sleep is not None:
            transport.sleep = sleep
        yield url, transport


async def logged_in(url: str, transport: Transport, account: str | None = SANDBOX_DIGIKEY_ACCOUNT_ID
                    ) -> tuple[DigiKeyBondedSource, MemoryTokenStore, OAuthTokenProvider]:
    state = new_state()
    code = await sandbox_consent(transport, url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_REDIRECT_URI, state)
    store = MemoryTokenStore(await exchange_code(transport, url, SANDBOX_DIGIKEY_CLIENT_ID,
                                                 SANDBOX_DIGIKEY_CLIENT_SECRET, code, SANDBOX_REDIRECT_URI))
    provider = OAuthTokenProvider(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET, store)
    return DigiKeyBondedSource(url, SANDBOX_DIGIKEY_CLIENT_ID, account, provider), store, provider


def bonded_queries(count: int, *, with_pn: bool = True) -> list[Query]:
    return [Query(r.manufacturer_part_number, digikey_pn=r.digikey_part_number if with_pn else None)
            for r in BONDED[:count]]


async def test_bonded_list_and_per_part_calls_find_the_same_stock() -> None:
    async with sandbox_session(SandboxConfig()) as (url, transport):
        source, _, _ = await logged_in(url, transport)
        few = bonded_queries(2)
        per_part = await gather_lookups([SourceRun(source, transport)], few)
        listed = await gather_lookups([SourceRun(source, transport)], bonded_queries(2, with_pn=False))
        everything, _, _ = await logged_in(url, transport, account=None)  # GetAllProducts
        by_customer_pn = Query("NOT-AN-MPN", customer_pn=BONDED[0].customer_part_number)
        other = await gather_lookups([SourceRun(everything, transport)], [by_customer_pn])
    for query in few:
        (offer,) = per_part.lookups[query]["DigiKey Bonded"].offers
        assert offer.sku == query.digikey_pn and offer.bonded
    stocks = sorted(lk["DigiKey Bonded"].offers[0].stock for lk in listed.lookups.values())
    assert stocks == sorted(lk["DigiKey Bonded"].offers[0].stock for lk in per_part.lookups.values())
    assert other.lookups[by_customer_pn]["DigiKey Bonded"].offers[0].sku == BONDED[0].digikey_part_number


@pytest.mark.parametrize("shape", ["mixed", "api", "problem"])
async def test_no_bonded_agreement_is_one_warning_not_an_error_per_line(shape: str, caplog) -> None:
    config = SandboxConfig(digikey_bonded_agreement=False, digikey_error_shape=shape)
    async with sandbox_session(config) as (url, transport):
        source, _, _ = await logged_in(url, transport)
        queries = bonded_queries(3)  # per-part mode: three calls would be made
        with caplog.at_level(logging.WARNING, logger="bomcheck"):
            result = await gather_lookups([SourceRun(source, transport)], queries)
    (status,) = result.sources
    head = NO_AGREEMENT.split("{said}")[0] + "HTTP 403: Forbidden — "
    assert not status.checked and status.message.startswith(head)
    assert "has no bonded inventory agreement with DigiKey (request id " in status.message
    assert {lk["DigiKey Bonded"].status for lk in result.lookups.values()} == {LookupStatus.NOT_CHECKED}
    assert sum(head in record.getMessage() for record in caplog.records) == 1


async def test_daily_quota_stops_digikey_for_the_run_and_says_so_once(caplog) -> None:
    async with sandbox_session(SandboxConfig(daily_quota=1)) as (url, transport):
        source, _, _ = await logged_in(url, transport)
        queries = bonded_queries(3)
        with caplog.at_level(logging.WARNING, logger="bomcheck"):
            result = await gather_lookups([SourceRun(source, transport)], queries)
        sent = transport.requests_sent
    statuses = [result.lookups[q]["DigiKey Bonded"].status for q in queries]
    assert statuses.count(LookupStatus.FOUND) == 1
    assert statuses.count(LookupStatus.ERROR) == 2  # the lines it left say "bonded stock not checked"
    assert not result.sources[0].checked and "bonded stock not checked" in result.sources[0].message
    assert sum(DAILY_QUOTA in record.getMessage() for record in caplog.records) == 1
    assert sent <= 2 + 3  # consent + code exchange, then each line's one call at most: no retries


async def test_expired_access_token_is_refreshed_once_with_a_rotating_refresh_token() -> None:
    clock = FakeClock()
    async with sandbox_session(SandboxConfig(clock=clock, token_lifetime=600)) as (url, transport):
        source, store, provider = await logged_in(url, transport)
        first = store.tokens
        provider.margin = -10_000  # trust our copy, so the server's "expired" is what triggers it
        clock.now += 601
        lookups = await source.fetch(transport, bonded_queries(1))
    assert next(iter(lookups.values())).status is LookupStatus.FOUND
    assert store.tokens is not None and first is not None
    assert store.tokens.refresh_token != first.refresh_token


async def test_burst_limit_is_waited_out_as_retry_after_says() -> None:
    clock = FakeClock()
    config = SandboxConfig(clock=clock, digikey_rate=1)
    async with sandbox_session(config, sleep=clock.sleep) as (url, transport):
        source, _, _ = await logged_in(url, transport)
        queries = bonded_queries(3)
        result = await gather_lookups([SourceRun(source, transport)], queries)
    assert all(lk["DigiKey Bonded"].status is LookupStatus.FOUND for lk in result.lookups.values())
    assert transport.throttled >= 1 and clock.slept and all(s <= 30 for s in clock.slept)


async def test_arrow_pages_until_the_exact_part_appears() -> None:
    async with sandbox_session(SandboxConfig()) as (url, transport):
        credentials = ArrowCredentials(SANDBOX_ARROW_LOGIN, SANDBOX_ARROW_API_KEY)
        # BAV99 is the 4th of the token's 5 matches: one row a page finds it on page 4
        found = await ArrowSource(url, credentials, rows=1, max_pages=6).fetch(transport, [Query("BAV99")])
        sent = transport.requests_sent
        capped = await ArrowSource(url, credentials, rows=1, max_pages=3).fetch(transport, [Query("BAV99")])
    (lookup,) = found.values()
    assert lookup.status is LookupStatus.FOUND and {o.mpn for o in lookup.offers} == {"BAV99"}
    assert sent == 4  # stops paging as soon as the exact part is seen
    # the page cap holds, and says it cut the search short instead of NOT FOUND
    (cut,) = capped.values()
    assert cut.status is LookupStatus.ERROR and cut.message.startswith("BAV99 not in the first 3 of 5")


@pytest.mark.parametrize(("config", "expected"), [
    (SandboxConfig(arrow_error=("503", "Service is busy, try later")), "Arrow: Service is busy, try later"),
    (SandboxConfig(arrow_html=True),
     "Arrow: HTML page instead of JSON (HTTP 200: Service temporarily unavailable) after 2 attempts"),
])
async def test_arrow_faults_are_readable_errors_without_the_key(config: SandboxConfig, expected: str) -> None:
    async with sandbox_session(config) as (url, transport):
        source = ArrowSource(url, ArrowCredentials(SANDBOX_ARROW_LOGIN, SANDBOX_ARROW_API_KEY))
        with pytest.raises(SourceError) as failure:
            await source.fetch(transport, [Query("LM358")])
    assert expected in str(failure.value)
    assert SANDBOX_ARROW_API_KEY not in str(failure.value)


def test_no_secret_reaches_the_output_files_or_the_terminal(tmp_path) -> None:
    """A hostile Arrow echoing the key, DigiKey with no agreement: the run's outputs stay clean."""
    import openpyxl
    from click.testing import CliRunner

    from bomcheck.cli import main
    from tests.conftest import ThreadedSandbox

    config = SandboxConfig(arrow_error=("401", f"Invalid apikey {SANDBOX_ARROW_API_KEY}"),
                           digikey_bonded_agreement=False)
    bom = tmp_path / "bom.csv"
    bom.write_text("Qty,MPN\n2,LM358DR\n1,BAV99\n", encoding="utf-8")
    with ThreadedSandbox(config) as sandbox:
        env = {"BOMCHECK_ARROW_URL": sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
               "BOMCHECK_ARROW_API_KEY": SANDBOX_ARROW_API_KEY}
        result = CliRunner().invoke(main, ["-vv", "check", str(bom)], env=env)
    assert "Invalid apikey ***" in result.output
    written = [path for path in tmp_path.iterdir() if path != bom]
    assert written
    for path in written:
        if path.suffix == ".xlsx":
            cells = [str(cell.value) for sheet in openpyxl.load_workbook(path) for row in sheet.iter_rows()
                     for cell in row if cell.value is not None]
            assert "Invalid apikey ***" in " ".join(cells)
            text = " ".join(cells)
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        assert SANDBOX_ARROW_API_KEY not in text
    assert SANDBOX_ARROW_API_KEY not in result.output
