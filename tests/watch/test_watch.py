"""The generic drop-folder service on real folders with the real watchdog observer (no BOMs involved)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import pytest

from bomcheck.watch.folder import FolderWatcher, WatchConfig, is_candidate, serve
from tests.builders import wait_until
from tests.conftest import Recorder, running

SUFFIXES = frozenset({".xlsx", ".csv"})
SETTLE = 0.3


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    inbox, done = tmp_path / "inbox", tmp_path / "done"
    inbox.mkdir()
    done.mkdir()
    return inbox, done


@pytest.mark.parametrize(("name", "taken"), [
    ("bom.xlsx", True),
    ("BOM.XLSX", True),
    ("parts list.csv", True),
    ("~$bom.xlsx", False),  # Excel's lock file
    (".~lock.bom.xlsx#", False),  # LibreOffice's
    (".bom.xlsx", False),  # hidden
    ("bom.xlsx~", False),  # editor backup
    ("bom.xlsx.part", False),  # partial download
    ("bom.xlsx.crdownload", False),
    ("bom.tmp", False),
    ("~WRL0003.tmp", False),  # Word/Excel temp
    ("notes.txt", False),  # not an accepted suffix
    ("bomcheck.toml", False),
    ("bom", False),
])
def test_candidates_by_name(name, taken):
    assert is_candidate(Path(name), SUFFIXES) is taken


def test_a_file_is_taken_only_after_it_stayed_unchanged_for_the_settle_time(tmp_path):
    now = [100.0]
    watcher = FolderWatcher(WatchConfig(tmp_path, SUFFIXES, settle=2.0), clock=lambda: now[0])
    bom = tmp_path / "bom.csv"
    bom.write_text("MPN\n")
    watcher.notice(bom)
    assert watcher.next_ready() is None
    now[0] += 1.5
    with open(bom, "a") as handle:
        handle.write("X1\n")  # still growing: the clock starts again
    assert watcher.next_ready() is None
    now[0] += 1.9
    assert watcher.next_ready() is None
    now[0] += 0.2
    assert watcher.next_ready() == bom
    assert watcher.next_ready() is None  # handed over once
    watcher.notice(bom)
    assert not watcher.pending  # unchanged and still there: not taken again


def test_files_are_handed_over_in_arrival_order_and_a_growing_one_does_not_block_the_rest(tmp_path):
    now = [0.0]
    watcher = FolderWatcher(WatchConfig(tmp_path, SUFFIXES, settle=1.0), clock=lambda: now[0])
    for name in ("b.csv", "a.csv", "c.csv"):
        (tmp_path / name).write_text(name)
        watcher.notice(tmp_path / name)
    now[0] += 0.5
    (tmp_path / "b.csv").write_text("b, more")  # b is still being copied
    now[0] += 0.6
    assert [watcher.next_ready(), watcher.next_ready(), watcher.next_ready()] == [
        tmp_path / "a.csv", tmp_path / "c.csv", None]
    now[0] += 1.0
    assert watcher.next_ready() == tmp_path / "b.csv"


def test_the_callers_own_outputs_and_subfolders_are_ignored(tmp_path):
    config = WatchConfig(tmp_path, SUFFIXES, settle=0, ignore=lambda p: ".checked" in p.name)
    watcher = FolderWatcher(config)
    (tmp_path / "bom.checked.xlsx").write_bytes(b"x")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "bom.csv").write_text("x")
    watcher.scan()
    watcher.notice(tmp_path / "out" / "bom.csv")
    assert not watcher.pending


def test_a_file_of_another_type_is_left_alone_and_said_once(tmp_path, caplog):
    config = WatchConfig(tmp_path, SUFFIXES, settle=0, ignore=lambda p: p.name == "settings.toml")
    watcher = FolderWatcher(config)
    for name in ("quote.pdf", "settings.toml", "~$bom.xlsx", ".hidden.pdf"):
        (tmp_path / name).write_bytes(b"x")
    with caplog.at_level(logging.WARNING, logger="bomcheck.watch.folder"):
        for _ in range(3):
            watcher.scan()
    said = [record.getMessage() for record in caplog.records]
    assert len(said) == 1 and said[0].startswith("quote.pdf is left in the inbox: not a file type")
    assert watcher.next_ready() is None and (tmp_path / "quote.pdf").exists()


async def test_a_file_copied_in_slowly_is_taken_once_and_complete(folders):
    inbox, done = folders
    recorder = Recorder(done)
    content = os.urandom(64 * 1024)
    async with running(WatchConfig(inbox, SUFFIXES, settle=SETTLE), recorder):
        with open(inbox / "slow.xlsx", "wb") as handle:
            for start in range(0, len(content), 8 * 1024):
                handle.write(content[start:start + 8 * 1024])
                handle.flush()
                await asyncio.sleep(SETTLE / 4)  # pauses shorter than the settle time
        await wait_until(lambda: recorder.finished == ["slow.xlsx"])
        await asyncio.sleep(SETTLE * 2)  # give a wrong second take the chance to happen
    assert recorder.taken == [("slow.xlsx", content)]


async def test_lock_and_temp_files_are_left_alone(folders):
    inbox, done = folders
    recorder = Recorder(done)
    async with running(WatchConfig(inbox, SUFFIXES, settle=SETTLE), recorder):
        for name in ("~$bom.xlsx", ".~lock.bom.xlsx#", "bom.xlsx.part", ".hidden.csv", "notes.txt"):
            (inbox / name).write_bytes(b"lock")
        (inbox / "bom.xlsx").write_bytes(b"real")
        await wait_until(lambda: recorder.finished == ["bom.xlsx"])
        await asyncio.sleep(SETTLE * 2)
    assert recorder.taken == [("bom.xlsx", b"real")]
    assert sorted(p.name for p in inbox.iterdir()) == sorted(
        ["~$bom.xlsx", ".~lock.bom.xlsx#", "bom.xlsx.part", ".hidden.csv", "notes.txt"])


async def test_files_already_there_are_caught_up_oldest_first(folders):
    inbox, done = folders
    for age, name in enumerate(("new.csv", "middle.csv", "old.csv")):
        (inbox / name).write_text(name)
        os.utime(inbox / name, (1_700_000_000 - age * 100, 1_700_000_000 - age * 100))
    recorder = Recorder(done)
    async with running(WatchConfig(inbox, SUFFIXES, settle=0), recorder):
        await wait_until(lambda: len(recorder.finished) == 3)
    assert recorder.finished == ["old.csv", "middle.csv", "new.csv"]


async def test_polling_mode_finds_files_without_events(folders):
    inbox, done = folders
    recorder = Recorder(done)
    async with running(WatchConfig(inbox, SUFFIXES, poll=0.1, settle=0.1), recorder):
        (inbox / "share.csv").write_text("on a share")
        await wait_until(lambda: recorder.finished == ["share.csv"])


async def test_a_file_left_in_place_is_not_taken_again_until_it_changes(folders):
    inbox, _ = folders
    taken: list[bytes] = []

    async def leave_it(path: Path) -> None:
        taken.append(path.read_bytes())

    async with running(WatchConfig(inbox, SUFFIXES, poll=0.1, settle=0.1), leave_it):
        (inbox / "stays.csv").write_text("v1")
        await wait_until(lambda: taken == [b"v1"])
        await asyncio.sleep(0.5)  # several polls: still only one take
        assert taken == [b"v1"]
        (inbox / "stays.csv").write_text("v2, longer")
        await wait_until(lambda: taken == [b"v1", b"v2, longer"])


async def test_a_failing_callback_does_not_stop_the_service(folders):
    inbox, done = folders
    recorder = Recorder(done)

    async def flaky(path: Path) -> None:
        if path.name == "boom.csv":
            raise RuntimeError("bug")
        await recorder(path)

    async with running(WatchConfig(inbox, SUFFIXES, settle=0.05), flaky):
        (inbox / "boom.csv").write_text("x")
        await asyncio.sleep(0.05)
        (inbox / "fine.csv").write_text("y")
        await wait_until(lambda: recorder.finished == ["fine.csv"])
    assert (inbox / "boom.csv").exists()


async def test_a_stop_request_lets_the_current_file_finish(folders):
    inbox, done = folders
    hold = asyncio.Event()
    recorder = Recorder(done, hold)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(WatchConfig(inbox, SUFFIXES, settle=0.05), recorder, stop=stop,
                                     handle_signals=False))
    (inbox / "one.csv").write_text("1")
    await wait_until(lambda: len(recorder.taken) == 1)
    (inbox / "two.csv").write_text("2")
    stop.set()
    await asyncio.sleep(0.1)
    assert not task.done()  # still working on one.csv
    hold.set()
    await asyncio.wait_for(task, 5)
    assert recorder.finished == ["one.csv"]
    assert (inbox / "two.csv").exists()  # not started: it waits for the next start


async def test_a_second_interrupt_stops_at_once_and_leaves_the_file_in_place(folders):
    inbox, done = folders
    recorder = Recorder(done, asyncio.Event())  # never released: only a hard stop ends it
    task = asyncio.create_task(serve(WatchConfig(inbox, SUFFIXES, settle=0.05), recorder))
    (inbox / "one.csv").write_text("1")
    await wait_until(lambda: len(recorder.taken) == 1)
    os.kill(os.getpid(), signal.SIGINT)  # handled by the service's loop, not KeyboardInterrupt
    await asyncio.sleep(0.1)
    assert not task.done()
    os.kill(os.getpid(), signal.SIGINT)
    await asyncio.wait_for(task, 5)
    assert recorder.finished == []
    assert (inbox / "one.csv").exists()


def test_the_watch_service_knows_nothing_of_boms():
    from tests.test_architecture import PACKAGE, bomcheck_imports

    assert bomcheck_imports(PACKAGE / "watch" / "folder.py") == set()
