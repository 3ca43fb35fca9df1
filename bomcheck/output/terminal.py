"""What `check` prints on stdout when it is done: the Summary sheet in short, per build quantity."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from bomcheck.model import LineResult, LineStatus, Report, Scenario, seller_label

SHOWN_DECISIONS = 12  # lines needing a decision listed in full; the rest are counted
_WIDE = 150  # a line's why is cut there: the workbook's Notes have it all


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 line', '2 lines', '0 lines'."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def summary_lines(report: Report, written: Sequence[Path]) -> list[str]:
    """The Summary sheet in short: sources, lines by status and action, a row per build quantity
    (total, priced N of M, excess), the lines needing a decision with their action."""
    lines: list[str] = []
    echo = lines.append
    scenarios = report.scenarios
    first = scenarios[0]
    several = len(scenarios) > 1
    at = f" ({first.boards} boards)" if several else ""
    quantities = ", ".join(str(s.boards) for s in scenarios)
    boards_word = "board" if quantities == "1" else "boards"
    echo(f"{report.bom.path.name}: {plural(len(report.results), 'line')}, {quantities} {boards_word}, "
         f"attrition {report.attrition or 'none'}, {report.currency}")
    for source in report.sources:
        age = f"; data {source.data_age(report.checked_at)}" if source.checked or source.from_cache else ""
        echo(f"  {source.name:<16} {source.describe()}{age}")
    for warning in report.bom.warnings:
        echo(f"  reader: {warning}")
    counts = ", ".join(f"{first.count(status)} {status.value}" for status in LineStatus
                       if first.count(status))
    echo(f"  lines{at}: {counts}")
    actions = ", ".join(f"{count} {action.value}" for action, count in first.actions().items())
    echo(f"  actions{at}: {actions}")
    lines.extend(_quantity_table(report))
    lines.extend(_unpriced(scenarios))
    lines.extend(_decisions(first, at))
    lines.extend(_changed_decisions(first, scenarios[1:]))
    lines.extend(_alternates(scenarios))
    doubted = [r.line.row for r in report.results if r.line.warnings and not r.line.dnp]
    if doubted:
        rows = ", ".join(map(str, doubted[:8])) + (", …" if len(doubted) > 8 else "")
        echo(f"  reader warnings on {plural(len(doubted), 'line')}, {'row' if len(doubted) == 1 else 'rows'} "
             f"{rows}: see their Notes")
    for path in written:
        echo(f"wrote {path}")
    return lines


def _quantity_table(report: Report) -> list[str]:
    """A row per build quantity and currency: total, per board, priced N of M, excess and its share."""
    rows = [f"  {'boards':>8}  {'total':>16}  {'per board':>14}  {'priced':>10}  "
            f"{'excess (share of total)':>24}  {'coverage':>8}  {'short':>5}  {'NCNR':>4}"]
    for scenario in report.scenarios:
        totals = sorted(scenario.totals.items()) or [(report.currency, Decimal(0))]
        excess, share = scenario.excess, scenario.excess_share
        for number, (currency, total) in enumerate(totals):
            per_board = total / scenario.boards
            first = number == 0
            over = excess.get(currency, Decimal(0))
            over_text = _money(over, currency) + (f" ({share[currency]:.0%})" if currency in share else "")
            priced = f"{scenario.priced_lines} of {len(scenario.to_buy)}" if first else ""
            rows.append(f"  {scenario.boards if first else '':>8}  {_money(total, currency):>16}  "
                        f"{_money(per_board, currency, 4 if 0 < per_board < 1 else 2):>14}  {priced:>10}  "
                        f"{over_text:>24}  "
                        + (f"{scenario.coverage:>8.0%}  {scenario.shortages:>5}  {scenario.ncnr_lines:>4}"
                           if first else ""))
    return [row.rstrip() for row in rows]


def _unpriced(scenarios: Sequence[Scenario]) -> list[str]:
    """The lines each total leaves out (or leaves partly out), quantities with the same ones together."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for scenario in scenarios:
        rows = tuple(result.line.row for result in scenario.unpriced)
        if rows:
            groups.setdefault(rows, []).append(scenario.boards)
    said = []
    for rows, boards in groups.items():
        shown = ", ".join(map(str, rows[:10])) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        at = f" ({', '.join(map(str, boards))} boards)" if len(scenarios) > 1 else ""
        said.append(f"  not in the total{at}: {'row' if len(rows) == 1 else 'rows'} {shown} "
                    "(no price for all of their need: get quotes)")
    return said


def _decisions(scenario: Scenario, at: str) -> list[str]:
    """The lines a person must decide on before ordering, each with its action and why."""
    deciding = [result for result in scenario.results
                if result.action is not None and result.action.is_decision]
    if not deciding:
        return [f"  no line needs a decision{at}: every line can be bought as planned"]
    said = [f"  {plural(len(deciding), 'line')} to decide on before ordering{at}:"]
    for result in deciding[:SHOWN_DECISIONS]:
        said.append(f"    row {result.line.row}: {_name(result)}: {result.status.value}, "
                    f"{result.action.value if result.action else ''}{_why(result)}")
    if len(deciding) > SHOWN_DECISIONS:
        said.append(f"    ... and {len(deciding) - SHOWN_DECISIONS} more (see the Action column)")
    return said


def _changed_decisions(first: Scenario, others: Sequence[Scenario]) -> list[str]:
    """Per further quantity, the lines whose action differs from the first quantity's."""
    said = []
    before = {result.line.row: result for result in first.results}
    for scenario in others:
        changed = [result for result in scenario.results if result.line.row in before
                   and before[result.line.row].action != result.action]
        if not changed:
            continue
        shown = "; ".join(f"row {r.line.row} {_name(r)}: {r.action.value if r.action else ''}"
                          for r in changed[:6])
        more = f"; and {len(changed) - 6} more" if len(changed) > 6 else ""
        said.append(f"  ({scenario.boards} boards) other actions than at {first.boards}: {shown}{more}")
    return said


def _alternates(scenarios: Sequence[Scenario]) -> list[str]:
    """The lines bought as an alternate, once when every quantity buys the same, else per quantity."""
    per_quantity = [(scenario.boards, [f"{r.line.row} ({r.line.mpn or 'no MPN'} -> {r.bought_mpn})"
                                       for r in scenario.results if r.alternate]) for scenario in scenarios]
    same = len({tuple(rows) for _, rows in per_quantity}) == 1
    said = []
    for boards, substituted in per_quantity[:1] if same else per_quantity:
        if not substituted:
            continue
        more = f", and {len(substituted) - 5} more" if len(substituted) > 5 else ""
        at = f" at {boards} boards" if not same else ""
        rows = ", row ".join(substituted[:5])
        said.append(f"  bought as an alternate{at}, for a buyer to approve: row {rows}{more}")
    return said


def _name(result: LineResult) -> str:
    """The MPN; else the seller's number the BOM names it by ('(LCSC C14663)'); else its designators."""
    line = result.line
    if not line.mpn and line.distributor_pns:
        role, number = line.distributor_pns[0]
        return f"({seller_label(role)} {number})"
    return line.mpn or ", ".join(line.refdes) or "(no MPN)"


def _why(result: LineResult) -> str:
    """The status's reason for a line that is not OK; for an OK line, the decisions it needs."""
    why = result.reason if result.status is not LineStatus.OK else "; ".join(result.decisions)
    if not why:
        return ""
    return f" ({why[:_WIDE - 1]}…)" if len(why) > _WIDE else f" ({why})"


def _money(value: Decimal, currency: str, places: int = 2) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places)):,} {currency}"
