"""Arrow, DigiKey bonded, the DigiKey catalog and Mouser on the sandbox: calls counted, numbers routed."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import openpyxl
from click.testing import CliRunner

from bomcheck.bom import read_bom
from bomcheck.check import CheckOptions, build_report, check_bom, query_for
from bomcheck.cli import main
from bomcheck.config import Settings, cache_dir
from bomcheck.distributors.quota import STATE_FILE, QuotaSeen, QuotaStore
from bomcheck.model import LineStatus, LookupStatus
from bomcheck.runtime import catalog_quota_key, mouser_quota_key, open_sources, quota_key_of, sandbox_settings
from bomcheck.sandbox import SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET, catalog
from bomcheck.sandbox.server import STATS_PATH, SandboxConfig, running_sandbox
from tests.conftest import DEMO_BOM
from tests.integration.test_request_economy import bom_of, catalog_mpns, check

# The sandbox has no per-minute limits unless asked: let the client go fast (Mouser's own 30 a
# minute would make every test wait 2 s a call).
FAST = dataclasses.replace(Settings(), arrow_rate=100.0, mouser_rate=100.0, digikey_catalog_rate=100.0)


async def stats(url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(url + STATS_PATH) as response:
        return await response.json()


async def test_the_demo_costs_one_catalog_call_per_distinct_part_and_ten_parts_a_mouser_call():
    bom = read_bom(DEMO_BOM)
    asked = {query.mpn_key for query in map(query_for, bom.lines) if query}
    # rows 6-25 hold 20 fitted lines with 19 distinct MPNs (row 23 repeats row 6), plus NE555 and
    # MCP1700T-3302E/TT; the DNP row 26 repeats row 8's MPN
    assert len(asked) == 21
    async with running_sandbox() as url:
        async with open_sources(sandbox_settings(FAST, url)) as (runs, unavailable):
            report = await build_report(bom, CheckOptions(boards=10), runs, unavailable)
        counted = await stats(url)
    assert [status.name for status in report.sources] == ["Arrow", "DigiKey Bonded", "DigiKey", "Mouser"]
    assert all(status.checked for status in report.sources), report.sources
    # the one alternate (of the line nobody lists) rides in Mouser's third call of round one:
    # 21 + 1 numbers still make ⌈22 / 10⌉ = 3 calls; the catalog asks it in round two, one call more
    assert counted["mouser"] == 3 == math.ceil((len(asked) + 1) / 10)
    assert counted["digikey_catalog"] == len(asked) + 1
    assert counted["arrow"] == len(asked) + 1 and counted["digikey"] == 1
    assert counted["throttled"] == 0
    lm358 = next(result for result in report.results if result.line.mpn == "LM358DR")
    assert set(lm358.stock) == {"Arrow", "DigiKey Bonded", "DigiKey", "Mouser"}
    assert lm358.stock["DigiKey"] is not None and lm358.stock["Mouser"] is not None


SELLERS_ONLY = ("Part,Qty,Distributor,Order Number\n"
                "U1,1,MOUSER,595-TPS62130RGTR\n"      # Mouser names TPS62130RGTR (TI)
                "U2,2,MOUSER,595-TPS62130RGTR\n"      # the same number again: no second slot
                "C1,2,DIGIKEY,490-7631-6-ND\n"        # the catalog names GRM188R71C104KA01D (Murata)
                "U3,1,DIGIKEY,296-36686-1-ND\n"       # ...and LM358DR (TI)
                "X1,1,MOUSER,595-NOTFOUND9\n"         # Mouser knows no such number
                "P3,1,FARNELL,9491864\n")             # nobody bomcheck asks owns Farnell numbers


async def test_a_sellers_numbers_only_bom_is_resolved_by_the_owners_and_asked_of_the_others(tmp_path: Path):
    path = tmp_path / "sellers.csv"
    path.write_text(SELLERS_ONLY, encoding="utf-8")
    async with running_sandbox() as url:
        async with open_sources(sandbox_settings(FAST, url)) as (runs, unavailable):
            outcome = await check_bom(path, CheckOptions(boards=1, output=tmp_path / "out.xlsx"), runs,
                                      unavailable)
        counted = await stats(url)
    # Round one: Mouser looks up its two distinct numbers in one call, the catalog its two
    # numbers by productdetails (two calls), Supply Chain asks the two DigiKey numbers one by one
    # (its per-part mode: at most 3 queries, all with a DigiKey number). Round two: each source is
    # asked about the MPNs the others named: Mouser the two from DigiKey (one call), the catalog
    # TPS62130RGTR (one keyword call), Arrow all three (three calls), Supply Chain one list call.
    assert counted["mouser"] == 1 + 1
    assert counted["digikey_catalog"] == 2 + 1
    assert counted["arrow"] == 3
    assert counted["digikey"] == 2 + 1
    results = {result.line.row: result for result in outcome.report.results}
    u1, u2, c1, u3, x1, p3 = (results[row] for row in range(2, 8))
    assert (u1.line.mpn, u1.line.manufacturer, u1.line.mpn_from) == ("TPS62130RGTR", "Texas Instruments",
                                                                     "Mouser")
    assert (c1.line.mpn, c1.line.mpn_from) == ("GRM188R71C104KA01D", "DigiKey")
    assert (u3.line.mpn, u3.line.mpn_from) == ("LM358DR", "DigiKey")
    for result in (u1, u2, c1, u3):  # planned on every source
        assert result.status not in (LineStatus.NO_MPN, LineStatus.ERROR, LineStatus.NOT_FOUND), result.reason
        assert all(result.stock[name] is not None for name in ("Arrow", "DigiKey", "Mouser")), result.stock
    assert "from Mouser number 595-TPS62130RGTR" in u1.reason
    assert "from DigiKey number 490-7631-6-ND" in c1.reason
    assert x1.status is LineStatus.NO_MPN and "Mouser number 595-NOTFOUND9 not found at Mouser" in x1.reason
    assert x1.stock["Mouser"] == 0 and x1.stock["Arrow"] is None  # Arrow had nothing to ask
    assert p3.status is LineStatus.NO_MPN
    assert outcome.report.all_checked
    sheet = openpyxl.load_workbook(outcome.output)["BOM"]
    headers = [cell.value for cell in sheet[1]]
    for column in ("Arrow Stock", "DigiKey Bonded", "DigiKey Stock", "Mouser Stock"):
        assert column in headers
    mouser_column = headers.index("Mouser Stock") + 1
    assert sheet.cell(2, mouser_column).value == u1.stock["Mouser"] > 0


def test_catalog_credentials_without_an_account_id_run_clean_without_the_bonded_source(
        threaded_sandbox, tmp_path):
    env = {"BOMCHECK_DIGIKEY_URL": threaded_sandbox.url,
           "BOMCHECK_DIGIKEY_CLIENT_ID": SANDBOX_DIGIKEY_CLIENT_ID,
           "BOMCHECK_DIGIKEY_CLIENT_SECRET": SANDBOX_DIGIKEY_CLIENT_SECRET}
    bom = tmp_path / "bom.csv"
    bom.write_text(f"Ref,Qty,MPN,Manufacturer\nU1,1,LM358DR,Texas Instruments\nR1,4,RC0603FR-071KL,Yageo\n"
                   f"U2,1,{catalog.NCNR_MPN},Analog Devices\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["check", str(bom), "--json", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "DigiKey Bonded not checked" in result.output and "BOMCHECK_DIGIKEY_ACCOUNT_ID" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    sources = {source["name"]: source for source in report["sources"]}
    assert sources["DigiKey"]["checked"] and not sources["DigiKey Bonded"]["checked"]
    lines = report["lines"]
    assert all(line["stock"]["DigiKey"] for line in lines)  # DigiKey stocks all three in the sandbox
    assert {line["status"] for line in lines} <= {"OK", "SHORT", "QUOTE"}


async def test_the_catalogs_daily_quota_is_remembered_and_parts_beyond_it_are_not_asked():
    bom = bom_of(catalog_mpns(4))
    async with running_sandbox(SandboxConfig(digikey_catalog_quota=1)) as url:
        await check(url, bom, arrow_rate=100.0, mouser_rate=100.0)  # one catalog call; the answer says 0 left
        settings = sandbox_settings(Settings(), url)
        assert QuotaStore(cache_dir() / STATE_FILE).remaining(catalog_quota_key(settings)) == 0
        assert catalog_quota_key(settings) != quota_key_of(settings)  # Supply Chain counts apart
        before = await stats(url)
        report, _ = await check(url, bom, arrow_rate=100.0, mouser_rate=100.0)
        after = await stats(url)
    assert after["digikey_catalog"] == before["digikey_catalog"]  # nothing sent beyond the quota
    assert after["mouser"] == before["mouser"] + 1 and after["digikey"] == before["digikey"] + 1
    for result in report.results:
        lookup = result.lookups["DigiKey"]
        assert lookup.status is LookupStatus.ERROR
        assert lookup.message == "DigiKey daily quota: 0 calls left, 4 needed"
    assert not report.all_checked


async def test_mouser_calls_are_counted_per_key_and_a_spent_day_sends_none():
    bom = bom_of(catalog_mpns(12))  # 12 distinct parts: two Mouser calls
    async with running_sandbox() as url:
        settings = sandbox_settings(Settings(), url)
        store, key = QuotaStore(cache_dir() / STATE_FILE), mouser_quota_key(settings)
        await check(url, bom, arrow_rate=100.0)
        assert (await stats(url))["mouser"] == 2
        assert store.remaining(key) == 1000 - 2  # Mouser says no count: bomcheck keeps its own
        assert settings.mouser_api_key not in (cache_dir() / STATE_FILE).read_text(encoding="utf-8")
        # two calls left today; each batch is counted at its worst case, two calls (a cut-short
        # answer is asked again): 2 + 2 needed, so the batch of ten goes and the batch of two does not
        store.save(key, QuotaSeen(2, 1000, datetime.now(timezone.utc)))
        report, _ = await check(url, bom, arrow_rate=100.0)
        assert (await stats(url))["mouser"] == 2 + 1
        assert store.remaining(key) == 1  # the one call this run sent, counted as it went
    unchecked = [r for r in report.results if r.lookups["Mouser"].status is LookupStatus.ERROR]
    assert len(unchecked) == 2  # the batch of ten went, the last two parts did not
    assert unchecked[0].lookups["Mouser"].message == "Mouser daily quota: 2 calls left, 4 needed"


def test_a_wrong_mouser_key_stops_mouser_with_one_clear_line_and_hides_the_key(threaded_sandbox, tmp_path):
    wrong = "11111111-2222-3333-4444-555555555555"
    env = {"BOMCHECK_MOUSER_URL": threaded_sandbox.url, "BOMCHECK_MOUSER_API_KEY": wrong}
    bom = tmp_path / "bom.csv"
    bom.write_text("Ref,Qty,MPN\nU1,1,LM358DR\nR1,4,RC0603FR-071KL\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-q", "check", str(bom), "--json", str(tmp_path / "r.json")], env=env)
    assert result.exit_code == 1, result.output
    assert "Invalid unique identifier" in result.output and "Search API key" in result.output
    assert wrong not in result.output and wrong not in (tmp_path / "r.json").read_text(encoding="utf-8")
    lines = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["lines"]
    assert [line["stock"]["Mouser"] for line in lines] == [None, None]  # "not checked", never 0


def test_a_wrong_digikey_secret_says_which_settings_to_check(threaded_sandbox, tmp_path):
    env = {"BOMCHECK_DIGIKEY_URL": threaded_sandbox.url,
           "BOMCHECK_DIGIKEY_CLIENT_ID": SANDBOX_DIGIKEY_CLIENT_ID,
           "BOMCHECK_DIGIKEY_CLIENT_SECRET": "not-the-secret-0000"}
    bom = tmp_path / "bom.csv"
    bom.write_text("Ref,Qty,MPN\nU1,1,LM358DR\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-q", "check", str(bom)], env=env)
    assert result.exit_code == 1, result.output
    assert "BOMCHECK_DIGIKEY_CLIENT_SECRET" in result.output and "not-the-secret-0000" not in result.output
