"""`bomcheck check --rfq` on the sandbox: the RFQ file beside the output, none of the run's offers in it."""

from __future__ import annotations

import html
import json
import re
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.cli import main
from bomcheck.model import Compliance, Lifecycle
from tests.conftest import DEMO_BOM

CONFIG = """\
[rfq]
company = "Acme Devices GmbH"
contact = "Jana Buyer"
email = "purchasing@acme.example"
incoterms = "DAP Munich"
reply_by_days = 5
"""


@pytest.fixture(scope="module")
def run_with_rfq(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rfq")
    bom = folder / "demo.xlsx"
    shutil.copyfile(DEMO_BOM, bom)
    config = folder / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(bom), "--sandbox", "--boards", "10,100", "--rfq",
                                       "--json", str(folder / "demo.json")],
                                env={"BOMCHECK_CONFIG": str(config)}, catch_exceptions=False)
    return result, folder


def appears(needle: str, text: str) -> bool:
    """`needle` in `text` as a whole: not inside a longer number or word ("2550" is not in "255000")."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(needle)}(?![0-9A-Za-z])", text) is not None


def xml_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(html.unescape(archive.read(name).decode("utf-8")) for name in archive.namelist())


def test_the_rfq_file_is_written_beside_the_output_and_said(run_with_rfq) -> None:
    result, folder = run_with_rfq
    assert result.exit_code == 0, result.output
    assert (folder / "demo.rfq.xlsx").is_file()
    assert f"wrote {folder / 'demo.rfq.xlsx'}" in result.output
    sheet = openpyxl.load_workbook(folder / "demo.rfq.xlsx")["RFQ"]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "Acme Devices GmbH" in values and "DAP Munich" in values
    assert (date.today() + timedelta(days=5)) in [v.date() for v in values if hasattr(v, "date")]


def test_the_lines_asked_are_the_jsons_lines_to_quote(run_with_rfq) -> None:
    """Every line the JSON calls SHORT, NOT FOUND, NO MPN... at either quantity is asked; no DNP or
    line bought in full from bonded stock is."""
    _, folder = run_with_rfq
    report = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    sheet = openpyxl.load_workbook(folder / "demo.rfq.xlsx")["RFQ"]
    head = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "Item")
    headers = [cell.value for cell in sheet[head]]
    asked = {sheet.cell(row=r, column=headers.index("Designators") + 1).value
             for r in range(head + 1, sheet.max_row + 1)}
    quote = {"SHORT", "NOT FOUND", "AMBIGUOUS", "OTHER MAKER", "QUOTE", "NO MPN", "OBSOLETE", "NOT ROHS"}
    must = set()
    for scenario in report["scenarios"]:
        for line in scenario["lines"]:
            if line["status"] in quote:
                must.add(line["row"])
    rows = {line["row"]: line for line in report["lines"]}
    assert must, "the demo has lines to quote"
    for row in must:
        refdes = rows[row].get("refdes") or rows[row].get("designators")
        if refdes:
            text = ", ".join(refdes) if isinstance(refdes, list) else str(refdes)
            first = text.split(",")[0].strip()
            assert any(first in (a or "") for a in asked), (row, text)
    dnp = [line for line in report["lines"] if line["status"] == "DNP"]
    assert dnp and all(", ".join(line.get("refdes") or []) not in asked for line in dnp if line.get("refdes"))


def test_nothing_of_the_runs_offers_or_bonded_stock_is_in_the_rfq(run_with_rfq) -> None:
    _, folder = run_with_rfq
    workbook = openpyxl.load_workbook(folder / "demo.checked.xlsx")
    text = xml_text(folder / "demo.rfq.xlsx")
    bom = workbook["BOM"]
    bom_words = {str(cell.value) for row in bom.iter_rows(max_col=12) for cell in row
                 if cell.value is not None}
    offers = workbook["Offers"]
    headers = {cell.value for cell in offers[1]}
    vocabulary = {"found", "not found", "ambiguous: not planned", "YES", "no", "yes", "—", "unknown", "USD",
                  "quote only", "datasheet", "page", "chosen", "authorized", "marketplace",
                  *(kind.value for enum in (Lifecycle, Compliance) for kind in enum)}
    strings = {cell.value for row in offers.iter_rows(min_row=2) for cell in row
               if isinstance(cell.value, str)}
    asked_for = bom_words | {f"{word} (alternate)" for word in bom_words} | {
        f"{word} (alternate, bought)" for word in bom_words}
    searched = {s for s in strings - headers - vocabulary - asked_for if len(s) >= 3}
    assert len(searched) > 20  # sellers, seller part numbers, links, price breaks
    assert sorted(s for s in searched if appears(s, text)) == []
    for name in ("Arrow", "DigiKey", "Verical", "Bonded"):
        assert name not in text, name
    report = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    lines = [line for scenario in report["scenarios"] for line in scenario["lines"]] + report["lines"]
    held = {line["stock"].get("DigiKey Bonded") for line in report["lines"]} - {None, 0}
    released = {p["buy_qty"] for line in lines for p in line.get("purchases") or [] if p.get("bonded")}
    assert held and released, "the demo account holds bonded stock, and the plan releases some"
    values = {cell.value for row in openpyxl.load_workbook(folder / "demo.rfq.xlsx")["RFQ"].iter_rows()
              for cell in row}
    # A release may equal a quantity the RFQ rightly asks (a need, the rest of one after a release,
    # a count of boards): those numbers are the BOM's, not the bonded stock's.
    asked = {line["need"] for line in lines} | {line["qty_per_board"] for line in report["lines"]}
    asked |= {line["need"] - p["for_need"] for line in lines for p in line.get("purchases") or []
              if p.get("bonded")}
    asked |= {scenario["boards"] for scenario in report["scenarios"]}
    # Numbers are looked for in every part's text (cell values, strings), not in its markup: the
    # theme's attributes are full of numbers such as shade="20000".
    content = re.sub(r"<[^>]*>", " ", text)
    for quantity in held | (released - asked):
        assert not appears(str(quantity), content) and not appears(f"{quantity:,}", content), quantity
        assert quantity not in values, quantity


def test_target_price_implies_rfq_and_adds_its_columns(tmp_path: Path) -> None:
    bom = tmp_path / "demo.xlsx"
    shutil.copyfile(DEMO_BOM, bom)
    result = CliRunner().invoke(main, ["-q", "check", str(bom), "--sandbox", "--boards", "100",
                                       "--rfq-target-price"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "demo.rfq.xlsx")["RFQ"]
    headers = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert "Target unit price, 100 boards" in headers


def test_a_bad_rfq_setting_is_one_line_before_any_work(tmp_path: Path) -> None:
    bom = tmp_path / "demo.xlsx"
    shutil.copyfile(DEMO_BOM, bom)
    config = tmp_path / "config.toml"
    config.write_text('[rfq]\nrequired_by_days = "soon"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(bom), "--sandbox", "--rfq"],
                                env={"BOMCHECK_CONFIG": str(config)})
    assert result.exit_code != 0
    assert "required_by_days must be a whole number of days" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "demo.checked.xlsx").exists() and not (tmp_path / "demo.rfq.xlsx").exists()
