"""The Offers sheet: every offer considered for every part the BOM asked about, and which were chosen."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import LineResult, Lookup, LookupStatus, Offer, Purchase, Report
from bomcheck.output.sheets.cells import GREEN, Link, Value, new_sheet, style, write_table

TITLE = "Offers"
HEADERS = ("BOM Rows", "BOM MPN", "Asked For", "Source", "Seller", "Part", "Manufacturer", "Seller Part",
           "Stock", "MOQ", "Multiple", "Price Breaks", "Currency", "Lead Time (wk)", "NCNR", "Bonded",
           "Date Code", "On Order", "Answer", "Chosen Qty", "Datasheet", "Product Page")


def breaks_text(offer: Offer) -> str:
    """'1+ 0.50 | 10+ 0.40': the price ladder in one readable cell; 'quote only' without one."""
    if not offer.breaks:
        return "quote only"
    return " | ".join(f"{b.min_qty}+ {b.unit_price}" for b in sorted(offer.breaks, key=lambda b: b.min_qty))


def asked_parts(result: LineResult) -> list[tuple[str, Mapping[str, Lookup]]]:
    """(what was asked, its answers) per part asked about for the line: its own MPN first, then
    the alternates, the one bought (if any) marked."""
    own = [part for part in result.other_parts if not part.alternate]
    others = [(f"{part.mpn} (alternate)", part.lookups) for part in result.other_parts if part.alternate]
    if result.alternate is None:
        return [(result.line.mpn or "", result.lookups), *others]
    bought = (f"{result.alternate.mpn} (alternate, bought)", result.lookups)
    return [*((part.mpn, part.lookups) for part in own), bought, *others]


@dataclass
class _Row:
    """One Offers row while it is gathered: the BOM rows whose line asked about its part, and
    what those lines buy from its offer."""

    cells: list[Value]
    rows: list[int] = field(default_factory=list)
    chosen: int | None = None


def offer_rows(results: Sequence[LineResult]) -> Iterator[tuple[bool, list[tuple[Value, str | None]]]]:
    """(chosen?, cells) per offer per distinct (BOM MPN, Asked For) part, ordered by first BOM row.

    Lines that ask about the same part share its rows: "BOM Rows" lists them all, and "Chosen Qty"
    is the sum of what they buy from the offer (chosen? when any of them buys from it).
    """
    parts: dict[tuple[str, str], dict[tuple[str, Offer], _Row]] = {}
    for result in results:
        for asked, lookups in asked_parts(result):
            offers = parts.setdefault((result.line.mpn or "", asked), {})
            _gather(offers, result, asked, lookups)
    for offers in parts.values():
        for row in offers.values():
            cells = [", ".join(str(number) for number in row.rows), *row.cells]
            cells[CHOSEN] = row.chosen
            yield row.chosen is not None, [(value, None) for value in cells]


CHOSEN = HEADERS.index("Chosen Qty")


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
                row = offers[(name, offer)] = _Row(_cells(result, asked, name, offer, answer))
            if not row.rows or row.rows[-1] != number:
                row.rows.append(number)
            purchase = chosen_from(offer, result)
            if purchase is not None:
                row.chosen = (row.chosen or 0) + purchase.buy_qty


def _cells(result: LineResult, asked: str, name: str, offer: Offer, answer: str) -> list[Value]:
    """Every column after "BOM Rows" ("Chosen Qty" filled in later)."""
    return [
        result.line.mpn or "", asked, name, offer.seller, offer.mpn,
        offer.manufacturer, offer.sku, offer.stock, offer.moq, offer.multiple,
        breaks_text(offer), offer.currency, offer.lead_time_weeks, "YES" if offer.ncnr else "no",
        "yes" if offer.bonded else "no", offer.date_code,
        "; ".join(f"{d.quantity} due {d.date}" for d in offer.pipeline),
        answer, None, link_of(offer, ("datasheet",)), link_of(offer, ("detail", "product")),
    ]


def link_of(offer: Offer, kinds: tuple[str, ...]) -> Link | None:
    """The offer's first link whose type names one of `kinds` (Arrow: datasheet, cloud_part_detail)."""
    for kind, url in offer.links:
        if any(word in kind.lower() for word in kinds):
            return Link(url)
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
    sheet = new_sheet(workbook, TITLE, HEADERS[0], "BOM Row")  # "BOM Row": before one row per part
    rows = list(offer_rows(report.results))
    write_table(sheet, HEADERS, (cells for _, cells in rows))
    for number, (chosen, _) in enumerate(rows, start=2):
        if chosen:
            for col in range(1, len(HEADERS) + 1):
                style(sheet.cell(row=number, column=col), fill=GREEN)
    return sheet
