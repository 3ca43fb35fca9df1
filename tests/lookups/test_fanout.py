"""The fan-out: distinct queries, batches per source, failures as data, a stopped source stops."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.lookups.fanout import SourceRun, gather_lookups, planned_calls
from bomcheck.model import Lookup, LookupStatus, Query


class FakeSource:
    """One call per query; raises for the MPNs it is told to fail on."""

    def __init__(self, name: str, fail: dict[str, Exception] | None = None, one_batch: bool = False):
        self.name = name
        self.fail = fail or {}
        self.one_batch = one_batch
        self.calls: list[list[str]] = []

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        if self.one_batch:
            return [list(queries)]
        groups: dict[str, list[Query]] = {}
        for query in queries:
            groups.setdefault(query.mpn_key, []).append(query)
        return list(groups.values())

    async def fetch(self, transport, batch):
        self.calls.append([q.mpn for q in batch])
        for query in batch:
            if query.mpn in self.fail:
                raise self.fail[query.mpn]
        return {q: Lookup(self.name, LookupStatus.FOUND, message=q.mpn) for q in batch}


def run_for(source: FakeSource, concurrency: int = 8, secrets=()) -> SourceRun:
    transport = Transport(session=None, limiter=make_limiter(1000), concurrency=concurrency,
                          secrets=secrets)
    return SourceRun(source, transport)


async def test_equal_queries_are_asked_once_and_spellings_share_a_call():
    source = FakeSource("A")
    queries = [Query("lm358dr"), Query("lm358dr"), Query("LM358DR "), Query("NE555")]
    result = await gather_lookups([run_for(source)], queries)
    assert sorted(len(call) for call in source.calls) == [1, 2]  # LM358DR spellings in one call
    assert len(source.calls) == 2
    assert all(result.lookups[q]["A"].status is LookupStatus.FOUND for q in queries)


async def test_a_failed_call_marks_its_queries_and_keeps_the_others():
    source = FakeSource("A", fail={"BAD": SourceError("HTTP 500 from server")})
    result = await gather_lookups([run_for(source)], [Query("GOOD"), Query("BAD")])
    assert result.lookups[Query("GOOD")]["A"].status is LookupStatus.FOUND
    bad = result.lookups[Query("BAD")]["A"]
    assert bad.status is LookupStatus.ERROR
    assert "HTTP 500" in bad.message
    assert result.sources[0].checked
    assert result.sources[0].describe() == "checked (1 of 2 queries failed)"


async def test_a_source_that_answered_no_query_is_not_called_checked():
    down = SourceError("no answer after 4 attempts")
    source = FakeSource("A", fail={"X": down, "Y": down})
    result = await gather_lookups([run_for(source)], [Query("X"), Query("Y")])
    status = result.sources[0]
    assert not status.checked
    assert status.describe().startswith("not checked: no query was answered")
    assert "no answer after 4 attempts" in status.message


async def test_an_unavailable_source_stops_being_called_and_says_why_once():
    source = FakeSource("A", fail={"Q0": SourceUnavailable("quota exhausted")})
    queries = [Query(f"Q{i}") for i in range(6)]
    result = await gather_lookups([run_for(source, concurrency=1)], queries)
    assert len(source.calls) == 1  # the other five were never sent
    assert not result.sources[0].checked
    assert result.sources[0].message == "quota exhausted"
    # a failure of this run: every line it leaves is marked, with the reason
    assert {result.lookups[q]["A"].status for q in queries} == {LookupStatus.ERROR}
    assert {result.lookups[q]["A"].message for q in queries} == {"quota exhausted"}


async def test_an_account_wide_refusal_is_said_once_and_marks_no_line():
    source = FakeSource("A", fail={"Q0": SourceUnavailable("no agreement", account_wide=True)})
    queries = [Query(f"Q{i}") for i in range(3)]
    result = await gather_lookups([run_for(source, concurrency=1)], queries)
    assert not result.sources[0].checked and result.sources[0].message == "no agreement"
    assert {result.lookups[q]["A"].status for q in queries} == {LookupStatus.NOT_CHECKED}


async def test_an_unexpected_exception_in_a_source_becomes_data_and_is_redacted():
    source = FakeSource("A", fail={"X": RuntimeError("boom with key s3cret")})
    result = await gather_lookups([run_for(source, secrets=("s3cret",))], [Query("X"), Query("Y")])
    message = result.lookups[Query("X")]["A"].message
    assert "boom" in message and "s3cret" not in message
    assert result.lookups[Query("Y")]["A"].status is LookupStatus.FOUND


async def test_every_source_answers_every_query_and_progress_counts_calls():
    per_mpn, whole = FakeSource("A"), FakeSource("B", one_batch=True)
    runs = [run_for(per_mpn), run_for(whole)]
    queries = [Query("P1"), Query("P2"), Query("P3")]
    ticks: list[int] = []
    assert planned_calls(runs, queries) == 4
    result = await gather_lookups(runs, queries, progress=ticks.append)
    assert sum(ticks) == 4
    assert len(whole.calls) == 1
    assert all(set(result.lookups[q]) == {"A", "B"} for q in queries)


@pytest.mark.parametrize(("name", "message", "logged"), [
    ("Arrow", "Arrow: HTTP 503 after 4 attempts", "Arrow: HTTP 503 after 4 attempts"),
    ("DigiKey Bonded", "DigiKey: timeout after 4 attempts", "DigiKey: timeout after 4 attempts"),
    ("A", "HTTP 500 from server", "A: HTTP 500 from server"),
])
async def test_a_failed_call_is_logged_naming_its_source_once(caplog, name, message, logged):
    source = FakeSource(name, fail={"BAD": SourceError(message)})
    with caplog.at_level(logging.INFO, logger="bomcheck.lookups.fanout"):
        await gather_lookups([run_for(source)], [Query("BAD")])
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [logged]


class CostlySource(FakeSource):
    """Says a batch may cost two calls when its line has a DigiKey number (asked again by it)."""

    def calls_at_most(self, batch: Sequence[Query]) -> int:
        return 2 if any(query.digikey_pn for query in batch) else 1


async def test_the_quota_check_counts_each_batch_at_its_worst_case():
    from datetime import datetime, timezone

    from bomcheck.distributors.quota import QuotaSeen

    source = CostlySource("A")
    run = run_for(source)
    run.transport.quota = QuotaSeen(3, 1000, datetime.now(timezone.utc))
    # by hand: 2 (A1, which may be asked again by its number) + 1 (B2) = 3 <= 3 left; C3's 2 more do not fit
    queries = [Query("A1", digikey_pn="1-ND"), Query("B2"), Query("C3", digikey_pn="3-ND")]
    result = await gather_lookups([run], queries)
    assert source.calls == [["A1"], ["B2"]]
    skipped = result.lookups[queries[2]]["A"]
    assert skipped.status is LookupStatus.ERROR and skipped.message == "A daily quota: 3 calls left, 5 needed"
