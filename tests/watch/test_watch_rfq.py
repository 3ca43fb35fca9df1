"""The watched inbox writes the RFQ file beside each output when asked (command line or bomcheck.toml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bomcheck.bom import ReaderOptions
from bomcheck.check import CheckOptions
from bomcheck.errors import ConfigError
from bomcheck.output.rfq_file import RfqRequest, rfq_path
from bomcheck.watch.folders import InboxFolders, is_own_output
from bomcheck.watch.inbox import InboxJob
from bomcheck.watch.settings import inbox_options, read_inbox_config
from tests.builders import names, wait_until
from tests.conftest import DEMO_BOM, inbox_service

HEADER = RfqRequest(company="Acme", reply_by_days=3)


def options(local: dict, *, rfq: bool = False, target: bool = False) -> CheckOptions:
    return inbox_options(local, boards=None, attrition=None, extra=None, reader=ReaderOptions(),
                         currency="USD", rfq_header=HEADER, rfq=rfq, rfq_target_price=target)


def test_the_inbox_config_turns_the_rfq_on_and_off(tmp_path: Path) -> None:
    assert options({}).rfq is None
    assert options({}, rfq=True).rfq == HEADER
    assert options({"rfq": True}).rfq == HEADER  # the header still comes from the config's [rfq]
    assert options({"rfq": False}, rfq=True).rfq is None  # the inbox wins
    with_target = options({"rfq_target_price": True}).rfq
    assert with_target is not None and with_target.target_price and with_target.company == "Acme"
    assert options({}, target=True).rfq == RfqRequest(company="Acme", reply_by_days=3, target_price=True)
    (tmp_path / "bomcheck.toml").write_text("rfq = true\nrfq_target_price = false\n")
    assert read_inbox_config(tmp_path) == {"rfq": True, "rfq_target_price": False}
    (tmp_path / "bomcheck.toml").write_text('rfq = "yes"\n')
    with pytest.raises(ConfigError, match="rfq must be true or false"):
        read_inbox_config(tmp_path)


def test_rfq_files_are_never_inputs() -> None:
    assert is_own_output(Path("demo.rfq.xlsx")) and is_own_output(Path("demo (2).rfq.xlsx"))
    assert not is_own_output(Path("rfq.xlsx"))


async def test_each_checked_file_gets_its_rfq_and_a_reused_one_a_copy(tmp_path: Path) -> None:
    asked = CheckOptions(boards=(10, 100), rfq=HEADER)
    async with inbox_service(tmp_path, options=asked) as service:
        inbox = service.folders.inbox
        shutil.copyfile(DEMO_BOM, inbox / "demo.xlsx")
        await wait_until(lambda: names(service.folders.processed) == ["demo.xlsx"], 20)
        shutil.copyfile(DEMO_BOM, inbox / "copy.xlsx")  # the same content: reused
        await wait_until(lambda: len(names(service.folders.processed)) == 2, 20)
    assert [r.status for r in service.job.results] == ["checked", "reused"]
    out = service.folders.out
    assert names(out) == ["copy.checked.xlsx", "copy.rfq.xlsx", "demo.checked.xlsx", "demo.rfq.xlsx"]
    assert (out / "copy.rfq.xlsx").read_bytes() == (out / "demo.rfq.xlsx").read_bytes()


async def test_an_earlier_rfq_file_is_never_overwritten(tmp_path: Path) -> None:
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    (folders.out / "demo.rfq.xlsx").write_bytes(b"sent to a supplier last week")
    job = InboxJob(folders, CheckOptions(rfq=HEADER), runs=())
    staged = folders.work / "demo.checked.xlsx"
    staged.write_bytes(b"the workbook")
    rfq_path(staged).write_bytes(b"the new rfq")
    delivered = job._deliver(Path("demo.xlsx"), "hash-of-demo", staged)
    # demo.checked.xlsx is free, but its RFQ name is not: both go under the next number together
    assert delivered.name == "demo (2).checked.xlsx" and delivered.read_bytes() == b"the workbook"
    assert (folders.out / "demo (2).rfq.xlsx").read_bytes() == b"the new rfq"
    assert (folders.out / "demo.rfq.xlsx").read_bytes() == b"sent to a supplier last week"
    assert not (folders.out / "demo.checked.xlsx").exists()
    assert job._key("x") != InboxJob(folders, CheckOptions(), runs=())._key("x")  # an RFQ run is another run


def test_leftover_rfq_temp_files_are_removed_at_start(tmp_path: Path) -> None:
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    leftover = folders.out / ".demo.rfq.xlsx.abc123.tmp"
    leftover.write_bytes(b"half")
    InboxJob(folders, CheckOptions(rfq=HEADER), runs=()).clean_leftovers()
    assert not leftover.exists()


def _staged_pair(folders: InboxFolders) -> Path:
    staged = folders.work / "demo.checked.xlsx"
    staged.write_bytes(b"the workbook")
    rfq_path(staged).write_bytes(b"the rfq")
    return staged


def test_a_workbook_that_cannot_be_placed_takes_its_rfq_back(tmp_path: Path, monkeypatch) -> None:
    """A full disk between the two: no RFQ is left in out/ without its workbook."""
    import errno

    from bomcheck.watch import inbox as inbox_module

    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    job = InboxJob(folders, CheckOptions(rfq=HEADER), runs=())
    staged = _staged_pair(folders)
    real_place = inbox_module.place

    def full_for_workbooks(source: Path, target: Path) -> None:
        if target.name.endswith(".checked.xlsx"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_place(source, target)

    monkeypatch.setattr(inbox_module, "place", full_for_workbooks)
    with pytest.raises(OSError):
        job._deliver(Path("demo.xlsx"), "hash-of-demo", staged)
    assert names(folders.out) == []


def test_an_rfq_whose_workbook_a_kill_kept_from_out_is_removed_at_start(tmp_path: Path) -> None:
    """Killed after the RFQ took its name and before the workbook did: at the next start that RFQ
    (never announced) goes, so checking the BOM again leaves one pair, not an orphan and a (2) pair."""
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    (folders.inbox / "demo.xlsx").write_bytes(b"the bom")
    job = InboxJob(folders, CheckOptions(rfq=HEADER), runs=())
    staged = _staged_pair(folders)
    target = folders.out / "demo.checked.xlsx"
    from bomcheck.watch.ledger import sha256_of
    job.ledger.handing_over("hash-of-demo", "demo.xlsx", target, sha256_of(staged),
                            companion=(rfq_path(target), sha256_of(rfq_path(staged))))
    shutil.copyfile(rfq_path(staged), rfq_path(target))  # the RFQ placed; then the kill
    edited = folders.out / "other.rfq.xlsx"  # an RFQ the buyer edited since: never removed
    job.ledger.handing_over("hash-of-other", "demo.xlsx", folders.out / "other.checked.xlsx", "x",
                            companion=(edited, "hash-before-the-edit"))
    edited.write_bytes(b"filled in by hand")
    InboxJob(folders, CheckOptions(rfq=HEADER), runs=()).start()
    assert names(folders.out) == ["other.rfq.xlsx"]
