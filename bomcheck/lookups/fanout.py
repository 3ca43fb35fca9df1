"""Ask every source about every distinct query, concurrently; a failed call becomes data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bomcheck.distributors.http import Transport
from bomcheck.distributors.source import Source
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import Failure, Lookup, LookupStatus, Query, SourceStatus

log = logging.getLogger(__name__)

HEADROOM = 1.25  # the time bound allows each call 1.25 / rate: the limiter's margin and some jitter
BOUND_CHECK_EVERY = 5.0  # seconds between looks at the bound (the rate may have been lowered meanwhile)

Progress = Callable[[int], None]  # called with the number of batches (calls) just finished


class ProgressReporter(Protocol):
    """Shows how far the distributor calls have got (a progress bar in the CLI): one bar per
    round, named by `phase` before it starts."""

    def phase(self, label: str) -> None: ...

    def start(self, total: int) -> None: ...

    def advance(self, count: int) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class SourceRun:
    """A source and the transport its requests go through."""

    source: Source
    transport: Transport
    column: str = ""  # the title of its stock column (SourceStatus.column)
    rank: int = 0  # its place in the registry (SourceStatus.rank)
    link_domains: tuple[str, ...] = ()  # SourceStatus.link_domains
    numbers: tuple[str, ...] = ()  # the sellers' number roles it resolves (SourceSpec.numbers)

    def labelled(self, status: SourceStatus) -> SourceStatus:
        """`status` with this source's column title, rank and link domains, for the outputs."""
        return replace(status, column=self.column, rank=self.rank, link_domains=self.link_domains)


@dataclass(frozen=True)
class FanoutResult:
    """Every source's lookup for every query, and how each source fared."""

    lookups: Mapping[Query, Mapping[str, Lookup]]
    sources: tuple[SourceStatus, ...]


async def gather_lookups(
    runs: Sequence[SourceRun],
    queries: Sequence[Query],
    progress: Progress | None = None,
) -> FanoutResult:
    """Fan the distinct queries out to all sources at once and collect one Lookup per pair."""
    distinct = list(dict.fromkeys(queries))
    results = await asyncio.gather(*(_run_source(run, distinct, progress) for run in runs))
    lookups: dict[Query, dict[str, Lookup]] = {query: {} for query in distinct}
    statuses = []
    for run, (answers, status) in zip(runs, results, strict=True):
        statuses.append(run.labelled(status))
        for query in distinct:
            lookups[query][run.source.name] = answers.get(query) or Lookup(
                run.source.name, LookupStatus.NOT_CHECKED, message=status.message or "not asked"
            )
    return FanoutResult(lookups, tuple(statuses))


async def _run_source(
    run: SourceRun, queries: Sequence[Query], progress: Progress | None
) -> tuple[dict[Query, Lookup], SourceStatus]:
    source = run.source
    batches = source.batches(queries)
    answers: dict[Query, Lookup] = {}
    stopped: list[str] = []  # set once the source said it cannot answer anything more
    stop_reason: list[str] = []  # ...the kind of that failure
    # ...and how the lines it leaves are marked: ERROR (a failure this run: quota, lost login)
    # or NOT_CHECKED (an account-wide refusal, said once like a source that is not configured)
    stop_kind: list[LookupStatus] = []

    # Batches wait here, not inside the transport, so that once the source is stopped the
    # batches still waiting are not sent at all; as many go ahead as cover the latency.
    slots = run.transport.in_flight
    costs = [calls_at_most(source, batch) for batch in batches]
    quota_note = _quota_message(source.name, run.transport.quota_remaining or 0, sum(costs))
    batches, over_quota = _within_quota(source.name, batches, costs, run.transport.quota_remaining)
    for batch in over_quota:  # a failure of this run (exit 1, counted), not an account-wide refusal
        answers.update(_failed(source.name, batch, LookupStatus.ERROR, quota_note, ""))

    async def run_batch(batch: list[Query]) -> None:
        async with slots:
            await answer_batch(batch)
        if progress:
            progress(1)

    async def answer_batch(batch: list[Query]) -> None:
        if stopped:
            answers.update(_failed(source.name, batch, stop_kind[0], stopped[0], stop_reason[0]))
        else:
            try:
                answers.update(await source.fetch(run.transport, batch))
            except SourceUnavailable as exc:
                message = run.transport.redact(str(exc))
                if not stopped:
                    stopped.append(message)
                    stop_reason.append(exc.kind)
                    stop_kind.append(LookupStatus.NOT_CHECKED if exc.account_wide else LookupStatus.ERROR)
                    log.warning("%s", message)
                answers.update(_failed(source.name, batch, stop_kind[0], message, exc.kind))
            except SourceError as exc:
                message = run.transport.redact(str(exc))
                log.info("%s", _named(source.name, message))
                answers.update(_failed(source.name, batch, LookupStatus.ERROR, message, exc.kind))
            except Exception as exc:  # a bug in one source must not lose the other lines
                message = run.transport.redact(f"unexpected {type(exc).__name__}: {exc}")
                log.error("%s failed unexpectedly: %s", source.name, message)
                log.debug("traceback", exc_info=True)
                answers.update(_failed(source.name, batch, LookupStatus.ERROR, message,
                                       f"unexpected {type(exc).__name__}"))

    if over_quota and progress:
        progress(len(over_quota))
    tasks = {asyncio.create_task(run_batch(batch)): batch for batch in batches}
    late = await _within_time_bound(run.transport, tasks)
    if late:
        bound = time_bound(run.transport, len(batches))
        message = (f"{source.name}: timeout (no answer within this run's time bound, {bound:.0f} s: "
                   f"{len(batches)} calls at {run.transport.limiter.rate:g}/s + "
                   f"{run.transport.retry.total_budget:g} s for the last one)")
        log.warning("%s; %d call%s not answered", message, len(late), "s" * (len(late) > 1))
        for batch in late:
            answers.update(_failed(source.name, [q for q in batch if q not in answers], LookupStatus.ERROR,
                                   message, "timeout"))
        if progress:
            progress(len(late))
    if stopped:
        return answers, SourceStatus(source.name, checked=False, message=stopped[0])
    if over_quota:
        return answers, SourceStatus(source.name, checked=bool(batches),
                                     message=quota_note + "; some lines not checked")
    return answers, _status_of(source.name, answers)


def time_bound(transport: Transport, calls: int) -> float:
    """The most seconds a source's share of a run may take: its calls at its rate (HEADROOM), plus the
    longest one request may take (RetryPolicy.total_budget), plus any pause the server asked for.

    The rate is the one in force now: a server that lowers it (burst headers, 429) lengthens the bound.
    """
    return calls * HEADROOM / transport.limiter.rate + transport.retry.total_budget + transport.paused


async def _within_time_bound(transport: Transport, tasks: Mapping[asyncio.Task[None], list[Query]]
                             ) -> list[list[Query]]:
    """Wait for the batches until the source's time bound is over; the batches still running then
    are cancelled and returned (their lines are marked), so one run never waits past the bound."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    pending = set(tasks)
    try:
        while pending:
            left = started + time_bound(transport, len(tasks)) - loop.time()
            if left <= 0:
                break
            _, pending = await asyncio.wait(pending, timeout=min(left, BOUND_CHECK_EVERY))
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:  # a batch's own failure is data (run_batch catches); anything else is a bug
        if task not in pending and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    return [tasks[task] for task in pending]


def _named(name: str, message: str) -> str:
    """The message with the source's name in front, unless it already starts with it ('Arrow: …')."""
    said = message.split(":", 1)[0]
    return message if ":" in message and said and name.startswith(said) else f"{name}: {message}"


def _status_of(name: str, answers: dict[Query, Lookup]) -> SourceStatus:
    """Checked, unless no query got an answer; how many failed when some did."""
    failed = [lookup for lookup in answers.values() if lookup.status is LookupStatus.ERROR]
    if answers and len(failed) == len(answers):
        return SourceStatus(name, checked=False, message=f"no query was answered ({failed[0].message})")
    if failed:
        return SourceStatus(name, checked=True, message=f"{len(failed)} of {len(answers)} queries failed")
    return SourceStatus(name, checked=True)


def planned_calls(runs: Sequence[SourceRun], queries: Sequence[Query]) -> int:
    """How many batches (calls, before retries and paging) a fan-out of these queries makes."""
    distinct = list(dict.fromkeys(queries))
    return sum(len(run.source.batches(distinct)) for run in runs)


def calls_at_most(source: Source, batch: Sequence[Query]) -> int:
    """The most calls one batch may cost: the source's own worst case (`calls_at_most`, e.g. a
    DigiKey catalog MPN that misses and is asked again by its DigiKey number; a cut-short Mouser
    answer asked again), else one."""
    worst = getattr(source, "calls_at_most", None)
    return max(1, worst(batch)) if callable(worst) else 1


def _within_quota(name: str, batches: list[list[Query]], costs: Sequence[int], remaining: int | None
                  ) -> tuple[list[list[Query]], list[list[Query]]]:
    """The batches the source's remaining daily quota allows, and those beyond it (not sent).

    Conservative: each batch is counted at its worst case (`costs`), so a run that passes this check
    cannot spend the quota half-way and lose lines to the refusal; near the end of a day's quota a
    few lines may be left unasked that their cheaper case would have allowed, and they say so.
    """
    if remaining is None or sum(costs) <= remaining:
        return batches, []
    log.warning("%s; the lines beyond it are not checked", _quota_message(name, remaining, sum(costs)))
    allowed: list[list[Query]] = []
    spent = 0
    for index, (batch, cost) in enumerate(zip(batches, costs, strict=True)):
        if spent + cost > remaining:
            return allowed, batches[index:]
        allowed.append(batch)
        spent += cost
    return allowed, []


def _quota_message(name: str, remaining: int, needed: int) -> str:
    return f"{name} daily quota: {remaining} call{'s' if remaining != 1 else ''} left, {needed} needed"


def _failed(
    source: str, batch: Sequence[Query], status: LookupStatus, message: str, kind: str
) -> dict[Query, Lookup]:
    """Every query of the batch unanswered; an account-wide refusal (NOT_CHECKED) is no failure of
    this run, it is said once like a source that is not configured."""
    failure = Failure.said(message, kind) if status is LookupStatus.ERROR else None
    return {query: Lookup(source, status, message=message, failure=failure) for query in batch}


def merged_statuses(first: Sequence[SourceStatus], second: Sequence[SourceStatus], what: str, *,
                    checked_if_later: bool = False) -> tuple[SourceStatus, ...]:
    """Round one's status per source, with what went wrong in a later round (asking about `what`)
    added to it; `checked_if_later`: a source the later round reached counts as checked."""
    later = {status.name: status for status in second}
    merged = []
    for status in first:
        other = later.get(status.name)
        if other is None or (other.checked and not other.message):
            merged.append(status)
            continue
        said = f"{what} {other.describe()}"
        merged.append(replace(status, message=f"{status.message}; {said}" if status.message else said,
                              checked=status.checked or (checked_if_later and other.checked)))
    return tuple(merged)
