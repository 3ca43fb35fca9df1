"""Properties of the planner that hold for any offers (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bomcheck.model import Offer, PriceBreak
from bomcheck.pricing import best_purchase, plan_need, plan_offer, unit_price_at


@st.composite
def offers(draw, bonded: bool = False) -> Offer:
    """An offer with a descending price ladder (prices as cents with 4 decimals)."""
    first = draw(st.integers(1, 50))
    steps = draw(st.lists(st.integers(1, 500), max_size=4))
    quantities = [first]
    for step in steps:
        quantities.append(quantities[-1] + step)
    price = draw(st.integers(100, 100_000))
    ladder = []
    for quantity in quantities:
        ladder.append(PriceBreak(quantity, Decimal(price) / 10_000))
        price = max(1, price - draw(st.integers(0, price // 2)))
    return Offer(source="DigiKey Bonded" if bonded else "Arrow", seller=draw(st.sampled_from("ABCDE")),
                 mpn="X", manufacturer="M", sku=draw(st.text("xyz", min_size=1, max_size=3)),
                 stock=draw(st.integers(0, 5000)), moq=draw(st.integers(1, 300)),
                 multiple=draw(st.integers(1, 100)), breaks=tuple(ladder), bonded=bonded)


needs = st.integers(1, 3000)


@given(needs, offers())
def test_a_purchase_stock_allows_meets_need_moq_and_multiple(need, offer):
    purchase = plan_offer(need, offer)
    assert purchase.buy_qty >= offer.moq
    assert purchase.buy_qty % offer.multiple == 0
    assert purchase.buy_qty >= need
    if purchase.covers_need:
        assert purchase.buy_qty <= offer.stock


@given(needs, offers())
def test_buy_up_only_when_it_saves(need, offer):
    purchase = plan_offer(need, offer)
    if purchase.buy_up is not None:
        assert purchase.buy_up.saving > 0
        plain = purchase.buy_qty - purchase.buy_up.extra
        assert purchase.ext_price + purchase.buy_up.saving == plain * unit_price_at(offer.breaks, plain)
        assert purchase.buy_qty <= offer.stock


@given(needs, st.lists(offers(), min_size=1, max_size=5))
def test_the_chosen_cost_is_never_above_any_other_covering_offer(need, candidates):
    best = best_purchase(need, candidates)
    covering = [p for p in (plan_offer(need, o) for o in candidates) if p.covers_need]
    assert (best is None) == (not covering)
    for other in covering:
        assert best.ext_price <= other.ext_price


@given(needs, st.lists(offers(), max_size=4), st.lists(offers(bonded=True), max_size=2))
def test_plan_accounts_for_every_part_of_the_need(need, market, bonded):
    plan = plan_need(need, [*bonded, *market])
    supplied = sum(p.allocated for p in plan.purchases if not p.backorder)
    if not any(p.backorder for p in plan.purchases):
        assert supplied + plan.shortage == need
    assert plan.shortage >= 0
    for purchase in plan.purchases:
        offer = purchase.offer
        assert purchase.buy_qty >= offer.moq
        assert purchase.buy_qty % offer.multiple == 0 or offer.bonded
        if not purchase.backorder:
            assert purchase.buy_qty <= offer.stock  # never plans parts that are not there
    assert len({p.offer.currency for p in plan.purchases}) <= 1
