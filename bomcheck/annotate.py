"""Write the annotated workbook: the user's BOM with result columns appended, plus a Summary sheet."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.errors import OutputError
from bomcheck.files import atomic_output, check_writable
from bomcheck.model import LineResult, LineStatus, Report

NOT_CHECKED = "not checked"
NOT_APPLICABLE = "—"  # written where a column has nothing to say for a line, so no cell is left blank
ARROW_SOURCE = "Arrow"  # Source.name of the Arrow client, the key of LineResult.stock
BONDED_SOURCE = "DigiKey Bonded"  # Source.name of the DigiKey bonded-inventory client
PRICE_FORMAT = "#,##0.0000"
MONEY_FORMAT = "#,##0.00"
SUMMARY_TITLE = "Summary"
OWN_SUMMARY_TITLE = "bomcheck Summary"
OUTPUT_SUFFIXES = (".xlsx", ".xlsm")
MAX_CELL_TEXT = 32767
MIN_WIDTH, MAX_WIDTH = 8, 60

Value = str | int | float | None


def _stock(result: LineResult, source: str) -> Value:
    """The source's stock for the line; "not checked" when it was not asked (or not answered)."""
    if result.status in (LineStatus.DNP, LineStatus.NO_MPN):
        return None  # nobody is asked about these lines
    stock = result.stock.get(source)
    return NOT_CHECKED if stock is None else stock


def _status(result: LineResult) -> str:
    reason = result.reason.strip()
    return f"{result.status.value} — {reason}" if reason else result.status.value


def _unit_price(result: LineResult) -> Value:
    purchase = result.purchase
    return float(purchase.unit_price) if purchase and purchase.unit_price is not None else None


def _ext_price(result: LineResult) -> Value:
    purchase = result.purchase
    return float(purchase.ext_price) if purchase and purchase.ext_price is not None else None


def _best_source(result: LineResult) -> Value:
    if result.purchase is None:
        return None
    offer = result.purchase.offer
    return f"{offer.source}: {offer.seller} {offer.sku}".strip()


# The appended columns, in order: header, value of a line's result, number format.
RESULT_COLUMNS: tuple[tuple[str, Callable[[LineResult], Value], str | None], ...] = (
    ("Need", lambda r: r.need, None),
    ("Arrow Stock", lambda r: _stock(r, ARROW_SOURCE), None),
    ("DigiKey Bonded", lambda r: _stock(r, BONDED_SOURCE), None),
    ("MOQ", lambda r: r.moq, None),
    ("NCNR", lambda r: None if r.ncnr is None else ("YES" if r.ncnr else "no"), None),
    ("Lead Time (wk)", lambda r: r.lead_time_weeks, None),
    ("Buy Qty", lambda r: r.purchase.buy_qty if r.purchase else None, None),
    ("Unit Price", _unit_price, PRICE_FORMAT),
    ("Ext. Price", _ext_price, MONEY_FORMAT),
    ("Best Source", _best_source, None),
    ("Status", _status, None),
)
RESULT_HEADERS = tuple(header for header, _, _ in RESULT_COLUMNS)

_NUMBER_TEXT = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{1,15})?$")


def default_output_path(input_path: Path) -> Path:
    """`<stem>.checked.xlsx` beside the input (`.checked.xlsm` for an .xlsm input)."""
    input_path = Path(input_path)
    suffix = ".xlsm" if input_path.suffix.lower() == ".xlsm" else ".xlsx"
    return input_path.with_name(f"{input_path.stem}.checked{suffix}")


def write_report(report: Report, output: Path) -> Path:
    """Write the annotated copy of the report's BOM to `output` and return it.

    The input file is never written; `output` appears complete or not at all.
    """
    output = Path(output)
    _check_suffix(output)
    with atomic_output(output, protect=report.bom.path) as temp:
        build_workbook(report, output).save(temp)
    return output


def check_output_path(output: Path, input_path: Path) -> None:
    """Refuse, before any query is sent, an output that could not be written."""
    _check_suffix(Path(output))
    check_writable(Path(output), protect=input_path)


def _check_suffix(output: Path) -> None:
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise OutputError(f"cannot write {output}: the output must be an .xlsx or .xlsm file")


def build_workbook(report: Report, output: Path) -> Workbook:
    """The user's workbook (or a new one for text input) with results and a Summary added."""
    workbook, sheet = _load_bom_sheet(report, output)
    append_results(sheet, report)
    add_summary(workbook, report, sheet.title)
    return workbook


# ---------------------------------------------------------------- workbook


def _load_bom_sheet(report: Report, output: Path) -> tuple[Workbook, Worksheet]:
    """The workbook to write and its BOM sheet: the user's own workbook, or a new one for text."""
    bom = report.bom
    suffix = bom.path.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        return _grid_workbook(bom.grid)
    # Macros survive only into an .xlsm output: an .xlsx holding VBA will not open in Excel.
    keep_vba = suffix == ".xlsm" and output.suffix.lower() == ".xlsm"
    try:
        workbook = openpyxl.load_workbook(bom.path, keep_vba=keep_vba)
    except Exception as exc:  # openpyxl raises many kinds for a file that changed under us
        raise OutputError(f"cannot reopen {bom.path} to annotate it: {exc}") from exc
    if bom.sheet not in workbook.sheetnames:
        raise OutputError(f"{bom.path.name} no longer has the sheet {bom.sheet!r}")
    return workbook, workbook[bom.sheet]


def _grid_workbook(grid: Sequence[Sequence[Any]]) -> tuple[Workbook, Worksheet]:
    """A new workbook whose sheet "BOM" holds the grid cell for cell, numbers as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "BOM"
    for row, cells in enumerate(grid, start=1):
        for col, value in enumerate(cells, start=1):
            if value is not None and value != "":
                put(sheet.cell(row=row, column=col), grid_value(value))
    return workbook, sheet


def grid_value(value: Any) -> Value:
    """A text-file cell as a number when it is plainly one ("12", "0.5"; not "0603"), else text."""
    if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
        text = value.strip()
        return float(text) if "." in text else int(text)
    return value


def put(cell: Cell, value: Value, number_format: str | None = None) -> None:
    """Set a cell; text is always stored as text (never a formula) and made legal for Excel."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
        cell.data_type = "s"
    else:
        cell.value = value
    if number_format is not None and value is not None:
        cell.number_format = number_format


# ---------------------------------------------------------------- result columns


def append_results(sheet: Worksheet, report: Report) -> None:
    """The result columns after the BOM's last column: headers in its header row, a row per line."""
    first = first_result_column(sheet, report.bom.header_row, report.bom.last_column)
    bold = Font(bold=True)
    widths = [len(header) for header in RESULT_HEADERS]
    for offset, header in enumerate(RESULT_HEADERS):
        cell = sheet.cell(row=report.bom.header_row, column=first + offset)
        put(cell, header)
        cell.font = bold
    for result in report.results:
        for offset, (_, value_of, number_format) in enumerate(RESULT_COLUMNS):
            value = value_of(result)
            if value is None:
                value = NOT_APPLICABLE
            put(sheet.cell(row=result.line.row, column=first + offset), value, number_format)
            widths[offset] = max(widths[offset], _display_width(value, number_format))
    for offset, width in enumerate(widths):
        letter = get_column_letter(first + offset)
        sheet.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)


def first_result_column(sheet: Worksheet, header_row: int, last_column: int) -> int:
    """`last_column + 1`, or further right past any value the reader could not see.

    The reader sees cached values only: a formula never calculated by Excel reads as empty
    there, but it is a user's cell here and must not be overwritten.
    """
    last = last_column
    for row in range(header_row, sheet.max_row + 1):
        for col in range(sheet.max_column, last, -1):
            if sheet.cell(row=row, column=col).value is not None:
                last = col
                break
    return last + 1


def _display_width(value: Value, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, float) and number_format:
        decimals = len(number_format.rsplit(".", 1)[-1]) if "." in number_format else 0
        return len(f"{value:,.{decimals}f}")
    return len(str(value))


# ---------------------------------------------------------------- summary sheet


def summary_rows(report: Report, sheet_title: str) -> list[tuple[str, Value, str | None]]:
    """(label, value, number format) rows of the Summary sheet."""
    rows: list[tuple[str, Value, str | None]] = [
        ("Checked at", report.checked_at.isoformat(timespec="seconds"), None),
        ("File", report.bom.path.name, None),
        ("Sheet", sheet_title, None),
        ("Boards", report.boards, None),
        ("Currency", report.currency, None),
    ]
    for source in report.sources:
        state = "checked" if source.checked else f"not checked: {source.message or 'no reason given'}"
        rows.append((f"Source: {source.name}", state, None))
    totals = report.totals
    for currency, total in sorted(totals.items()):
        rows.append((f"Total cost ({currency})", float(total), MONEY_FORMAT))
    if not totals:
        rows.append(("Total cost", "no priced lines", None))
    rows.append(("Lines", len(report.results), None))
    rows.extend((f"Lines {status.value}", report.count(status), None) for status in LineStatus)
    return rows


def add_summary(workbook: Workbook, report: Report, sheet_title: str) -> Worksheet:
    """Add the Summary sheet (named "bomcheck Summary" if the user has a "Summary" of their own)."""
    title = SUMMARY_TITLE
    if title in workbook.sheetnames and not _is_our_summary(workbook[title]):
        title = OWN_SUMMARY_TITLE
    if title in workbook.sheetnames:
        del workbook[title]
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    rows = summary_rows(report, sheet_title)
    for number, (label, value, number_format) in enumerate(rows, start=1):
        put(sheet.cell(row=number, column=1), label)
        sheet.cell(row=number, column=1).font = bold
        put(sheet.cell(row=number, column=2), value, number_format)
    sheet.column_dimensions["A"].width = min(max(len(r[0]) for r in rows) + 2, MAX_WIDTH)
    value_width = max(_display_width(value, fmt) for _, value, fmt in rows)
    sheet.column_dimensions["B"].width = min(max(value_width + 2, MIN_WIDTH), MAX_WIDTH)
    return sheet


def _is_our_summary(sheet: Worksheet) -> bool:
    """A Summary sheet written by an earlier bomcheck run (its first labels are ours)."""
    return sheet["A1"].value == "Checked at" and sheet["A2"].value == "File"
