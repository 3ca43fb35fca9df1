"""Arrow refusals say what the answer says: an HTML page's title, Arrow's returnMsg, a text snippet."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.arrow import ArrowCredentials, ArrowSource, body_says
from bomcheck.distributors.http import HttpResponse, Transport
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import Query
from tests.conftest import quick_transport

BASE = "https://arrow.test"
API_KEY = "k3y-SECRET-0123456789"
CREDS = ArrowCredentials(login="acme", api_key=API_KEY)
SEARCH_URL = re.compile(r"^https://arrow\.test/itemservice/v[34]/en/search/token.*$")
AKAMAI_403 = ("<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
              "You don't have permission to access \"http://api.arrow.com/itemservice/v4/en/search/token?\" "
              "on this server.<P>\nReference&#32;&#35;18&#46;c3a2d17&#46;1701868374&#46;2b5e0c1\n</BODY>\n"
              "</HTML>\n")


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield quick_transport(session, attempts=2, secrets=(API_KEY,))


async def test_403_html_page_is_said_by_its_title(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, status=403, body=AKAMAI_403, content_type="text/html")
        with pytest.raises(SourceUnavailable) as info:
            await source.fetch(transport, [Query("LM358")])
    assert str(info.value).startswith("Arrow refused the request (HTTP 403: Access Denied); check the Arrow "
                                      "login and API key")


async def test_401_in_arrows_envelope_is_said_by_its_return_msg(transport: Transport) -> None:
    body = {"itemserviceresult": {"transactionArea": [{"response": {
        "returnCode": "401", "returnMsg": "Invalid login or apikey", "success": False}}]}}
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, status=401, payload=body)
        with pytest.raises(SourceUnavailable, match=r"\(HTTP 401: Invalid login or apikey\)"):
            await source.fetch(transport, [Query("LM358")])


async def test_other_4xx_html_page_says_its_title_not_its_markup(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    page = ("<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
            "</body></html>")
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, status=404, body=page, content_type="text/html")
        with pytest.raises(SourceError) as info:
            await source.fetch(transport, [Query("LM358")])
    assert str(info.value) == "Arrow: unexpected answer (HTTP 404): 404 Not Found"


async def test_a_key_echoed_in_a_refusal_page_is_blanked(transport: Transport) -> None:
    source = ArrowSource(BASE, CREDS)
    with aioresponses() as mocked:
        mocked.get(SEARCH_URL, status=403, body=f"forbidden: apikey={API_KEY} is not enabled for v4")
        with pytest.raises(SourceUnavailable) as info:
            await source.fetch(transport, [Query("LM358")])
    assert API_KEY not in str(info.value) and "is not enabled for v4" in str(info.value)


@pytest.mark.parametrize(("body", "said"), [
    (b"", ""),
    (b"Unauthorized", "Unauthorized"),
    (json.dumps({"message": "Limit Exceeded"}).encode(), "Limit Exceeded"),
    (b"<html><body><h1>Service   unavailable</h1></body></html>", "Service unavailable"),
    (b"<html><head><title>  Maintenance\n window </title></head></html>", "Maintenance window"),
])
def test_body_says(body: bytes, said: str) -> None:
    assert body_says(HttpResponse(403, {}, body)) == said
