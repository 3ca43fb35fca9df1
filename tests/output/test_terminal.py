"""The terminal summary per build quantity: priced N of M, excess, the lines to decide on, plurals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bomcheck.model import SourceStatus
from bomcheck.output.sheets.summary import summary_rows
from bomcheck.output.terminal import plural, summary_lines
from tests.output.test_json_decisions import CHECKED_AT, _report


def test_each_quantity_says_what_it_prices_and_buys_over_need(tmp_path: Path):
    said = summary_lines(_report(tmp_path), [tmp_path / "out.xlsx"])
    text = "\n".join(said)
    assert said[0] == "bom.csv: 5 lines, 11, 102, 1000 boards, attrition none, USD"
    assert "  lines (11 boards): 3 OK, 1 NOT FOUND, 1 OTHER MAKER" in said  # XTAL, OPAMP and RES are OK
    # 1000 boards: 7,185.00 in all, 2,991.00 of it over need (42 %), 3 of the 5 lines priced
    (row,) = [line for line in said if line.split()[:1] == ["1000"]]
    assert row.split()[:2] == ["1000", "7,185.00"] and "3 of 5" in row and "2,991.00 USD (42%)" in row
    # the crystal (row 2) is partly quoted at 11 and 102 boards, bought whole at 1000
    get_quotes = "(no price for all of their need: get quotes)"
    assert f"  not in the total (11, 102 boards): rows 2, 5, 6 {get_quotes}" in said
    assert f"  not in the total (1000 boards): rows 5, 6 {get_quotes}" in said
    assert "  4 lines to decide on before ordering (11 boards):" in said
    crystal = "    row 2: XTAL-1: OK, Approve overbuy (approve overbuy or quote: buying 10 now and quoting 1"
    assert any(line.startswith(crystal + " instead of 2,500") for line in said)
    assert "    row 3: OPAMP-1: OK, Review lifecycle (review lifecycle: NRND, last buy 2027-06-30; " \
           "review RoHS: not compliant)" in said
    assert "row 4" not in text.split("to decide on")[1]  # the resistor is simply bought
    assert "  (1000 boards) other actions than at 11: row 2 XTAL-1: Buy" in said
    assert "(102 boards) other actions" not in text


def test_plurals():
    assert [plural(0, "line"), plural(1, "line"), plural(2, "line"), plural(1200, "answer")] == [
        "0 lines", "1 line", "2 lines", "1,200 answers"]


def test_one_cached_answer_is_one_answer_on_the_terminal_and_the_summary(tmp_path: Path):
    fetched = CHECKED_AT - timedelta(hours=2, minutes=5)
    sources = (SourceStatus("Arrow", True, from_cache=1, live=3, oldest=fetched),
               SourceStatus("Mouser", True, from_cache=2, live=1, oldest=fetched))
    report = replace(_report(tmp_path), sources=sources)
    one = "1 answer cached, oldest 2 h 5 min (fetched 2026-12-01 06:55 UTC); 3 live"
    two = "2 answers cached, oldest 2 h 5 min (fetched 2026-12-01 06:55 UTC); 1 live"
    said = summary_lines(report, [tmp_path / "out.xlsx"])
    assert any(line.startswith("  Arrow") and line.endswith(f"; data {one}") for line in said)
    assert any(line.startswith("  Mouser") and line.endswith(f"; data {two}") for line in said)
    rows = {label: value for label, value, _ in summary_rows(report, "BOM")}
    assert rows["Data age"] == f"Arrow: {one}; Mouser: {two}"
