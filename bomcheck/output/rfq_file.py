"""The RFQ file (`BOM.rfq.xlsx`): what a supplier needs to quote the lines to buy, and nothing else.

A header block (who asks, RFQ number, dates, currency, Incoterms, delivery address), one row per
line to quote (`rfq_lines`), then shaded columns for the supplier's answer. Written from the BOM's
own words and the quantities only: no offer, seller, SKU, stock, note or internal price reaches
it (the plan's unit price only as an optional target price). Landscape, fit to width, titles
repeated on every page.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.errors import OutputError
from bomcheck.files import atomic_output, check_writable
from bomcheck.model import Report
from bomcheck.output.rfq_lines import RfqLine, rfq_lines
from bomcheck.output.sheets.cells import money_format, put
from bomcheck.output.sheets.streamed import save_workbook
from bomcheck.output.workbook import OUTPUT_MARK, OUTPUT_SUFFIXES

log = logging.getLogger(__name__)

RFQ_MARK = ".rfq"  # the RFQ file is <stem>.rfq.xlsx beside the output: a watched folder never takes one
RFQ_SUFFIX = ".xlsx"
TITLE = "RFQ"
PAPER_SIZES = {"A4": 9, "LETTER": 1, "A3": 8, "LEGAL": 5}


@dataclass(frozen=True)
class RfqRequest:
    """What the user asked the RFQ file to say: the `[rfq]` config section and `--rfq-target-price`.

    Empty text is a blank left visible in the file, to fill in by hand; days are offsets from
    the day the file is written.
    """

    company: str = ""
    contact: str = ""
    email: str = ""
    phone: str = ""
    delivery_address: str = ""
    incoterms: str = ""
    currency: str = ""  # "": the run's currency
    reply_by_days: int | None = None
    required_by_days: int | None = None
    number: str = ""  # "": generated (see rfq_number)
    packaging: str = ""  # packaging wanted on every line ("": any, the supplier says which)
    terms: str = ""  # one line of conditions for every line (authorised channel only, date code...)
    paper: str = "A4"
    target_price: bool = False


@dataclass(frozen=True)
class RfqHeader:
    """The header block as written: the request with its dates worked out and its number set."""

    request: RfqRequest
    number: str
    issued: date
    currency: str

    @property
    def reply_by(self) -> date | None:
        days = self.request.reply_by_days
        return None if days is None else self.issued + timedelta(days=days)

    @property
    def required_by(self) -> date | None:
        days = self.request.required_by_days
        return None if days is None else self.issued + timedelta(days=days)


def rfq_path(output: Path) -> Path:
    """`BOM.rfq.xlsx` beside `output` (`BOM.checked.xlsx`); `<stem>.rfq.xlsx` for another name."""
    output = Path(output)
    name = output.name
    for suffix in OUTPUT_SUFFIXES:
        tail = OUTPUT_MARK + suffix
        if name.lower().endswith(tail):
            return output.with_name(name[: -len(tail)] + RFQ_MARK + RFQ_SUFFIX)
    return output.with_name(output.stem + RFQ_MARK + RFQ_SUFFIX)


def is_rfq_file(path: Path) -> bool:
    """One of our RFQ files (`x.rfq.xlsx`, `x (2).rfq.xlsx`)."""
    return Path(path).suffix.lower() == RFQ_SUFFIX and Path(path).stem.lower().endswith(RFQ_MARK)


def check_rfq_path(target: Path, *, output: Path, protect: Path, json_output: Path | None = None) -> None:
    """Refuse, before any query is sent, an RFQ file that could not be written."""
    if Path(target).resolve() == Path(output).resolve():
        raise OutputError(f"the RFQ file and the workbook would both be {output}; name the output "
                          "something else with -o")
    if json_output is not None and Path(target).resolve() == Path(json_output).resolve():
        raise OutputError(f"--json and the RFQ file would both be {target}; give --json another file name")
    check_writable(Path(target), protect=protect, option="-o")


def rfq_number(report: Report, lines: Sequence[RfqLine], issued: date) -> str:
    """`RFQ-YYYYMMDD-XXXXXX`: the day, and 6 hex digits of a hash of the BOM file's name and the
    lines and quantities asked, so the same BOM checked twice on one day keeps its number."""
    digest = hashlib.sha256(report.bom.path.name.encode("utf-8"))
    for item in lines:
        digest.update(repr((item.line.row, item.line.mpn, item.quantities)).encode("utf-8"))
    return f"RFQ-{issued:%Y%m%d}-{digest.hexdigest()[:6].upper()}"


def write_rfq(report: Report, target: Path, request: RfqRequest, *, today: date | None = None) -> Path:
    """Write the RFQ file for `report` to `target`, atomically; the BOM file is never written."""
    target = Path(target)
    with atomic_output(target, protect=report.bom.path) as temp:
        save_workbook(build_rfq(report, request, today=today), temp)
    return target


def build_rfq(report: Report, request: RfqRequest, *, today: date | None = None) -> Workbook:
    issued = today or date.today()
    currency = (request.currency or report.currency).upper()
    lines = rfq_lines(report, currency)
    if request.target_price and currency != report.currency.upper():
        log.warning("the RFQ asks for prices in %s but this run priced in %s: its target prices stay "
                    "empty (no currency is converted); run with --currency %s to fill them",
                    currency, report.currency, currency)
    header = RfqHeader(request, request.number or rfq_number(report, lines, issued), issued, currency)
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = TITLE
    columns = _columns(report, lines, header)
    first_row = _header_block(sheet, header, report, len(lines), len(columns))
    _table(sheet, columns, lines, first_row)
    _page_setup(sheet, header, first_row, len(columns), len(lines))
    workbook.properties.creator = request.company or "bomcheck"
    workbook.properties.lastModifiedBy = None
    workbook.properties.title = f"Request for quotation {header.number}"
    return workbook


# ---------------------------------------------------------------- look

FONT = Font(name="Calibri", size=9)
BOLD = Font(name="Calibri", size=9, bold=True)
LABEL = Font(name="Calibri", size=9, bold=True, color="FF595959")
TITLE_FONT = Font(name="Calibri", size=16, bold=True, color="FF1F3864")
HEAD_FONT = Font(name="Calibri", size=9, bold=True, color="FFFFFFFF")
ASK_FILL = PatternFill("solid", fgColor="FF1F3864")  # our columns' headers: dark blue
ANSWER_HEAD_FILL = PatternFill("solid", fgColor="FF833C0B")  # the supplier's: dark orange
INPUT_FILL = PatternFill("solid", fgColor="FFFFF2CC")  # cells to fill in (Excel's input look)
THIN = Side(style="thin", color="FFA6A6A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BLANK_LINE = Border(bottom=Side(style="thin", color="FF000000"))  # a header value left to fill in
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
DATE_FORMAT = "yyyy-mm-dd"
COUNT_FORMAT = "#,##0"
LINE_HEIGHT = 11.5  # points per line of 9-point Calibri in Excel (LibreOffice sets it tighter)


@dataclass(frozen=True)
class _Column:
    header: str
    width: float
    value: Callable[[int, RfqLine], str | int | float | None]
    number_format: str | None = None
    answer: bool = False  # a column for the supplier's answer: shaded, empty
    validation: str | None = None  # "decimal", "whole", "date": what Excel accepts in an answer cell


def _empty(number: int, item: RfqLine) -> None:
    return None


def _columns(report: Report, lines: Sequence[RfqLine], header: RfqHeader) -> list[_Column]:
    boards = [scenario.boards for scenario in report.scenarios]
    unit = money_format(header.currency, 4)
    columns = [_Column("Item", 4, lambda number, item: number)]
    if any(item.line.customer_pn for item in lines):
        columns.append(_Column("Our part no.", 11, lambda number, item: item.line.customer_pn))
    columns += [
        _Column("MPN", 17, lambda number, item: item.line.mpn or "—"),
        _Column("Maker", 10, lambda number, item: item.line.manufacturer),
        _Column("Alternates accepted", 11, lambda number, item: _alternates(item)),
        _Column("Description", 20, lambda number, item: _description(item)),
        _Column("Designators", 16, lambda number, item: designator_ranges(item.line.refdes)),
        _Column("Qty per board", 5.5, lambda number, item: item.line.qty, COUNT_FORMAT),
    ]
    for index, count in enumerate(boards):
        columns.append(_Column(f"Qty for {count:,} boards", 7.5, _quantity(index), COUNT_FORMAT))
    columns += [
        _Column("Packaging wanted", 8.5, lambda number, item: header.request.packaging or "any"),
        _Column("Request", 14, lambda number, item: item.ask),
    ]
    if header.request.target_price:
        for index, count in enumerate(boards):
            columns.append(_Column(f"Target unit price, {count:,} boards", 9, _target(index), unit))
    columns += [
        _Column("Quoted MPN", 13, _empty, answer=True),
        _Column("Quoted maker", 10, _empty, answer=True),
        *(_Column(f"Unit price, {count:,} boards", 9, _empty, unit, answer=True, validation="decimal")
          for count in boards),
        _Column("MOQ", 6, _empty, COUNT_FORMAT, answer=True, validation="whole"),
        _Column("SPQ (pack)", 6, _empty, COUNT_FORMAT, answer=True, validation="whole"),
        _Column("Lead time (weeks)", 6.5, _empty, answer=True, validation="whole"),
        _Column("Date code", 6.5, _empty, answer=True),
        _Column("Quote valid until", 9, _empty, DATE_FORMAT, answer=True, validation="date"),
        _Column("Remarks", 13, _empty, answer=True),
    ]
    return columns


_DESIGNATOR = re.compile(r"^(.*?)(\d+)$")


def designator_ranges(refdes: Sequence[str]) -> str:
    """'R1-R4, R7, C2': three or more designators numbered one after another, said as a range."""
    runs: list[list[str]] = []
    previous: tuple[str, int] | None = None
    for ref in refdes:
        match = _DESIGNATOR.match(ref)
        key = (match.group(1), int(match.group(2))) if match else None
        if key and previous and runs and key == (previous[0], previous[1] + 1):
            runs[-1].append(ref)
        else:
            runs.append([ref])
        previous = key
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ", ".join(run) for run in runs)


def _alternates(item: RfqLine) -> str:
    return ", ".join(dict.fromkeys(alt.mpn for alt in item.line.alternates if alt.mpn != item.line.mpn))


def _description(item: RfqLine) -> str | None:
    """The BOM's description; a line without an MPN says what else the BOM names it by (its MPN
    cell's words, the sellers' numbers in the BOM's own columns), to be quoted to it."""
    text = item.line.description or ""
    if not item.line.mpn:
        said = [item.line.raw_mpn_text or "",
                *(f"seller's part no. {number}" for _, number in item.line.distributor_pns)]
        for words in dict.fromkeys(word for word in said if word and word not in text):
            text = f"{text} ({words})".strip()
    return text or None


def _quantity(index: int) -> Callable[[int, RfqLine], int]:
    return lambda number, item: item.quantities[index]


def _target(index: int) -> Callable[[int, RfqLine], float | None]:
    def price(number: int, item: RfqLine) -> float | None:
        value = item.target_prices[index]
        return None if value is None else float(value)
    return price


# ---------------------------------------------------------------- header block


def _header_block(sheet: Worksheet, header: RfqHeader, report: Report, count: int, width: int) -> int:
    """The header rows above the table; returns the row of the table's group headers."""
    request = header.request
    put(sheet.cell(row=1, column=1), "Request for quotation")
    sheet.cell(row=1, column=1).font = TITLE_FONT
    sheet.row_dimensions[1].height = 24
    counts = [f"{scenario.boards:,}" for scenario in report.scenarios]
    boards = counts[0] if len(counts) == 1 else f"{', '.join(counts[:-1])} and {counts[-1]}"
    left: list[tuple[str, str | date | None]] = [
        ("From", request.company), ("Contact", request.contact), ("Email", request.email),
        ("Phone", request.phone), ("Deliver to", request.delivery_address)]
    right: list[tuple[str, str | date | None]] = [
        ("RFQ number", header.number), ("Date issued", header.issued), ("Reply by", header.reply_by),
        ("Required on site by", header.required_by), ("Currency", header.currency),
        ("Incoterms", request.incoterms)]
    # Left block: label in column A..B, value across C..E; right block starts halfway.
    right_label = max(6, width // 2)
    for offset, (label, value) in enumerate(left):
        _field(sheet, 3 + offset, 1, 2, 3, 6, label, value)
    for offset, (label, value) in enumerate(right):
        _field(sheet, 3 + offset, right_label, right_label + 1, right_label + 2, right_label + 4,
               label, value)
    row = 3 + max(len(left), len(right)) + 1
    each = "" if len(report.scenarios) == 1 else "each "
    columns = "column" if len(report.scenarios) == 1 else "columns"
    ask = (f"Please quote the {count} line{'s' if count != 1 else ''} below, {each}for {boards} boards "
           f"(the Qty {columns}), in {header.currency}: fill in the shaded columns and "
           f"return this file{' by ' + f'{header.reply_by:%Y-%m-%d}' if header.reply_by else ''}"
           f"{' to ' + request.email if request.email else ''}. Any part in 'Alternates accepted' may be "
           "quoted instead of the MPN; say so in 'Quoted MPN'.")
    _note(sheet, row, width, ask)
    if request.terms:
        row += 1
        _note(sheet, row, width, f"Terms: {request.terms}")
    return row + 2


def _field(sheet: Worksheet, row: int, label_col: int, label_end: int, value_col: int, value_end: int,
           label: str, value: str | date | None) -> None:
    sheet.merge_cells(start_row=row, start_column=label_col, end_row=row, end_column=label_end)
    sheet.merge_cells(start_row=row, start_column=value_col, end_row=row, end_column=value_end)
    cell = sheet.cell(row=row, column=label_col)
    put(cell, label)
    cell.font = LABEL
    target = sheet.cell(row=row, column=value_col)
    if isinstance(value, date):
        target.value = value
        target.number_format = DATE_FORMAT
        target.alignment = Alignment(horizontal="left")
    elif value:
        put(target, value)
        if "\n" in value:  # a delivery address on several lines
            target.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.row_dimensions[row].height = LINE_HEIGHT * (value.count("\n") + 1)
    target.font = FONT
    if not value:  # left to fill in: a line to write on, across the merged cells
        for col in range(value_col, value_end + 1):
            sheet.cell(row=row, column=col).border = BLANK_LINE


def _note(sheet: Worksheet, row: int, width: int, text: str) -> None:
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = sheet.cell(row=row, column=1)
    put(cell, text)
    cell.font = FONT
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[row].height = LINE_HEIGHT * 2


# ---------------------------------------------------------------- table


def _table(sheet: Worksheet, columns: Sequence[_Column], lines: Sequence[RfqLine], group_row: int) -> None:
    head_row = group_row + 1
    first_answer = next(index for index, column in enumerate(columns, start=1) if column.answer)
    _group(sheet, group_row, 1, first_answer - 1, "What we ask", ASK_FILL)
    _group(sheet, group_row, first_answer, len(columns), "Your quote: please fill in the shaded cells",
           ANSWER_HEAD_FILL)
    for col, column in enumerate(columns, start=1):
        cell = sheet.cell(row=head_row, column=col)
        put(cell, column.header)
        cell.font = HEAD_FONT
        cell.fill = ANSWER_HEAD_FILL if column.answer else ASK_FILL
        cell.alignment = CENTER
        cell.border = GRID
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    sheet.row_dimensions[head_row].height = LINE_HEIGHT * max(
        _lines_of(column.header, column.width) for column in columns)
    for offset, item in enumerate(lines, start=1):
        row = head_row + offset
        height = 1
        for col, column in enumerate(columns, start=1):
            cell = sheet.cell(row=row, column=col)
            value = column.value(offset, item)
            if value is not None and value != "":
                put(cell, value, column.number_format)
                height = max(height, _lines_of(str(value), column.width))
            elif column.number_format:
                cell.number_format = column.number_format
            cell.font = FONT
            cell.alignment = WRAP
            cell.border = GRID
            if column.answer:
                cell.fill = INPUT_FILL
        sheet.row_dimensions[row].height = LINE_HEIGHT * height + 3
    last_row = head_row + max(len(lines), 1)
    if not lines:
        _note(sheet, head_row + 1, len(columns), "No line to quote: every line is covered.")
    _validations(sheet, columns, head_row + 1, last_row)
    sheet.freeze_panes = sheet.cell(row=head_row + 1, column=_mpn_column(columns) + 1).coordinate
    sheet.auto_filter.ref = f"A{head_row}:{get_column_letter(len(columns))}{last_row}"


def _group(sheet: Worksheet, row: int, first: int, last: int, text: str, fill: PatternFill) -> None:
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = sheet.cell(row=row, column=first)
    put(cell, text)
    for col in range(first, last + 1):
        sheet.cell(row=row, column=col).fill = fill
    cell.font = HEAD_FONT
    cell.alignment = Alignment(horizontal="left", vertical="center")


def _mpn_column(columns: Sequence[_Column]) -> int:
    return next(index for index, column in enumerate(columns, start=1) if column.header == "MPN")


def _lines_of(text: str, width: float) -> int:
    """Lines a wrapped 9-point text takes in a column `width` characters wide (an estimate, words kept)."""
    per_line = max(1, int(width * 1.2))  # 9-point text fits more per width unit than the 11-point default
    count = 0
    for paragraph in text.split("\n"):
        length = 0
        lines = 1
        for word in re.split(r"(?<=[\s,;/])", paragraph):
            if length and length + len(word.rstrip()) > per_line:
                lines += 1
                length = 0
            length += len(word)
            lines += max(0, math.ceil(len(word) / per_line) - 1)
        count += lines
    return count


def _validations(sheet: Worksheet, columns: Sequence[_Column], first: int, last: int) -> None:
    """Answer cells accept what they ask for: a price, a whole number, a date."""
    rules = {
        "decimal": DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                  error="A unit price: a number of 0 or more", allow_blank=True),
        "whole": DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                error="A whole number of 0 or more", allow_blank=True),
        "date": DataValidation(type="date", operator="greaterThan", formula1="1", error="A date",
                               allow_blank=True),
    }
    used = set()
    for col, column in enumerate(columns, start=1):
        if column.validation:
            letter = get_column_letter(col)
            rules[column.validation].add(f"{letter}{first}:{letter}{last}")
            used.add(column.validation)
    for kind in sorted(used):
        rules[kind].showErrorMessage = True
        sheet.add_data_validation(rules[kind])


# ---------------------------------------------------------------- page


def _page_setup(sheet: Worksheet, header: RfqHeader, group_row: int, width: int, count: int) -> None:
    """Landscape, every column on one page width, the table's headers on every page, the RFQ
    number and the page in the header and footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = PAPER_SIZES.get(header.request.paper.upper(), PAPER_SIZES["A4"])
    setup = sheet.sheet_properties.pageSetUpPr
    assert setup is not None
    setup.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the lines need
    sheet.print_title_rows = f"{group_row}:{group_row + 1}"
    last_row = group_row + 1 + max(count, 1)
    sheet.print_area = f"A1:{get_column_letter(width)}{last_row}"
    margins = sheet.page_margins
    margins.left = margins.right = 0.3
    margins.top = margins.bottom = 0.6
    margins.header = margins.footer = 0.3
    who = _header_text(header.request.company)
    number = _header_text(header.number)
    page_header, footer = sheet.oddHeader, sheet.oddFooter  # every page: no odd/even or first-page variant
    assert page_header is not None and footer is not None
    for item, text in ((page_header.left, who), (page_header.right, f"Request for quotation {number}"),
                       (footer.left, number), (footer.right, "Page &P of &N")):
        assert item is not None
        item.text = text
        item.size = 8


def _header_text(text: str) -> str:
    """Text for a page header: '&' doubled, as Excel's header codes need, and one line."""
    return " ".join(text.split()).replace("&", "&&")
