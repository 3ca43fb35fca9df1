"""Fan-out benchmark: `bomcheck check` against the sandbox (own process, loopback), with latency and rates.

    python benchmarks/fanout.py [--n 500] [--rate 20] [--latency 0.15] [--concurrency N]

Starts `bomcheck sandbox --arrow-rate R --digikey-rate R --latency L` on a free loopback port,
logs in to its DigiKey OAuth (a token store in a temporary config dir), writes a BOM of N
distinct MPNs the sandbox catalog lists, then runs `bomcheck check` twice as a subprocess:
cold, then warm (BOMCHECK_ARROW_CACHE=1 and a temporary BOMCHECK_CACHE_DIR on both runs, so
the second one answers from the offers cache). Prints N, R, L, wall time,
the bound N/R, their ratio, requests per source and 429s (from /_sandbox/stats). Then two
files with the same parts are dropped into one `bomcheck watch` with a fresh cache and no
Arrow opt-in: the second file's requests and time (from the watch log) show the in-memory
sharing.
Targets: cold wall <= 1.10 x N/R, zero 429s, Arrow requests = N, DigiKey <= 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def catalog_mpns(count: int) -> list[str]:
    """`count` distinct MPNs the sandbox catalog lists, each found on the first page of its search."""
    from bomcheck.sandbox import catalog

    stems = ("RC0603FR-07{}KL", "GRM188R71C{}KA01D", "CL10A{}KO8NNNC", "LM{}DR", "ERJ-3EKF{}V")
    found: list[str] = []
    n = 100
    while len(found) < count:
        for stem in stems:
            mpn = stem.format(n)
            if catalog.is_found(mpn) and any(part.part_num == mpn for part in catalog.search(mpn)[:25]):
                found.append(mpn)
        n += 1
    return found[:count]


def write_bom(path: Path, mpns: list[str], qty: int = 1) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "BOM"
    sheet.append(["Designator", "Qty", "Manufacturer", "Manufacturer Part Number"])
    for i, mpn in enumerate(mpns, start=1):
        sheet.append([f"U{i}", qty, "", mpn])
    book.save(path)


def stats(url: str) -> dict[str, int]:
    with urllib.request.urlopen(url + "/_sandbox/stats", timeout=5) as answer:
        return json.loads(answer.read())


def wait_until_up(url: str, process: subprocess.Popen[bytes], deadline: float = 20.0) -> None:
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the sandbox exited with {process.returncode}: run this script with the "
                             "Python of bomcheck's venv (.venv/bin/python benchmarks/fanout.py)")
        try:
            stats(url)
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the sandbox did not start")


def sandbox_env(url: str, home: Path) -> dict[str, str]:
    from bomcheck import sandbox

    env = {key: value for key, value in os.environ.items() if not key.startswith("BOMCHECK_")}
    env.update({
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "BOMCHECK_CONFIG": str(home / "config" / "none.toml"),
        "BOMCHECK_CACHE_DIR": str(home / "bomcheck-cache"),
        "BOMCHECK_ARROW_URL": url,
        "BOMCHECK_ARROW_LOGIN": sandbox.SANDBOX_ARROW_LOGIN,
        "BOMCHECK_ARROW_API_KEY": sandbox.SANDBOX_ARROW_API_KEY,
        "BOMCHECK_DIGIKEY_URL": url,
        "BOMCHECK_DIGIKEY_CLIENT_ID": sandbox.SANDBOX_DIGIKEY_CLIENT_ID,
        "BOMCHECK_DIGIKEY_CLIENT_SECRET": sandbox.SANDBOX_DIGIKEY_CLIENT_SECRET,
        "BOMCHECK_DIGIKEY_ACCOUNT_ID": sandbox.SANDBOX_DIGIKEY_ACCOUNT_ID,
        "BOMCHECK_DIGIKEY_REDIRECT_URI": sandbox.SANDBOX_REDIRECT_URI,
    })
    return env


def log_in_to_digikey(env: dict[str, str]) -> None:
    """Store a DigiKey login for the sandbox, as `bomcheck auth digikey` would (the sandbox consents)."""
    os.environ.update({k: v for k, v in env.items() if k.startswith(("XDG_", "BOMCHECK_"))})
    import aiohttp

    from bomcheck.config import config_dir, load_settings
    from bomcheck.distributors.digikey_auth import exchange_code, new_state, sandbox_consent
    from bomcheck.distributors.http import Transport, make_limiter
    from bomcheck.distributors.token_store import FileTokenStore, token_store_path
    from bomcheck.runtime import token_environment

    settings = load_settings()

    async def login() -> None:
        async with aiohttp.ClientSession() as session:
            transport = Transport(session, make_limiter(10))
            state = new_state()
            code = await sandbox_consent(transport, settings.digikey_url, settings.digikey_client_id,
                                         settings.digikey_redirect_uri, state)
            tokens = await exchange_code(transport, settings.digikey_url, settings.digikey_client_id,
                                         settings.digikey_client_secret, code, settings.digikey_redirect_uri)
        FileTokenStore(token_store_path(config_dir(), token_environment(settings))).save(tokens)

    asyncio.run(login())


def run_check(bom: Path, env: dict[str, str], url: str, label: str) -> dict[str, object]:
    before = stats(url)
    output = bom.with_name(f"{label}.checked.xlsx")
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bomcheck", "--quiet", "check", str(bom), "-o", str(output)],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    after = stats(url)
    if done.returncode not in (0, 1) or not output.exists():
        raise SystemExit(f"bomcheck check failed ({done.returncode}):\n{done.stderr}")
    return {"wall": wall, "cpu": cpu, **requests_between(before, after), "stderr": done.stderr.strip()}


def requests_between(before: dict[str, object], after: dict[str, object]) -> dict[str, int]:
    """Requests per source (and 429s) the sandbox counted between two readings of its stats."""
    return {key: int(value) - int(before.get(key, 0))  # type: ignore[call-overload]
            for key, value in after.items() if isinstance(value, int)}


def run_watch(mpns: list[str], env: dict[str, str], url: str, home: Path) -> dict[str, object]:
    """Two files with the same parts dropped into one `bomcheck watch` (no Arrow opt-in, a fresh
    cache): the second is answered from the service's memory and the DigiKey disk cache."""
    inbox = home / "inbox"
    inbox.mkdir()
    env = {**env, "BOMCHECK_CACHE_DIR": str(home / "watch-cache")}
    env.pop("BOMCHECK_ARROW_CACHE", None)
    log = home / "watch.log"
    service = subprocess.Popen([sys.executable, "-m", "bomcheck", "watch", str(inbox), "--settle",
                                "0.2", "--log-file", str(log)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found: dict[str, object] = {}
    try:
        for label, qty in (("first", 1), ("second", 2)):  # another quantity: other content, same parts
            before = stats(url)
            staged = home / f"{label}.xlsx"
            write_bom(staged, mpns, qty)
            os.replace(staged, inbox / staged.name)
            output = inbox / "out" / f"{label}.checked.xlsx"
            deadline = time.monotonic() + 600
            while not output.exists() and time.monotonic() < deadline and service.poll() is None:
                time.sleep(0.05)
            time.sleep(0.2)  # the service logs the file after writing it
            counted = requests_between(before, stats(url))
            took = [line for line in log.read_text(encoding="utf-8").splitlines() if f"{label}.xlsx" in line]
            found[label] = {**counted, "log": took[-1] if took else "(no log line)"}
    finally:
        service.terminate()
        service.wait(60)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="distinct MPNs in the BOM")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second, server and client")
    parser.add_argument("--latency", type=float, default=0.15, help="seconds the sandbox adds to each answer")
    parser.add_argument("--concurrency", type=int, help="BOMCHECK_CONCURRENCY (default: bomcheck's)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bomcheck-bench-") as tmp:
        home = Path(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "bomcheck", "sandbox", "--port", str(port), "--arrow-rate", str(args.rate),
             "--digikey-rate", str(args.rate), "--latency", str(args.latency)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(url, server)
            env = sandbox_env(url, home)
            env["BOMCHECK_ARROW_RATE"] = env["BOMCHECK_DIGIKEY_RATE"] = str(args.rate)
            env["BOMCHECK_ARROW_CACHE"] = "1"
            if args.concurrency:
                env["BOMCHECK_CONCURRENCY"] = str(args.concurrency)
            log_in_to_digikey(env)
            bom = home / "bench.xlsx"
            write_bom(bom, catalog_mpns(args.n))
            bound = args.n / args.rate
            print(f"N={args.n} R={args.rate:g}/s L={args.latency * 1000:.0f} ms  bound N/R={bound:.2f} s  "
                  f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
            for label in ("cold", "warm"):
                result = run_check(bom, env, url, label)
                wall = float(result["wall"])  # type: ignore[arg-type]
                print(f"  {label}: wall {wall:6.2f} s  ratio {wall / bound:5.3f}  arrow {result['arrow']}  "
                      f"digikey {result['digikey']}  429s {result['throttled']}  "
                      f"(bomcheck cpu {result['cpu']:.1f} s)")
                if result["stderr"]:
                    print("    stderr: " + str(result["stderr"]).replace("\n", "\n    stderr: "))
            for label, seen in run_watch(catalog_mpns(args.n), env, url, home).items():
                assert isinstance(seen, dict)
                print(f"  watch, {label} file: arrow {seen['arrow']}  digikey {seen['digikey']}  "
                      f"429s {seen['throttled']}  log: {seen['log']}")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
