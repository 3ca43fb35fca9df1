"""A BOM naming parts only by sellers' numbers goes through inspect and check: read, not refused."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bomcheck.cli import main

MOUSER_AND_DIGIKEY = ("Part,Qty,Distributor,Order Number\n"
                      "U1,1,MOUSER,511-STM32F405RGT6\n"
                      "C1,2,DIGIKEY,445-1324-1-ND\n"
                      "P3,1,FARNELL,9491864\n"
                      "R6,0,,\n")


def write(tmp_path: Path) -> Path:
    path = tmp_path / "sellers.csv"
    path.write_text(MOUSER_AND_DIGIKEY, encoding="utf-8")
    return path


def test_inspect_json_lists_each_lines_distributor_numbers_and_the_columns(tmp_path):
    result = CliRunner().invoke(main, ["inspect", str(write(tmp_path)), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["columns"]["mpn"] is None
    assert data["distributor_columns"] == {"mouser_pn": ["Order Number"]}
    assert "Distributor" in data["column_reasons"]["mouser_pn"]
    pns = [line["distributor_pns"] for line in data["lines"]]
    assert pns == [{"mouser_pn": "511-STM32F405RGT6"}, {"digikey_pn": "445-1324-1-ND"},
                   {"farnell_pn": "9491864"}, {}]
    assert data["lines"][1]["digikey_pn"] == "445-1324-1-ND"  # the DigiKey number where it always was


def test_inspect_table_shows_the_number_a_line_has_instead_of_an_mpn(tmp_path):
    result = CliRunner().invoke(main, ["inspect", str(write(tmp_path))], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "(mouser_pn 511-STM32F405" in result.output  # the MPN column of the table is 24 wide


def test_check_runs_and_says_which_number_a_line_has(tmp_path):
    bom = write(tmp_path)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["-q", "check", str(bom), "--sandbox", "--json", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = {line["row"]: line for line in json.loads(out.read_text(encoding="utf-8"))["lines"]}
    mouser = lines[2]
    # Mouser resolves its number; the line is planned as that part on every source, says where its
    # MPN came from, and no longer asks for a BOM fix (the reader's "no MPN" warning is answered)
    assert (mouser["mpn"], mouser["mpn_from"]) == ("STM32F405RGT6", "Mouser")
    assert mouser["status"] not in ("NO MPN", "ERROR") and mouser["stock"]["Arrow"] is not None
    assert "no MPN; its Mouser number is 511-STM32F405RGT6" not in mouser["warnings"]
    assert "from Mouser number 511-STM32F405RGT6" in mouser["reason"]
    assert mouser["action"] != "Fix BOM" and not any("BOM" in why for why in mouser["decisions"])
    assert "no MPN; its Farnell number is 9491864" in lines[4]["warnings"]  # unresolved: still said
    assert lines[3]["status"] not in ("NO MPN", "ERROR")  # asked by its DigiKey number
    assert lines[3]["distributor_pns"] == {"digikey_pn": "445-1324-1-ND"}
    assert lines[4]["status"] == "NO MPN" and lines[4]["mpn_from"] is None  # no source owns Farnell numbers
    assert lines[5]["status"] == "DNP"
    assert bom.with_name("sellers.checked.xlsx").is_file()
