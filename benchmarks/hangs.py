"""Hang benchmark: how much slower `bomcheck check` gets when a share of requests hang (no answer at all).

    python benchmarks/hangs.py [--n 300] [--rate 20] [--latency 0.05] [--hang 0.05] [--timeout 30]

Starts `bomcheck sandbox --arrow-rate R --latency L` twice on a free loopback port: once clean,
once with `--fault timeout=HANG` (that share of requests gets no answer for 120 s; which ones is
seeded, so both runs of a comparison hang the same requests). Each time, `bomcheck check` runs
as a subprocess on a BOM of N distinct MPNs the sandbox lists, asking Arrow only, with the
client timeout BOMCHECK_TIMEOUT=TIMEOUT (the default is bomcheck's, 30 s). Prints the wall
time of both runs, their ratio (the slowdown), the requests the sandbox saw, how many hung,
and the lines checked / marked. Issue 20 measured 4.2x for N=300 at 5 % before the fix.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fanout import catalog_mpns, free_port, requests_between, sandbox_env, stats, wait_until_up, write_bom


def run_once(bom: Path, home: Path, args: argparse.Namespace, hang: float, label: str) -> dict[str, object]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    faults = ["--fault", f"timeout={hang}", "--fault-seed", str(args.seed)] if hang else []
    server = subprocess.Popen(
        [sys.executable, "-m", "bomcheck", "sandbox", "--port", str(port), "--arrow-rate", str(args.rate),
         "--latency", str(args.latency), *faults], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url, server)
        env = {key: value for key, value in sandbox_env(url, home).items() if "DIGIKEY" not in key}
        env.update({"BOMCHECK_ARROW_RATE": str(args.rate), "BOMCHECK_TIMEOUT": str(args.timeout),
                    "BOMCHECK_CACHE_DIR": str(home / f"cache-{label}")})
        output = bom.with_name(f"{label}.checked.xlsx")
        before = stats(url)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bomcheck", "check", str(bom), "-o", str(output)],
                              env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        seen = stats(url)
        counted = requests_between(before, seen)
    finally:
        server.terminate()
        server.wait(10)
    if done.returncode not in (0, 1) or not output.exists():
        raise SystemExit(f"bomcheck check failed ({done.returncode}):\n{done.stderr}")
    faults_seen = seen.get("faults")
    hung = int(faults_seen.get("timeout", 0)) if isinstance(faults_seen, dict) else 0
    lines = re.search(r"(\d+) lines? checked(?:, (\d+) lines? not checked)?", done.stderr + done.stdout)
    return {"wall": wall, "arrow": counted.get("arrow", 0), "hung": hung, "exit": done.returncode,
            "checked": lines.group(1) if lines else "all",
            "marked": (lines.group(2) or "0") if lines else "0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="distinct MPNs in the BOM")
    parser.add_argument("--rate", type=float, default=20.0, help="Arrow requests/s, server and client")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the sandbox adds to each answer")
    parser.add_argument("--hang", type=float, default=0.05, help="share of requests that hang")
    parser.add_argument("--timeout", type=float, default=30.0, help="the client's timeout (BOMCHECK_TIMEOUT)")
    parser.add_argument("--seed", type=int, default=1, help="which requests hang (the sandbox's fault seed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bomcheck-hangs-") as tmp:
        home = Path(tmp)
        bom = home / "hangs.xlsx"
        write_bom(bom, catalog_mpns(args.n))
        print(f"N={args.n} R={args.rate:g}/s L={args.latency * 1000:.0f} ms  hanging {args.hang:.0%}  "
              f"client timeout {args.timeout:g} s  (python {sys.version.split()[0]})")
        clean = run_once(bom, home, args, 0.0, "clean")
        hung = run_once(bom, home, args, args.hang, "hung")
        for label, result in (("clean", clean), ("hanging", hung)):
            print(f"  {label}: wall {float(result['wall']):6.2f} s  arrow {result['arrow']}  "  # type: ignore[arg-type]
                  f"hung {result['hung']}  lines checked {result['checked']}  marked {result['marked']}  "
                  f"exit {result['exit']}")
        slowdown = float(hung["wall"]) / float(clean["wall"])  # type: ignore[arg-type]
        print(f"  slowdown with {args.hang:.0%} hanging: {slowdown:.2f}x")


if __name__ == "__main__":
    main()
