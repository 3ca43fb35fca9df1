"""The BOMs shipped in sample_boms/ read as a person reading them would (values checked by eye)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.bom import ReaderOptions, read_bom
from bomcheck.cli import main
from bomcheck.errors import BomError

SAMPLES = Path(__file__).resolve().parents[2] / "sample_boms"


def test_demo_bom():
    bom = read_bom(SAMPLES / "demo.xlsx")
    assert bom.header_row == 5 and bom.sheet == "BOM"
    assert len(bom.lines) == 24
    first = bom.lines[0]
    assert (first.mpn, first.qty, first.refdes[:2]) == ("GRM188R71C104KA01D", 8, ("C1", "C2"))
    assert bom.lines[1].refdes == ("C9", "C10", "C11", "C12")  # a range
    assert [line.mpn for line in bom.lines if line.dnp] == ["RC0603FR-071KL"]
    assert sum(1 for line in bom.lines if not line.mpn) == 1
    assert bom.lines[0].digikey_pn and bom.lines[0].digikey_pn.endswith("-ND")


def test_hackrf_kicad_csv():
    bom = read_bom(SAMPLES / "real" / "hackrf-one-2016-kicad-bom-scripts.csv")
    assert bom.header_row == 1 and bom.columns["mpn"] == "Part Number"
    assert len(bom.lines) == 65
    assert (bom.lines[0].mpn, bom.lines[0].qty, len(bom.lines[0].refdes)) == ("GRM1555C1H330JA01D", 33, 33)
    assert (bom.lines[-1].mpn, bom.lines[-1].qty) == ("AB26TRQ-32.768KHZ-T", 1)


def test_parallella_buddy_xlsx():
    bom = read_bom(SAMPLES / "real" / "parallella-buddy-sum-formula.xlsx")
    assert bom.columns["mpn"] == "Part Number" and bom.columns["qty"] == "Quantity"
    assert len(bom.lines) == 10  # the =SUM footer (220) is not a line
    by_mpn = {line.mpn: line for line in bom.lines}
    assert by_mpn["GRM155R60J104KA01D"].qty == 104
    assert by_mpn["39299042"].qty == 16  # an MPN stored as a number
    assert {mpn for mpn, line in by_mpn.items() if line.dnp} == {"SG-BGA-6119", "AD0000"}


def test_easyeda_xlsx():
    bom = read_bom(SAMPLES / "real" / "easyeda-diff-receiver-v3-chinese-mfr.xlsx")
    assert bom.columns["mpn"] == "Manufacturer Part"
    assert len(bom.lines) == 17
    by_mpn = {line.mpn: line for line in bom.lines}
    assert by_mpn["KF2EDGV-3.81-2P"].qty == 4
    assert by_mpn["AM26C32IDR"].manufacturer == "TI(德州仪器)"


@pytest.mark.parametrize("name", ["hackrf-one-2016-kicad-bom-scripts.csv",
                                  "parallella-buddy-sum-formula.xlsx"])
def test_real_boms_check_on_the_sandbox(tmp_path, name):
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["-q", "check", str(SAMPLES / "real" / name), "--sandbox",
                                       "-o", str(out)], env={"BOMCHECK_ARROW_RATE": "200"})
    assert result.exit_code == 0, result.output
    assert out.exists()


@pytest.mark.parametrize(("name", "header_row", "mpn_header", "count", "dnp", "pair"), [
    ("limesdr-usb-1v4-altium-nf.xls", 1, "Manufacturer Part Number 1", 124, 8, ("GRM155R61A105KE15J", 21)),
    ("hackrf-jellybean-digikey.ods", 2, "Footprint", 52, 1, ("ERJ-3GEYJ101V", 10)),
    ("parallella-porcupine-kicad-legacy-header.xls", 8, "MFRPN", 11, 1, ("878311420", 1)),
    ("kicost-xess-test-formulas-merged.xlsx", 6, "Manf#", 17, 0, ("UWX1C220MCL1GB", 2)),
    ("hackrf-one-2014-kicad-fieldN-semicolon.csv", 1, "Field2", 140, 75, ("GRM1555C1H330JA01D", 33)),
])
def test_shipped_real_boms(name, header_row, mpn_header, count, dnp, pair):
    bom = read_bom(SAMPLES / "real" / name)
    assert (bom.header_row, bom.columns["mpn"], len(bom.lines)) == (header_row, mpn_header, count)
    assert sum(1 for line in bom.lines if line.dnp) == dnp
    assert next(line.qty for line in bom.lines if line.mpn == pair[0]) == pair[1]


def test_shipped_olimex_is_refused_then_read_with_its_mpn_column():
    path = SAMPLES / "real" / "olimex-esp32-poe-revM-semicolon.csv"
    with pytest.raises(BomError, match=r"no MPN column found.*'Designation', is"):
        read_bom(path)
    bom = read_bom(path, ReaderOptions(mpn_column="Designation"))
    # 7 'NA(...)'/'NS(...)' wrapped designations, and R44,R49 whose designation is 'NA/R0402'
    assert sum(1 for line in bom.lines if line.dnp) == 8
    assert next(line for line in bom.lines if "R44" in line.refdes).dnp


@pytest.mark.parametrize("name", ["limesdr-usb-1v4-altium-nf.xls", "hackrf-jellybean-digikey.ods"])
def test_xls_and_ods_check_on_the_sandbox(tmp_path, name):
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["-q", "check", str(SAMPLES / "real" / name), "--sandbox",
                                       "-o", str(out)], env={"BOMCHECK_ARROW_RATE": "500"})
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["BOM"]
    bom = read_bom(SAMPLES / "real" / name)
    headers = [cell.value for cell in sheet[bom.header_row]]
    assert headers[bom.column_index["mpn"] - 1] == bom.columns["mpn"]  # the original grid, cell for cell
    status = headers.index("Status") + 1
    assert sheet.cell(bom.lines[0].row, status).value


def test_merged_cells_of_an_ods_come_back_merged_not_repeated(tmp_path):
    # JellyBean's DigiKey Quantity/PN cells span each value group (R1, R2 share one 'P0.0GCT-ND')
    source = SAMPLES / "real" / "hackrf-jellybean-digikey.ods"
    bom = read_bom(source)
    assert bom.merged
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["-q", "check", str(source), "--sandbox", "-o", str(out)],
                                env={"BOMCHECK_ARROW_RATE": "500"})
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["BOM"]
    kept = {(r.min_row, r.min_col, r.max_row, r.max_col) for r in sheet.merged_cells.ranges}
    inside = [m for m in bom.merged if m[3] <= bom.last_column]
    assert inside and set(inside) <= kept
    min_row, min_col, max_row, _ = inside[0]
    assert sheet.cell(min_row, min_col).value is not None
    assert all(sheet.cell(row, min_col).value is None for row in range(min_row + 1, max_row + 1))
