"""The JSON carries what a buyer decides on: part facts, excess, action, honest totals per quantity.

The expected values are worked out by hand from the offers below (the issue's crystal: a reel of
2,500 at 1.994 while 10 sit in stock at 3.97).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from bomcheck.bom import read_bom
from bomcheck.model import (
    Compliance,
    Lifecycle,
    Lookup,
    LookupStatus,
    Offer,
    Packaging,
    PriceBreak,
    Report,
    Scenario,
)
from bomcheck.output.json_report import write_json
from bomcheck.pricing import Attrition, plan_lines
from bomcheck.pricing.rules import DEFAULT_RULES, Rules
from tests.builders import make_offer

D = Decimal
BOARDS = (11, 102, 1000)
CHECKED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _offer(mpn: str, seller: str, stock: int, price: str, maker: str = "Maker", **kw: Any) -> Offer:
    kw.setdefault("breaks", (PriceBreak(kw.get("moq", 1), D(price)),))  # the first break at the MOQ
    kw.setdefault("marketplace", False)
    return make_offer(mpn, seller=seller, stock=stock, maker=maker, **kw)


REEL = _offer("XTAL-1", "ACNA", 5000, "1.994", moq=2500, multiple=2500, packaging="Tape & Reel",
              packaging_kind=Packaging.REEL)
CUT = _offer("XTAL-1", "Verical", 10, "3.97", packaging="Cut Tape", packaging_kind=Packaging.CUT_TAPE,
             marketplace=True)
NRND = _offer("OPAMP-1", "ACNA", 100_000, "2.00", lifecycle=Lifecycle.NRND, lifecycle_text="NRND",
              last_buy_date=date(2027, 6, 30), rohs=Compliance.NOT_COMPLIANT, reach=Compliance.COMPLIANT,
              eccn="EAR99", hts="8542.33.0001", country_of_origin="MY", packaging="Tube",
              packaging_kind=Packaging.TUBE)
PLAIN = _offer("RES-1", "ACNA", 100_000, "0.10", eccn="EAR99")
OTHER = _offer("CAP-1", "ACNA", 100_000, "0.05", maker="Other Corp")
ANSWERS = {
    "XTAL-1": {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=(REEL, CUT))},
    "OPAMP-1": {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=(NRND,))},
    "RES-1": {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=(PLAIN,))},
    "CAP-1": {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=(OTHER,))},
    "GONE-1": {"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND)},
}


def _report(tmp_path: Path, rules: Rules = DEFAULT_RULES) -> Report:
    bom_file = tmp_path / "bom.csv"
    bom_file.write_text("Ref,MPN,Manufacturer,Qty\nY1,XTAL-1,Maker,1\nU1,OPAMP-1,Maker,1\n"
                        "R1 R2,RES-1,Maker,2\nC1,CAP-1,Maker,1\nU9,GONE-1,Maker,1\n", encoding="utf-8")
    bom = read_bom(bom_file)
    answered = [(line, ANSWERS[line.mpn or ""]) for line in bom.lines]
    scenarios = tuple(Scenario(n, plan_lines(answered, n, "USD", Attrition(), rules=rules)) for n in BOARDS)
    return Report(bom=bom, boards=BOARDS[0], results=scenarios[0].results, sources=(),
                  checked_at=CHECKED_AT, scenarios=scenarios)


def _reopened(tmp_path: Path, rules: Rules = DEFAULT_RULES) -> dict:
    target = tmp_path / "out.json"
    write_json(_report(tmp_path, rules), target)
    return json.loads(target.read_text(encoding="utf-8"))


def _by_mpn(lines: list[dict]) -> dict[str, dict]:
    return {line["mpn"]: line for line in lines}


def test_the_top_level_names_the_quantity_it_mirrors(tmp_path: Path):
    data = _reopened(tmp_path)
    assert data["mirrors_boards"] == 11 and data["boards_all"] == [11, 102, 1000]
    assert [block["boards"] for block in data["scenarios"]] == [11, 102, 1000]
    assert data["lines"] == data["scenarios"][0]["lines"]
    assert data["priced"] == data["scenarios"][0]["priced"]


def test_each_quantity_has_its_own_lines_and_honest_totals(tmp_path: Path):
    blocks = {block["boards"]: block for block in _reopened(tmp_path)["scenarios"]}
    # 11 boards: XTAL buys the 10 in stock at 3.97 = 39.70 (1 to quote), OPAMP 11 x 2.00 = 22.00,
    # RES 22 x 0.10 = 2.20; CAP (other maker, not allowed) and GONE are not priced.
    small = blocks[11]
    assert small["totals"] == {"USD": "63.90"}
    assert (small["priced_lines"], small["lines_to_buy"]) == (2, 5)
    assert small["priced"] == "priced 2 of 5 lines"
    assert [(u["mpn"], u["unpriced_qty"]) for u in small["unpriced_lines"]] == [
        ("XTAL-1", 1), ("CAP-1", 11), ("GONE-1", 11)]
    assert small["excess"] == {} and small["excess_share"] == {}
    # 1000 boards: the reel's excess of 1,500 x 1.994 = 2,991.00 is under 5 x the need's 1,994.00,
    # so it is bought: 4,985.00 + 2,000.00 + 200.00 = 7,185.00, excess share 2,991 / 7,185 = 0.4163.
    large = blocks[1000]
    assert large["totals"] == {"USD": "7185.000"}
    assert large["excess"] == {"USD": "2991.000"} and large["excess_share"] == {"USD": "0.4163"}
    assert (large["priced_lines"], large["lines_to_buy"]) == (3, 5)
    crystal = _by_mpn(large["lines"])["XTAL-1"]
    assert (crystal["action"], crystal["buy_qty"], crystal["excess_qty"], crystal["excess_value"]) == (
        "Buy", 2500, 1500, "2991.000")


def test_an_overbuy_says_both_plans_and_asks_for_approval(tmp_path: Path):
    lines = {block["boards"]: _by_mpn(block["lines"]) for block in _reopened(tmp_path)["scenarios"]}
    # 102 boards: the reel would leave 2,398 x 1.994 = 4,781.61 over need; buying the 10 at 3.97
    # and quoting 92 (valued at 3.97: 404.94 in all) costs less than the reel's 4,985.00.
    crystal = lines[102]["XTAL-1"]
    assert crystal["action"] == "Approve overbuy" and crystal["status"] == "OK"
    assert (crystal["buy_qty"], crystal["to_quote"], crystal["unpriced_qty"], crystal["priced"]) == (
        10, 92, 92, False)
    assert crystal["excess_qty"] == 0
    assert crystal["overbuy"]["chosen"] is False
    overbuy = crystal["overbuy"]
    assert (overbuy["excess_qty"], overbuy["excess_value"], overbuy["cost"]) == (2398, "4781.612", "4985.000")
    assert crystal["part"]["packaging"] == "cut tape" and crystal["part"]["sold_by"] == "marketplace"


def test_part_facts_and_every_decision_are_in_the_line(tmp_path: Path):
    opamp = _by_mpn(_reopened(tmp_path)["lines"])["OPAMP-1"]
    assert opamp["action"] == "Review lifecycle"
    assert opamp["decisions"] == ["review lifecycle: NRND, last buy 2027-06-30", "review RoHS: not compliant"]
    assert opamp["part"] == {
        "lifecycle": "NRND", "lifecycle_words": "NRND", "last_buy_date": "2027-06-30",
        "rohs": "Not compliant", "reach": "Compliant", "eccn": "EAR99", "hts": "8542.33.0001",
        "country_of_origin": "MY", "packaging": "tube", "packaging_words": "Tube", "sold_by": "authorized",
    }
    resistor = _by_mpn(_reopened(tmp_path)["lines"])["RES-1"]
    assert resistor["action"] == "Buy" and resistor["decisions"] == []
    # nothing said is unknown, never "no"
    facts = resistor["part"]
    assert (facts["lifecycle"], facts["rohs"], facts["country_of_origin"]) == ("unknown", "unknown", None)


def test_bought_manufacturer_is_the_maker_of_what_is_bought(tmp_path: Path):
    refused = _by_mpn(_reopened(tmp_path)["lines"])["CAP-1"]
    assert (refused["status"], refused["action"], refused["buy_qty"], refused["to_quote"]) == (
        "OTHER MAKER", "Confirm maker", 0, 11)
    allowed = _by_mpn(_reopened(tmp_path, replace(DEFAULT_RULES, allow_other_maker=True))["lines"])["CAP-1"]
    assert (allowed["status"], allowed["buy_qty"]) == ("OTHER MAKER", 11)
    assert (allowed["manufacturer"], allowed["bought_manufacturer"]) == ("Maker", "Other Corp")
    assert allowed["bought_mpn"] == "CAP-1"


def test_nothing_bought_is_no_maker_and_no_part_bought(tmp_path: Path):
    lines = _by_mpn(_reopened(tmp_path)["lines"])
    # Other Corp's CAP-1 not bought (another maker not allowed), GONE-1 listed by nobody: null, not
    # the BOM's "Maker" as if it were bought; the BOM's own words stay in mpn and manufacturer.
    for mpn in ("CAP-1", "GONE-1"):
        line = lines[mpn]
        assert line["buy_qty"] == 0
        assert (line["bought_mpn"], line["bought_manufacturer"]) == (None, None)
        assert (line["mpn"], line["manufacturer"]) == (mpn, "Maker")
    # nobody lists GONE-1: 11 short and 11 to quote
    assert (lines["GONE-1"]["shortage"], lines["GONE-1"]["to_quote"]) == (11, 11)


def test_a_bonded_reel_s_packaging_reaches_the_json(tmp_path: Path):
    # DigiKey bonded writes its PackType "Tape & Reel (TR)": the line's part is a reel, not unknown.
    from bomcheck.distributors.digikey_parse import bonded_item_from_json, bonded_offer
    from bomcheck.pricing import plan_line

    item = bonded_item_from_json({"DigiKeyPartNumber": "311-1-ND", "ManufacturerPartNumber": "RES-1",
                                  "Manufacturer": "Maker", "PackType": "Tape & Reel (TR)",
                                  "QuantityAvailable": 5000, "UnitPrice": 0.01,
                                  "MinimumReleaseQuantityOverride": True})
    bom_file = tmp_path / "bom.csv"
    bom_file.write_text("Ref,MPN,Manufacturer,Qty\nR1,RES-1,Maker,1\n", encoding="utf-8")
    bom = read_bom(bom_file)
    answer = {"DigiKey Bonded": Lookup("DigiKey Bonded", LookupStatus.FOUND, offers=(bonded_offer(item),))}
    result = plan_line(bom.lines[0], answer, 100, "USD")
    target = tmp_path / "out.json"
    write_json(Report(bom=bom, boards=100, results=(result,), sources=(), checked_at=CHECKED_AT), target)
    (line,) = json.loads(target.read_text(encoding="utf-8"))["lines"]
    assert line["buy_qty"] == 100
    assert (line["part"]["packaging"], line["part"]["packaging_words"]) == ("reel", "Tape & Reel (TR)")
    assert line["purchases"][0]["facts"]["packaging"] == "reel"


def test_a_real_arrow_answer_s_facts_reach_the_json(tmp_path: Path):
    # 10,000 LM358DR (tests/data/arrow, a real v4 answer): Verical's reel of 2500 (marketplace, made
    # in MX) and ACNA's 2403 cut strips (authorized, MY) are bought; both EAR99, HTS 8542.33.00.01,
    # RoHS compliant, REACH not given, status Active.
    from bomcheck.distributors.arrow_parse import parse_response
    from bomcheck.pricing import plan_line

    sample = Path(__file__).parent.parent / "data" / "arrow" / (
        "v4_token_lm358_04_LM358DR_quote-with-stock-no-prices_cstrp-pipeline.json")
    (part,) = parse_response(json.loads(sample.read_text(encoding="utf-8"))).parts
    bom_file = tmp_path / "bom.csv"
    bom_file.write_text("Ref,MPN,Manufacturer,Qty\nU1,LM358DR,TI,1\n", encoding="utf-8")
    bom = read_bom(bom_file)
    result = plan_line(bom.lines[0], {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=part.offers)},
                       10_000, "USD")
    target = tmp_path / "out.json"
    write_json(Report(bom=bom, boards=10_000, results=(result,), sources=(), checked_at=CHECKED_AT), target)
    (line,) = json.loads(target.read_text(encoding="utf-8"))["lines"]
    assert line["part"] == {
        "lifecycle": "Active", "lifecycle_words": "Active", "last_buy_date": None, "rohs": "Compliant",
        "reach": "unknown", "eccn": "EAR99", "hts": "8542.33.00.01", "country_of_origin": "MX, MY",
        "packaging": "cut tape", "packaging_words": "Cut Strips", "sold_by": "marketplace + authorized",
    }
    bought = [(p["buy_qty"], p["facts"]["sold_by"], p["facts"]["country_of_origin"])
              for p in line["purchases"]]
    assert bought == [(2500, "marketplace", "MX"), (2403, "authorized", "MY")]
    # 2500 more sit at ACNA without a price: get a quote for the 5097 left, 2597 of which no one has
    assert (line["status"], line["action"]) == ("QUOTE", "Get quote")
    assert (line["to_quote"], line["shortage"]) == (5097, 2597)
    assert line["bought_manufacturer"] == "Texas Instruments"
