"""Write the annotated workbook: the user's BOM with result columns appended, plus the bomcheck sheets."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import openpyxl
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.bom.archive import check_archive
from bomcheck.errors import OutputError
from bomcheck.files import atomic_output, check_writable
from bomcheck.model import Compliance, Lifecycle, LineResult, LineStatus, LookupStatus, Report, SourceStatus
from bomcheck.output.sheets.cells import (
    BOLD,
    UNKNOWN,
    WRAP_BOTTOM,
    Value,
    display_width,
    fill_for,
    first_quantity,
    fit_header_height,
    fit_height,
    grid_value,
    header_width,
    lines_needed,
    links_to,
    money_format,
    page_setup,
    put,
    set_widths,
    style,
    style_header,
    unit_format,
)
from bomcheck.output.sheets.line_text import best_source, notes
from bomcheck.output.sheets.offers import add_offers
from bomcheck.output.sheets.quantities import add_quantities, drop_quantities
from bomcheck.output.sheets.rfq import add_rfq
from bomcheck.output.sheets.scenarios import add_scenarios
from bomcheck.output.sheets.streamed import StreamedSheet, StreamingWorkbook, save_workbook
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


def _decided(result: LineResult) -> bool:
    """The line was asked about and has a plan to speak of (not DNP, not without an MPN)."""
    return result.status not in (LineStatus.DNP, LineStatus.NO_MPN)


def _known(value: Value, result: LineResult) -> Value:
    """`value`, or 'unknown' for a line that was asked about and has none (never blank, never 0)."""
    if value is None and _decided(result) and (result.purchases or result.status.blocks):
        return UNKNOWN
    return value


def _money_of(value: Decimal | None) -> Value:
    return float(value) if value is not None else None


def _lead_time(result: LineResult) -> Value:
    return _known(result.lead_time_weeks, result)


def _ncnr(result: LineResult) -> Value:
    return _known(None if result.ncnr is None else ("YES" if result.ncnr else "no"), result)


def _lifecycle(result: LineResult) -> Value:
    if not _decided(result) or (result.lifecycle is Lifecycle.UNKNOWN and not result.purchases
                                and not result.lookups):
        return None
    text = result.lifecycle.value
    if result.last_buy_date is not None:
        text += f" (last buy {result.last_buy_date:%Y-%m-%d})"
    return text


def _rohs(result: LineResult) -> Value:
    if not _decided(result) or (result.rohs is Compliance.UNKNOWN and not result.purchases
                                and not result.lookups):
        return None
    return result.rohs.value


def _buy_qty(result: LineResult) -> Value:
    return result.buy_qty if result.purchases or result.from_spare else None


def _short(result: LineResult) -> Value:
    """Parts of the need no offer supplies now (the JSON's `shortage`), 0 when covered; none for a
    line nobody was asked about (DNP, no MPN); 'unknown' when a source could not answer (ERROR):
    its stock is not known, so neither is the shortfall."""
    if result.status is LineStatus.ERROR:
        return UNKNOWN
    return result.shortage if _decided(result) else None


def _excess(result: LineResult) -> Value:
    return result.excess_qty if result.purchases else None


def _excess_value(result: LineResult) -> Value:
    return float(result.excess_value) if result.purchases and result.unit_price is not None else None


def _maker_bought(result: LineResult) -> Value:
    return result.bought_manufacturer if result.purchases else None


def _money(result: LineResult) -> str | None:
    return money_format(result.currency)


def _unit(result: LineResult) -> str | None:
    return unit_format(result.currency)


def _none(result: LineResult) -> str | None:
    return None


Column = tuple[str, Callable[[LineResult], Value], Callable[[LineResult], str | None]]

# The appended columns, in order: header, value of a line's result, its number format. The
# sources' stock columns go after "Maker Bought", one per source of the report (see result_columns).
_BEFORE_STOCK: tuple[Column, ...] = (
    ("Status", lambda r: r.status.value, _none),  # alone, so the filter offers each status once
    ("Action", lambda r: r.action.value if r.action else None, _none),
    ("Need", lambda r: r.need, _none),
    ("Buy Qty", _buy_qty, _none),
    ("Short", _short, _none),
    ("Unit Price", lambda r: _money_of(r.unit_price), _unit),
    ("Ext. Price", lambda r: _money_of(r.ext_price), _money),
    ("Excess", _excess, _none),
    ("Excess Value", _excess_value, _money),
    ("Best Source", best_source, _none),
    ("Maker Bought", _maker_bought, _none),
)
_AFTER_STOCK: tuple[Column, ...] = (
    ("MOQ", lambda r: r.moq, _none),
    ("NCNR", _ncnr, _none),
    ("Lifecycle", _lifecycle, _none),
    ("RoHS", _rohs, _none),
    ("Lead Time (wk)", _lead_time, _none),
    ("Notes", notes, _none),
)
# The columns holding the first build quantity's numbers: with several, their headers say which
PER_QUANTITY = frozenset({"Need", "Buy Qty", "Short", "Unit Price", "Ext. Price", "Excess", "Excess Value"})
# The columns of outputs written before the Status-first layout, recognised to be replaced.
_LEGACY_AFTER_STOCK = ("MOQ", "NCNR", "Lead Time (wk)", "Buy Qty", "Unit Price", "Ext. Price", "Best Source",
                       "Status", "Notes")
OWN_PREFIX = "bomcheck "  # before a header of ours the user's sheet already has ("bomcheck Notes")


def _stock_column(status: SourceStatus) -> Column:
    return (status.column_title, lambda r: _stock(r, status.name), _none)


def result_columns(report: Report) -> tuple[Column, ...]:
    """The columns appended for this report: its sources' stock columns in registry order, and
    with several build quantities the numbers' headers naming the first ("Need (10 boards)")."""
    columns = (*_BEFORE_STOCK, *(_stock_column(status) for status in report.sources), *_AFTER_STOCK)
    return tuple((first_quantity(header, report) if header in PER_QUANTITY else header, value_of, format_of)
                 for header, value_of, format_of in columns)


def result_headers(report: Report, taken: Iterable[Any] = ()) -> tuple[str, ...]:
    """Our headers; `bomcheck <header>` for each the user's own headers (`taken`) already use."""
    used = {str(header).strip().casefold() for header in taken if header is not None}
    return tuple(OWN_PREFIX + header if header.casefold() in used else header
                 for header, _, _ in result_columns(report))


_FOR_BOARDS = re.compile(r" \([\d,]+ boards\)$")  # what first_quantity adds to a header


def _ours(header: Any, name: str) -> bool:
    return isinstance(header, str) and _FOR_BOARDS.sub("", header.removeprefix(OWN_PREFIX)) == name


def is_result_header_row(headers: Sequence[Any], start: int) -> int:
    """How many columns of an earlier bomcheck output start at `start` (0: none)."""
    if start + 2 < len(headers) and all(_ours(headers[start + i], name)
                                        for i, name in enumerate(("Status", "Action", "Need"))):
        for end in range(start + 3, len(headers)):
            if _ours(headers[end], "Notes"):
                return end + 1 - start
        return 0
    if start >= len(headers) or headers[start] != "Need":  # the layout before Status came first
        return 0
    tail = _LEGACY_AFTER_STOCK
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
    workbook: Workbook | None = None
    try:
        with atomic_output(output, protect=report.bom.path) as temp:
            workbook = build_workbook(report, output)
            save_workbook(workbook, temp)
    finally:
        if isinstance(workbook, StreamingWorkbook):
            workbook.discard()  # a streamed sheet's temporary file, if the save did not take it
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
    loaded = _load_bom_sheet(report, output)
    with links_to(domain for status in report.sources for domain in status.link_domains):
        if loaded is None:  # a grid (text, .xls, .ods): its BOM sheet is streamed, results and all
            streaming = StreamingWorkbook()
            del streaming[streaming.sheetnames[0]]  # the new workbook's empty sheet
            try:
                _add_sheets(streaming, report, output, "BOM", stream_grid_sheet(streaming, "BOM", report))
            except BaseException:
                streaming.discard()  # the streamed sheets' temporary files
                raise
            workbook: Workbook = streaming
        else:
            workbook, sheet = loaded
            _add_sheets(workbook, report, output, sheet.title, append_results(sheet, report))
    return workbook


def _add_sheets(workbook: Workbook, report: Report, output: Path, sheet_title: str, first: int) -> None:
    """The bomcheck sheets, after the BOM sheet `sheet_title` whose results start at column `first`."""
    status_column = get_column_letter(first)
    summary = add_summary(workbook, report, sheet_title, status_column)
    if getattr(workbook, "vba_archive", None) is not None:
        _note_macros(summary, report.bom.path.name, Path(output).name)
    if len(report.scenarios) > 1:
        add_quantities(workbook, report, sheet_title, status_column)
    else:
        drop_quantities(workbook)
    add_scenarios(workbook, report)
    add_offers(workbook, report)
    add_rfq(workbook, report)


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


def _load_bom_sheet(report: Report, output: Path) -> tuple[Workbook, Worksheet] | None:
    """The user's workbook to annotate and its BOM sheet; None for a grid (text, .xls, .ods, or an
    .xlsx openpyxl cannot reopen), whose BOM sheet is written anew from what the reader read."""
    bom = report.bom
    suffix = bom.path.suffix.lower()
    # The reader goes by content: an old .xls renamed .xlsx is read, but openpyxl cannot reopen it.
    if suffix not in OUTPUT_SUFFIXES or not zipfile.is_zipfile(bom.path):
        return None
    # Macros survive only into an .xlsm output: an .xlsx holding VBA will not open in Excel.
    keep_vba = suffix == ".xlsm" and output.suffix.lower() == ".xlsm"
    check_archive(bom.path, "Excel workbook")  # the file may have been swapped since it was read
    try:
        workbook = openpyxl.load_workbook(bom.path, keep_vba=keep_vba)
    except Exception as exc:  # openpyxl raises many kinds for a file that changed under us
        if suffix == ".xlsx":  # or one its strict style parser refuses (read by calamine): write the grid
            return None
        raise OutputError(f"cannot reopen {bom.path} to annotate it: {exc}") from exc
    if bom.sheet not in workbook.sheetnames:
        raise OutputError(f"{bom.path.name} no longer has the sheet {bom.sheet!r}")
    return workbook, workbook[bom.sheet]


# ---------------------------------------------------------------- a grid's BOM sheet, streamed


def _filled(value: Any) -> bool:
    return value is not None and value != ""


def stream_grid_sheet(workbook: Workbook, title: str, report: Report) -> int:
    """Write the sheet `title` of a grid input, its result columns with it, row by row to disk.

    The sheet looks as the user's workbook does once annotated (`append_results`): the grid cell
    for cell, numbers as numbers, the input's merged ranges merged again (their value once, in the
    first cell) except those reaching past the table, where the result columns go; each column as
    wide as its widest value from the header down (a title above the table does not widen column A).
    openpyxl keeps ~280 bytes per cell of an ordinary sheet; a streamed one holds a row at a time,
    so a large CSV is written at a few times its size. Everything that precedes the rows in the
    file (widths, panes, page properties) is worked out first, in a pass over the values.
    Returns the number of the first result column (Status).
    """
    bom = report.bom
    grid, header_row = bom.grid, bom.header_row
    columns = result_columns(report)
    by_row = {result.line.row: result for result in report.results}
    header = [grid_value(value) if _filled(value) else None
              for value in (grid[header_row - 1] if header_row <= len(grid) else ())]
    grid_columns = max((_last_filled(cells) for cells in grid), default=0)
    earlier = next(((start + 1, width) for start in range(len(header))
                    if (width := is_result_header_row(header, start))), None)
    if earlier is not None:  # checking an output again: its old results are replaced, not repeated
        first, width = earlier
        cleared = range(first, first + max(width, len(columns)))
    else:  # past any value right of the table, as for a workbook (a note beside it is kept)
        first = max([bom.last_column, *(_last_filled(cells) for cells in grid[header_row - 1:])]) + 1
        width, cleared = 0, range(0)
    headers = result_headers(report, [header[col - 1] if col <= len(header) else None
                                      for col in range(1, first)])
    spanned: dict[int, list[tuple[int, int]]] = {}  # row -> columns a merged cell spans
    for min_row, min_col, max_row, max_col in bom.merged:
        if max_col > min_col:
            for row in range(min_row, max_row + 1):
                spanned.setdefault(row, []).append((min_col, max_col))
    grid_widths: list[int] = []
    for row, cells in enumerate(grid[header_row - 1:], start=header_row):
        for col, value in enumerate(cells, start=1):
            # a merged cell's text (a note across the table) has the merge's width: it sizes no column
            if _filled(value) and not any(low <= col <= high for low, high in spanned.get(row, ())):
                grid_widths.extend([0] * (col - len(grid_widths)))
                grid_widths[col - 1] = max(grid_widths[col - 1], display_width(grid_value(value), None))
    widths = [header_width(header) for header in headers]
    for result in by_row.values():
        for offset, (value, number_format) in enumerate(_result_values(result, columns)):
            widths[offset] = max(widths[offset], display_width(value, number_format))
    last_row = max([header_row, *by_row])
    rows = max([last_row, *(row for row, cells in enumerate(grid, start=1) if _last_filled(cells))])
    last_column = first + max(width, len(columns)) - 1
    streamed = StreamedSheet(workbook, title, rows, max(grid_columns, last_column))
    # openpyxl's write-only sheet has the ordinary sheet's layout attributes (widths, heights, panes,
    # filter, merges, page setup: see `WriteOnlyWorksheet._setup`), which is all the helpers touch
    sheet = cast(Worksheet, streamed)
    set_widths(sheet, 1, grid_widths)
    caps = [WRAPPED.get(header) for header, _, _ in columns]
    set_widths(sheet, first, widths, caps)
    fit_header_height(sheet, header_row, first, headers)
    _freeze(sheet, header_row, bom.column_index.get("mpn"), first)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(first + len(headers) - 1)}{last_row}"
    page_setup(sheet, (header_row, header_row), frozen_columns(sheet, bom.column_index.get("mpn")))
    covered: dict[int, list[tuple[int, int]]] = {}  # row -> column spans whose value a merge hides
    for min_row, min_col, max_row, max_col in bom.merged:
        if max_col <= bom.last_column and (min_row, min_col) != (max_row, max_col):
            sheet.merged_cells.add(CellRange(min_col=min_col, min_row=min_row,
                                             max_col=max_col, max_row=max_row))
            for row in range(min_row, max_row + 1):
                covered.setdefault(row, []).append((min_col + (row == min_row), max_col))
    column_widths = [sheet.column_dimensions[get_column_letter(first + offset)].width or 8.43
                     for offset in range(len(columns))]
    wrapped = [offset for offset, (header, _, _) in enumerate(columns) if header in WRAPPED]
    for row in range(1, rows + 1):
        row_cells: list[Cell | None] = [None] * (last_column if row >= header_row else 0)
        for col, value in enumerate(grid[row - 1] if row <= len(grid) else (), start=1):
            if _filled(value) and not any(low <= col <= high for low, high in covered.get(row, ())):
                if row > header_row and col in cleared:
                    continue
                cell = WriteOnlyCell(streamed)
                put(cell, grid_value(value))
                row_cells.extend([None] * (col - len(row_cells)))
                row_cells[col - 1] = cell
        if row == header_row:
            for col in range(first + len(columns), first + width):  # an earlier layout's extra headers
                row_cells[col - 1] = None
            for offset, text in enumerate(headers):
                cell = WriteOnlyCell(streamed)
                put(cell, text)
                style_header(cell)
                row_cells[first + offset - 1] = cell
        elif row in by_row:
            result = by_row[row]
            fill = fill_for(result, report.currency)
            lines = 1
            for offset, (value, number_format) in enumerate(_result_values(result, columns)):
                cell = WriteOnlyCell(streamed)
                put(cell, value, number_format)
                style(cell, fill=fill, alignment=WRAP_BOTTOM if offset in wrapped else None)
                row_cells[first + offset - 1] = cell
                if offset in wrapped:  # as tall as its wrapped texts (Notes, Best Source)
                    lines = max(lines, lines_needed(cell.value, column_widths[offset]))
            fit_height(sheet, row, lines)
        streamed.append(row_cells)
        sheet.row_dimensions.pop(row, None)  # written: its height is in the file now
    streamed.close()
    return first


def _last_filled(cells: Sequence[Any]) -> int:
    """The number of the last column of a grid row that holds a value (0: none)."""
    for col in range(len(cells), 0, -1):
        if _filled(cells[col - 1]):
            return col
    return 0


def _result_values(result: LineResult, columns: Sequence[Column]) -> list[tuple[Value, str | None]]:
    """A line's result cells: (value, number format); "—" where a column has nothing to say."""
    values: list[tuple[Value, str | None]] = []
    for _, value_of, format_of in columns:
        value = value_of(result)
        values.append((NOT_APPLICABLE, None) if value is None else (value, format_of(result)))
    return values


# ---------------------------------------------------------------- result columns


# Long texts, wrapped at these widths (never cut off on paper, and the sheet stays printable)
WRAPPED = {"Best Source": 40, "Maker Bought": 18, "Action": 18, "Notes": 50}


def append_results(sheet: Worksheet, report: Report) -> int:
    """The result columns after the BOM's last column: headers in its header row, a row per line.

    Result cells get the line's fill; the panes are frozen below the header and right of the
    MPN column (unless the user froze columns of their own), and the table is filtered unless the
    user's sheet already has a filter. Returns the number of the first result column (Status).
    """
    header_row = report.bom.header_row
    columns = result_columns(report)
    earlier = earlier_results_column(sheet, header_row)
    if earlier is not None:
        first, width = earlier  # checking an output again: its old results are replaced, not repeated
        clear_below(sheet, header_row, first, max(width, len(columns)))
        for col in range(first + len(columns), first + width):  # an earlier layout's extra headers
            sheet.cell(row=header_row, column=col).value = None
    else:
        first = first_result_column(sheet, header_row, report.bom.last_column)
    users = [sheet.cell(row=header_row, column=col).value for col in range(1, first)]
    headers = result_headers(report, users)
    widths = [header_width(header) for header in headers]
    for offset, header in enumerate(headers):
        cell = sheet.cell(row=header_row, column=first + offset)
        put(cell, header)
        style_header(cell)
    wrapped = {offset for offset, (header, _, _) in enumerate(columns) if header in WRAPPED}
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
            style(cell, fill=fill, alignment=WRAP_BOTTOM if offset in wrapped else None)
            widths[offset] = max(widths[offset], display_width(value, number_format))
        last_row = max(last_row, result.line.row)
    set_widths(sheet, first, widths, [WRAPPED.get(header) for header, _, _ in columns])
    _fit_heights(sheet, report, first, headers)
    _freeze(sheet, header_row, report.bom.column_index.get("mpn"), first)
    if not sheet.auto_filter.ref:
        last_column = get_column_letter(first + len(headers) - 1)
        sheet.auto_filter.ref = f"A{header_row}:{last_column}{last_row}"
    page_setup(sheet, (header_row, header_row), frozen_columns(sheet, report.bom.column_index.get("mpn")))
    return first


def _fit_heights(sheet: Worksheet, report: Report, first: int, headers: Sequence[str]) -> None:
    """Rows as tall as their wrapped texts (the header's and each line's Notes and Best Source)."""
    widths = [sheet.column_dimensions[get_column_letter(first + offset)].width or 8.43
              for offset in range(len(headers))]
    header_row = report.bom.header_row
    fit_header_height(sheet, header_row, first, headers)
    wrapped = [offset for offset, header in enumerate(headers) if header.removeprefix(OWN_PREFIX) in WRAPPED]
    for result in report.results:
        row = result.line.row
        fit_height(sheet, row, max((lines_needed(sheet.cell(row=row, column=first + offset).value,
                                                 widths[offset]) for offset in wrapped), default=1))


SCROLL_PAST = 60  # width units of the user's columns between the MPN and Status that hide the decision
# The widest the frozen columns may be (about 750 px, half a laptop screen): wider, they leave no
# room to scroll bomcheck's columns into view, and the sheet is frozen below the header only.
FROZEN_MAX = 100


def _width(sheet: Worksheet, columns: range) -> float:
    return sum(sheet.column_dimensions[get_column_letter(col)].width or 8.43 for col in columns)


def frozen_columns(sheet: Worksheet, mpn_column: int | None) -> int:
    """How many columns stay in view (and are repeated on each printed page across): those up to
    the MPN's, or none when they are wider than FROZEN_MAX together."""
    if not mpn_column or _width(sheet, range(1, mpn_column + 1)) > FROZEN_MAX:
        return 0
    return mpn_column


def _freeze(sheet: Worksheet, header_row: int, mpn_column: int | None,
            status_column: int) -> None:
    """Freeze below the header and right of the MPN column, so the part and the decision stay in
    view; below the header only when the columns up to the MPN are too wide to keep (FROZEN_MAX);
    a sheet whose user froze columns of their own keeps their panes.

    When the user's columns between the MPN and Status are wider than SCROLL_PAST, the sheet
    opens scrolled to Status (the decision visible without scrolling; scroll left for them).
    """
    if sheet.freeze_panes is not None and not sheet.freeze_panes.startswith("A"):
        return
    frozen = frozen_columns(sheet, mpn_column)
    first_free = frozen + 1
    sheet.freeze_panes = f"{get_column_letter(first_free)}{header_row + 1}"
    between = _width(sheet, range(first_free, status_column))
    pane = sheet.sheet_view.pane
    if frozen and between > SCROLL_PAST and pane is not None:
        status = f"{get_column_letter(status_column)}{header_row + 1}"
        pane.topLeftCell = status
        for selection in sheet.sheet_view.selection:  # the cursor where the eye goes, not out of view
            if selection.pane == pane.activePane:
                selection.activeCell = selection.sqref = status


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


