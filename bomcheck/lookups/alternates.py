"""Alternates, asked only when needed: a second round for lines whose own MPN cannot be bought.

Round one asks every source about the lines' own MPNs. A source whose calls answer many
queries at once (DigiKey's bonded list) is asked about the alternates in that same round when
that adds no call. After planning every build quantity on the lines' own parts, the lines NOT
FOUND, SHORT or with no usable MPN at any of them that list alternates get a second round: each
distinct alternate (normalised MPN and manufacturer) once, never one already asked (an alternate
that is another line's own part, the same MPN of the same named maker, reuses that answer; of
another maker it is asked on its own).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from bomcheck.lookups.fanout import (
    FanoutResult,
    Progress,
    ProgressReporter,
    SourceRun,
    merged_statuses,
    planned_calls,
)
from bomcheck.model import Alternate, BomLine, Lookup, Query, SourceStatus, maker_key, normalize_mpn
from bomcheck.pricing import DEFAULT_RULES, WANTS_ALTERNATE, Attrition, Rules, plan_lines

log = logging.getLogger(__name__)

Gather = Callable[[Sequence[SourceRun], Sequence[Query], Progress | None], Awaitable[FanoutResult]]
Answered = Sequence[tuple[BomLine, Mapping[str, Lookup]]]
AlternateAnswers = dict[int, list[tuple[Alternate, Mapping[str, Lookup]]]]  # BOM row -> answers
PartKey = tuple[str, str]  # (normalised MPN, manufacturer as written, case-folded; "" for none)
MAX_ROUNDS = 2  # alternate rounds after round one: a second only for lines the first left wanting


@dataclass(frozen=True)
class AlternateRound:
    """The answers about the alternates of the lines that need them, and every source's status."""

    answers: AlternateAnswers
    sources: tuple[SourceStatus, ...]
    asked: tuple[Query, ...] = ()  # the queries the second round sent


def part_key(mpn: str | None, manufacturer: str | None) -> PartKey:
    """What tells two asked parts apart: the MPN normalised and the maker the BOM names.

    Two makers' parts of one MPN (LM358 of TI, LM358 of onsemi) are two parts: each is asked
    with its own maker, so the sources' maker match picks the offers the BOM allows.
    """
    return (normalize_mpn(mpn) if mpn else "", maker_key(manufacturer))


def alternate_queries(lines: Sequence[tuple[BomLine, Query | None]]) -> dict[PartKey, Query]:
    """One query per distinct alternate (MPN and maker) of the asked lines, none for a line's own part."""
    own = {part_key(query.mpn, query.manufacturer) for _, query in lines if query is not None and query.mpn}
    found: dict[PartKey, Query] = {}
    for line, _ in lines:
        if line.dnp:  # a line with no usable MPN of its own is asked about its alternates
            continue
        for alt in line.alternates:
            key = part_key(alt.mpn, alt.manufacturer)
            if key[0] and key not in own and key not in found:
                found[key] = Query(mpn=alt.mpn, manufacturer=alt.manufacturer)
    return found


async def first_round(runs: Sequence[SourceRun], queries: Sequence[Query], spare: Mapping[PartKey, Query],
                      gather: Gather, progress: Progress | None = None) -> FanoutResult:
    """Round one: every source about `queries`; a source that answers the alternates (`spare`)
    in no more calls is asked about them too, so it need not be called again in round two."""
    with_spare = [*queries, *spare.values()]
    free = [run for run in runs
            if spare and planned_calls([run], with_spare) == planned_calls([run], queries)]
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
    spare: Mapping[PartKey, Query],
    gather: Gather,
    *,
    boards: int | Sequence[int],
    currency: str | None = None,
    attrition: Attrition | None = None,
    not_asked: Mapping[str, Lookup] | None = None,
    progress: ProgressReporter | None = None,
    rules: Rules = DEFAULT_RULES,
) -> AlternateRound:
    """Ask about the alternates of the lines that cannot be bought as their own part at any of
    `boards`, and only about those. Planning puts every line's own part first, so the lines
    wanting alternates are those of a plan without any; a round whose answers leave another line
    wanting (it should not happen) is followed by at most one more (MAX_ROUNDS)."""
    not_asked = dict(not_asked or {})
    if not any(line.alternates for line, _ in answered):  # nothing to plan twice for
        return AlternateRound({}, fanned.sources)
    counts = (boards,) if isinstance(boards, int) else tuple(boards)
    own: dict[PartKey, Mapping[str, Lookup]] = {}
    for query, lookups in fanned.lookups.items():
        key = part_key(query.mpn, query.manufacturer)
        if key[0] and key not in spare:
            own.setdefault(key, lookups)
    answers: AlternateAnswers = {}
    later: dict[Query, dict[str, Lookup]] = {}
    statuses: tuple[SourceStatus, ...] = fanned.sources
    asked: list[Query] = []
    for _ in range(MAX_ROUNDS):
        wanting = _wanting(answered, counts, currency, attrition or Attrition(), answers, rules)
        if not wanting:
            break
        needed = {key: spare[key] for line in wanting for key in _keys(line) if key in spare}
        to_ask = {run.source.name: [query for query in needed.values()
                                    if run.source.name not in fanned.lookups.get(query, {})
                                    and run.source.name not in later.get(query, {})]
                  for run in runs}
        ask_runs = [run for run in runs if to_ask[run.source.name]]
        queries = list(dict.fromkeys(q for run in ask_runs for q in to_ask[run.source.name]))
        if ask_runs:
            log.info("asking about %d alternate %s for %d %s that cannot be bought as listed",
                     len(queries), "part" if len(queries) == 1 else "parts",
                     len(wanting), "line" if len(wanting) == 1 else "lines")
            if progress:
                progress.start(planned_calls(ask_runs, queries))
            try:
                result = await gather(ask_runs, queries, progress.advance if progress else None)
            finally:
                if progress:
                    progress.finish()
            for query, lookups in result.lookups.items():
                later.setdefault(query, {}).update(lookups)
            statuses = merged_statuses(statuses, result.sources, "alternates")
            asked.extend(queries)
        for line in wanting:
            for alt in _distinct(line):
                key = part_key(alt.mpn, alt.manufacturer)
                if key in spare:
                    query = spare[key]
                    lookups = {**fanned.lookups.get(query, {}), **later.get(query, {})}
                else:
                    lookups = dict(own.get(key, {}))
                answers.setdefault(line.row, []).append((alt, {**lookups, **not_asked}))
    return AlternateRound(answers, statuses, tuple(dict.fromkeys(asked)))


def _wanting(answered: Answered, counts: Sequence[int], currency: str | None, attrition: Attrition,
             answers: AlternateAnswers, rules: Rules = DEFAULT_RULES) -> list[BomLine]:
    """The lines not bought in full at some build quantity whose alternates were not asked yet."""
    rows: set[int] = set()
    for boards in counts:
        for result in plan_lines(answered, boards, currency, attrition, answers, rules=rules):
            if (result.status in WANTS_ALTERNATE and result.line.alternates
                    and result.line.row not in answers and _distinct(result.line)):
                rows.add(result.line.row)
    return [line for line, _ in answered if line.row in rows]


def _distinct(line: BomLine) -> list[Alternate]:
    """The line's alternates, each part (MPN and maker) once, never its own part again."""
    seen = {part_key(line.mpn, line.manufacturer)} if line.mpn else set()
    found = []
    for alt in line.alternates:
        key = part_key(alt.mpn, alt.manufacturer)
        if key[0] and key not in seen:
            seen.add(key)
            found.append(alt)
    return found


def _keys(line: BomLine) -> list[PartKey]:
    return [part_key(alt.mpn, alt.manufacturer) for alt in _distinct(line)]


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
