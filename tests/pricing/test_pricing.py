"""Planner rules, each case worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bomcheck.model import LineStatus, Lookup, LookupStatus, Offer, PriceBreak
from bomcheck.pricing import (
    best_purchase,
    buy_quantity,
    distinct_stock,
    need_for,
    plan_line,
    plan_offer,
    round_up,
    unit_price_at,
)
from tests.builders import bom_line, make_offer

D = Decimal


def offer(stock=10_000, moq=1, multiple=1, breaks=((1, "1.00"),), seller="S", **kw) -> Offer:
    return make_offer(seller=seller, maker="M", sku=seller, stock=stock, moq=moq, multiple=multiple,
                      breaks=tuple(PriceBreak(q, D(p)) for q, p in breaks), **kw)


LADDER = ((1, "0.50"), (10, "0.40"), (100, "0.25"))


@pytest.mark.parametrize(("qty", "boards", "need"), [(2, 100, 200), (1, 1, 1), (0, 50, 0), (4, 0, 0)])
def test_need_is_qty_times_boards(qty, boards, need):
    assert need_for(qty, boards) == need


@pytest.mark.parametrize(("quantity", "multiple", "expected"),
                         [(1, 1, 1), (7, 5, 10), (10, 5, 10), (11, 5, 15), (0, 5, 0), (3, 0, 3)])
def test_round_up(quantity, multiple, expected):
    assert round_up(quantity, multiple) == expected


@pytest.mark.parametrize(
    ("need", "moq", "multiple", "expected"),
    [
        (5, 1, 1, 5),  # plain
        (5, 100, 1, 100),  # MOQ above need
        (150, 100, 1, 150),  # need above MOQ
        (150, 100, 50, 150),  # already a multiple
        (160, 100, 50, 200),  # rounded up to the multiple
        (1, 2500, 2500, 2500),  # a reel
        (2600, 2500, 2500, 5000),  # two reels
        (0, 100, 10, 0),  # nothing needed, nothing bought
    ],
)
def test_buy_quantity_respects_moq_and_multiple(need, moq, multiple, expected):
    assert buy_quantity(need, offer(moq=moq, multiple=multiple)) == expected


@pytest.mark.parametrize(
    ("quantity", "price"),
    [(1, "0.50"), (9, "0.50"), (10, "0.40"), (99, "0.40"), (100, "0.25"), (5000, "0.25")],
)
def test_unit_price_comes_from_the_break_containing_the_quantity(quantity, price):
    assert unit_price_at(offer(breaks=LADDER).breaks, quantity) == D(price)


def test_no_price_below_the_first_break_or_without_breaks():
    assert unit_price_at(offer(breaks=((10, "0.40"),)).breaks, 9) is None
    assert unit_price_at((), 10) is None


def test_plan_offer_extends_price_and_checks_stock():
    purchase = plan_offer(150, offer(stock=120, moq=1, breaks=LADDER))
    assert purchase.buy_qty == 150
    assert purchase.unit_price == D("0.25")
    assert purchase.ext_price == D("37.50")
    assert purchase.covers_need is False  # only 120 in stock


def test_best_is_lowest_extended_cost_among_covering_offers():
    cheap_but_short = offer(stock=50, breaks=((1, "0.10"),), seller="short")
    reel = offer(stock=10_000, moq=2500, multiple=2500, breaks=((2500, "0.02"),), seller="reel")
    cut_tape = offer(stock=10_000, breaks=((1, "0.30"), (100, "0.20")), seller="tape")
    # need 100: tape 100 x 0.20 = 20.00; reel 2500 x 0.02 = 50.00; short cannot cover.
    best = best_purchase(100, [cheap_but_short, reel, cut_tape])
    assert best.offer.seller == "tape"
    assert best.ext_price == D("20.00")
    # need 2000: tape 2000 x 0.20 = 400.00; reel 2500 x 0.02 = 50.00 even with 500 spare.
    assert best_purchase(2000, [cheap_but_short, reel, cut_tape]).offer.seller == "reel"


def test_ties_go_to_fewer_excess_parts_then_more_stock():
    exact = offer(stock=100, breaks=((1, "1.00"),), seller="exact")
    moq_excess = offer(stock=500, moq=200, breaks=((1, "0.50"),), seller="excess")
    # both cost 100.00 for need 100: exact buys 100, excess buys 200.
    assert best_purchase(100, [moq_excess, exact]).offer.seller == "exact"
    big = offer(stock=900, breaks=((1, "1.00"),), seller="big")
    assert best_purchase(100, [exact, big]).offer.seller == "big"


def test_an_offer_without_list_price_is_never_planned_at_a_price():
    quote_only = offer(stock=50_000, breaks=(), seller="quote")
    assert best_purchase(10, [quote_only]) is None


def test_distinct_stock_counts_a_mirrored_lot_once():
    verical = offer(stock=2303, seller="Verical", date_code="2140")
    acna = offer(stock=2303, seller="ACNA", date_code="2140")
    europe = offer(stock=416, seller="Europe", date_code="1918")
    assert distinct_stock([verical, acna, europe]) == 2303 + 416
    assert distinct_stock([offer(stock=0), offer(stock=5, date_code="")]) == 5


line = bom_line


def found(*offers: Offer, source="Arrow") -> Lookup:
    return Lookup(source, LookupStatus.FOUND, offers=offers)


def test_plan_line_ok_with_moq_note():
    result = plan_line(line(qty=2), {"Arrow": found(offer(moq=100, breaks=((1, "0.10"),)))}, boards=10)
    assert result.need == 20
    assert result.status is LineStatus.OK
    assert result.purchase.buy_qty == 100
    assert "buys 80 over need (MOQ 100)" in result.notes
    assert result.moq == 100
    assert result.stock == {"Arrow": 10_000}


def test_plan_line_short_when_no_offer_covers():
    result = plan_line(line(qty=4), {"Arrow": found(offer(stock=30, breaks=((1, "0.10"),)))}, boards=10)
    assert result.status is LineStatus.SHORT
    assert "buy 30 now, 10 short" in result.reason
    assert result.purchase.buy_qty == 30  # what can be bought now
    assert result.purchase.covers_need is False


def test_plan_line_short_with_no_stock_anywhere_plans_the_cheapest_backorder():
    pricey = offer(stock=0, breaks=((1, "0.90"),), seller="pricey", lead_time_weeks=4)
    cheap = offer(stock=0, moq=50, breaks=((1, "0.50"),), seller="cheap", lead_time_weeks=12)
    result = plan_line(line(qty=1), {"Arrow": found(pricey, cheap)}, boards=40)
    assert result.status is LineStatus.SHORT
    # pricey: 40 x 0.90 = 36.00; cheap: MOQ 50 x 0.50 = 25.00
    assert result.purchase.offer.seller == "cheap"
    assert result.purchase.ext_price == D("25.00")
    assert "backorder, lead time 12 wk" in result.reason


def test_plan_line_quote_only_has_no_purchase():
    # Issue 15: parts in stock without a list price are QUOTE (get a quote), no longer SHORT.
    result = plan_line(line(qty=1), {"Arrow": found(offer(stock=5000, breaks=()))}, boards=10)
    assert result.status is LineStatus.QUOTE
    assert result.purchase is None and (result.to_quote, result.shortage) == (10, 0)
    assert "quote" in result.reason


def test_plan_line_quote_only_without_stock_stays_short():
    result = plan_line(line(qty=1), {"Arrow": found(offer(stock=0, breaks=()))}, boards=10)
    assert result.status is LineStatus.SHORT and result.shortage == 10
    assert "quote" in result.reason


def test_plan_line_bonded_stock_is_an_offer():
    bonded = offer(stock=500, moq=1, breaks=((1, "0.05"),), source="DigiKey Bonded", bonded=True)
    market = offer(stock=9000, breaks=((1, "0.08"),))
    result = plan_line(line(qty=1), {"Arrow": found(market),
                                     "DigiKey Bonded": found(bonded, source="DigiKey Bonded")}, boards=100)
    assert result.purchase.offer.bonded
    assert result.purchase.ext_price == D("5.00")
    assert result.stock == {"Arrow": 9000, "DigiKey Bonded": 500}


def test_plan_line_statuses_without_offers():
    not_found = {"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND),
                 "DigiKey Bonded": Lookup("DigiKey Bonded", LookupStatus.NOT_FOUND)}
    assert plan_line(line(), not_found, 1).status is LineStatus.NOT_FOUND
    failed = {"Arrow": Lookup("Arrow", LookupStatus.ERROR, message="HTTP 503"),
              "DigiKey Bonded": Lookup("DigiKey Bonded", LookupStatus.NOT_FOUND)}
    result = plan_line(line(), failed, 1)
    assert result.status is LineStatus.ERROR
    assert "HTTP 503" in result.reason
    assert result.stock == {"Arrow": None, "DigiKey Bonded": 0}


def test_plan_line_dnp_and_no_mpn():
    assert plan_line(line(dnp=True), {}, 10).status is LineStatus.DNP
    assert plan_line(line(dnp=True), {}, 10).need == 0
    result = plan_line(line(mpn=None, raw_mpn_text="tbd"), {}, 10)
    assert result.status is LineStatus.NO_MPN
    assert "'tbd'" in result.reason


def test_plan_line_passes_on_what_a_source_remarked():
    remark = Lookup("Arrow", LookupStatus.FOUND, offers=(offer(),),
                    message="2 manufacturers make a part numbered X: Diotec, Nexperia")
    assert "2 manufacturers" in plan_line(line(), {"Arrow": remark}, 1).reason
    near_miss = Lookup("Arrow", LookupStatus.NOT_FOUND, message="not found at Arrow",
                       candidates=("LM358DR", "LM358PWR"))
    result = plan_line(line(mpn="LM358"), {"Arrow": near_miss}, 1)
    assert result.status is LineStatus.NOT_FOUND and "LM358DR" in result.reason


def test_prices_in_different_currencies_are_never_compared():
    euro = offer(stock=1000, breaks=((1, "0.50"),), seller="eu", currency="EUR")
    dollar = offer(stock=1000, breaks=((1, "0.10"),), seller="us", currency="USD")
    # 0.10 USD is not "cheaper" than 0.50 EUR in any sense the planner can know
    assert best_purchase(10, [euro, dollar], currency="EUR").offer.seller == "eu"
    assert best_purchase(10, [euro, dollar], currency="USD").offer.seller == "us"
    result = plan_line(line(qty=1), {"Arrow": found(dollar)}, boards=10, currency="EUR")
    assert result.status is LineStatus.OK and any("priced in USD" in n for n in result.notes)


def test_an_ambiguous_answer_is_never_planned_silently():
    ti, st = offer(seller="TI stock"), offer(seller="ST stock")
    ambiguous = Lookup("Arrow", LookupStatus.AMBIGUOUS, offers=(ti, st),
                       candidates=("LM358 (Texas Instruments)", "LM358 (STMicroelectronics)"))
    result = plan_line(line(mpn="LM358"), {"Arrow": ambiguous}, boards=1)
    assert result.status is LineStatus.AMBIGUOUS
    assert result.purchase is None
    assert "STMicroelectronics" in result.reason

    bonded = offer(source="DigiKey Bonded", bonded=True)
    with_bonded = plan_line(line(mpn="LM358"), {"Arrow": ambiguous, "DigiKey Bonded": found(bonded)},
                            boards=1)
    assert with_bonded.status is LineStatus.OK
    assert with_bonded.purchase is not None and with_bonded.purchase.offer is bonded
    assert "several parts" in with_bonded.reason


@pytest.mark.parametrize(("source", "seller", "where"), [
    ("Arrow", "Arrow Europe (EUROPE)", "Arrow Europe (EUROPE)"),
    ("Arrow", "Verical (VERICAL)", "Arrow: Verical (VERICAL)"),
    ("DigiKey Bonded", "DigiKey bonded inventory", "DigiKey bonded inventory"),
    ("Arrow", "", "Arrow"),
])
def test_an_offer_says_where_it_is_without_repeating_the_source(source, seller, where):
    assert offer(source=source, seller=seller).where == where


def test_a_failure_message_that_names_its_source_is_not_prefixed_twice():
    failed = Lookup("Arrow", LookupStatus.ERROR, message="Arrow: no answer after 4 attempts")
    result = plan_line(line(mpn="X"), {"Arrow": failed}, boards=1)
    assert result.status is LineStatus.ERROR
    assert result.reason == "Arrow: no answer after 4 attempts"


def test_a_line_another_source_failed_for_is_answered_but_the_run_is_not_all_checked():
    from datetime import datetime, timezone
    from pathlib import Path

    from bomcheck.model import Bom, Report

    quota = Lookup("DigiKey Bonded", LookupStatus.ERROR,
                   message="DigiKey daily quota exhausted — bonded stock not checked")
    result = plan_line(line(mpn="X"), {"Arrow": found(offer()), "DigiKey Bonded": quota}, boards=1)
    assert result.status is LineStatus.OK and "bonded stock not checked" in result.reason
    bom = Bom(Path("b.csv"), None, 1, {}, {}, (result.line,), (), 1)
    report = Report(bom, 1, (result,), (), datetime.now(timezone.utc))
    assert not report.all_checked  # exit 1: some answers are missing
    fine = plan_line(line(mpn="X"), {"Arrow": found(offer())}, boards=1)
    assert Report(bom, 1, (fine,), (), datetime.now(timezone.utc)).all_checked
