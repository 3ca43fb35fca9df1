"""Lines named only by a seller's number: the owner names the part, the others are asked once per part."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp

from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.lookups.fanout import SourceRun, gather_lookups
from bomcheck.lookups.sellers import resolve_seller_numbers
from bomcheck.model import BomLine, Lookup, LookupStatus, Offer, Query
from tests.builders import make_offer


def offer(source: str, mpn: str, maker: str) -> Offer:
    return make_offer(mpn, source=source, seller=source, maker=maker, stock=50)


class Owner:
    """Knows parts by its own numbers ("ON-<mpn>"); one call per query, counted."""

    name = "Owner"

    def __init__(self, makers: Mapping[str, tuple[str, ...]]) -> None:
        self.makers = makers
        self.asked: list[str] = []

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        return [[query] for query in queries if query.mpn or query.mouser_pn]

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> Mapping[Query, Lookup]:
        (query,) = batch
        number = query.mpn or query.mouser_pn or ""
        self.asked.append(number)
        mpn = number.removeprefix("ON-")
        makers = self.makers.get(mpn, ())
        if not makers:
            return {query: Lookup(self.name, LookupStatus.NOT_FOUND, message=f"number {number} not found")}
        status = LookupStatus.FOUND if len(makers) == 1 else LookupStatus.AMBIGUOUS
        return {query: Lookup(self.name, status, offers=tuple(offer(self.name, mpn, m) for m in makers))}


class Other:
    """Knows parts by MPN only; one call per distinct MPN, counted."""

    name = "Other"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        groups: dict[str, list[Query]] = {}
        for query in queries:
            if query.mpn_key:
                groups.setdefault(query.mpn_key, []).append(query)
        return list(groups.values())

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> Mapping[Query, Lookup]:
        self.asked.append(batch[0].mpn_key)
        return {q: Lookup(self.name, LookupStatus.FOUND, offers=(offer(self.name, q.mpn or "", "Acme"),))
                for q in batch}


def line(row: int, number: str | None = None, mpn: str | None = None, maker: str | None = None) -> BomLine:
    pns = (("mouser_pn", number),) if number else ()
    return BomLine(row=row, mpn=mpn, manufacturer=maker, refdes=(f"U{row}",), distributor_pns=pns)


async def resolve(lines: list[BomLine], owner: Owner, other: Other):
    async with aiohttp.ClientSession() as session:
        runs = [SourceRun(owner, Transport(session, make_limiter(100)), numbers=("mouser_pn",)),
                SourceRun(other, Transport(session, make_limiter(100)))]
        pairs = [(bom_line, Query(mpn=bom_line.mpn, manufacturer=bom_line.manufacturer,
                                  mouser_pn=bom_line.distributor_pn("mouser_pn"))) for bom_line in lines]
        fanned = await gather_lookups(runs, [query for _, query in pairs])
        return await resolve_seller_numbers(runs, pairs, fanned, gather_lookups), fanned


async def test_the_owner_names_the_part_and_the_other_is_asked_once_per_part():
    owner, other = Owner({"P1": ("Acme",), "P2": ("Acme",)}), Other()
    lines = [line(2, "ON-P1"), line(3, "ON-P1"), line(4, "ON-P2")]
    named, _ = await resolve(lines, owner, other)
    assert sorted(owner.asked) == ["ON-P1", "ON-P2"]  # round one: each number once
    assert sorted(other.asked) == ["P1", "P2"]  # round two: each named part once
    (l2, q2), (_, q3), (l4, _) = named.lines
    assert (l2.mpn, l2.manufacturer, l2.mpn_from) == ("P1", "Acme", "Owner") and l4.mpn == "P2"
    assert q2 == q3 and q2 is not None and q2.mpn == "P1" and q2.mouser_pn == "ON-P1"
    answers = named.fanned.lookups[q2]
    assert answers["Owner"].offers[0].sku == "Owner-P1" and answers["Other"].offers[0].sku == "Other-P1"


async def test_a_part_another_line_lists_as_its_own_costs_no_call():
    owner, other = Owner({"P1": ("Acme",)}), Other()
    named, _ = await resolve([line(2, mpn="P1", maker="Acme"), line(3, "ON-P1")], owner, other)
    assert other.asked == ["P1"]  # round one only: line 2's own part, of the maker the owner names
    assert named.asked == ()
    _, query = named.lines[1]
    assert query is not None and named.fanned.lookups[query]["Other"].status is LookupStatus.FOUND


async def test_a_number_not_found_or_of_several_makers_is_not_resolved_and_nobody_else_is_asked():
    owner, other = Owner({"P9": ("Acme", "Bolt")}), Other()
    lines = [line(2, "ON-NOPE"), line(3, "ON-P9"), line(4)]
    named, fanned = await resolve(lines, owner, other)
    assert other.asked == []
    assert [bom_line for bom_line, _ in named.lines] == lines  # left as the BOM has them
    assert named.fanned is fanned


async def test_a_part_of_another_maker_than_a_line_lists_is_asked_on_its_own():
    owner, other = Owner({"P1": ("Acme",)}), Other()
    await resolve([line(2, mpn="P1", maker="Bolt"), line(3, "ON-P1")], owner, other)
    assert other.asked == ["P1", "P1"]  # Bolt's P1 in round one, Acme's in round two


class LcscOwner:
    """A fourth kind of seller: knows parts by numbers in a role the model names nowhere ("C-<mpn>")."""

    name = "Lcsc"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        return [[query] for query in queries if query.number("lcsc_pn")]

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> Mapping[Query, Lookup]:
        (query,) = batch
        number = query.number("lcsc_pn") or ""
        self.asked.append(number)
        return {query: Lookup(self.name, LookupStatus.FOUND,
                              offers=(offer(self.name, number.removeprefix("C-"), "Acme"),))}


async def test_a_source_owning_a_new_seller_role_resolves_its_lines_with_no_other_change(tmp_path):
    """Adding a source is its module and one registry entry: a line listing only its numbers is asked
    of it (check.query_for carries every role a run's source owns), and the others about the MPN."""
    from bomcheck.check import CheckOptions, build_report
    from bomcheck.model import Bom

    lcsc, other = LcscOwner(), Other()
    lines = (BomLine(row=2, mpn=None, refdes=("C1",), distributor_pns=(("lcsc_pn", "C-P7"),)),
             BomLine(row=3, mpn=None, refdes=("C2",), distributor_pns=(("farnell_pn", "1759265"),)))
    bom = Bom(path=tmp_path / "bom.csv", sheet=None, header_row=1, columns={}, column_index={}, lines=lines,
              grid=(), last_column=1)
    async with aiohttp.ClientSession() as session:
        runs = [SourceRun(lcsc, Transport(session, make_limiter(100)), numbers=("lcsc_pn",)),
                SourceRun(other, Transport(session, make_limiter(100)))]
        report = await build_report(bom, CheckOptions(), runs)
    first, second = report.results
    assert (first.line.mpn, first.line.mpn_from) == ("P7", "Lcsc") and first.status.value == "OK"
    assert lcsc.asked == ["C-P7"] and other.asked == ["P7"]  # each once: the number, then the part
    assert second.status.value == "NO MPN" and "Farnell 1759265" in second.reason  # nobody owns Farnell's
