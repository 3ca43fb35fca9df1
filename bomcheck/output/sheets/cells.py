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
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import LineResult, LineStatus, LookupStatus

AnyCell = Cell | MergedCell  # what openpyxl's sheet.cell() is typed to return


@dataclass(frozen=True)
class Link:
    """A URL to show in a cell: a live hyperlink only when `linkable`, else plain text."""

    url: str


Value = str | int | float | Link | None
# Hyperlinks only into the distributors' own sites (and their subdomains): an API answer is
# text from outside, and a link elsewhere (javascript:, file:, another host) could be a trap.
# The domains a link may point at: the sources' own (each registry entry names its domains; the
# workbook writer sets them from the report for the time it writes).
LINK_DOMAINS: ContextVar[tuple[str, ...]] = ContextVar("LINK_DOMAINS", default=())
MAX_LINK_LENGTH = 2079  # the longest hyperlink address Excel keeps
# host[:port] of a link: letters, digits, dots and hyphens only. Browsers read a backslash as "/"
# and decode "%2F", so "evil.com<backslash>.arrow.com" or "evil.com%2F.arrow.com" go to evil.com.
_LINK_NETLOC = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")
LINK_FONT = Font(color="FF0563C1", underline="single")

MAX_CELL_TEXT = 32767
MIN_WIDTH, MAX_WIDTH = 8, 60
PERCENT_FORMAT = "0%"
# Excel's own "Bad", "Neutral" and "Good" cell styles: what a buyer already reads as red/amber/green.
RED = PatternFill("solid", fgColor="FFFFC7CE")
AMBER = PatternFill("solid", fgColor="FFFFEB9C")
GREEN = PatternFill("solid", fgColor="FFC6EFCE")
BOLD = Font(bold=True)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_TEXT = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{1,15})?$")


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
        put(cell, value.url)  # the address itself, so the reader sees where a link goes
        if linkable(value.url):
            cell.hyperlink = value.url
            style(cell, font=LINK_FONT)
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
_STYLES: weakref.WeakKeyDictionary[Workbook, dict[tuple[Any, ...], tuple[StyleArray, Any, Any]]] = (
    weakref.WeakKeyDictionary())


def style(cell: AnyCell, *, number_format: str | None = None, fill: PatternFill | None = None,
          font: Font | None = None) -> None:
    """Give a cell a number format, fill and/or font, as `cell.fill = ...` would, only faster.

    openpyxl hashes the whole style object on every assignment, which is most of the time spent
    writing a large sheet; the same change to the same style is looked up once per workbook.
    """
    workbook = cell.parent.parent
    assert workbook is not None
    cache = _STYLES.setdefault(workbook, {})
    ids = cell._style  # type: ignore[union-attr]  # openpyxl's style ids: private, but the fast path
    key = (tuple(ids) if ids is not None else (), number_format, id(fill), id(font))
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
    cache[key] = (copy.copy(cell._style), fill, font)  # type: ignore[union-attr]


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
        return len(value.url)
    if isinstance(value, float) and number_format:
        places = re.search(r"\.(0+)", number_format)
        code = re.search(r'"([^"]*)"', number_format)
        decimals = len(places.group(1)) if places else 0
        return len(f"{value:,.{decimals}f}") + (len(code.group(1)) + 1 if code else 0)
    return len(str(value))


def fill_for(result: LineResult, currency: str | None = None) -> PatternFill | None:
    """Red: cannot be bought as planned; amber: can, but read the notes; green: OK; none for DNP."""
    status = result.status
    if status is LineStatus.DNP:
        return None
    if status in (LineStatus.SHORT, LineStatus.NOT_FOUND, LineStatus.ERROR, LineStatus.NO_MPN):
        return RED
    if status is LineStatus.AMBIGUOUS or needs_a_look(result, currency):
        return AMBER
    return GREEN


def needs_a_look(result: LineResult, currency: str | None = None) -> bool:
    """An OK line a buyer should still read: NCNR, split or partly answered, bought up, priced in
    another currency than `currency` (the one asked for), a source remarked on its answer
    (e.g. the part is made by another manufacturer than the BOM says), the reader warned, or
    it is bought as an alternate (a buyer must approve the substitution)."""
    partly_answered = any(lookup.status in (LookupStatus.ERROR, LookupStatus.AMBIGUOUS)
                          or (lookup.status is LookupStatus.FOUND and lookup.message)
                          for lookup in result.lookups.values())
    other_currency = currency is not None and any(p.offer.currency != currency for p in result.purchases)
    doubted = bool(result.line.warnings)  # the reader was unsure of this line (quantity, MPN...)
    return (result.any_ncnr or result.split or partly_answered or result.bought_up or other_currency
            or doubted or result.alternate is not None)


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


def write_table(sheet: Worksheet, headers: Sequence[str],
                rows: Iterable[Sequence[tuple[Value, str | None]]]) -> int:
    """Headers in bold on row 1, then (value, number format) rows; frozen header, filter, widths."""
    widths = [len(header) for header in headers]
    for col, header in enumerate(headers, start=1):
        put(sheet.cell(row=1, column=col), header)
        sheet.cell(row=1, column=col).font = BOLD
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
    return count


def set_widths(sheet: Worksheet, first: int, widths: Sequence[int]) -> None:
    for offset, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(first + offset)].width = (
            min(max(width + 2, MIN_WIDTH), MAX_WIDTH))
