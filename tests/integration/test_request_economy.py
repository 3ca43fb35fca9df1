"""Request economy against the sandbox: duplicates, the daily quota, no 429 at the rate, concurrency."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import aiohttp

from bomcheck.check import CheckOptions, build_report
from bomcheck.config import Settings, cache_dir
from bomcheck.distributors.quota import STATE_FILE, QuotaSeen, QuotaStore
from bomcheck.model import Bom, BomLine, LookupStatus
from bomcheck.runtime import open_sources, quota_key_of, sandbox_settings
from bomcheck.sandbox import SANDBOX_DIGIKEY_ACCOUNT_ID, catalog
from bomcheck.sandbox.server import STATS_PATH, SandboxConfig, running_sandbox

DIGIKEY = "DigiKey Bonded"


async def stats(url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(url + STATS_PATH) as response:
        return await response.json()


def catalog_mpns(count: int, stem: str = "RC0603FR-07") -> list[str]:
    """`count` distinct MPNs the sandbox catalog lists."""
    found = (f"{stem}{n}KL" for n in range(10, 10_000))
    return [mpn for mpn in found if catalog.is_found(mpn)][:count]


def bom_of(mpns: list[str]) -> Bom:
    return bom_with(tuple(BomLine(row=i + 2, mpn=mpn, refdes=(f"R{i + 1}",)) for i, mpn in enumerate(mpns)))


def bom_with(lines: tuple[BomLine, ...]) -> Bom:
    return Bom(path=Path("generated.xlsx"), sheet="BOM", header_row=1, columns={}, column_index={},
               lines=lines, grid=(), last_column=1)


async def check(url: str, bom: Bom, **settings: object):
    chosen = dataclasses.replace(Settings(), **settings) if settings else Settings()
    effective = sandbox_settings(chosen, url)
    async with open_sources(effective) as (runs, unavailable):
        return await build_report(bom, CheckOptions(), runs, unavailable), runs


async def test_one_arrow_request_per_mpn_whatever_its_case_and_spacing_and_one_bonded_call():
    mpns = catalog_mpns(6)
    spelled = mpns + [m.lower() for m in mpns[:3]] + [f" {m[:4]} {m[4:]} " for m in mpns[3:]]
    async with running_sandbox() as url:
        report, _ = await check(url, bom_of(spelled), arrow_rate=200.0)
        counted = await stats(url)
    assert counted["arrow"] == len(mpns)
    assert counted["digikey"] <= 2 and counted["throttled"] == 0
    assert all(source.checked for source in report.sources)


async def test_no_429_at_the_servers_own_rate():
    mpns = catalog_mpns(30)
    async with running_sandbox(SandboxConfig(arrow_rate=20, digikey_rate=20, latency=0.02)) as url:
        # 95 %: the limiter's window absorbs ordinary jitter, not an event loop the rest of the
        # suite has left busy (a 429 or two was seen under load in a full run on a fresh clone)
        await check(url, bom_of(mpns), arrow_rate=19.0, digikey_rate=19.0)
        counted = await stats(url)
    assert counted["throttled"] == 0
    assert counted["arrow"] == 30


async def test_a_slower_digikey_burst_limit_lowers_the_digikey_rate_only():
    async with running_sandbox(SandboxConfig(digikey_rate=3)) as url:
        _, runs = await check(url, bom_of(catalog_mpns(3)), arrow_rate=50.0, digikey_rate=10.0)
    rates = {run.source.name: run.transport.limiter.rate for run in runs}
    # Supply Chain's burst limit is its own: the catalog (another API product) and Mouser keep theirs
    assert rates == {"Arrow": 50.0, DIGIKEY: 3, "DigiKey": 20.0, "Mouser": 20.0}


async def test_concurrency_follows_the_measured_latency():
    async with running_sandbox(SandboxConfig(latency=0.2)) as url:
        _, runs = await check(url, bom_of(catalog_mpns(12)), arrow_rate=100.0)
    arrow = next(run for run in runs if run.source.name == "Arrow")
    assert arrow.transport.in_flight.latency >= 0.15
    assert arrow.transport.in_flight.size >= 100 * 0.15  # enough to keep 100/s busy at 0.2 s


async def test_a_spent_daily_quota_leaves_the_lines_unchecked_without_calling():
    bom = bom_of(catalog_mpns(4))
    async with running_sandbox(SandboxConfig(daily_quota=1)) as url:
        await check(url, bom)  # uses the one call; the answer says 0 left
        key = quota_key_of(sandbox_settings(Settings(), url))
        assert QuotaStore(cache_dir() / STATE_FILE).remaining(key) == 0
        before = (await stats(url))["digikey"]
        report, _ = await check(url, bom)
        after = (await stats(url))["digikey"]
    assert after == before  # nothing sent beyond the quota
    for result in report.results:
        lookup = result.lookups[DIGIKEY]
        assert lookup.status is LookupStatus.ERROR  # a failure of this run: exit 1, counted
        assert lookup.message == f"{DIGIKEY} daily quota: 0 calls left, 1 needed"
    assert not report.all_checked
    status = next(source for source in report.sources if source.name == DIGIKEY)
    assert not status.checked and "0 calls left" in status.message
    assert all(result.lookups["Arrow"].status is LookupStatus.FOUND for result in report.results)


async def test_per_part_calls_beyond_the_quota_are_not_sent():
    # with an account and DigiKey part numbers on at most 3 lines: one call per line
    records = catalog.bonded_inventory(SANDBOX_DIGIKEY_ACCOUNT_ID)[:3]
    bom = bom_with(tuple(BomLine(row=i + 2, mpn=record.manufacturer_part_number, refdes=(f"U{i}",),
                                 digikey_pn=record.digikey_part_number) for i, record in enumerate(records)))
    async with running_sandbox() as url:
        settings = sandbox_settings(Settings(), url)
        QuotaStore(cache_dir() / STATE_FILE).save(quota_key_of(settings),
                                                 QuotaSeen(4, 1000, datetime.now(timezone.utc)))
        report, _ = await check(url, bom)
        counted = await stats(url)
    statuses = [result.lookups[DIGIKEY].status for result in report.results]
    assert statuses.count(LookupStatus.ERROR) == 1 and statuses.count(LookupStatus.FOUND) == 2
    unchecked = next(r.lookups[DIGIKEY] for r in report.results
                     if r.lookups[DIGIKEY].status is LookupStatus.ERROR)
    # each line counted at its worst case, 2 calls (a stale number falls back to a list call): 2 + 2 fit
    assert unchecked.message == f"{DIGIKEY} daily quota: 4 calls left, 6 needed"  # as planned, not as now
    assert counted["digikey"] == 2


def test_each_in_process_sandbox_has_its_own_quota_key():
    first = quota_key_of(sandbox_settings(Settings(), "http://127.0.0.1:40001"))
    second = quota_key_of(sandbox_settings(Settings(), "http://127.0.0.1:40002"))
    assert first != second and first.startswith("bomcheck-sandbox-127-0-0-1-40001/")
    production = dataclasses.replace(Settings(), digikey_client_id="app")
    assert quota_key_of(production) == "production/app"
