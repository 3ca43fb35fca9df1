"""Cell writing shared by every sheet: safe text, currency formats, status fills, headers, widths."""

from __future__ import annotations

import copy
import functools
import re
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import LineResult, LineStatus, Report

AnyCell = Cell | MergedCell  # what openpyxl's sheet.cell() is typed to return


@dataclass(frozen=True)
class Link:
    """A URL to show in a cell: a live hyperlink only when `linkable`, else plain text."""

    url: str
    text: str = ""  # what the cell shows when it is a live link ("datasheet"); the URL when it is not


Value = str | int | float | Link | None
# Hyperlinks only into the distributors' own sites (and their subdomains): an API answer is
# text from outside, and a link elsewhere (javascript:, file:, another host) could be a trap.
# The domains a link may point at: the sources' own (each registry entry names its domains; the
# workbook writer sets them from the report for the time it writes).
LINK_DOMAINS: ContextVar[tuple[str, ...]] = ContextVar("LINK_DOMAINS", default=())
MAX_LINK_LENGTH = 2079  # the longest hyperlink address Excel keeps
# host[:port] of a link: letters, digits, dots and hyphens only. Browsers read a backslash as "/"
# and decode "%2F", so "evil.com<backslash>.arrow.com" or "evil.com%2F.arrow.com" go to evil.com.
# A font named in full: a Font() without a name is drawn in a serif fallback by LibreOffice
FONT = "Calibri"
_LINK_NETLOC = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")
LINK_FONT = Font(name=FONT, size=11, color="FF0563C1", underline="single")

MAX_CELL_TEXT = 32767
MIN_WIDTH, MAX_WIDTH = 8, 60
PERCENT_FORMAT = "0%"
# Excel's own "Bad", "Neutral" and "Good" cell styles: what a buyer already reads as red/amber/green.
RED = PatternFill("solid", fgColor="FFFFC7CE")
AMBER = PatternFill("solid", fgColor="FFFFEB9C")
GREEN = PatternFill("solid", fgColor="FFC6EFCE")
BOLD = Font(name=FONT, size=11, bold=True)
CHOSEN = PatternFill("solid", fgColor="FFDDEBF7")  # an offer the plan buys from: light blue, not "fine"
# bomcheck's own headers: white on dark blue, so they never pass for the user's own columns
HEADER_FONT = Font(name=FONT, size=11, bold=True, color="FFFFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="FF1F4E79")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)  # a long header wraps: columns stay narrow
WRAP = Alignment(wrap_text=True, vertical="top")  # long text (Notes) wraps within its column's width
TOP = Alignment(vertical="top")  # beside a wrapped cell, so a row reads from its top line
# On the BOM sheet, bottom-aligned as the user's own cells are by default: a tall row reads as one line
WRAP_BOTTOM = Alignment(wrap_text=True)
SECTION_FONT = Font(name=FONT, bold=True, size=12)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_TEXT = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{1,15})?$")


UNKNOWN = "unknown"  # a fact a source was asked for and did not give: never blank, never 0 or "no"


def money_format(currency: str | None, places: int = 2) -> str:
    """A number format that shows the currency code: `#,##0.00 "EUR"`."""
    number = "#,##0." + "0" * places if places else "#,##0"
    code = re.sub(r"[^A-Za-z]", "", currency or "")[:3].upper()
    return f'{number} "{code}"' if code else number


def unit_format(currency: str | None) -> str:
    return money_format(currency, 4)


def money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_UNLINKABLE_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f\\]")  # spaces, controls, a backslash


@contextmanager
def links_to(domains: Iterable[str]) -> Iterator[None]:
    """While inside, links to these domains (and their subdomains) are made live."""
    token = LINK_DOMAINS.set(tuple(domains))
    try:
        yield
    finally:
        LINK_DOMAINS.reset(token)


def linkable(url: str, domains: Iterable[str] | None = None) -> bool:
    """True for an http(s) URL on one of `domains` (default: LINK_DOMAINS), with no user part,
    spaces or control characters."""
    return _linkable(url, LINK_DOMAINS.get() if domains is None else tuple(domains))


@functools.lru_cache(maxsize=4096)  # the same offers' links come back on every line of a part
def _linkable(url: str, domains: tuple[str, ...]) -> bool:
    if len(url) > MAX_LINK_LENGTH or _UNLINKABLE_CHARACTER.search(url):
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        _ = parts.port  # a malformed port raises
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not _LINK_NETLOC.fullmatch(parts.netloc) or not host:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def put(cell: AnyCell, value: Value, number_format: str | None = None) -> None:
    """Set a cell; text is always stored as text (never a formula) and made legal for Excel.

    Every cell bomcheck writes goes through here. Text that a spreadsheet would read as a formula
    (`=`, `+`, `-`, `@`, tab, CR first) also gets Excel's quote prefix, so editing the cell keeps
    it text. Numbers stay numbers (a negative number is a number). A `Link` is its URL as text,
    and a hyperlink only when `linkable`.
    """
    if isinstance(value, Link):
        if linkable(value.url):
            put(cell, value.text or value.url)
            cell.hyperlink = value.url
            style(cell, font=LINK_FONT)
        else:
            put(cell, value.url)  # the address itself, never linked: the reader sees where it would go
        return
    if isinstance(value, str):
        # set as openpyxl's own `cell.value = text` would, without its second scan for the
        # illegal characters just removed (a large sheet is mostly text)
        cell._value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]  # type: ignore[union-attr]
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format is not None and value is not None:
        style(cell, number_format=number_format)


# workbook -> (the cell's style ids, what was applied) -> the resulting style ids, and the
# applied objects themselves (kept so that their id() stays theirs while the workbook lives)
_STYLES: weakref.WeakKeyDictionary[Workbook, dict[tuple[Any, ...], tuple[StyleArray, Any, Any, Any]]] = (
    weakref.WeakKeyDictionary())


def style(cell: AnyCell, *, number_format: str | None = None, fill: PatternFill | None = None,
          font: Font | None = None, alignment: Alignment | None = None) -> None:
    """Give a cell a number format, fill and/or font, as `cell.fill = ...` would, only faster.

    openpyxl hashes the whole style object on every assignment, which is most of the time spent
    writing a large sheet; the same change to the same style is looked up once per workbook.
    """
    workbook = cell.parent.parent
    assert workbook is not None
    cache = _STYLES.setdefault(workbook, {})
    ids = cell._style  # type: ignore[union-attr]  # openpyxl's style ids: private, but the fast path
    key = (tuple(ids) if ids is not None else (), number_format, id(fill), id(font), id(alignment))
    known = cache.get(key)
    if known is not None:
        cell._style = copy.copy(known[0])  # type: ignore[union-attr]
        return
    if number_format is not None:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    cache[key] = (copy.copy(cell._style), fill, font, alignment)  # type: ignore[union-attr]


def grid_value(value: Any) -> Value:
    """A text-file cell as a number when it is plainly one ("12", "0.5"; not "0603"), else text."""
    if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
        text = value.strip()
        return float(text) if "." in text else int(text)
    return value


def display_width(value: Value, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, Link):
        return len(value.text or value.url) if linkable(value.url) else len(value.url)
    if isinstance(value, float) and number_format:
        places = re.search(r"\.(0+)", number_format)
        code = re.search(r'"([^"]*)"', number_format)
        decimals = len(places.group(1)) if places else 0
        return len(f"{value:,.{decimals}f}") + (len(code.group(1)) + 1 if code else 0)
    return len(str(value))


def fill_for(result: LineResult, currency: str | None = None) -> PatternFill | None:
    """Red: cannot be bought as listed; amber: buyable after the decision its Action names;
    green: Action Buy, nothing to decide; none for DNP. (`currency` is kept for callers; a price in
    another currency is said in the Notes, it is no decision.)"""
    if result.status is LineStatus.DNP:
        return None
    if result.status.blocks:
        return RED
    if needs_decision(result):
        return AMBER
    return GREEN


def needs_decision(result: LineResult) -> bool:
    """A line a person must act on before ordering: red, or an action other than Buy / Nothing."""
    if result.status is LineStatus.DNP:
        return False
    return result.status.blocks or result.action is None or result.action.is_decision


def first_quantity(header: str, report: Report) -> str:
    """`header` naming the first build quantity ("Need (10 boards)") when the run has several, else
    `header`: the BOM sheet's and Offers' numbers are the first quantity's plan."""
    if len(report.scenarios) < 2:
        return header
    return f"{header} ({report.scenarios[0].boards:,} boards)"


def style_header(cell: AnyCell) -> None:
    """A header bomcheck wrote: white bold text on dark blue."""
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT


PRINT_WIDTH = 240  # column-width units one landscape page holds at a readable scale (about 60 %)


def page_setup(sheet: Worksheet, title_rows: int | tuple[int, int] | None = 1,
               title_columns: int = 0) -> None:
    """Landscape, fit to the page width, the header row(s) repeated on every page.

    A table too wide for one page at a readable scale (the user's columns and ours) is fitted to
    as many pages across as it needs instead, each repeating the first `title_columns` columns.
    """
    total = sum(sheet.column_dimensions[get_column_letter(col)].width or 8.43
                for col in range(1, sheet.max_column + 1))
    across = max(1, -(-int(total) // PRINT_WIDTH))
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = across
    if across > 1 and title_columns:
        sheet.print_title_cols = f"A:{get_column_letter(title_columns)}"
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows is not None:
        first, last = (title_rows, title_rows) if isinstance(title_rows, int) else title_rows
        sheet.print_title_rows = f"{first}:{last}"
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    footer = sheet.oddFooter
    if footer is not None and footer.center is not None:
        footer.center.text = "&A — page &P of &N"


def new_sheet(workbook: Workbook, title: str, owned: str, *earlier: str) -> Worksheet:
    """A fresh sheet `title`, replacing our own earlier one; `bomcheck <title>` if the user has one.

    `owned` is the text our sheet always holds in A1, how an earlier output is recognised;
    `earlier` are what earlier versions of bomcheck held there.
    """
    if title in workbook.sheetnames and workbook[title]["A1"].value not in (owned, *earlier):
        title = f"bomcheck {title}"
    if title in workbook.sheetnames:
        del workbook[title]
    return workbook.create_sheet(title)


def drop_own_sheet(workbook: Workbook, title: str, owned: str) -> None:
    """Remove our own earlier sheet `title` (A1 holds `owned`) that this run does not write again:
    a re-check of an output must not keep the last run's figures beside the new ones."""
    if title in workbook.sheetnames and workbook[title]["A1"].value == owned:
        del workbook[title]


def write_table(sheet: Worksheet, headers: Sequence[str],
                rows: Iterable[Sequence[tuple[Value, str | None]]]) -> int:
    """Styled headers on row 1, then (value, number format) rows; frozen header, filter, widths, pages."""
    widths = [header_width(header) for header in headers]
    for col, header in enumerate(headers, start=1):
        put(sheet.cell(row=1, column=col), header)
        style_header(sheet.cell(row=1, column=col))
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, (value, number_format) in enumerate(row, start=1):
            if value is None:  # no cell at all: a large sheet is mostly blanks, and each costs a write
                continue
            put(sheet.cell(row=count + 1, column=col), value, number_format)
            widths[col - 1] = max(widths[col - 1], display_width(value, number_format))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    set_widths(sheet, 1, widths)
    fit_header_height(sheet, 1, 1, headers)
    page_setup(sheet)
    return count


LINE_HEIGHT = 15.0  # points per line of 11 pt text


def lines_needed(text: object, width: float, narrower: float = 1.15) -> int:
    """How many lines `text` wraps to, word by word, in a column `width` wide (a character a unit).

    Text is `narrower` than the '0' a width unit measures; 1.0 for text full of capitals and part
    numbers (the Summary's reasons), which would otherwise be cut off at the bottom of its row."""
    if text is None:
        return 1
    room = max(1, int((width - 1) * narrower))
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split():
            if used and used + 1 + len(word) > room:
                lines += 1
                used = 0
            used += (1 if used else 0) + len(word)
            while used > room:  # a word longer than the column breaks across lines
                lines += 1
                used -= room
    return lines


def fit_height(sheet: Worksheet, row: int, lines: int) -> None:
    """Make a row tall enough for `lines` lines of wrapped text (a spreadsheet does not always
    grow rows on opening, and on paper the text would be cut)."""
    if lines > 1:
        current = sheet.row_dimensions[row].height or LINE_HEIGHT
        sheet.row_dimensions[row].height = max(current, LINE_HEIGHT * lines)


def fit_header_height(sheet: Worksheet, row: int, first: int, headers: Sequence[str]) -> None:
    """A header row tall enough for its wrapped headers (bold text: a fifth wider than plain)."""
    widths = [sheet.column_dimensions[get_column_letter(first + offset)].width or 8.43
              for offset in range(len(headers))]
    fit_height(sheet, row, max((lines_needed(header, width / 1.2)
                                for header, width in zip(headers, widths, strict=True)), default=1))


def header_width(header: str) -> int:
    """The narrowest a column may be for its (wrapping) header: its longest word, or two words
    when they are short ("Buy Qty", "Lead Time (wk)" wrap to two lines at most)."""
    words = header.split()
    return max(max((len(w) for w in words), default=0) + 1, (len(header) + 1) // 2)  # bold is wider


def set_widths(sheet: Worksheet, first: int, widths: Sequence[int], caps: Sequence[int | None] = ()) -> None:
    """Column widths from `first` on: each `widths` + 2, at least MIN_WIDTH, at most its cap
    (MAX_WIDTH unless `caps` gives a narrower one for a wrapped column)."""
    for offset, width in enumerate(widths):
        cap = (caps[offset] if offset < len(caps) else None) or MAX_WIDTH
        sheet.column_dimensions[get_column_letter(first + offset)].width = min(max(width + 2, MIN_WIDTH), cap)
