"""Alternates: read from their columns, asked only when a line's own part cannot be bought, planned,
and shown as the part bought in every output."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import aiohttp
import openpyxl
import pytest

from bomcheck.bom import read_bom
from bomcheck.check import CheckOptions, build_report, query_for
from bomcheck.config import Settings
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.errors import SourceError
from bomcheck.lookups.alternates import alternate_queries
from bomcheck.lookups.fanout import SourceRun
from bomcheck.model import (
    NOT_IN_CACHE,
    Alternate,
    BomLine,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    Report,
    Scenario,
)
from bomcheck.output.failures import run_failures
from bomcheck.output.json_report import report_to_dict
from bomcheck.output.sheets.cells import AMBER, fill_for
from bomcheck.output.sheets.rfq import other_parts, quoted_manufacturer, why_quote
from bomcheck.output.terminal import summary_lines
from bomcheck.output.workbook import write_report
from bomcheck.pricing import plan_lines
from bomcheck.runtime import open_sources, sandbox_settings
from bomcheck.sandbox import catalog
from bomcheck.sandbox.server import STATS_PATH, running_sandbox
from tests.builders import DEFAULT_SOURCES, RESULT_HEADERS, found, make_offer

D = Decimal


def csv_bom(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bom.csv"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- reader


@pytest.mark.parametrize(("header", "maker_header"), [
    ("Alt MPN", "Alt Manufacturer"),
    ("Alternate Part Number", "Alternate Manufacturer"),
    ("Second Source", "Second Source Manufacturer"),
    ("Alternative", "Alternative Manufacturer"),
    ("Substitute", "Substitute Manufacturer"),
    ("Alt_MPN", "Alt_Manufacturer"),  # KiCad field names
    ("MPN 2", "Manufacturer 2"),  # numbered, beside an unnumbered MPN column
])
def test_alternate_columns_are_read_with_their_maker(tmp_path, header, maker_header):
    path = csv_bom(tmp_path, f"Ref,MPN,Manufacturer,Qty,{header},{maker_header}\n"
                             "U1,LM358DR,TI,1,LM358DT,ST\nU2,NE555DR,TI,1,,\n")
    first, second = read_bom(path).lines
    assert first.mpn == "LM358DR" and first.manufacturer == "TI"
    assert first.alternates == (Alternate("LM358DT", "ST"),)
    assert second.alternates == ()


def test_altium_numbered_columns_give_every_alternate_its_own_maker(tmp_path):
    path = csv_bom(tmp_path, "Designator,Manufacturer 1,Manufacturer Part Number 1,Manufacturer 2,"
                             "Manufacturer Part Number 2,Manufacturer 3,Manufacturer Part Number 3,Quantity\n"
                             "U1,TI,LM358DR,ST,LM358DT,onsemi,LM358DR2G,1\n")
    line = read_bom(path).lines[0]
    assert line.mpn == "LM358DR" and line.manufacturer == "TI"
    assert line.alternates == (Alternate("LM358DT", "ST"), Alternate("LM358DR2G", "onsemi"))


def test_several_alternate_columns_pair_with_the_maker_of_the_same_number(tmp_path):
    path = csv_bom(tmp_path, "Ref,MPN,Qty,Alt MPN 1,Alt MPN 2,Alt Manufacturer 2,Alt Manufacturer 1\n"
                             "U1,LM358DR,1,LM358DT,LM358DR2G,onsemi,ST\n")
    line = read_bom(path).lines[0]
    assert line.alternates == (Alternate("LM358DT", "ST"), Alternate("LM358DR2G", "onsemi"))
    assert read_bom(path).columns["description"] is None  # never taken for another role


def test_alternate_queries_are_distinct_normalised_and_never_a_line_s_own_mpn():
    lines = [
        BomLine(row=2, mpn="LM358DR", alternates=(Alternate("ap2112k-3.3trg1"), Alternate("NE555DR"))),
        BomLine(row=3, mpn="NE555DR", alternates=(Alternate("AP2112K-3.3TRG1 ", "Diodes"),)),
        BomLine(row=4, mpn="X1", dnp=True, alternates=(Alternate("DNPALT-1"),)),
    ]
    queries = alternate_queries([(line, query_for(line)) for line in lines])
    # NE555DR is row 3's own part; a DNP line is not asked; the two makers' AP2112K are two parts.
    # A maker is keyed by its alias group's name: "Diodes" is Diodes Incorporated.
    assert list(queries) == [("AP2112K-3.3TRG1", ""), ("AP2112K-3.3TRG1", "diodes incorporated")]
    assert queries[("AP2112K-3.3TRG1", "diodes incorporated")].manufacturer == "Diodes"


def test_an_alternate_of_another_maker_than_a_line_s_own_part_is_asked_with_its_maker():
    lines = [BomLine(row=2, mpn="LM358", manufacturer="Texas Instruments"),
             BomLine(row=3, mpn="XYZ-1", manufacturer="Foo", alternates=(Alternate("LM358", "onsemi"),)),
             BomLine(row=4, mpn="XYZ-2", alternates=(Alternate("lm358", " texas  instruments"),)),
             BomLine(row=5, mpn="XYZ-3", alternates=(Alternate("LM358", "TI"),))]  # an alias: the same maker
    queries = alternate_queries([(line, query_for(line)) for line in lines])
    assert [(query.mpn, query.manufacturer) for query in queries.values()] == [("LM358", "onsemi")]


# ---------------------------------------------------------------- planning


def offer(mpn: str, stock: int, price: str = "1.00", *, ncnr: bool = False, maker: str = "") -> Offer:
    """An Arrow offer; it names no maker unless given one (a maker it names is compared with the BOM's)."""
    return make_offer(mpn, maker=maker, sku=f"{mpn}-sku", stock=stock, price=price, ncnr=ncnr,
                      lead_time_weeks=8)


NOT_FOUND = {"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND)}
ALT = Alternate("ALT-1", "Acme")


def line(row: int, mpn: str, qty: int = 1, alternates: tuple[Alternate, ...] = (ALT,)) -> BomLine:
    return BomLine(row=row, mpn=mpn, manufacturer="Maker", qty=qty, alternates=alternates)


def test_a_line_whose_part_is_fine_is_never_planned_on_its_alternate():
    (result,) = plan_lines([(line(2, "OWN-1"), found(offer("OWN-1", 100, "9.00")))], 10,
                           alternates={2: [(ALT, found(offer("ALT-1", 100, "0.01")))]})
    assert result.status is LineStatus.OK and result.alternate is None  # dearer, but it is the BOM's part
    assert result.bought_mpn == "OWN-1" and result.other_parts == ()


def test_an_unlisted_part_is_bought_as_its_stocked_alternate_and_says_so():
    (result,) = plan_lines([(line(2, "OWN-1"), NOT_FOUND)], 10,
                           alternates={2: [(ALT, found(offer("ALT-1", 100, "0.50")))]})
    assert result.status is LineStatus.OK and result.alternate == ALT
    assert result.bought_mpn == "ALT-1" and result.bought_manufacturer == "Acme"
    assert [p.offer.mpn for p in result.purchases] == ["ALT-1"] and result.ext_price == D("5.00")
    assert result.reason.startswith("primary OWN-1 not available (no source lists this part)")
    assert "buying alternate ALT-1 (Acme)" in result.reason
    assert [(part.mpn, part.alternate) for part in result.other_parts] == [("OWN-1", False)]
    assert fill_for(result, "USD") is AMBER  # a buyer must approve the substitution: never green


def test_a_short_line_whose_alternates_cannot_supply_either_keeps_its_own_plan_and_names_them():
    alternates = (ALT, Alternate("ALT-2"))
    (result,) = plan_lines([(line(2, "OWN-1", alternates=alternates), found(offer("OWN-1", 3)))], 10,
                           alternates={2: [(ALT, NOT_FOUND), (alternates[1], found(offer("ALT-2", 5)))]})
    assert result.status is LineStatus.SHORT and result.alternate is None and result.bought_mpn == "OWN-1"
    assert "alternate ALT-1 (Acme) cannot supply either (no source lists this part)" in result.notes
    assert any(note.startswith("alternate ALT-2 cannot supply either (") for note in result.notes)
    assert [part.mpn for part in result.other_parts] == ["ALT-1", "ALT-2"]


def test_the_first_alternate_that_covers_the_need_is_bought_in_the_bom_s_order():
    second, third = Alternate("ALT-2"), Alternate("ALT-3")
    answers = [(ALT, found(offer("ALT-1", 4))), (second, found(offer("ALT-2", 50, "2.00"))),
               (third, found(offer("ALT-3", 50, "0.10")))]
    (result,) = plan_lines([(line(2, "OWN-1", alternates=(ALT, second, third)), NOT_FOUND)], 10,
                           alternates={2: answers})
    assert result.alternate == second  # the designer's order, not the cheapest
    assert "alternate ALT-1 (Acme) cannot supply either" in result.reason
    assert [part.mpn for part in result.other_parts] == ["OWN-1", "ALT-1", "ALT-3"]


def test_a_line_s_own_part_comes_before_another_line_s_alternate_of_it():
    shared = found(offer("ALT-1", 150))
    first, second = plan_lines([(line(2, "OWN-1", qty=10), NOT_FOUND),
                                (line(3, "ALT-1", qty=10, alternates=()), shared)], 10,
                               alternates={2: [(ALT, shared)]})
    assert second.status is LineStatus.OK and second.buy_qty == 100  # its own part, planned first
    assert first.alternate is None and first.status is LineStatus.NOT_FOUND and first.purchases == ()
    assert any(note.startswith("alternate ALT-1 (Acme) cannot supply either (no offer covers the need: "
                               "buy 50 now, 50 short") for note in first.notes)


def test_an_alternate_takes_only_what_the_own_part_lines_left():
    shared = found(offer("ALT-1", 250))
    first, second = plan_lines([(line(2, "OWN-1", qty=10), NOT_FOUND),
                                (line(3, "ALT-1", qty=10, alternates=()), shared)], 10,
                               alternates={2: [(ALT, shared)]})
    assert second.buy_qty == 100 and first.alternate == ALT and first.buy_qty == 100
    assert any("row 3" in note for note in first.notes)


def test_a_short_line_before_its_part_s_substitute_still_gets_its_own_alternate():
    """alt4: a NOT FOUND line whose alternate is row 3's part must not make row 3 short."""
    own_part, second = found(offer("LM1117", 496)), Alternate("AP2112K", "Diodes")
    lines = [(line(2, "GONE-1", alternates=(Alternate("LM1117", "TI"),)), NOT_FOUND),
             (BomLine(row=3, mpn="LM1117", manufacturer="TI", alternates=(second,)), own_part)]
    first, third = plan_lines(lines, 300, alternates={2: [(Alternate("LM1117", "TI"), own_part)],
                                                      3: [(second, found(offer("AP2112K", 66_000)))]})
    assert third.status is LineStatus.OK and third.alternate is None and third.buy_qty == 300
    assert first.status is LineStatus.NOT_FOUND and first.purchases == ()


def test_each_build_quantity_decides_for_itself():
    answered = [(line(2, "OWN-1"), found(offer("OWN-1", 50)))]
    alternates = {2: [(ALT, found(offer("ALT-1", 10_000)))]}
    small, large = (plan_lines(answered, boards, alternates=alternates)[0] for boards in (10, 100))
    assert small.alternate is None and small.status is LineStatus.OK
    assert large.alternate == ALT and large.status is LineStatus.OK


# ---------------------------------------------------------------- requests on the sandbox


# The stock these tests work with is Arrow's and the bonded account's (the sandbox's other sources
# would add theirs): the sandbox's DigiKey catalog and Mouser are left out.
WORKED_ON = ("Arrow", "DigiKey Bonded")


async def sandbox_report(bom_path: Path, boards: int = 1) -> tuple[Report, dict[str, int]]:
    bom = read_bom(bom_path)
    async with running_sandbox() as url:
        fast = dataclasses.replace(Settings(), arrow_rate=100.0)
        async with open_sources(sandbox_settings(fast, url)) as (runs, unavailable):
            runs = [run for run in runs if run.source.name in WORKED_ON]
            report = await build_report(bom, CheckOptions(boards=boards), runs, unavailable)
        async with aiohttp.ClientSession() as session, session.get(url + STATS_PATH) as response:
            return report, await response.json()


async def test_no_alternate_is_asked_about_when_every_line_s_own_part_is_in_stock(tmp_path):
    path = csv_bom(tmp_path, "Ref,MPN,Manufacturer,Qty,Alt MPN,Alt Manufacturer\n"
                             "U1,LM358DR,Texas Instruments,1,LM358DT,ST\n"
                             "U2,STM32F103C8T6,STMicroelectronics,1,GD32F103C8T6,GigaDevice\n"
                             "C1,GRM188R71C104KA01D,Murata,4,CL10B104KB8NNNC,Samsung\n")
    report, counted = await sandbox_report(path)
    assert all(result.status is LineStatus.OK for result in report.results)
    assert counted["arrow"] == 3 and counted["digikey"] == 1  # the three lines' own parts, nothing more
    assert all(result.alternate is None and not result.other_parts for result in report.results)


async def test_alternates_are_asked_once_each_and_only_for_lines_that_need_them(tmp_path):
    alt = catalog.STOCKED_ALTERNATE_MPN
    path = csv_bom(tmp_path, "Ref,MPN,Qty,Alt MPN,Alt MPN 2\n"
                             f"U1,XYZ-NOTFOUND-7,1,{alt},LM358DR\n"  # LM358DR: row 5's own part
                             f"U2,XYZ-NOTFOUND-8,1,{alt.lower()} ,\n"  # the same alternate, spelt otherwise
                             f"U3,{catalog.ZERO_STOCK_MPN},1,LM358DR,\n"
                             "U4,LM358DR,1,LM358DT,\n")  # fine: its alternate is never asked
    report, counted = await sandbox_report(path)
    assert counted["arrow"] == 4 + 1  # four own parts, then the one alternate not asked yet
    assert counted["digikey"] == 1  # the bonded list answered the alternate in round one
    by_row = {result.line.row: result for result in report.results}
    assert [by_row[row].bought_mpn for row in (2, 3)] == [alt, alt.lower()]
    assert by_row[4].bought_mpn == "LM358DR" and "LM358DR" in by_row[4].reason
    assert by_row[5].alternate is None and by_row[5].status is LineStatus.OK


# ---------------------------------------------------------------- outputs


def alternate_report(tmp_path: Path) -> Report:
    path = tmp_path / "bom.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "BOM"
    workbook.active.append(["Ref", "MPN", "Qty", "Alt MPN", "Alt Manufacturer"])
    workbook.active.append(["U1", "OWN-1", 1, "ALT-1", "Acme"])
    workbook.save(path)
    bom = read_bom(path)
    (bom_line,) = bom.lines
    results = plan_lines([(bom_line, NOT_FOUND)], 10,
                         alternates={bom_line.row: [(ALT, found(offer("ALT-1", 500, "0.20", ncnr=True)))]})
    return Report(bom=bom, boards=10, results=results, sources=DEFAULT_SOURCES,
                  checked_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
                  scenarios=(Scenario(10, results),))


def test_the_workbook_shows_the_alternate_bought(tmp_path):
    output = write_report(alternate_report(tmp_path), tmp_path / "out.xlsx")
    workbook = openpyxl.load_workbook(output)
    sheet = workbook["BOM"]
    first = [cell.value for cell in sheet[1]].index("Status") + 1
    cells = {header: sheet.cell(2, first + i) for i, header in enumerate(RESULT_HEADERS)}
    assert cells["Best Source"].value.startswith("ALT-1 (alternate): ")
    assert cells["Status"].value == "OK" and cells["Status"].fill.fgColor.rgb == AMBER.fgColor.rgb
    assert "primary OWN-1 not available" in cells["Notes"].value
    offers = list(workbook["Offers"].iter_rows(values_only=True))
    row = dict(zip(offers[0], offers[1], strict=True))
    assert (row["BOM Row"], row["Part Asked"], row["Offer Part"]) == (2, "ALT-1 (alternate, bought)", None)
    assert row["Chosen"] == 10
    rfq = list(workbook["RFQ"].iter_rows(values_only=True))
    quoted = dict(zip(rfq[0], rfq[1], strict=True))  # on the RFQ for its NCNR: the part bought is quoted
    assert quoted["MPN"] == "ALT-1" and quoted["Manufacturer"] == "Acme"
    assert quoted["Alternates"] == "OWN-1 (not found)"


def test_json_carries_the_part_bought(tmp_path):
    data = report_to_dict(alternate_report(tmp_path))
    (entry,) = data["lines"]
    assert (entry["mpn"], entry["bought_mpn"], entry["bought_manufacturer"]) == ("OWN-1", "ALT-1", "Acme")
    assert entry["alternate"] == {"mpn": "ALT-1", "manufacturer": "Acme"}
    assert entry["other_parts_asked"] == [{"mpn": "OWN-1", "manufacturer": None, "primary": True,
                                           "answers": {"Arrow": "not found"}}]
    assert entry["best_source"]["mpn"] == "ALT-1"
    assert data["scenarios"][0]["lines"][0]["bought_mpn"] == "ALT-1"


def test_the_sandbox_lists_no_part_for_the_demo_s_unlisted_mpn_and_stocks_its_alternate():
    assert catalog.lookup(catalog.UNLISTED_MPN) is None
    part = catalog.lookup(catalog.STOCKED_ALTERNATE_MPN)
    assert part is not None
    assert any(offer.stock >= 1000 and offer.moq <= 10 and offer.breaks
               for source in part.sources for offer in source.parts)
    demo = read_bom(Path(__file__).resolve().parents[2] / "sample_boms" / "demo.xlsx")
    (listed,) = [line for line in demo.lines if line.alternates]
    assert (listed.mpn, listed.alternates) == (catalog.UNLISTED_MPN,
                                               (Alternate(catalog.STOCKED_ALTERNATE_MPN, "Diodes Inc"),))


def test_a_cell_listing_several_alternates_gives_each(tmp_path):
    path = csv_bom(tmp_path, 'Ref,MPN,Qty,Alternates,Alt Manufacturer\n'
                             'U1,LM358DR,1,"LM358DT; LM358DR2G","ST, onsemi"\n'
                             'D1,BAV99W-7-F,1,"BAV99-TP, BAV99W-TP",Diodes\n')
    first, second = read_bom(path).lines
    assert first.alternates == (Alternate("LM358DT", "ST"), Alternate("LM358DR2G", "onsemi"))
    assert second.alternates == (Alternate("BAV99-TP", "Diodes"), Alternate("BAV99W-TP", "Diodes"))


def test_alternate_makers_pair_by_the_name_they_share_before_the_nearest_column(tmp_path):
    path = csv_bom(tmp_path, "Ref,Qty,MPN,Alt_MPN,Second Source Manufacturer,Second Source,Alt Manufacturer\n"
                             "U1,1,LM358DR,AP2112K-3.3TRG1,Microchip,MIC5205-3.3YM5,Diodes\n")
    (bom_line,) = read_bom(path).lines
    assert bom_line.alternates == (Alternate("AP2112K-3.3TRG1", "Diodes"),
                                   Alternate("MIC5205-3.3YM5", "Microchip"))


def test_an_alternate_column_with_no_maker_of_its_name_takes_none_claimed_by_another(tmp_path):
    path = csv_bom(tmp_path, "Ref,Qty,MPN,Alt_MPN,Second Source Manufacturer,Second Source\n"
                             "U1,1,LM1117-3.3,AP2112K-3.3TRG1,,\nU2,1,XYZ-1,,Microchip,AP2112K-3.3TRG1\n")
    first, second = read_bom(path).lines
    assert first.alternates == (Alternate("AP2112K-3.3TRG1"),)
    assert second.alternates == (Alternate("AP2112K-3.3TRG1", "Microchip"),)


@pytest.mark.parametrize(("cell", "mpn", "alternates"), [
    ("MCP1700T-3302E/TT(AP2112K-3.3TRG1)", "MCP1700T-3302E/TT", ("AP2112K-3.3TRG1",)),
    ("MCP2551-I/SN(TJA1050T)", "MCP2551-I/SN", ("TJA1050T",)),
    ("TLV1117-33(LM1117-3.3)", "TLV1117-33", ("LM1117-3.3",)),
    ("RJP-003TC1(LPJ4112CNL)", "RJP-003TC1", ("LPJ4112CNL",)),
    ("10uF/25V(GRM21BR61E106KA73L)", "GRM21BR61E106KA73L", ()),  # a description, then the part
    ("CAP/0603(GRM188R71C104KA01D)", "GRM188R71C104KA01D", ()),
    ("AMS1117-3.3(5v-3.3v)", "AMS1117-3.3", ()),  # a remark in parentheses
    ("BAT54C(SOT23-3)", "BAT54C", ()),  # a package
])
def test_two_part_numbers_in_one_cell_give_the_part_and_its_alternate(tmp_path, cell, mpn, alternates):
    (bom_line,) = read_bom(csv_bom(tmp_path, f"Ref,Qty,MPN\nU1,1,{cell}\n")).lines
    assert bom_line.mpn == mpn and tuple(alt.mpn for alt in bom_line.alternates) == alternates


def test_a_word_before_a_part_number_in_parentheses_is_read_as_that_part_and_said(tmp_path):
    (bom_line,) = read_bom(csv_bom(tmp_path, "Ref,Qty,MPN\nU1,1,XYZ(RT9193-33)\n")).lines
    assert bom_line.mpn == "RT9193-33"
    assert "MPN 'XYZ(RT9193-33)' read as 'RT9193-33' ('XYZ' is no part number)" in bom_line.warnings


# ---------------------------------------------------------------- the two rounds, with fake sources


class StockSource:
    """A source that knows some parts' stock; `bulk`: one call answers every query (a products list)."""

    def __init__(self, name: str, stock: dict[str, int], *, bulk: bool = False, fail: tuple[str, ...] = ()):
        self.name, self.stock, self.bulk, self.fail = name, stock, bulk, fail
        self.calls: list[list[str]] = []

    def batches(self, queries):
        if self.bulk:
            return [list(queries)] if queries else []
        groups: dict[str, list] = {}
        for query in queries:
            groups.setdefault(query.mpn_key, []).append(query)
        return list(groups.values())

    async def fetch(self, transport, batch):
        self.calls.append(sorted({query.mpn_key for query in batch}))
        if any(query.mpn_key in self.fail for query in batch):
            raise SourceError("HTTP 500 from the fake")
        return {query: self._answer(query.mpn_key) for query in batch}

    def _answer(self, key: str) -> Lookup:
        if key not in self.stock:
            return Lookup(self.name, LookupStatus.NOT_FOUND)
        return Lookup(self.name, LookupStatus.FOUND, offers=(offer(key, self.stock[key]),))


def fake_run(source: StockSource) -> SourceRun:
    return SourceRun(source, Transport(session=None, limiter=make_limiter(1000)))


async def two_rounds(tmp_path: Path, bulk: StockSource, each: StockSource,
                     boards: int | tuple[int, ...] = 10) -> Report:
    bom = read_bom(csv_bom(tmp_path, "Ref,MPN,Qty,Alt MPN,Alt MPN 2\n"
                                     "U1,GOOD-100,1,ALTC-500,\n"   # fine: ALTC-500 is never asked of `each`
                                     "U2,GONE-200,1,ALTB-400,ALTA-300\n"))
    return await build_report(bom, CheckOptions(boards=boards), [fake_run(bulk), fake_run(each)])


async def test_a_bulk_source_answers_alternates_in_its_one_call_the_others_in_a_second_round(tmp_path):
    bulk = StockSource("Bulk", {}, bulk=True)
    each = StockSource("Each", {"GOOD-100": 100, "ALTA-300": 100})
    report = await two_rounds(tmp_path, bulk, each)
    assert bulk.calls == [["ALTA-300", "ALTB-400", "ALTC-500", "GONE-200", "GOOD-100"]]  # one call in all
    assert sorted(each.calls) == [["ALTA-300"], ["ALTB-400"], ["GONE-200"], ["GOOD-100"]]
    good, gone = report.results
    assert good.alternate is None and gone.alternate == Alternate("ALTA-300")
    assert "alternate ALTB-400 cannot supply either (no source lists this part)" in gone.reason
    assert all(status.checked and not status.message for status in report.sources)


async def test_a_second_round_that_fails_is_said_on_the_source_and_the_line_keeps_its_own_plan(tmp_path):
    each = StockSource("Each", {"GOOD-100": 100, "ALTA-300": 100}, fail=("ALTA-300", "ALTB-400"))
    report = await two_rounds(tmp_path, StockSource("Bulk", {}, bulk=True), each)
    gone = report.results[1]
    assert gone.status is LineStatus.NOT_FOUND and gone.alternate is None
    assert "alternate ALTB-400 not answered (Each: HTTP 500 from the fake)" in gone.notes
    assert not any("cannot supply" in note for note in gone.notes)
    # the decision rested on answers that never came: the line is not checked, the run exits 1
    assert not report.all_checked and [lookup.source for lookup in gone.unanswered] == ["Each", "Each"]
    failures = run_failures(report)
    assert failures.not_checked == 1
    assert failures.sources[0].describe() == "Each failed for 1 (HTTP 500 from the fake ×1)"
    assert report_to_dict(report)["not_checked"]["not_checked"] == 1
    status = next(status for status in report.sources if status.name == "Each")
    assert status.checked
    assert status.message == "alternates not checked: no query was answered (HTTP 500 from the fake)"


async def test_one_round_covers_the_largest_quantity_and_each_quantity_decides(tmp_path):
    each = StockSource("Each", {"GOOD-100": 500, "GONE-200": 50, "ALTA-300": 5000, "ALTC-500": 5000})
    report = await two_rounds(tmp_path, StockSource("Bulk", {}, bulk=True), each, boards=(10, 100))
    assert sorted(each.calls) == [["ALTA-300"], ["ALTB-400"], ["GONE-200"], ["GOOD-100"]]  # asked once
    small, large = (scenario.results[1] for scenario in report.scenarios)
    assert small.alternate is None and small.bought_mpn == "GONE-200"  # 10 boards: its own 50 do
    assert large.alternate == Alternate("ALTA-300") and large.status is LineStatus.OK


async def test_a_failed_preferred_alternate_leaves_a_line_bought_on_the_next_not_checked(tmp_path):
    each = StockSource("Each", {"GOOD-100": 100, "ALTA-300": 100}, fail=("ALTB-400",))
    report = await two_rounds(tmp_path, StockSource("Bulk", {}, bulk=True), each)
    gone = report.results[1]
    assert gone.alternate == Alternate("ALTA-300")
    assert "alternate ALTB-400 not answered (Each: HTTP 500 from the fake)" in gone.reason
    assert not report.all_checked and run_failures(report).not_checked == 1


async def test_the_maker_the_bom_names_for_an_alternate_is_the_maker_bought(tmp_path):
    """alt6: LM358 is row 2's own part (TI); row 3 allows only onsemi's LM358."""
    path = csv_bom(tmp_path, "Ref,Qty,Mfr,MPN,Alt MPN,Alt Manufacturer\n"
                             "U1,1,Texas Instruments,LM358,,\n"
                             "U2,1,Foo,XYZ-NOTFOUND-40,LM358,onsemi\n")
    report, _ = await sandbox_report(path, boards=300)
    own, substitute = report.results
    assert {p.offer.manufacturer for p in own.purchases} == {"Texas Instruments"}
    assert substitute.alternate == Alternate("LM358", "onsemi") and substitute.purchases
    assert {p.offer.manufacturer for p in substitute.purchases} == {"onsemi"}


async def test_a_substitute_never_makes_the_line_whose_own_part_it_is_short(tmp_path):
    """alt4 at 300 boards: LM1117-3.3 has 496; row 2 wants it as an alternate, row 3 is its own."""
    path = csv_bom(tmp_path, "Ref,Qty,Mfr,MPN,Alt MPN,Alt Manufacturer\n"
                             "U1,1,Foo,XYZ-NOTFOUND-30,LM1117-3.3,TI\n"
                             "U2,1,TI,LM1117-3.3,AP2112K-3.3TRG1,Diodes\n"
                             "U3,1,Foo,XYZ-NOTFOUND-31,AP2112K-3.3TRG1,Diodes\n")
    report, _ = await sandbox_report(path, boards=300)
    substitute, own, other = report.results
    assert own.status is LineStatus.OK and own.alternate is None and own.buy_qty == 300
    assert substitute.status is LineStatus.NOT_FOUND and substitute.purchases == ()
    assert other.alternate == Alternate("AP2112K-3.3TRG1", "Diodes")


async def test_an_alternate_bought_only_at_a_later_quantity_is_shown_for_that_quantity(tmp_path, capsys):
    each = StockSource("Each", {"GOOD-100": 500, "GONE-200": 50, "ALTA-300": 5000, "ALTC-500": 5000})
    report = await two_rounds(tmp_path, StockSource("Bulk", {}, bulk=True), each, boards=(10, 100))
    small, large = report_to_dict(report)["scenarios"]
    assert small["lines_on_alternates"] == 0 and small["notes"] == []
    assert large["lines_on_alternates"] == 1
    assert large["notes"] == ["row 3: GONE-200 bought as alternate ALTA-300"]
    output = write_report(report, tmp_path / "out.xlsx")
    rows = list(openpyxl.load_workbook(output)["Scenarios"].iter_rows(values_only=True))
    column = rows[0].index("Lines on Alternates")
    assert [row[column] for row in rows[1:]] == [0, 1]
    said = "\n".join(summary_lines(report, [output]))
    assert ("bought as an alternate at 100 boards, for a buyer to approve: row 3 (GONE-200 -> ALTA-300)"
            in said)
    assert "at 10 boards" not in said


def test_a_line_with_no_usable_mpn_is_bought_as_its_alternate():
    no_mpn = BomLine(row=2, mpn=None, qty=1, raw_mpn_text="10k", alternates=(ALT,))
    (result,) = plan_lines([(no_mpn, {})], 10, alternates={2: [(ALT, found(offer("ALT-1", 100)))]})
    assert result.status is LineStatus.OK and result.alternate == ALT and result.buy_qty == 10
    assert result.reason == "no usable MPN; the cell says '10k'; buying alternate ALT-1 (Acme)"
    assert result.other_parts == () and fill_for(result, "USD") is AMBER
    lines = [(no_mpn, None), (BomLine(row=3, mpn=None, dnp=True, alternates=(Alternate("DNP-1"),)), None)]
    assert [query.mpn for query in alternate_queries(lines).values()] == ["ALT-1"]  # asked; DNP not


def test_the_rfq_names_the_maker_bought_and_marks_a_part_nobody_lists():
    bare = Alternate("ALT-1")
    (result,) = plan_lines([(line(2, "OWN-1", alternates=(bare, Alternate("ALT-2"))), NOT_FOUND)], 10,
                           alternates={2: [(bare, found(offer("ALT-1", 100, ncnr=True, maker="M"))),
                                           (Alternate("ALT-2"), NOT_FOUND)]})
    assert result.alternate == bare and why_quote(result) == "NCNR"
    assert quoted_manufacturer(result) == "M"  # the BOM names no maker for ALT-1: the offer's
    assert other_parts(result) == ["OWN-1 (not found)", "ALT-2 (not found)"]


def test_an_alternate_offline_found_no_answer_for_is_not_answered_not_unsupplied(tmp_path):
    uncached = {"Arrow": Lookup("Arrow", LookupStatus.NOT_CHECKED, message=NOT_IN_CACHE)}
    (result,) = plan_lines([(line(2, "OWN-1"), NOT_FOUND)], 10, alternates={2: [(ALT, uncached)]})
    assert result.status is LineStatus.NOT_FOUND and result.alternate is None
    assert result.notes == ("alternate ALT-1 (Acme) not answered (Arrow: not in the cache (--offline))",)
    assert result.unanswered == (uncached["Arrow"],)
    bom = read_bom(csv_bom(tmp_path, "Ref,Qty,MPN\nU1,1,OWN-1\n"))
    report = Report(bom=bom, boards=10, results=(result,), sources=(),
                    checked_at=datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert not report.all_checked
