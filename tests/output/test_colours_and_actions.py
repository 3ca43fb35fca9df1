"""Colours say what to do: red cannot be bought as listed, amber needs the decision its Action names,
green only for Buy; the Summary lists every line needing action under each action it has."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bomcheck.model import Action, Bom, BomLine, LineResult, LineStatus, Report, Scenario
from bomcheck.output.sheets.cells import AMBER, GREEN, RED, fill_for
from bomcheck.output.sheets.summary import action_lines

LINE = BomLine(row=7, mpn="PART-1", qty=1)


@pytest.mark.parametrize(("status", "action", "fill"), [
    (LineStatus.OK, Action.BUY, GREEN),
    (LineStatus.OK, Action.REVIEW_LIFECYCLE, AMBER),
    (LineStatus.OK, Action.APPROVE_OVERBUY, AMBER),
    (LineStatus.OK, Action.ACCEPT_NCNR, AMBER),
    (LineStatus.OK, Action.CHECK_AGAIN, AMBER),
    (LineStatus.OTHER_MAKER, Action.CONFIRM_MAKER, AMBER),
    (LineStatus.QUOTE, Action.GET_QUOTE, AMBER),
    (LineStatus.AMBIGUOUS, Action.FIX_BOM, AMBER),
    (LineStatus.SHORT, Action.GET_QUOTE, RED),
    (LineStatus.NOT_FOUND, Action.GET_QUOTE, RED),
    (LineStatus.OBSOLETE, Action.REVIEW_LIFECYCLE, RED),
    (LineStatus.NOT_ROHS, Action.GET_QUOTE, RED),
    (LineStatus.NO_MPN, Action.FIX_BOM, RED),
    (LineStatus.ERROR, Action.CHECK_AGAIN, RED),
])
def test_the_colour_follows_the_status_and_the_action(status, action, fill):
    result = LineResult(line=LINE, need=1, status=status, action=action)
    assert fill_for(result) is fill


def test_dnp_has_no_colour():
    assert fill_for(LineResult(line=LINE, need=0, status=LineStatus.DNP)) is None


def test_a_line_is_listed_under_each_action_it_has_with_its_quantities():
    other = BomLine(row=9, mpn="PART-2", qty=1)
    at_10 = (LineResult(line=LINE, need=10, status=LineStatus.OK, action=Action.BUY),
             LineResult(line=other, need=10, status=LineStatus.SHORT, reason="5 in stock"))
    at_100 = (LineResult(line=LINE, need=100, status=LineStatus.OK, action=Action.APPROVE_OVERBUY,
                         decisions=("approve overbuy: 2,900 over need worth 458.49 USD",)),
              LineResult(line=other, need=100, status=LineStatus.SHORT, reason="5 in stock"))
    at_1000 = (LineResult(line=LINE, need=1000, status=LineStatus.OK, action=Action.BUY), at_100[1])
    bom = Bom(path=Path("bom.xlsx"), sheet="BOM", header_row=1, columns={}, column_index={},
              lines=(LINE, other), grid=(), last_column=2)
    report = Report(bom=bom, boards=10, results=at_10, sources=(), checked_at=datetime.now(timezone.utc),
                    scenarios=(Scenario(10, at_10), Scenario(100, at_100), Scenario(1000, at_1000)))
    listed = [(item.action, item.result.line.row, item.boards, item.why) for item in action_lines(report)]
    assert listed == [
        (Action.GET_QUOTE, 9, (10, 100, 1000), "5 in stock"),  # Get quote comes before Approve overbuy
        (Action.APPROVE_OVERBUY, 7, (100,), "approve overbuy: 2,900 over need worth 458.49 USD"),
    ]
