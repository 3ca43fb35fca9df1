"""No wasted calls: one Arrow request per distinct MPN, one bonded-inventory call per account."""

from __future__ import annotations

import dataclasses

import aiohttp

from bomcheck.bom import read_bom
from bomcheck.check import CheckOptions, build_report, query_for
from bomcheck.config import Settings
from bomcheck.model import LineStatus
from bomcheck.runtime import open_sources, sandbox_settings
from bomcheck.sandbox import catalog
from bomcheck.sandbox.server import STATS_PATH, SandboxConfig, running_sandbox
from tests.conftest import DEMO_BOM


async def stats(url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(url + STATS_PATH) as response:
        return await response.json()


async def test_the_demo_sends_one_arrow_request_per_distinct_mpn_and_one_bonded_call():
    bom = read_bom(DEMO_BOM)
    asked = {query.mpn_key for query in map(query_for, bom.lines) if query}
    duplicated = [line.mpn for line in bom.lines if line.mpn == "GRM188R71C104KA01D"]
    assert len(duplicated) == 2  # the demo has a duplicate MPN on purpose
    async with running_sandbox() as url:
        fast = dataclasses.replace(Settings(), arrow_rate=100.0)
        async with open_sources(sandbox_settings(fast, url)) as (runs, unavailable):
            report = await build_report(bom, CheckOptions(boards=10), runs, unavailable)
        counted = await stats(url)
    # ...plus one for the single alternate of the line whose own part no source lists; the bonded
    # list answers it in its one call
    alternates = {alt.mpn for line in bom.lines for alt in line.alternates}
    assert alternates == {catalog.STOCKED_ALTERNATE_MPN}
    assert counted["arrow"] == len(asked) + 1
    assert counted["digikey"] == 1
    assert counted["throttled"] == 0
    assert all(source.checked for source in report.sources)


async def test_dnp_and_no_mpn_lines_are_not_asked_about():
    bom = read_bom(DEMO_BOM)
    skipped = [line for line in bom.lines if line.dnp or not line.mpn]
    assert skipped and all(query_for(line) is None for line in skipped)
    dnp_mpn = next(line.mpn for line in bom.lines if line.dnp)
    others = [line for line in bom.lines if not line.dnp and line.mpn == dnp_mpn]
    async with running_sandbox() as url:
        async with open_sources(sandbox_settings(Settings(), url)) as (runs, unavailable):
            only_dnp = dataclasses.replace(bom, lines=tuple(skipped))
            await build_report(only_dnp, CheckOptions(), runs, unavailable)
        counted = await stats(url)
    assert counted["arrow"] == 0 and counted["digikey"] == 0
    assert others  # the same MPN on a fitted line is asked about in the full run


async def test_a_throttling_server_is_waited_for_and_every_line_still_gets_its_answer():
    bom = read_bom(DEMO_BOM)
    fast_client = dataclasses.replace(Settings(), arrow_rate=50.0)
    async with running_sandbox(SandboxConfig(arrow_rate=4)) as url:
        async with open_sources(sandbox_settings(fast_client, url)) as (runs, unavailable):
            report = await build_report(bom, CheckOptions(), runs, unavailable)
        counted = await stats(url)
    assert counted["throttled"] > 0  # the server did push back
    assert not any(result.status is LineStatus.ERROR for result in report.results)
    assert all(source.checked for source in report.sources)
