"""One offers cache per watch service: files dropped together share Arrow's answers; --offline files wait."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from click.testing import CliRunner

from bomcheck.check import CheckOptions
from bomcheck.cli import main
from bomcheck.config import Settings
from bomcheck.lookups.cached_lookups import CachedLookups, CachePolicy
from bomcheck.runtime import open_lookups, open_sources, sandbox_settings
from bomcheck.sandbox import catalog
from bomcheck.sandbox.server import STATS_PATH, running_sandbox
from bomcheck.watch.folders import InboxFolders
from bomcheck.watch.inbox import InboxJob
from tests.builders import csv_bom


async def counted(url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(url + STATS_PATH) as response:
        return await response.json()


@contextlib.asynccontextmanager
async def inbox_job(tmp_path: Path,
                    policy: CachePolicy) -> AsyncIterator[tuple[InboxJob, str, CachedLookups]]:
    """An InboxJob on the sandbox with the cache a `bomcheck watch` gives it (no observer: files are
    handed to `process` directly)."""
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    client = dataclasses.replace(Settings(), arrow_rate=200.0, digikey_rate=200.0,
                                 cache_dir=str(tmp_path / "cache"))
    async with running_sandbox() as url:
        settings = sandbox_settings(client, url)
        async with open_sources(settings) as (runs, unavailable):
            lookups = open_lookups(settings, policy)
            job = InboxJob(folders, CheckOptions(), runs, unavailable, lookups=lookups,
                           ledger_tag="sandbox" + (" offline" if policy.offline else ""))
            job.start()
            try:
                yield job, url, lookups
            finally:
                lookups.cache.close()


async def drop(job: InboxJob, name: str, text: str):
    path = job.folders.inbox / name
    path.write_text(text)
    return await job.process(path)


async def test_two_files_in_one_service_share_arrow_answers_without_writing_them_to_disk(tmp_path):
    mpns = catalog.DEMO_MPNS[:4]
    async with inbox_job(tmp_path, CachePolicy()) as (job, url, lookups):
        first = await drop(job, "a.csv", csv_bom(*mpns))
        after_first = await counted(url)
        second = await drop(job, "b.csv", csv_bom(*reversed(mpns)))  # other content, same parts
        after_second = await counted(url)
    assert first.status == second.status == "checked"
    assert after_first["arrow"] == len(mpns) and after_first["digikey"] == 1
    assert after_second["arrow"] == after_first["arrow"]  # zero Arrow requests for the second file
    assert after_second["digikey"] == after_first["digikey"]
    assert lookups.cache.disk_sources == {"DigiKey Bonded", "DigiKey", "Mouser"}  # Arrow's stay in memory


async def test_offline_service_writes_the_output_but_does_not_remember_it_as_checked(tmp_path):
    async with inbox_job(tmp_path, CachePolicy(offline=True)) as (job, url, _):
        result = await drop(job, "a.csv", csv_bom(*catalog.DEMO_MPNS[:2]))
        sent = await counted(url)
    assert (sent["arrow"], sent["digikey"]) == (0, 0)
    assert result.status == "checked" and result.output is not None and result.output.exists()
    assert "2 ERROR" in result.message
    # not remembered for reuse: dropped again later, it is checked afresh
    assert json.loads(job.ledger.path.read_text())["entries"] == {}


def test_watch_refuses_refresh_with_offline(tmp_path):
    result = CliRunner().invoke(main, ["watch", str(tmp_path / "inbox"), "--sandbox", "--refresh",
                                       "--offline"])
    assert result.exit_code == 2 and "give one" in result.output


def test_an_inbox_may_set_its_own_max_age(tmp_path):
    from datetime import timedelta

    import pytest

    from bomcheck.errors import ConfigError
    from bomcheck.watch.settings import read_inbox_config

    (tmp_path / "bomcheck.toml").write_text('max_age = "6h"\n')
    assert read_inbox_config(tmp_path)["max_age"] == timedelta(hours=6)
    (tmp_path / "bomcheck.toml").write_text("max_age = 6\n")
    with pytest.raises(ConfigError, match="max_age must be an age"):
        read_inbox_config(tmp_path)


def test_an_absurd_cache_age_is_a_usage_error_and_an_absurd_inbox_max_age_a_config_error(tmp_path):
    inbox = tmp_path / "inbox"
    for age, message in (("1e12", "87600"), ("nan", "nan is not a number")):
        result = CliRunner().invoke(main, ["watch", str(inbox), "--sandbox", "--cache-age", age])
        assert result.exit_code == 2 and message in result.output, result.output
    inbox.mkdir()
    (inbox / "bomcheck.toml").write_text('max_age = "99999999999d"\n')
    result = CliRunner().invoke(main, ["watch", str(inbox), "--sandbox"])
    assert result.exit_code == 3 and not isinstance(result.exception, OverflowError)
    assert "max_age must be an age" in result.output and "at most 3650d" in result.output
    assert len(result.output.strip().splitlines()) == 1


async def test_a_watch_reuses_an_output_only_while_its_oldest_answer_is_young_enough(tmp_path):
    from datetime import datetime, timedelta, timezone

    from bomcheck.watch.ledger import Ledger

    now = [datetime.now(timezone.utc)]

    def clock() -> datetime:
        return now[0]

    async with inbox_job(tmp_path, CachePolicy(max_age=timedelta(hours=12))) as (job, url, lookups):
        lookups.clock = lookups.cache.clock = clock
        job.ledger = Ledger(job.folders.ledger, timedelta(hours=12), now=clock)
        mpns = catalog.DEMO_MPNS[:3]
        assert (await drop(job, "a.csv", csv_bom(*mpns))).status == "checked"  # DigiKey cached now
        now[0] += timedelta(hours=11)
        assert (await drop(job, "b.csv", csv_bom(*reversed(mpns)))).status == "checked"  # cached 11 h
        now[0] += timedelta(hours=2)  # b.csv checked 2 h ago, its DigiKey answers fetched 13 h ago
        before = await counted(url)
        again = await drop(job, "b.csv", csv_bom(*reversed(mpns)))
        after = await counted(url)
    assert again.status == "checked"  # not "reused": that output's data is past --max-age
    assert after["digikey"] > before["digikey"]
