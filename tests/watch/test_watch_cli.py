"""`bomcheck watch` as a real process: hard kills lose nothing, SIGTERM finishes the file, usage errors."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bomcheck.cli import main
from tests.builders import names, wait_for
from tests.conftest import DEMO_BOM, ROOT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


class Watcher:
    """`python -m bomcheck watch INBOX --sandbox` in a subprocess, its stderr in a file."""

    def __init__(self, tmp_path: Path, latency: float | None, run: int, extra: tuple[str, ...] = ()) -> None:
        self.log = tmp_path / f"watch-{run}.log"
        self.inbox = tmp_path / "inbox"
        sandbox = [] if latency is None else ["--sandbox", "--sandbox-latency", str(latency)]
        command = [sys.executable, "-m", "bomcheck", "watch", str(self.inbox), *sandbox,
                   "--settle", "0.2", "--state", str(tmp_path / "state"), *extra]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                            stdin=subprocess.DEVNULL)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, marker: str) -> None:
        wait_for(lambda: marker in self.text() or self.process.poll() is not None)
        assert marker in self.text(), self.text()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


@pytest.fixture
def watchers(tmp_path) -> Iterator[Callable[..., Watcher]]:
    started: list[Watcher] = []

    def start(latency: float | None = 0.0, *extra: str) -> Watcher:
        watcher = Watcher(tmp_path, latency, len(started), extra)
        started.append(watcher)
        return watcher

    yield start
    for watcher in started:
        if watcher.process.poll() is None:
            watcher.process.kill()
            watcher.process.wait(10)


def test_killed_hard_mid_file_and_restarted_loses_nothing_and_leaves_no_partial_output(tmp_path, watchers):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(DEMO_BOM, inbox / "demo.xlsx")
    first = watchers(0.5)  # every sandbox answer takes 0.5 s: the check lasts seconds
    first.wait_for_log("checking demo.xlsx")
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(10)
    assert names(inbox / "out") == []
    assert (inbox / "demo.xlsx").read_bytes() == DEMO_BOM.read_bytes()  # still in the inbox
    assert names(inbox / "processed") == []

    second = watchers(0.0)
    wait_for(lambda: names(inbox / "processed") == ["demo.xlsx"])
    assert second.stop() == 0
    assert names(inbox / "out") == ["demo.checked.xlsx"]  # one output, no temp file left
    assert "demo.xlsx: 24 lines" in second.text()
    assert names(tmp_path / "state" / "work") == []


def test_sigterm_finishes_the_current_file_then_exits_0(tmp_path, watchers):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(DEMO_BOM, inbox / "demo.xlsx")
    watcher = watchers(0.3, "--log-file", str(tmp_path / "service.log"))
    watcher.wait_for_log("checking demo.xlsx")
    shutil.copyfile(DEMO_BOM, inbox / "next.xlsx")
    watcher.process.send_signal(signal.SIGTERM)
    assert watcher.process.wait(30) == 0
    assert names(inbox / "out") == ["demo.checked.xlsx"]
    assert names(inbox / "processed") == ["demo.xlsx"]
    assert (inbox / "next.xlsx").exists()  # not started: it waits for the next start
    log = watcher.text()
    assert "stopping after demo.xlsx" in log
    assert "demo.xlsx: 24 lines" in log
    logged = (tmp_path / "service.log").read_text()
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO demo.xlsx: 24 lines", logged, re.M)


def test_a_missing_digikey_login_is_warned_once_at_start_and_the_service_runs(tmp_path, watchers,
                                                                              monkeypatch):
    monkeypatch.setenv("BOMCHECK_DIGIKEY_CLIENT_ID", "app")
    monkeypatch.setenv("BOMCHECK_DIGIKEY_CLIENT_SECRET", "app-secret-value")
    monkeypatch.setenv("BOMCHECK_DIGIKEY_ACCOUNT_ID", "1234")
    watcher = watchers(None)  # the real APIs, which are never reached: no file is dropped
    watcher.wait_for_log("watching ")
    assert watcher.stop() == 0
    log = watcher.text()
    assert log.count("not logged in to DigiKey; run `bomcheck auth digikey`") == 1
    assert "Arrow not checked: no Arrow credentials" in log
    assert "app-secret-value" not in log


def test_processed_folder_equal_to_the_inbox_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["watch", str(tmp_path), "--processed", str(tmp_path),
                                       "--state", str(tmp_path / "state"), "--sandbox"])
    assert result.exit_code == 3
    assert "--processed cannot be the inbox itself" in result.output


def test_without_credentials_or_sandbox_the_service_does_not_start(tmp_path):
    result = CliRunner().invoke(main, ["watch", str(tmp_path / "inbox"), "--state", str(tmp_path / "s")])
    assert result.exit_code == 3
    assert "no distributor credentials found" in result.output


def test_a_bad_inbox_config_stops_the_service_at_start(tmp_path):
    (tmp_path / "bomcheck.toml").write_text("bords = 3\n")
    result = CliRunner().invoke(main, ["watch", str(tmp_path), "--state", str(tmp_path / "s"), "--sandbox"])
    assert result.exit_code == 3
    assert "unknown setting bords" in result.output


def test_build_quantities_and_attrition_from_the_command_line_reach_every_file(tmp_path, watchers):
    import openpyxl

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "bomcheck.toml").write_text('attrition = "10%"\n')  # wins over --attrition
    watcher = watchers(0.0, "--boards", "10,100", "--attrition", "2%")
    watcher.wait_for_log("watching ")
    shutil.copyfile(DEMO_BOM, inbox / "demo.xlsx")
    wait_for(lambda: names(inbox / "processed") == ["demo.xlsx"])
    assert watcher.stop() == 0
    log = watcher.text()
    assert "10, 100 boards, attrition 10%" in log
    assert "demo.xlsx: 24 lines" in log and "10, 100 boards" in log.split("demo.xlsx: 24 lines")[1]
    scenarios = openpyxl.load_workbook(inbox / "out" / "demo.checked.xlsx")["Scenarios"]
    # a row per quantity and currency: the sandbox's bonded parts kept at its EUR location are EUR
    rows = [(row[0], row[1]) for row in scenarios.iter_rows(min_row=2, values_only=True)]
    assert rows == [(10, "EUR"), (10, "USD"), (100, "EUR"), (100, "USD")]


def test_the_service_sandbox_lists_each_part_under_the_maker_its_bom_names(tmp_path, watchers):
    """A real BOM checked on the sandbox is not half OTHER MAKER: the service's sandbox learns each
    dropped BOM's makers (tests/sandbox/test_sandbox_named_makers.py has the rule itself)."""
    import openpyxl

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = watchers(0.0)
    watcher.wait_for_log("watching ")
    draft = tmp_path / "bom.csv"  # a BOM no family of the catalog knows, and a TDK part it lists as KEMET's
    draft.write_text("Designator,Qty,Manufacturer,MPN\nD1,1,Nexperia,PESD1XYZ\nC1,1,TDK,C1608X5R1A106K080AC\n",
                     encoding="utf-8")
    os.replace(draft, inbox / "bom.csv")
    wait_for(lambda: names(inbox / "processed") == ["bom.csv"])
    assert watcher.stop() == 0
    sheet = openpyxl.load_workbook(inbox / "out" / "bom.checked.xlsx")["BOM"]
    rows = list(sheet.iter_rows(values_only=True))
    status = rows[0].index("Status")
    assert [row[status] for row in rows[1:3]] == ["OK", "OK"]
