"""`bomcheck sandbox`: its options reach the server's configuration."""

from __future__ import annotations

from click.testing import CliRunner

from bomcheck.cli import main
from bomcheck.cli import sandbox as sandbox_cli


def test_sandbox_options_configure_the_server(monkeypatch):
    seen = {}
    monkeypatch.setattr(sandbox_cli, "serve_forever", lambda host, port, config, *environment: seen.update(
        host=host, port=port, config=config))
    result = CliRunner().invoke(main, [
        "sandbox", "--port", "9001", "--digikey-rate", "2", "--token-lifetime", "60",
        "--daily-quota", "5", "--no-bonded-agreement", "--digikey-error-shape", "problem"])
    assert result.exit_code == 0, result.output
    config = seen["config"]
    assert seen["port"] == 9001
    assert (config.digikey_rate, config.token_lifetime, config.daily_quota) == (2.0, 60, 5)
    assert config.digikey_bonded_agreement is False and config.digikey_error_shape == "problem"


def test_sandbox_defaults_are_a_well_behaved_account(monkeypatch):
    seen = {}
    monkeypatch.setattr(sandbox_cli, "serve_forever",
                        lambda host, port, config, *environment: seen.update(config=config))
    assert CliRunner().invoke(main, ["sandbox"]).exit_code == 0
    assert seen["config"].digikey_bonded_agreement is True and seen["config"].arrow_rate is None


def test_a_port_out_of_range_is_a_usage_error():
    result = CliRunner().invoke(main, ["sandbox", "--port", "99999"])
    assert result.exit_code == 2 and "99999" in result.output
