"""Settings precedence: flags > environment > config file > defaults."""

from __future__ import annotations

import os

import pytest

from bomcheck.config import load_settings
from bomcheck.distributors.arrow import ARROW_PRODUCTION_URL
from bomcheck.errors import ConfigError
from bomcheck.runtime import ARROW, DIGIKEY_BONDED


def write_config(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def test_defaults_point_at_production(tmp_path):
    settings = load_settings(env={}, path=tmp_path / "missing.toml")
    assert settings.arrow_url == ARROW_PRODUCTION_URL
    assert not ARROW.configured(settings) and not DIGIKEY_BONDED.configured(settings)


def test_flags_beat_env_beat_file(tmp_path):
    path = write_config(tmp_path, '[arrow]\nlogin = "file-login"\napi_key = "file-key"\nrate = 3\n'
                                  '[digikey]\naccount_id = "42"\n')
    env = {"BOMCHECK_ARROW_LOGIN": "env-login", "BOMCHECK_ARROW_RATE": "7.5"}
    settings = load_settings({"arrow_rate": 9.0}, env=env, path=path)
    assert settings.arrow_login == "env-login"  # env over file
    assert settings.arrow_api_key == "file-key"  # file over default
    assert settings.arrow_rate == 9.0  # flag over env
    assert settings.digikey_account_id == "42"
    assert ARROW.configured(settings) and not DIGIKEY_BONDED.configured(settings)


def test_secrets_stay_out_of_repr(tmp_path):
    env = {"BOMCHECK_ARROW_API_KEY": "very-secret-key", "BOMCHECK_DIGIKEY_CLIENT_SECRET": "dk-secret"}
    text = repr(load_settings(env=env, path=tmp_path / "none.toml"))
    assert "very-secret-key" not in text and "dk-secret" not in text


def test_bad_number_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="BOMCHECK_ARROW_RATE"):
        load_settings(env={"BOMCHECK_ARROW_RATE": "fast"}, path=tmp_path / "none.toml")


def test_invalid_toml_is_a_clear_error(tmp_path):
    path = write_config(tmp_path, "[arrow\nlogin=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={}, path=path)


def test_world_readable_config_with_secrets_warns(tmp_path, caplog):
    path = write_config(tmp_path, '[arrow]\napi_key = "k"\n')
    os.chmod(path, 0o644)
    load_settings(env={}, path=path)
    assert "chmod 600" in caplog.text


def test_currency_is_upper_cased_and_must_be_one_arrow_prices_in(tmp_path):
    from bomcheck.config import load_settings

    assert load_settings(env={"BOMCHECK_CURRENCY": "eur"}, path=tmp_path / "none.toml").currency == "EUR"
    with pytest.raises(ConfigError, match="'EURO' is not one Arrow prices in; use one of USD, EUR"):
        load_settings(env={"BOMCHECK_CURRENCY": "euro"}, path=tmp_path / "none.toml")


@pytest.mark.parametrize("name", ["timeout", "arrow_rate", "digikey_rate"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_no_float_setting_takes_nan_or_infinity_from_the_environment_or_the_file(tmp_path, name, value):
    from bomcheck.config import ENV_VARS

    with pytest.raises(ConfigError, match=ENV_VARS[name]):
        load_settings(env={ENV_VARS[name]: value}, path=tmp_path / "none.toml")
    toml_value = {"nan": "nan", "NaN": "nan", "inf": "inf", "-inf": "-inf"}[value]
    section = "" if name == "timeout" else f"[{name.split('_')[0]}]\n"
    text = f"{section}{name.split('_')[-1]} = {toml_value}\n"
    with pytest.raises(ConfigError, match=name):
        load_settings(env={}, path=write_config(tmp_path, text))


def test_can_is_read_as_cad_once_for_every_stage(tmp_path):
    """Arrow's documented "CAN" is the Canadian dollar: the run, DigiKey's locale and its bonded
    currency all see CAD, so no stage labels or asks for a currency named CAN."""
    from bomcheck.distributors.digikey_catalog import DigiKeyCatalogSource, locale_headers

    settings = load_settings({"currency": "can"}, env={"BOMCHECK_DIGIKEY_CURRENCY": " Can "},
                             path=tmp_path / "none.toml")
    assert (settings.currency, settings.digikey_currency) == ("CAD", "CAD")
    source = DigiKeyCatalogSource("https://api.example", "id", tokens=None, currency=settings.currency)  # type: ignore[arg-type]
    assert locale_headers(source.currency)["X-DIGIKEY-Locale-Currency"] == "CAD"
    assert locale_headers(source.currency)["X-DIGIKEY-Locale-Site"] == "CA"
    assert load_settings(env={"BOMCHECK_CURRENCY": "cad"}, path=tmp_path / "none.toml").currency == "CAD"
