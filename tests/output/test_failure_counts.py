"""Failures are values: stderr, the Summary sheet and the JSON count the same lines, every quantity's."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bomcheck.model import (
    Bom,
    BomLine,
    Failure,
    LineResult,
    LineStatus,
    Lookup,
    LookupStatus,
    Report,
    Scenario,
)
from bomcheck.output.failures import run_failures
from bomcheck.output.json_report import report_to_dict
from bomcheck.output.sheets.summary import summary_rows
from tests.builders import DEFAULT_SOURCES

WHEN = datetime(2026, 1, 2, tzinfo=timezone.utc)


def multi_quantity_report() -> Report:
    """Line 2 is fine at 10 boards; at 100 its choice of alternate rested on a timed-out answer."""
    line = BomLine(row=2, mpn="OWN-1")
    timed_out = Lookup("Arrow", LookupStatus.ERROR, message="Arrow: timeout (no answer within 30 s)",
                       failure=Failure("timeout", "Arrow: timeout (no answer within 30 s)"))
    at_10 = LineResult(line=line, need=10, status=LineStatus.OK)
    at_100 = LineResult(line=line, need=100, status=LineStatus.SHORT, unanswered=(timed_out,))
    bom = Bom(path=Path("b.csv"), sheet=None, header_row=1, columns={}, column_index={}, lines=(line,),
              grid=(("MPN",), ("OWN-1",)), last_column=1)
    return Report(bom=bom, boards=10, results=(at_10,), sources=DEFAULT_SOURCES, checked_at=WHEN,
                  scenarios=(Scenario(10, (at_10,)), Scenario(100, (at_100,))))


def test_a_failure_at_the_second_quantity_is_counted_alike_on_stderr_the_summary_and_the_json():
    report = multi_quantity_report()
    stderr_count = run_failures(report).not_checked
    summary = {label: value for label, value, _ in summary_rows(report, "BOM")}
    json_count = report_to_dict(report)["not_checked"]["not_checked"]
    assert stderr_count == 1
    assert summary["Lines not checked"] == 1 and json_count == 1
    assert run_failures(report).sources[0].reasons == (("timeout", 1),)


def test_the_failure_kind_is_the_one_given_where_it_was_raised_not_read_from_the_message():
    said = Lookup("Arrow", LookupStatus.ERROR, message="Arrow: something odd: HTTP 503",
                  failure=Failure("daily quota", "Arrow: something odd: HTTP 503"))
    line = LineResult(line=BomLine(row=2, mpn="X"), need=1, status=LineStatus.ERROR, lookups={"Arrow": said})
    assert run_failures([line]).sources[0].reasons == (("daily quota", 1),)
