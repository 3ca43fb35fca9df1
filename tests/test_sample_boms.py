"""The BOMs shipped in sample_boms/ read as a person reading them would (values checked by eye)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bomcheck.bom import read_bom
from bomcheck.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_boms"


def test_demo_bom():
    bom = read_bom(SAMPLES / "demo.xlsx")
    assert bom.header_row == 5 and bom.sheet == "BOM"
    assert len(bom.lines) == 22
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
