"""Memory benchmark: the peak memory (max RSS) of `bomcheck check` per MB of a CSV BOM, at several sizes.

    python benchmarks/memory.py [--sizes 5 20 50]

For each size (MB), writes a CSV BOM of that size in a temporary folder: the documented limits'
shape (5 filled cells a row, under 100,000 rows and 500,000 cells; 50 MB is 99,000 lines of about
500 bytes), 5,000 distinct MPNs. Runs `bomcheck check --offline` on it as a subprocess (with
made-up Arrow credentials: --offline sends nothing, every line is marked "not in the cache", and
the whole annotated workbook is written, as in a real run) and reads that process's peak
resident memory from the kernel (os.wait4). Prints, per size, the peak, the peak per MB of CSV,
and the peak above a bare start-up of bomcheck per MB. Issue 20: 2.0 GB for a 50 MB CSV.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = "RES SMD 10K OHM 1% 1/10W 0603 thick film general purpose " * 20
MB = 1_000_000


def write_csv(path: Path, megabytes: float) -> int:
    """A CSV BOM of about `megabytes` MB within every documented limit; returns its line count."""
    size = int(megabytes * MB)
    lines = min(99_000, max(10, size // 505))
    per_line = size // lines
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Designator", "Qty", "Manufacturer", "Manufacturer Part Number", "Description"])
        for n in range(lines):
            mpn = f"RC0603FR-07{n % 5000}KL"
            fixed = len(f"R{n}") + len("Yageo") + len(mpn) + 11
            writer.writerow([f"R{n}", 1 + n % 7, "Yageo", mpn, DESCRIPTION[: max(10, per_line - fixed)]])
    return lines


def environment(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("BOMCHECK_") and not key.startswith("XDG_")}
    env.update({
        "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
        "BOMCHECK_CONFIG": str(home / "none.toml"), "BOMCHECK_CACHE_DIR": str(home / "bomcheck-cache"),
        # made up, and never used: --offline sends no request
        "BOMCHECK_ARROW_LOGIN": "benchmark", "BOMCHECK_ARROW_API_KEY": "not-a-key",
        "BOMCHECK_ARROW_URL": "http://127.0.0.1:9",
    })
    return env


def peak_of(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run `command`; its peak resident memory in MB, its wall time, its exit code."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command[2:])} failed ({process.returncode}):\n{errors.decode()}")
    return usage.ru_maxrss / 1024, time.perf_counter() - started, process.returncode  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[5.0, 20.0, 50.0], help="CSV sizes in MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bomcheck-memory-") as tmp:
        home = Path(tmp)
        env = environment(home)
        start_up, _, _ = peak_of([sys.executable, "-m", "bomcheck", "--help"], env)
        print(f"peak memory of `bomcheck check --offline` on a CSV (python {sys.version.split()[0]}); "
              f"bare start-up {start_up:.0f} MB")
        for megabytes in args.sizes:
            bom = home / f"bom-{megabytes:g}MB.csv"
            lines = write_csv(bom, megabytes)
            actual = bom.stat().st_size / MB
            command = [sys.executable, "-m", "bomcheck", "--quiet", "check", str(bom), "--offline",
                       "-o", str(home / "out.xlsx")]
            peak, wall, _ = peak_of(command, env)
            print(f"  {actual:6.2f} MB CSV, {lines:6,} lines: peak {peak:7.0f} MB  "
                  f"{peak / actual:6.1f} MB per MB of CSV  "
                  f"({(peak - start_up) / actual:5.1f} above start-up)  "
                  f"wall {wall:5.1f} s")
            bom.unlink()


if __name__ == "__main__":
    main()
