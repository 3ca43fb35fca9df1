"""Alternates, asked only when needed: a second round for lines whose own MPN cannot be bought.

Round one asks every source about the lines' own MPNs. A source whose calls answer many
queries at once (DigiKey's bonded list) is asked about the alternates in that same round when
that adds no call. After planning the largest build quantity, the lines still NOT FOUND or
SHORT that list alternates get a second round: each distinct alternate (normalised MPN) once,
never one already asked (an alternate that is another line's own MPN reuses that answer).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bomcheck.fanout import FanoutResult, Progress, SourceRun, planned_calls
from bomcheck.model import Alternate, BomLine, Lookup, Query, SourceStatus, normalize_mpn
from bomcheck.pricing import WANTS_ALTERNATE, Attrition, plan_lines

log = logging.getLogger(__name__)

Gather = Callable[[Sequence[SourceRun], Sequence[Query], Progress | None], Awaitable[FanoutResult]]
Answered = Sequence[tuple[BomLine, Mapping[str, Lookup]]]
AlternateAnswers = dict[int, list[tuple[Alternate, Mapping[str, Lookup]]]]  # BOM row -> answers


class ProgressLike(Protocol):
    """What the second round needs of a progress reporter (check.ProgressReporter fits)."""

    def start(self, total: int) -> None: ...

    def advance(self, count: int) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class AlternateRound:
    """The answers about the alternates of the lines that need them, and every source's status."""

    answers: AlternateAnswers
    sources: tuple[SourceStatus, ...]
    asked: tuple[Query, ...] = ()  # the queries the second round sent


def alternate_queries(lines: Sequence[tuple[BomLine, Query | None]]) -> dict[str, Query]:
    """One query per distinct alternate MPN (normalised) of the asked lines, none for a line's own MPN."""
    own = {query.mpn_key for _, query in lines if query is not None and query.mpn_key}
    found: dict[str, Query] = {}
    for line, query in lines:
        if query is None:
            continue
        for alt in line.alternates:
            key = normalize_mpn(alt.mpn)
            if key and key not in own and key not in found:
                found[key] = Query(mpn=alt.mpn, manufacturer=alt.manufacturer)
    return found


async def first_round(runs: Sequence[SourceRun], queries: Sequence[Query], spare: Mapping[str, Query],
                      gather: Gather, progress: Progress | None = None) -> FanoutResult:
    """Round one: every source about `queries`; a source that answers the alternates (`spare`)
    in no more calls is asked about them too, so it need not be called again in round two."""
    with_spare = [*queries, *spare.values()]
    free = [run for run in runs if spare and _calls(run, with_spare) == _calls(run, queries)]
    rest = [run for run in runs if run not in free]
    if not free:
        return await gather(runs, queries, progress)
    if not rest:
        return await gather(runs, with_spare, progress)
    first, second = await asyncio.gather(gather(free, with_spare, progress), gather(rest, queries, progress))
    return _merge(runs, [first, second])


async def second_round(
    runs: Sequence[SourceRun],
    answered: Answered,
    fanned: FanoutResult,
    spare: Mapping[str, Query],
    gather: Gather,
    *,
    boards: int,
    currency: str | None = None,
    attrition: Attrition | None = None,
    not_asked: Mapping[str, Lookup] | None = None,
    progress: ProgressLike | None = None,
) -> AlternateRound:
    """Ask about the alternates of the lines that cannot be bought as their own MPN at `boards`
    (the largest build quantity: one round covers every scenario), and only about those."""
    not_asked = dict(not_asked or {})
    wanting = [result.line for result in plan_lines(answered, boards, currency, attrition or Attrition())
               if result.status in WANTS_ALTERNATE and result.line.alternates]
    if not wanting:
        return AlternateRound({}, fanned.sources)
    own: dict[str, Mapping[str, Lookup]] = {}
    for query, lookups in fanned.lookups.items():
        if query.mpn_key and query.mpn_key not in spare:
            own.setdefault(query.mpn_key, lookups)
    needed = {key: spare[key] for line in wanting for key in _keys(line) if key in spare}
    to_ask = {run.source.name: [query for query in needed.values()
                                if run.source.name not in fanned.lookups.get(query, {})]
              for run in runs}
    ask_runs = [run for run in runs if to_ask[run.source.name]]
    queries = list(dict.fromkeys(q for run in ask_runs for q in to_ask[run.source.name]))
    later = FanoutResult({}, ())
    if ask_runs:
        log.info("asking about %d alternate part(s) for %d line(s) that cannot be bought as listed",
                 len(queries), len(wanting))
        if progress:
            progress.start(planned_calls(ask_runs, queries))
        try:
            later = await gather(ask_runs, queries, progress.advance if progress else None)
        finally:
            if progress:
                progress.finish()
    answers: AlternateAnswers = {}
    for line in wanting:
        for alt in _distinct(line):
            key = normalize_mpn(alt.mpn)
            if key in spare:
                query = spare[key]
                lookups = {**fanned.lookups.get(query, {}), **later.lookups.get(query, {})}
            else:
                lookups = dict(own.get(key, {}))
            answers.setdefault(line.row, []).append((alt, {**lookups, **not_asked}))
    return AlternateRound(answers, _statuses(fanned.sources, later.sources), tuple(queries))


def _calls(run: SourceRun, queries: Sequence[Query]) -> int:
    return len(run.source.batches(list(dict.fromkeys(queries))))


def _distinct(line: BomLine) -> list[Alternate]:
    """The line's alternates, each MPN once, never its own MPN again."""
    seen = {normalize_mpn(line.mpn)} if line.mpn else set()
    found = []
    for alt in line.alternates:
        key = normalize_mpn(alt.mpn)
        if key and key not in seen:
            seen.add(key)
            found.append(alt)
    return found


def _keys(line: BomLine) -> list[str]:
    return [normalize_mpn(alt.mpn) for alt in _distinct(line)]


def _merge(runs: Sequence[SourceRun], results: Sequence[FanoutResult]) -> FanoutResult:
    lookups: dict[Query, dict[str, Lookup]] = {}
    by_name: dict[str, SourceStatus] = {}
    for result in results:
        for query, answers in result.lookups.items():
            lookups.setdefault(query, {}).update(answers)
        by_name.update((status.name, status) for status in result.sources)
    names = [run.source.name for run in runs]
    ordered = tuple(by_name[name] for name in names if name in by_name)
    in_order = {query: {name: answers[name] for name in names if name in answers}
                for query, answers in lookups.items()}  # each line's reasons in the sources' order
    return FanoutResult(in_order, ordered)


def _statuses(first: Sequence[SourceStatus], second: Sequence[SourceStatus]) -> tuple[SourceStatus, ...]:
    """Round one's status per source, with what went wrong in round two added to it."""
    later = {status.name: status for status in second}
    merged = []
    for status in first:
        other = later.get(status.name)
        if other is None or (other.checked and not other.message):
            merged.append(status)
            continue
        said = f"alternates {other.describe()}"
        message = f"{status.message}; {said}" if status.message else said
        merged.append(replace(status, message=message))
    return tuple(merged)
