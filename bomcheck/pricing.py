"""Pure purchase planning: need per line, buy quantity per offer, and the best offer to buy from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from bomcheck.model import (
    BomLine,
    LineResult,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    PriceBreak,
    Purchase,
)


def need_for(qty_per_board: int, boards: int) -> int:
    """Parts to buy for a build: quantity per board times boards (never negative)."""
    return max(0, qty_per_board) * max(0, boards)


def round_up(quantity: int, multiple: int) -> int:
    """The smallest multiple of `multiple` that is at least `quantity`."""
    multiple = max(1, multiple)
    return -(-quantity // multiple) * multiple


def buy_quantity(need: int, offer: Offer) -> int:
    """What this offer makes you buy for `need`: at least the MOQ, in whole order multiples."""
    if need <= 0:
        return 0
    return round_up(max(need, offer.moq), offer.multiple)


def unit_price_at(breaks: Sequence[PriceBreak], quantity: int) -> Decimal | None:
    """Unit price of the break containing `quantity`; None below the first break or with none."""
    price = None
    for price_break in sorted(breaks, key=lambda b: b.min_qty):
        if quantity >= price_break.min_qty:
            price = price_break.unit_price
    return price


def plan_offer(need: int, offer: Offer) -> Purchase:
    """The purchase this offer alone would make for `need`."""
    quantity = buy_quantity(need, offer)
    unit_price = unit_price_at(offer.breaks, quantity)
    ext_price = unit_price * quantity if unit_price is not None else None
    return Purchase(
        offer=offer,
        buy_qty=quantity,
        unit_price=unit_price,
        ext_price=ext_price,
        covers_need=quantity > 0 and offer.stock >= quantity,
    )


def best_purchase(need: int, offers: Iterable[Offer], currency: str | None = None) -> Purchase | None:
    """The cheapest priced purchase that stock covers; None when no offer covers the need.

    Ties go to fewer excess parts, then to more stock. Offers without a list price are never
    chosen: a quote-only offer cannot be planned at a price. Prices in different currencies
    are not comparable: offers in `currency` are preferred, the others compete only among
    themselves, a currency at a time, when none in `currency` covers the need.
    """
    covering = [
        purchase
        for purchase in (plan_offer(need, offer) for offer in offers)
        if purchase.covers_need and purchase.ext_price is not None
    ]
    if not covering:
        return None
    wanted = [p for p in covering if p.offer.currency == currency]
    if not wanted:
        first_currency = min(p.offer.currency for p in covering)
        wanted = [p for p in covering if p.offer.currency == first_currency]
    return min(wanted, key=lambda p: (p.ext_price, p.buy_qty, -p.offer.stock))


def fallback_purchase(need: int, offers: Iterable[Offer]) -> Purchase | None:
    """When no offer covers the need: what can be bought now, else what to backorder.

    With stock somewhere, the priced offer with the most stock, bought up to its stock. With
    none anywhere, the cheapest priced order for the whole need, to be delivered after lead time.
    """
    priced = [offer for offer in offers if offer.breaks]
    if not priced or need <= 0:
        return None
    stocked = [offer for offer in priced if offer.stock > 0]
    if not stocked:
        backorders = [p for p in (plan_offer(need, offer) for offer in priced) if p.ext_price is not None]
        return min(backorders, key=lambda p: (p.ext_price, p.buy_qty), default=None)
    offer = max(stocked, key=lambda o: (o.stock, -o.moq))
    available = (offer.stock // max(1, offer.multiple)) * offer.multiple
    quantity = min(buy_quantity(need, offer), available)
    unit_price = unit_price_at(offer.breaks, quantity)
    if quantity < offer.moq or quantity <= 0 or unit_price is None:
        return None
    return Purchase(offer, quantity, unit_price, unit_price * quantity, covers_need=False)


def distinct_stock(offers: Iterable[Offer]) -> int:
    """Stock across offers, counting a lot mirrored under several sellers once.

    Arrow lists the same lot under more than one source (Verical 2303 and ACNA 2303): offers
    with equal stock and equal date code are taken to be one lot.
    """
    lots: set[tuple[int, str]] = set()
    total = 0
    for offer in offers:
        if offer.stock <= 0:
            continue
        lot = (offer.stock, offer.date_code)
        if offer.date_code and lot in lots:
            continue
        lots.add(lot)
        total += offer.stock
    return total


def plan_line(line: BomLine, lookups: Mapping[str, Lookup], boards: int,
              currency: str | None = None) -> LineResult:
    """The buy decision and status for one BOM line, from every source's answer about it.

    `currency` is the one the user asked for; see best_purchase for offers priced otherwise.
    """
    if line.dnp:
        return LineResult(line, need=0, status=LineStatus.DNP, reason="do not populate")
    need = need_for(line.qty, boards)
    if not line.mpn and not line.digikey_pn:
        found_text = f"; the cell says {line.raw_mpn_text!r}" if line.raw_mpn_text else ""
        return LineResult(line, need, LineStatus.NO_MPN, reason=f"no usable MPN{found_text}")
    stock = {name: _stock_of(lookup) for name, lookup in lookups.items()}
    # Offers of an ambiguous answer are never planned: picking one of several parts silently is a guess.
    offers = [offer for lookup in lookups.values() if lookup.status is not LookupStatus.AMBIGUOUS
              for offer in lookup.offers]
    ambiguous = [f"{name} lists several parts: {_first_few(lookup.candidates)}"
                 for name, lookup in lookups.items() if lookup.status is LookupStatus.AMBIGUOUS]
    # A source that was not asked at all is reported once for the run, not on every line.
    failures = [f"{name}: {lookup.message}" for name, lookup in lookups.items()
                if lookup.status is LookupStatus.ERROR]
    remarks = [f"{name}: {lookup.message}" for name, lookup in lookups.items()
               if lookup.status is LookupStatus.FOUND and lookup.message]
    if not offers and ambiguous:
        return LineResult(line, need, LineStatus.AMBIGUOUS,
                          reason=_join([*ambiguous, "name the manufacturer to choose", *failures]),
                          lookups=lookups, stock=stock)
    if not offers:
        if any(lookup.status is LookupStatus.NOT_FOUND for lookup in lookups.values()) and not any(
            lookup.status is LookupStatus.ERROR for lookup in lookups.values()
        ):
            hints = [f"no exact match; {name} lists {_first_few(lookup.candidates)}"
                     for name, lookup in lookups.items()
                     if lookup.status is LookupStatus.NOT_FOUND and lookup.candidates]
            return LineResult(line, need, LineStatus.NOT_FOUND,
                              reason=_join(["no source lists this part", *hints, *failures]),
                              lookups=lookups, stock=stock)
        return LineResult(line, need, LineStatus.ERROR,
                          reason=_join(failures) or "no source could be asked about this line",
                          lookups=lookups, stock=stock)
    purchase = best_purchase(need, offers, currency)
    if purchase is not None:
        status, notes = LineStatus.OK, _excess_note(purchase, need)
        if currency and purchase.offer.currency != currency:
            notes.append(f"priced in {purchase.offer.currency}: no offer in {currency} covers the need")
    else:
        purchase = fallback_purchase(need, offers)
        status, notes = LineStatus.SHORT, [_shortage_note(need, offers, purchase)]
    reference = purchase.offer if purchase else max(offers, key=lambda o: (o.stock, -o.moq))
    return LineResult(
        line, need, status,
        reason=_join([*notes, *ambiguous, *remarks, *failures]),
        purchase=purchase,
        lookups=lookups,
        stock=stock,
        moq=reference.moq,
        ncnr=reference.ncnr,
        lead_time_weeks=reference.lead_time_weeks,
    )


def _stock_of(lookup: Lookup) -> int | None:
    if lookup.status is LookupStatus.FOUND:
        return distinct_stock(lookup.offers)
    if lookup.status is LookupStatus.NOT_FOUND:
        return 0
    return None


def _excess_note(purchase: Purchase, need: int) -> list[str]:
    excess = purchase.buy_qty - need
    if excess <= 0:
        return []
    offer = purchase.offer
    why = "MOQ" if purchase.buy_qty == offer.moq else "order multiple"
    return [f"buys {excess} over need ({why} {offer.moq if why == 'MOQ' else offer.multiple})"]


def _shortage_note(need: int, offers: Sequence[Offer], purchase: Purchase | None) -> str:
    if not any(offer.breaks for offer in offers):
        return "no list price (quote only); ask for a quote"
    if purchase is None:
        return f"no offer can supply {need} now"
    if purchase.offer.stock <= 0:
        lead = purchase.offer.lead_time_weeks
        lead_text = f", lead time {lead} wk" if lead else ""
        return f"none in stock; quantity and price are for a backorder{lead_text}"
    return f"no single offer covers the need: buy {purchase.buy_qty} now, {need - purchase.buy_qty} short"


def _first_few(names: Sequence[str], few: int = 3) -> str:
    return ", ".join(names[:few]) + (", …" if len(names) > few else "")


def _join(parts: Iterable[str]) -> str:
    return "; ".join(part for part in parts if part)
