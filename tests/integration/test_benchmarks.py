"""The benchmark scripts run, and the request counts they print are the ones issue 7 targets."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

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


def test_memory_benchmark_prints_peak_memory_per_mb_of_csv():
    printed = run("memory.py", "--sizes", "0.3")
    figure = re.search(r"([\d.]+) MB CSV,\s+([\d,]+) lines: peak\s+(\d+) MB\s+([\d.]+) MB per MB of CSV",
                       printed)
    assert figure, printed
    size, lines = float(figure[1]), int(figure[2].replace(",", ""))
    peak, per_mb = int(figure[3]), float(figure[4])
    assert 0.25 <= size <= 0.35 and lines == int(0.3e6) // 505  # the CSV it was asked for
    assert peak > 0 and per_mb == pytest.approx(peak / size, rel=0.02)


def test_hang_benchmark_prints_the_slowdown_and_every_line_is_checked():
    printed = run("hangs.py", "--n", "10", "--rate", "50", "--latency", "0", "--hang", "0.3",
                  "--timeout", "2")
    clean = re.search(r"clean: .*arrow (\d+)\s+hung (\d+)\s+lines checked (\w+)\s+marked (\d+)", printed)
    hanging = re.search(r"hanging: .*arrow (\d+)\s+hung (\d+)\s+lines checked (\w+)\s+marked (\d+)", printed)
    assert clean and clean.groups() == ("10", "0", "all", "0"), printed
    assert hanging, printed
    asked, hung = int(hanging[1]), int(hanging[2])
    assert hung >= 1 and asked == 10 + hung, printed  # every hung request tried again, nothing more
    assert hanging[3] == "all" and hanging[4] == "0", printed  # the retries answered every line
    assert re.search(r"slowdown with 30% hanging: [\d.]+x", printed), printed
