"""`bomcheck auth digikey`: the paste-back login against the sandbox, then a check that uses it."""

from __future__ import annotations

import os
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


def test_local_listener_catches_the_redirect(digikey_env, monkeypatch):
    """A loopback http redirect URI: the browser lands on bomcheck's listener, nothing is pasted."""
    import socket
    import threading

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redirect = f"http://localhost:{port}/callback"
    monkeypatch.setattr(runtime, "new_state", lambda: "listener-state")
    authorize = (f"{digikey_env['BOMCHECK_DIGIKEY_URL']}/v1/oauth2/authorize?response_type=code"
                 f"&client_id={SANDBOX_DIGIKEY_CLIENT_ID}&redirect_uri={redirect}&state=listener-state")
    pages: list[str] = []

    def browser() -> None:
        landed = browser_consents(authorize).replace("localhost", "127.0.0.1")
        for _ in range(200):  # the listener may not be up yet: retry, bounded
            try:
                with urllib.request.urlopen(landed, timeout=5) as page:
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
