"""The Summary sheet: what it costs, what is at risk and what must be done, per build quantity.

Three parts, top to bottom: how the BOM was checked (file, sources and the age of their data,
failures); a table with one column per build quantity (total, priced N of M, excess, NCNR value
and NCNR at risk, the longest lead time and its part, lines per status and per action); and the
lines needing action, grouped by action, each a link to its row of the BOM sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import Action, LineResult, LineStatus, Report, Scenario
from bomcheck.output.failures import run_failures
from bomcheck.output.sheets.cells import (
    BOLD,
    PERCENT_FORMAT,
    SECTION_FONT,
    TOP,
    UNKNOWN,
    WRAP,
    Value,
    display_width,
    fill_for,
    fit_height,
    lines_needed,
    money,
    money_format,
    needs_decision,
    new_sheet,
    page_setup,
    put,
    set_widths,
    style,
    style_header,
)
from bomcheck.output.sheets.line_text import name_of, why
from bomcheck.output.sheets.links import row_link
from bomcheck.output.sheets.streamed import RowStream, StreamedSheet, StreamingWorkbook

TITLE = "Summary"
FIRST_LABEL = "Checked at"
PER_QUANTITY = "Per build quantity"
NEEDING_ACTION = "Lines needing action"
ACTION_HEADERS = ("Action", "BOM Row", "MPN", "Status", "Boards", "Why")
WHY_WIDTH = 70

Row = tuple[str, Value, str | None]


def data_age(report: Report) -> str:
    """'live: ...' when nothing came from the offers cache, else each source's age of data."""
    used = [source for source in report.sources if source.checked or source.from_cache]
    if not any(source.from_cache for source in used):
        return "live: every answer was asked during this run (nothing cached)"
    return "; ".join(f"{source.name}: {source.data_age(report.checked_at)}" for source in used)


def summary_rows(report: Report, sheet_title: str) -> list[Row]:
    """(label, value, number format) rows of the Summary's first part: how the BOM was checked."""
    boards: Value = (report.boards if len(report.scenarios) == 1
                     else ", ".join(str(s.boards) for s in report.scenarios))
    rows: list[Row] = [
        (FIRST_LABEL, report.checked_at.isoformat(timespec="seconds"), None),
        ("File", report.bom.path.name, None),
        ("Sheet", sheet_title, None),
        ("Boards", boards, None),
        ("Attrition", report.attrition or "none", None),
        ("Currency", report.currency, None),
        ("Data age", data_age(report), None),
    ]
    for source in report.sources:
        rows.append((f"Source: {source.name}", source.describe(), None))
    rows.extend(("Reader warning", warning, None) for warning in report.bom.warnings)
    rows.append(("Lines", len(report.results), None))
    failures = run_failures(report)  # the same values stderr and the JSON count, every quantity's
    rows.append(("Lines not checked", failures.not_checked, None))
    rows.append(("Checked", failures.sentence(), None))
    return rows


# ---------------------------------------------------------------- per build quantity


def ncnr_value(scenario: Scenario) -> dict[str, Decimal]:
    """What the open-market NCNR purchases cost, per currency (bonded stock is yours already)."""
    return _per_currency(scenario, lambda p: p.ext_price if p.offer.ncnr and not p.offer.bonded else None)


def ncnr_at_risk(scenario: Scenario) -> dict[str, Decimal]:
    """The value of the NCNR parts bought over need, per currency: they can never be returned."""
    return _per_currency(scenario, lambda p: p.excess * p.unit_price
                         if p.offer.ncnr and not p.offer.bonded and p.excess and p.unit_price is not None
                         else None)


def _per_currency(scenario: Scenario, value_of: Callable[..., Decimal | None]) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for result in scenario.results:
        for purchase in result.purchases:
            value = value_of(purchase)
            if value is not None:
                values[purchase.offer.currency] = values.get(purchase.offer.currency, Decimal(0)) + value
    return values


def longest_lead(scenario: Scenario) -> LineResult | None:
    """The line to buy with the longest known lead time (the first such row on a tie)."""
    known = [r for r in scenario.to_buy if r.lead_time_weeks is not None]
    return max(known, key=lambda r: r.lead_time_weeks or 0, default=None)


@dataclass(frozen=True)
class QuantityRow:
    """One row of the per-quantity table: a label and a value (with its format) per quantity."""

    label: str
    values: tuple[tuple[Value, str | None], ...]


def quantity_rows(report: Report) -> list[QuantityRow]:
    """The per-quantity table's rows, one value per build quantity in each."""
    scenarios = report.scenarios
    currencies = sorted({c for s in scenarios for c in s.totals},
                        key=lambda c: (c != report.currency, c)) or [report.currency]

    def row(label: str, value_of: Callable[[Scenario], tuple[Value, str | None]]) -> QuantityRow:
        return QuantityRow(label, tuple(value_of(s) for s in scenarios))

    def each_currency(label: str, value_of: Callable[[Scenario], dict[str, Decimal]], *,
                      cents: bool = False) -> list[QuantityRow]:
        """A row per currency; with `cents`, an amount under 1 keeps 4 places (0.155, not 0.16)."""
        def in_currency(currency: str) -> Callable[[Scenario], tuple[Value, str | None]]:
            def cell(s: Scenario) -> tuple[Value, str | None]:
                amount = value_of(s).get(currency, Decimal(0))
                return money(amount), money_format(currency, 4 if cents and 0 < amount < 1 else 2)
            return cell
        return [row(f"{label} ({currency})", in_currency(currency)) for currency in currencies]

    def count_of(status: LineStatus) -> Callable[[Scenario], tuple[Value, str | None]]:
        return lambda s: (s.count(status), None)

    def lines_for(action: Action) -> Callable[[Scenario], tuple[Value, str | None]]:
        return lambda s: (s.actions().get(action, 0), None)

    def unknown_lead(s: Scenario) -> tuple[Value, str | None]:
        unknown = [r for r in s.to_buy if r.lead_time_weeks is None and (r.purchases or r.status.blocks)]
        return (len(unknown), None)

    def excess_share(currency: str) -> Callable[[Scenario], tuple[Value, str | None]]:
        def share(s: Scenario) -> tuple[Value, str | None]:
            value = s.excess_share.get(currency, Decimal(0) if s.totals.get(currency) else None)
            return (None if value is None else float(value), PERCENT_FORMAT)
        return share

    # one share per currency, as the terminal's table shows it: no total adds two currencies
    shares = ([row("Excess share of total", excess_share(currencies[0]))] if len(currencies) == 1 else
              [row(f"Excess share of total ({currency})", excess_share(currency)) for currency in currencies])

    rows = [*each_currency("Total", lambda s: s.totals),
            *each_currency("Cost per board", lambda s: s.per_board, cents=True),
            row("Priced lines", lambda s: (f"{s.priced_lines} of {len(s.to_buy)}", None)),
            row("Not priced (rows)", lambda s: (", ".join(str(r.line.row) for r in s.unpriced) or "none",
                                                None)),
            *each_currency("Excess value", lambda s: s.excess),
            *shares,
            *each_currency("NCNR value", ncnr_value),
            *each_currency("NCNR at risk (excess)", ncnr_at_risk),
            row("Longest lead time (wk)", lambda s: _lead(longest_lead(s))),
            row("Longest lead time part", lambda s: _lead_part(longest_lead(s))),
            row("Lead time unknown (lines)", unknown_lead),
            row("Coverage", lambda s: (float(s.coverage), PERCENT_FORMAT))]
    statuses = [status for status in LineStatus if any(s.count(status) for s in scenarios)]
    rows += [row(f"Status {status.value}", count_of(status)) for status in statuses]
    actions = [action for action in Action if any(s.actions().get(action) for s in scenarios)]
    rows += [row(f"Action {action.value}", lines_for(action)) for action in actions]
    return rows


def _lead(result: LineResult | None) -> tuple[Value, str | None]:
    return (result.lead_time_weeks if result else UNKNOWN, None)


def _lead_part(result: LineResult | None) -> tuple[Value, str | None]:
    return (f"{result.bought_mpn or name_of(result)} (row {result.line.row})" if result else "—", None)


# ---------------------------------------------------------------- lines needing action


@dataclass(frozen=True)
class ActionLine:
    """A line under one action: at which quantities it has that action, and why."""

    action: Action
    result: LineResult  # at the first quantity the line has this action
    boards: tuple[int, ...]
    why: str


def action_lines(report: Report) -> list[ActionLine]:
    """Every line needing a decision at some quantity, grouped by action in the fixed list's order;
    a line whose action differs between quantities is listed under each, with its quantities."""
    found: dict[tuple[Action, int], ActionLine] = {}
    for scenario in report.scenarios:
        for index, result in enumerate(scenario.results):
            if not needs_decision(result) or result.action is None:
                continue
            key = (result.action, index)
            known = found.get(key)
            if known is None:
                found[key] = ActionLine(result.action, result, (scenario.boards,), why(result))
            else:
                boards = (*known.boards, scenario.boards)
                found[key] = ActionLine(known.action, known.result, boards, known.why)
    order = {action: number for number, action in enumerate(Action)}
    return sorted(found.values(), key=lambda a: (order[a.action], a.result.line.row))


def _boards_text(boards: tuple[int, ...], all_boards: tuple[int, ...]) -> str:
    return "all" if boards == all_boards else ", ".join(str(b) for b in boards)


# ---------------------------------------------------------------- the sheet


def add_summary(workbook: Workbook, report: Report, sheet_title: str, link_column: str = "A") -> Worksheet:
    """Add the Summary sheet (named "bomcheck Summary" if the user has a "Summary" of their own).

    `link_column` is the BOM sheet's column the line links land on (its Status column).
    """
    if isinstance(workbook, StreamingWorkbook):  # a grid's workbook: the list may be as long as the BOM
        streamed = StreamedSheet(workbook, TITLE, 1, 1)
        _write_summary(cast(Worksheet, RowStream(streamed, dry=True)), report, sheet_title, link_column)
        stream = RowStream(streamed)
        _write_summary(cast(Worksheet, stream), report, sheet_title, link_column)
        stream.close()
        return cast(Worksheet, streamed)
    sheet = new_sheet(workbook, TITLE, FIRST_LABEL)
    _write_summary(sheet, report, sheet_title, link_column)
    return sheet


def _write_summary(sheet: Worksheet, report: Report, sheet_title: str, link_column: str) -> None:
    """The Summary's cells, top to bottom (a streamed sheet takes them in that order only)."""
    widths = [len(FIRST_LABEL), 12, 12, 12, 12, 12]
    row = 0
    for label, value, number_format in summary_rows(report, sheet_title):
        row += 1
        _label(sheet, row, label)
        put(sheet.cell(row=row, column=2), value, number_format)  # long texts run on to the right
        widths[0] = max(widths[0], len(label))
    row += 2
    put(sheet.cell(row=row, column=1), PER_QUANTITY)
    style_header(sheet.cell(row=row, column=1))
    for col, scenario in enumerate(report.scenarios, start=2):
        put(sheet.cell(row=row, column=col), f"{scenario.boards:,} boards")
        style_header(sheet.cell(row=row, column=col))
    for quantity_row in quantity_rows(report):
        row += 1
        _label(sheet, row, quantity_row.label)
        widths[0] = max(widths[0], len(quantity_row.label))
        for col, (value, number_format) in enumerate(quantity_row.values, start=2):
            put(sheet.cell(row=row, column=col), value, number_format)
            while len(widths) < col:
                widths.append(12)
            widths[col - 1] = max(widths[col - 1], display_width(value, number_format))
    row += 2
    lines = action_lines(report)
    put(sheet.cell(row=row, column=1), f"{NEEDING_ACTION}: {len({a.result.line.row for a in lines})}")
    sheet.cell(row=row, column=1).font = SECTION_FONT
    row += 1
    for col, header in enumerate(ACTION_HEADERS, start=1):
        put(sheet.cell(row=row, column=col), header)
        style_header(sheet.cell(row=row, column=col))
    all_boards = tuple(s.boards for s in report.scenarios)
    previous: Action | None = None
    for item in lines:
        row += 1
        result = item.result
        cells: list[Value] = [item.action.value if item.action is not previous else None, result.line.row,
                              name_of(result), result.status.value, _boards_text(item.boards, all_boards),
                              item.why]
        previous = item.action
        for col, value in enumerate(cells, start=1):
            if value is not None:
                put(sheet.cell(row=row, column=col), value)
            style(sheet.cell(row=row, column=col), alignment=WRAP if col == len(cells) else TOP)
            if col < len(cells):
                widths[col - 1] = max(widths[col - 1], display_width(value, None))
        sheet.cell(row=row, column=1).font = BOLD
        fit_height(sheet, row, lines_needed(item.why, WHY_WIDTH, narrower=1.0))
        row_link(sheet.cell(row=row, column=2), sheet_title, result.line.row, link_column)
        fill = fill_for(result, report.currency)
        if fill is not None:
            style(sheet.cell(row=row, column=4), fill=fill)
    if not lines:
        put(sheet.cell(row=row + 1, column=1), "none: every line is Buy or DNP")
    while len(widths) < len(ACTION_HEADERS):
        widths.append(12)
    widths[len(ACTION_HEADERS) - 1] = WHY_WIDTH - 2  # Why: wrapped at this width
    set_widths(sheet, 1, widths)
    page_setup(sheet, None)  # a page of facts and a list, not one table: no title rows


def _label(sheet: Worksheet, row: int, label: str) -> None:
    put(sheet.cell(row=row, column=1), label)
    sheet.cell(row=row, column=1).font = BOLD
