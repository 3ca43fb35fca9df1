"""Parts bought over need: their value, when it needs approval, and the plan without the big MOQ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bomcheck.model import Offer, Overbuy, Purchase
from bomcheck.pricing.offers import plan_offer
from bomcheck.pricing.rules import Rules


def excess_cause(purchase: Purchase) -> str:
    """Why a purchase buys over need: 'MOQ 100', 'order multiple 50', 'minimum release quantity 100'."""
    offer = purchase.offer
    if purchase.buy_qty == offer.moq:
        return f"MOQ {offer.moq}"
    if offer.bonded:
        return f"minimum release quantity {offer.moq}"
    return f"order multiple {offer.multiple}"


def excess_value(purchases: Sequence[Purchase]) -> Decimal:
    """Parts over need at the price paid for them (purchases without a price add nothing)."""
    return sum((p.excess * p.unit_price for p in purchases if p.unit_price is not None), Decimal(0))


def need_value(purchases: Sequence[Purchase]) -> Decimal:
    """The need itself at the price paid: what the purchases would cost without their excess."""
    return sum(((p.allocated or p.buy_qty) * p.unit_price for p in purchases if p.unit_price is not None),
               Decimal(0))


def too_much(purchases: Sequence[Purchase], rules: Rules) -> bool:
    """The excess needs approval: worth more than `max_excess` and more than `excess_ratio` × the need."""
    market = [p for p in purchases if not p.offer.bonded]  # bonded stock is the customer's already
    if rules.max_excess is None or not market:
        return False
    value = excess_value(market)
    return value > rules.max_excess and value > rules.excess_ratio * need_value(market)


@dataclass(frozen=True)
class Choice:
    """The purchases a line makes after the excess rule, the parts left to quote, and what to say."""

    purchases: tuple[Purchase, ...]
    to_quote: int
    overbuy: Overbuy
    note: str


def small_offers(need: int, covering: Purchase, offers: Sequence[Offer], rules: Rules) -> list[Offer]:
    """Offers in the covering purchase's currency whose own purchase for `need` needs no approval."""
    return [o for o in offers if o.currency == covering.offer.currency and not o.bonded and o.breaks
            and o != covering.offer and not too_much((plan_offer(need, o),), rules)]


def choose(need: int, covering: Purchase, bought: Sequence[Purchase], rest: int) -> Choice:
    """The covering purchase whose excess needs approval, against `bought` (what stock sells without
    it, from `small_offers`) with `rest` left to quote.

    The smaller plan is chosen when it buys something and costs less than the covering purchase,
    the rest valued at the dearest unit price it pays; otherwise the covering purchase stays.
    Either way a person approves: the line says both.
    """
    currency = covering.offer.currency
    value = excess_value((covering,))
    overbuy = Overbuy((covering,), covering.excess, value, covering.ext_price or Decimal(0), chosen=True)

    def big(verb: str) -> str:
        return (f"{covering.buy_qty:,} from {covering.offer.where} ({excess_cause(covering)}) {verb} "
                f"{_money(covering.ext_price, currency)} ({covering.excess:,} over need, "
                f"worth {_money(value, currency)})")

    if not bought:
        return Choice((covering,), 0, overbuy, "buying " + big("for") +
                      f"; no smaller offer in {currency} has stock (offers in other currencies are never "
                      f"compared): approve the overbuy or quote {need:,}")
    dearest = max(p.unit_price for p in bought if p.unit_price is not None)
    cost = sum((p.ext_price for p in bought if p.ext_price is not None), Decimal(0))
    small_plan = "buy " + " + ".join(f"{p.buy_qty:,} at {p.unit_price}" for p in bought) + " now"
    small_plan += f", quote {rest:,}" if rest else ""
    if cost + rest * dearest < (covering.ext_price or Decimal(0)):
        chosen = Overbuy(overbuy.purchases, overbuy.excess, value, overbuy.cost, chosen=False)
        return Choice(tuple(bought), rest, chosen, f"{small_plan}; {big('would cost')}")
    return Choice((covering,), 0, overbuy,
                  f"buying {big('for')}: less than the other way ({small_plan})")


def _money(value: Decimal | None, currency: str) -> str:
    return f"{value or 0:,.2f} {currency}"
