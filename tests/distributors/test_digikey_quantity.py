"""Which field DigiKey's bonded stock is read from, and what the first real answer is said to carry."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.digikey import DigiKeyBondedSource
from bomcheck.distributors.digikey_auth import OAuthTokenProvider
from bomcheck.distributors.digikey_parse import bonded_item_from_json
from bomcheck.distributors.http import Transport
from bomcheck.distributors.token_store import MemoryTokenStore, Tokens
from bomcheck.model import Query
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "digikey"
BASE = "https://digikey.test"
ACCOUNT = "123456"
PRODUCTS_URL = f"{BASE}/SupplyChain/v1/BondedQuantity/Locations/{ACCOUNT}/Products"
SEED_ONLY: list[dict[str, Any]] = json.loads((DATA / "products_bare_list.json").read_text(encoding="utf-8"))


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2)


def bonded_source() -> DigiKeyBondedSource:
    store = MemoryTokenStore(Tokens("AT-1", "RT-1", time.time() + 1800))
    return DigiKeyBondedSource(BASE, "client-id", ACCOUNT, OAuthTokenProvider(BASE, "client-id", "s", store))


def with_field(name: str, value: int) -> list[dict[str, Any]]:
    products = copy.deepcopy(SEED_ONLY)
    for product in products:
        product[name] = value
    return products


@pytest.mark.parametrize(("body", "field", "quantity"), [
    (SEED_ONLY[0], "ReserveQuantity", 1500),
    ({**SEED_ONLY[0], "QuantityAvailable": 900, "Quantity": 5}, "QuantityAvailable", 900),
    ({**SEED_ONLY[0], "quantity": 320}, "Quantity", 320),
])
def test_the_one_mapping_says_which_field_it_read(body: dict[str, Any], field: str, quantity: int) -> None:
    item = bonded_item_from_json(body)
    assert (item.quantity_field, item.quantity) == (field, quantity)


async def test_a_seed_shaped_answer_is_said_once_with_its_keys_and_one_warning(
        transport: Transport, caplog: pytest.LogCaptureFixture) -> None:
    source = bonded_source()
    with caplog.at_level(logging.INFO, logger="bomcheck"), aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, payload=SEED_ONLY, repeat=True)
        await source.fetch(transport, [Query("LM358P")])
        await source.fetch(transport, [Query("LM358P")])
    infos = [r.getMessage() for r in caplog.records if "carry the fields" in r.getMessage()]
    assert infos == ["DigiKey's bonded products carry the fields " + ", ".join(SEED_ONLY[0])]
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith("DigiKey's bonded products carry no QuantityAvailable or Quantity: bonded "
                              "stock is read from ReserveQuantity")


async def test_an_answer_with_an_on_hand_count_is_read_without_a_warning(
        transport: Transport, caplog: pytest.LogCaptureFixture) -> None:
    source = bonded_source()
    with caplog.at_level(logging.INFO, logger="bomcheck"), aioresponses() as mocked:
        mocked.get(PRODUCTS_URL, payload=with_field("QuantityAvailable", 77))
        lookups = await source.fetch(transport, [Query("LM358P")])
    assert [o.stock for o in lookups[Query("LM358P")].offers] == [77]
    assert "QuantityAvailable" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_through_the_sandbox_the_seeds_fields_read_reserve_quantity_and_say_so_once(
        caplog: pytest.LogCaptureFixture) -> None:
    from bomcheck.config import Settings
    from bomcheck.runtime import DIGIKEY_BONDED, sandbox_settings
    from bomcheck.sandbox import SANDBOX_DIGIKEY_ACCOUNT_ID, catalog
    from bomcheck.sandbox.server import SandboxConfig, running_sandbox

    queries = [Query(mpn) for mpn in catalog.BONDED_DEMO_MPNS]
    with caplog.at_level(logging.INFO, logger="bomcheck"):
        async with running_sandbox(SandboxConfig()) as url, aiohttp.ClientSession() as session:
            run = DIGIKEY_BONDED.open(sandbox_settings(Settings(), url), session).run
            lookups = await run.source.fetch(run.transport, queries)
    reserved = {record.manufacturer_part_number: record.reserve_quantity
                for record in catalog.bonded_inventory(SANDBOX_DIGIKEY_ACCOUNT_ID)}
    for query in queries:
        assert [offer.stock for offer in lookups[query].offers] == [reserved[query.mpn]]
    said = [r.getMessage() for r in caplog.records if "carry the fields" in r.getMessage()]
    assert len(said) == 1 and "ReserveQuantity" in said[0] and "QuantityAvailable" not in said[0]
    warned = [r.getMessage() for r in caplog.records
              if "carry no QuantityAvailable or Quantity" in r.getMessage()]
    assert len(warned) == 1
