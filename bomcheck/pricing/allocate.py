"""Spread one line's need over its offers: bonded stock first, then one offer, a split, or a backorder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bomcheck.model import Offer, Overbuy, Purchase
from bomcheck.pricing.excess import choose, small_offers, too_much
from bomcheck.pricing.facts import backorderable, known_lead, lead_text
from bomcheck.pricing.offers import (
    best_purchase,
    buy_quantity,
    lot_key,
    plan_offer,
    priced,
    round_down,
    unit_price_at,
)
from bomcheck.pricing.rules import DEFAULT_RULES, Rules


@dataclass(frozen=True)
class Plan:
    """What to buy for one need: the purchases, what is still missing now, and why."""

    purchases: tuple[Purchase, ...]
    shortage: int
    notes: tuple[str, ...] = ()
    overbuy: Overbuy | None = None  # the covering plan's excess needs approval (see excess.choose)
    to_quote: int = 0  # parts the plan leaves to a quote instead of buying the overbuy


def plan_need(need: int, offers: Sequence[Offer], currency: str | None = None,
              rules: Rules = DEFAULT_RULES, *, price_shortfall: bool = True) -> Plan:
    """Bonded stock first (minimum release quantity respected), the rest from the open market.

    The open market is one covering offer when there is one (cheapest in total; when its excess
    needs approval, weighed against what stock sells without it: `excess.choose`), else a split
    across offers with stock (lowest unit price first, each at its MOQ and multiple) with what is
    still short priced as the best backorder where one can be ordered, else a backorder of the
    cheapest offer. Prices are compared within one currency only. Without `price_shortfall`
    (stock without a list price will be quoted instead) a shortfall is left unpriced.
    """
    if need <= 0:
        return Plan((), 0)
    bonded, notes = release_bonded(need, [o for o in offers if o.bonded])
    remaining = need - sum(p.allocated for p in bonded)
    if remaining <= 0:
        return Plan(tuple(bonded), 0, tuple(notes))
    market = [o for o in offers if not o.bonded]
    if not any(o.breaks for o in market):
        if market:
            notes.append("no list price (quote only); ask for a quote")
        return Plan(tuple(bonded), remaining, tuple(notes))
    groups = currency_groups(market, currency)
    for group in groups:
        best = best_purchase(remaining, group)
        if best is not None:
            if currency and best.offer.currency != currency:
                notes.append(f"priced in {best.offer.currency}: no offer in {currency} covers the need")
            if too_much((best,), rules):
                bought, rest = split(remaining, small_offers(remaining, best, group, rules))
                choice = choose(remaining, best, bought, rest)
                notes.append(choice.note)
                return Plan((*bonded, *choice.purchases), 0, tuple(notes), choice.overbuy, choice.to_quote)
            return Plan((*bonded, best), 0, tuple(notes))
    splits = [split(remaining, group) for group in groups]
    bought, short = max(splits, key=lambda s: sum(p.allocated for p in s[0]), default=((), remaining))
    if bought:
        if len(bought) > 1:
            notes.append(f"no single offer covers {remaining}: split across {len(bought)} offers")
        if currency and bought[0].offer.currency != currency:
            notes.append(f"priced in {bought[0].offer.currency}: no offer in {currency} has stock")
        group = next(g for g in groups if g and g[0].currency == bought[0].offer.currency)
        shortfall = cheapest_backorder(short, group) if short and price_shortfall else None
        if shortfall is not None:
            notes.append(f"the {short:,} short priced as a backorder at {shortfall.offer.where} "
                         f"({lead_text(known_lead(shortfall.offer))})")
            return Plan((*bonded, *bought, shortfall), short, tuple(notes))
        overbuy = None
        if not short and too_much(bought, rules):
            overbuy = Overbuy(bought, sum(p.excess for p in bought),
                              sum((p.excess * p.unit_price for p in bought if p.unit_price is not None),
                                  Decimal(0)),
                              sum((p.ext_price for p in bought if p.ext_price is not None), Decimal(0)),
                              chosen=True)
            notes.append(f"buys {overbuy.excess:,} over need worth {overbuy.excess_value:,.2f} "
                         f"{bought[0].offer.currency}: approve the overbuy")
        return Plan((*bonded, *bought), short, tuple(notes), overbuy)
    backorder = cheapest_backorder(remaining, groups[0])
    if backorder is None:
        return Plan(tuple(bonded), remaining, tuple(notes))
    return Plan((*bonded, backorder), remaining, tuple(notes))


def release_bonded(need: int, bonded: Sequence[Offer]) -> tuple[list[Purchase], list[str]]:
    """Release bonded stock toward `need`, each item at least its minimum release quantity (MOQ)."""
    purchases: list[Purchase] = []
    notes: list[str] = []
    remaining = need
    for offer in sorted(bonded, key=lambda o: (unit_price_at(o.breaks, 1) is None, -o.stock)):
        if remaining <= 0:
            break
        if offer.stock <= 0:
            continue
        minimum = max(1, offer.moq)
        if offer.stock < minimum:
            notes.append(f"{offer.source} {offer.sku}: {offer.stock} held, below the minimum release "
                         f"quantity {minimum}")
            continue
        allocated = min(remaining, offer.stock)
        quantity = min(max(allocated, minimum), offer.stock)  # bonded items release in single parts
        purchases.append(priced(offer, quantity, allocated, wanted=remaining))
        remaining -= allocated
    return purchases, notes


def currency_groups(offers: Sequence[Offer], currency: str | None) -> list[list[Offer]]:
    """Priced offers grouped by currency: the asked-for currency first, then alphabetical."""
    currencies = sorted({o.currency for o in offers if o.breaks}, key=lambda c: (c != currency, c))
    return [[o for o in offers if o.breaks and o.currency == c] for c in currencies]


def split(need: int, offers: Sequence[Offer]) -> tuple[tuple[Purchase, ...], int]:
    """Buy from offers with stock, lowest unit price first, until the need is met or none is left.

    Each offer is bought in whole multiples within its stock and at least at its MOQ; a lot
    mirrored under two sellers is bought once. Returns the purchases and what is still short.
    """
    purchases: list[Purchase] = []
    used: set[tuple[str, ...]] = set()
    remaining = need
    while remaining > 0:
        options = [p for p in (_from_stock(remaining, o) for o in offers if lot_key(o) not in used)
                   if p is not None]
        if not options:
            break
        chosen = min(options, key=lambda p: (p.unit_price, p.offer.fees, -p.allocated, p.excess))
        purchases.append(chosen)
        used.add(lot_key(chosen.offer))
        remaining -= chosen.allocated
    return tuple(purchases), max(0, remaining)


def _from_stock(need: int, offer: Offer) -> Purchase | None:
    """What `offer` can supply now toward `need`, or None when its stock is below its MOQ."""
    if offer.stock <= 0:
        return None
    quantity = min(buy_quantity(need, offer), round_down(offer.stock, offer.multiple))
    if quantity <= 0 or quantity < offer.moq or unit_price_at(offer.breaks, quantity) is None:
        return None
    if quantity >= need:
        return plan_offer(need, offer)
    return priced(offer, quantity, quantity, wanted=need)


def cheapest_backorder(need: int, offers: Sequence[Offer]) -> Purchase | None:
    """The cheapest order of `need` beyond stock, delivered after the lead time.

    Only offers that take one (`facts.backorderable`): a list price, not a marketplace seller,
    not obsolete or discontinued at the seller.
    """
    orders = [priced(o, buy_quantity(need, o), need, backorder=True) for o in offers if backorderable(o)]
    best = min((p for p in orders if p.ext_price is not None), key=lambda p: (p.ext_price, p.buy_qty),
               default=None)
    return best
