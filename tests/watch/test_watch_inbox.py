"""The watched inbox end to end: real folders, the real observer, the sandbox on loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from bomcheck.check import CheckOptions
from bomcheck.errors import ConfigError
from bomcheck.sandbox import catalog
from bomcheck.watch.folders import InboxFolders, exclusive_state, is_own_output
from bomcheck.watch.inbox import InboxJob
from bomcheck.watch.ledger import Ledger
from bomcheck.watch.moves import move_without_overwrite
from bomcheck.watch.settings import read_inbox_config
from tests.builders import csv_bom, names, wait_until
from tests.conftest import DEMO_BOM, inbox_service

SETTLE = 0.2


async def test_a_dropped_bom_comes_out_annotated_and_the_input_moves_to_processed(tmp_path):
    async with inbox_service(tmp_path, options=CheckOptions(boards=100)) as service:
        shutil.copyfile(DEMO_BOM, service.folders.inbox / "demo.xlsx")
        await wait_until(lambda: names(service.folders.processed) == ["demo.xlsx"], 20)
        assert service.outputs() == ["demo.checked.xlsx"]
    assert (service.folders.processed / "demo.xlsx").read_bytes() == DEMO_BOM.read_bytes()
    workbook = openpyxl.load_workbook(service.folders.out / "demo.checked.xlsx")
    assert "Summary" in workbook.sheetnames
    [result] = service.job.results
    # the sandbox's four sources: only MAX3232ESE+T (no stock anywhere) is short; the LED Arrow has
    # none of is in stock at DigiKey
    assert result.status == "checked" and "18 OK, 1 SHORT" in result.message
    assert "1 OBSOLETE" in result.message and "100 boards" in result.message
    assert names(service.folders.inbox) == ["failed", "out", "processed"]
    assert names(service.folders.work) == []


async def test_a_demo_copied_in_slowly_is_checked_once_complete(tmp_path):
    content = DEMO_BOM.read_bytes()
    async with inbox_service(tmp_path) as service:
        with open(service.folders.inbox / "slow.xlsx", "wb") as handle:
            chunk = len(content) // 6 + 1
            for start in range(0, len(content), chunk):
                handle.write(content[start:start + chunk])
                handle.flush()
                await asyncio.sleep(SETTLE / 4)
        await wait_until(lambda: names(service.folders.processed) == ["slow.xlsx"], 20)
    assert [r.status for r in service.job.results] == ["checked"]
    assert names(service.folders.failed) == []
    assert service.outputs() == ["slow.checked.xlsx"]


async def test_office_and_libreoffice_lock_files_are_ignored(tmp_path):
    async with inbox_service(tmp_path) as service:
        inbox = service.folders.inbox
        shutil.copyfile(DEMO_BOM, inbox / "~$demo.xlsx")  # a real workbook under a lock name
        (inbox / ".~lock.demo.xlsx#").write_text("user,host")
        (inbox / "demo.xlsx.tmp").write_bytes(b"partial")
        (inbox / "ready.csv").write_text(csv_bom(catalog.DEMO_MPNS[0]))
        await wait_until(lambda: names(service.folders.processed) == ["ready.csv"], 20)
        await asyncio.sleep(SETTLE * 2)
    assert [r.name for r in service.job.results] == ["ready.csv"]
    assert names(inbox) == sorted([".~lock.demo.xlsx#", "demo.xlsx.tmp", "failed", "out", "processed",
                                   "~$demo.xlsx"])


async def test_a_bad_file_lands_in_failed_with_its_reason(tmp_path):
    async with inbox_service(tmp_path) as service:
        (service.folders.inbox / "notes.csv").write_text("Item,Comment\n1,call Bob\n")
        (service.folders.inbox / "broken.xlsx").write_bytes(b"this is not a zip")
        await wait_until(lambda: len(names(service.folders.failed)) == 4, 20)
    failed = service.folders.failed
    assert names(failed) == ["broken.xlsx", "broken.xlsx.error.txt", "notes.csv", "notes.csv.error.txt"]
    notes = (failed / "notes.csv.error.txt").read_text()
    assert "What was wrong: notes.csv: no MPN column found" in notes
    assert "'Item'" in notes and "bomcheck.toml" in notes  # the watch-mode way to name the column
    broken = (failed / "broken.xlsx.error.txt").read_text()
    assert "What was wrong: " in broken and "What to do: " in broken
    assert service.outputs() == []
    assert (failed / "notes.csv").read_text() == "Item,Comment\n1,call Bob\n"


async def test_five_files_dropped_at_once_all_come_out_within_the_rate_limits(tmp_path):
    mpns = catalog.DEMO_MPNS
    # the server answers 429 above 10 requests/s; the service's one limiter per source keeps to 8
    async with inbox_service(tmp_path, server_rate=10, client_rate=8) as service:
        staging = tmp_path / "staging"
        staging.mkdir()
        for n in range(5):
            (staging / f"board{n}.csv").write_text(csv_bom(*mpns[n * 2:n * 2 + 3]))
        for n in range(5):  # a rename is how a finished copy appears at once
            (staging / f"board{n}.csv").rename(service.folders.inbox / f"board{n}.csv")
        await wait_until(lambda: len(names(service.folders.processed)) == 5, 30)
        counted = await service.stats()
    assert service.outputs() == [f"board{n}.checked.xlsx" for n in range(5)]
    assert [r.name for r in service.job.results] == [f"board{n}.csv" for n in range(5)]
    assert all(r.status == "checked" for r in service.job.results)
    assert counted["arrow"] >= 10 and counted["throttled"] == 0


async def test_the_same_content_twice_is_asked_once_and_a_new_version_again(tmp_path):
    async with inbox_service(tmp_path) as service:
        inbox = service.folders.inbox
        shutil.copyfile(DEMO_BOM, inbox / "demo.xlsx")
        await wait_until(lambda: names(service.folders.processed) == ["demo.xlsx"], 20)
        first = await service.stats()
        shutil.copyfile(DEMO_BOM, inbox / "demo.xlsx")  # dropped again, same name
        shutil.copyfile(DEMO_BOM, inbox / "copy.xlsx")  # and under another name
        await wait_until(lambda: len(names(service.folders.processed)) == 3, 20)
        again = await service.stats()
        assert again == first  # no call at all for the same content
        (inbox / "demo.csv").write_text(csv_bom(catalog.DEMO_MPNS[0]))
        await wait_until(lambda: len(names(service.folders.processed)) == 4, 20)
        (inbox / "demo.csv").write_text(csv_bom(catalog.DEMO_MPNS[1], catalog.DEMO_MPNS[2]))
        await wait_until(lambda: len(names(service.folders.processed)) == 5, 20)
        last = await service.stats()
    assert last["arrow"] > again["arrow"]
    assert [r.status for r in service.job.results] == ["checked", "reused", "reused", "checked", "checked"]
    assert names(service.folders.processed) == ["copy.xlsx", "demo (2).csv", "demo (2).xlsx",
                                                 "demo.csv", "demo.xlsx"]
    # demo.csv's output would be demo.checked.xlsx too: outputs are never overwritten
    assert service.outputs() == ["copy.checked.xlsx", "demo (2).checked.xlsx", "demo (3).checked.xlsx",
                                 "demo.checked.xlsx"]
    out = service.folders.out
    assert (out / "copy.checked.xlsx").read_bytes() == (out / "demo.checked.xlsx").read_bytes()


async def test_reprocess_asks_again(tmp_path):
    async with inbox_service(tmp_path, reprocess=True) as service:
        shutil.copyfile(DEMO_BOM, service.folders.inbox / "demo.xlsx")
        await wait_until(lambda: names(service.folders.processed) == ["demo.xlsx"], 20)
        first = await service.stats()
        shutil.copyfile(DEMO_BOM, service.folders.inbox / "demo.xlsx")
        await wait_until(lambda: len(names(service.folders.processed)) == 2, 20)
        second = await service.stats()
    assert second["arrow"] == 2 * first["arrow"]
    assert service.outputs() == ["demo (2).checked.xlsx", "demo.checked.xlsx"]


def test_the_ledger_forgets_old_entries_and_survives_a_broken_file(tmp_path):
    output = tmp_path / "a.checked.xlsx"
    output.write_bytes(b"out")
    now = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    ledger = Ledger(tmp_path / "ledger.json", timedelta(hours=12), now=lambda: now[0])
    ledger.record("key", output)
    assert Ledger(tmp_path / "ledger.json", timedelta(hours=12), now=lambda: now[0]).fresh("key")
    now[0] += timedelta(hours=13)
    assert ledger.fresh("key") is None
    (tmp_path / "ledger.json").write_text("{not json")
    broken = Ledger(tmp_path / "ledger.json")
    assert broken.fresh("key") is None
    broken.record("other", output)
    assert set(json.loads((tmp_path / "ledger.json").read_text())["entries"]) == {"other"}


def test_moves_never_overwrite(tmp_path):
    inbox, processed = tmp_path / "inbox", tmp_path / "processed"
    inbox.mkdir()
    processed.mkdir()
    (processed / "bom.xlsx").write_text("first")
    (processed / "bom (2).xlsx").write_text("second")
    (inbox / "bom.xlsx").write_text("third")
    moved = move_without_overwrite(inbox / "bom.xlsx", processed)
    assert moved.name == "bom (3).xlsx"
    assert [(processed / n).read_text() for n in ("bom.xlsx", "bom (2).xlsx", "bom (3).xlsx")] == [
        "first", "second", "third"]
    assert not (inbox / "bom.xlsx").exists()


def test_inbox_config_sets_boards_and_currency(tmp_path):
    (tmp_path / "bomcheck.toml").write_text('boards = 250\ncurrency = "eur"\nmpn_column = "Field2"\n')
    assert read_inbox_config(tmp_path) == {"boards": (250,), "currency": "EUR", "mpn_column": "Field2"}
    assert read_inbox_config(tmp_path / "elsewhere") == {}


@pytest.mark.parametrize(("text", "message"), [
    ("bords = 250\n", "unknown setting bords"),
    ("boards = 0\n", "boards must be a whole number"),
    ('boards = "many"\n', "boards must be a whole number"),
    ("boards = [\n", "not valid TOML"),
])
def test_inbox_config_mistakes_are_one_clear_line(tmp_path, text, message):
    (tmp_path / "bomcheck.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_inbox_config(tmp_path)


def test_processed_cannot_be_the_inbox(tmp_path):
    folders = InboxFolders.for_inbox(tmp_path, processed=tmp_path, state=tmp_path / "state")
    with pytest.raises(ConfigError, match="--processed cannot be the inbox"):
        folders.create()


def test_our_outputs_are_recognised():
    assert is_own_output(Path("bom.checked.xlsx"))
    assert is_own_output(Path("bom (2).checked.xlsm"))
    assert not is_own_output(Path("bom.xlsx"))
    assert not is_own_output(Path("checked.csv"))


def test_start_removes_what_a_hard_kill_left_behind(tmp_path):
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    (folders.out / ".demo.checked.xlsx.k2j3h4.tmp").write_bytes(b"half")
    (folders.out / "demo.checked.xlsx").write_bytes(b"whole")
    (folders.work / "0123").mkdir()
    (folders.work / "0123" / "demo.xlsx").write_bytes(b"copy")
    (folders.inbox / "demo.xlsx").write_bytes(b"the user's")
    InboxJob(folders, CheckOptions(), []).start()
    assert names(folders.out) == ["demo.checked.xlsx"]
    assert names(folders.work) == []
    assert (folders.inbox / "demo.xlsx").read_bytes() == b"the user's"


def test_a_second_service_on_the_same_state_folder_is_refused(tmp_path):
    with exclusive_state(tmp_path), pytest.raises(ConfigError, match="already using"), \
            exclusive_state(tmp_path):
        pass
    with exclusive_state(tmp_path):  # released when the first one ends
        pass


async def test_a_broken_out_folder_keeps_the_file_in_the_inbox(tmp_path):
    async with inbox_service(tmp_path) as service:
        service.folders.out.rmdir()
        service.folders.out.write_text("a file where the out folder should be")
        (service.folders.inbox / "a.csv").write_text(csv_bom(catalog.DEMO_MPNS[0]))
        await wait_until(lambda: len(service.job.results) == 1, 20)
    [result] = service.job.results
    assert result.status == "kept" and "does not exist" in result.message
    assert (service.folders.inbox / "a.csv").exists()
    assert names(service.folders.failed) == []


def test_a_saved_column_map_is_part_of_what_makes_an_answer_reusable(tmp_path):
    from bomcheck.bom import ReaderOptions

    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")

    def key(layouts: dict) -> str:
        options = CheckOptions(reader=ReaderOptions(layouts=layouts))
        return InboxJob(folders, options, [], [])._key("same-bytes")

    by_libref = {"layout-1": {"mpn": "LibRef"}}
    by_comment = {"layout-1": {"mpn": "Comment"}}
    assert key(by_libref) == key(dict(by_libref))
    assert key(by_libref) != key(by_comment)  # re-saved map: the same file is read differently


def test_a_missing_inbox_is_created_and_said(tmp_path, caplog):
    folders = InboxFolders.for_inbox(tmp_path / "inbx", state=tmp_path / "state")  # a typo, say
    with caplog.at_level(logging.WARNING):
        folders.create()
    assert folders.inbox.is_dir()
    assert any("did not exist: created it" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        folders.create()  # the second start says nothing
    assert not caplog.records


def test_the_ledger_ages_an_output_by_its_oldest_answer_not_by_its_check(tmp_path):
    output = tmp_path / "a.checked.xlsx"
    output.write_bytes(b"out")
    now = [datetime(2026, 1, 1, 12, tzinfo=timezone.utc)]
    ledger = Ledger(tmp_path / "ledger.json", timedelta(hours=12), now=lambda: now[0])
    ledger.record("cached", output, oldest=now[0] - timedelta(hours=11))  # answers cached 11 h before
    ledger.record("live", output)
    now[0] += timedelta(hours=2)
    again = Ledger(tmp_path / "ledger.json", timedelta(hours=12), now=lambda: now[0])
    assert again.fresh("cached") is None  # its data is 13 h old, though checked 2 h ago
    entry = again.fresh("live")
    assert entry is not None and entry.data_from == entry.checked_at == now[0] - timedelta(hours=2)
