"""Issue 15's audit gaps, each worked out by hand: what is bought, RoHS, other makers, to_quote."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bomcheck.model import (
    Action,
    BomLine,
    Compliance,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    PriceBreak,
)
from bomcheck.pricing import plan_line, plan_lines
from bomcheck.pricing.rules import DEFAULT_RULES, Rules
from tests.builders import found, make_offer

D = Decimal


def offer(seller: str = "ACNA", stock: int = 1000, price: str | None = "1.00", *, mpn: str = "X",
          maker: str = "Maker", **kw: Any) -> Offer:
    return make_offer(mpn, seller=seller, stock=stock, price=price, maker=maker, **kw)


def plan(need: int, *offers: Offer, rules: Rules = DEFAULT_RULES, maker: str | None = "Maker",
         lookups: dict[str, Lookup] | None = None, mpn: str = "X"):
    """plan_line for one line of `mpn` by `maker` whose need is `need` (1 per board x `need` boards)."""
    line = BomLine(row=2, mpn=mpn, manufacturer=maker, qty=1)
    return plan_line(line, lookups if lookups is not None else found(*offers), boards=need, currency="USD",
                     rules=rules)


# ------------------------------------------------------------------ 1. the maker and MPN bought

NOTHING_BOUGHT = {
    "another maker's part, not allowed": lambda: plan(100, offer(maker="Murata"), maker="TDK"),
    "nobody lists it": lambda: plan(100, lookups={"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND)}),
    "no stock and no list price": lambda: plan(100, offer(stock=0, price=None)),
    "not compliant, RoHS required": lambda: plan(100, offer(rohs=Compliance.NOT_COMPLIANT),
                                                 rules=Rules(require_rohs=True)),
}


@pytest.mark.parametrize("planned", NOTHING_BOUGHT.values(), ids=NOTHING_BOUGHT.keys())
def test_nothing_bought_names_no_maker_and_no_mpn(planned):
    result = planned()
    assert result.purchases == () and result.from_spare == 0
    assert (result.bought_mpn, result.bought_manufacturer) == (None, None)
    # the part the line is planned on is still known, for the RFQ
    assert (result.planned_mpn, result.planned_manufacturer) == ("X", result.line.manufacturer)


def test_a_short_line_buying_part_of_its_need_names_the_maker_of_that_part():
    # 60 of 100 in stock at a marketplace seller (no backorder): 60 bought from "Texas Instruments"
    result = plan(100, offer(stock=60, maker="Texas Instruments", marketplace=True), maker="TI")
    assert result.status is LineStatus.SHORT and result.buy_qty == 60
    assert (result.bought_mpn, result.bought_manufacturer) == ("X", "Texas Instruments")


def test_a_line_covered_by_another_line_s_spare_parts_names_their_maker():
    # Row 2 needs 10 of an MOQ of 100: buys 100, 90 over need. Row 3 (10) takes 10 of those spare
    # parts, buys nothing itself: it is bought all the same, from the offer of "Texas Instruments".
    reel = offer(stock=1000, moq=100, maker="Texas Instruments")
    lines = [(BomLine(row=row, mpn="X", manufacturer="TI", qty=1), found(reel)) for row in (2, 3)]
    first, second = plan_lines(lines, 10, "USD")
    assert first.buy_qty == 100 and second.purchases == () and second.from_spare == 10
    assert (second.bought_mpn, second.bought_manufacturer) == ("X", "Texas Instruments")


def test_a_line_covered_by_spare_parts_shows_the_facts_of_the_offer_they_came_from():
    """Row 3 buys nothing: its MOQ, lead time and NCNR are the reel row 2 bought, not the cut tape
    (MOQ 1, 17 wk) that nobody buys."""
    reel = offer("reel", stock=10_000, price="0.001", moq=4000, lead_time_weeks=12, ncnr=True)
    cut = offer("cut", stock=20_000, price="0.50", lead_time_weeks=17)
    lines = [(BomLine(row=row, mpn="X", manufacturer="Maker", qty=1), found(reel, cut)) for row in (2, 3)]
    first, second = plan_lines(lines, 10, "USD")
    assert first.purchase.offer.seller == "reel" and second.purchases == () and second.from_spare == 10
    assert (second.moq, second.lead_time_weeks, second.ncnr) == (4000, 12, True)


# ------------------------------------------------------------------ 2. RoHS

def test_sources_disagreeing_on_rohs_show_the_worst_and_say_who_says_what():
    # "a" (0.50, compliant) is bought: 10 x 0.50 = 5.00; "b" calls the same part not compliant.
    result = plan(10, offer("a", price="0.50", rohs=Compliance.COMPLIANT),
                  offer("b", price="0.80", rohs=Compliance.NOT_COMPLIANT))
    assert result.purchase.offer.seller == "a" and result.ext_price == D("5.00")
    assert result.rohs is Compliance.NOT_COMPLIANT
    assert (result.status, result.action) == (LineStatus.OK, Action.REVIEW_COMPLIANCE)
    assert result.decisions == ("review RoHS: sources disagree (not compliant at Arrow: b; "
                                "compliant at Arrow: a)",)
    assert "sources disagree on RoHS: not compliant at Arrow: b; compliant at Arrow: a" in result.notes


def test_sources_agreeing_on_rohs_say_no_disagreement():
    result = plan(10, offer("a", rohs=Compliance.COMPLIANT), offer("b", rohs=Compliance.UNKNOWN))
    assert (result.rohs, result.rohs_text, result.action) == (Compliance.COMPLIANT, "", Action.BUY)


def test_rohs_required_is_why_stock_that_is_there_is_not_bought():
    # Need 100. 1,000 in stock at "leaded", not compliant; the compliant "clean" has none in stock
    # but takes a backorder: 100 x 1.20 = 120.00, 8 weeks. Without RoHS required "leaded" covers it.
    offers = (offer("leaded", stock=1000, rohs=Compliance.NOT_COMPLIANT),
              offer("clean", stock=0, price="1.20", rohs=Compliance.COMPLIANT, lead_time_weeks=8))
    assert plan(100, *offers).status is LineStatus.OK
    result = plan(100, *offers, rules=Rules(require_rohs=True))
    assert (result.status, result.action) == (LineStatus.NOT_ROHS, Action.GET_QUOTE)
    assert result.reason.startswith("1,000 in stock at Arrow: leaded not RoHS compliant: not bought "
                                    "(RoHS required)")
    assert [(p.offer.seller, p.buy_qty, p.backorder) for p in result.purchases] == [("clean", 100, True)]
    assert result.ext_price == D("120.00") and result.shortage == 100 and result.to_quote == 0


def test_rohs_required_with_part_of_the_need_in_compliant_stock():
    # Need 100: 30 compliant at a marketplace seller (no backorder), 500 not compliant elsewhere:
    # buy the 30, the 70 left are short and to quote, and RoHS is why.
    offers = (offer("clean", stock=30, rohs=Compliance.COMPLIANT, marketplace=True),
              offer("leaded", stock=500, rohs=Compliance.NOT_COMPLIANT))
    result = plan(100, *offers, rules=Rules(require_rohs=True))
    assert result.status is LineStatus.NOT_ROHS and result.buy_qty == 30
    assert (result.shortage, result.to_quote) == (70, 70)
    assert "500 in stock at Arrow: leaded not RoHS compliant" in result.reason


def test_rohs_required_without_other_stock_stays_short():
    # Nothing left out had stock: RoHS is not why the line is short.
    offers = (offer("leaded", stock=0, rohs=Compliance.NOT_COMPLIANT),
              offer("clean", stock=0, price="1.20", rohs=Compliance.COMPLIANT, lead_time_weeks=8))
    assert plan(100, *offers, rules=Rules(require_rohs=True)).status is LineStatus.SHORT


# ------------------------------------------------------------------ 3. only other makers, several of them

def _ambiguous(source: str, *makers: str, mpn: str = "LM358") -> Lookup:
    offers = tuple(make_offer(mpn, source=source, seller=f"{source} {m}", maker=m, stock=500,
                              price="0.20") for m in makers)
    return Lookup(source, LookupStatus.AMBIGUOUS, offers=offers,
                  candidates=tuple(f"{mpn} ({m})" for m in makers))


LM358_ANSWERS = {"Arrow": _ambiguous("Arrow", "Texas Instruments", "onsemi"),
                 "Mouser": _ambiguous("Mouser", "STMicroelectronics", "Texas Instruments")}


@pytest.mark.parametrize("allowed", [False, True], ids=["not allowed", "another maker allowed"])
def test_a_named_maker_that_no_candidate_is_makes_the_line_other_maker(allowed):
    result = plan(50, maker="Diodes Inc", lookups=LM358_ANSWERS, mpn="LM358",
                  rules=Rules(allow_other_maker=allowed))
    assert (result.status, result.action) == (LineStatus.OTHER_MAKER, Action.CONFIRM_MAKER)
    assert "name the manufacturer" not in result.reason
    assert ("LM358 is listed only as made by Texas Instruments, onsemi, STMicroelectronics, not Diodes Inc"
            in result.reason)
    # Several other makers: choosing one is a person's decision, even with another maker allowed.
    assert result.purchases == () and result.to_quote == 50 and result.bought_manufacturer is None
    # the decision names who lists it, never "unknown"
    assert result.decisions[0] == ("confirm maker: listed as STMicroelectronics, Texas Instruments, onsemi "
                                   "(the BOM says Diodes Inc)")
    if allowed:
        assert "3 makers list it, name the one to buy" in result.reason


def test_without_a_named_maker_several_makers_stay_ambiguous():
    result = plan(50, maker=None, lookups=LM358_ANSWERS, mpn="LM358")
    assert (result.status, result.action) == (LineStatus.AMBIGUOUS, Action.FIX_BOM)


def test_a_named_maker_among_the_candidates_stays_ambiguous():
    # Two parts under the number, one by TI: the sources could not tell them apart; neither can we.
    lookups = {"Arrow": _ambiguous("Arrow", "Texas Instruments", "onsemi")}
    assert plan(50, maker="TI", lookups=lookups, mpn="LM358").status is LineStatus.AMBIGUOUS


def test_another_maker_allowed_buys_when_one_other_maker_lists_it():
    # Arrow lists "TI", Mouser "Texas Instruments": one maker (aliases), so the proposal is bought.
    offers = (offer("a", maker="TI", price="0.30", mpn="LM358"),
              make_offer("LM358", source="Mouser", seller="Mouser", maker="Texas Instruments", price="0.25"))
    result = plan(10, *offers, maker="Diodes Inc", mpn="LM358", rules=Rules(allow_other_maker=True))
    assert result.status is LineStatus.OTHER_MAKER and result.ext_price == D("2.50")
    assert result.bought_manufacturer == "Texas Instruments"


def test_another_maker_allowed_buys_nothing_when_several_other_makers_list_it():
    # Arrow lists onsemi's LM358, Mouser ST's: two other makers, two different parts.
    offers = (offer("a", maker="onsemi", mpn="LM358"),
              make_offer("LM358", source="Mouser", seller="Mouser", maker="STMicroelectronics"))
    result = plan(10, *offers, maker="Diodes Inc", mpn="LM358", rules=Rules(allow_other_maker=True))
    assert (result.status, result.purchases, result.to_quote) == (LineStatus.OTHER_MAKER, (), 10)


# ------------------------------------------------------------------ 5. to_quote and shortage

def test_no_stock_and_no_list_price_is_all_to_quote():
    result = plan(40, offer(stock=0, price=None))
    assert result.status is LineStatus.SHORT and "get a quote for 40" in result.reason
    assert (result.shortage, result.to_quote, result.unpriced_qty) == (40, 40, 40)


def test_a_shortfall_priced_as_a_backorder_is_short_but_not_to_quote():
    # 60 in stock at 1.00 (marketplace), 40 short priced at the factory's backorder 0.90.
    result = plan(100, offer("stock", stock=60, marketplace=True),
                  offer("factory", stock=0, price="0.90", lead_time_weeks=8))
    assert (result.shortage, result.to_quote) == (40, 0)


def test_a_shortfall_no_one_prices_is_short_and_to_quote():
    # 60 in stock at a marketplace seller, nobody takes a backorder: 40 short, 40 to quote.
    result = plan(100, offer("stock", stock=60, marketplace=True))
    assert (result.status, result.shortage, result.to_quote) == (LineStatus.SHORT, 40, 40)


def test_a_part_nobody_lists_is_all_to_quote():
    result = plan(25, lookups={"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND)})
    assert (result.status, result.shortage, result.to_quote) == (LineStatus.NOT_FOUND, 25, 25)


def test_bonded_stock_without_a_price_is_never_to_quote():
    # 30 released from bonded stock with no unit price (yours already), 70 bought at 1.00.
    bonded = Offer("DigiKey Bonded", "DigiKey bonded inventory", "X", "Maker", "B1", stock=30, bonded=True)
    result = plan(100, bonded, offer("market", breaks=(PriceBreak(1, D("1.00")),)))
    assert result.status is LineStatus.OK and result.to_quote == 0
