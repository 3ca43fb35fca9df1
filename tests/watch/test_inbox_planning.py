"""An inbox's bomcheck.toml sets the planning rules over the service's own (config file, environment)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bomcheck.bom import ReaderOptions
from bomcheck.errors import ConfigError
from bomcheck.pricing.rules import Rules
from bomcheck.watch.settings import inbox_options, read_inbox_config


def _options(local: dict, rules: Rules):
    return inbox_options(local, boards=None, attrition=None, extra=None, reader=ReaderOptions(),
                         currency="USD", rules=rules)


def test_the_inbox_overrides_the_service_rules_it_names(tmp_path: Path):
    (tmp_path / "bomcheck.toml").write_text("require_rohs = true\nmax_excess = 250\n", encoding="utf-8")
    local = read_inbox_config(tmp_path)
    assert local == {"require_rohs": True, "max_excess": Decimal(250)}
    options = _options(local, Rules(allow_other_maker=True, max_excess=Decimal(50)))
    assert options.rules == Rules(require_rohs=True, allow_other_maker=True, max_excess=Decimal(250))


def test_without_an_inbox_config_the_service_rules_hold(tmp_path: Path):
    rules = Rules(require_rohs=True, max_excess=None)
    assert _options(read_inbox_config(tmp_path), rules).rules == rules


@pytest.mark.parametrize(("text", "said"), [
    ("require_rohs = \"maybe\"\n", "require_rohs must be true or false"),
    ("max_excess = \"lots\"\n", "max_excess: 'lots' is not an amount"),
    ("max_excess = true\n", "max_excess"),
])
def test_a_bad_rule_stops_with_what_to_write(tmp_path: Path, text: str, said: str):
    (tmp_path / "bomcheck.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=said):
        read_inbox_config(tmp_path)


def test_the_rules_are_part_of_what_makes_an_answer_reusable(tmp_path: Path):
    from bomcheck.check import CheckOptions
    from bomcheck.pricing.rules import DEFAULT_RULES
    from bomcheck.watch.folders import InboxFolders
    from bomcheck.watch.inbox import InboxJob

    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")

    def key(rules: Rules) -> str:
        return InboxJob(folders, CheckOptions(rules=rules), [], [])._key("same-bytes")

    assert key(DEFAULT_RULES) == key(Rules())
    assert key(Rules(require_rohs=True)) != key(DEFAULT_RULES)  # restarted with RoHS required: asked again
    assert key(Rules(max_excess=None)) != key(Rules(max_excess=Decimal(100)))
    assert "Rules" not in key(DEFAULT_RULES)  # keys made before the rules counted stay valid
