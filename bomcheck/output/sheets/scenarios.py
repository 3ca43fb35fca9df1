"""The Scenarios sheet: per build quantity, unit and total cost, coverage, shortages and NCNR lines."""

from __future__ import annotations

from decimal import Decimal

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import LineStatus, Report
from bomcheck.output.sheets.cells import (
    PERCENT_FORMAT,
    Value,
    money,
    money_format,
    new_sheet,
    unit_format,
    write_table,
)
from bomcheck.output.sheets.rfq import why_quote

TITLE = "Scenarios"
HEADERS = ("Boards", "Currency", "Cost per Board", "Total Cost", "Coverage", "Lines OK", "Lines Short",
           "Lines Not Found", "Lines Ambiguous", "NCNR Lines", "Lines to Quote",
           "Lines on Alternates")


def add_scenarios(workbook: Workbook, report: Report) -> Worksheet:
    """A row per quantity and currency (costs in different currencies are never added up)."""
    rows: list[list[tuple[Value, str | None]]] = []
    for scenario in report.scenarios:
        totals: list[tuple[str, Decimal | None]] = [*sorted(scenario.totals.items())]
        totals = totals or [(report.currency, None)]
        for currency, total in totals:
            per_board = total / scenario.boards if total is not None else None
            rows.append([
                (scenario.boards, None), (currency, None), (money(per_board), unit_format(currency)),
                (money(total), money_format(currency)), (float(scenario.coverage), PERCENT_FORMAT),
                (scenario.count(LineStatus.OK), None), (scenario.shortages, None),
                (scenario.count(LineStatus.NOT_FOUND), None), (scenario.count(LineStatus.AMBIGUOUS), None),
                (scenario.ncnr_lines, None),
                (sum(1 for r in scenario.results if why_quote(r)), None),
                (sum(1 for r in scenario.results if r.alternate), None),  # for a buyer to approve
            ])
    sheet = new_sheet(workbook, TITLE, HEADERS[0])
    write_table(sheet, HEADERS, rows)
    return sheet
