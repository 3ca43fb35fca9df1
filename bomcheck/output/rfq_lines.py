"""Which lines go into the RFQ file sent to a supplier, how many of each, and what to ask: pure.

Only the BOM's own words and the quantities leave here: no offer, seller, SKU, stock, note or
price of any source (the target price only when asked for, and only as a number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bomcheck.model import BomLine, LineResult, LineStatus, Report

# Statuses that always ask for a quote: the line cannot simply be bought as listed.
QUOTE_STATUSES = frozenset({
    LineStatus.SHORT, LineStatus.NOT_FOUND, LineStatus.AMBIGUOUS, LineStatus.OTHER_MAKER,
    LineStatus.QUOTE, LineStatus.NO_MPN, LineStatus.OBSOLETE, LineStatus.NOT_ROHS,
})

# What the supplier is asked for a line, by why it is on the RFQ: written for the supplier, so it
# says what to quote and never what a source offered.
_ASK: dict[str, str] = {
    LineStatus.NO_MPN.value: "no MPN: quote to the description",
    LineStatus.AMBIGUOUS.value: "MPN shared by several parts: this maker's",
    LineStatus.OTHER_MAKER.value: "this maker only, or an alternate listed",
    LineStatus.NOT_ROHS.value: "RoHS compliant part only",
    LineStatus.OBSOLETE.value: "obsolete: quote stock, or a replacement",
    "excess": "quote the quantity asked; state MOQ",
    "NCNR": "state whether NCNR",
}


@dataclass(frozen=True)
class RfqLine:
    """One line of the RFQ: the BOM line, why it is asked (internal, never written), what to ask
    the supplier, and per build quantity the parts to quote and (when known) the plan's unit price."""

    line: BomLine
    why: tuple[str, ...]  # status values, "excess", "NCNR": for the buyer's tests and logs, not the file
    ask: str  # a short request to the supplier ("" when a plain quote is all)
    quantities: tuple[int, ...]  # per build quantity, in the report's order
    target_prices: tuple[Decimal | None, ...]  # per build quantity: the plan's unit price, if any


def _ask(reason: str, line: BomLine) -> str:
    if reason == LineStatus.AMBIGUOUS.value and not line.manufacturer:
        return "MPN shared by several parts: name the maker"
    if reason == LineStatus.NOT_FOUND.value and not line.mpn:  # known only by a seller's number
        return "no MPN: quote to the seller's part no. and the description"
    return _ASK.get(reason, "")  # "": a plain quote is all


def own_stock_covers(result: LineResult) -> int:
    """Parts of the need already yours: released from your bonded stock, or bought over need by
    other lines of the same part."""
    bonded = sum(min(p.allocated or p.buy_qty, p.buy_qty) for p in result.purchases if p.offer.bonded)
    return min(result.need, bonded + result.from_spare)


def quote_quantity(result: LineResult) -> int:
    """The parts the open market must supply: the need (with attrition) less what is already yours."""
    if result.status is LineStatus.DNP:
        return 0
    return max(0, result.need - own_stock_covers(result))


def reasons(result: LineResult) -> tuple[str, ...]:
    """Why a line goes on the RFQ at this quantity (empty: it does not).

    A status that asks for a quote; an excess needing approval ("excess"); an open-market NCNR
    purchase ("NCNR"). Never when the line's need is all covered by your own stock: bonded stock
    is yours already, and a supplier need not be asked for it.
    """
    if result.status is LineStatus.DNP or quote_quantity(result) == 0:
        return ()
    why = [result.status.value] if result.status in QUOTE_STATUSES else []
    if result.overbuy is not None:
        why.append("excess")
    if any(p.offer.ncnr and not p.offer.bonded for p in result.purchases):
        why.append("NCNR")
    return tuple(why)


def target_price(result: LineResult, currency: str) -> Decimal | None:
    """The unit price the plan pays on the open market for the line, in `currency`; None otherwise."""
    market = [p for p in result.purchases if not p.offer.bonded and p.unit_price is not None]
    if not market or any(p.offer.currency != currency for p in market):
        return None
    parts = sum(p.buy_qty for p in market)
    if not parts:
        return None
    if len(market) == 1:
        return market[0].unit_price
    cost = sum((p.unit_price * p.buy_qty for p in market if p.unit_price is not None), Decimal(0))
    return (cost / parts).quantize(Decimal("0.0001"))


def rfq_lines(report: Report, currency: str | None = None) -> tuple[RfqLine, ...]:
    """The lines to quote, in BOM order: every line that goes on the RFQ at any build quantity.

    Each shows its quantity at every build quantity (a supplier quotes them all); a quantity
    the line's own stock covers is 0.
    """
    currency = currency or report.currency
    scenarios = report.scenarios
    chosen: list[RfqLine] = []
    for index, first in enumerate(scenarios[0].results):
        per_quantity: Sequence[LineResult] = [scenario.results[index] for scenario in scenarios]
        why = tuple(dict.fromkeys(reason for result in per_quantity for reason in reasons(result)))
        if not why:
            continue
        chosen.append(RfqLine(
            line=first.line,
            why=why,
            ask="; ".join(filter(None, (_ask(reason, first.line) for reason in why))),
            quantities=tuple(quote_quantity(result) for result in per_quantity),
            target_prices=tuple(target_price(result, currency) for result in per_quantity),
        ))
    return tuple(chosen)
