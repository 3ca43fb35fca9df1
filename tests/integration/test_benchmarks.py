"""The benchmark scripts run, and the request counts they print are the ones issue 7 targets."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

BENCHMARKS = ROOT / "benchmarks"


def run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_fanout_benchmark_cold_asks_each_mpn_once_and_warm_runs_ask_nothing():
    printed = run("fanout.py", "--n", "6", "--rate", "50", "--latency", "0")
    cold = re.search(r"cold: .*arrow (\d+)\s+digikey (\d+)\s+429s (\d+)", printed)
    warm = re.search(r"warm: .*arrow (\d+)\s+digikey (\d+)\s+429s (\d+)", printed)
    assert cold and cold.groups() == ("6", "1", "0"), printed
    assert warm and warm.groups() == ("0", "0", "0"), printed  # BOMCHECK_ARROW_CACHE=1: all from disk
    first = re.search(r"watch, first file: arrow (\d+)\s+digikey (\d+)", printed)
    second = re.search(r"watch, second file: arrow (\d+)\s+digikey (\d+)", printed)
    assert first and first.groups() == ("6", "1"), printed
    assert second and second.groups() == ("0", "0"), printed  # shared inside one watch process


def test_workbook_benchmark_prints_each_stage_and_memory():
    printed = run("workbook.py", "--lines", "40", "--distinct", "10")
    for stage in ("read", "plan", "write"):
        assert re.search(rf"{stage}\s*[:=]?\s*[\d.]+ s", printed), printed
    assert re.search(r"\d+(\.\d+)? MB", printed), printed
