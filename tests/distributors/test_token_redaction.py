"""Every DigiKey token and secret is registered with the one redactor the moment bomcheck holds it."""

from __future__ import annotations

import json

from bomcheck.distributors.digikey_app_token import AppTokens
from bomcheck.distributors.http import HttpResponse
from bomcheck.distributors.token_store import FileTokenStore, Tokens
from bomcheck.redact import redact


def test_tokens_loaded_from_the_token_file_are_masked_in_any_text(tmp_path):
    path = tmp_path / "digikey-tokens-production.json"
    path.write_text(json.dumps({"access_token": "L0adedAccessTok3n", "refresh_token": "L0adedRefreshTok3n",
                                "expires_at": 1.0}))
    FileTokenStore(path).load()
    assert redact("row: L0adedAccessTok3n,L0adedRefreshTok3n") == "row: ***,***"


def test_tokens_received_from_a_login_or_refresh_are_masked():
    Tokens(access_token="Rec3ivedAccessTok", refresh_token="Rec3ivedRefreshTok", expires_at=0.0)
    assert redact("Rec3ivedAccessTok / Rec3ivedRefreshTok") == "*** / ***"


class TokenServer:
    """A transport whose token endpoint hands out one app token."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def request(self, method, url, **kwargs) -> HttpResponse:
        body = json.dumps({"access_token": self.token, "expires_in": 599}).encode()
        return HttpResponse(200, {}, body)

    def redact(self, text: str) -> str:
        return text


async def test_an_app_token_and_the_client_secret_are_masked():
    tokens = AppTokens("https://api.example", "client-id", "App-Cl1ent-S3cret")
    token = await tokens.access_token(TokenServer("App-T0ken-Rec3ived"))  # type: ignore[arg-type]
    assert token == "App-T0ken-Rec3ived"
    assert redact("App-T0ken-Rec3ived App-Cl1ent-S3cret") == "*** ***"


def test_credential_fields_of_json_are_masked_even_when_never_registered():
    text = ('{"access_token": "Unkn0wnAcc3ss", "refresh_token":"Unkn0wnRefr3sh", '
            "'client_secret': 'x9y8z7'}")
    masked = redact(text)
    assert "Unkn0wnAcc3ss" not in masked and "Unkn0wnRefr3sh" not in masked and "x9y8z7" not in masked
    assert masked.count("***") == 3 and '"access_token"' in masked


def test_ordinary_words_about_codes_survive():
    assert redact('HTTP status code: 429; {"code": "TooManyRequests"}') == (
        'HTTP status code: 429; {"code": "TooManyRequests"}')
