"""The sandbox plays Arrow's real-world traps, and the client gets them right over loopback."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.errors import SourceUnavailable
from bomcheck.model import Availability, Compliance, Lifecycle, LookupStatus, Offer, Query
from bomcheck.sandbox import SANDBOX_ARROW_API_KEY, SANDBOX_ARROW_LOGIN, catalog
from bomcheck.sandbox.arrow_api import BLOCKED_LOGIN
from bomcheck.sandbox.server import running_sandbox

CREDENTIALS = ArrowCredentials(SANDBOX_ARROW_LOGIN, SANDBOX_ARROW_API_KEY)
SAMPLE = [f"PN-{n}" for n in range(400)] + list(catalog.DEMO_MPNS)


async def ask(queries: list[Query], version: str = "v4", **options: object
              ) -> tuple[dict[Query, list[Offer]], dict[Query, str], int]:
    async with running_sandbox() as url, aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), retry=RetryPolicy(attempts=2))
        source = ArrowSource(url, CREDENTIALS, api_version=version, **options)  # type: ignore[arg-type]
        lookups = await source.fetch(transport, queries)
        async with session.get(f"{url}/_sandbox/stats") as response:
            asked = (await response.json())["arrow"]
    offers = {query: list(lookup.offers) for query, lookup in lookups.items()}
    return offers, {query: lookup.status.name for query, lookup in lookups.items()}, asked


async def test_second_maker_beyond_the_first_page_is_found_for_the_line_naming_it() -> None:
    line = Query(catalog.CROWDED_MPN, "ON Semiconductor")
    offers, statuses, asked = await ask([line])
    assert statuses[line] == "FOUND" and asked == 2
    assert offers[line] and {offer.manufacturer for offer in offers[line]} == {"onsemi"}


async def test_the_crowded_search_cut_short_says_so() -> None:
    line = Query(catalog.CROWDED_MPN, "onsemi")
    async with running_sandbox() as url, aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), retry=RetryPolicy(attempts=2))
        lookups = await ArrowSource(url, CREDENTIALS, max_pages=1).fetch(transport, [line])
    lookup = lookups[line]
    assert lookup.status is LookupStatus.ERROR and not lookup.offers
    assert lookup.message.startswith("LM2903 by onsemi not in the first 25 of 42 Arrow results")


@pytest.mark.parametrize("version", ["v3", "v4"])
async def test_parsed_sandbox_answers_carry_the_part_facts_and_no_placeholders(version: str) -> None:
    queries = [Query(mpn) for mpn in SAMPLE if catalog.is_found(mpn)]
    offers, _, _ = await ask(queries, version)
    every = [offer for found in offers.values() for offer in found]
    expected: dict[str, list[tuple[catalog.CatalogSource, catalog.CatalogSourcePart]]] = {}
    for query in queries:
        part = catalog.lookup(query.mpn or "")
        assert part is not None
        for source in part.sources:
            for sp in source.parts:
                expected.setdefault(sp.sku, []).append((source, sp))
    assert {offer.lifecycle for offer in every} == {Lifecycle.ACTIVE, Lifecycle.NRND, Lifecycle.OBSOLETE,
                                                    Lifecycle.UNKNOWN}
    assert {offer.rohs for offer in every} == {Compliance.COMPLIANT, Compliance.NOT_COMPLIANT,
                                               Compliance.UNKNOWN}
    kinds = {offer.availability_kind for offer in every}
    assert kinds == {Availability.IN_STOCK, Availability.IN_STOCK_EU, Availability.CUT_STRIPS,
                     Availability.NO_STOCK, Availability.QUOTE}
    placeholders = 0
    for offer in every:
        ((source, sp),) = expected[offer.sku]
        assert offer.marketplace is (source.source_cd == "VERICAL")
        if sp.lead_weeks in (0, 99):
            placeholders += 1
            assert offer.lead_time_weeks is None
        else:
            assert offer.lead_time_weeks == sp.lead_weeks
        assert len(offer.pipeline) == len(sp.pipeline) and all(d.due for d in offer.pipeline)
    assert any(sp.lead_weeks == 99 and sp.tariff_flag for pairs in expected.values() for _, sp in pairs)
    assert placeholders


async def test_a_gateways_403_page_is_said_by_its_title() -> None:
    async with running_sandbox() as url, aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), retry=RetryPolicy(attempts=2))
        source = ArrowSource(url, ArrowCredentials(BLOCKED_LOGIN, SANDBOX_ARROW_API_KEY))
        with pytest.raises(SourceUnavailable) as info:
            await source.fetch(transport, [Query("LM358DR")])
    said = str(info.value)
    assert said.startswith("Arrow refused the request (HTTP 403: Access Denied); check the Arrow login")
    assert SANDBOX_ARROW_API_KEY not in said and "<" not in said


async def test_a_cad_run_asks_in_cad_and_reads_the_sources_currency(caplog: pytest.LogCaptureFixture) -> None:
    line = Query("LM358DR")
    with caplog.at_level(logging.INFO, logger="bomcheck"):
        usd, _, _ = await ask([line])
        cad, _, asked = await ask([line], currency="CAN")  # Arrow's own spelling of CAD
    assert asked == 1
    assert {offer.currency for offer in cad[line]} == {"CAD"}
    usd_prices = [offer.breaks[0].unit_price for offer in usd[line] if offer.breaks]
    cad_prices = [offer.breaks[0].unit_price for offer in cad[line] if offer.breaks]
    assert usd_prices and cad_prices == [catalog.convert(price, "CAD") for price in usd_prices]
    said = [r.getMessage() for r in caplog.records if "utm_currency" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("Arrow: asked for CAD (utm_currency=CAD)")
