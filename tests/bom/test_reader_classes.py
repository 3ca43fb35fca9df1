"""One small BOM per failure class of issue 14: each is how real BOMs nobody here has seen are written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bomcheck.bom import read_bom
from bomcheck.errors import BomError


def csv_bom(tmp_path: Path, body: str, name: str = "bom.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def xlsx_bom(tmp_path: Path, rows: list[list], name: str = "bom.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(tmp_path / name)
    return tmp_path / name


# ---------------------------------------------------------------- parentheses


@pytest.mark.parametrize(("cell", "mpn", "alternates"), [
    ("B3B-ZR(LF)(SN)", "B3B-ZR(LF)(SN)", []),  # JST ordering codes stay
    ("S2B-XH-A-1(LF)(SN)", "S2B-XH-A-1(LF)(SN)", []),
    ("ZX62-AB-5PA(31)", "ZX62-AB-5PA(31)", []),
    ("U.FL-R-SMT-1(10\uff09", "U.FL-R-SMT-1(10)", []),  # a full-width bracket is a bracket
    ("TLP291(GB,SE(T", "TLP291(GB,SE(T", []),
    ("TCR3UF20A,LM(CT", "TCR3UF20A,LM(CT", []),
    ("BAT54C(SOT23-3)", "BAT54C", []),  # a package note is dropped
    ("LM358DR\uff08SOP8\uff09", "LM358DR", []),
    ("XC6206P332MR(1uA)", "XC6206P332MR", []),  # a value note is dropped
    ("HR4988E(实际购买的HR4988SQ)", "HR4988E", []),  # a remark is dropped
    ("ESP32-WROVER-B (M213DH6464PC3Q0)", "ESP32-WROVER-B (M213DH6464PC3Q0)", ["ESP32-WROVER-B"]),  # in doubt
    ("RJP-003TC1(LPJ4112CNL)", "RJP-003TC1", ["LPJ4112CNL"]),  # a second part number
])
def test_parentheses_are_dropped_only_for_a_package_or_a_note(tmp_path, cell, mpn, alternates):
    line = read_bom(csv_bom(tmp_path, f'Designator,MPN\nU1,"{cell}"\n')).lines[0]
    assert line.mpn == mpn and [alt.mpn for alt in line.alternates] == alternates


# ---------------------------------------------------------------- sellers' numbers


def test_a_seller_named_in_the_header_holds_that_sellers_numbers(tmp_path):
    path = csv_bom(tmp_path, "N. Mouser,N. produttore,Q.tà ordine\n603-CFR-25JR-52-51R,CFR-25JR-52-51R,10\n")
    bom = read_bom(path)
    line = bom.lines[0]
    assert bom.columns["mpn"] == "N. produttore" and bom.columns["mouser_pn"] == "N. Mouser"
    assert line.mpn == "CFR-25JR-52-51R" and line.distributor_pn("mouser_pn") == "603-CFR-25JR-52-51R"
    assert line.qty == 10 and any("an order or total quantity" in w for w in bom.warnings)


def test_a_mouser_only_bom_is_read_with_each_lines_number(tmp_path):
    path = csv_bom(tmp_path, "Part,Qty,Distributor,Order Number\nU1,1,MOUSER,511-STM32F405RGT6\n"
                             "P3,1,FARNELL,9491864\nR6,0,,\n")
    bom = read_bom(path)
    first, second, third = bom.lines
    assert bom.columns["mpn"] is None and bom.columns["refdes"] == "Part"
    assert first.mpn is None and first.distributor_pns == (("mouser_pn", "511-STM32F405RGT6"),)
    assert second.distributor_pns == (("farnell_pn", "9491864"),)
    assert third.dnp and third.distributor_pns == ()
    assert "no MPN; its Mouser number is 511-STM32F405RGT6" in first.warnings
    assert any("sellers' numbers only" in warning for warning in bom.warnings)


@pytest.mark.parametrize(("header", "cells", "role"), [
    ("Part Number", ["C60474", "C4275", "C2040"], "lcsc_pn"),  # KiBoM's Part Number holding LCSC codes
    ("ref", ["C37635331", "C96341", "C5448886"], "lcsc_pn"),  # 'ref' is no designator here
    ("P/N", ["1572-1715-ND", "A1A-ND", "BC4520CT-ND"], "digikey_pn"),
    ("Supplier Part Number 1", ["445-1324-1-ND", "P0.0GCT-ND", "AD8652ARZ-ND"], "digikey_pn"),
])
def test_sellers_numbers_are_never_the_mpn_whatever_the_header(tmp_path, header, cells, role):
    rows = "".join(f"C{n},{cell}\n" for n, cell in enumerate(cells, start=1))
    bom = read_bom(csv_bom(tmp_path, f"Designator,{header}\n{rows}"))
    assert bom.columns["mpn"] is None and bom.columns[role] == header
    assert [line.distributor_pn(role) for line in bom.lines] == cells
    assert all(line.mpn is None for line in bom.lines)
    assert (bom.lines[0].digikey_pn == cells[0]) is (role == "digikey_pn")  # digikey_pn filled as before


def test_a_digikey_number_in_the_mpn_column_is_read_as_one(tmp_path):
    path = csv_bom(tmp_path, "MPN,Qty\n311-330JRCT-ND,4\nRC0402JR-0710KL,5\n")
    first, second = read_bom(path).lines
    assert (first.mpn, first.digikey_pn) == (None, "311-330JRCT-ND") and second.mpn == "RC0402JR-0710KL"
    assert any("is a DigiKey number" in warning for warning in first.warnings)


def test_a_sellers_group_gives_its_code_not_its_part_number_or_price(tmp_path):
    path = csv_bom(tmp_path, ",,,Farnell,Farnell,Farnell,Digi-Key,Digi-Key\n"
                             "Qty,Part name,Ref,Code,Part Number,Unit price,Part Number,Unit price\n"
                             "1,MAX31760AEE+,IC2,2528719,MAX31760AEE+,1.21,MAX31760AEE+-ND,2.4\n")
    bom = read_bom(path)
    line = bom.lines[0]
    assert (bom.columns["farnell_pn"], bom.columns["digikey_pn"]) == ("Code", "Part Number")
    assert bom.column_index["digikey_pn"] == 7 and line.mpn == "MAX31760AEE+"
    assert line.distributor_pns == (("farnell_pn", "2528719"), ("digikey_pn", "MAX31760AEE+-ND"))


def test_a_price_column_under_a_sellers_name_is_no_number(tmp_path):
    path = csv_bom(tmp_path, "ilość,cena,cena\nilość,tme,elektropark\n2,65,65\n1,18.4,0\n")
    with pytest.raises(BomError, match="no MPN column found"):
        read_bom(path)


def test_a_values_only_bom_is_still_refused_naming_the_most_part_number_like_column(tmp_path):
    path = csv_bom(tmp_path, "Qty,Value,Device,Parts\n1,22uF,CPOL-EUCT6032,C3\n2,1K,R-EU_R1206,\"R1, R2\"\n")
    with pytest.raises(BomError, match=r"no MPN column found; headers seen: .*most part-number-like column"):
        read_bom(path)


# ---------------------------------------------------------------- designators


@pytest.mark.parametrize("header", ["Part", "部品番号", "nom", ""])
def test_designators_are_found_under_any_name(tmp_path, header):
    rows = "".join(f"{refs},{mpn}\n" for refs, mpn in
                   [('"C1, C2"', "GRM188R71C104KA01D"), ("R1", "RC0603FR-0710KL"), ("U1", "LM358DR")])
    bom = read_bom(csv_bom(tmp_path, f"{header},Manufacturer Part Number\n{rows}"))
    assert [line.refdes for line in bom.lines] == [("C1", "C2"), ("R1",), ("U1",)]
    named = header == "部品番号"  # an alias of its own
    assert bom.column_reasons["refdes"].startswith("alias" if named else "content: 100% designator lists")


def test_functional_designators_of_a_regulator_design(tmp_path):
    refs = ["Rfbb", "Cin", "Cout", "L1", "U1"]
    rows = "".join(f"{ref},CRCW0402124KF{n}ED,1\n" for n, ref in enumerate(refs))
    bom = read_bom(csv_bom(tmp_path, "Part,Part Number,Quantity\n" + rows))
    assert bom.columns["refdes"] == "Part" and bom.lines[0].refdes == ("Rfbb",)


@pytest.mark.parametrize(("cell", "refs"), [
    ("U1-2, U5", ("U1", "U2", "U5")), ("C337..C339", ("C337", "C338", "C339")),
    ("R65_D..R67_D", ("R65_D", "R66_D", "R67_D")), ("R8...R10", ("R8", "R9", "R10")),
    ("PTC3,4", ("PTC3", "PTC4")), ("SW1 SW 2", ("SW1", "SW2")), ("无", ()),
])
def test_designator_shorthands(tmp_path, cell, refs):
    line = read_bom(csv_bom(tmp_path, f'Designator,MPN\n"{cell}",LM358DR\n')).lines[0]
    assert line.refdes == refs


# ---------------------------------------------------------------- quantities


@pytest.mark.parametrize("header", ["Quan", "Count", "Stückzahl", "Menge", "Cantidad", "Q.tà", "Кол-во",
                                    "数量", "個数", "개수", "ilość", "Quantity Per PCB", "Qté", "nombre",
                                    "Ｑｔｙ", " Quantity\n"])
def test_quantity_under_any_name_or_language(tmp_path, header):
    bom = read_bom(csv_bom(tmp_path, f'MPN,"{header}"\nLM358DR,3\n'))
    assert bom.lines[0].qty == 3 and bom.columns["qty"] == " ".join(header.split())


@pytest.mark.parametrize(("headers", "per_board"), [
    (["数量", "单块板消耗数量（个）"], "单块板消耗数量（个）"),
    (["单套用量", "需求用量"], "单套用量"),
    (["Stückzahl", "Stück gesamt"], "Stückzahl"),
    (["Order Qty", "Qty"], "Qty"),
])
def test_a_per_board_quantity_wins_and_that_is_said(tmp_path, headers, per_board):
    values = {per_board: 2}
    row = [values.get(header, 50) for header in headers]
    path = xlsx_bom(tmp_path, [["MPN", *headers], ["LM358DR", *row]])
    bom = read_bom(path)
    assert bom.columns["qty"] == per_board and bom.lines[0].qty == 2
    assert any(warning.startswith(f"quantity per board from {per_board!r}") for warning in bom.warnings)


def test_a_number_of_boards_in_the_header_row_is_no_quantity_column(tmp_path):
    path = xlsx_bom(tmp_path, [["Parts", "MPN", "Description", "Package", 40],
                               ["C1, C2", "GRM188R71C104KA01D", "CAP", "C0603", 80],
                               ["R1", "RC0603FR-0710KL", "RES", "R0603", 40]])
    bom = read_bom(path)
    assert bom.columns["qty"] is None and [line.qty for line in bom.lines] == [2, 1]


def test_quantities_with_one_spare_each_are_read_per_board(tmp_path):
    rows = "".join(f'{q},{pn},"{refs}"\n' for q, pn, refs in
                   [(3, "1572-1715-ND", "C1 C3"), (4, "1189-4068-ND", "C7 C8 C9"), (2, "A1A-ND", "NE1")])
    bom = read_bom(csv_bom(tmp_path, "Quan,P/N,Ref\n" + rows))
    assert [line.qty for line in bom.lines] == [2, 3, 1]
    assert any("each line has 1 more than its designators (spares)" in w for w in bom.warnings)


def test_an_order_list_with_pack_sizes_is_read_per_board(tmp_path):
    rows = "".join(f'{pn},{q},"{refs}"\n' for pn, q, refs in
                   [("0ZRE0012FF1C", 3, "F1"), ("ERA-6AEB101V", 12, "R25,R26,R27,R28"),
                    ("CHV1206-JW-224ELF", 15, "R3,R5,R7,R9,R4,R6,R8,R10"), ("B72660M0251K072", 3, "RV1,RV2"),
                    ("CC0805KRX7R8BB104", 1, "C4,C11,C12,C8"), ("RAC03-3.3SGA", 3, "U1")])
    bom = read_bom(csv_bom(tmp_path, "Manf Part #,Quantity,Reference\n" + rows))
    assert [line.qty for line in bom.lines] == [1, 4, 8, 2, 4, 1]
    assert any("are not per board" in w for w in bom.warnings)


def test_quantities_for_a_stated_number_of_sets(tmp_path):
    rows = [["모델명", "개수"], ["MAX30100", 2], ["FT232RL", 2], ["TP4056", 4], [],
            ["부품가격 총합", "1세트", "2세트"], [None, 72520, 145040]]
    bom = read_bom(xlsx_bom(tmp_path, rows))
    assert [(line.mpn, line.qty) for line in bom.lines] == [("MAX30100", 1), ("FT232RL", 1), ("TP4056", 2)]
    assert any("are for 2 sets" in w for w in bom.warnings)


# ---------------------------------------------------------------- not fitted


@pytest.mark.parametrize(("header", "cell"), [
    ("Value", "DNI"), ("Value", "10k DNP"), ("Value", "nicht bestückt"), ("Place (YES/NO)", "NO"),
    ("Fitted", "Not Fitted"), ("ASSY", "NI"), ("Notes", "No Load"), ("Notes", "DO NOT INSTALL"),
    ("渠道来源", "不贴"), ("Comment", "Do not mount"),
])
def test_not_fitted_in_every_convention(tmp_path, header, cell):
    path = csv_bom(tmp_path, f"Designator,MPN,Qty,Description,{header}\nR1,RC0603FR-0710KL,1,RES,{cell}\n"
                             f"R2,RC0603FR-0710KL,1,RES,\n")
    fitted = [line.dnp for line in read_bom(path).lines]
    assert fitted == [True, False]


def test_a_not_fitted_section_and_a_pseudo_line_listing_unfitted_designators(tmp_path):
    path = csv_bom(tmp_path, "QTY,REFERENCE,DESCRIPTION,MANU,PART NUMBER\n1,U1,IC,TI,LM358DR\n"
                             ",DO NOT INSTALL COMPONENTS BELOW.,,,\n,\"P2,C24,R55\",,,\n"
                             ",THESE REFERENCE DESIGNATORS ARE NOT USED: P7,,,\n")
    lines = read_bom(path).lines
    assert [(line.row, line.dnp, line.refdes) for line in lines] == [
        (2, False, ("U1",)), (4, True, ("P2", "C24", "R55"))]


def test_an_erp_pseudo_line_of_parts_not_populated(tmp_path):
    path = csv_bom(tmp_path, "Description,Manufacturer,Manuf reference,Qty,REF DES\n"
                             "Components NOT POPULATED in this BOM,Nutaq,,2,\"C12, C14\"\n"
                             "Capacitor,Murata,GRM188R71C104KA01D,1,C1\n")
    first, second = read_bom(path).lines
    assert first.dnp and not second.dnp


def test_values_in_parentheses_are_not_fitted_where_the_file_writes_so(tmp_path):
    rows = "".join(f"{ref},{value},GRM188R71C10{n}KA01D\n" for n, (ref, value) in
                   enumerate([("C1", "100n"), ("C2", "10u"), ("L1", "(47u)"), ("C3", "1u"), ("C4", "22p")]))
    lines = read_bom(csv_bom(tmp_path, "Reference,Value,MPN\n" + rows)).lines
    assert [line.dnp for line in lines] == [False, False, True, False, False]


# ---------------------------------------------------------------- rows that are not lines


def test_footers_totals_charges_titles_and_repeated_headers_are_no_lines(tmp_path):
    path = xlsx_bom(tmp_path, [
        ["Component", "Names", "MPN", "Quantity"],
        ["ICs"],
        ["Component", "Names", "MPN", "Quantity"],
        ["Opamp", "U1, U2", "LM358DR", 2],
        ["Shipping (送料)", None, None, 1],
        [None, None, "合計", 3],
        [],
        ["Component Groups:", 1],
        ["Total:", 3],
    ])
    assert [line.row for line in read_bom(path).lines] == [4]


def test_second_source_rows_below_a_line_are_its_alternates(tmp_path):
    path = csv_bom(tmp_path, "QTY,REFERENCE,DESCRIPTION,MANU,PART NUMBER\n"
                             "24,\"C1,C2\",CAP CER 10UF,TDK,C2012Y5V1A106Z\n,,,Murata,GRM21BR71A106KE51L\n"
                             "1,U1,IC,TI,LM358DR\n")
    first, second = read_bom(path).lines
    assert [(alt.mpn, alt.manufacturer) for alt in first.alternates] == [("GRM21BR71A106KE51L", "Murata")]
    assert second.mpn == "LM358DR"


def test_tilde_joined_second_sources_in_one_cell(tmp_path):
    path = csv_bom(tmp_path, "Manufacturer,Manuf reference,Qty,REF DES\n"
                             "Murata~AVX,GRM0335C1H101J~04025A101JAT2A,2,\"RCL11, RCL13\"\n")
    line = read_bom(path).lines[0]
    assert (line.mpn, line.manufacturer) == ("GRM0335C1H101J", "Murata")
    assert [(alt.mpn, alt.manufacturer) for alt in line.alternates] == [("04025A101JAT2A", "AVX")]


@pytest.mark.parametrize(("cell", "mpn"), [
    ("\u200eNCP551SN31T1G\u200e ", "NCP551SN31T1G"),  # invisible marks
    ("SSHS-123-D-02-GT-LF\u00d9\u00d9", "SSHS-123-D-02-GT-LF"),  # mojibake glued to the end
    ("2222", None), ("15.5*10.5*24", None), ("CH3.96 2P", None),  # placeholder, a size, a pin count
    ("2N7002", "2N7002"), ("1N5819W", "1N5819W"), ("0530480210", "0530480210"),
])
def test_mpn_cells(tmp_path, cell, mpn):
    assert read_bom(csv_bom(tmp_path, f'Designator,MPN\nU1,"{cell}"\n')).lines[0].mpn == mpn


def test_a_short_number_stored_as_a_number_with_no_maker_is_no_mpn(tmp_path):
    path = xlsx_bom(tmp_path, [["型号", "数量", "Manufacturer", "名称"], [4007, 17, None, "二极管"],
                               ["LM7805CZ", 1, None, "稳压芯片"], [5010, 1, "Keystone", "Holder"],
                               [22102021, 1, None, "HDR"]])
    assert [line.mpn for line in read_bom(path).lines] == [None, "LM7805CZ", "5010", "22102021"]


# ---------------------------------------------------------------- headers


def test_two_row_header_groups_name_their_sub_headers(tmp_path):
    path = csv_bom(tmp_path, ",Manufacturer,Manufacturer,Qty,Qty\nRef,Name,Part Number,per board,per 50\n"
                             "U1,TI,LM358DR,2,100\n")
    bom = read_bom(path)
    assert (bom.columns["manufacturer"], bom.columns["mpn"], bom.columns["qty"]) == ("Name", "Part Number",
                                                                                     "per board")
    assert (bom.lines[0].manufacturer, bom.lines[0].qty) == ("TI", 2)


# ---------------------------------------------------------------- workbooks openpyxl refuses


def test_a_workbook_openpyxl_refuses_is_read_and_written_from_its_grid(tmp_path):
    import zipfile
    from datetime import datetime, timezone

    from bomcheck.model import Report
    from bomcheck.output.workbook import write_report

    good = xlsx_bom(tmp_path, [["Ref", "Qty", "MPN"], ["R1", 2, "RC0603FR-0710KL"]], "good.xlsx")
    path = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/styles.xml":  # a font family above 14: Excel opens it, openpyxl does not
                data = data.replace(b'<family val="2"', b'<family val="20"')
            target.writestr(item, data)
    with pytest.raises(Exception):  # noqa: B017 - whichever error openpyxl raises
        openpyxl.load_workbook(path)
    bom = read_bom(path)
    assert [(line.mpn, line.qty) for line in bom.lines] == [("RC0603FR-0710KL", 2)]
    assert any("read by calamine" in warning for warning in bom.warnings)
    report = Report(bom=bom, boards=1, results=(), sources=(), checked_at=datetime.now(timezone.utc))
    output = write_report(report, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(output).worksheets[0]
    assert [sheet.cell(2, col).value for col in (1, 2, 3)] == ["R1", 2, "RC0603FR-0710KL"]
    assert path.read_bytes() != output.read_bytes()
