"""The Summary sheet: when and against what the BOM was checked, costs per quantity, what needs a look."""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import LineResult, LineStatus, Report
from bomcheck.output.failures import run_failures
from bomcheck.output.sheets.cells import (
    BOLD,
    PERCENT_FORMAT,
    Value,
    display_width,
    money,
    money_format,
    needs_a_look,
    new_sheet,
    put,
    set_widths,
)

TITLE = "Summary"
FIRST_LABEL = "Checked at"

Row = tuple[str, Value, str | None]


def needs_attention(result: LineResult, currency: str | None = None) -> bool:
    """Lines a buyer must act on or read: every status but OK and DNP, and OK lines shown amber."""
    if result.status.needs_attention:
        return True
    return result.status is LineStatus.OK and needs_a_look(result, currency)


def data_age(report: Report) -> str:
    """'live: ...' when nothing came from the offers cache, else each source's age of data."""
    used = [source for source in report.sources if source.checked or source.from_cache]
    if not any(source.from_cache for source in used):
        return "live: every answer was asked during this run (nothing cached)"
    return "; ".join(f"{source.name}: {source.data_age(report.checked_at)}" for source in used)


def summary_rows(report: Report, sheet_title: str) -> list[Row]:
    """(label, value, number format) rows of the Summary sheet."""
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
    several = len(report.scenarios) > 1
    for scenario in report.scenarios:
        at = f" at {scenario.boards} boards" if several else ""
        for currency, total in sorted(scenario.totals.items()):
            rows.append((f"Total cost{at} ({currency})", money(total), money_format(currency)))
        if not scenario.totals:
            rows.append((f"Total cost{at}", "no priced lines", None))
    first = report.scenarios[0]
    rows.append(("Lines", len(report.results), None))
    rows.extend((f"Lines {status.value}", report.count(status), None) for status in LineStatus)
    failures = run_failures(report)  # the same values stderr and the JSON count, every quantity's
    rows.append(("Lines not checked", failures.not_checked, None))
    rows.append(("Checked", failures.sentence(), None))
    rows.append(("Coverage", float(first.coverage), PERCENT_FORMAT))
    rows.append(("NCNR lines", first.ncnr_lines, None))
    attention = [r for r in report.results if needs_attention(r, report.currency)]
    rows.append(("Lines needing attention", len(attention), None))
    for result in attention:
        name = result.line.mpn or ", ".join(result.line.refdes) or "(no MPN)"
        why = "; ".join(part for part in (result.reason, *result.notes) if part)
        text = f"{name}: {result.status.value}" + (f" — {why}" if why else "")
        rows.append((f"Row {result.line.row}", text, None))
    return rows


def add_summary(workbook: Workbook, report: Report, sheet_title: str) -> Worksheet:
    """Add the Summary sheet (named "bomcheck Summary" if the user has a "Summary" of their own)."""
    sheet = new_sheet(workbook, TITLE, FIRST_LABEL)
    rows = summary_rows(report, sheet_title)
    for number, (label, value, number_format) in enumerate(rows, start=1):
        put(sheet.cell(row=number, column=1), label)
        sheet.cell(row=number, column=1).font = BOLD
        put(sheet.cell(row=number, column=2), value, number_format)
    set_widths(sheet, 1, [max(len(r[0]) for r in rows),
                          max(display_width(value, fmt) for _, value, fmt in rows)])
    return sheet
