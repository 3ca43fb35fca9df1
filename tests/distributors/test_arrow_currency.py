"""Arrow currency: utm_currency only when not USD, CAN = CAD, the answer's label said once."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource, build_request
from bomcheck.distributors.http import Transport
from bomcheck.model import Query
from tests.conftest import quick_transport

DATA = Path(__file__).parent.parent / "data" / "arrow"
SAMPLE_06 = "v4_token_lm358_06_LM358LVIDR_arrow-only_cstrp-quote.json"
BASE = "https://arrow.test"
CREDS = ArrowCredentials(login="acme", api_key="k3y-0123456789")
SEARCH_URL = re.compile(r"^https://arrow\.test/itemservice/v[34]/en/search/token.*$")


def sample(currency: str | None = "USD") -> Any:
    body = json.loads((DATA / SAMPLE_06).read_text(encoding="utf-8"))
    for site in body["itemserviceresult"]["data"][0]["PartList"][0]["InvOrg"]["webSites"]:
        for source in site["sources"]:
            if currency is None:
                source.pop("currency", None)
            else:
                source["currency"] = currency
    return body


def sent_currencies(mocked: aioresponses) -> list[list[str] | None]:
    return [parse_qs(urlsplit(str(url)).query).get("utm_currency")
            for (_, url), calls in mocked.requests.items() for _ in calls]


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2)


@pytest.mark.parametrize(("asked", "sent"), [
    (None, None), ("USD", None), (" usd ", None), ("EUR", "EUR"), ("CAN", "CAD"), ("cad", "CAD"),
])
def test_utm_currency_only_for_another_currency_than_usd(asked: str | None, sent: str | None) -> None:
    _, params = build_request(BASE, CREDS, "LM358", currency=asked)
    assert params.get("utm_currency") == sent


async def test_a_usd_run_sends_no_utm_currency(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS, currency="USD")
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=sample("USD"))
        await source.fetch(transport, [Query("LM358LVIDR")])
        assert sent_currencies(mocked) == [None]


async def test_can_and_cad_are_one_currency(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS, currency="CAN")
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=sample("CAN"))
        mocked.get(SEARCH_URL, payload=sample(None))
        first = await source.fetch(transport, [Query("LM358LVIDR")])
        second = await source.fetch(transport, [Query("LM358LVIDR", "TI")])
        assert sent_currencies(mocked) == [["CAD"], ["CAD"]]
    assert {o.currency for lookup in (*first.values(), *second.values()) for o in lookup.offers} == {"CAD"}


async def test_non_usd_run_logs_one_raw_currency_once(transport: Transport,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    source = ArrowSource(BASE, CREDS, currency="EUR")
    with caplog.at_level(logging.INFO, logger="bomcheck"), aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=sample("EUR"), repeat=True)
        await source.fetch(transport, [Query("LM358LVIDR")])
        await source.fetch(transport, [Query("LM358LVIDR", "TI")])
    said = [r for r in caplog.records if "utm_currency" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.INFO
    assert "asked for EUR" in said[0].getMessage() and "'EUR'" in said[0].getMessage()


async def test_non_usd_run_warns_when_the_answer_keeps_another_label(
        transport: Transport, caplog: pytest.LogCaptureFixture) -> None:
    source = ArrowSource(BASE, CREDS, currency="EUR")
    with caplog.at_level(logging.INFO, logger="bomcheck"), aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=sample("USD"))
        lookups = await source.fetch(transport, [Query("LM358LVIDR")])
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "asked for EUR but a source's currency says 'USD'" in warning.getMessage()
    assert {o.currency for lookup in lookups.values() for o in lookup.offers} == {"USD"}  # never relabelled


async def test_usd_run_says_nothing_about_currency(transport: Transport,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    source = ArrowSource(BASE, CREDS, currency="USD")
    with caplog.at_level(logging.INFO, logger="bomcheck"), aioresponses() as mocked:
        mocked.get(SEARCH_URL, payload=sample("USD"))
        await source.fetch(transport, [Query("LM358LVIDR")])
    assert "currency" not in caplog.text
