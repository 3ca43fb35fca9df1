"""The Offers sheet: every offer for every part the BOM asked about, as a comparison a buyer can sort.

One row per offer per part asked (lines asking about the same part share its rows), the part
asked named once, numbers as numbers, and the price at the quantity the line would buy from it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import LineResult, Lookup, LookupStatus, Offer, Purchase, Report, normalize_mpn
from bomcheck.output.sheets.cells import (
    CHOSEN,
    UNKNOWN,
    Link,
    Value,
    first_quantity,
    money,
    money_format,
    new_sheet,
    page_setup,
    style,
    unit_format,
    write_table,
)
from bomcheck.pricing.facts import pipeline_text

TITLE = "Offers"
HEADERS = ("BOM Row", "Part Asked", "Offer Part", "Source", "Seller", "Authorized", "Maker", "Seller Part",
           "Packaging", "Stock", "MOQ", "Multiple", "Lead Time (wk)", "Lifecycle", "RoHS", "Origin", "ECCN",
           "HTS", "NCNR", "Bonded", "Qty Priced", "Unit Price", "Ext. Price", "Price Breaks", "Chosen",
           "Other Rows", "Answer", "Date Code", "On Order", "Datasheet", "Page")
PER_QUANTITY = ("Qty Priced", "Unit Price", "Ext. Price", "Chosen")  # the first build quantity's numbers
EARLIER_FIRST_HEADERS = ("BOM Rows", "BOM Row")  # what A1 held in earlier layouts (the same word now)


def breaks_text(offer: Offer) -> str:
    """'1+ 0.50 | 10+ 0.40': the price ladder in one readable cell; 'quote only' without one."""
    if not offer.breaks:
        return "quote only"
    return " | ".join(f"{b.min_qty:,}+ {b.unit_price}" for b in sorted(offer.breaks, key=lambda b: b.min_qty))


def asked_parts(result: LineResult) -> list[tuple[str, Mapping[str, Lookup]]]:
    """(what was asked, its answers) per part asked about for the line: its own MPN first, then
    the alternates, the one bought (if any) marked."""
    own = [part for part in result.other_parts if not part.alternate]
    others = [(f"{part.mpn} (alternate)", part.lookups) for part in result.other_parts if part.alternate]
    if result.alternate is None:
        return [(result.line.mpn or "", result.lookups), *others]
    bought = (f"{result.alternate.mpn} (alternate, bought)", result.lookups)
    return [*((part.mpn, part.lookups) for part in own), bought, *others]


def quantity_for(need: int, offer: Offer) -> int:
    """What buying `need` from this offer alone takes: at least its MOQ and first break, in multiples."""
    first_break = min((b.min_qty for b in offer.breaks), default=1)
    quantity = max(need, offer.moq, first_break, 1)
    multiple = max(offer.multiple, 1)
    return -(-quantity // multiple) * multiple


def price_at(offer: Offer, quantity: int) -> Decimal | None:
    """The unit price of the break `quantity` falls in; None for a quote-only offer."""
    applies = [b for b in offer.breaks if b.min_qty <= quantity]
    return max(applies, key=lambda b: b.min_qty).unit_price if applies else None


@dataclass
class _Row:
    """One Offers row while it is gathered: the BOM rows whose line asked about its part, and
    what those lines buy from its offer."""

    offer: Offer
    asked: str
    answer: str
    need: int  # the first line's need: what it would buy from this offer
    rows: list[int] = field(default_factory=list)
    chosen: int | None = None


def offer_rows(results: Sequence[LineResult],
               today: date | None = None) -> Iterator[tuple[bool, list[tuple[Value, str | None]]]]:
    """(chosen?, cells) per offer per distinct (BOM MPN, Part Asked) part, ordered by first BOM row.

    Lines that ask about the same part share its rows: `BOM Row` is the first of them and `Other
    Rows` the rest; `Chosen` is the sum of what they buy from the offer (chosen? when any does).
    On-order dates before `today` are "was due".
    """
    parts: dict[tuple[str, str], dict[tuple[str, Offer], _Row]] = {}
    for result in results:
        for asked, lookups in asked_parts(result):
            offers = parts.setdefault((result.line.mpn or "", asked), {})
            _gather(offers, result, asked, lookups)
    for offers in parts.values():
        for row in offers.values():
            yield row.chosen is not None, _cells(row, today)


def _gather(offers: dict[tuple[str, Offer], _Row], result: LineResult, asked: str,
            lookups: Mapping[str, Lookup]) -> None:
    number = result.line.row
    for name, lookup in lookups.items():
        answer = lookup.status.value
        if lookup.status is LookupStatus.AMBIGUOUS:
            answer = "ambiguous: not planned"
        for offer in lookup.offers:
            row = offers.get((name, offer))
            if row is None:
                row = offers[(name, offer)] = _Row(offer, asked, answer, result.need)
            if not row.rows or row.rows[-1] != number:
                row.rows.append(number)
            purchase = chosen_from(offer, result)
            if purchase is not None:
                row.chosen = (row.chosen or 0) + purchase.buy_qty


def _authorized(offer: Offer) -> str:
    """'authorized', 'marketplace', 'bonded (yours)' (your own stock at the distributor), or 'unknown'."""
    if offer.bonded:
        return "bonded (yours)"
    if offer.marketplace is None:
        return UNKNOWN
    return "marketplace" if offer.marketplace else "authorized"


def _cells(row: _Row, today: date | None) -> list[tuple[Value, str | None]]:
    offer = row.offer
    asked_mpn = row.asked.split(" (")[0]
    offer_part = offer.mpn if normalize_mpn(offer.mpn) != normalize_mpn(asked_mpn) else None
    quantity = row.chosen if row.chosen is not None else quantity_for(row.need, offer)
    unit = price_at(offer, quantity)
    ext = unit * quantity if unit is not None else None
    currency = offer.currency
    ncnr = UNKNOWN if offer.ncnr is None else ("YES" if offer.ncnr else "no")
    pipeline = pipeline_text((offer,), today, few=len(offer.pipeline))  # as the Notes write it
    lead = offer.lead_time_weeks if offer.lead_time_weeks is not None else UNKNOWN
    values: list[Value] = [
        row.rows[0], row.asked, offer_part, offer.source, offer.seller, _authorized(offer),
        offer.manufacturer, offer.sku, offer.packaging or offer.packaging_kind.value, offer.stock, offer.moq,
        offer.multiple, lead,
        offer.lifecycle.value, offer.rohs.value, offer.country_of_origin or None, offer.eccn or None,
        offer.hts or None, ncnr, "yes" if offer.bonded else "no", quantity, money(unit), money(ext),
        breaks_text(offer), row.chosen, ", ".join(str(number) for number in row.rows[1:]) or None,
        row.answer, offer.date_code or None, pipeline or None,
        link_of(offer, ("datasheet",), "datasheet"), link_of(offer, ("detail", "product"), "page"),
    ]
    formats = {HEADERS.index("Unit Price"): unit_format(currency),
               HEADERS.index("Ext. Price"): money_format(currency)}
    return [(value, formats.get(index)) for index, value in enumerate(values)]


def link_of(offer: Offer, kinds: tuple[str, ...], text: str = "") -> Link | None:
    """The offer's first link whose type names one of `kinds` (Arrow: datasheet, cloud_part_detail)."""
    for kind, url in offer.links:
        if any(word in kind.lower() for word in kinds):
            return Link(url, text)
    return None


def chosen_from(offer: Offer, result: LineResult) -> Purchase | None:
    """The line's purchase from this offer (compared by identity fields: the stock ledger may have
    handed the planner a copy with less stock)."""
    for purchase in result.purchases:
        other = purchase.offer
        if (other.source, other.seller, other.sku, other.mpn) == (offer.source, offer.seller, offer.sku,
                                                                   offer.mpn):
            return purchase
    return None


def add_offers(workbook: Workbook, report: Report) -> Worksheet:
    sheet = new_sheet(workbook, TITLE, HEADERS[0], *EARLIER_FIRST_HEADERS)
    rows = list(offer_rows(report.results, report.checked_at.date()))
    headers = [first_quantity(header, report) if header in PER_QUANTITY else header for header in HEADERS]
    write_table(sheet, headers, (cells for _, cells in rows))
    for number, (chosen, _) in enumerate(rows, start=2):
        if chosen:
            for col in range(1, len(HEADERS) + 1):
                style(sheet.cell(row=number, column=col), fill=CHOSEN)
    sheet.freeze_panes = "C2"  # the row and the part asked stay in view
    page_setup(sheet, 1, title_columns=2)  # and are printed on every page across
    return sheet
