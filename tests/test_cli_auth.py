"""`bomcheck auth digikey`: the paste-back login against the sandbox, then a check that uses it."""

from __future__ import annotations

import os
import stat
import urllib.request

import pytest
from click.testing import CliRunner

from bomcheck import session
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
    monkeypatch.setattr(session, "new_state", lambda: "fixed-state-for-test")
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
