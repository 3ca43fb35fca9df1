"""Whole runs against a failing sandbox: every line checked or marked, output written, no secret leaked."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.bom import read_bom
from bomcheck.check import query_for
from bomcheck.cli import main
from bomcheck.config import ENV_VARS, config_dir
from bomcheck.distributors.token_store import FileTokenStore, Tokens, token_store_path
from bomcheck.model import LineStatus
from bomcheck.runtime import token_environment
from bomcheck.sandbox import (
    SANDBOX_ARROW_API_KEY,
    SANDBOX_ARROW_LOGIN,
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
)
from bomcheck.sandbox.faults import FAULT_KINDS, FaultConfig, fault_rates
from bomcheck.sandbox.server import SandboxConfig
from tests.conftest import DEMO_BOM, ROOT, ThreadedSandbox

DEMO_LINES = read_bom(DEMO_BOM).lines
ASKED = sum(1 for line in DEMO_LINES if query_for(line))  # lines a source is asked about
NOT_ASKED = len(DEMO_LINES) - ASKED  # DNP and NO MPN lines: "checked" without a call

ACCESS = "seeded-Access-Token-5f1e"
REFRESH = "seeded-Refresh-Token-9c2d"
STATUSES = {status.value for status in LineStatus}


def faulty_sandbox(rate: float, seed: int, *, oauth: bool = False,
                   trickle: bool = True) -> ThreadedSandbox:
    """`rate` of all requests fail, spread over every kind of fault (or all but the trickle)."""
    kinds = [kind for kind in FAULT_KINDS if trickle or kind != "trickle"]
    rates = fault_rates(None, {kind: rate / len(kinds) for kind in kinds})
    faults = FaultConfig(rates, seed=seed, oauth=oauth, hold=10, trickle_seconds=0.2)
    return ThreadedSandbox(SandboxConfig(faults=faults, digikey_tokens=(ACCESS, REFRESH)))


def point_at(sandbox: ThreadedSandbox, monkeypatch: pytest.MonkeyPatch, *, expires_in: float = 3600) -> Path:
    """Environment pointing bomcheck at the standalone sandbox, the seeded login in its token file."""
    values = {"arrow_url": sandbox.url, "arrow_login": SANDBOX_ARROW_LOGIN,
              "arrow_api_key": SANDBOX_ARROW_API_KEY, "digikey_url": sandbox.url,
              "digikey_client_id": SANDBOX_DIGIKEY_CLIENT_ID,
              "digikey_client_secret": SANDBOX_DIGIKEY_CLIENT_SECRET,
              "digikey_account_id": SANDBOX_DIGIKEY_ACCOUNT_ID, "digikey_redirect_uri": SANDBOX_REDIRECT_URI,
              "arrow_rate": "100", "digikey_rate": "100", "digikey_catalog_rate": "100", "timeout": "1"}
    for key, value in values.items():
        monkeypatch.setenv(ENV_VARS[key], value)
    from bomcheck.config import load_settings

    store = token_store_path(config_dir(), token_environment(load_settings()))
    FileTokenStore(store).save(Tokens(ACCESS, REFRESH, time.time() + expires_in))
    return store


def stats(sandbox: ThreadedSandbox) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(f"{sandbox.url}/_sandbox/stats") as answer:  # loopback only
        return dict(json.load(answer))


def run_check(tmp_path: Path, *extra: str) -> tuple[Any, Path, Path]:
    bom = tmp_path / "demo.xlsx"
    shutil.copy(DEMO_BOM, bom)
    output, report = tmp_path / "demo.checked.xlsx", tmp_path / "demo.json"
    result = CliRunner().invoke(main, [*extra, "check", str(bom), "--boards", "10", "-o", str(output),
                                       "--json", str(report)])
    return result, output, report


@pytest.mark.parametrize(("rate", "seed"), [(0.2, 1), (0.2, 2), (0.7, 3)])
def test_a_run_under_injected_faults_checks_or_marks_every_line(tmp_path, monkeypatch, rate, seed) -> None:
    with faulty_sandbox(rate, seed) as sandbox:
        point_at(sandbox, monkeypatch)
        result, output, report = run_check(tmp_path, "-q")
        seen = stats(sandbox)
    assert sum(seen["faults"].values()) > 0  # faults were played...
    assert result.exit_code in (0, 1), result.output + result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    lines = data["lines"]
    assert len(lines) == len(DEMO_LINES) and {line["status"] for line in lines} <= STATUSES
    for line in lines:  # every line has its answer, or says which source failed and why
        failed = [name for name in ("Arrow", "DigiKey Bonded") if f"{name}: " in line["reason"]
                  and re.search(r"after \d+ attempts|not answering|cut short|timeout|reset|HTTP \d|JSON",
                                line["reason"])]
        assert line["status"] != "ERROR" or failed, line
    counts = data["not_checked"]
    assert counts["lines"] == len(DEMO_LINES)
    assert counts["checked"] + counts["not_checked"] == len(DEMO_LINES)
    if result.exit_code == 1:  # ...and what was lost is counted, per source and reason
        assert counts["not_checked"] > 0
        said = rf"{counts['checked']} lines checked, {counts['not_checked']} lines? not checked: "
        assert re.search(said, result.stderr), result.stderr
        for source in counts["sources"]:
            assert f"{source['source']} failed for {source['lines']} (" in result.stderr
    else:
        assert counts["not_checked"] == 0  # every fault was retried away
    assert (tmp_path / "demo.xlsx").read_bytes() == DEMO_BOM.read_bytes()  # the input only read
    sheet = openpyxl.load_workbook(output).worksheets[0]
    header = next(row for row in sheet.iter_rows(values_only=True) if "Status" in row)
    column = header.index("Status")
    written = [row[column] for row in sheet.iter_rows(values_only=True) if row[column] in STATUSES]
    assert len(written) == len(DEMO_LINES)  # the output holds every line


def test_a_run_where_most_requests_fail_exits_1_with_counts(tmp_path, monkeypatch) -> None:
    with faulty_sandbox(1.0, 5, trickle=False) as sandbox:  # a trickle within the timeout is an answer
        point_at(sandbox, monkeypatch)
        result, output, report = run_check(tmp_path, "-q")
    assert result.exit_code == 1 and output.exists()
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["not_checked"]["not_checked"] == ASKED  # every line asked about (not DNP, not NO MPN)
    said = (rf"{NOT_ASKED} lines checked, {ASKED} lines not checked: Arrow failed for {ASKED} \(.+\); "
            rf"DigiKey Bonded failed for {ASKED} \(.+\)")
    assert re.search(said, result.stderr), result.stderr
    sheet = openpyxl.load_workbook(output)["Summary"]
    summary = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert summary["Lines not checked"] == ASKED  # the Summary sheet says the same as stderr
    assert f"bomcheck: {summary['Checked']}" in result.stderr


# ----------------------------------------------------------------------------- secrets


def secrets_of(store: Path) -> set[str]:
    """The seeded secrets and every token the store holds after the run (refreshes rotate them)."""
    held = json.loads(store.read_text(encoding="utf-8"))
    return {SANDBOX_ARROW_API_KEY, SANDBOX_DIGIKEY_CLIENT_SECRET, ACCESS, REFRESH,
            held["access_token"], held["refresh_token"]}


def artefact_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Every file under `folder` as text; workbooks unzipped, part by part."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix in (".xlsx", ".xlsm"):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    yield f"{path}:{name}", archive.read(name).decode("utf-8", errors="replace")
        elif path.suffix != ".lock" and not path.name.startswith("digikey-tokens"):
            yield str(path), path.read_bytes().decode("utf-8", errors="replace")


def assert_clean(texts: Iterator[tuple[str, str]] | list[tuple[str, str]], secrets: set[str]) -> int:
    count = 0
    for where, text in texts:
        count += 1
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
    return count


@pytest.mark.parametrize("seed", [11, 12])
def test_no_secret_in_any_artefact_of_a_faulty_check_at_debug_level(tmp_path, monkeypatch, seed) -> None:
    out = tmp_path / "run"
    out.mkdir()
    with faulty_sandbox(0.4, seed, oauth=True) as sandbox:
        store = point_at(sandbox, monkeypatch, expires_in=30)  # due for a refresh: the refresh token travels
        result, output, report = run_check(out, "-vv")
        seen = stats(sandbox)
    assert output.exists() and report.exists() and seen["digikey_oauth"] >= 1
    assert "DEBUG" in result.stderr  # the most talkative level was on
    texts = [("stdout", result.stdout), ("stderr", result.stderr), *artefact_texts(out)]
    assert assert_clean(texts, secrets_of(store)) >= 10


def test_no_secret_in_the_watch_log_file_output_or_error_file(tmp_path, monkeypatch) -> None:
    inbox, state, log_file = tmp_path / "inbox", tmp_path / "state", tmp_path / "watch.log"
    inbox.mkdir()
    shutil.copy(DEMO_BOM, inbox / "demo.xlsx")
    (inbox / "broken.csv").write_bytes(b"\x00\x01 not a BOM \xff\xfe")
    with faulty_sandbox(0.4, 21, oauth=True) as sandbox:
        store = point_at(sandbox, monkeypatch, expires_in=30)
        command = [sys.executable, "-m", "bomcheck", "-vv", "watch", str(inbox), "--settle", "0.1",
                   "--state", str(state), "--log-file", str(log_file)]
        stderr = tmp_path / "stderr.txt"
        with open(stderr, "wb") as err:
            process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdin=subprocess.DEVNULL,
                                       stdout=err, stderr=err)
        try:
            deadline = time.monotonic() + 90
            while not (list((inbox / "processed").glob("demo*")) and list((inbox / "failed").glob("*.txt"))):
                assert process.poll() is None and time.monotonic() < deadline, stderr.read_text()
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    assert list((inbox / "out").glob("demo*.checked.xlsx"))  # the output, whatever failed
    assert "DEBUG" in stderr.read_text(encoding="utf-8") and log_file.stat().st_size > 0
    texts = [("stderr", stderr.read_text(encoding="utf-8", errors="replace")), *artefact_texts(tmp_path)]
    assert assert_clean(texts, secrets_of(store)) >= 8


def test_sigterm_stops_a_check_like_ctrl_c_with_one_line_and_nothing_left(tmp_path, monkeypatch) -> None:
    hanging = FaultConfig({"timeout": 1.0}, hold=60)  # every request hangs: the run is mid fan-out
    with ThreadedSandbox(SandboxConfig(faults=hanging, digikey_tokens=(ACCESS, REFRESH))) as sandbox:
        point_at(sandbox, monkeypatch)
        monkeypatch.setenv(ENV_VARS["timeout"], "60")
        bom = tmp_path / "demo.xlsx"
        shutil.copy(DEMO_BOM, bom)
        command = [sys.executable, "-m", "bomcheck", "check", str(bom), "--json", str(tmp_path / "d.json")]
        process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not stats(sandbox)["faults"].get("timeout"):  # requests are out, held by the sandbox
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    said = "bomcheck: stopped by SIGTERM; no partial output was left behind"
    assert [line.strip() for line in stderr.splitlines()].count(said) == 1, stderr  # said once
    assert "Traceback" not in stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["demo.xlsx"]  # no output, no temp file


def test_check_sandbox_faults_runs_the_in_process_sandbox_with_faults(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VARS["timeout"], "0.5")
    monkeypatch.setenv(ENV_VARS["arrow_rate"], "100")
    bom = tmp_path / "demo.xlsx"
    shutil.copy(DEMO_BOM, bom)
    command = ["-q", "check", str(bom), "--sandbox", "-o", str(tmp_path / "out.xlsx")]
    assert CliRunner().invoke(main, command).exit_code == 0  # no faults: every line checked
    faulty = CliRunner().invoke(main, [*command, "--sandbox-faults", "1"])
    assert faulty.exit_code == 1 and "lines not checked: Arrow failed for " in faulty.stderr
    # every request fails (no trickle delivers), and DigiKey is not answered from the first run's cache
    assert f"{NOT_ASKED} lines checked, {ASKED} lines not checked" in faulty.stderr, faulty.stderr
    assert "DigiKey Bonded failed for" in faulty.stderr
    monkeypatch.setenv(ENV_VARS["cache_dir"], str(tmp_path / "fresh-cache"))
    assert CliRunner().invoke(main, [*command, "--sandbox-faults", "0.5"]).exit_code in (0, 1)
    again = CliRunner().invoke(main, command[1:])  # nor was anything of the faulty run kept
    assert again.exit_code == 0 and "cached" not in again.output, again.output
    offline = CliRunner().invoke(main, [*command, "--sandbox-faults", "1", "--offline"])
    assert offline.exit_code == 2 and "--offline" in offline.output
    refused = CliRunner().invoke(main, ["check", str(bom), "--sandbox-faults", "0.2"])
    assert refused.exit_code == 2 and "--sandbox-faults needs --sandbox" in refused.output


async def test_a_watched_file_whose_source_fails_is_written_filed_and_asked_again_next_time(tmp_path) -> None:
    import dataclasses

    from bomcheck.check import CheckOptions
    from bomcheck.config import Settings
    from bomcheck.runtime import open_sources, sandbox_settings
    from bomcheck.sandbox.server import running_sandbox
    from bomcheck.watch.folders import InboxFolders
    from bomcheck.watch.inbox import InboxJob

    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    client = dataclasses.replace(Settings(), arrow_rate=200.0, digikey_rate=200.0)
    async with running_sandbox(SandboxConfig(faults=FaultConfig({"503": 1.0}))) as url, \
            open_sources(sandbox_settings(client, url)) as (runs, unavailable):
        job = InboxJob(folders, CheckOptions(), runs, unavailable)
        shutil.copyfile(DEMO_BOM, folders.inbox / "demo.xlsx")
        first = await job.process(folders.inbox / "demo.xlsx")
        shutil.copyfile(DEMO_BOM, folders.inbox / "demo.xlsx")
        again = await job.process(folders.inbox / "demo.xlsx")
    assert first.status == "checked" and first.output and first.output.exists()
    # in-flight requests stop once Arrow is taken as down: "not answering" may outnumber the 503s
    said = rf"lines not checked: Arrow failed for {ASKED} \((not answering ×\d+, )?HTTP 503 ×\d+"
    assert re.search(said, first.message), first.message
    assert first.moved_to == folders.processed / "demo.xlsx"
    assert again.status == "checked"  # not "reused": an incomplete answer is not remembered
    assert sorted(p.name for p in folders.processed.iterdir()) == ["demo (2).xlsx", "demo.xlsx"]
