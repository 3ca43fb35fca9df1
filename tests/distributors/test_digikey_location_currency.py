"""Bonded prices carry the currency of the location their CustomerId names; a configured one only warns."""

from __future__ import annotations

import copy
import json
import logging
import os
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.digikey import DigiKeyBondedSource
from bomcheck.distributors.digikey_auth import OAuthTokenProvider, exchange_code, new_state, sandbox_consent
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.distributors.token_store import (
    MemoryTokenStore,
    Tokens,
    load_location_currencies,
    locations_path,
    save_location_currencies,
)
from bomcheck.model import Query
from bomcheck.sandbox import (
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
    catalog,
)
from bomcheck.sandbox.server import SandboxConfig, running_sandbox
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "digikey"
BASE = "https://digikey.test"
ACCOUNT = "123456"
PRODUCTS_URL = f"{BASE}/SupplyChain/v1/BondedQuantity/Locations/{ACCOUNT}/Products"
PRODUCTS: list[dict[str, Any]] = json.loads((DATA / "products_bare_list.json").read_text(encoding="utf-8"))


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2)


def bonded_source(currencies: dict[int, str] | None, currency: str = "USD") -> DigiKeyBondedSource:
    store = MemoryTokenStore(Tokens("AT-1", "RT-1", time.time() + 1800))
    return DigiKeyBondedSource(BASE, "client-id", ACCOUNT, OAuthTokenProvider(BASE, "client-id", "s", store),
                               currency=currency, location_currencies=currencies)


def two_locations() -> list[dict[str, Any]]:
    products = copy.deepcopy(PRODUCTS)
    products[1]["CustomerId"] = 777  # kept at another location of the account
    return products


async def test_each_item_is_priced_in_its_locations_currency(transport: Transport,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    source = bonded_source({123456: "USD", 777: "eur"})
    queries = [Query("LM358P"), Query("RC0603FR-07100KL")]
    with caplog.at_level(logging.WARNING, logger="bomcheck"), aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, payload=two_locations(), repeat=True)
        first = await source.fetch(transport, queries)
        await source.fetch(transport, queries)
    assert [o.currency for o in first[queries[0]].offers] == ["USD"]
    assert [o.currency for o in first[queries[1]].offers] == ["EUR"]  # never relabelled as USD
    warnings = [r.getMessage() for r in caplog.records if "billed in" in r.getMessage()]
    assert warnings == ["DigiKey location 777 is billed in EUR, not in the configured DigiKey currency USD: "
                        "its bonded prices are shown in EUR"]  # once, however many answers


async def test_without_a_stored_map_the_configured_currency_labels_them(transport: Transport,
                                                                        caplog: pytest.LogCaptureFixture
                                                                        ) -> None:
    source = bonded_source(None, currency="GBP")
    with caplog.at_level(logging.WARNING, logger="bomcheck"), aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, payload=two_locations())
        lookups = await source.fetch(transport, [Query("LM358P"), Query("RC0603FR-07100KL")])
    assert {o.currency for lookup in lookups.values() for o in lookup.offers} == {"GBP"}
    assert "billed in" not in caplog.text


def test_the_map_is_kept_private_beside_the_token_file(tmp_path: Path) -> None:
    path = locations_path(tmp_path, "production")
    assert path == tmp_path / "digikey-locations-production.json"
    save_location_currencies(path, {1000001: "USD", 1000002: "EUR"})
    assert load_location_currencies(path) == {1000001: "USD", 1000002: "EUR"}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_location_currencies(tmp_path / "missing.json") == {}
    path.write_text("{not json", encoding="utf-8")
    assert load_location_currencies(path) == {}


async def test_through_the_sandbox_the_second_location_is_in_euros() -> None:
    async with running_sandbox(SandboxConfig()) as url, aiohttp.ClientSession() as session:
        transport = Transport(session, make_limiter(1000), retry=RetryPolicy(attempts=2))
        state = new_state()
        code = await sandbox_consent(transport, url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_REDIRECT_URI, state)
        tokens = await exchange_code(transport, url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET,
                                     code, SANDBOX_REDIRECT_URI)
        store = MemoryTokenStore(tokens)
        provider = OAuthTokenProvider(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_CLIENT_SECRET, store)
        probe = DigiKeyBondedSource(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_ACCOUNT_ID, provider)
        located = {loc.customer_id: loc.currency for loc in await probe.fetch_locations(transport)
                   if loc.customer_id is not None}
        source = DigiKeyBondedSource(url, SANDBOX_DIGIKEY_CLIENT_ID, SANDBOX_DIGIKEY_ACCOUNT_ID, provider,
                                     location_currencies=located)
        queries = [Query(mpn) for mpn in catalog.BONDED_DEMO_MPNS]
        lookups = await source.fetch(transport, queries)
    for query in queries:
        (offer,) = lookups[query].offers
        assert offer.currency == ("EUR" if query.mpn in catalog.SECOND_LOCATION_MPNS else "USD")


async def test_the_in_process_sandbox_login_learns_the_locations_currencies_as_auth_does() -> None:
    from bomcheck.config import Settings
    from bomcheck.runtime import DIGIKEY_BONDED, sandbox_settings

    async with running_sandbox(SandboxConfig()) as url, aiohttp.ClientSession() as session:
        settings = sandbox_settings(Settings(), url)
        run = DIGIKEY_BONDED.open(settings, session).run
        queries = [Query("LM358DR"), Query("RC0603FR-071KL")]
        lookups = await run.source.fetch(run.transport, queries)
    assert [offer.currency for offer in lookups[queries[0]].offers] == ["USD"]
    assert [offer.currency for offer in lookups[queries[1]].offers] == ["EUR"]  # kept at the EUR location
    assert "RC0603FR-071KL" in catalog.SECOND_LOCATION_MPNS and "LM358DR" not in catalog.SECOND_LOCATION_MPNS
