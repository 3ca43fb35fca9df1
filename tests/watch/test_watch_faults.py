"""The watch service under faults: files dropped again, moves across filesystems that fill up, a second
service on the same inbox, leftovers of a hard kill in failed/, and running out of memory."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import socket
from pathlib import Path

import pytest

from bomcheck.check import CheckOptions
from bomcheck.errors import ConfigError
from bomcheck.sandbox import catalog
from bomcheck.watch import folders as folders_module
from bomcheck.watch.folder import FolderWatcher, WatchConfig, serve
from bomcheck.watch.folders import InboxFolders, exclusive_inbox
from bomcheck.watch.inbox import InboxJob
from bomcheck.watch.ledger import Ledger
from bomcheck.watch.moves import move_without_overwrite
from tests.builders import csv_bom, names, wait_until
from tests.conftest import Recorder, inbox_service, running

SUFFIXES = frozenset({".csv"})


# 4. A file dropped again with the same name, size and mtime

def test_a_file_put_back_with_the_same_name_size_and_mtime_is_taken_again(tmp_path):
    inbox, done = tmp_path / "inbox", tmp_path / "done"
    inbox.mkdir()
    done.mkdir()
    now = [0.0]
    watcher = FolderWatcher(WatchConfig(inbox, SUFFIXES, settle=1.0), clock=lambda: now[0])
    bom = inbox / "bom.csv"
    bom.write_text("MPN,Qty\nLM358DR,1\n")
    os.utime(bom, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    watcher.notice(bom)
    now[0] += 2
    assert watcher.next_ready() == bom
    shutil.move(bom, done / "bom.csv")  # what the job does with it
    shutil.copy2(done / "bom.csv", bom)  # cp -p: same name, size and mtime, a new file
    watcher.notice(bom)  # its event (the removal's event may come later, or not at all)
    now[0] += 2
    assert watcher.next_ready() == bom


async def test_the_service_takes_a_file_dropped_again_at_once_by_cp_p_and_by_mv(tmp_path):
    inbox, done, keep = tmp_path / "inbox", tmp_path / "done", tmp_path / "keep"
    for folder in (inbox, done, keep):
        folder.mkdir()
    original = keep / "bom.csv"
    original.write_text("MPN,Qty\nLM358DR,1\n")
    recorder = Recorder(done)
    async with running(WatchConfig(inbox, SUFFIXES, settle=0.1), recorder):
        shutil.copy2(original, inbox / "bom.csv")
        await wait_until(lambda: recorder.finished == ["bom.csv"])
        shutil.copy2(original, inbox / "bom.csv")  # cp -p, well within the 30 s rescan
        await wait_until(lambda: recorder.finished == ["bom.csv"] * 2, 5)
        (done / "bom.csv").rename(inbox / "bom.csv")  # mv back: the very same file (inode)
        await wait_until(lambda: recorder.finished == ["bom.csv"] * 3, 5)


async def test_the_service_in_polling_mode_takes_a_file_dropped_again(tmp_path):
    inbox, done, keep = tmp_path / "inbox", tmp_path / "done", tmp_path / "keep"
    for folder in (inbox, done, keep):
        folder.mkdir()
    original = keep / "bom.csv"
    original.write_text("MPN,Qty\nLM358DR,1\n")
    recorder = Recorder(done)
    async with running(WatchConfig(inbox, SUFFIXES, poll=0.1, settle=0.1), recorder):
        shutil.copy2(original, inbox / "bom.csv")
        await wait_until(lambda: recorder.finished == ["bom.csv"])
        shutil.copy2(original, inbox / "bom.csv")
        await wait_until(lambda: recorder.finished == ["bom.csv"] * 2, 5)


# 5. Moves across filesystems that fill up

@pytest.fixture
def other_filesystem(monkeypatch):
    """Every folder is its own filesystem: renames and hard links between folders fail with EXDEV."""
    real_rename, real_link = os.rename, os.link

    def same_folder_only(real):
        def call(src, dst, *args, **kwargs):
            if Path(os.fsdecode(src)).parent != Path(os.fsdecode(dst)).parent:
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
            return real(src, dst, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "rename", same_folder_only(real_rename))
    monkeypatch.setattr(os, "link", same_folder_only(real_link))


@pytest.fixture
def full_disk(monkeypatch):
    """A copy runs out of space half-way (the bytes already written stay in the file)."""
    state = {"full": True}
    real_copy = shutil.copyfileobj

    def copy(source, target, length=0):
        if not state["full"]:
            return real_copy(source, target)
        data = source.read()
        target.write(data[:len(data) // 2])
        target.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "copyfileobj", copy)
    return state


def test_a_move_to_a_full_filesystem_leaves_no_truncated_copy_and_a_later_one_succeeds(
        tmp_path, other_filesystem, full_disk):
    inbox, processed = tmp_path / "inbox", tmp_path / "processed"
    inbox.mkdir()
    processed.mkdir()
    content = b"MPN,Qty\n" + b"LM358DR,1\n" * 1000
    (inbox / "bom.csv").write_bytes(content)
    for _ in range(3):  # the service tries again at each start
        with pytest.raises(OSError) as raised:
            move_without_overwrite(inbox / "bom.csv", processed)
        assert raised.value.errno == errno.ENOSPC
        assert os.listdir(processed) == []  # no truncated file under the user's name, no temp file
        assert (inbox / "bom.csv").read_bytes() == content
    full_disk["full"] = False
    moved = move_without_overwrite(inbox / "bom.csv", processed)
    assert moved == processed / "bom.csv"  # its own name: no "bom (2).csv" beside a broken copy
    assert moved.read_bytes() == content
    assert not (inbox / "bom.csv").exists()
    assert os.listdir(processed) == ["bom.csv"]


def test_a_move_across_filesystems_never_replaces_a_file_and_keeps_the_modification_time(
        tmp_path, other_filesystem):
    inbox, processed = tmp_path / "inbox", tmp_path / "processed"
    inbox.mkdir()
    processed.mkdir()
    (processed / "bom.csv").write_text("earlier")
    (inbox / "bom.csv").write_text("later")
    os.utime(inbox / "bom.csv", (1_600_000_000, 1_600_000_000))
    moved = move_without_overwrite(inbox / "bom.csv", processed)
    assert moved.name == "bom (2).csv" and moved.read_text() == "later"
    assert moved.stat().st_mtime == 1_600_000_000
    assert (processed / "bom.csv").read_text() == "earlier"
    assert sorted(os.listdir(processed)) == ["bom (2).csv", "bom.csv"]


async def test_a_full_processed_filesystem_keeps_the_file_in_the_inbox_with_no_broken_copy(
        tmp_path, other_filesystem, monkeypatch, caplog):
    real_copy = shutil.copyfileobj

    def copy(source, target, length=0):
        if Path(str(getattr(target, "name", ""))).parent.name == "processed":
            target.write(source.read(10))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_copy(source, target)

    monkeypatch.setattr(shutil, "copyfileobj", copy)
    with caplog.at_level(logging.ERROR):
        async with inbox_service(tmp_path) as service:
            (service.folders.inbox / "a.csv").write_text(csv_bom(catalog.DEMO_MPNS[0]))
            await wait_until(lambda: len(service.job.results) == 1, 20)
    assert (service.folders.inbox / "a.csv").exists()
    assert names(service.folders.processed) == []
    assert service.outputs() == ["a.checked.xlsx"]
    assert any("cannot move it to" in r.getMessage() and "a.csv" in r.getMessage() for r in caplog.records)


# 3. Leftovers of a hard kill in failed/ (and out/)

def test_start_removes_probe_and_temp_files_a_hard_kill_left_in_failed_and_out(tmp_path):
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    leftovers = {
        folders.failed: [".notes.csv.error.txt.a1b2c3d4.tmp", ".notes.csv.error.txt.x9y8z7w6.probe"],
        folders.out: [".demo.checked.xlsx.q1w2e3r4.probe"],
    }
    for folder, files in leftovers.items():
        for name in files:
            (folder / name).write_bytes(b"half")
    (folders.failed / "notes.csv").write_text("the user's file")
    (folders.failed / "notes.csv.error.txt").write_text("its note")
    (folders.failed / ".keep.tmp").write_text("not ours")  # a hidden file bomcheck did not make
    InboxJob(folders, CheckOptions(), []).start()
    assert names(folders.failed) == [".keep.tmp", "notes.csv", "notes.csv.error.txt"]
    assert names(folders.out) == []


def test_an_interrupted_move_left_as_two_links_is_finished_at_start(tmp_path):
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    (folders.inbox / "bad.csv").write_text("Item\n1\n")
    os.link(folders.inbox / "bad.csv", folders.failed / "bad.csv")  # killed between link and unlink
    (folders.inbox / "other.csv").write_text("MPN\nX\n")
    os.link(folders.inbox / "other.csv", tmp_path / "elsewhere.csv")  # a link the user made: left alone
    InboxJob(folders, CheckOptions(), []).start()
    assert not (folders.inbox / "bad.csv").exists()
    assert (folders.failed / "bad.csv").read_text() == "Item\n1\n"
    assert (folders.inbox / "other.csv").exists()


def test_the_ledger_remembers_an_output_handed_over_until_its_input_is_filed(tmp_path):
    output = tmp_path / "a.checked.xlsx"
    output.write_bytes(b"out")
    ledger = Ledger(tmp_path / "ledger.json")
    from bomcheck.watch.ledger import sha256_of
    ledger.handing_over("key", "a.csv", output, sha256_of(output))
    again = Ledger(tmp_path / "ledger.json")  # after a kill
    assert again.handed_over("key", "a.csv") is not None
    assert again.handed_over("key", "b.csv") is None  # another file with the same content
    assert again.fresh("key") is None  # not reusable: dropped again later, it is asked again
    output.write_bytes(b"edited")
    assert again.handed_over("key", "a.csv") is None  # not our output any more
    again.filed("key")
    assert Ledger(tmp_path / "ledger.json").handed_over("key", "a.csv") is None


# 7. Two services on one inbox

def test_a_second_lock_on_the_same_inbox_through_a_symlink_is_refused_with_its_holder(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    link = tmp_path / "link"
    link.symlink_to(inbox, target_is_directory=True)
    with exclusive_inbox(inbox):
        with pytest.raises(ConfigError) as refused, exclusive_inbox(link):
            pass
        message = str(refused.value)
        assert f"pid {os.getpid()} on {socket.gethostname()}, since " in message
        assert str(inbox.resolve()) in message and "\n" not in message
    with exclusive_inbox(link):  # released when the first one ends
        pass


def test_a_lock_file_we_may_not_write_still_tells_who_holds_the_inbox(tmp_path, monkeypatch):
    import builtins

    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def not_ours(file, mode="r", *args, **kwargs):  # another user's lock file, 0644
        if Path(file).name == folders_module.INBOX_LOCK and mode != "r":
            raise PermissionError(13, "Permission denied")
        return builtins.open(file, mode, *args, **kwargs)

    with exclusive_inbox(inbox):
        monkeypatch.setattr(folders_module, "open", not_ours, raising=False)
        with pytest.raises(ConfigError, match=f"pid {os.getpid()} on "), exclusive_inbox(inbox):
            pass
    with exclusive_inbox(inbox):  # free now: taken through the read-only handle
        pass


def test_the_default_state_folder_is_the_same_through_a_symlink(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    link = tmp_path / "link"
    link.symlink_to(inbox, target_is_directory=True)
    assert folders_module.default_state_dir(link) == folders_module.default_state_dir(inbox)


# 9. Out of memory: the one file fails, the service carries on

@pytest.mark.parametrize("error", [MemoryError(), OSError(errno.ENOMEM, os.strerror(errno.ENOMEM))],
                         ids=["MemoryError", "ENOMEM"])
async def test_a_file_that_runs_out_of_memory_fails_alone_and_the_service_carries_on(tmp_path, monkeypatch,
                                                                                     error):
    import bomcheck.check

    real_read = bomcheck.check.read_bom

    def read(path, *args, **kwargs):
        if Path(path).name == "huge.csv":
            raise error
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(bomcheck.check, "read_bom", read)
    async with inbox_service(tmp_path) as service:
        inbox = service.folders.inbox
        (inbox / "huge.csv").write_text(csv_bom(catalog.DEMO_MPNS[0]))
        await wait_until(lambda: len(service.job.results) == 1, 20)
        (inbox / "next.csv").write_text(csv_bom(catalog.DEMO_MPNS[1]))
        await wait_until(lambda: names(service.folders.processed) == ["next.csv"], 20)
    assert names(service.folders.failed) == ["huge.csv", "huge.csv.error.txt"]
    note = (service.folders.failed / "huge.csv.error.txt").read_text()
    assert "out of memory" in note and "bug" not in note
    assert service.outputs() == ["next.checked.xlsx"]


async def test_listing_the_inbox_out_of_memory_does_not_stop_the_service(tmp_path, monkeypatch):
    inbox, done = tmp_path / "inbox", tmp_path / "done"
    inbox.mkdir()
    done.mkdir()
    real_scandir = os.scandir
    failures = {"left": 3}

    def scandir(path=None):
        if failures["left"]:
            failures["left"] -= 1
            raise MemoryError()
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    recorder = Recorder(done)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(WatchConfig(inbox, SUFFIXES, poll=0.1, settle=0.1), recorder,
                                     stop=stop, handle_signals=False))
    (inbox / "bom.csv").write_text("MPN\nX\n")
    try:
        await wait_until(lambda: recorder.finished == ["bom.csv"] or task.done(), 10)
        assert not task.done(), task.exception()
        assert failures["left"] == 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


class Killed(BaseException):
    """What `kill -9` does to the service at that point: nothing after it runs."""


@pytest.mark.parametrize("faults", [0.0, 1.0], ids=["complete", "a source failed"])
async def test_killed_after_the_output_landed_a_restart_files_the_input_and_asks_nothing(
        tmp_path, monkeypatch, faults):
    import dataclasses

    import aiohttp

    import bomcheck.watch.inbox
    from bomcheck.config import Settings
    from bomcheck.runtime import open_sources, sandbox_settings
    from bomcheck.sandbox.faults import FaultConfig
    from bomcheck.sandbox.server import STATS_PATH, SandboxConfig, running_sandbox
    from tests.conftest import DEMO_BOM

    async def requests(url: str) -> int:
        async with aiohttp.ClientSession() as session, session.get(url + STATS_PATH) as response:
            counted = await response.json()
        return counted["arrow"] + counted["digikey"]

    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    client = dataclasses.replace(Settings(), arrow_rate=200.0, digikey_rate=200.0)
    sandbox = SandboxConfig(faults=FaultConfig({"503": faults}))
    async with running_sandbox(sandbox) as url, \
            open_sources(sandbox_settings(client, url)) as (runs, unavailable):
        shutil.copyfile(DEMO_BOM, folders.inbox / "demo.xlsx")
        first = InboxJob(folders, CheckOptions(), runs, unavailable)
        first.start()
        real_move = bomcheck.watch.inbox.move_without_overwrite

        def killed(*args):
            raise Killed

        monkeypatch.setattr(bomcheck.watch.inbox, "move_without_overwrite", killed)
        with pytest.raises(Killed):
            await first.process(folders.inbox / "demo.xlsx")
        assert names(folders.out) == ["demo.checked.xlsx"]  # the output landed; the input did not move
        output = (folders.out / "demo.checked.xlsx").read_bytes()
        asked = await requests(url)
        monkeypatch.setattr(bomcheck.watch.inbox, "move_without_overwrite", real_move)

        restarted = InboxJob(folders, CheckOptions(), runs, unavailable)
        restarted.start()
        result = await restarted.process(folders.inbox / "demo.xlsx")
        assert await requests(url) == asked  # not asked again
    assert result.moved_to == folders.processed / "demo.xlsx"
    assert names(folders.out) == ["demo.checked.xlsx"]  # no second output
    assert (folders.out / "demo.checked.xlsx").read_bytes() == output
    assert names(folders.processed) == ["demo.xlsx"]
    assert not (folders.inbox / "demo.xlsx").exists()
