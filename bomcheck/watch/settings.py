"""An inbox's own `bomcheck.toml`: build quantities, attrition, currency, planning rules, reader overrides."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

from bomcheck.bom import ReaderOptions
from bomcheck.check import CheckOptions
from bomcheck.config import read_toml_file
from bomcheck.errors import ConfigError
from bomcheck.lookups.cached_lookups import LONGEST_AGE_DAYS, parse_max_age
from bomcheck.output.rfq_file import RfqRequest
from bomcheck.pricing import DEFAULT_RULES, Attrition, Rules, parse_max_excess, parse_percent

INBOX_CONFIG = "bomcheck.toml"
READER_SETTINGS = tuple(f.name for f in dataclasses.fields(ReaderOptions) if f.name != "layouts")
PLANNING_SETTINGS = ("require_rohs", "allow_other_maker", "max_excess")
RFQ_SETTINGS = ("rfq", "rfq_target_price")  # true: write the RFQ file (with target prices) too
INBOX_SETTINGS = ("boards", "currency", "attrition", "extra", "max_age", *PLANNING_SETTINGS, *RFQ_SETTINGS,
                  *READER_SETTINGS)


def read_inbox_config(inbox: Path) -> dict[str, Any]:
    """The inbox's own `bomcheck.toml` as checked values, or {} when there is none."""
    path = Path(inbox) / INBOX_CONFIG
    document = read_toml_file(path)
    unknown = sorted(set(document) - set(INBOX_SETTINGS))
    if unknown:
        raise ConfigError(f"{path}: unknown setting {', '.join(unknown)}; "
                          f"an inbox config may set {', '.join(INBOX_SETTINGS)}")
    return {name: _checked(path, name, value) for name, value in document.items()}


def _checked(path: Path, name: str, value: Any) -> Any:
    if name == "boards":
        counts = value if isinstance(value, list) else [value]
        if not counts or not all(_whole(count, minimum=1) for count in counts):
            raise ConfigError(f"{path}: boards must be a whole number of at least 1 "
                              f"(or a list of them, e.g. [10, 100]), got {value!r}")
        return tuple(dict.fromkeys(counts))
    if name in ("extra", "header_row"):
        minimum = 1 if name == "header_row" else 0
        if not _whole(value, minimum=minimum):
            raise ConfigError(f"{path}: {name} must be a whole number of at least {minimum}, "
                              f"got {value!r}")
        return value
    if name in (*RFQ_SETTINGS, "require_rohs", "allow_other_maker"):
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: {name} must be true or false, got {value!r}")
        return value
    if name == "max_age":
        try:
            return parse_max_age(str(value)) if isinstance(value, str) else parse_max_age("")
        except ValueError:
            raise ConfigError(f"{path}: max_age must be an age such as \"12h\" (s, m, h or d), at most "
                              f"{LONGEST_AGE_DAYS}d, got {value!r}") from None
    if name == "max_excess":
        try:
            text = str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else "?"
            return parse_max_excess(text)
        except ValueError as exc:
            raise ConfigError(f"{path}: max_excess: {exc}") from None
    if name == "attrition":
        try:
            return parse_percent(str(value)) if isinstance(value, (str, int, float)) else parse_percent("")
        except ValueError:
            raise ConfigError(f"{path}: attrition must be a percentage such as '2%', got {value!r}") from None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: {name} must be a non-empty text, got {value!r}")
    return value.strip().upper() if name == "currency" else value.strip()


def _whole(value: Any, *, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def inbox_options(local: dict[str, Any], *, boards: tuple[int, ...] | None, attrition: Decimal | None,
                  extra: int | None, reader: ReaderOptions, currency: str,
                  rules: Rules = DEFAULT_RULES, rfq_header: RfqRequest | None = None, rfq: bool = False,
                  rfq_target_price: bool = False) -> CheckOptions:
    """The check options for an inbox: its bomcheck.toml wins over the command line, then the defaults.

    `rules` are the service's planning rules, which the inbox's own override one by one;
    `rfq_header` is the config's [rfq] section; `rfq` / `rfq_target_price` the command line's
    wish for the RFQ file, which the inbox's `rfq` / `rfq_target_price` override.
    """
    chosen_attrition = local.get("attrition", attrition if attrition is not None else Decimal(0))
    chosen_extra = local.get("extra", extra if extra is not None else 0)
    overrides = {name: value for name, value in local.items() if name in READER_SETTINGS}
    planning = {name: value for name, value in local.items() if name in PLANNING_SETTINGS}
    return CheckOptions(
        boards=local.get("boards") or boards or 1,
        attrition=Attrition(chosen_attrition, chosen_extra),
        reader=dataclasses.replace(reader, **overrides),
        currency=currency,
        rules=dataclasses.replace(rules, **planning),
        rfq=_rfq(local, rfq_header or RfqRequest(), rfq, rfq_target_price),
    )


def _rfq(local: dict[str, Any], header: RfqRequest, wanted: bool, target_price: bool) -> RfqRequest | None:
    """The RFQ request for the inbox, None for none; target prices imply the RFQ file."""
    target = local.get("rfq_target_price", target_price)
    if not local.get("rfq", wanted or target):
        return None
    return dataclasses.replace(header, target_price=target)
