"""The cache in a run, counted on the sandbox: what is asked again, what is not, and what reaches the disk."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.bom import read_bom
from bomcheck.check import CheckOptions, build_report, query_for
from bomcheck.cli import main
from bomcheck.config import Settings
from bomcheck.lookups.cache import CACHE_FILE, OffersCache
from bomcheck.lookups.cached_lookups import CachedLookups, CachePolicy, parse_max_age
from bomcheck.model import NOT_IN_CACHE, LookupStatus, Query, Report, normalize_mpn
from bomcheck.runtime import (
    ARROW_KEEP_HINT,
    SOURCES,
    cache_identities,
    open_lookups,
    open_sources,
    sandbox_settings,
)
from bomcheck.sandbox import SANDBOX_ARROW_API_KEY
from bomcheck.sandbox.server import STATS_PATH, running_sandbox
from tests.conftest import DEMO_BOM, WallClock

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)


def Clock(now: datetime = T0) -> WallClock:
    return WallClock(now)


@dataclasses.dataclass
class Sandbox:
    url: str
    settings: Settings
    seen: dict[str, int] = dataclasses.field(default_factory=dict)
    oauth: int = 0  # DigiKey login and token calls in the last counted() span

    async def counted(self) -> dict[str, int]:
        """Requests per API since the last call."""
        async with aiohttp.ClientSession() as session, session.get(self.url + STATS_PATH) as response:
            now = await response.json()
        delta = {name: now[name] - self.seen.get(name, 0) for name in ("arrow", "digikey")}
        self.oauth = now["digikey_oauth"] - self.seen.get("digikey_oauth", 0)
        self.seen = now
        return delta

    async def check(self, lookups: CachedLookups) -> Report:
        async with open_sources(self.settings) as (runs, unavailable):
            return await build_report(read_bom(DEMO_BOM), CheckOptions(), runs, unavailable, lookups=lookups)


@contextlib.asynccontextmanager
async def sandbox(tmp_path: Path, **settings: object) -> AsyncIterator[Sandbox]:
    client = dataclasses.replace(Settings(), arrow_rate=200.0, digikey_rate=200.0, cache_dir=str(tmp_path),
                                 **settings)
    async with running_sandbox() as url:
        yield Sandbox(url, sandbox_settings(client, url))


def lookups_with(box: Sandbox, clock: Clock, policy: CachePolicy | None = None, *,
                 capped: bool = False) -> CachedLookups:
    """Like runtime.open_lookups, with an injected clock (and the registry's age caps if `capped`)."""
    on_disk = {spec.name for spec in SOURCES if spec.on_disk(box.settings)}  # as the registry says
    cache = OffersCache(Path(box.settings.cache_dir) / CACHE_FILE, disk_sources=on_disk, clock=clock)
    caps = {spec.name: spec.max_age for spec in SOURCES if spec.max_age is not None} if capped else {}
    return CachedLookups(cache, cache_identities(box.settings), policy or CachePolicy(), clock=clock,
                         keep_hints={"Arrow": ARROW_KEEP_HINT}, age_caps=caps)


def distinct_mpns() -> int:
    """Arrow calls for the demo: its distinct MPNs, plus the alternate of the line whose part is unlisted."""
    lines = read_bom(DEMO_BOM).lines
    primaries = {query.mpn_key for query in map(query_for, lines) if query and query.mpn}
    alternates = {normalize_mpn(alt.mpn) for line in lines for alt in line.alternates} - primaries
    return len(primaries) + len(alternates)


def distinct_queries() -> int:
    return len({query for query in map(query_for, read_bom(DEMO_BOM).lines) if query})


async def test_with_the_arrow_opt_in_a_second_run_sends_nothing(tmp_path):
    clock = Clock()
    async with sandbox(tmp_path, arrow_cache=True) as box:
        first = await box.check(lookups_with(box, clock))
        assert await box.counted() == {"arrow": distinct_mpns(), "digikey": 1}
        clock.now += timedelta(hours=2, minutes=5)
        second = await box.check(lookups_with(box, clock))
        assert await box.counted() == {"arrow": 0, "digikey": 0}
        assert box.oauth == 0  # not even a login
    assert [r.status for r in second.results] == [r.status for r in first.results]
    assert [r.ext_price for r in second.results] == [r.ext_price for r in first.results]
    for source in second.sources:
        assert source.from_cache and source.oldest == T0
        assert source.data_age(T0 + timedelta(hours=2, minutes=5)) == \
            "cached, oldest 2 h 5 min (fetched 2026-11-24 08:00 UTC)"
    assert all(source.from_cache == 0 for source in first.sources)


async def test_without_the_opt_in_arrow_is_asked_again_and_never_written_to_disk(tmp_path):
    clock = Clock()
    async with sandbox(tmp_path) as box:
        await box.check(lookups_with(box, clock))
        await box.counted()
        second = await box.check(lookups_with(box, clock))  # a new run: a new process's memory
        assert await box.counted() == {"arrow": distinct_mpns(), "digikey": 0}
    by_name = {source.name: source for source in second.sources}
    assert by_name["Arrow"].from_cache == 0 and by_name["DigiKey Bonded"].from_cache > 0
    db = sqlite3.connect(tmp_path / CACHE_FILE)
    stored = {row[0] for row in db.execute("SELECT DISTINCT source FROM lookups")}
    assert stored == {"DigiKey Bonded", "DigiKey", "Mouser"}
    everything = "\n".join(row[0] for row in db.execute("SELECT body FROM lookups"))
    assert '"source":"Arrow"' not in everything and "Verical" not in everything


async def test_no_secret_reaches_the_database(tmp_path):
    async with sandbox(tmp_path, arrow_cache=True) as box:
        await box.check(lookups_with(box, Clock()))
    raw = (tmp_path / CACHE_FILE).read_bytes()
    for wal in tmp_path.glob(f"{CACHE_FILE}-wal"):
        raw += wal.read_bytes()
    secrets = [SANDBOX_ARROW_API_KEY, box.settings.digikey_client_secret, box.settings.arrow_login]
    assert all(secret.encode() not in raw for secret in secrets if secret)
    assert b"access_token" not in raw and b"Bearer" not in raw


async def test_refresh_asks_again_and_stores_the_new_answers(tmp_path):
    clock = Clock()
    async with sandbox(tmp_path, arrow_cache=True) as box:
        await box.check(lookups_with(box, clock))
        await box.counted()
        clock.now += timedelta(minutes=1)
        refreshed = await box.check(lookups_with(box, clock, CachePolicy(refresh=True)))
        assert await box.counted() == {"arrow": distinct_mpns(), "digikey": 1}
        clock.now += timedelta(minutes=1)
        again = await box.check(lookups_with(box, clock))
        assert await box.counted() == {"arrow": 0, "digikey": 0}
    assert all(source.from_cache == 0 for source in refreshed.sources)
    assert all(source.oldest == T0 + timedelta(minutes=1) for source in again.sources)


async def test_answers_older_than_max_age_are_asked_again(tmp_path):
    clock = Clock()
    policy = CachePolicy(max_age=parse_max_age("12h"))
    async with sandbox(tmp_path) as box:
        await box.check(lookups_with(box, clock, policy))
        await box.counted()
        clock.now += timedelta(hours=11, minutes=59)
        await box.check(lookups_with(box, clock, policy))
        assert (await box.counted())["digikey"] == 0
        clock.now += timedelta(minutes=2)  # 12 h 1 min after the first fetch
        await box.check(lookups_with(box, clock, policy))
        assert (await box.counted())["digikey"] == 1
        await box.check(lookups_with(box, clock, CachePolicy(max_age=parse_max_age("30m"))))
        assert (await box.counted())["digikey"] == 0  # fetched a moment ago: young enough


async def test_offline_sends_nothing_and_marks_the_misses(tmp_path):
    clock = Clock()
    async with sandbox(tmp_path) as box:
        await box.check(lookups_with(box, clock))
        await box.counted()
        report = await box.check(lookups_with(box, clock, CachePolicy(offline=True)))
        assert await box.counted() == {"arrow": 0, "digikey": 0}
        assert box.oauth == 0  # no token refresh, no login
    by_name = {source.name: source for source in report.sources}
    arrow, digikey = by_name["Arrow"], by_name["DigiKey Bonded"]
    assert not arrow.checked and "not in the cache" not in arrow.message  # not a broken cache: by design
    assert "not kept between runs unless BOMCHECK_ARROW_CACHE=1" in arrow.message
    assert f"none of its {distinct_queries()} answers" in arrow.message
    assert digikey.checked and digikey.from_cache
    asked = [r for r in report.results if r.line.mpn and not r.line.dnp]
    assert asked and all(r.lookups["Arrow"].status is LookupStatus.NOT_CHECKED
                         and r.lookups["Arrow"].message == NOT_IN_CACHE for r in asked)
    assert all(r.lookups["DigiKey Bonded"].status is not LookupStatus.NOT_CHECKED for r in asked)


async def test_the_answer_depends_on_the_whole_normalised_query(tmp_path):
    async with sandbox(tmp_path) as box:
        lookups = lookups_with(box, Clock())
        async with open_sources(box.settings) as (runs, _):
            await lookups.gather(runs, [Query("lm317t", "Texas  Instruments")])
            await box.counted()
            spelled = await lookups.gather(runs, [Query(" LM317T ", "texas instruments")])
            assert (await box.counted())["digikey"] == 0
            assert spelled.sources[1].from_cache == 1
            await lookups.gather(runs, [Query("LM317T", "Texas Instruments", customer_pn="CPN-1")])
            assert (await box.counted())["digikey"] == 1


# --------------------------------------------------------------------------- the command line


def run_check(bom: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["-q", "check", str(bom), "--sandbox", *args], env=env or {})


@pytest.fixture
def bom(tmp_path) -> Path:
    target = tmp_path / "demo.xlsx"
    target.write_bytes(DEMO_BOM.read_bytes())
    return target


def test_offline_with_an_empty_cache_still_writes_the_workbook_and_says_how_many(bom, tmp_path):
    env = {"BOMCHECK_CACHE_DIR": str(tmp_path / "cache")}
    result = run_check(bom, "--offline", "--json", str(tmp_path / "out.json"), env=env)
    assert result.exit_code == 1, result.output  # written, but lines were not checked
    said = " ".join(result.output.split())
    for name in ("DigiKey Bonded", "DigiKey", "Mouser"):  # kept on disk, but this cache is empty
        assert f"{name} failed for 22 (not in the cache (--offline) ×22)" in said
    assert "Arrow not checked: its answers are not kept between runs unless BOMCHECK_ARROW_CACHE=1" \
        in " ".join(result.output.split())
    workbook = openpyxl.load_workbook(tmp_path / "demo.checked.xlsx")
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert "none of its" in summary["Source: DigiKey Bonded"] and "in the cache (--offline)" in \
        summary["Source: DigiKey Bonded"]
    assert "not kept between runs unless BOMCHECK_ARROW_CACHE=1" in summary["Source: Arrow"]
    counts = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["not_checked"]
    asked = sum(1 for line in read_bom(DEMO_BOM).lines if query_for(line))
    assert counts["not_checked"] == asked  # counted like any other failure, on stderr and in JSON
    assert f"{asked} lines not checked" in result.output


def test_a_second_cli_run_states_the_age_of_the_cached_data(bom, tmp_path):
    env = {"BOMCHECK_CACHE_DIR": str(tmp_path / "cache"), "BOMCHECK_ARROW_CACHE": "1"}
    first = run_check(bom, env=env)
    assert first.exit_code == 0 and first.output.count("data live") == 4  # the four sources
    second = run_check(bom, "--json", str(tmp_path / "second.json"), env=env)
    assert second.exit_code == 0
    assert second.output.count("data cached, oldest 0 min (fetched ") == 4
    workbook = openpyxl.load_workbook(tmp_path / "demo.checked.xlsx")
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["Data age"].startswith("Arrow: cached, oldest 0 min (fetched ")
    exported = json.loads((tmp_path / "second.json").read_text())
    assert all(s["data_age"].startswith("cached") and s["from_cache"] > 0 and s["oldest_fetched_at"]
               for s in exported["sources"])


@pytest.mark.parametrize("args, message", [
    (["--max-age", "12"], "write a number with a unit"),
    (["--max-age", "soon"], "write a number with a unit"),
    (["--refresh", "--offline"], "give one"),
])
def test_bad_cache_options_are_usage_errors(bom, args, message):
    result = run_check(bom, *args)
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("30m", 1800), ("12h", 43200), ("2d", 172800),
                                           ("1.5H", 5400), ("0s", 0), ("0", 0)])
def test_max_age_units(text, seconds):
    assert parse_max_age(text) == timedelta(seconds=seconds)


def test_open_lookups_keeps_arrow_off_the_disk_unless_asked(tmp_path):
    plain = open_lookups(Settings(cache_dir=str(tmp_path)), CachePolicy())
    opted = open_lookups(Settings(cache_dir=str(tmp_path), arrow_cache=True), CachePolicy())
    # DigiKey's and Mouser's terms ask for attribution, not for keeping answers off the disk
    assert plain.cache.disk_sources == {"DigiKey Bonded", "DigiKey", "Mouser"}
    assert opted.cache.disk_sources == {"DigiKey Bonded", "DigiKey", "Mouser", "Arrow"}
    plain.cache.close()
    opted.cache.close()


def test_the_outputs_state_each_sources_data_age(tmp_path):
    from bomcheck.model import SourceStatus
    from bomcheck.output.json_report import report_to_dict
    from bomcheck.output.sheets.summary import data_age, summary_rows

    bom_file = tmp_path / "bom.csv"
    bom_file.write_text("MPN,Qty\nLM358DR,1\n", encoding="utf-8")
    now = T0 + timedelta(hours=3, minutes=7)
    sources = (SourceStatus("Arrow", True),
               SourceStatus("DigiKey Bonded", True, from_cache=4, oldest=T0, live=1),
               SourceStatus("Mouser", False, "no credentials"))
    report = Report(bom=read_bom(bom_file), boards=1, results=(), sources=sources, checked_at=now)
    assert data_age(report) == ("Arrow: live; DigiKey Bonded: 4 answers cached, oldest 3 h 7 min "
                                "(fetched 2026-11-24 08:00 UTC); 1 live")
    rows = {label: value for label, value, _ in summary_rows(report, "BOM")}
    assert rows["Data age"] == data_age(report)
    exported = {s["name"]: s for s in report_to_dict(report)["sources"]}
    assert exported["DigiKey Bonded"]["oldest_fetched_at"] == "2026-11-24T08:00:00+00:00"
    assert exported["Arrow"]["data_age"] == "live" and exported["Mouser"]["data_age"] == "no data"
    live = dataclasses.replace(report, sources=sources[:1])
    assert data_age(live).startswith("live: every answer was asked during this run")


async def test_only_the_missing_queries_are_asked_and_the_status_counts_both(tmp_path):
    from bomcheck.sandbox import catalog

    known = [Query(mpn) for mpn in catalog.DEMO_MPNS[:3]]
    new = Query(catalog.DEMO_MPNS[3])
    async with sandbox(tmp_path, arrow_cache=True) as box:
        lookups = lookups_with(box, Clock())
        async with open_sources(box.settings) as (runs, _):
            await lookups.gather(runs, known)
            await box.counted()
            # one Arrow search, one bonded list, one catalog keyword search, one Mouser batch
            assert lookups.planned_calls(runs, [*known, new]) == 4
            mixed = await lookups.gather(runs, [*known, new])
        assert await box.counted() == {"arrow": 1, "digikey": 1}
    for status in mixed.sources:
        assert (status.from_cache, status.live) == (3, 1)
        assert status.data_age(T0) == "3 answers cached, oldest 0 min (fetched 2026-11-24 08:00 UTC); 1 live"


@pytest.mark.parametrize("args, message", [
    (["--max-age", "9999999999d"], "the most accepted is 3650d"),
    (["--max-age", "87601h"], "the most accepted is 3650d"),
])
def test_an_absurd_max_age_is_a_one_line_usage_error(bom, args, message):
    result = run_check(bom, *args)
    assert result.exit_code == 2 and message in result.output
    assert not isinstance(result.exception, OverflowError)
    assert any(line.startswith("Error:") and message in line for line in result.output.splitlines())


def test_the_offline_help_says_arrow_answers_are_not_kept():
    result = CliRunner().invoke(main, ["check", "--help"])
    assert "not kept between runs unless BOMCHECK_ARROW_CACHE=1" in " ".join(result.output.split())


def test_the_longest_max_age_is_accepted():
    assert parse_max_age("3650d") == timedelta(days=3650)


async def test_a_source_whose_terms_want_a_short_life_is_asked_again_whatever_max_age_says(tmp_path):
    """--max-age 2d: after 30 h the bonded answers (the account's own) are still used; the DigiKey
    catalog's and Mouser's (their terms: hours, not weeks) are asked again."""
    clock = Clock()
    policy = CachePolicy(max_age=parse_max_age("2d"))

    async def calls() -> dict[str, int]:
        async with aiohttp.ClientSession() as session, session.get(box.url + STATS_PATH) as response:
            return {name: count for name, count in (await response.json()).items()
                    if name in ("digikey", "digikey_catalog", "mouser")}

    async with sandbox(tmp_path) as box:
        lookups = open_lookups(box.settings, policy)
        assert lookups.max_age_for("DigiKey Bonded") == timedelta(days=2)
        assert lookups.max_age_for("DigiKey") == lookups.max_age_for("Mouser") == timedelta(hours=24)
        assert lookups.shortest_age == timedelta(hours=24)
        lookups.cache.close()
        await box.check(lookups_with(box, clock, policy, capped=True))
        first = await calls()
        clock.now += timedelta(hours=30)
        await box.check(lookups_with(box, clock, policy, capped=True))
        second = await calls()
    assert second["digikey"] == first["digikey"]  # bonded: from the cache
    assert second["digikey_catalog"] > first["digikey_catalog"] and second["mouser"] > first["mouser"]
