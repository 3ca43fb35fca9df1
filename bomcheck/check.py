"""One BOM end to end: read it, ask the sources, plan every line, write the annotated workbook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bomcheck.bom import ReaderOptions, read_bom
from bomcheck.errors import OutputError
from bomcheck.files import check_writable
from bomcheck.lookups.alternates import alternate_queries, first_round, second_round
from bomcheck.lookups.cached_lookups import CachedLookups
from bomcheck.lookups.fanout import ProgressReporter, SourceRun, gather_lookups, planned_calls
from bomcheck.lookups.sellers import resolve_seller_numbers
from bomcheck.model import Bom, BomLine, Lookup, LookupStatus, Query, Report, Scenario, SourceStatus
from bomcheck.output.json_report import write_json
from bomcheck.output.workbook import check_output_path, default_output_path, write_report
from bomcheck.pricing import Attrition, plan_lines


@dataclass(frozen=True)
class CheckOptions:
    """What the user asked for one check."""

    boards: int | tuple[int, ...] = 1  # several: one plan per quantity, the first one shown on the BOM sheet
    reader: ReaderOptions = field(default_factory=ReaderOptions)
    output: Path | None = None
    json_output: Path | None = None
    currency: str = "USD"
    attrition: Attrition = field(default_factory=Attrition)

    @property
    def board_counts(self) -> tuple[int, ...]:
        return (self.boards,) if isinstance(self.boards, int) else tuple(self.boards) or (1,)


@dataclass(frozen=True)
class CheckOutcome:
    """The report and where it was written."""

    report: Report
    output: Path
    json_output: Path | None


def query_for(line: BomLine) -> Query | None:
    """What the sources are asked about a line; None for lines nobody needs to ask about.

    A line's sellers' numbers ride along: each source uses those of its own (lookups/sellers.py)."""
    digikey_pn = line.digikey_pn or line.distributor_pn("digikey_pn")
    mouser_pn = line.distributor_pn("mouser_pn")
    if line.dnp or not (line.mpn or digikey_pn or mouser_pn):
        return None
    return Query(mpn=line.mpn, manufacturer=line.manufacturer, digikey_pn=digikey_pn,
                 customer_pn=line.customer_pn, mouser_pn=mouser_pn)


async def check_bom(
    path: Path,
    options: CheckOptions,
    runs: Sequence[SourceRun],
    unavailable: Sequence[SourceStatus] = (),
    progress: ProgressReporter | None = None,
    lookups: CachedLookups | None = None,
) -> CheckOutcome:
    """Read, look up, plan and write one BOM; the input file is only ever read."""
    bom = read_bom(path, options.reader)
    output = options.output or default_output_path(path)
    check_output_path(output, path)
    if options.json_output:
        if str(options.json_output) == "-":
            raise OutputError("--json - (standard output) is not supported: give --json a file name")
        if options.json_output.resolve() == output.resolve():
            raise OutputError(f"--json and the workbook would both be {output}; give --json another "
                              "file name")
        check_writable(options.json_output, protect=path, option="--json")
    report = await build_report(bom, options, runs, unavailable, progress, lookups)
    write_report(report, output)
    if options.json_output:
        write_json(report, options.json_output)
    return CheckOutcome(report, output, options.json_output)


async def build_report(
    bom: Bom,
    options: CheckOptions,
    runs: Sequence[SourceRun],
    unavailable: Sequence[SourceStatus] = (),
    progress: ProgressReporter | None = None,
    lookups: CachedLookups | None = None,
) -> Report:
    """Ask every configured source about the BOM's distinct parts and plan each line.

    With `lookups` (the offers cache), only the answers the cache lacks are asked for.
    """
    line_queries = [(line, query_for(line)) for line in bom.lines]
    queries = [query for _, query in line_queries if query is not None]
    spare = alternate_queries(line_queries)  # asked in round one only where that adds no call
    if progress:
        progress.start((lookups.planned_calls if lookups else planned_calls)(runs, queries))
    try:
        fanned = await first_round(runs, queries, spare, lookups.gather if lookups else gather_lookups,
                                   progress.advance if progress else None)
    finally:
        if progress:
            progress.finish()
    gather = lookups.gather if lookups else gather_lookups
    named = await resolve_seller_numbers(runs, line_queries, fanned, gather, progress=progress)
    fanned = named.fanned
    not_asked = {status.name: Lookup(status.name, LookupStatus.NOT_CHECKED, message=status.message)
                 for status in unavailable}
    answered = [(line, {**fanned.lookups.get(query, {}), **not_asked} if query else {})
                for line, query in named.lines]
    extra = await second_round(runs, answered, fanned, spare, lookups.gather if lookups else gather_lookups,
                               boards=options.board_counts, currency=options.currency,
                               attrition=options.attrition, not_asked=not_asked, progress=progress)
    scenarios = tuple(
        Scenario(boards, plan_lines(answered, boards, options.currency, options.attrition, extra.answers))
        for boards in options.board_counts
    )
    return Report(
        bom=bom,
        boards=scenarios[0].boards,
        results=scenarios[0].results,
        sources=tuple(sorted((*extra.sources, *unavailable), key=lambda status: status.rank)),
        checked_at=datetime.now(timezone.utc),
        currency=options.currency,
        scenarios=scenarios,
        attrition=str(options.attrition),
    )
