"""Settings from flags > environment > config file > defaults; the only module that reads os.environ."""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from bomcheck.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

APP_NAME = "bomcheck"


@dataclass(frozen=True)
class Setting:
    """One setting a source declares (runtime.py's registry): its name, variable, default, kind.

    `check` returns what is wrong with a value (None: fine). A secret is kept out of repr() and
    registered with the redactor when the settings are loaded.
    """

    name: str
    default: Any
    env: str
    secret: bool = False
    check: Callable[[Any], str | None] | None = None


# Settings every run has, whatever its sources: name -> environment variable.
_GENERIC_ENV: Mapping[str, str] = {
    "currency": "BOMCHECK_CURRENCY",
    "concurrency": "BOMCHECK_CONCURRENCY",
    "timeout": "BOMCHECK_TIMEOUT",
    "cache_dir": "BOMCHECK_CACHE_DIR",
    "require_rohs": "BOMCHECK_REQUIRE_ROHS",
    "allow_other_maker": "BOMCHECK_ALLOW_OTHER_MAKER",
    "max_excess": "BOMCHECK_MAX_EXCESS",
}
# Spellings of a currency that are not its ISO 4217 code: a distributor's documentation spells the
# Canadian dollar "CAN" (issue 17: one currency). Read as the ISO code where settings are loaded.
CURRENCY_ALIASES: Mapping[str, str] = {"CAN": "CAD"}
_DECLARED: dict[str, Setting] = {}
_CHECKS: list[Callable[[Settings], None]] = []


def declare(*settings: Setting, check: Callable[[Settings], None] | None = None) -> None:
    """Make a source's settings known (runtime.py does, for every registered source).

    `check` looks at the loaded settings as a whole and raises ConfigError (a source's currency).
    """
    for setting in settings:
        _DECLARED[setting.name] = setting
    if check is not None and check not in _CHECKS:
        _CHECKS.append(check)


def undeclare(*settings: Setting, check: Callable[[Settings], None] | None = None) -> None:
    """Forget settings (and a check) declared before."""
    for setting in settings:
        _DECLARED.pop(setting.name, None)
    if check in _CHECKS:
        _CHECKS.remove(check)


def declared(name: str) -> Setting | None:
    return _DECLARED.get(name)


class _EnvVars(Mapping[str, str]):
    """setting name -> environment variable, for the generic settings and every declared one."""

    def __getitem__(self, name: str) -> str:
        if name in _GENERIC_ENV:
            return _GENERIC_ENV[name]
        return _DECLARED[name].env

    def __iter__(self) -> Iterator[str]:
        return iter([*_GENERIC_ENV, *_DECLARED])

    def __len__(self) -> int:
        return len(_GENERIC_ENV) + len(_DECLARED)


ENV_VARS: Mapping[str, str] = _EnvVars()
CONFIG_ENV_VAR = "BOMCHECK_CONFIG"


@dataclass(frozen=True, init=False)
class Settings:
    """Everything a run needs to know; secrets are kept out of repr().

    A source's own settings (declared by runtime.py's registry) read as attributes too:
    `settings.arrow_url`. `dataclasses.replace(settings, arrow_rate=9.0)` works for both kinds.
    """

    currency: str = "USD"
    # The most requests in flight per source; fewer are used when they cover the latency at the
    # rate (about rate × latency, measured as the answers come).
    concurrency: int = 64
    timeout: float = 30.0
    environment: str = ""  # the in-process sandbox sets this; else derived from a source's URL
    cache_dir: str = ""  # where the offers cache lives [default: the user cache folder]
    # Planning rules (README: Planning rules); the planner's Rules are made from them by the CLI.
    require_rohs: bool = False  # never plan an offer a source calls not RoHS compliant
    allow_other_maker: bool = False  # plan another maker's part (as a proposal) when only it is listed
    max_excess: str = ""  # an excess worth more needs approval: an amount, "none" (never), "" (the default)
    values: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the sources' settings by name

    def __init__(self, values: Mapping[str, Any] | None = None, **named: Any) -> None:
        merged = dict(values or {})
        for f in dataclasses.fields(Settings):
            if f.name != "values":
                object.__setattr__(self, f.name, named.pop(f.name, f.default))
        unknown = [name for name in named if name not in _DECLARED]
        if unknown:
            raise TypeError(f"unknown setting{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
        merged.update(named)
        object.__setattr__(self, "values", merged)

    def __getattr__(self, name: str) -> Any:
        """A declared source setting: its value, else its default."""
        setting = _DECLARED.get(name)
        if setting is None or name.startswith("__"):
            raise AttributeError(name)
        return self.__dict__["values"].get(name, setting.default)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(value for name, setting in _DECLARED.items() if setting.secret
                     for value in (self.values.get(name),) if value)


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
    known = set(_known_settings())
    unknown = sorted(set(flat) - known)
    if unknown:
        log.warning("config file %s: ignoring unknown settings %s", path, ", ".join(unknown))
    secret = {name for name, setting in _DECLARED.items() if setting.secret}
    if secret & set(flat) and _readable_by_others(path):
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


def _known_settings() -> dict[str, Any]:
    """Every setting name -> its default (the generic ones and every declared one)."""
    generic = {f.name: f.default for f in dataclasses.fields(Settings) if f.name != "values"}
    return {**generic, **{name: setting.default for name, setting in _DECLARED.items()}}


def _build(values: Mapping[str, Any], source_hint: str) -> Settings:
    converted: dict[str, Any] = {}
    for name, default in _known_settings().items():
        if name not in values:
            continue
        converted[name] = _convert(name, values[name], type(default), source_hint)
    for name in converted:
        if name == "currency" or name.endswith("_currency"):
            code = str(converted[name]).strip().upper()
            converted[name] = CURRENCY_ALIASES.get(code, code)  # once here: every stage sees one code
    for name, value in converted.items():
        setting = _DECLARED.get(name)
        problem = setting.check(value) if setting and setting.check else None
        if problem:
            raise ConfigError(f"{name} {problem} ({ENV_VARS[name]} or in {source_hint})")
    settings = Settings(**converted)
    for check in _CHECKS:  # a source's own limits first: they say which codes to use
        check(settings)
    if not re.fullmatch(r"[A-Z]{3}", settings.currency):
        raise ConfigError(f"currency {settings.currency!r} is not a three-letter code such as USD or EUR "
                          "(--currency or BOMCHECK_CURRENCY)")
    return settings


def _convert(name: str, value: Any, kind: type, source_hint: str) -> Any:
    if kind is bool:
        return _flag(name, value, source_hint)
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
        variable = ENV_VARS.get(name, name)
        raise ConfigError(f"{name} must be a positive number, got {value!r} "
                          f"(set it with {variable} or in {source_hint})") from None
    return value


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


# ---------------------------------------------------------------- the RFQ file's header ([rfq])

# The `[rfq]` section of the config file (or BOMCHECK_RFQ_<KEY>): what the RFQ file's header
# block says. All text; days are read by `rfq_config`. Empty: a visible blank in the file.
RFQ_KEYS = ("company", "contact", "email", "phone", "delivery_address", "incoterms", "currency",
            "reply_by_days", "required_by_days", "number", "packaging", "terms", "paper")
RFQ_PAPER = ("A4", "Letter", "A3", "Legal")
RFQ_SETTINGS = tuple(Setting(f"rfq_{key}", "", f"BOMCHECK_RFQ_{key.upper()}") for key in RFQ_KEYS)
declare(*RFQ_SETTINGS)


def rfq_config(settings: Settings) -> dict[str, Any]:
    """The `[rfq]` settings checked, by key: text as given, days as whole numbers (None: unset)."""
    values: dict[str, Any] = {key: getattr(settings, f"rfq_{key}") for key in RFQ_KEYS}
    where = f"[rfq] in {config_path()} or BOMCHECK_RFQ_"
    for key in ("reply_by_days", "required_by_days"):
        text = values[key]
        if not text:
            values[key] = None
        elif re.fullmatch(r"\d{1,4}", text):
            values[key] = int(text)
        else:
            raise ConfigError(f"{key} must be a whole number of days from today (0 to 9999), got {text!r} "
                              f"({where}{key.upper()})")
    currency = values["currency"].upper()
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigError(f"currency {values['currency']!r} is not a three-letter code such as USD or EUR "
                          f"({where}CURRENCY)")
    values["currency"] = currency
    paper = next((name for name in RFQ_PAPER if name.casefold() == values["paper"].casefold()), None)
    if values["paper"] and paper is None:
        raise ConfigError(f"paper {values['paper']!r} is not one of {', '.join(RFQ_PAPER)} ({where}PAPER)")
    values["paper"] = paper or "A4"
    return values
