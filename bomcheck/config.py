"""Settings from flags > environment > config file > defaults; the only module that reads os.environ."""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from bomcheck.distributors.arrow import ARROW_PRODUCTION_URL
from bomcheck.distributors.digikey import DIGIKEY_PRODUCTION_URL
from bomcheck.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

APP_NAME = "bomcheck"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; secrets are kept out of repr()."""

    arrow_url: str = ARROW_PRODUCTION_URL
    arrow_login: str = ""
    arrow_api_key: str = field(default="", repr=False)
    arrow_api_version: str = "v3"
    arrow_rate: float = 5.0  # requests per second
    digikey_url: str = DIGIKEY_PRODUCTION_URL
    digikey_client_id: str = ""
    digikey_client_secret: str = field(default="", repr=False)
    digikey_account_id: str = ""
    digikey_redirect_uri: str = "https://localhost"
    digikey_rate: float = 2.0  # 120 a minute, DigiKey's published per-minute quota
    # The account's billing currency (`bomcheck auth digikey` shows it per location): the bonded
    # answer carries prices without a currency, so this labels them.
    digikey_currency: str = "USD"
    currency: str = "USD"
    # The most requests in flight per source; fewer are used when they cover the latency at the
    # rate (about rate × latency, measured as the answers come).
    concurrency: int = 64
    timeout: float = 30.0
    environment: str = ""  # the in-process sandbox sets this; else derived from digikey_url
    # Arrow's terms forbid caching their data: on disk only when the user opts in (README "Cache").
    arrow_cache: bool = False
    cache_dir: str = ""  # where the offers cache lives [default: the user cache folder]

    @property
    def arrow_configured(self) -> bool:
        return bool(self.arrow_login and self.arrow_api_key)

    @property
    def digikey_configured(self) -> bool:
        """An app's client id and secret; the account id is optional (without it bomcheck asks
        for the bonded products of all the user's locations)."""
        return bool(self.digikey_client_id and self.digikey_client_secret)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.arrow_api_key, self.digikey_client_secret) if s)


# setting name -> environment variable
ENV_VARS: Mapping[str, str] = {
    "arrow_url": "BOMCHECK_ARROW_URL",
    "arrow_login": "BOMCHECK_ARROW_LOGIN",
    "arrow_api_key": "BOMCHECK_ARROW_API_KEY",
    "arrow_api_version": "BOMCHECK_ARROW_API_VERSION",
    "arrow_rate": "BOMCHECK_ARROW_RATE",
    "digikey_url": "BOMCHECK_DIGIKEY_URL",
    "digikey_client_id": "BOMCHECK_DIGIKEY_CLIENT_ID",
    "digikey_client_secret": "BOMCHECK_DIGIKEY_CLIENT_SECRET",
    "digikey_account_id": "BOMCHECK_DIGIKEY_ACCOUNT_ID",
    "digikey_redirect_uri": "BOMCHECK_DIGIKEY_REDIRECT_URI",
    "digikey_rate": "BOMCHECK_DIGIKEY_RATE",
    "digikey_currency": "BOMCHECK_DIGIKEY_CURRENCY",
    "currency": "BOMCHECK_CURRENCY",
    "concurrency": "BOMCHECK_CONCURRENCY",
    "timeout": "BOMCHECK_TIMEOUT",
    "arrow_cache": "BOMCHECK_ARROW_CACHE",
    "cache_dir": "BOMCHECK_CACHE_DIR",
}
CONFIG_ENV_VAR = "BOMCHECK_CONFIG"
SECRET_SETTINGS = frozenset({"arrow_api_key", "digikey_client_secret"})


def config_dir() -> Path:
    """Where the config file and the DigiKey token stores live."""
    return platformdirs.user_config_path(APP_NAME)


def cache_dir(settings: Settings | None = None) -> Path:
    """Where the offers cache lives: BOMCHECK_CACHE_DIR / `cache_dir`, else the user cache folder."""
    if settings is not None and settings.cache_dir:
        return Path(settings.cache_dir).expanduser()
    return platformdirs.user_cache_path(APP_NAME)


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env[CONFIG_ENV_VAR]) if env.get(CONFIG_ENV_VAR) else config_dir() / "config.toml"


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Merge the config file, the environment and explicit overrides (flags) into Settings."""
    env = os.environ if env is None else env
    path = path or config_path(env)
    values: dict[str, Any] = dict(_read_config_file(path))
    for name, variable in ENV_VARS.items():
        if env.get(variable):
            values[name] = env[variable]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return _build(values, source_hint=f"{path} or the environment")


def read_toml_file(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; {} when it does not exist; a ConfigError naming it when unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it or remove it") from None


def _read_config_file(path: Path) -> dict[str, Any]:
    """The config file flattened to setting names: [arrow] api_key -> arrow_api_key."""
    document = read_toml_file(path)
    flat: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{inner}": v for inner, v in value.items()})
        else:
            flat[key] = value
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(flat) - known)
    if unknown:
        log.warning("config file %s: ignoring unknown settings %s", path, ", ".join(unknown))
    if SECRET_SETTINGS & set(flat) and _readable_by_others(path):
        log.warning("config file %s holds secrets and is readable by other users; "
                    "run: chmod 600 %s", path, path)
    return {k: v for k, v in flat.items() if k in known}


def _readable_by_others(path: Path) -> bool:
    """Group or world may read it (POSIX only: Windows has no such mode bits)."""
    if os.name != "posix":
        return False
    try:
        return bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return False


# The currencies Arrow's token search documents for prices (its example also spells CAD "CAN").
ARROW_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "SGD", "AUD", "CAD", "CAN", "HKD", "MYR", "KRW", "BRL",
                    "CNY", "INR", "MXN", "TWD")


def _build(values: Mapping[str, Any], source_hint: str) -> Settings:
    converted: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if f.name not in values:
            continue
        value = values[f.name]
        kind = type(f.default)
        if kind is bool:
            converted[f.name] = _flag(f.name, value, source_hint)
            continue
        try:
            if kind is float:
                value = float(value)
                if not (math.isfinite(value) and value > 0):
                    raise ValueError
            elif kind is int:
                value = int(value)
                if value <= 0:
                    raise ValueError
            else:
                value = str(value).strip()
        except (TypeError, ValueError):
            variable = ENV_VARS.get(f.name, f.name)
            raise ConfigError(f"{f.name} must be a positive number, got {value!r} "
                              f"(set it with {variable} or in {source_hint})") from None
        converted[f.name] = value
    for name in ("currency", "digikey_currency"):
        if name in converted:
            converted[name] = converted[name].upper()
    settings = Settings(**converted)
    if settings.currency not in ARROW_CURRENCIES:
        raise ConfigError(f"currency {settings.currency!r} is not one Arrow prices in; use one of "
                          f"{', '.join(ARROW_CURRENCIES)} (--currency or BOMCHECK_CURRENCY)")
    if not re.fullmatch(r"[A-Z]{3}", settings.digikey_currency):
        raise ConfigError(f"digikey_currency must be a three-letter code such as USD or EUR, got "
                          f"{settings.digikey_currency!r} (BOMCHECK_DIGIKEY_CURRENCY)")
    if settings.arrow_api_version not in ("v3", "v4"):
        raise ConfigError(f"arrow_api_version must be v3 or v4, got {settings.arrow_api_version!r}")
    return settings


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _flag(name: str, value: Any, source_hint: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigError(f"{name} must be true or false (1 or 0), got {value!r} "
                      f"(set it with {ENV_VARS.get(name, name)} or in {source_hint})")


def missing_credentials_message() -> str:
    """What to tell a user who asked for a real run without any credentials."""
    arrow = ", ".join(ENV_VARS[n] for n in ("arrow_login", "arrow_api_key"))
    digikey = ", ".join(ENV_VARS[n] for n in ("digikey_client_id", "digikey_client_secret"))
    return (f"no distributor credentials found; set {arrow} for Arrow and/or {digikey} for "
            f"DigiKey (or put them in {config_path()}), or pass --sandbox to try bomcheck "
            "on its built-in sandbox")
