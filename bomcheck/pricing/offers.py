"""One offer at a time: need with attrition, buy quantity, price break, buy-up, best covering offer."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bomcheck.model import BuyUp, Offer, PriceBreak, Purchase, normalize_mpn


@dataclass(frozen=True)
class Attrition:
    """Parts added to a line's need for losses: `percent` of the base (rounded up) plus `extra`."""

    percent: Decimal = Decimal(0)
    extra: int = 0

    def parts(self, base: int) -> int:
        if base <= 0:
            return 0
        return math.ceil(base * self.percent / 100) + self.extra

    def __str__(self) -> str:
        parts = [f"{self.percent.normalize():f}%"] if self.percent else []
        parts += [f"{self.extra} per line"] if self.extra else []
        return " + ".join(parts) or "none"


def parse_percent(text: str) -> Decimal:
    """'2%', '2', '2.5 %' → Decimal('2'), ...; ValueError for anything else or a negative."""
    cleaned = text.strip().rstrip("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a percentage (write e.g. 2%)") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{text!r} is not a percentage (write e.g. 2%)")
    return value


def line_attrition(text: str) -> Attrition:
    """A BOM's per-line attrition cell: '5%' is a share of the base, '10' a number of parts."""
    text = text.strip()
    if text.endswith("%"):
        return Attrition(percent=parse_percent(text))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"attrition {text!r} not understood (write 5% or a number of parts)") from None
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise ValueError(f"attrition {text!r} not understood (write 5% or a whole number of parts)")
    return Attrition(extra=int(number))


def need_for(qty_per_board: int, boards: int) -> int:
    """Parts to buy for a build: quantity per board times boards (never negative)."""
    return max(0, qty_per_board) * max(0, boards)


def round_up(quantity: int, multiple: int) -> int:
    """The smallest multiple of `multiple` that is at least `quantity`."""
    multiple = max(1, multiple)
    return -(-quantity // multiple) * multiple


def round_down(quantity: int, multiple: int) -> int:
    """The largest multiple of `multiple` that is at most `quantity` (never negative)."""
    multiple = max(1, multiple)
    return max(0, quantity) // multiple * multiple


def first_break(offer: Offer) -> int:
    return min((b.min_qty for b in offer.breaks), default=1)


def buy_quantity(need: int, offer: Offer) -> int:
    """What this offer makes you buy for `need`: at least the MOQ and first break, in whole multiples."""
    if need <= 0:
        return 0
    return round_up(max(need, offer.moq, first_break(offer)), offer.multiple)


def unit_price_at(breaks: Sequence[PriceBreak], quantity: int) -> Decimal | None:
    """Unit price of the break containing `quantity`; None below the first break or with none."""
    price = None
    for price_break in sorted(breaks, key=lambda b: b.min_qty):
        if quantity >= price_break.min_qty:
            price = price_break.unit_price
    return price


def priced(offer: Offer, quantity: int, allocated: int, *, wanted: int | None = None,
           backorder: bool = False, buy_up: BuyUp | None = None) -> Purchase:
    """A Purchase of `quantity` from `offer`, at its break price, for `allocated` of the need.

    It covers the need when stock can supply it and it is at least `wanted` (default `allocated`).
    The offer's fees (a reeling fee) are added once to the extended price.
    """
    unit_price = unit_price_at(offer.breaks, quantity)
    fees = offer.fees if quantity > 0 else Decimal(0)  # once per order (a Digi-Reel's reeling fee)
    return Purchase(
        offer=offer,
        buy_qty=quantity,
        unit_price=unit_price,
        ext_price=unit_price * quantity + fees if unit_price is not None else None,
        covers_need=quantity > 0 and offer.stock >= quantity and quantity >= (wanted or allocated),
        allocated=allocated,
        buy_up=buy_up,
        backorder=backorder,
    )


MIN_SAVING = Decimal("0.01")


def plan_offer(need: int, offer: Offer) -> Purchase:
    """The purchase this offer alone would make for `need`, bought up to a higher break if cheaper.

    Buy-up only looks at quantities the stock can supply: a cheaper break that must be
    backordered is no saving today.
    """
    quantity = buy_quantity(need, offer)
    plain = priced(offer, quantity, need, backorder=quantity > offer.stock)
    if plain.ext_price is None or quantity > offer.stock:
        return plain
    best = plain
    for price_break in offer.breaks:
        higher = round_up(price_break.min_qty, offer.multiple)
        if higher <= quantity or higher > offer.stock:
            continue
        candidate = priced(offer, higher, need)
        # Worth saying only when it saves at least a cent: more parts for 0.0034 less is noise.
        if candidate.ext_price is not None and best.ext_price is not None and (
            best.ext_price - candidate.ext_price >= MIN_SAVING
        ):
            best = candidate
    if best is plain:
        return plain
    saving = plain.ext_price - best.ext_price  # type: ignore[operator]
    return priced(offer, best.buy_qty, need, buy_up=BuyUp(best.buy_qty - quantity, saving))


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


def lot_key(offer: Offer) -> tuple[str, ...]:
    """Offers sharing this key are one physical lot (Arrow mirrors a lot under two sellers; DigiKey
    shows one stock in the cut tape, Digi-Reel and reel of a part: `stock_pool`)."""
    if offer.stock_pool:
        return (offer.source, "pool", offer.stock_pool)
    part = normalize_mpn(offer.mpn)
    if offer.date_code and offer.stock > 0:
        return (offer.source, part, str(offer.stock), offer.date_code)
    return (offer.source, part, offer.seller, offer.sku)


def distinct_stock(offers: Iterable[Offer]) -> int:
    """Stock across offers, counting a lot mirrored under several sellers once.

    Arrow lists the same lot under more than one source (Verical 2303 and ACNA 2303): offers
    with equal stock and equal date code are taken to be one lot.
    """
    lots: set[tuple[int, str]] = set()
    pools: dict[tuple[str, str], int] = {}  # a stock shown in full by each packaging: counted once
    total = 0
    for offer in offers:
        if offer.stock <= 0:
            continue
        if offer.stock_pool:
            pool = (offer.source, offer.stock_pool)
            pools[pool] = max(pools.get(pool, 0), offer.stock)
            continue
        lot = (offer.stock, offer.date_code)
        if offer.date_code and lot in lots:
            continue
        lots.add(lot)
        total += offer.stock
    return total + sum(pools.values())
