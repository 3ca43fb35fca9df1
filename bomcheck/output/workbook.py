"""Write the annotated workbook: the user's BOM with result columns appended, plus the bomcheck sheets."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.bom.archive import check_archive
from bomcheck.errors import OutputError
from bomcheck.files import atomic_output, check_writable
from bomcheck.model import LineResult, LineStatus, LookupStatus, Purchase, Report, SourceStatus
from bomcheck.output.sheets.cells import (
    BOLD,
    Value,
    display_width,
    fill_for,
    grid_value,
    links_to,
    money_format,
    put,
    set_widths,
    style,
    unit_format,
)
from bomcheck.output.sheets.offers import add_offers
from bomcheck.output.sheets.rfq import add_rfq
from bomcheck.output.sheets.scenarios import add_scenarios
from bomcheck.output.sheets.summary import add_summary, summary_rows

log = logging.getLogger(__name__)

__all__ = [
    "build_workbook",
    "check_output_path",
    "default_output_path",
    "grid_value",
    "put",
    "result_headers",
    "summary_rows",
    "write_report",
]

NOT_CHECKED = "not checked"
NOT_APPLICABLE = "—"  # written where a column has nothing to say for a line, so no cell is left blank
OUTPUT_SUFFIXES = (".xlsx", ".xlsm")


def _stock(result: LineResult, source: str) -> Value:
    """The source's stock for the line; "not checked" when it was not asked (or not answered)."""
    if result.status in (LineStatus.DNP, LineStatus.NO_MPN):
        return None  # nobody is asked about these lines
    stock = result.stock.get(source)
    lookup = result.lookups.get(source)
    if stock is None and lookup is not None and lookup.status is LookupStatus.AMBIGUOUS:
        return "several parts"  # asked and answered, but for which of them? (see Notes)
    return NOT_CHECKED if stock is None else stock


def _status(result: LineResult) -> str:
    # The status alone, so that the autofilter offers OK / SHORT / ... and not one value per line.
    return result.status.value


def _ext_price(result: LineResult) -> Value:
    return float(result.ext_price) if result.ext_price is not None else None


def _unit_price(result: LineResult) -> Value:
    """The break price; for a line split across offers, the average (Ext. Price / Buy Qty)."""
    return float(result.unit_price) if result.unit_price is not None else None


def _where(purchase: Purchase) -> str:
    offer = purchase.offer
    return f"{offer.where} {offer.sku}".strip()


def _best_source(result: LineResult) -> Value:
    """Where to buy; led by the MPN when the line is bought as an alternate."""
    if not result.purchases:
        return None
    if len(result.purchases) == 1:
        where = _where(result.purchases[0])
    else:
        where = " + ".join(f"{_where(p)} ({p.buy_qty})" for p in result.purchases)
    return f"{result.alternate.mpn} (alternate): {where}" if result.alternate else where


def _notes(result: LineResult) -> Value:
    notes = [result.reason.strip()] if result.reason.strip() else []
    notes += [note for note in result.notes if note not in notes]
    if result.need_attrition:
        notes.insert(0, f"need {result.need} = {result.need_base} + {result.need_attrition} attrition")
    notes += [f"BOM: {warning}" for warning in result.line.warnings]  # what the reader doubted
    return "; ".join(notes) or None


def _money(result: LineResult) -> str | None:
    return money_format(result.currency)


def _unit(result: LineResult) -> str | None:
    return unit_format(result.currency)


Column = tuple[str, Callable[[LineResult], Value], Callable[[LineResult], str | None]]

# The appended columns, in order: header, value of a line's result, its number format. The
# sources' stock columns go after "Need", one per source of the report (see result_columns).
_NEED: Column = ("Need", lambda r: r.need, lambda r: None)
_AFTER_STOCK: tuple[Column, ...] = (
    ("MOQ", lambda r: r.moq, lambda r: None),
    # A purchase from an offer that does not say (a source without an NCNR field) is "unknown", never "no"
    ("NCNR", lambda r: ("unknown" if r.purchases else None) if r.ncnr is None else
     ("YES" if r.ncnr else "no"), lambda r: None),
    ("Lead Time (wk)", lambda r: r.lead_time_weeks, lambda r: None),
    ("Buy Qty", lambda r: r.buy_qty if r.purchases or r.from_spare else None, lambda r: None),
    ("Unit Price", _unit_price, _unit),
    ("Ext. Price", _ext_price, _money),
    ("Best Source", _best_source, lambda r: None),
    ("Status", _status, lambda r: None),
    ("Notes", _notes, lambda r: None),
)


def _stock_column(status: SourceStatus) -> Column:
    return (status.column_title, lambda r: _stock(r, status.name), lambda r: None)


def result_columns(report: Report) -> tuple[Column, ...]:
    """The columns appended for this report: its sources' stock columns in registry order."""
    return (_NEED, *(_stock_column(status) for status in report.sources), *_AFTER_STOCK)


def result_headers(report: Report) -> tuple[str, ...]:
    return tuple(header for header, _, _ in result_columns(report))


def is_result_header_row(headers: Sequence[Any], start: int) -> int:
    """How many columns of an earlier bomcheck output start at `start` (0: none)."""
    if start >= len(headers) or headers[start] != _NEED[0]:
        return 0
    tail = tuple(header for header, _, _ in _AFTER_STOCK)
    for end in range(start + 1, len(headers) - len(tail) + 1):
        if tuple(headers[end:end + len(tail)]) == tail:
            return end + len(tail) - start
    return 0


OUTPUT_MARK = ".checked"  # outputs are <stem>.checked.xlsx: a watched folder never takes one as input


def output_tail(input_path: Path) -> str:
    """What follows the input's stem in its output's name: `.checked.xlsx` (`.checked.xlsm` for macros)."""
    return OUTPUT_MARK + (".xlsm" if Path(input_path).suffix.lower() == ".xlsm" else ".xlsx")


def default_output_path(input_path: Path) -> Path:
    """`<stem>.checked.xlsx` beside the input (`.checked.xlsm` for an .xlsm input)."""
    input_path = Path(input_path)
    return input_path.with_name(input_path.stem + output_tail(input_path))


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
    if Path(output).suffix.lower() == ".xlsm" and Path(input_path).suffix.lower() != ".xlsm":
        # Excel refuses an .xlsm that holds no macro project: only an .xlsm input can give one.
        raise OutputError(f"cannot write {output}: an .xlsm output keeps the macros of an .xlsm BOM, "
                          f"and {Path(input_path).name} has none; name the output .xlsx")
    check_writable(Path(output), protect=input_path)


def _check_suffix(output: Path) -> None:
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise OutputError(f"cannot write {output}: the output must be an .xlsx or .xlsm file")


def build_workbook(report: Report, output: Path) -> Workbook:
    """The user's workbook (or a new one for text input) with results and the bomcheck sheets added."""
    workbook, sheet = _load_bom_sheet(report, output)
    with links_to(domain for status in report.sources for domain in status.link_domains):
        append_results(sheet, report)
        summary = add_summary(workbook, report, sheet.title)
        if getattr(workbook, "vba_archive", None) is not None:
            _note_macros(summary, report.bom.path.name, Path(output).name)
        add_scenarios(workbook, report)
        add_offers(workbook, report)
        add_rfq(workbook, report)
    return workbook


# ---------------------------------------------------------------- workbook


def _note_macros(summary: Worksheet, source: str, output: str) -> None:
    """Say, on stderr and in the Summary sheet, that the output keeps the BOM's own macros."""
    said = (f"{output} keeps the VBA macros of {source} as they are: bomcheck adds and runs none; "
            "Excel runs them only if you enable macros, as for the BOM itself")
    log.warning("%s", said)
    row = summary.max_row + 1
    put(summary.cell(row=row, column=1), "Macros")
    summary.cell(row=row, column=1).font = BOLD
    put(summary.cell(row=row, column=2), said)


def _load_bom_sheet(report: Report, output: Path) -> tuple[Workbook, Worksheet]:
    """The workbook to write and its BOM sheet: the user's own workbook, or a new one for text."""
    bom = report.bom
    suffix = bom.path.suffix.lower()
    # The reader goes by content: an old .xls renamed .xlsx is read, but openpyxl cannot reopen it.
    if suffix not in OUTPUT_SUFFIXES or not zipfile.is_zipfile(bom.path):
        return _grid_workbook(bom.grid, bom.merged, bom.last_column)
    # Macros survive only into an .xlsm output: an .xlsx holding VBA will not open in Excel.
    keep_vba = suffix == ".xlsm" and output.suffix.lower() == ".xlsm"
    check_archive(bom.path, "Excel workbook")  # the file may have been swapped since it was read
    try:
        workbook = openpyxl.load_workbook(bom.path, keep_vba=keep_vba)
    except Exception as exc:  # openpyxl raises many kinds for a file that changed under us
        if suffix == ".xlsx":  # or one its strict style parser refuses (read by calamine): write the grid
            return _grid_workbook(bom.grid, bom.merged, bom.last_column)
        raise OutputError(f"cannot reopen {bom.path} to annotate it: {exc}") from exc
    if bom.sheet not in workbook.sheetnames:
        raise OutputError(f"{bom.path.name} no longer has the sheet {bom.sheet!r}")
    return workbook, workbook[bom.sheet]


def _grid_workbook(grid: Sequence[Sequence[Any]], merged: Sequence[tuple[int, int, int, int]] = (),
                   last_column: int = 0) -> tuple[Workbook, Worksheet]:
    """A new workbook whose sheet "BOM" holds the grid cell for cell, numbers as numbers.

    The input's merged ranges are merged again (their value once, in the first cell), except
    those reaching past the table, where the result columns go.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "BOM"
    for row, cells in enumerate(grid, start=1):
        for col, value in enumerate(cells, start=1):
            if value is not None and value != "":
                put(sheet.cell(row=row, column=col), grid_value(value))
    for min_row, min_col, max_row, max_col in merged:
        if max_col <= last_column and (min_row, min_col) != (max_row, max_col):
            sheet.merge_cells(start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col)
    return workbook, sheet


# ---------------------------------------------------------------- result columns


def append_results(sheet: Worksheet, report: Report) -> None:
    """The result columns after the BOM's last column: headers in its header row, a row per line.

    Result cells get the line's fill; the header row is frozen and filtered unless the user
    already froze or filtered the sheet.
    """
    header_row = report.bom.header_row
    columns = result_columns(report)
    headers = [header for header, _, _ in columns]
    earlier = earlier_results_column(sheet, header_row)
    if earlier is not None:
        first, width = earlier  # checking an output again: its old results are replaced, not repeated
        clear_below(sheet, header_row, first, max(width, len(headers)))
    else:
        first = first_result_column(sheet, header_row, report.bom.last_column)
    widths = [len(header) for header in headers]
    for offset, header in enumerate(headers):
        cell = sheet.cell(row=header_row, column=first + offset)
        put(cell, header)
        cell.font = BOLD
    last_row = header_row
    for result in report.results:
        fill = fill_for(result, report.currency)
        for offset, (_, value_of, format_of) in enumerate(columns):
            value = value_of(result)
            number_format = format_of(result) if value is not None else None
            if value is None:
                value = NOT_APPLICABLE
            cell = sheet.cell(row=result.line.row, column=first + offset)
            put(cell, value, number_format)
            if fill is not None:
                style(cell, fill=fill)
            widths[offset] = max(widths[offset], display_width(value, number_format))
        last_row = max(last_row, result.line.row)
    set_widths(sheet, first, widths)
    if sheet.freeze_panes is None:
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
    if not sheet.auto_filter.ref:
        last_column = get_column_letter(first + len(headers) - 1)
        sheet.auto_filter.ref = f"A{header_row}:{last_column}{last_row}"


def earlier_results_column(sheet: Worksheet, header_row: int) -> tuple[int, int] | None:
    """Where an earlier bomcheck output's result columns start in the header row, and how many
    there are (another run may have had other sources), if they are there."""
    headers = [cell.value for cell in sheet[header_row]]
    for start in range(len(headers)):
        width = is_result_header_row(headers, start)
        if width:
            return start + 1, width
    return None


def clear_below(sheet: Worksheet, header_row: int, first: int, count: int) -> None:
    """Empty the cells (values and fills) under the header of `count` columns from `first`."""
    for row in sheet.iter_rows(min_row=header_row + 1, min_col=first, max_col=first + count - 1):
        for cell in row:
            cell.value = None
            cell.fill = PatternFill()


def first_result_column(sheet: Worksheet, header_row: int, last_column: int) -> int:
    """`last_column + 1`, or further right past any value the reader could not see.

    The reader sees cached values only: a formula never calculated by Excel reads as empty
    there, but it is a user's cell here and must not be overwritten.
    """
    last = last_column
    max_column = sheet.max_column  # computed from every cell on each access: once, not per row
    for row in range(header_row, sheet.max_row + 1):
        for col in range(max_column, last, -1):
            if sheet.cell(row=row, column=col).value is not None:
                last = col
                break
    return last + 1


