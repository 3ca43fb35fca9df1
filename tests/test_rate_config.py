"""Rates and concurrency from the config file and the environment: used per source, validated."""

from __future__ import annotations

import pytest

from bomcheck.config import load_settings
from bomcheck.errors import ConfigError
from bomcheck.runtime import open_sources, sandbox_settings


def test_the_config_files_rate_keys_reach_each_sources_limiter(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("concurrency = 12\n[arrow]\nrate = 7.5\n[digikey]\nrate = 1.5\n", encoding="utf-8")
    settings = load_settings(env={}, path=path)
    assert (settings.arrow_rate, settings.digikey_rate, settings.concurrency) == (7.5, 1.5, 12)


async def test_each_transport_gets_its_sources_rate_and_the_concurrency_cap(tmp_path):
    settings = load_settings(env={"BOMCHECK_ARROW_RATE": "7.5", "BOMCHECK_DIGIKEY_RATE": "1.5",
                                  "BOMCHECK_DIGIKEY_CATALOG_RATE": "1.25", "BOMCHECK_CONCURRENCY": "12"},
                             path=tmp_path / "none.toml")
    async with open_sources(sandbox_settings(settings, "http://127.0.0.1:9")) as (runs, _):
        limits = {run.source.name: (run.transport.limiter.rate, run.transport.in_flight.cap) for run in runs}
    # the sandbox's catalog and Mouser have no per-minute limit unless asked: their entries let the
    # client go at 20/s there (a rate set for the real services is theirs, not the sandbox's)
    assert limits == {"Arrow": (7.5, 12), "DigiKey Bonded": (1.5, 12), "DigiKey": (20.0, 12),
                      "Mouser": (20.0, 12)}


async def test_mouser_defaults_to_its_thirty_calls_a_minute(tmp_path):
    settings = load_settings(env={"BOMCHECK_MOUSER_API_KEY": "k3y-for-mouser"}, path=tmp_path / "none.toml")
    async with open_sources(settings) as (runs, _):
        assert [(run.source.name, run.transport.limiter.rate) for run in runs] == [("Mouser", 0.5)]


async def test_the_catalog_takes_its_own_rate_setting(tmp_path):
    env = {"BOMCHECK_DIGIKEY_CLIENT_ID": "app-id", "BOMCHECK_DIGIKEY_CLIENT_SECRET": "app-s3cret",
           "BOMCHECK_DIGIKEY_CATALOG_RATE": "1.25"}
    async with open_sources(load_settings(env=env, path=tmp_path / "none.toml")) as (runs, _):
        assert [(run.source.name, run.transport.limiter.rate) for run in runs] == [("DigiKey", 1.25)]
    async with open_sources(load_settings(env={k: v for k, v in env.items() if "RATE" not in k},
                                          path=tmp_path / "none.toml")) as (runs, _):
        assert [(run.source.name, run.transport.limiter.rate) for run in runs] == [("DigiKey", 2.0)]


@pytest.mark.parametrize("value", ["0", "-2", "nan", "inf", "fast"])
def test_a_rate_that_is_not_a_positive_number_is_refused_naming_the_variable(tmp_path, value):
    with pytest.raises(ConfigError, match="BOMCHECK_DIGIKEY_RATE"):
        load_settings(env={"BOMCHECK_DIGIKEY_RATE": value}, path=tmp_path / "none.toml")


def test_a_zero_concurrency_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="BOMCHECK_CONCURRENCY"):
        load_settings(env={"BOMCHECK_CONCURRENCY": "0"}, path=tmp_path / "none.toml")
