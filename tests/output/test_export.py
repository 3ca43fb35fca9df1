"""The JSON export: need breakdown, every purchase, and one entry per build quantity."""

from __future__ import annotations

import json
from pathlib import Path

from bomcheck.output.json_report import report_to_dict, write_json
from tests.output.test_annotate_sheets import make_bom_file, make_report


def test_json_has_purchases_and_scenarios(tmp_path: Path):
    report = make_report(make_bom_file(tmp_path / "bom.xlsx"), boards=(10, 100))
    data = report_to_dict(report)
    assert data["attrition"] == "2%"
    ncnr = next(line for line in data["lines"] if line["mpn"] == "NCNRPART-01")
    assert (ncnr["need"], ncnr["need_base"], ncnr["need_attrition"]) == (21, 20, 1)
    assert ncnr["ncnr_risk"] is True
    (bought,) = ncnr["purchases"]
    facts = bought.pop("facts")
    assert bought == {
        "source": {"source": "Arrow", "seller": "Europe", "sku": "Europe-1", "mpn": "NCNRPART-01",
                   "manufacturer": "M"},
        "buy_qty": 1000, "for_need": 21, "unit_price": "0.01", "ext_price": "10.00", "currency": "USD",
        "bonded": False, "ncnr": True, "backorder": False, "buy_up": None, "excess_qty": 1000 - 21,
    }
    # the offer says nothing of these: unknown, never "no"
    assert (facts["sold_by"], facts["rohs"], facts["lifecycle"], facts["eccn"]) == (
        "unknown", "unknown", "unknown", None)
    short = next(line for line in data["lines"] if line["mpn"] == "SHORTPART-01")
    assert short["shortage"] == 6 and short["status"] == "SHORT"
    by_boards = {s["boards"]: s for s in data["scenarios"]}
    # Issue 15: the 189 SHORTPART-01 parts short are priced as a backorder: 189 x 2.00 = 378.00,
    # so 20.40 + 30.00 + 10.00 + 378.00 = 438.40 (EUR: 204 x 0.25).
    assert by_boards[100]["totals"] == {"USD": "438.40", "EUR": "51.00"}
    assert by_boards[100]["per_board"]["USD"] == "4.384"
    assert by_boards[10]["coverage"] == "0.5000"
    write_json(report, tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["scenarios"][0]["boards"] == 10


def test_a_split_line_says_in_json_what_the_workbook_says(tmp_path: Path):
    from datetime import datetime, timezone
    from decimal import Decimal

    from bomcheck.bom import read_bom
    from bomcheck.model import Lookup, LookupStatus, Offer, PriceBreak, Report
    from bomcheck.pricing import plan_line

    bom_file = tmp_path / "split.csv"
    bom_file.write_text("Ref,MPN,Qty\nU1,LM358DR,1\n", encoding="utf-8")
    bom = read_bom(bom_file)
    a = Offer("Arrow", "ACNA", "LM358DR", "TI", "a-1", stock=60, breaks=(PriceBreak(1, Decimal("0.10")),))
    b = Offer("Arrow", "Verical", "LM358DR", "TI", "v-1", stock=60, breaks=(PriceBreak(1, Decimal("0.20")),))
    result = plan_line(bom.lines[0], {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=(a, b))}, 100)
    assert result.split  # 60 x 0.10 + 40 x 0.20 = 14.00 for 100: 0.14 each on average
    report = Report(bom=bom, boards=100, results=(result,), sources=(),
                    checked_at=datetime.now(timezone.utc))
    line = report_to_dict(report)["lines"][0]
    assert (line["buy_qty"], line["ext_price"], line["unit_price"]) == (100, "14.00", "0.1400")
    assert [source["sku"] for source in line["sources"]] == ["a-1", "v-1"]
    import openpyxl

    from bomcheck.output.workbook import write_report

    sheet = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))["BOM"]
    headers = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=headers.index("Unit Price") + 1).value == 0.14
