"""The fan-out behind the offers cache: per source, answer what the cache holds and ask only the rest."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bomcheck.lookups.cache import CachedLookup, CacheKey, Clock, OffersCache, utc_now
from bomcheck.lookups.fanout import FanoutResult, Progress, SourceRun, gather_lookups, planned_calls
from bomcheck.model import (
    NOT_IN_CACHE,
    Failure,
    Lookup,
    LookupStatus,
    Query,
    SourceStatus,
    maker_key,
    normalize_mpn,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = timedelta(hours=12)
CACHEABLE = frozenset({LookupStatus.FOUND, LookupStatus.NOT_FOUND, LookupStatus.AMBIGUOUS})


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LONGEST_AGE_DAYS = 3650  # the disk keeps 30 days anyway; the bound only keeps the arithmetic finite


def parse_max_age(text: str) -> timedelta:
    """'90s', '30m', '12h', '2d' (or '1.5h'), at most LONGEST_AGE_DAYS; ValueError saying what to write."""
    if text.strip() in ("0", "0.0"):  # nothing cached is young enough: ask everything again
        return timedelta(0)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdSMHD])\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not an age; write a number with a unit: 90s, 30m, 12h or 2d")
    seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds > LONGEST_AGE_DAYS * 86400:
        raise ValueError(f"{text.strip()!r} is too long an age; the most accepted is {LONGEST_AGE_DAYS}d")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class CachePolicy:
    """What the user asked of the cache for a run (or a watch service)."""

    max_age: timedelta = DEFAULT_MAX_AGE
    refresh: bool = False  # ignore answers cached before this run (or service) started; still store new ones
    offline: bool = False  # cache only: nothing is sent, answers the cache lacks are NOT_CHECKED


def query_key(query: Query) -> str:
    """Every part of a query a source's answer can depend on, normalised as the sources compare them.

    The other sellers' numbers come last and only when the query has them, so the keys of queries
    without any (the answers cached before they were asked) stay as they were."""
    parts = [query.mpn_key, maker_key(query.manufacturer), normalize_mpn(query.digikey_pn or ""),
             normalize_mpn(query.customer_pn or "")]
    if query.mouser_pn and query.mouser_pn.strip():
        parts.append(normalize_mpn(query.mouser_pn))
    parts += [f"{role}:{normalize_mpn(number)}" for role, number in query.other_numbers]
    return json.dumps(parts, ensure_ascii=False)


class CachedLookups:
    """gather_lookups with the offers cache in front: one of these per run, or per watch service.

    `identities` maps a source name to what its answers depend on besides the query (API
    address, login or account, currency); a source without one is always asked and never stored.
    `keep_hints` say, per source kept in memory only, how it could be kept on disk (its opt-in),
    for --offline's message. `on_ask` is shown the queries of each gather before any is asked
    (the in-process sandbox learns the makers the BOM names). `age_caps`: per source, the oldest
    answer its terms allow using, whatever --max-age says.
    """

    def __init__(self, cache: OffersCache, identities: Mapping[str, str],
                 policy: CachePolicy | None = None, clock: Clock = utc_now,
                 keep_hints: Mapping[str, str] | None = None,
                 on_ask: Callable[[Sequence[Query]], None] | None = None,
                 age_caps: Mapping[str, timedelta] | None = None) -> None:
        self.cache = cache
        self.age_caps = dict(age_caps or {})
        self.on_ask = on_ask
        self.keep_hints = dict(keep_hints or {})
        self.identities = dict(identities)
        self.policy = policy or CachePolicy()
        self.clock = clock
        self.not_before: datetime | None = clock() if self.policy.refresh else None

    def planned_calls(self, runs: Sequence[SourceRun], queries: Sequence[Query]) -> int:
        """How many calls the cache misses need (0 offline)."""
        if self.policy.offline:
            return 0
        distinct = list(dict.fromkeys(queries))
        return sum(planned_calls([run], self._split(run, distinct)[1]) for run in runs)

    async def gather(self, runs: Sequence[SourceRun], queries: Sequence[Query],
                     progress: Progress | None = None) -> FanoutResult:
        """Like gather_lookups: a Lookup per distinct query and source, and each source's status."""
        distinct = list(dict.fromkeys(queries))
        if self.on_ask is not None:
            self.on_ask(distinct)
        splits = [self._split(run, distinct) for run in runs]
        if self.policy.offline:
            fetched = [self._offline(run, misses, len(hits))
                       for run, (hits, misses) in zip(runs, splits, strict=True)]
        else:
            fetched = list(await asyncio.gather(*(
                self._ask(run, misses, progress) for run, (_, misses) in zip(runs, splits, strict=True))))
        lookups: dict[Query, dict[str, Lookup]] = {query: {} for query in distinct}
        statuses = []
        for run, (hits, misses), (answers, status) in zip(runs, splits, fetched, strict=True):
            name = run.source.name
            for query in distinct:
                held = hits.get(query)
                answer = held.lookup if held else answers.lookups.get(query, {}).get(name)
                lookups[query][name] = answer or Lookup(name, LookupStatus.NOT_CHECKED, message="not asked")
            if hits:
                live = sum(1 for query in misses if lookups[query][name].status in CACHEABLE)
                status = replace(status, from_cache=len(hits), live=live,
                                 oldest=min(held.fetched_at for held in hits.values()))
            statuses.append(run.labelled(status))
        return FanoutResult(lookups, tuple(statuses))

    def _split(self, run: SourceRun,
               distinct: Sequence[Query]) -> tuple[dict[Query, CachedLookup], list[Query]]:
        """The queries the cache answers for this source (fresh enough), and the rest."""
        identity = self.identities.get(run.source.name)
        if identity is None:
            return {}, list(distinct)
        now = self.clock()
        max_age = self.max_age_for(run.source.name)
        hits: dict[Query, CachedLookup] = {}
        misses: list[Query] = []
        for query in distinct:
            held = self.cache.get(CacheKey.of(run.source.name, identity, query_key(query)))
            if held is not None and self._usable(held, now, max_age):
                hits[query] = held
            else:
                misses.append(query)
        return hits, misses

    def max_age_for(self, name: str) -> timedelta:
        """How old an answer of this source may be: --max-age, or less where its terms say so."""
        cap = self.age_caps.get(name)
        return self.policy.max_age if cap is None else min(self.policy.max_age, cap)

    @property
    def shortest_age(self) -> timedelta:
        """The age no answer of any source may pass (what a reused watch output may be)."""
        return min([self.policy.max_age, *self.age_caps.values()])

    def _usable(self, held: CachedLookup, now: datetime, max_age: timedelta) -> bool:
        if held.lookup.status not in CACHEABLE or now - held.fetched_at > max_age:
            return False
        return self.not_before is None or held.fetched_at >= self.not_before

    async def _ask(self, run: SourceRun, misses: list[Query],
                   progress: Progress | None) -> tuple[FanoutResult, SourceStatus]:
        name = run.source.name
        if not misses:
            return FanoutResult({}, ()), SourceStatus(name, checked=True)
        result = await gather_lookups([run], misses, progress)
        identity = self.identities.get(name)
        if identity is not None:
            self.cache.put_many(
                (CacheKey.of(name, identity, query_key(query)), answers[name])
                for query, answers in result.lookups.items()
                if name in answers and answers[name].status in CACHEABLE)
        return result, result.sources[0]

    def _offline(self, run: SourceRun, misses: list[Query], hits: int) -> tuple[FanoutResult, SourceStatus]:
        """No call at all: the queries this source would have asked are marked not in the cache."""
        name = run.source.name
        wanted = [query for batch in run.source.batches(misses) for query in batch] if misses else []
        lookups = {query: {name: Lookup(name, LookupStatus.NOT_CHECKED, message=NOT_IN_CACHE,
                                        failure=Failure(NOT_IN_CACHE))}
                   for query in wanted}
        if not wanted:
            return FanoutResult(lookups, ()), SourceStatus(name, checked=True)
        kept = name in self.cache.disk_sources
        hint = self.keep_hints.get(name, "")
        if kept:
            log.warning("%s: %d %s not in the cache (--offline); their lines are marked not checked",
                        name, len(wanted), "answer" if len(wanted) == 1 else "answers")
        else:
            log.warning("%s: %d %s not kept between runs%s; --offline marks their lines not checked",
                        name, len(wanted), "answer" if len(wanted) == 1 else "answers",
                        f" ({hint})" if hint else "")
        if not hits:
            why = (f"none of its {len(wanted)} answers is in the cache (--offline)" if kept else
                   f"its answers are not kept between runs{' ' + hint if hint else ''} "
                   f"(README: Cache), so --offline has none of its {len(wanted)} answers")
            return FanoutResult(lookups, ()), SourceStatus(name, checked=False, message=why)
        return FanoutResult(lookups, ()), SourceStatus(name, checked=True,
                                                       message=f"{len(wanted)} {NOT_IN_CACHE}")
