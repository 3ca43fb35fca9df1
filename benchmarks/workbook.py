"""Workbook benchmark: read, plan and annotate a generated 5,000-line xlsx BOM in process, without network.

    python benchmarks/workbook.py [--lines 5000] [--distinct 1500] [--profile] [--tracemalloc]

Writes a BOM of LINES lines (DISTINCT different MPNs, so some repeat, as in real BOMs, plus a
few DNP lines), builds every part's Arrow answer from the sandbox catalog (Arrow's JSON,
parsed by bomcheck's own parser) and a bonded answer for those the sandbox account stocks,
then times the three stages a check runs after the network: read (bomcheck.bom.read_bom),
plan (pricing for every line, via check.build_report with a source that answers from memory)
and write (annotate.write_report). Prints seconds per stage and peak memory (the process's
maximum resident set size; with --tracemalloc also the peak of Python's own allocations).
Targets: read + plan + write < 10 s on a 2-core machine, peak memory < 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bomcheck.bom import read_bom  # noqa: E402
from bomcheck.check import CheckOptions, build_report, query_for  # noqa: E402
from bomcheck.distributors.arrow import ArrowCredentials, ArrowSearch, ArrowSource  # noqa: E402
from bomcheck.distributors.arrow_parse import parse_response  # noqa: E402
from bomcheck.distributors.http import Transport, make_limiter  # noqa: E402
from bomcheck.lookups.fanout import SourceRun  # noqa: E402
from bomcheck.model import Lookup, Query  # noqa: E402
from bomcheck.output.workbook import write_report  # noqa: E402
from bomcheck.sandbox import arrow_api, catalog  # noqa: E402

STEMS = ("RC0603FR-07{}KL", "GRM188R71C{}KA01D", "CL10A{}KO8NNNC", "LM{}DR", "ERJ-3EKF{}V", "TPS{}DBVR")


def write_bom(path: Path, lines: int, distinct: int) -> None:
    from openpyxl import Workbook

    mpns = [STEMS[i % len(STEMS)].format(100 + i // len(STEMS)) for i in range(distinct)]
    book = Workbook()
    sheet = book.active
    sheet.title = "BOM"
    sheet.append(["Item", "Designator", "Qty", "Manufacturer", "Manufacturer Part Number", "Description",
                  "DNP"])
    for i in range(lines):
        refdes = ",".join(f"R{i * 4 + k + 1}" for k in range(1 + i % 4))
        sheet.append([i + 1, refdes, 1 + i % 4, "", mpns[(i * 7) % distinct], f"Part {i + 1}",
                      "DNP" if i % 97 == 0 else ""])
    book.save(path)


class CannedSource:
    """Answers from lookups built beforehand: the fan-out's shape, none of its I/O."""

    def __init__(self, name: str, lookups: Mapping[str, Lookup]) -> None:
        self.name = name
        self._lookups = lookups

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        return [list(queries)] if queries else []

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> dict[Query, Lookup]:
        return {query: self._lookups[query.mpn_key] for query in batch if query.mpn_key in self._lookups}


def arrow_lookups(queries: Sequence[Query]) -> dict[str, Lookup]:
    """What Arrow would answer for each distinct MPN, built from the sandbox catalog and parsed."""
    source = ArrowSource("https://canned.invalid", ArrowCredentials("bench", "bench"))
    lookups: dict[str, Lookup] = {}
    for query in queries:
        key = query.mpn_key
        if key and key not in lookups:
            parts = catalog.search(key)[:25]
            page = parse_response(arrow_api.search_body("v3", key, parts, total=len(parts), elapsed_ms=1.0))
            lookups[key] = source._lookup(query, ArrowSearch(tuple(page.parts), total=len(parts)))
    return lookups


def peak_rss_mb() -> float:
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def run(lines: int, distinct: int, profile: bool, trace: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bomcheck-bench-") as tmp:
        bom_path = Path(tmp) / "big.xlsx"
        write_bom(bom_path, lines, distinct)
        profiler = cProfile.Profile() if profile else None
        if trace:
            tracemalloc.start()
        if profiler:
            profiler.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        bom = read_bom(bom_path)
        read_done, cpu_read = time.perf_counter(), time.process_time() - cpu_started
        if profiler:
            profiler.disable()
        queries = [query for query in map(query_for, bom.lines) if query is not None]
        canned = CannedSource("Arrow", arrow_lookups(queries))  # not timed: stands in for the network
        transport = Transport(session=None, limiter=make_limiter(1000))  # type: ignore[arg-type]
        if profiler:
            profiler.enable()
        plan_started, cpu_plan_started = time.perf_counter(), time.process_time()
        report = asyncio.run(build_report(bom, CheckOptions(boards=100), [SourceRun(canned, transport)]))
        plan_done = time.perf_counter()
        write_report(report, Path(tmp) / "big.checked.xlsx")
        write_done, cpu_rest = time.perf_counter(), time.process_time() - cpu_plan_started
        if profiler:
            profiler.disable()
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
    read_s, plan_s, write_s = read_done - started, plan_done - plan_started, write_done - plan_done
    asked = len({line.mpn for line in bom.lines if line.mpn})
    print(f"{len(bom.lines)} lines ({asked} distinct MPNs), python {sys.version.split()[0]}")
    print(f"  read {read_s:6.2f} s   plan {plan_s:6.2f} s   write {write_s:6.2f} s   "
          f"total {read_s + plan_s + write_s:6.2f} s   (cpu {cpu_read + cpu_rest:.2f} s)")
    traced = f"{peak / 1e6:.0f} MB traced by tracemalloc (which slows every stage), " if trace else ""
    print(f"  peak memory: {traced}{peak_rss_mb():.0f} MB max RSS of the process")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--distinct", type=int, default=1500)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the timed stages")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure Python's peak allocations (slows the stages several times)")
    args = parser.parse_args()
    run(args.lines, args.distinct, args.profile, args.tracemalloc)


if __name__ == "__main__":
    main()
