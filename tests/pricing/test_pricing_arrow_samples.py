"""The planner on the three real Arrow answers (../shared/api/arrow-samples/): what they show, planned."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bomcheck.distributors.arrow_parse import parse_response
from bomcheck.model import Action, BomLine, LineStatus, Lookup, LookupStatus
from bomcheck.pricing import plan_line
from bomcheck.pricing.facts import pipeline_text
from bomcheck.pricing.rules import Rules

DATA = Path(__file__).parent.parent / "data" / "arrow"
TODAY = Rules(today=date(2026, 12, 7))


def planned(sample: str, need: int):
    (part,) = parse_response(json.loads((DATA / sample).read_text(encoding="utf-8"))).parts
    line = BomLine(row=2, mpn=part.part_num, manufacturer="TI", qty=1)  # the BOM says TI: the same maker
    return plan_line(line, {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=part.offers)}, need, "USD",
                     rules=TODAY)


PWRG3 = "v4_token_lm358_02_LM358PWRG3_asia-acna_sourcepart-without-prices.json"
LM358DR = "v4_token_lm358_04_LM358DR_quote-with-stock-no-prices_cstrp-pipeline.json"
LVIDR = "v4_token_lm358_06_LM358LVIDR_arrow-only_cstrp-quote.json"


@pytest.mark.parametrize("sample", [PWRG3, LM358DR, LVIDR])
@pytest.mark.parametrize("need", [10, 100, 3000, 10_000])
def test_a_quote_offer_is_never_bought_at_its_list_price(sample, need):
    # ACNA's QUOTE offers carry a ladder (PWRG3: 2000+ 0.0775, cheaper than ASIA's 0.18): never planned.
    result = planned(sample, need)
    assert all(purchase.offer.availability != "QUOTE" for purchase in result.purchases)


def test_ten_op_amps_from_a_2000_moq_need_approval():
    # ASIA: MOQ and multiple 2000 at 0.18 = 360.00 for a need of 10: 1990 over need worth 358.20
    # (> 100 and > 5 x 1.80). No other offer has stock: the MOQ stays, for a person to approve.
    result = planned(PWRG3, 10)
    assert (result.status, result.action) == (LineStatus.OK, Action.APPROVE_OVERBUY)
    assert result.ext_price == Decimal("360.00") and result.excess_value == Decimal("358.20")
    assert result.overbuy.chosen and result.lead_time_weeks == 6


def test_stock_without_prices_is_a_quote_not_a_shortage():
    # 10,000 LM358DR: Verical 2500 (reel) + ACNA cut strips 2403 are bought; ACNA holds 2500 more
    # without a price (QUOTE): get a quote for the 5097 left, 2597 of which no one has.
    result = planned(LM358DR, 10_000)
    assert result.status is LineStatus.QUOTE and result.action is Action.GET_QUOTE
    assert [(p.offer.seller, p.buy_qty) for p in result.purchases] == [
        ("Verical (VERICAL)", 2500), ("Arrow Americas (ACNA)", 2403)]
    assert (result.to_quote, result.shortage) == (5097, 2597)
    assert not any("backorder" in note for note in result.notes)


def test_verical_s_lead_time_0_is_unknown():
    # Verical sends leadTime 0 on its offers: 3000 buys its reel + 500 cut strips; the Verical
    # purchase comes first and its lead time is unknown, never "0 weeks".
    result = planned(LM358DR, 3000)
    assert result.purchases[0].offer.seller == "Verical (VERICAL)" and result.lead_time_weeks is None


def test_67_cut_strips_and_the_rest_as_a_backorder_at_12_weeks():
    # LM358LVIDR, need 100: 67 cut strips now at 0.3074 (25+ break) = 20.5958; 33 short, priced as a
    # backorder of the cut strips at 0.3074 = 10.1442 (the QUOTE reels are never backordered at list).
    result = planned(LVIDR, 100)
    assert result.status is LineStatus.SHORT and result.shortage == 33
    assert [(p.buy_qty, p.ext_price, p.backorder) for p in result.purchases] == [
        (67, Decimal("20.5958"), False), (33, Decimal("10.1442"), True)]
    assert result.lead_time_weeks == 12 and "lead time 12 wk" in result.reason
    assert result.priced


def test_on_order_dates_in_date_order_and_past_ones_were_due():
    # LM358DR: the cut strips on order for 21-MAR-2023 (2435), the reel for 05-APR-2024 (2500).
    (part,) = parse_response(json.loads((DATA / LM358DR).read_text(encoding="utf-8"))).parts
    assert pipeline_text(part.offers, date(2024, 1, 1)) == "2435 was due 2023-03-21, 2500 due 2024-04-05"
    assert pipeline_text(part.offers, TODAY.today) == "2435 was due 2023-03-21, 2500 was due 2024-04-05"
