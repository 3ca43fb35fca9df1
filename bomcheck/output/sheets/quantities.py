"""The Quantities sheet: per line, what each build quantity buys and pays, so quantity breaks read across."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import LineResult, LineStatus, Report
from bomcheck.output.sheets.cells import (
    BOLD,
    UNKNOWN,
    Value,
    display_width,
    drop_own_sheet,
    fill_for,
    money,
    money_format,
    new_sheet,
    page_setup,
    put,
    set_widths,
    style,
    style_header,
    unit_format,
)
from bomcheck.output.sheets.links import row_link

TITLE = "Quantities"
FIRST_HEADER = "Build quantity"  # A1: how an earlier Quantities sheet of ours is recognised
LINE_HEADERS = ("BOM Row", "MPN", "Qty/Board")
PER_QUANTITY = ("Buy Qty", "Short", "Unit Price", "Ext. Price", "Status", "Action")
HEADER_ROWS = 2  # row 1: the build quantity over its columns; row 2: the column names


def _cells(result: LineResult) -> list[tuple[Value, str | None]]:
    """Buy qty, short qty, unit and extended price, status and action of one line at one quantity."""
    bought = bool(result.purchases or result.from_spare)
    asked = result.status not in (LineStatus.DNP, LineStatus.NO_MPN)  # as the BOM sheet's Short
    return [
        (result.buy_qty if bought else None, None),
        (UNKNOWN if result.status is LineStatus.ERROR else result.shortage if asked else None, None),
        (money(result.unit_price), unit_format(result.currency)),
        (money(result.ext_price), money_format(result.currency)),
        (result.status.value, None),
        (result.action.value if result.action else None, None),
    ]


def drop_quantities(workbook: Workbook) -> None:
    """A re-checked output with one build quantity keeps no Quantities sheet of an earlier run."""
    drop_own_sheet(workbook, TITLE, FIRST_HEADER)


def add_quantities(workbook: Workbook, report: Report, bom_title: str, link_column: str = "A") -> Worksheet:
    """One row per BOM line; per build quantity its buy and short quantity, unit and extended price, status
    and action (the status and action cells coloured as on the BOM sheet); totals below."""
    sheet = new_sheet(workbook, TITLE, FIRST_HEADER)
    scenarios = report.scenarios
    width = len(LINE_HEADERS) + len(PER_QUANTITY) * len(scenarios)
    widths = [len(header) for header in LINE_HEADERS] + [len(h) for _ in scenarios for h in PER_QUANTITY]
    put(sheet.cell(row=1, column=1), FIRST_HEADER)
    style_header(sheet.cell(row=1, column=1))
    for col in range(2, len(LINE_HEADERS) + 1):
        style_header(sheet.cell(row=1, column=col))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LINE_HEADERS))
    for index, scenario in enumerate(scenarios):
        first = len(LINE_HEADERS) + 1 + index * len(PER_QUANTITY)
        put(sheet.cell(row=1, column=first), f"{scenario.boards:,} boards")
        for col in range(first, first + len(PER_QUANTITY)):
            style_header(sheet.cell(row=1, column=col))
        last = first + len(PER_QUANTITY) - 1
        sheet.merge_cells(start_row=1, start_column=first, end_row=1, end_column=last)
    headers = [*LINE_HEADERS, *(header for _ in scenarios for header in PER_QUANTITY)]
    for col, header in enumerate(headers, start=1):
        put(sheet.cell(row=2, column=col), header)
        style_header(sheet.cell(row=2, column=col))
    row = HEADER_ROWS
    for index, result in enumerate(report.results):
        row += 1
        line = result.line
        cells: list[tuple[Value, str | None]] = [(line.row, None), (line.mpn or "(no MPN)", None),
                                                 (line.qty, None)]
        put(sheet.cell(row=row, column=1), line.row)
        row_link(sheet.cell(row=row, column=1), bom_title, line.row, link_column)
        for scenario in scenarios:
            cells += _cells(scenario.results[index])
        for col, (value, number_format) in enumerate(cells, start=1):
            if col > 1 and value is not None:
                put(sheet.cell(row=row, column=col), value, number_format)
            widths[col - 1] = max(widths[col - 1], display_width(value, number_format))
        for number, scenario in enumerate(scenarios):
            fill = fill_for(scenario.results[index], report.currency)
            status_col = len(LINE_HEADERS) + 1 + number * len(PER_QUANTITY) + PER_QUANTITY.index("Status")
            for col in (status_col, status_col + 1):
                if fill is not None:
                    style(sheet.cell(row=row, column=col), fill=fill)
    last_line_row = row
    row += 1
    currencies = sorted({currency for scenario in scenarios for currency in scenario.totals})
    footer: list[tuple[str, list[tuple[Value, str | None]]]] = [
        (f"Total ({currency})", [(money(s.totals.get(currency)), money_format(currency)) for s in scenarios])
        for currency in currencies]
    footer.append(("Priced lines", [(f"{s.priced_lines} of {len(s.to_buy)}", None) for s in scenarios]))
    for label, per_scenario in footer:
        row += 1
        put(sheet.cell(row=row, column=2), label)
        sheet.cell(row=row, column=2).font = BOLD
        for number, (value, number_format) in enumerate(per_scenario):
            col = len(LINE_HEADERS) + 1 + number * len(PER_QUANTITY) + PER_QUANTITY.index("Ext. Price")
            put(sheet.cell(row=row, column=col), value, number_format)
            sheet.cell(row=row, column=col).font = BOLD
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=len(LINE_HEADERS) + 1).coordinate
    sheet.auto_filter.ref = f"A{HEADER_ROWS}:{get_column_letter(width)}{last_line_row}"
    set_widths(sheet, 1, widths)
    page_setup(sheet, (1, HEADER_ROWS))
    return sheet
