"""What `check` prints on stdout when it is done: the Summary sheet in short."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from bomcheck.model import LineStatus, Report


def summary_lines(report: Report, written: Sequence[Path]) -> list[str]:
    """The Summary sheet in short: sources, lines by status, a row per build quantity, attention."""
    lines: list[str] = []
    echo = lines.append
    boards = ", ".join(str(s.boards) for s in report.scenarios)
    echo(f"{report.bom.path.name}: {len(report.results)} lines, {boards} board(s), "
               f"attrition {report.attrition or 'none'}, {report.currency}")
    for source in report.sources:
        age = f"; data {source.data_age(report.checked_at)}" if source.checked or source.from_cache else ""
        echo(f"  {source.name:<16} {source.describe()}{age}")
    for warning in report.bom.warnings:
        echo(f"  reader: {warning}")
    counts = ", ".join(f"{report.count(status)} {status.value}" for status in LineStatus
                       if report.count(status))
    echo(f"  lines: {counts}")
    echo(f"  {'boards':>8}  {'total':>16}  {'per board':>14}  {'coverage':>8}  {'short':>5}  "
               f"{'NCNR':>4}")
    for scenario in report.scenarios:
        totals = sorted(scenario.totals.items()) or [(report.currency, Decimal(0))]
        for number, (currency, total) in enumerate(totals):
            per_board = total / scenario.boards
            first = number == 0
            echo(f"  {scenario.boards if first else '':>8}  {_money(total, currency):>16}  "
                       f"{_money(per_board, currency, 4 if 0 < per_board < 1 else 2):>14}  "
                       + (f"{scenario.coverage:>8.0%}  {scenario.shortages:>5}  {scenario.ncnr_lines:>4}"
                          if first else ""))
    attention = [r for r in report.results if r.status.needs_attention]
    for result in attention[:10]:
        name = result.line.mpn or ", ".join(result.line.refdes) or "(no MPN)"
        echo(f"  row {result.line.row}: {name}: {result.status.value}"
                   + (f" ({result.reason})" if result.reason else ""))
    if len(attention) > 10:
        echo(f"  ... and {len(attention) - 10} more lines need attention (see Status column)")
    for scenario in report.scenarios:  # each quantity decides for itself
        substituted = [f"{r.line.row} ({r.line.mpn or 'no MPN'} -> {r.bought_mpn})"
                       for r in scenario.results if r.alternate]
        if substituted:
            more = f", and {len(substituted) - 5} more" if len(substituted) > 5 else ""
            shown = ", row ".join(substituted[:5])
            at = f" at {scenario.boards} boards" if len(report.scenarios) > 1 else ""
            echo(f"  bought as an alternate{at}, for a buyer to approve: row {shown}{more}")
    doubted = [r.line.row for r in report.results if r.line.warnings and not r.line.dnp]
    if doubted:
        rows = ", ".join(map(str, doubted[:8])) + (", …" if len(doubted) > 8 else "")
        echo(f"  reader warnings on {len(doubted)} line(s), rows {rows}: see their Notes")
    for path in written:
        echo(f"wrote {path}")
    return lines


def _money(value: Decimal, currency: str, places: int = 2) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places)):,} {currency}"

