"""The shared HTTP seam: retries, Retry-After, give-up, and no secret in any message."""

from __future__ import annotations

import aiohttp
import pytest
from aioresponses import aioresponses

from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.errors import SourceError
from bomcheck.redact import redact_query_secrets

URL = "https://api.example.test/search"


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


def transport(session, sleeps: list[float], attempts: int = 3) -> Transport:
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return Transport(session=session, limiter=make_limiter(1000), secrets=("k3y-s3cret",),
                     retry=RetryPolicy(attempts=attempts), sleep=fake_sleep)


async def test_429_is_retried_after_the_time_the_server_asked_for(session):
    sleeps: list[float] = []
    http = transport(session, sleeps)
    with aioresponses() as mocked:
        mocked.get(URL, status=429, headers={"Retry-After": "2"})
        mocked.get(URL, status=200, body=b'{"ok": true}')
        answer = await http.request("GET", URL)
    assert answer.status == 200 and answer.json() == {"ok": True}
    assert sleeps == [pytest.approx(2.0, abs=0.05)]
    assert http.requests_sent == 2 and http.throttled == 1


async def test_a_429_halves_the_rate_once_per_pause_and_does_not_use_up_attempts(session):
    sleeps: list[float] = []
    http = transport(session, sleeps, attempts=1)
    with aioresponses() as mocked:
        for _ in range(3):
            mocked.get(URL, status=429, headers={"Retry-After": "0"})
        mocked.get(URL, status=200, body=b"{}")
        answer = await http.request("GET", URL)
    assert answer.status == 200  # three waits, yet only one attempt was allowed for failures
    assert http.limiter.rate == 1000 / 2  # halved once: the three 429s came within one pause


async def test_a_429_without_retry_after_is_a_spent_quota_and_is_returned_at_once(session):
    sleeps: list[float] = []
    http = transport(session, sleeps)
    with aioresponses() as mocked:
        mocked.get(URL, status=429)
        answer = await http.request("GET", URL)
    assert answer.status == 429 and sleeps == [] and http.requests_sent == 1


async def test_server_errors_are_retried_with_growing_backoff_then_given_up(session):
    sleeps: list[float] = []
    http = transport(session, sleeps, attempts=3)
    with aioresponses() as mocked:
        for _ in range(3):
            mocked.get(URL, status=503)
        answer = await http.request("GET", URL)
    assert answer.status == 503  # the last answer is returned for the source to interpret
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0  # full jitter under 0.5, 1


async def test_a_client_error_is_not_retried(session):
    sleeps: list[float] = []
    http = transport(session, sleeps)
    with aioresponses() as mocked:
        mocked.get(URL, status=404, body=b"{}")
        answer = await http.request("GET", URL)
    assert answer.status == 404 and sleeps == [] and http.requests_sent == 1


async def test_connection_failures_give_a_source_error_without_the_key(session):
    sleeps: list[float] = []
    http = transport(session, sleeps, attempts=2)
    with aioresponses() as mocked:
        mocked.get(URL, exception=aiohttp.ClientConnectionError(f"reset {URL}?apikey=k3y-s3cret"),
                   repeat=True)
        with pytest.raises(SourceError) as caught:
            await http.request("GET", URL, params={"apikey": "k3y-s3cret", "search_token": "x"})
    assert "k3y-s3cret" not in str(caught.value)
    assert caught.value.retryable
    assert http.requests_sent == 2


async def test_an_html_page_is_a_source_error_not_a_crash(session):
    http = transport(session, [])
    with aioresponses() as mocked:
        mocked.get(URL, status=200, body=b"<html><body>Service Unavailable</body></html>")
        answer = await http.request("GET", URL)
    with pytest.raises(SourceError, match="invalid JSON"):
        answer.json()


def test_credential_query_parameters_are_blanked():
    text = "GET https://x/y?login=me&apikey=abc123&search_token=LM358&client_secret=zz"
    assert redact_query_secrets(text) == (
        "GET https://x/y?login=me&apikey=***&search_token=LM358&client_secret=***"
    )


@pytest.mark.parametrize(("page", "said"), [
    # the <title> says it
    (b"<!DOCTYPE html><html><head><title>Scheduled  maintenance</title></head><body><h1>Back soon</h1>"
     b"</body></html>", "HTML page instead of JSON (HTTP 200: Scheduled maintenance)"),
    # no title: the text without its markup
    (b"<html><body><h1>Service</h1><p>temporarily unavailable</p></body></html>",
     "HTML page instead of JSON (HTTP 200: Service temporarily unavailable)"),
    # a page that says nothing
    (b"<html><body></body></html>", "HTML page instead of JSON (HTTP 200)"),
])
async def test_an_html_page_says_what_it_says_after_its_tries(session, page, said):
    http = transport(session, [])
    with aioresponses() as mocked:
        mocked.get(URL, status=200, body=page, content_type="text/html", repeat=True)
        with pytest.raises(SourceError) as info:
            await http.request("GET", URL, expect_json=True)
    assert str(info.value) == f"{said} after 2 attempts"


async def test_a_page_that_echoes_the_key_shows_whole_words_only_and_no_key(session):
    # 'k3y-s3cret' (the transport's secret) echoed by a proxy, and a long word cut by the limit:
    # a secret is either shown whole (then redacted) or not at all, never its first letters.
    echo = b"<html><head><title>Denied for key k3y-s3cret from " + b"x" * 20 + b" " + b"y" * 60 + b"</title>"
    http = transport(session, [])
    with aioresponses() as mocked:
        mocked.get(URL, status=200, body=echo, content_type="text/html", repeat=True)
        with pytest.raises(SourceError) as info:
            await http.request("GET", URL, expect_json=True)
    assert str(info.value) == (f"HTML page instead of JSON (HTTP 200: Denied for key *** from {'x' * 20}) "
                               "after 2 attempts")
