"""Timed `kill -9` of a real `bomcheck watch` at the worst moments, then a restart; two services, one inbox.

A poller fires SIGKILL as soon as a file appears; the service runs under `paused_service`, which
holds it for a minute right after that file landed, so the kill hits exactly that point every time.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bomcheck.watch.folders import INBOX_LOCK
from tests.builders import names, wait_for
from tests.conftest import DEMO_BOM, ROOT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


class Service:
    """`bomcheck watch INBOX --sandbox` in a subprocess (paused after MARKER if given), stderr in a file."""

    def __init__(self, tmp_path: Path, run: int, inbox: Path, state: Path, pause_after: str | None) -> None:
        self.log = tmp_path / f"service-{run}.log"
        arguments = ["watch", str(inbox), "--sandbox", "--settle", "0.2", "--state", str(state)]
        module = ["-m", "bomcheck"] if pause_after is None else ["-m", "tests.watch.paused_service",
                                                                  pause_after]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, *module, *arguments], cwd=ROOT,
                                            stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill_when(self, appeared: Path) -> None:
        """The poller: kill -9 the moment `appeared` exists."""
        wait_for(lambda: appeared.exists() or self.process.poll() is not None, 60)
        assert self.process.poll() is None, self.text()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


@pytest.fixture
def services(tmp_path) -> Iterator[Callable[..., Service]]:
    started: list[Service] = []

    def start(inbox: Path, *, state: Path | None = None, pause_after: str | None = None) -> Service:
        service = Service(tmp_path, len(started), inbox, state or tmp_path / "state", pause_after)
        started.append(service)
        return service

    yield start
    for service in started:
        if service.process.poll() is None:
            service.process.kill()
            service.process.wait(10)


def test_killed_just_after_the_output_landed_in_out_the_file_is_not_checked_again(tmp_path, services):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(DEMO_BOM, inbox / "demo.xlsx")
    first = services(inbox, pause_after=str(inbox / "out" / "demo.checked.xlsx"))
    first.kill_when(inbox / "out" / "demo.checked.xlsx")
    assert (inbox / "demo.xlsx").exists()  # killed before the input was filed away
    checked_before = (inbox / "out" / "demo.checked.xlsx").read_bytes()

    second = services(inbox)
    wait_for(lambda: names(inbox / "processed") == ["demo.xlsx"])
    assert second.stop() == 0
    assert names(inbox / "out") == ["demo.checked.xlsx"]  # one output, not a second one
    assert (inbox / "out" / "demo.checked.xlsx").read_bytes() == checked_before
    assert "checking demo.xlsx" not in second.text()  # not asked again
    assert "demo.xlsx" in second.text()  # but said what became of it
    assert names(inbox) == [INBOX_LOCK, "failed", "out", "processed"]


def test_killed_just_after_a_bad_file_moved_to_failed_its_note_and_log_line_exist(tmp_path, services):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notes.csv").write_text("Item,Comment\n1,call Bob\n")
    first = services(inbox, pause_after=str(inbox / "failed" / "notes.csv"))
    first.kill_when(inbox / "failed" / "notes.csv")
    note = inbox / "failed" / "notes.csv.error.txt"
    assert note.exists()
    assert "What was wrong: notes.csv: no MPN column found" in note.read_text()
    assert "notes.csv: FAILED: " in first.text()

    second = services(inbox)
    second_log = second.log
    wait_for(lambda: "watching " in second_log.read_text())
    time.sleep(1.0)  # several settle times: the file, if still in the inbox, would be taken now
    assert second.stop() == 0
    assert names(inbox / "failed") == ["notes.csv", "notes.csv.error.txt"]  # once, with no leftovers
    assert (inbox / "failed" / "notes.csv").read_text() == "Item,Comment\n1,call Bob\n"
    assert names(inbox) == [INBOX_LOCK, "failed", "out", "processed"]


def test_a_second_service_on_the_same_inbox_through_a_symlink_is_refused_and_names_the_first(tmp_path,
                                                                                               services):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    link = tmp_path / "same-inbox"
    link.symlink_to(inbox, target_is_directory=True)
    first = services(inbox, state=tmp_path / "state-1")
    wait_for(lambda: "watching " in first.text())
    second = services(link, state=tmp_path / "state-2")  # its own state folder: only the inbox is shared
    try:
        code = second.process.wait(30)
    except subprocess.TimeoutExpired:
        pytest.fail("the second service on the same inbox kept running")
    assert code == 3
    lines = [line for line in second.text().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert f"pid {first.process.pid}" in lines[0] and socket.gethostname() in lines[0]
    assert "since " in lines[0] and str(inbox) in lines[0]
    assert first.process.poll() is None  # the first one is untouched
    assert first.stop() == 0
