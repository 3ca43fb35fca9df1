"""One BOM end to end: read it, ask the sources, plan every line, write the annotated workbook."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from bomcheck.bom import ReaderOptions, check_bom_file, read_bom, resolved_by_seller
from bomcheck.errors import BomError, OutputError
from bomcheck.files import FileState, check_writable, file_state, outputs_together, unchanged_since
from bomcheck.lookups.alternates import alternate_queries, first_round, second_round
from bomcheck.lookups.cached_lookups import CachedLookups
from bomcheck.lookups.fanout import ProgressReporter, SourceRun, gather_lookups, planned_calls
from bomcheck.lookups.sellers import resolve_seller_numbers
from bomcheck.model import Bom, BomLine, Lookup, LookupStatus, Query, Report, Scenario, SourceStatus
from bomcheck.output.json_report import write_json
from bomcheck.output.rfq_file import RfqRequest, check_rfq_path, rfq_path, write_rfq
from bomcheck.output.workbook import check_output_path, default_output_path, write_report
from bomcheck.pricing import DEFAULT_RULES, Attrition, Rules, plan_lines
from bomcheck.redact import holds_credentials


@dataclass(frozen=True)
class CheckOptions:
    """What the user asked for one check."""

    boards: int | tuple[int, ...] = 1  # several: one plan per quantity, the first one shown on the BOM sheet
    reader: ReaderOptions = field(default_factory=ReaderOptions)
    output: Path | None = None
    json_output: Path | None = None
    currency: str = "USD"
    attrition: Attrition = field(default_factory=Attrition)
    rules: Rules = DEFAULT_RULES  # RoHS, another maker, excess (README: Planning rules)
    rfq: RfqRequest | None = None  # set: also write the RFQ file beside the output

    @property
    def board_counts(self) -> tuple[int, ...]:
        return (self.boards,) if isinstance(self.boards, int) else tuple(self.boards) or (1,)


@dataclass(frozen=True)
class CheckOutcome:
    """The report and where it was written."""

    report: Report
    output: Path
    json_output: Path | None
    rfq_output: Path | None = None


def query_for(line: BomLine, owned_roles: Collection[str] = ()) -> Query | None:
    """What the sources are asked about a line; None for lines nobody needs to ask about.

    A line's sellers' numbers ride along: each source uses those of its own (lookups/sellers.py).
    `owned_roles`: the seller roles some source of the run looks up (SourceRun.numbers); a number
    in another role than DigiKey's or Mouser's is asked only when a source owns it."""
    digikey_pn = line.digikey_pn or line.distributor_pn("digikey_pn")
    mouser_pn = line.distributor_pn("mouser_pn")
    others = tuple((role, number) for role, number in line.distributor_pns
                   if role not in ("digikey_pn", "mouser_pn") and role in owned_roles and number.strip())
    if line.dnp or not (line.mpn or digikey_pn or mouser_pn or others):
        return None
    return Query(mpn=line.mpn, manufacturer=line.manufacturer, digikey_pn=digikey_pn,
                 customer_pn=line.customer_pn, mouser_pn=mouser_pn, other_numbers=others)


async def check_bom(
    path: Path,
    options: CheckOptions,
    runs: Sequence[SourceRun],
    unavailable: Sequence[SourceStatus] = (),
    progress: ProgressReporter | None = None,
    lookups: CachedLookups | None = None,
) -> CheckOutcome:
    """Read, look up, plan and write one BOM; the input file is only ever read.

    The outputs (workbook, --json) are written together or not at all, and only if the BOM
    still holds the bytes that were read: a BOM saved meanwhile would get another file's answers.
    """
    check_bom_file(path)  # a missing or empty file is said as the reader says it
    read_state = _state_of(path)
    bom = read_bom(path, options.reader)
    _refuse_credentials(bom)
    output = options.output or default_output_path(path)
    check_output_path(output, path)
    if options.json_output:
        if str(options.json_output) == "-":
            raise OutputError("--json - (standard output) is not supported: give --json a file name")
        if options.json_output.resolve() == output.resolve():
            raise OutputError(f"--json and the workbook would both be {output}; give --json another "
                              "file name")
        check_writable(options.json_output, protect=path, option="--json")
    rfq_target = rfq_path(output) if options.rfq else None
    if rfq_target is not None:
        check_rfq_path(rfq_target, output=output, protect=path, json_output=options.json_output)
    report = await build_report(bom, options, runs, unavailable, progress, lookups)
    with outputs_together(before_renaming=lambda: _still_as_read(path, read_state)):
        write_report(report, output)  # it opens the BOM again to annotate it: checked when renaming
        if options.json_output:
            write_json(report, options.json_output)
        if options.rfq is not None and rfq_target is not None:
            write_rfq(report, rfq_target, options.rfq)
    return CheckOutcome(report, output, options.json_output, rfq_target)


def _refuse_credentials(bom: Bom) -> None:
    """A config, .env or token file dropped or named by mistake is read like any table: its lines
    would be sent to the sources as part numbers and written to the outputs. Refused, unquoted."""
    texts = (text for line in bom.lines for text in (
        line.mpn, line.manufacturer, line.description, line.raw_mpn_text, line.customer_pn,
        *(number for _, number in line.distributor_pns), *line.refdes) if text)
    if holds_credentials(texts):
        raise BomError(f"{bom.path.name} holds credentials (an API key, secret or token, as a "
                       "settings or token file does), not a BOM: refused, nothing was sent or "
                       "written. Check the file you meant")


def _state_of(path: Path) -> FileState:
    try:
        return file_state(path)
    except OSError as exc:
        raise BomError(f"cannot read {path}: {exc.strerror or exc}") from None


def _still_as_read(path: Path, state: FileState) -> None:
    """Refuse to write when the BOM changed after it was read (saved in Excel, replaced, removed)."""
    if not unchanged_since(path, state):
        raise OutputError(f"{path.name} changed while bomcheck was checking it (saved, replaced or removed "
                          "after it was read), so its answers may belong to other rows; nothing was written: "
                          "run bomcheck again on the saved file")


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
    owned = {role for run in runs for role in run.numbers}
    line_queries = [(line, query_for(line, owned)) for line in bom.lines]
    queries = [query for _, query in line_queries if query is not None]
    spare = alternate_queries(line_queries)  # asked in round one only where that adds no call
    count_calls = lookups.planned_calls if lookups else planned_calls
    if progress:
        asked = [run.source.name for run in runs if count_calls([run], queries)]
        progress.phase(" + ".join(asked) or "parts")  # the calls to them, counted together
        progress.start(count_calls(runs, queries))
    try:
        fanned = await first_round(runs, queries, spare, lookups.gather if lookups else gather_lookups,
                                   progress.advance if progress else None)
    finally:
        if progress:
            progress.finish()
    gather = lookups.gather if lookups else gather_lookups
    if progress:
        progress.phase("parts named by sellers' numbers")  # shown only if that round asks anything
    named = await resolve_seller_numbers(runs, line_queries, fanned, gather, progress=progress)
    fanned = named.fanned
    not_asked = {status.name: Lookup(status.name, LookupStatus.NOT_CHECKED, message=status.message)
                 for status in unavailable}
    answered = [(resolved_by_seller(line), {**fanned.lookups.get(query, {}), **not_asked} if query else {})
                for line, query in named.lines]
    checked_at = datetime.now(timezone.utc)
    rules = options.rules if options.rules.today else replace(options.rules, today=checked_at.date())
    if progress:
        progress.phase("alternates")
    extra = await second_round(runs, answered, fanned, spare, lookups.gather if lookups else gather_lookups,
                               boards=options.board_counts, currency=options.currency,
                               attrition=options.attrition, not_asked=not_asked, progress=progress,
                               rules=rules)
    scenarios = tuple(
        Scenario(boards, plan_lines(answered, boards, options.currency, options.attrition, extra.answers,
                                    rules=rules))
        for boards in options.board_counts
    )
    return Report(
        bom=bom,
        boards=scenarios[0].boards,
        results=scenarios[0].results,
        sources=tuple(sorted((*extra.sources, *unavailable), key=lambda status: status.rank)),
        checked_at=checked_at,
        currency=options.currency,
        scenarios=scenarios,
        attrition=str(options.attrition),
    )

