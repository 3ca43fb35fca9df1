"""`bomcheck inspect`: what the reader understood, as a table or as JSON, before any query."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bomcheck.cli import main


def write_bom(tmp_path: Path) -> Path:
    path = tmp_path / "bom.csv"
    path.write_text(
        "Board X,,,,,\n"
        "Reference,Quantity,Part Number,Vendor,Alt MPN,Install Option\n"
        '"C1,C2,C3,C4",4,GRM188R71C104KA01D,Murata,CL10B104KB8NNNC,\n'
        "R1,1,RC0603FR-0710KL,Yageo,,DNI\n", encoding="utf-8")
    return path


def test_inspect_json_has_the_documented_shape(tmp_path):
    result = CliRunner().invoke(main, ["inspect", str(write_bom(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["file"].endswith("bom.csv") and data["sheet"] is None and data["header_row"] == 2
    assert {key: data["columns"][key] for key in ("mpn", "manufacturer", "qty", "refdes", "description",
                                                  "digikey_pn", "dnp")} == {
        "mpn": "Part Number", "manufacturer": "Vendor", "qty": "Quantity", "refdes": "Reference",
        "description": None, "digikey_pn": None, "dnp": "Install Option"}
    first, second = data["lines"]
    keys = ("row", "mpn", "manufacturer", "qty", "refdes", "dnp", "warnings")
    assert {key: first[key] for key in keys} == {
        "row": 3, "mpn": "GRM188R71C104KA01D", "manufacturer": "Murata", "qty": 4,
        "refdes": ["C1", "C2", "C3", "C4"], "dnp": False, "warnings": []}
    assert first["alternates"] == [{"mpn": "CL10B104KB8NNNC", "manufacturer": None}]  # the Alt MPN column
    assert second["dnp"] is True and second["row"] == 4
    assert isinstance(data["warnings"], list)
    assert data["column_reasons"]["mpn"] == "alias 'Part Number'"


def test_inspect_table_and_overrides(tmp_path):
    path = write_bom(tmp_path)
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert "header row 2" in result.output and "2 lines, 1 DNP" in result.output
    assert "GRM188R71C104KA01D" in result.output
    chosen = CliRunner().invoke(main, ["inspect", str(path), "--json", "--mpn-column", "Alt MPN",
                                       "--header-row", "2"])
    assert json.loads(chosen.output)["lines"][0]["mpn"] == "CL10B104KB8NNNC"


def test_inspect_refusal_is_one_line_and_exit_3(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text("Ref,Part\nR1,10k\nC1,100nF\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 3
    assert "bomcheck: error: values.csv: no MPN column found" in result.output


def test_check_takes_the_same_reader_overrides(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("MPN,Qty,Qty fix\nLM358DR,1,3\n", encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["-q", "check", str(path), "--sandbox", "--qty-column", "Qty fix",
                                       "--json", str(out)], env={"BOMCHECK_ARROW_RATE": "200"})
    assert result.exit_code == 0, result.output
    assert [line["need"] for line in json.loads(out.read_text(encoding="utf-8"))["lines"]] == [3]


def test_saved_layout_is_applied_to_later_runs(tmp_path):
    first = tmp_path / "rev-a.csv"
    first.write_text("Ref,MPN,Alt\nU1,LM358DR,TLV9001IDBVR\n", encoding="utf-8")
    second = tmp_path / "rev-b.csv"
    second.write_text("Board rev B\nRef,MPN,Alt\nU1,NE555DR,TLC555IDR\n", encoding="utf-8")
    runner = CliRunner()
    guessed = json.loads(runner.invoke(main, ["inspect", str(first), "--json"]).output)
    assert guessed["columns"]["mpn"] == "MPN"
    saved = runner.invoke(main, ["inspect", str(first), "--mpn-column", "Alt", "--save-layout"])
    assert saved.exit_code == 0, saved.output
    later = json.loads(runner.invoke(main, ["inspect", str(second), "--json"]).output)
    assert later["header_row"] == 2 and later["lines"][0]["mpn"] == "TLC555IDR"
    assert later["column_reasons"]["mpn"] == "saved column map (inspect --save-layout)"


def test_save_layout_needs_overrides(tmp_path):
    result = CliRunner().invoke(main, ["inspect", str(write_bom(tmp_path)), "--save-layout"])
    assert result.exit_code == 3 and "none were given" in result.output


def test_a_saved_layout_can_be_forgotten(tmp_path):
    bom = tmp_path / "rev-a.csv"
    bom.write_text("Ref,MPN,Alt\nU1,LM358DR,TLV9001IDBVR\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["inspect", str(bom), "--mpn-column", "Alt", "--save-layout"]).exit_code == 0
    forgot = runner.invoke(main, ["inspect", str(bom), "--forget-layout", "--json"])
    assert forgot.exit_code == 0, forgot.output
    assert "forgot the column map" in forgot.stderr
    assert json.loads(forgot.stdout)["columns"]["mpn"] == "MPN"  # the guess again, at once
    again = runner.invoke(main, ["inspect", str(bom), "--forget-layout"])
    assert again.exit_code == 3 and "no column map is saved" in again.output
