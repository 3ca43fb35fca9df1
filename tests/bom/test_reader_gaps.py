"""Reader gaps an audit found after issue 14: each class as other real BOMs write it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.bom import read_bom, resolved_by_seller
from bomcheck.cli import main
from bomcheck.model import BomLine

REAL2 = Path(__file__).resolve().parents[3] / "shared" / "sample_boms_real2"


def csv_bom(tmp_path: Path, body: str, name: str = "bom.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def lines_of(tmp_path: Path, cells: list[str], header: str = "Designator,Qty,MPN") -> list[BomLine]:
    body = "\n".join(f'U{n},1,"{cell}"' for n, cell in enumerate(cells, 1))
    return list(read_bom(csv_bom(tmp_path, f"{header}\n{body}\n")).lines)


# ------------------------------------------------------------ 1. ordering codes in parentheses


@pytest.mark.parametrize("cell", ["TC7SZ08FU(TE85L,F)", "2SC2712-Y(TE85L,F)", "TPC8107(TE12L,Q)",
                                  "TC7SZ08FU(T5L)"])
def test_an_ordering_code_in_parentheses_is_part_of_the_mpn(tmp_path, cell):
    line = lines_of(tmp_path, [cell])[0]
    assert (line.mpn, line.alternates) == (cell, ())


@pytest.mark.parametrize(("cell", "mpn", "alternate"), [
    ("MCP2551-I/SN(TJA1050T)", "MCP2551-I/SN", "TJA1050T"),
    ("RJP-003TC1(LPJ4112CNL)", "RJP-003TC1", "LPJ4112CNL"),
])
def test_a_second_part_in_parentheses_is_still_an_alternate(tmp_path, cell, mpn, alternate):
    line = lines_of(tmp_path, [cell])[0]
    assert line.mpn == mpn and [alt.mpn for alt in line.alternates] == [alternate]


# ------------------------------------------------------------ 2. all-digit MPN with a value note


def test_an_all_digit_mpn_keeps_its_mpn_beside_a_value_note(tmp_path):
    lines = lines_of(tmp_path, ["744031220 (22uH)", "74437324100 (10uH)", "744031220"])
    assert [line.mpn for line in lines] == ["744031220", "74437324100", "744031220"]


def test_a_value_with_a_package_note_is_still_no_mpn(tmp_path):
    assert lines_of(tmp_path, ["10k (0603)"])[0].mpn is None


# ------------------------------------------------------------ 3. a maker's name in parentheses


def test_a_makers_name_in_parentheses_is_no_part_of_the_mpn_and_names_the_maker(tmp_path):
    first, second, third = lines_of(tmp_path, ["TPS62130RGTR (TI)", "B3F-1000(OMRON)",
                                               "GRM188R71H104KA93D (Murata)"])
    assert (first.mpn, first.manufacturer) == ("TPS62130RGTR", "TI")
    assert (second.mpn, second.manufacturer) == ("B3F-1000", "OMRON")
    assert (third.mpn, third.manufacturer) == ("GRM188R71H104KA93D", "Murata")
    assert not first.warnings and not first.alternates


def test_the_makers_column_beats_a_maker_in_parentheses(tmp_path):
    path = csv_bom(tmp_path, "Designator,Qty,MPN,Manufacturer\nU1,1,TPS62130RGTR (TI),Texas Instruments\n")
    line = read_bom(path).lines[0]
    assert (line.mpn, line.manufacturer) == ("TPS62130RGTR", "Texas Instruments")


def test_another_plain_word_in_parentheses_is_dropped_with_a_note(tmp_path):
    line = lines_of(tmp_path, ["1N4148W-7-F (Black)"])[0]
    assert (line.mpn, line.manufacturer) == ("1N4148W-7-F", None)
    assert any("'Black'" in warning for warning in line.warnings)


# ------------------------------------------------------------ 4. Mouser's numbers under an MPN name


MOUSER_CART = ("595-LM358DR", "81-GRM188R71H104KA3D", "603-RC0603FR-0710KL")


def test_a_part_number_column_of_mouser_numbers_is_mouser_not_the_mpn(tmp_path):
    body = "".join(f"X{n},1,{number},part\n" for n, number in enumerate(MOUSER_CART, 1))
    bom = read_bom(csv_bom(tmp_path, "Designator,Qty,Part Number,Description\n" + body))
    assert bom.columns["mpn"] is None and bom.columns["mouser_pn"] == "Part Number"
    assert [line.distributor_pns for line in bom.lines] == [(("mouser_pn", n),) for n in MOUSER_CART]
    assert all(line.mpn is None for line in bom.lines)


def test_mouser_numbers_beside_a_real_mpn_column_are_read_as_mouser(tmp_path):
    body = "".join(f"X{n},1,{number.split('-', 1)[1]},{number}\n" for n, number in enumerate(MOUSER_CART, 1))
    bom = read_bom(csv_bom(tmp_path, "Designator,Qty,Manufacturer Part Number,Part Number\n" + body))
    assert bom.columns["mpn"] == "Manufacturer Part Number" and bom.columns["mouser_pn"] == "Part Number"
    assert bom.lines[0].mpn == "LM358DR"
    assert bom.lines[0].distributor_pns == (("mouser_pn", "595-LM358DR"),)
    assert not any("not from 'Part Number'" in warning for warning in bom.warnings)


def test_mpns_with_dashes_stay_mpns(tmp_path):
    cells = ["RC0603FR-0710KL", "1N4148W-7-F", "22-27-2031", "39-28-1063"]
    bom = read_bom(csv_bom(tmp_path, "Designator,Qty,Part Number\n"
                                     + "".join(f"X{n},1,{c}\n" for n, c in enumerate(cells, 1))))
    assert bom.columns["mpn"] == "Part Number" and "mouser_pn" not in bom.columns
    assert [line.mpn for line in bom.lines] == cells


# ------------------------------------------------------------ 5. two columns of one seller role


TWO_ORDER_COLUMNS = ("Designator,Qty,MPN,Order Number,Artikelnummer\n"
                     "U1,1,LM358DR,1234567,LM 358 SMD\n"
                     "C1,2,GRM188R71H104KA93D,7654321,X7R-G0603 100N\n")


def test_every_sellers_column_and_number_is_kept(tmp_path):
    path = csv_bom(tmp_path, TWO_ORDER_COLUMNS)
    bom = read_bom(path)
    assert bom.seller_columns == (("other_pn", "Order Number"), ("other_pn", "Artikelnummer"))
    line = bom.lines[0]
    assert line.distributor_pns == (("other_pn", "1234567"), ("other_pn", "LM 358 SMD"))
    assert line.distributor_pn("other_pn") == "1234567"  # the main column's number first
    result = CliRunner().invoke(main, ["inspect", str(path), "--json"], catch_exceptions=False)
    data = json.loads(result.output)
    assert data["distributor_columns"] == {"other_pn": ["Order Number", "Artikelnummer"]}
    assert data["lines"][0]["distributor_pns"] == {"other_pn": "1234567"}
    assert data["lines"][0]["seller_numbers"] == [["other_pn", "1234567"], ["other_pn", "LM 358 SMD"]]


# ------------------------------------------------------------ 6. a sheet of not-fitted parts


def two_sheets(tmp_path: Path, unfitted_name: str, unfitted_rows: int) -> Path:
    workbook = openpyxl.Workbook()
    bom = workbook.active
    bom.title = "BOM"
    bom.append(["Designator", "Qty", "MPN", "Manufacturer"])
    bom.append(["R1, R2", 2, "RC0603FR-0710KL", "Yageo"])
    bom.append(["U1", 1, "LM358DR", "TI"])
    unfitted = workbook.create_sheet(unfitted_name)
    unfitted.append(["Designator", "Qty", "MPN", "Manufacturer"])
    for n in range(unfitted_rows):
        unfitted.append([f"C{n + 10}", 1, "GRM188R71H104KA93D", "Murata"])
    unfitted.append(["R2", 1, "RC0603FR-0710KL", "Yageo"])  # also fitted on the BOM sheet
    path = tmp_path / "bom.xlsx"
    workbook.save(path)
    return path


@pytest.mark.parametrize("name", ["NO-MOUNT", "DNP", "Not fitted", "不贴"])
def test_a_not_fitted_sheet_is_said_never_read_as_the_bom(tmp_path, name):
    bom = read_bom(two_sheets(tmp_path, name, unfitted_rows=6))  # it scores higher: more rows
    assert bom.sheet == "BOM" and len(bom.lines) == 2
    said = [warning for warning in bom.warnings if repr(name) in warning]
    # six rows of one part are one line (one row per designator), R2 another
    assert len(said) == 1 and "2 lines of not-fitted parts" in said[0] and "not read as BOM lines" in said[0]
    assert "R2 is listed there and fitted on 'BOM'" in said[0]


@pytest.mark.parametrize("name", ["BOM + DNP", "A2 BOM + DNP 200603", "Variant A (no DNP)"])
def test_a_bom_sheet_whose_name_also_mentions_dnp_is_still_the_bom(tmp_path, name):
    """Only a sheet named for not-fitted parts alone is set aside: 'BOM + DNP' is the BOM."""
    path = tmp_path / "bom.xlsx"
    workbook = openpyxl.Workbook()
    bom_sheet = workbook.active
    bom_sheet.title = name
    bom_sheet.append(["Designator", "Qty", "MPN", "Manufacturer"])
    for n in range(5):
        bom_sheet.append([f"R{n + 1}", 1, f"RC0603FR-07{n}0KL", "Yageo"])
    second = workbook.create_sheet("Second source")
    second.append(["Designator", "Qty", "MPN", "Manufacturer"])
    second.append(["U1", 1, "LM358DR", "TI"])
    workbook.save(path)
    bom = read_bom(path)
    assert bom.sheet == name and len(bom.lines) == 5
    assert not any("not-fitted parts" in warning for warning in bom.warnings)


@pytest.mark.skipif(not (REAL2 / "opencellular-psu-revb-no-mount-sheet.xlsm").is_file(),
                    reason="../shared/sample_boms_real2 is absent")
def test_the_real_no_mount_sheet_is_said():
    bom = read_bom(REAL2 / "opencellular-psu-revb-no-mount-sheet.xlsm")
    assert bom.sheet == "Assembly BoM"
    assert any(warning.startswith("sheet 'NO-MOUNT' lists") for warning in bom.warnings)


# ------------------------------------------------------------ 7. quantity abbreviations, unused counts


@pytest.mark.parametrize("header", ["Anz.", "Stk.", "Nb", "Usage", "Amount", "Stk", "Antal", "Qtde"])
def test_quantity_abbreviations_are_the_quantity(tmp_path, header):
    bom = read_bom(csv_bom(tmp_path, f"Designator,MPN,{header}\nR1 R2 R3,RC0603FR-0710KL,4\n"))
    assert bom.columns["qty"] == header and bom.lines[0].qty == 4


def test_an_amount_of_money_is_no_quantity(tmp_path):
    body = "".join(f"R{n},RC0603FR-0710K{n},{n}.25\n" for n in range(1, 5))
    bom = read_bom(csv_bom(tmp_path, "Designator,MPN,Amount\n" + body))
    assert bom.columns["qty"] is None and [line.qty for line in bom.lines] == [1, 1, 1, 1]


def test_an_unread_column_of_whole_numbers_is_said(tmp_path):
    body = "1,R1 R2,RC0603FR-0710KL,2\n2,C1,GRM188R71H104KA93D,1\n3,U1,LM358DR,1\n"
    bom = read_bom(csv_bom(tmp_path, "Pos.,Designator,MPN,Bedarf\n" + body))
    assert bom.columns["qty"] is None
    said = [warning for warning in bom.warnings if "whole numbers" in warning]
    assert len(said) == 1 and "'Bedarf'" in said[0] and "--qty-column" in said[0]  # 'Pos.' counts rows


def test_no_such_warning_when_the_quantity_is_found(tmp_path):
    body = "1,R1 R2,RC0603FR-0710KL,2,7\n2,C1,GRM188R71H104KA93D,1,9\n"
    bom = read_bom(csv_bom(tmp_path, "Pos.,Designator,MPN,Qty,Bedarf\n" + body))
    assert not any("whole numbers" in warning for warning in bom.warnings)


# ------------------------------------------------------------ 8. a resolved seller-only line asks no fix


def test_a_resolved_line_drops_its_no_mpn_warning_only():
    line = BomLine(row=2, mpn=None, refdes=("U1",), distributor_pns=(("digikey_pn", "296-1395-5-ND"),),
                   warnings=("no MPN; its DigiKey number is 296-1395-5-ND",
                             "quantity 2 but 1 designator (U1)"))
    assert resolved_by_seller(line) is line  # not resolved: the warning stays
    resolved = resolved_by_seller(replace(line, mpn="LM358P", mpn_from="DigiKey"))
    assert resolved.warnings == ("quantity 2 but 1 designator (U1)",)


def test_an_unresolved_line_is_named_by_its_number_on_the_terminal(tmp_path):
    path = csv_bom(tmp_path, "Qty,LCSC Part #,Comment\n1,C14663,100nF\n")
    result = CliRunner().invoke(main, ["check", str(path), "--sandbox"], catch_exceptions=False)
    assert "row 2: (LCSC C14663): NO MPN" in result.output, result.output


def test_a_qty_column_of_fractions_is_still_the_quantity_and_each_fraction_is_said(tmp_path):
    """Wire and sleeving come by the half metre: only an 'Amount' of money is set aside, never a 'Qty'."""
    body = "W1,0.5,3239-BLK\nW2,1.5,3239-RED\nH1,0.25,FP-301\nU1,1,LM358DR\n"
    bom = read_bom(csv_bom(tmp_path, "Designator,Qty,MPN\n" + body))
    assert bom.columns["qty"] == "Qty"
    assert sum("is not a whole number" in warning for line in bom.lines for warning in line.warnings) == 3
