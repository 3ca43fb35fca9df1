"""quota.json shared by several bomcheck processes: no update is lost, and the latest count wins."""

from __future__ import annotations

import json
import multiprocessing
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bomcheck.distributors.quota import QuotaSeen, QuotaStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the lock is POSIX's fcntl")

PROCESSES = 4
SAVES = 25


def save_many(path: str, worker: int, server_count, start) -> None:
    """One bomcheck process: its own account's figures, and the shared account's count as the server
    answers it (each answer one call fewer), saved the moment it is seen, as each run ends."""
    store = QuotaStore(Path(path))
    start.wait()
    for n in range(SAVES):
        store.save(f"production/app-{worker}-{n}", QuotaSeen(900 - n, 1000, datetime.now(timezone.utc)))
        with server_count.get_lock():  # the server counts one call and answers with the count left
            server_count.value -= 1
            seen = QuotaSeen(server_count.value, 1000, datetime.now(timezone.utc))
        store.save("production/shared", seen)


def test_processes_saving_at_once_lose_no_entry_and_keep_the_latest_count(tmp_path):
    path = tmp_path / "quota.json"
    context = multiprocessing.get_context("fork")
    start = context.Event()
    server_count = context.Value("i", 1000)
    workers = [context.Process(target=save_many, args=(str(path), worker, server_count, start))
               for worker in range(PROCESSES)]
    for process in workers:
        process.start()
    start.set()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    document = json.loads(path.read_text())
    expected = {f"production/app-{worker}-{n}" for worker in range(PROCESSES) for n in range(SAVES)}
    assert expected - set(document) == set()  # every process's every save is there
    assert document["production/shared"]["remaining"] == 1000 - PROCESSES * SAVES  # the last answer: 900
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["quota.json"]


def test_an_older_figure_saved_late_does_not_hide_a_fresher_one(tmp_path):
    store = QuotaStore(tmp_path / "quota.json")
    now = datetime.now(timezone.utc)
    store.save("production/app", QuotaSeen(981, 1000, now))  # a concurrent run saw the later count
    store.save("production/app", QuotaSeen(1000, 1000, now - timedelta(seconds=30)))  # this run ends last
    assert store.remaining("production/app") == 981


def test_a_count_seen_later_wins_even_when_higher_as_after_a_reset(tmp_path):
    store = QuotaStore(tmp_path / "quota.json")
    now = datetime.now(timezone.utc)
    store.save("production/app", QuotaSeen(4, 1000, now - timedelta(seconds=60)))
    store.save("production/app", QuotaSeen(1000, 1000, now))  # the quota came back meanwhile
    assert store.remaining("production/app") == 1000


def test_a_new_quota_day_replaces_the_count_of_the_day_before(tmp_path):
    store = QuotaStore(tmp_path / "quota.json")
    now = datetime.now(timezone.utc)
    store.save("production/app", QuotaSeen(3, 1000, now - timedelta(days=2)))
    store.save("production/app", QuotaSeen(990, 1000, now))
    assert store.remaining("production/app") == 990
