"""Lines named only by a seller's number: its owner names the part, the other sources are asked about it.

Round one asks every source about every line; a line with no MPN but a seller's number (a
BomLine.distributor_pns role) is answered by the sources whose registry entry names that role
(`SourceRun.numbers`): they look the number up. When one of them names exactly one part (MPN and
maker), the line is planned as that part: the sources that do not own the number are asked about
the MPN in this round (each distinct part once, in as few calls as each source batches them; a
part some line lists as its own MPN reuses round one's answers without a call). A number its
owner does not find, finds several makers for, or could not be asked about leaves the line as it
was, and the line says why. Lines with an MPN are never touched: their sellers' numbers only help
their owners choose among packagings and makers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bomcheck.lookups.alternates import Gather, PartKey, part_key
from bomcheck.lookups.fanout import FanoutResult, ProgressReporter, SourceRun, merged_statuses, planned_calls
from bomcheck.model import BomLine, Lookup, LookupStatus, Query, maker_key, normalize_mpn

log = logging.getLogger(__name__)

LineQueries = Sequence[tuple[BomLine, Query | None]]


@dataclass(frozen=True)
class SellerRound:
    """The lines (those resolved carry their MPN) with their queries, every answer, and the statuses."""

    lines: list[tuple[BomLine, Query | None]]
    fanned: FanoutResult  # round one's answers and statuses, with this round's added
    asked: tuple[Query, ...] = ()  # the queries this round sent


def roles_of(line: BomLine) -> set[str]:
    """The sellers' number roles a line has (its DigiKey column included)."""
    roles = {role for role, number in line.distributor_pns if number.strip()}
    if line.digikey_pn and line.digikey_pn.strip():
        roles.add("digikey_pn")
    return roles


def named_part(lookup: Lookup) -> tuple[str, str] | None:
    """The one part (MPN, maker) a found answer names; None when it names none or several."""
    if lookup.status is not LookupStatus.FOUND or not lookup.offers:
        return None
    parts = {(normalize_mpn(offer.mpn), maker_key(offer.manufacturer)):
             (offer.mpn.strip(), offer.manufacturer) for offer in lookup.offers if offer.mpn.strip()}
    return next(iter(parts.values())) if len(parts) == 1 else None


async def resolve_seller_numbers(runs: Sequence[SourceRun], lines: LineQueries, fanned: FanoutResult,
                                 gather: Gather, *, progress: ProgressReporter | None = None) -> SellerRound:
    """Plan the lines named only by a seller's number as the part their owner names (module docstring)."""
    own_answers: dict[PartKey, Query] = {}
    for _, query in lines:
        if query is not None and query.mpn:
            own_answers.setdefault(part_key(query.mpn, query.manufacturer), query)
    resolved: list[tuple[BomLine, Query | None]] = []
    to_ask: dict[str, list[Query]] = {run.source.name: [] for run in runs}
    owned_by: dict[Query, tuple[Query, set[str], Query | None]] = {}  # new -> (old, owners, reused query)
    for line, query in lines:
        owners = [run for run in runs if set(run.numbers) & roles_of(line)]
        if query is None or line.mpn or not owners:
            resolved.append((line, query))
            continue
        answers = fanned.lookups.get(query, {})
        named = owner = None
        for run in owners:
            lookup = answers.get(run.source.name)
            named = named_part(lookup) if lookup is not None else None
            if named is not None:
                owner = run.source.name
                break
        if named is None:  # not found, several makers, or not answered: the owner's words say so
            resolved.append((line, query))
            continue
        mpn, maker = named
        manufacturer = line.manufacturer or maker
        new_query = replace(query, mpn=mpn, manufacturer=manufacturer)
        resolved.append((replace(line, mpn=mpn, manufacturer=manufacturer, mpn_from=owner), new_query))
        same = own_answers.get(part_key(mpn, manufacturer))
        owned = {run.source.name for run in owners}
        owned_by[new_query] = (query, owned, same)
        if same is None:
            for run in runs:
                if run.source.name not in owned:
                    to_ask[run.source.name].append(new_query)
    if not owned_by:
        return SellerRound(resolved, fanned)
    results = await _ask(runs, to_ask, gather, progress)
    return SellerRound(resolved, _merged(fanned, owned_by, results),
                       tuple(dict.fromkeys(q for queries in to_ask.values() for q in queries)))


async def _ask(runs: Sequence[SourceRun], to_ask: Mapping[str, list[Query]], gather: Gather,
               progress: ProgressReporter | None) -> list[FanoutResult]:
    """Each source about the parts it does not own the numbers of (in parallel)."""
    asking = [(run, list(dict.fromkeys(to_ask[run.source.name]))) for run in runs if to_ask[run.source.name]]
    if not asking:
        return []
    total = sum(planned_calls([run], queries) for run, queries in asking)
    log.info("asking about %d part(s) named by sellers' numbers", len({q for _, qs in asking for q in qs}))
    if progress:
        progress.start(total)
    try:
        return list(await asyncio.gather(*(gather([run], queries, progress.advance if progress else None)
                                           for run, queries in asking)))
    finally:
        if progress:
            progress.finish()


def _merged(fanned: FanoutResult, owned_by: Mapping[Query, tuple[Query, set[str], Query | None]],
            results: Sequence[FanoutResult]) -> FanoutResult:
    """Round one's answers, and each resolved line's: its owners' (by number, round one) and the
    other sources' (about the MPN: this round's, or round one's for a part a line lists as its own);
    the statuses with this round's trouble added."""
    lookups = {query: dict(answers) for query, answers in fanned.lookups.items()}
    later: dict[Query, dict[str, Lookup]] = {}
    for result in results:
        for query, answers in result.lookups.items():
            later.setdefault(query, {}).update(answers)
    for new, (old, owners, same) in owned_by.items():
        by_number = fanned.lookups.get(old, {})
        by_mpn = fanned.lookups.get(same, {}) if same is not None else later.get(new, {})
        names = list(dict.fromkeys([*by_number, *by_mpn]))  # the sources' order
        lookups[new] = {name: by_number[name] if name in owners or name not in by_mpn else by_mpn[name]
                        for name in names}
    return FanoutResult(lookups, merged_statuses(fanned.sources, [s for r in results for s in r.sources],
                                               "parts named by sellers' numbers", checked_if_later=True))
