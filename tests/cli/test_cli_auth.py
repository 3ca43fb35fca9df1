"""`bomcheck auth digikey`: the paste-back login against the sandbox, then a check that uses it."""

from __future__ import annotations

import json
import os
import shutil
import stat
import urllib.request

import pytest
from click.testing import CliRunner

from bomcheck import runtime
from bomcheck.cli import main
from bomcheck.config import config_dir
from bomcheck.sandbox import (
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
    catalog,
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser_consents(authorize_url: str) -> str:
    """What a user's browser does: open the URL, get sent to the redirect URI with a code."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(authorize_url)
    except urllib.error.HTTPError as redirect:
        return redirect.headers["Location"]
    raise AssertionError("no redirect")


@pytest.fixture
def digikey_env(threaded_sandbox):
    return {"BOMCHECK_DIGIKEY_URL": threaded_sandbox.url,
            "BOMCHECK_DIGIKEY_CLIENT_ID": SANDBOX_DIGIKEY_CLIENT_ID,
            "BOMCHECK_DIGIKEY_CLIENT_SECRET": SANDBOX_DIGIKEY_CLIENT_SECRET,
            "BOMCHECK_DIGIKEY_ACCOUNT_ID": SANDBOX_DIGIKEY_ACCOUNT_ID}


def test_paste_back_login_stores_a_private_token_file_that_check_then_uses(
        digikey_env, monkeypatch, tmp_path):
    monkeypatch.setattr(runtime, "new_state", lambda: "fixed-state-for-test")
    url = (f"{digikey_env['BOMCHECK_DIGIKEY_URL']}/v1/oauth2/authorize?response_type=code"
           f"&client_id={SANDBOX_DIGIKEY_CLIENT_ID}&redirect_uri={SANDBOX_REDIRECT_URI}"
           "&state=fixed-state-for-test")
    redirected = browser_consents(url)
    result = CliRunner().invoke(main, ["auth", "digikey"], input=redirected + "\n", env=digikey_env)
    assert result.exit_code == 0, result.output
    assert "/v1/oauth2/authorize?" in result.output and "state=fixed-state-for-test" in result.output
    stores = list(config_dir().glob("digikey-tokens-*.json"))
    assert len(stores) == 1
    assert stat.S_IMODE(os.stat(stores[0]).st_mode) == 0o600
    assert SANDBOX_DIGIKEY_CLIENT_SECRET not in result.output

    bom = tmp_path / "bom.csv"
    bom.write_text("Qty,MPN\n2,LM358DR\n", encoding="utf-8")
    checked = CliRunner().invoke(main, ["check", str(bom)], env=digikey_env)
    assert checked.exit_code == 0, checked.output
    assert "DigiKey Bonded   checked" in checked.output


def test_a_redirect_with_another_state_is_refused(digikey_env):
    result = CliRunner().invoke(main, ["auth", "digikey"],
                                input="https://localhost/?code=abc&state=forged\n", env=digikey_env)
    assert result.exit_code == 3
    assert "state" in result.output.lower()
    assert not list(config_dir().glob("digikey-tokens-*.json"))


def test_check_without_a_login_marks_bonded_not_checked_with_the_command_to_run(digikey_env, tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_text("Qty,MPN\n2,LM358DR\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(bom)], env=digikey_env)
    assert "bomcheck auth digikey" in result.output
    assert result.exit_code == 1  # DigiKey is the only source here, so no line could be checked


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl to make a certificate")
def test_local_listener_catches_the_redirect(digikey_env, monkeypatch):
    """A loopback https redirect URI with a port: the browser lands on bomcheck's listener (over TLS,
    a certificate made for this login, accepted once as a user would), nothing is pasted."""
    import socket
    import ssl
    import threading

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redirect = f"https://localhost:{port}/callback"
    monkeypatch.setattr(runtime, "new_state", lambda: "listener-state")
    authorize = (f"{digikey_env['BOMCHECK_DIGIKEY_URL']}/v1/oauth2/authorize?response_type=code"
                 f"&client_id={SANDBOX_DIGIKEY_CLIENT_ID}&redirect_uri={redirect}&state=listener-state")
    pages: list[str] = []

    def browser() -> None:
        landed = browser_consents(authorize).replace("localhost", "127.0.0.1")
        for _ in range(200):  # the listener may not be up yet: retry, bounded
            try:
                with urllib.request.urlopen(landed, timeout=5,
                                            context=ssl._create_unverified_context()) as page:
                    pages.append(page.read().decode())
                    return
            except OSError:
                threading.Event().wait(0.05)

    thread = threading.Thread(target=browser)
    thread.start()
    result = CliRunner().invoke(main, ["auth", "digikey", "--listen-timeout", "30"], input="",
                                env=digikey_env | {"BOMCHECK_DIGIKEY_REDIRECT_URI": redirect})
    thread.join(30)
    assert result.exit_code == 0, result.output
    assert "Paste" not in result.output
    assert pages and "You can close this tab" in pages[0]
    assert "bonded inventory locations (account ids): " + SANDBOX_DIGIKEY_ACCOUNT_ID in result.output
    assert len(list(config_dir().glob("digikey-tokens-*.json"))) == 1


def test_no_listener_falls_back_to_paste_back(digikey_env, monkeypatch):
    redirect = "http://localhost:1/callback"
    result = CliRunner().invoke(main, ["auth", "digikey", "--no-listener"],
                                input="http://localhost:1/callback?code=x&state=other\n",
                                env=digikey_env | {"BOMCHECK_DIGIKEY_REDIRECT_URI": redirect})
    assert "Paste the address" in result.output and "Waiting" not in result.output
    assert result.exit_code == 3 and "state" in result.output


def test_auth_sandbox_flag_targets_digikeys_sandbox(monkeypatch):
    seen = {}

    async def fake_login(settings, ask, tell, **kwargs):
        seen["url"], seen["kwargs"] = settings.digikey_url, kwargs
        return config_dir() / "x.json"

    monkeypatch.setattr("bomcheck.cli.auth.login_digikey", fake_login)
    result = CliRunner().invoke(main, ["auth", "digikey", "--sandbox", "--no-listener"])
    assert result.exit_code == 0, result.output
    assert seen["url"] == "https://sandbox-api.digikey.com"
    assert seen["kwargs"]["listen"] is False


def consented_login(env: dict[str, str], monkeypatch, state: str = "fixed-state-for-test") -> str:
    """The address the sandbox's consent sends the browser to, for the paste-back."""
    monkeypatch.setattr(runtime, "new_state", lambda: state)
    return browser_consents(f"{env['BOMCHECK_DIGIKEY_URL']}/v1/oauth2/authorize?response_type=code"
                            f"&client_id={SANDBOX_DIGIKEY_CLIENT_ID}&redirect_uri={SANDBOX_REDIRECT_URI}"
                            f"&state={state}")


def test_the_paste_prompt_says_the_code_lives_a_minute_and_the_page_will_not_load(digikey_env):
    result = CliRunner().invoke(main, ["auth", "digikey"], input="https://localhost/?code=x&state=other\n",
                                env=digikey_env)
    assert "the code in it lives about one minute" in result.output
    assert "https://localhost, where nothing answers: the page will not load" in result.output
    assert "Waiting" not in result.output  # https://localhost has no port to listen on: paste-back


def test_auth_checks_the_configured_account_and_stores_each_locations_currency(digikey_env, monkeypatch,
                                                                               tmp_path):
    redirected = consented_login(digikey_env, monkeypatch)
    result = CliRunner().invoke(main, ["auth", "digikey"], input=redirected + "\n", env=digikey_env)
    assert result.exit_code == 0, result.output
    # GetOneLocation for BOMCHECK_DIGIKEY_ACCOUNT_ID: both of the demo account's locations, bonded
    assert (f"BOMCHECK_DIGIKEY_ACCOUNT_ID={SANDBOX_DIGIKEY_ACCOUNT_ID} checked: "
            f"{SANDBOX_DIGIKEY_ACCOUNT_ID} (bonded, USD), {catalog.SECOND_LOCATION_ID} (bonded, EUR)"
            in result.output)
    (kept,) = config_dir().glob("digikey-locations-*.json")
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert json.loads(kept.read_text(encoding="utf-8")) == {
        "currencies": {SANDBOX_DIGIKEY_ACCOUNT_ID: "USD", str(catalog.SECOND_LOCATION_ID): "EUR"}}

    # check then prices the second location's part in EUR, the first's in USD (never relabelled)
    bom = tmp_path / "bom.csv"
    bom.write_text("Qty,MPN\n2,LM358DR\n2,RC0603FR-071KL\n", encoding="utf-8")
    report = tmp_path / "report.json"
    checked = CliRunner().invoke(main, ["check", str(bom), "--json", str(report)], env=digikey_env)
    assert checked.exit_code == 0, checked.output
    text = report.read_text(encoding="utf-8")
    lines = {line["mpn"]: line for line in json.loads(text)["lines"]}
    assert '"EUR"' in json.dumps(lines["RC0603FR-071KL"]) and '"EUR"' not in json.dumps(lines["LM358DR"])


def test_a_configured_account_that_is_not_the_users_is_named_with_digikeys_words(digikey_env, monkeypatch):
    env = digikey_env | {"BOMCHECK_DIGIKEY_ACCOUNT_ID": "4242"}
    redirected = consented_login(env, monkeypatch)
    result = CliRunner().invoke(main, ["auth", "digikey"], input=redirected + "\n", env=env)
    assert result.exit_code == 0, result.output  # the login itself is good and kept
    assert "Warning: BOMCHECK_DIGIKEY_ACCOUNT_ID=4242 does not work with this login" in result.output
    assert "Account 4242 has no bonded inventory agreement with DigiKey" in result.output  # DigiKey's words
    assert "request id" in result.output
    assert f"locations (account ids): {SANDBOX_DIGIKEY_ACCOUNT_ID} (bonded, USD)" in result.output


def test_an_https_listener_warns_about_the_certificate_before_waiting(digikey_env, monkeypatch):
    async def nobody_came(uri, state, timeout):
        return None

    monkeypatch.setattr(runtime, "catch_redirect", nobody_came)
    env = digikey_env | {"BOMCHECK_DIGIKEY_REDIRECT_URI": "https://localhost:8139/callback"}
    result = CliRunner().invoke(main, ["auth", "digikey"], input="\n", env=env)
    said = result.output
    assert "connection is not private" in said and "made by bomcheck for this login only" in said
    assert said.index("not private") < said.index("Waiting up to") < said.index("No redirect arrived")
    assert "lives about one minute" in said


def test_digikeys_sandbox_takes_its_own_app(monkeypatch):
    seen: dict[str, str] = {}

    async def fake_exchange(transport, base_url, client_id, client_secret, code, redirect_uri, **kwargs):
        seen.update(client_id=client_id, client_secret=client_secret)
        raise runtime.AuthError("stop here")

    monkeypatch.setattr(runtime, "new_state", lambda: "s")
    monkeypatch.setattr(runtime, "exchange_code", fake_exchange)
    env = {"BOMCHECK_DIGIKEY_CLIENT_ID": "prod-id", "BOMCHECK_DIGIKEY_CLIENT_SECRET": "prod-s3cret",
           "BOMCHECK_DIGIKEY_SANDBOX_CLIENT_ID": "sbx-id",
           "BOMCHECK_DIGIKEY_SANDBOX_CLIENT_SECRET": "sbx-s3cret"}
    pasted = "https://localhost/?code=c&state=s\n"
    result = CliRunner().invoke(main, ["auth", "digikey", "--sandbox"], input=pasted, env=env)
    assert "https://sandbox-api.digikey.com/v1/oauth2/authorize?" in result.output
    assert "client_id=sbx-id" in result.output and "prod-id" not in result.output
    assert seen == {"client_id": "sbx-id", "client_secret": "sbx-s3cret"}
    assert "sbx-s3cret" not in result.output

    # production is untouched by the sandbox's pair
    seen.clear()
    result = CliRunner().invoke(main, ["auth", "digikey"], input=pasted, env=env)
    assert "client_id=prod-id" in result.output and seen["client_id"] == "prod-id"


def test_without_any_app_the_sandbox_login_names_the_sandbox_variables():
    result = CliRunner().invoke(main, ["auth", "digikey", "--sandbox"], env={
        "BOMCHECK_DIGIKEY_CLIENT_ID": "", "BOMCHECK_DIGIKEY_CLIENT_SECRET": ""})
    assert result.exit_code != 0
    assert "BOMCHECK_DIGIKEY_SANDBOX_CLIENT_ID and BOMCHECK_DIGIKEY_SANDBOX_CLIENT_SECRET" in result.output


def test_a_production_pair_alone_is_tried_on_digikeys_sandbox_with_a_note(monkeypatch):
    async def fake_exchange(*args, **kwargs):
        raise runtime.AuthError("stop here")

    monkeypatch.setattr(runtime, "exchange_code", fake_exchange)
    monkeypatch.setattr(runtime, "new_state", lambda: "s")
    result = CliRunner().invoke(main, ["auth", "digikey", "--sandbox"], input="https://localhost/?code=c&state=s\n",
                                env={"BOMCHECK_DIGIKEY_CLIENT_ID": "maybe-a-sandbox-app",
                                     "BOMCHECK_DIGIKEY_CLIENT_SECRET": "s3cret-value"})
    assert "BOMCHECK_DIGIKEY_SANDBOX_CLIENT_ID is not set: using BOMCHECK_DIGIKEY_CLIENT_ID" in result.output
    assert "client_id=maybe-a-sandbox-app" in result.output


def test_check_on_digikeys_sandbox_uses_the_sandbox_app_for_its_login_quota_and_cache():
    from bomcheck.config import Settings

    both = {"digikey_client_id": "prod-id", "digikey_client_secret": "prod-s3cret",
            "digikey_sandbox_client_id": "sbx-id", "digikey_sandbox_client_secret": "sbx-s3cret"}
    sandbox = Settings(digikey_url="https://sandbox-api.digikey.com", **both)
    production = Settings(**both)
    assert runtime.digikey_app(sandbox) == ("sbx-id", "sbx-s3cret")
    assert runtime.digikey_app(production) == ("prod-id", "prod-s3cret")
    assert runtime.quota_key_of(sandbox) == "digikey-sandbox/sbx-id"
    assert runtime.quota_key_of(production) == "production/prod-id"
    assert "|sbx-id|" in runtime.cache_identities(sandbox)["DigiKey Bonded"]
    sandbox_app = {"digikey_url": "https://sandbox-api.digikey.com", "digikey_sandbox_client_id": "sbx-id",
                   "digikey_sandbox_client_secret": "sbx-s3cret"}
    # the sandbox app switches on the catalog; bonded stock needs the account id too (issue 18)
    assert runtime.DIGIKEY.configured(Settings(**sandbox_app))
    assert not runtime.DIGIKEY_BONDED.configured(Settings(**sandbox_app))
    assert runtime.DIGIKEY_BONDED.configured(Settings(**sandbox_app, digikey_account_id="1234"))
