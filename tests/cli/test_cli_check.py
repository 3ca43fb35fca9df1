"""`bomcheck check` end to end through click, on the sandbox, checked against the sandbox catalog."""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.cli import main
from bomcheck.sandbox import SANDBOX_ARROW_API_KEY, SANDBOX_ARROW_LOGIN, SANDBOX_DIGIKEY_ACCOUNT_ID, catalog
from bomcheck.sandbox.server import STATS_PATH
from tests.builders import RESULT_HEADERS
from tests.conftest import DEMO_BOM, ThreadedSandbox

HEADER_ROW = 5  # the demo BOM has a title block above its header
# --sandbox runs every registered source: the stock columns of all four, in the registry's order
_AFTER_BONDED = RESULT_HEADERS.index("DigiKey Bonded") + 1
SANDBOX_HEADERS = (*RESULT_HEADERS[:_AFTER_BONDED], "DigiKey Stock", "Mouser Stock",
                   *RESULT_HEADERS[_AFTER_BONDED:])


@pytest.fixture
def demo(tmp_path) -> Path:
    copy = tmp_path / "demo.xlsx"
    shutil.copyfile(DEMO_BOM, copy)
    return copy


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


# with several build quantities, these headers name the first ("Need (10 boards)")
FIRST_QUANTITY_HEADERS = ("Need", "Buy Qty", "Short", "Unit Price", "Ext. Price", "Excess", "Excess Value")


def rows_by_mpn(path: Path, expected: tuple[str, ...] = SANDBOX_HEADERS,
                first_of: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """BOM rows by MPN, keyed by our plain headers; `first_of`: the first of several quantities."""
    sheet = openpyxl.load_workbook(path)["BOM"]
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    mpn_col = headers.index("Manufacturer Part Number")
    first = headers.index("Status")
    # the demo has a Notes column of its own: ours is "bomcheck Notes"
    ours = [header if header != "Notes" else "bomcheck Notes" for header in expected]
    if first_of is not None:
        ours = [f"{header} ({first_of:,} boards)" if header in FIRST_QUANTITY_HEADERS else header
                for header in ours]
    assert headers[first:first + len(expected)] == ours
    found: dict[str, list[dict[str, Any]]] = {}
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if row[first + len(expected) - 1] is None:
            continue  # not a BOM line (the footer)
        values = dict(zip(expected, row[first:first + len(expected)], strict=True))
        found.setdefault(str(row[mpn_col] or ""), []).append(values)
    return found


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """One sandbox run of the demo BOM at 100 boards, shared by the assertions below."""
    folder = tmp_path_factory.mktemp("checked")
    bom = folder / "demo.xlsx"
    shutil.copyfile(DEMO_BOM, bom)
    before = hashlib.sha256(bom.read_bytes()).hexdigest()
    result = CliRunner().invoke(main, ["check", str(bom), "--sandbox", "--boards", "100",
                                       "--json", str(folder / "demo.json")], catch_exceptions=False)
    return result, bom, before, folder


def test_the_run_writes_the_output_beside_the_input_and_never_touches_the_input(checked):
    result, bom, before, folder = checked
    assert result.exit_code == 0, result.output  # every line got an answer
    assert "wrote" in result.output
    assert (folder / "demo.checked.xlsx").exists()
    assert hashlib.sha256(bom.read_bytes()).hexdigest() == before


def test_every_line_has_every_column_filled(checked):
    _, _, _, folder = checked
    rows = rows_by_mpn(folder / "demo.checked.xlsx")
    lines = [line for group in rows.values() for line in group]
    assert len(lines) == 24
    for line in lines:
        assert all(value not in (None, "") for value in line.values()), line


def test_status_of_the_special_lines(checked):
    _, _, _, folder = checked
    rows = rows_by_mpn(folder / "demo.checked.xlsx")
    assert rows[catalog.NOT_FOUND_MPN][0]["Status"].startswith("NOT FOUND")
    zero = rows[catalog.ZERO_STOCK_MPN][0]
    assert zero["Status"].startswith("SHORT") and zero["Arrow Stock"] == 0
    # NCNR at every Arrow offer; DigiKey's catalog says not NCNR, Mouser does not say: bought where
    # it is cheapest, and never shown as "no" where the offer bought does not say
    assert rows[catalog.NCNR_MPN][0]["NCNR"] in ("YES", "unknown")
    unlisted = rows[catalog.UNLISTED_MPN][0]  # bought as the second source its Alternate MPN column names
    assert unlisted["Status"] == "OK" and unlisted["Best Source"].startswith(catalog.STOCKED_ALTERNATE_MPN)
    assert f"buying alternate {catalog.STOCKED_ALTERNATE_MPN}" in unlisted["Notes"]
    assert f"({catalog.UNLISTED_MPN} -> {catalog.STOCKED_ALTERNATE_MPN})" in checked[0].output
    assert rows[""][0]["Status"].startswith("NO MPN")
    dnp = [line for line in rows["RC0603FR-071KL"] if line["Status"].startswith("DNP")]
    assert len(dnp) == 1 and dnp[0]["Need"] == 0
    generic = rows["NE555"][0]  # no maker named, and several make it
    assert generic["Status"] == "AMBIGUOUS" and generic["Arrow Stock"] == "several parts"
    assert generic["Buy Qty"] == "—"


def test_bonded_stock_is_what_the_demo_account_holds(checked):
    _, _, _, folder = checked
    rows = rows_by_mpn(folder / "demo.checked.xlsx")
    held = {record.manufacturer_part_number: record
            for record in catalog.bonded_inventory(SANDBOX_DIGIKEY_ACCOUNT_ID)}
    for mpn in ("LM358DR", "STM32F103C8T6", "BAV99W-7-F"):
        assert rows[mpn][0]["DigiKey Bonded"] == held[mpn].reserve_quantity
    assert rows["CL10A106KP8NNNC"][0]["DigiKey Bonded"] == 0  # not bonded


def catalog_offers(mpn: str, marketplace: bool = True):
    """(sku, stock, moq, pack, [(min_qty, price)]) of every priced offer the catalog has."""
    part = catalog.lookup(mpn)
    for source in part.sources:
        if not marketplace and source.source_cd == "VERICAL":
            continue
        for offer in source.parts:
            if offer.breaks:
                yield (offer.sku, offer.stock, offer.moq, offer.pack_size,
                       [(b.min_qty, b.price) for b in offer.breaks])


def cheapest_covering_cost(mpn: str, need: int) -> Decimal:
    """Brute force over the catalog: every whole-multiple quantity from need upward."""
    costs = []
    for _, stock, moq, pack, breaks in catalog_offers(mpn):
        first_break = min(q for q, _ in breaks)
        minimum = max(need, moq, first_break)
        quantity = -(-minimum // pack) * pack
        if quantity <= stock:
            price = [p for q, p in sorted(breaks) if q <= quantity][-1]
            costs.append(price * quantity)
    return min(costs)


@pytest.fixture(scope="module")
def arrow_checked(tmp_path_factory):
    """One run of the demo at 100 boards with Arrow alone configured (the sandbox's Arrow)."""
    folder = tmp_path_factory.mktemp("arrow")
    bom = folder / "demo.xlsx"
    shutil.copyfile(DEMO_BOM, bom)
    with ThreadedSandbox() as sandbox:
        env = {"BOMCHECK_ARROW_URL": sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
               "BOMCHECK_ARROW_API_KEY": SANDBOX_ARROW_API_KEY}
        result = CliRunner().invoke(main, ["-q", "check", str(bom), "--boards", "100"], env=env,
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return rows_by_mpn(folder / "demo.checked.xlsx")


def test_with_arrow_alone_an_ncnr_part_is_bought_ncnr(arrow_checked):
    assert arrow_checked[catalog.NCNR_MPN][0]["NCNR"] == "YES"  # every Arrow offer of it is NCNR
    assert arrow_checked[catalog.NCNR_MPN][0]["Mouser Stock"] == "not checked"


@pytest.mark.parametrize("mpn", ["CL10A106KP8NNNC", "ERJ-3EKF1002V", "TPS62130RGTR",
                                 "MCP2551-I/SN", "SN74LVC1G14DBVR", "USB4105-GF-A"])
def test_arrow_only_lines_buy_the_cheapest_covering_catalog_offer(arrow_checked, mpn):
    line = arrow_checked[mpn][0]
    # The sandbox draws a part's lifecycle: an obsolete part's remaining stock is still planned
    expected = "OBSOLETE" if catalog.lookup(mpn).status == "Obsolete" else "OK"
    assert line["Status"].startswith(expected)
    need = line["Need"]
    skus = {sku: (stock, moq, pack, breaks) for sku, stock, moq, pack, breaks in catalog_offers(mpn)}
    sku = line["Best Source"].rsplit(" ", 1)[-1]
    stock, moq, pack, breaks = skus[sku]
    buy = line["Buy Qty"]
    assert buy >= need and buy >= moq and buy % pack == 0 and buy <= stock
    expected_price = [p for q, p in sorted(breaks) if q <= buy][-1]
    assert Decimal(str(line["Unit Price"])) == expected_price
    assert Decimal(str(line["Ext. Price"])) == pytest.approx(expected_price * buy)
    assert Decimal(str(line["Ext. Price"])) == pytest.approx(cheapest_covering_cost(mpn, need))
    # Arrow's own stock column counts what Arrow holds: Verical (its marketplace) is planned, not counted
    own = [offer[1] for offer in catalog_offers(mpn, marketplace=False)]
    assert not own or max(own) <= line["Arrow Stock"]


def test_json_output_matches_the_workbook(checked):
    _, _, _, folder = checked
    data = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    assert data["boards"] == 100
    assert len(data["lines"]) == 24
    by_row = {line["row"]: line for line in data["lines"]}
    sheet = openpyxl.load_workbook(folder / "demo.checked.xlsx")["BOM"]
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    status_col = headers.index("Status") + 1
    for row, line in by_row.items():
        assert sheet.cell(row, status_col).value.startswith(line["status"])
    # each currency's lines add up to its total (the demo account's second location bills in EUR)
    for currency, total in data["totals"].items():
        assert sum(Decimal(line["ext_price"]) for line in data["lines"]
                   if line["ext_price"] and line["currency"] == currency) == Decimal(total)
    assert set(data["totals"]) == {"USD", "EUR"}


def test_summary_sheet(checked):
    _, _, _, folder = checked
    summary = {row[0]: row[1] for row in openpyxl.load_workbook(folder / "demo.checked.xlsx")["Summary"]
               .iter_rows(values_only=True)}
    assert summary["Boards"] == 100
    assert summary["Source: Arrow"] == "checked"
    assert summary["Source: DigiKey Bonded"] == "checked"
    assert summary["Lines"] == 24
    assert summary["Status DNP"] == 1 and summary["Status NO MPN"] == 1


def test_without_credentials_it_refuses_and_writes_nothing(demo):
    result = run("check", str(demo))
    assert result.exit_code == 3
    assert "BOMCHECK_ARROW_API_KEY" in result.output and "--sandbox" in result.output
    assert "Traceback" not in result.output
    assert not demo.with_name("demo.checked.xlsx").exists()


def test_arrow_only_marks_bonded_not_checked_and_says_so_once(demo, threaded_sandbox):
    env = {"BOMCHECK_ARROW_URL": threaded_sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
           "BOMCHECK_ARROW_API_KEY": SANDBOX_ARROW_API_KEY}
    result = run("check", str(demo), "-o", str(demo.with_name("out.xlsx")), env=env)
    assert result.exit_code == 0, result.output  # bonded not configured is a choice, not a failure
    # the warning and the summary line, for DigiKey Bonded, DigiKey (the catalog) and Mouser
    assert result.output.count("no DigiKey credentials") == 4
    assert result.output.count("no Mouser credentials") == 2
    rows = rows_by_mpn(demo.with_name("out.xlsx"))
    assert rows["LM358DR"][0]["DigiKey Bonded"] == "not checked"
    assert isinstance(rows["LM358DR"][0]["Arrow Stock"], int)
    assert SANDBOX_ARROW_API_KEY not in result.output


def test_a_bad_file_is_one_clear_line(tmp_path):
    bad = tmp_path / "bom.pdf"
    bad.write_bytes(b"%PDF-1.4")
    result = run("check", str(bad), "--sandbox")
    assert result.exit_code == 3
    assert result.output.startswith("bomcheck: error:") and "Traceback" not in result.output


def test_boards_must_be_positive(demo):
    assert run("check", str(demo), "--sandbox", "--boards", "0").exit_code == 2


def test_a_rejected_key_marks_lines_error_exits_1_and_never_shows_the_key(demo, threaded_sandbox):
    wrong_key = "wrong-key-0123456789"
    env = {"BOMCHECK_ARROW_URL": threaded_sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
           "BOMCHECK_ARROW_API_KEY": wrong_key}
    out = demo.with_name("out.xlsx")
    result = run("check", str(demo), "-o", str(out), "--json", str(demo.with_name("out.json")), env=env)
    assert result.exit_code == 1, result.output
    assert "Arrow" in result.output and "not checked" in result.output
    rows = rows_by_mpn(out)
    assert rows["LM358DR"][0]["Status"].startswith("ERROR")
    assert rows["LM358DR"][0]["Arrow Stock"] == "not checked"
    assert wrong_key not in result.output
    assert wrong_key not in demo.with_name("out.json").read_text(encoding="utf-8")
    workbook = openpyxl.load_workbook(out)
    every_cell = [str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert every_cell and not any(wrong_key in text for text in every_cell)


def test_an_unwritable_output_is_refused_before_any_request(demo, threaded_sandbox):
    env = {"BOMCHECK_ARROW_URL": threaded_sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
           "BOMCHECK_ARROW_API_KEY": SANDBOX_ARROW_API_KEY}
    result = run("check", str(demo), "-o", str(demo.parent / "missing" / "out.xlsx"), env=env)
    assert result.exit_code == 3
    assert "does not exist" in result.output
    with urllib.request.urlopen(threaded_sandbox.url + STATS_PATH) as answer:
        assert json.load(answer)["arrow"] == 0  # no quota spent on a run that could not be written


def test_mpn_column_option_reaches_the_reader(tmp_path):
    bom = tmp_path / "fields.csv"
    bom.write_text("ref;Field2;Field3\nU1;LM358DR;XYZ-NOTFOUND-1\n", encoding="utf-8")
    guessed = run("-q", "check", str(bom), "--sandbox")  # content picks the leftmost MPN-like column
    assert guessed.exit_code == 0, guessed.output
    assert rows_by_mpn_csv(bom.with_name("fields.checked.xlsx"))["LM358DR"].startswith("OK")
    result = run("-q", "check", str(bom), "--sandbox", "--mpn-column", "Field3")
    assert result.exit_code == 0, result.output
    assert rows_by_mpn_csv(bom.with_name("fields.checked.xlsx"))["LM358DR"].startswith("NOT FOUND")


def rows_by_mpn_csv(path: Path) -> dict[str, str]:
    """MPN -> Status of an output made from a CSV (header row 1, MPN in column B)."""
    sheet = openpyxl.load_workbook(path)["BOM"]
    headers = [cell.value for cell in sheet[1]]
    status = headers.index("Status")
    return {row[1]: row[status] for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_several_build_quantities_one_fan_out(demo):
    out = demo.with_name("scenarios.xlsx")
    result = run("check", str(demo), "--sandbox", "--boards", "10,100,1000", "--attrition", "2%",
                 "--extra", "1", "-o", str(out), "--json", str(demo.with_name("s.json")))
    assert result.exit_code == 0, result.output
    assert "10, 100, 1000 boards, attrition 2% + 1 per line" in result.output
    workbook = openpyxl.load_workbook(out)
    scenarios = list(workbook["Scenarios"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in scenarios if row[1] == "USD"] == [10, 100, 1000]
    # the BOM sheet shows the first quantity: 1 per board x 10 = 10, + 2% (0.2 -> 1) + 1 extra = 12
    lm358 = rows_by_mpn(out, first_of=10)["LM358DR"][0]
    assert lm358["Need"] == 12 and lm358["Notes"].startswith("need 12 = 10 + 2 attrition")
    data = json.loads(demo.with_name("s.json").read_text(encoding="utf-8"))
    assert [s["boards"] for s in data["scenarios"]] == [10, 100, 1000]
    for number, row in enumerate(scenarios, start=2):
        assert workbook["Scenarios"].cell(number, 4).number_format.endswith(f'"{row[1]}"')
    assert {"Summary", "Scenarios", "Offers", "RFQ"} <= set(workbook.sheetnames)


@pytest.mark.parametrize("boards", ["10,x", "0", "10,-1", ""])
def test_bad_board_lists_are_usage_errors(demo, boards):
    result = run("check", str(demo), "--sandbox", "--boards", boards)
    assert result.exit_code == 2 and "--boards" in result.output


def test_bad_attrition_is_a_usage_error(demo):
    result = run("check", str(demo), "--sandbox", "--attrition", "lots")
    assert result.exit_code == 2 and "percentage" in result.output


def test_a_part_several_makers_sell_is_ambiguous_until_the_bom_names_the_maker(tmp_path):
    bom = tmp_path / "generic.csv"
    bom.write_text("Ref,MPN,Manufacturer,Qty\nU1,LM358,,1\nU2,LM358,ST,1\n", encoding="utf-8")
    result = run("-q", "check", str(bom), "--sandbox", "--json", str(tmp_path / "out.json"))
    assert result.exit_code == 0, result.output  # AMBIGUOUS is an answer, not a failure
    lines = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["lines"]
    unnamed, named = lines
    assert unnamed["status"] == "AMBIGUOUS" and unnamed["purchases"] == []
    makers = {maker for _, maker in catalog.SECOND_SOURCES["LM358"]}
    assert all(maker in unnamed["reason"] for maker in makers)
    assert named["status"] == "OK"
    assert {p["source"]["manufacturer"] for p in named["purchases"]} == {"STMicroelectronics"}
    sheet = openpyxl.load_workbook(tmp_path / "generic.checked.xlsx")["BOM"]
    headers = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=headers.index("Arrow Stock") + 1).value == "several parts"
    assert sheet.cell(row=2, column=headers.index("Status") + 1).value == "AMBIGUOUS"


def test_json_and_workbook_on_one_path_is_refused_before_any_request(demo, threaded_sandbox):
    env = {"BOMCHECK_ARROW_URL": threaded_sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
           "BOMCHECK_ARROW_API_KEY": SANDBOX_ARROW_API_KEY}
    target = demo.parent / "both.xlsx"
    result = run("check", str(demo), "-o", str(target), "--json", str(target), env=env)
    assert result.exit_code == 3
    assert "--json and the workbook would both be" in result.output
    assert not target.exists()
    with urllib.request.urlopen(threaded_sandbox.url + STATS_PATH) as answer:
        assert json.load(answer)["arrow"] == 0


def test_checking_an_output_again_replaces_its_result_columns(demo, tmp_path):
    first = tmp_path / "first.xlsx"
    assert run("-q", "check", str(demo), "--sandbox", "--boards", "100", "-o", str(first)).exit_code == 0
    again = tmp_path / "again.xlsx"
    assert run("-q", "check", str(first), "--sandbox", "--boards", "10", "-o", str(again)).exit_code == 0
    headers = [cell.value for cell in openpyxl.load_workbook(again)["BOM"][HEADER_ROW]]
    assert headers.count("Need") == 1 and headers.count("Best Source") == 1
    assert rows_by_mpn(again)["GRM188R71C104KA01D"][0]["Need"] == 80  # 8 per board x 10, not x 100


def test_bonded_prices_carry_their_locations_currency_not_a_disagreeing_configured_one(tmp_path):
    # The sandbox's demo account bills its own location in USD and its second one in EUR: each
    # location's currency labels its prices; a configured EUR is a warning, never a relabel.
    at_home = catalog.BONDED_DEMO_MPNS[0]
    second = sorted(catalog.SECOND_LOCATION_MPNS)[0]
    assert at_home not in catalog.SECOND_LOCATION_MPNS
    bom = tmp_path / "bonded.csv"
    bom.write_text(f"Ref,MPN,Qty\nU1,{at_home},1\nR1,{second},1\n", encoding="utf-8")
    result = run("check", str(bom), "--sandbox", "--json", str(tmp_path / "out.json"),
                 env={"BOMCHECK_DIGIKEY_CURRENCY": "eur"})
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    bonded = {line["mpn"]: [p for p in line["purchases"] if p["bonded"]] for line in data["lines"]}
    assert [p["currency"] for p in bonded[at_home]] == ["USD"]
    assert [p["currency"] for p in bonded[second]] == ["EUR"]
    assert "is billed in USD, not in the configured DigiKey currency EUR" in result.output


def test_reader_doubts_reach_the_notes_the_fill_and_the_terminal(tmp_path):
    from bomcheck.output.sheets.cells import AMBER

    bom = tmp_path / "doubt.csv"
    bom.write_text("Ref,Qty,MPN\nR1,2.5,LM358DR\nR2,1,NE555\n", encoding="utf-8")
    result = run("check", str(bom), "--sandbox", "--json", str(tmp_path / "out.json"))
    assert "reader warnings on 1 line, row 2" in result.output
    sheet = openpyxl.load_workbook(tmp_path / "doubt.checked.xlsx")["BOM"]
    headers = [cell.value for cell in sheet[1]]
    notes = sheet.cell(row=2, column=headers.index("Notes") + 1)
    assert "BOM: quantity '2.5' is not a whole number" in notes.value
    assert notes.fill.fgColor.rgb == AMBER.fgColor.rgb
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert "warnings" in data and data["lines"][0]["warnings"]


def test_what_the_reader_says_of_the_whole_file_is_shown_and_kept(tmp_path):
    bom = tmp_path / "legacy.csv"
    bom.write_bytes("Ref,Qty,MPN,Description\nR1,1,LM358DR,Ampli op \xe9tage\n".encode("cp1252"))
    result = run("check", str(bom), "--sandbox", "--json", str(tmp_path / "out.json"))
    assert result.exit_code == 0, result.output
    reader_lines = [line for line in result.output.splitlines() if line.startswith("  reader: ")]
    assert reader_lines and "1252" in reader_lines[0]
    summary = openpyxl.load_workbook(tmp_path / "legacy.checked.xlsx")["Summary"]
    said = [row[1] for row in summary.iter_rows(values_only=True) if row[0] == "Reader warning"]
    assert said and "1252" in said[0]
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["warnings"] == [
        reader_lines[0].removeprefix("  reader: ")]


def test_boards_written_like_thousands_plan_each_and_say_how_to_mean_one(demo):
    result = CliRunner().invoke(main, ["-q", "check", str(demo), "--sandbox", "--boards", "1,500",
                                       "-o", str(demo.parent / "o.xlsx")])
    assert result.exit_code == 0, result.output
    assert "--boards 1,500 plans each of 1, 500 boards; for 1500 boards write it without commas" in (
        result.stderr)


def test_json_naming_the_input_is_refused_naming_the_json_option(demo):
    before = demo.read_bytes()
    result = run("check", str(demo), "--sandbox", "--json", str(demo))
    assert result.exit_code == 3
    assert "refusing to overwrite the input file" in result.output
    assert "choose another output with --json" in result.output  # the option at fault, not -o
    assert demo.read_bytes() == before


def test_a_wrong_path_is_said_before_missing_credentials(tmp_path):
    result = run("check", str(tmp_path / "nope.xlsx"))  # no credentials in the test environment
    assert result.exit_code == 3
    assert "BOM file not found" in result.output and "credentials" not in result.output


def test_a_credentials_file_named_as_the_bom_is_refused_before_anything_is_sent(tmp_path, threaded_sandbox):
    """A config file checked by mistake: nothing of it goes to a source, the terminal or a file."""
    secret = "CS_SECRET_777777"
    config = tmp_path / "config.toml"
    config.write_text(f'[digikey]\nclient_id = "app"\nclient_secret = "{secret}"\n', encoding="utf-8")
    bom = tmp_path / "cfg.csv"
    bom.write_text(f'[arrow]\napi_key = "AK_0123456789"\n[digikey]\nclient_secret = "{secret}"\n',
                   encoding="utf-8")
    env = {"BOMCHECK_ARROW_URL": threaded_sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
           "BOMCHECK_ARROW_API_KEY": SANDBOX_ARROW_API_KEY, "BOMCHECK_CONFIG": str(config)}
    result = run("check", str(bom), "--json", str(tmp_path / "out.json"), env=env)
    assert result.exit_code == 3
    assert "holds credentials" in result.output and secret not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg.csv", "config.toml"]
    with urllib.request.urlopen(threaded_sandbox.url + STATS_PATH) as answer:
        assert json.load(answer)["arrow"] == 0


def test_a_line_no_source_could_answer_has_an_unknown_shortfall_not_its_whole_need(tmp_path):
    """--offline with an empty cache: every line is not checked; its stock is unknown, so is Short."""
    bom = tmp_path / "bom.csv"
    bom.write_text("Designator,Qty,MPN\nR1 R2,2,RC0603FR-071KL\nU1,1,LM358DR\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = run("check", str(bom), "--sandbox", "--offline", "--boards", "10,100", "-o", str(out))
    assert result.exit_code == 1, result.output
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["BOM"]
    headers = [cell.value for cell in sheet[1]]
    short = headers.index("Short (10 boards)")
    assert [row[short] for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True)] == ["unknown"] * 2
    quantities = [cell for row in workbook["Quantities"].iter_rows(values_only=True) for cell in row]
    assert 20 not in quantities and quantities.count("unknown") == 4  # 2 lines x 2 quantities


def test_rechecking_an_output_at_one_quantity_keeps_no_quantities_sheet_of_the_last_run(demo):
    first = demo.with_name("first.xlsx")
    assert run("check", str(demo), "--sandbox", "--boards", "100,1000", "-o", str(first)).exit_code == 0
    assert "Quantities" in openpyxl.load_workbook(first).sheetnames
    again = demo.with_name("again.xlsx")
    assert run("check", str(first), "--sandbox", "-o", str(again)).exit_code == 0
    assert "Quantities" not in openpyxl.load_workbook(again).sheetnames


def test_the_sandbox_demo_account_prices_mouser_in_the_runs_currency(demo):
    """A Mouser account prices in its own currency: the demo account of a EUR run is a euro one, so
    its offers are compared with the others instead of being set aside as USD."""
    out = demo.with_name("eur.json")
    result = run("check", str(demo), "--sandbox", "--currency", "EUR", "--json", str(out))
    assert result.exit_code == 0, result.output
    mouser = [p for line in json.loads(out.read_text(encoding="utf-8"))["lines"] for p in line["purchases"]
              if p["source"]["source"] == "Mouser"]
    assert mouser and {p["currency"] for p in mouser} == {"EUR"}
