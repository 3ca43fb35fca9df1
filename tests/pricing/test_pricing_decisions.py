"""Issue 15's planner rules, each case worked out by hand: nothing green that needs a decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bomcheck.model import (
    Action,
    Alternate,
    Availability,
    BomLine,
    Compliance,
    Lifecycle,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    PipelineDelivery,
    PriceBreak,
    Scenario,
    maker_key,
)
from bomcheck.pricing import plan_line, plan_lines
from bomcheck.pricing.rules import DEFAULT_RULES, Rules
from tests.builders import found, make_offer

D = Decimal


def offer(seller: str = "ACNA", stock: int = 1000, price: str = "1.00", *, mpn: str = "X",
          manufacturer: str = "Maker", **kw: Any) -> Offer:
    """An Arrow offer of part X by Maker, one price break at 1 unless `breaks` says otherwise."""
    return make_offer(mpn, seller=seller, stock=stock, price=price, maker=manufacturer, **kw)


def plan(need: int, *offers: Offer, rules: Rules = DEFAULT_RULES, maker: str | None = "Maker", **line):
    """plan_line for one line of part X whose need is `need` (qty 1 per board x `need` boards)."""
    bom_line = BomLine(row=line.pop("row", 2), mpn=line.pop("mpn", "X"), manufacturer=maker, qty=1, **line)
    return plan_line(bom_line, found(*offers), boards=need, currency="USD", rules=rules)


def colour(result) -> str:
    """The rule the workbook follows: red cannot be bought as listed, amber after a decision, green buy."""
    if result.status.blocks:
        return "red"
    return "amber" if result.action.is_decision else "green"


# ------------------------------------------------------------------ lifecycle and compliance

LIFECYCLE = {
    # name: (lifecycle of the offer, status, action, colour)
    "active: buy": (Lifecycle.ACTIVE, LineStatus.OK, Action.BUY, "green"),
    "unknown is not a risk by itself": (Lifecycle.UNKNOWN, LineStatus.OK, Action.BUY, "green"),
    "NRND: amber, review": (Lifecycle.NRND, LineStatus.OK, Action.REVIEW_LIFECYCLE, "amber"),
    "last time buy: amber, review": (Lifecycle.LAST_TIME_BUY, LineStatus.OK, Action.REVIEW_LIFECYCLE,
                                     "amber"),
    "discontinued at the seller bought from": (Lifecycle.DISCONTINUED, LineStatus.OK, Action.REVIEW_LIFECYCLE,
                                               "amber"),
    "obsolete: red, its remaining stock planned": (Lifecycle.OBSOLETE, LineStatus.OBSOLETE,
                                                   Action.REVIEW_LIFECYCLE, "red"),
}


@pytest.mark.parametrize(("lifecycle", "status", "action", "fill"), LIFECYCLE.values(), ids=LIFECYCLE.keys())
def test_lifecycle_decides_status_and_action(lifecycle, status, action, fill):
    result = plan(10, offer(lifecycle=lifecycle, lifecycle_text="source words"))
    assert (result.status, result.action, colour(result)) == (status, action, fill)
    assert result.lifecycle is lifecycle and result.buy_qty == 10  # 10 x 1.00 planned in every case
    if lifecycle is not Lifecycle.ACTIVE and lifecycle is not Lifecycle.UNKNOWN:
        assert "Arrow: source words" in result.reason and result.lifecycle_text == "source words"


def test_nrnd_says_its_last_buy_date():
    result = plan(10, offer(lifecycle=Lifecycle.LAST_TIME_BUY, last_buy_date=date(2027, 3, 31)))
    assert result.decisions == ("review lifecycle: Last Time Buy, last buy 2027-03-31",)
    assert result.last_buy_date == date(2027, 3, 31)


def test_an_obsolete_part_is_bought_as_its_alternate_first():
    # Own part obsolete with 500 in stock; the alternate is active with 500: the alternate is bought.
    own = found(offer(stock=500, lifecycle=Lifecycle.OBSOLETE))
    alt = Alternate("ALT-1", "Maker")
    line = BomLine(row=2, mpn="X", manufacturer="Maker", qty=1, alternates=(alt,))
    (result,) = plan_lines([(line, own)], 100, "USD",
                           alternates={2: [(alt, found(offer(stock=500, mpn="ALT-1", price="1.20")))]})
    assert (result.status, result.alternate, result.action) == (LineStatus.OK, alt, Action.APPROVE_ALTERNATE)
    assert result.bought_mpn == "ALT-1" and result.ext_price == D("120.00")
    assert result.reason.startswith("primary X not available (obsolete (Arrow: Obsolete)")
    assert colour(result) == "amber"


def test_an_obsolete_part_without_an_alternate_stays_red_and_is_never_backordered():
    # 30 left for a need of 100: buy the 30, the 70 short have no backorder (the part is not made).
    result = plan(100, offer(stock=30, lifecycle=Lifecycle.OBSOLETE, lead_time_weeks=10))
    assert (result.status, result.action) == (LineStatus.OBSOLETE, Action.REVIEW_LIFECYCLE)
    assert colour(result) == "red"
    assert [(p.buy_qty, p.backorder) for p in result.purchases] == [(30, False)]
    assert result.shortage == 70 and result.unpriced_qty == 70 and not result.priced


def test_a_seller_that_discontinued_the_part_takes_no_backorder():
    result = plan(100, offer(stock=0, lifecycle=Lifecycle.DISCONTINUED, lead_time_weeks=6))
    assert result.status is LineStatus.SHORT and result.purchases == () and result.shortage == 100


ROHS = {
    # name: (offers' RoHS, require_rohs, status, action, what is bought)
    "compliant": ([Compliance.COMPLIANT], False, LineStatus.OK, Action.BUY, 10),
    "not compliant: amber, review": ([Compliance.NOT_COMPLIANT], False, LineStatus.OK,
                                     Action.REVIEW_COMPLIANCE, 10),
    "not compliant, RoHS required: not bought": ([Compliance.NOT_COMPLIANT], True, LineStatus.NOT_ROHS,
                                                 Action.GET_QUOTE, 0),
    "exempt, RoHS required: bought": ([Compliance.EXEMPT], True, LineStatus.OK, Action.BUY, 10),
    "unknown, RoHS required: bought, review": ([Compliance.UNKNOWN], True, LineStatus.OK,
                                               Action.REVIEW_COMPLIANCE, 10),
    "unknown, not required: buy": ([Compliance.UNKNOWN], False, LineStatus.OK, Action.BUY, 10),
}


@pytest.mark.parametrize(("rohs", "required", "status", "action", "bought"), ROHS.values(), ids=ROHS.keys())
def test_rohs_decides_with_and_without_require_rohs(rohs, required, status, action, bought):
    result = plan(10, *(offer(rohs=value) for value in rohs), rules=Rules(require_rohs=required))
    assert (result.status, result.action, result.buy_qty) == (status, action, bought)
    if status is LineStatus.NOT_ROHS:
        assert result.to_quote == 10 and colour(result) == "red" and "RoHS required" in result.reason


def test_rohs_required_buys_the_dearer_compliant_offer():
    # cheap: 10 x 0.50 = 5.00 but not compliant; dear: 10 x 0.80 = 8.00, compliant.
    offers = (offer("cheap", price="0.50", rohs=Compliance.NOT_COMPLIANT),
              offer("dear", price="0.80", rohs=Compliance.COMPLIANT))
    assert plan(10, *offers).purchase.offer.seller == "cheap"
    required = plan(10, *offers, rules=Rules(require_rohs=True))
    assert required.purchase.offer.seller == "dear" and required.ext_price == D("8.00")
    assert "1 offer not RoHS compliant left out (RoHS required)" in required.notes
    # One part, two sources' words: the worst is shown and the disagreement is a decision (issue 15).
    assert (required.action, required.rohs) == (Action.REVIEW_COMPLIANCE, Compliance.NOT_COMPLIANT)
    assert required.decisions == ("review RoHS: sources disagree (not compliant at Arrow: cheap; "
                                  "compliant at Arrow: dear)",)


# ------------------------------------------------------------------ excess: the reel against the stock

CRYSTAL_REEL = dict(seller="reel", stock=5000, moq=2500, multiple=2500,
                    breaks=(PriceBreak(2500, D("1.994")),))
CRYSTAL_TAPE = dict(seller="tape", stock=10, price="3.97")


def test_the_reel_of_2500_for_11_crystals_is_weighed_against_the_10_in_stock():
    # Cheapest covering: the reel, 2500 x 1.994 = 4,985.00; 2489 over need worth 2489 x 1.994 = 4,963.066,
    # above 100 and above 5 x the need's value (5 x 11 x 1.994 = 109.67): needs approval.
    # Without the reel: 10 at 3.97 = 39.70 now, 1 to quote (about 3.97): 43.67 < 4,985.00 -> chosen.
    result = plan(11, offer(**CRYSTAL_REEL), offer(**CRYSTAL_TAPE))
    assert (result.status, result.action, colour(result)) == (LineStatus.OK, Action.APPROVE_OVERBUY, "amber")
    assert [(p.offer.seller, p.buy_qty, p.ext_price) for p in result.purchases] == [("tape", 10, D("39.70"))]
    assert result.to_quote == 1 and result.unpriced_qty == 1 and result.excess_qty == 0
    overbuy = result.overbuy
    assert (overbuy.chosen, overbuy.excess, overbuy.excess_value, overbuy.cost) == (
        False, 2489, D("4963.066"), D("4985.000"))
    assert ("buy 10 at 3.97 now, quote 1; 2,500 from Arrow: reel (MOQ 2500) would cost 4,985.00 USD "
            "(2,489 over need, worth 4,963.07 USD)") in result.notes
    assert result.decisions[0] == ("approve overbuy or quote: buying 10 now and quoting 1 instead of 2,500 "
                                   "(2,489 over need worth 4,963.07 USD)")


def test_a_reel_cheaper_than_the_need_bought_elsewhere_stays_but_is_flagged():
    # Need 400: the reel 4000 x 0.03 = 120.00 (3600 over, worth 108.00 > 100 and > 5 x 12.00);
    # cut tape covers 400 x 0.35 = 140.00, dearer: the reel stays, a person approves it.
    reel = offer("reel", stock=8000, moq=4000, multiple=4000, breaks=(PriceBreak(4000, D("0.03")),))
    result = plan(400, reel, offer("tape", stock=1000, price="0.35"))
    assert [(p.offer.seller, p.buy_qty) for p in result.purchases] == [("reel", 4000)]
    assert result.overbuy.chosen and result.action is Action.APPROVE_OVERBUY and result.to_quote == 0
    assert (result.excess_qty, result.excess_value) == (3600, D("108.00"))
    assert result.decisions[0] == "approve overbuy: 3,600 over need worth 108.00 USD"


EXCESS_RULE = {
    # name: (need, offer, max_excess, flagged)
    "MOQ 100 for 20 at 0.10: 8.00 over, below 100": (20, dict(moq=100, price="0.10"), D(100), False),
    "over 100 but not over 5 x the need: 150 over need at 1.00 for a need of 50": (
        50, dict(moq=200, price="1.00"), D(100), False),
    "over both: 950 x 1.00 for a need of 50": (50, dict(moq=1000, price="1.00"), D(100), True),
    "a lower --max-excess flags a small overbuy: 90 x 0.10 = 9.00 > 5 and > 5 x 1.00": (
        10, dict(moq=100, price="0.10"), D(5), True),
    "--max-excess none never flags": (50, dict(moq=1000, price="1.00"), None, False),
}


@pytest.mark.parametrize(("need", "kw", "max_excess", "flagged"), EXCESS_RULE.values(),
                         ids=EXCESS_RULE.keys())
def test_the_excess_rule(need, kw, max_excess, flagged):
    result = plan(need, offer(**kw), rules=Rules(max_excess=max_excess))
    assert (result.overbuy is not None) is flagged
    assert (result.action is Action.APPROVE_OVERBUY) is flagged
    assert result.buy_qty == kw["moq"]  # no smaller offer: the covering purchase is planned either way


def test_bonded_stock_released_over_need_is_never_an_overbuy_to_approve():
    bonded = Offer("DigiKey Bonded", "DigiKey", "X", "Maker", "B1", stock=5000, moq=5000, bonded=True,
                   breaks=(PriceBreak(1, D("1.00")),))
    result = plan(10, bonded)
    assert result.buy_qty == 5000 and result.overbuy is None and result.action is Action.BUY


# ------------------------------------------------------------------ other makers

def test_another_maker_s_part_is_not_bought_unless_allowed():
    murata = offer(manufacturer="Murata", price="0.10")
    refused = plan(100, murata, maker="TDK")
    assert (refused.status, refused.action, colour(refused)) == (LineStatus.OTHER_MAKER, Action.CONFIRM_MAKER,
                                                                "amber")
    assert refused.purchases == () and refused.to_quote == 100 and not refused.priced
    assert "listed only as made by Murata, not TDK: not bought" in refused.reason
    allowed = plan(100, murata, maker="TDK", rules=Rules(allow_other_maker=True))
    assert (allowed.status, allowed.action) == (LineStatus.OTHER_MAKER, Action.CONFIRM_MAKER)
    assert allowed.ext_price == D("10.00") and allowed.bought_manufacturer == "Murata"
    assert "planned as a proposal" in allowed.reason


def test_the_bom_s_maker_is_bought_when_a_source_lists_both():
    # Murata's is cheaper, but the BOM says TDK: TDK's is bought, Murata's is said.
    result = plan(100, offer("a", manufacturer="Murata", price="0.10"), offer("b", manufacturer="TDK",
                                                                           price="0.20"), maker="TDK")
    assert (result.status, result.purchase.offer.seller, result.action) == (LineStatus.OK, "b", Action.BUY)
    assert "also listed under Murata: not planned (not TDK)" in result.notes


ALIASES = [
    # (the BOM's maker, the source's) -> the same maker
    ("TI", "Texas Instruments"),
    ("Texas Instruments Inc.", "TI"),
    ("YAGEO (VA)", "Yageo"),
    ("Murata Electronics", "Murata"),
    ("Murata", "Murata Manufacturing Co., Ltd."),
    ("Bourns, Inc.", "Bourns"),
    ("ON Semiconductor", "onsemi"),
    ("Maxim Integrated", "Analog Devices Inc."),
    ("Würth Elektronik", "Wurth Electronics Inc"),
    ("texas  instruments", "Texas Instruments"),
]


@pytest.mark.parametrize(("bom", "source"), ALIASES)
def test_a_naming_difference_is_never_another_maker(bom, source):
    result = plan(10, offer(manufacturer=source), maker=bom)
    assert (result.status, result.action) == (LineStatus.OK, Action.BUY)
    assert maker_key(bom) == maker_key(source)  # one key too: the alternates and the cache share it
    assert result.bought_manufacturer == source  # the maker of what is bought, as its seller writes it


@pytest.mark.parametrize(("bom", "source"), [("TI", "STMicroelectronics"), ("On Shore Technology", "onsemi"),
                                             ("Diodes Inc", "Diotec Semiconductor")])
def test_different_makers_stay_different(bom, source):
    assert plan(10, offer(manufacturer=source), maker=bom).status is LineStatus.OTHER_MAKER
    assert maker_key(bom) != maker_key(source)


def test_an_offer_or_a_line_naming_no_maker_is_never_another_maker():
    assert plan(10, offer(manufacturer=""), maker="TDK").status is LineStatus.OK
    assert plan(10, offer(manufacturer="Murata"), maker=None).status is LineStatus.OK


# ------------------------------------------------------------------ unknowns

@pytest.mark.parametrize("placeholder", [0, 99, None])
def test_lead_time_0_99_and_absent_are_unknown(placeholder):
    in_stock = plan(10, offer(lead_time_weeks=placeholder))
    assert in_stock.lead_time_weeks is None
    short = plan(10, offer(stock=0, lead_time_weeks=placeholder))
    assert short.status is LineStatus.SHORT and short.lead_time_weeks is None
    assert "lead time unknown" in short.reason and "lead time 0" not in short.reason


def test_a_short_line_shows_the_best_known_lead_time():
    # The cheapest backorder (0.50) has a placeholder 0; the dearer one says 12 weeks: 12 is what is known.
    result = plan(10, offer("a", stock=0, price="0.50", lead_time_weeks=0),
                  offer("b", stock=0, price="0.60", lead_time_weeks=12))
    assert result.purchase.offer.seller == "a" and result.lead_time_weeks == 12
    assert "lead time unknown (best known 12 wk)" in result.reason


QUOTE = {
    # name: (offer, status, to quote, short)
    "stock without breaks": (dict(stock=2500, breaks=()), LineStatus.QUOTE, 100, 0),
    "availability QUOTE with a ladder and stock": (dict(stock=2500, availability_kind=Availability.QUOTE),
                                                   LineStatus.QUOTE, 100, 0),
    "Arrow's raw QUOTE code, not yet read into availability_kind": (dict(stock=2500, availability="QUOTE"),
                                                                    LineStatus.QUOTE, 100, 0),
    # nothing in stock and no list price: all 100 short, and all 100 to quote ("get a quote for 100")
    "QUOTE with a ladder and no stock: never a backorder at the list price": (
        dict(stock=0, availability="QUOTE"), LineStatus.SHORT, 100, 100),
    "NOSTK with a ladder: never planned at it": (dict(stock=0, availability_kind=Availability.NO_STOCK),
                                                 LineStatus.SHORT, 100, 100),
    "stock below the need, no price: quote what is there, the rest short": (dict(stock=60, breaks=()),
                                                                            LineStatus.QUOTE, 100, 40),
}


@pytest.mark.parametrize(("kw", "status", "to_quote", "short"), QUOTE.values(), ids=QUOTE.keys())
def test_quote_only_offers_are_never_planned_at_a_list_price(kw, status, to_quote, short):
    result = plan(100, offer(**kw))
    assert result.purchases == () and result.ext_price is None
    assert (result.status, result.to_quote, result.shortage) == (status, to_quote, short)
    assert result.action is Action.GET_QUOTE and not result.priced


def test_pipeline_dates_are_read_sorted_and_past_ones_were_due():
    pipeline = (PipelineDelivery("18-JAN-2027", 1200), PipelineDelivery("20250105", 500),
                PipelineDelivery("02-MAR-2026", 300), PipelineDelivery("soon", 50),
                PipelineDelivery("01-JUN-2026", 70, due=date(2026, 6, 1)))
    result = plan(10, offer(stock=0, pipeline=pipeline), rules=Rules(today=date(2026, 6, 1)))
    # by date, not as text; before today "was due"; today itself is still due; unreadable text last
    assert ("on order: 500 was due 2025-01-05, 300 was due 2026-03-02, 70 due 2026-06-01"
            in result.reason)
    assert "1200 due 2027-01-18" not in result.reason  # the first three only


def test_two_deliveries_alike_are_two_and_a_pipeline_repeated_by_packagings_is_one():
    from bomcheck.pricing.facts import pipeline_text

    twice = (PipelineDelivery("2027-01-31", 500), PipelineDelivery("2027-01-31", 500),
             PipelineDelivery("2027-03-01", 1200))
    reel, cut = offer(stock=0, pipeline=twice), offer("cut", stock=0, pipeline=twice)
    assert pipeline_text((reel,), None, few=5) == ("500 due 2027-01-31, 500 due 2027-01-31, "
                                                   "1200 due 2027-03-01")
    assert pipeline_text((reel, cut), None, few=5) == pipeline_text((reel,), None, few=5)


# ------------------------------------------------------------------ honest totals, one action per line

def test_a_shortfall_is_priced_at_the_best_backorder_and_said():
    # 60 in stock at 1.00; 40 short: the backorder at 0.90 x 40 = 36.00 from the seller that takes one.
    result = plan(100, offer("stock", stock=60, price="1.00", marketplace=True),
                  offer("factory", stock=0, price="0.90", lead_time_weeks=8))
    assert result.status is LineStatus.SHORT and result.shortage == 40
    assert [(p.offer.seller, p.buy_qty, p.backorder) for p in result.purchases] == [
        ("stock", 60, False), ("factory", 40, True)]
    assert result.ext_price == D("96.00") and result.priced
    assert "the 40 short priced as a backorder at Arrow: factory (lead time 8 wk)" in result.notes


def test_a_shortfall_no_one_takes_a_backorder_for_is_unpriced_and_counted():
    # Only a marketplace seller, which sells what it holds: 60 bought, 40 short and unpriced.
    result = plan(100, offer("verical", stock=60, price="1.00", marketplace=True))
    assert [(p.buy_qty, p.backorder) for p in result.purchases] == [(60, False)]
    assert result.shortage == 40 and result.unpriced_qty == 40 and not result.priced


ACTIONS = {
    # name: (line, offers, status, action)
    "DNP": (dict(dnp=True), (), LineStatus.DNP, Action.NOTHING),
    "no MPN": (dict(mpn=None), (), LineStatus.NO_MPN, Action.FIX_BOM),
    "NCNR": ({}, (offer(ncnr=True),), LineStatus.OK, Action.ACCEPT_NCNR),
    "NCNR unknown is not said to be NCNR": ({}, (offer(ncnr=None),), LineStatus.OK, Action.BUY),
    "the reader doubted the line": (dict(warnings=("quantity unreadable",)), (offer(),), LineStatus.OK,
                                    Action.FIX_BOM),
    "short": ({}, (offer(stock=5),), LineStatus.SHORT, Action.GET_QUOTE),
    "NRND and NCNR: the lifecycle first": ({}, (offer(ncnr=True, lifecycle=Lifecycle.NRND),), LineStatus.OK,
                                           Action.REVIEW_LIFECYCLE),
}


@pytest.mark.parametrize(("line", "offers", "status", "action"), ACTIONS.values(), ids=ACTIONS.keys())
def test_one_action_per_line(line, offers, status, action):
    result = plan(10, *offers, **line)
    assert (result.status, result.action) == (status, action)


def test_every_decision_is_listed_with_the_action_first():
    result = plan(10, offer(ncnr=True, lifecycle=Lifecycle.NRND, rohs=Compliance.NOT_COMPLIANT))
    assert result.decisions == ("review lifecycle: NRND", "review RoHS: not compliant", "accept NCNR")


# ------------------------------------------------------------------ three quantities

def test_three_quantities_each_count_and_price_for_themselves():
    # A: 1000 in stock at 0.10. B: 150 in stock at 2.00, backorder at 2.00 (lead 6). C: not found.
    a = (BomLine(row=2, mpn="A", manufacturer="Maker", qty=1), found(offer(mpn="A", price="0.10")))
    b = (BomLine(row=3, mpn="B", manufacturer="Maker", qty=1),
         found(offer(mpn="B", stock=150, price="2.00", lead_time_weeks=6)))
    c = (BomLine(row=4, mpn="C", qty=1), {"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND)})
    scenarios = [Scenario(n, plan_lines([a, b, c], n, "USD")) for n in (10, 100, 1000)]
    # 10:   A 1.00, B 20.00; C unpriced                  -> 21.00, priced 2 of 3, short 10 (C)
    # 100:  A 10.00, B 200.00                            -> 210.00, priced 2 of 3, short 100
    # 1000: A 100.00, B 150 x 2.00 + 850 backorder x 2.00 -> 2,100.00, priced 2 of 3, short 850 + 1000
    assert [s.totals for s in scenarios] == [{"USD": D("21.00")}, {"USD": D("210.00")},
                                             {"USD": D("2100.00")}]
    assert [(s.priced_lines, len(s.to_buy)) for s in scenarios] == [(2, 3)] * 3
    assert [[r.line.mpn for r in s.unpriced] for s in scenarios] == [["C"]] * 3
    assert [s.short_parts for s in scenarios] == [10, 100, 1850]
    assert [s.actions() for s in scenarios] == [{Action.BUY: 2, Action.GET_QUOTE: 1}] * 2 + [
        {Action.BUY: 1, Action.GET_QUOTE: 2}]


def test_per_quantity_excess_and_its_share():
    # Need 20 at MOQ 100 x 0.10 = 10.00 total, 80 over need worth 8.00: 80 % of the total.
    (result,) = plan_lines([(BomLine(row=2, mpn="X", qty=2), found(offer(moq=100, price="0.10")))], 10)
    scenario = Scenario(10, (result,))
    assert (result.excess_qty, result.excess_value) == (80, D("8.00"))
    assert scenario.excess == {"USD": D("8.00")} and scenario.excess_share == {"USD": D("0.8")}


def test_a_fee_is_added_once_to_the_purchase():
    reeled = replace(offer(price="0.10"), fees=D("7.00"))
    result = plan(100, reeled)
    assert result.ext_price == D("17.00") and result.unit_price == D("0.10")
    assert "includes a fee of 7.00 USD at Arrow: ACNA" in result.notes


def test_no_stock_and_no_price_says_who_quotes_it_and_what_is_known():
    # seller ACNA of source Arrow: `where` is "Arrow: ACNA"; nothing in stock, so SHORT (red), not QUOTE
    quoting = offer(stock=0, breaks=(), availability_kind=Availability.QUOTE, lead_time_weeks=0,
                    lifecycle=Lifecycle.NRND, lifecycle_text="NRND")
    result = plan(100, quoting)
    assert (result.status, result.action, result.shortage) == (LineStatus.SHORT, Action.GET_QUOTE, 100)
    assert result.reason == ("no stock to buy and no list price (Arrow: ACNA quotes it on request): get a "
                             "quote for 100; lead time unknown; the part is NRND (Arrow: NRND)")
    assert colour(result) == "red"


def test_a_part_nobody_quotes_says_only_that_it_has_no_price():
    result = plan(5, offer(stock=0, breaks=()))
    assert result.reason == "no stock to buy and no list price: get a quote for 5; lead time unknown"


def test_an_overbuy_is_the_action_before_a_lifecycle_review():
    """An NRND part sold only by the 2,500 reel for a need of 10: the money is the decision shown;
    the review comes second (the line's decisions keep both)."""
    result = plan(10, offer(stock=10_000, price="1.70", moq=2500, multiple=2500, lifecycle=Lifecycle.NRND,
                            lifecycle_text="NRND"))
    assert result.action is Action.APPROVE_OVERBUY
    assert result.decisions[1].startswith("review lifecycle: NRND")
