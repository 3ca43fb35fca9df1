"""Every real BOM of ../shared/sample_boms_real is read as a person reads it, or refused for a stated reason.

The (MPN, qty) pairs and counts were checked by opening each file by hand (see its SOURCES.md).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bomcheck.bom import ReaderOptions, read_bom
from bomcheck.errors import BomError

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "sample_boms_real"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/sample_boms_real is absent")

# file: (sheet, header row, {role: header}, lines, DNP lines, {MPN: qty})
READ = {
    "orcad-audioamp-tme-parts-list.xls": (
        "Sheet1", 3, {"mpn": "Nume prod", "manufacturer": "Prod", "qty": "Qty final"}, 99, 74,
        {"0805S8J047KT5E": 8, "0805S8F510JT5E": 2, "MJD31CG": 2, "0805S8F100KT5E": 1, "3413.0116.11": 0}),
    "altium-ad13-msp430-chinese-sections.xls": (
        "DC1393B", 1, {"mpn": "Manufacturer / Part #", "qty": "Qty", "refdes": "Reference"}, 22, 0,
        {"SP3232EEN": 1, "MSP430F149": 1}),
    "easyeda-bbb16-smd-jlc.csv": (
        None, 1, {"mpn": "Manufacturer Part", "qty": "Quantity", "refdes": "Designator",
                  "lcsc_pn": "Supplier Part"}, 28, 0,
        {"DW254W-11-06-85": 1, "0603WAF4701T5E": 2, "0603WAF6800T5E": 4}),
    "easyeda-diff-receiver-v3-chinese-mfr.xlsx": (
        "BOM_Differential Receiver v3_20", 1, {"mpn": "Manufacturer Part", "manufacturer": "Manufacturer"},
        17, 0, {"CC0603KRX7R9BB104": 2, "KT-0805翠绿": 1, "KF2EDGV-3.81-2P": 4}),
    "hackrf-jellybean-digikey.ods": (
        "JellyBean_BOM", 2, {"mpn": "Footprint", "refdes": "Ref", "digikey_pn": "DigiKey PN"}, 52, 1,
        {"ERJ-3GEY0R00V": 2, "ERJ-3GEYJ101V": 10, "GRM188R71C104KA01D": 24}),
    "hackrf-one-2014-kicad-fieldN-semicolon.csv": (
        None, 1, {"mpn": "Field2", "manufacturer": "Field1", "refdes": "ref", "dnp": "Field4"}, 140, 75,
        {"GRM1555C1H330JA01D": 33}),
    "hackrf-one-2016-kicad-bom-scripts.csv": (
        None, 1, {"mpn": "Part Number", "qty": "Qty", "refdes": "Reference(s)"}, 65, 0,
        {"GRM1555C1H330JA01D": 33, "AB26TRQ-32.768KHZ-T": 1}),
    "kicost-stickit-hat-multidistributor.csv": (
        None, 5, {"mpn": "Manf#", "qty": "Qty", "refdes": "Refs", "digikey_pn": "Cat#"}, 16, 0,
        {"UWX1C220MCL1GB": 2, "LMK212BJ475KD-T": 2, "08055C104KAT2A": 1}),
    "kicost-xess-test-formulas-merged.xlsx": (
        "test", 6, {"mpn": "Manf#", "qty": "Qty", "refdes": "Refs", "digikey_pn": "Cat#"}, 17, 0,
        {"RC0603FR-0743K2L": 1, "UWX1C220MCL1GB": 2, "5010": 1}),
    "lcsc-order-bbb16-other-parts-qty-x5.xlsx": (
        "BOM_BBB_16v2_other_parts", 1, {"mpn": "Manufacturer Part", "qty": "Quantity"}, 17, 0,
        {"TS665CJ": 25, "X6521WV-2x23H-C30D60": 10, "DW254W-11-06-85": 5}),
    "limesdr-usb-1v4-altium-nf.xls": (
        "BOC", 1, {"mpn": "Manufacturer Part Number 1", "qty": "Quantity", "dnp": "Assembly Info"}, 124, 8,
        {"04023A100JAT2A": 4, "GRM155R61A105KE15J": 21, "GRM31CR60J107ME39L": 5, "SK36A-LTP": 1}),
    "parallella-buddy-sum-formula.xlsx": (
        "BUDDY_SCH_JAN06_FINAL", 1, {"mpn": "Part Number", "qty": "Quantity", "dnp": "Notes"}, 10, 2,
        {"GRM155R60J104KA01D": 104, "39299042": 16}),
    "parallella-kvision-altium-pcbcart.xls": (
        "Bill of Materials (PCBCart)-KVi", 1, {"mpn": "LibRef", "qty": "Quantity"}, 21, 0,
        {"GRM188R61C106MA73D": 10, "B0530W-7-F": 2, "BTH-030-01-F-D-A": 4}),
    "parallella-meta-module-multisheet.xlsx": (
        "BOM3", 2, {"mpn": "PartNumber", "qty": "Quantity", "dnp": "NOTE"}, 9, 3,
        {"GRM32ER60J107ME20L": 16, "22102021": 0, "ATDSP16-R1": 16}),
    "parallella-orcad-titleblock-dni.xls": (
        "PARALLELLA_REV1", 6, {"mpn": "Part Number", "manufacturer": "Vendor", "dnp": "Install Option"},
        89, 21, {"GRM32ER60J107ME20L": 12}),
    "parallella-porcupine-kicad-legacy-header.xls": (
        "Sheet1", 8, {"mpn": "MFRPN", "qty": "Qty", "dnp": "DNI"}, 11, 1,
        {"C0805C104K5RACTU": 2, "878311420": 1, "RC0805FR-07200RL": 8}),
}

REFUSED = {
    "orcad-capture-audioamp.BOM": r"no MPN column found; headers seen: 'Item', 'Quantity', 'Reference', "
                                  r"'Part'; the most part-number-like column, 'Part', is \d+% MPN-like",
    "altium-can-gateway-chinese.xls": r"no MPN column found \(sheets checked: 'BOM', 'Sheet2', 'Sheet3'\); "
                                      r"headers seen: 'Comment', .*'Comment', is \d+% MPN-like",
    "altium-gost-cyrillic-per-designator.xlsx": r"no MPN column found \(sheets checked: 'Sheet1', 'Sheet2'\);"
                                                r" headers seen: 'Designator', 'Name', 'Quantity', "
                                                r"'Decimal Number'; .*'Name', is \d+% MPN-like",
    "olimex-esp32-poe-revL1-wrover.ods": r"no MPN column found .*'Designation', is \d+% MPN-like",
    "olimex-esp32-poe-revM-semicolon.csv": r"no MPN column found; .*'Designation', is \d+% MPN-like",
}


def test_the_tables_cover_the_whole_corpus():
    files = {path.name for path in CORPUS.iterdir() if path.name != "SOURCES.md"}
    assert files == set(READ) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(READ))
def test_corpus_file_is_read(name):
    sheet, header_row, columns, count, dnp, pairs = READ[name]
    bom = read_bom(CORPUS / name)
    assert (bom.sheet, bom.header_row) == (sheet, header_row)
    assert {role: bom.columns[role] for role in columns} == columns
    assert len(bom.lines) == count
    assert sum(1 for line in bom.lines if line.dnp) == dnp
    by_mpn = {}
    for line in bom.lines:
        by_mpn.setdefault(line.mpn, line)
    assert {mpn: by_mpn[mpn].qty for mpn in pairs} == pairs
    assert all(role in bom.column_reasons for role in columns)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_corpus_file_is_refused_with_its_reason(name):
    with pytest.raises(BomError, match=REFUSED[name]) as caught:
        read_bom(CORPUS / name)
    assert "--mpn-column" in str(caught.value)


def test_msp430_descriptions_in_the_mpn_column_are_not_queried():
    bom = read_bom(CORPUS / "altium-ad13-msp430-chinese-sections.xls")
    assert {line.mpn for line in bom.lines if line.mpn} == {"SP3232EEN", "MSP430F149", "AMS1117-3.3"}


def test_hackrf_per_designator_and_grouped_exports_give_the_same_parts():
    per_ref = read_bom(CORPUS / "hackrf-one-2014-kicad-fieldN-semicolon.csv")
    grouped = read_bom(CORPUS / "hackrf-one-2016-kicad-bom-scripts.csv")
    fitted = {line.mpn for line in per_ref.lines if line.mpn and not line.dnp}
    assert fitted == {line.mpn for line in grouped.lines if line.mpn}
    assert any("grouped into 140 lines" in warning for warning in per_ref.warnings)
    dnp_by_maker = next(line for line in per_ref.lines if line.refdes[0] == "J4")
    assert dnp_by_maker.dnp and dnp_by_maker.manufacturer is None  # "DNP" in the maker column


def test_limesdr_nf_designators_leave_the_line():
    bom = read_bom(CORPUS / "limesdr-usb-1v4-altium-nf.xls")
    line = next(line for line in bom.lines if line.mpn == "C1005C0G1H470F050BA")
    assert "C324" not in line.refdes and "C325" not in line.refdes and line.qty == 8
    assert any("not fitted: C324, C325" in warning for warning in line.warnings)
    fully = next(line for line in bom.lines if line.mpn == "SC18IS602BIPW,112")
    assert fully.dnp
    trailing_dot = next(line for line in bom.lines if line.mpn == "GRM31CR60J107ME39L")
    assert any("stray trailing punctuation" in warning for warning in trailing_dot.warnings)


def test_kicost_formula_quantities_and_board_qty():
    xess = read_bom(CORPUS / "kicost-xess-test-formulas-merged.xlsx")
    line = next(line for line in xess.lines if line.mpn == "UWX1C220MCL1GB")
    assert any("formula (=BoardQty*2)" in warning for warning in line.warnings)
    stickit = read_bom(CORPUS / "kicost-stickit-hat-multidistributor.csv")
    assert any("for 100 boards" in warning for warning in stickit.warnings)


def test_overrides_read_the_refused_files():
    orcad = read_bom(CORPUS / "orcad-capture-audioamp.BOM", ReaderOptions(mpn_column="Part"))
    assert orcad.header_row == 12
    wrapped = next(line for line in orcad.lines if "Rs1" in line.refdes)
    assert wrapped.qty == 8 and wrapped.refdes[-3:] == ("R30C", "R30B", "R30A")  # continuation line
    assert wrapped.mpn is None and wrapped.raw_mpn_text == "0.47"  # a value, not an MPN
    olimex = read_bom(CORPUS / "olimex-esp32-poe-revM-semicolon.csv",
                      ReaderOptions(mpn_column="Designation"))
    by_row = {line.row: line for line in olimex.lines}
    assert by_row[4].mpn == "BAT54C"  # "BAT54C(SOT23-3)": the package dropped
    assert by_row[14].dnp and by_row[14].raw_mpn_text == "NA(10uF/6.3V/20%/X5R/C0603)"
    can = read_bom(CORPUS / "altium-can-gateway-chinese.xls", ReaderOptions(mpn_column="Comment"))
    assert can.sheet == "BOM" and {"ADUM1201ARZ", "MCP2515-I/SO"} <= {line.mpn for line in can.lines}


@pytest.mark.parametrize("name", sorted(READ))
def test_corpus_files_go_through_the_writer(tmp_path, name):
    from bomcheck.model import Report
    from bomcheck.output.workbook import build_workbook

    bom = read_bom(CORPUS / name)
    report = Report(bom=bom, boards=1, results=(), sources=(), checked_at=datetime.now(timezone.utc))
    workbook = build_workbook(report, tmp_path / "out.xlsx")
    assert workbook is not None
