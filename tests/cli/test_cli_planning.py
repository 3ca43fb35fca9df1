"""The planning rules from the command line and the config file reach the planner; the terminal says
per quantity what is priced, what is over need and what must be decided.

The demo at 10 boards (sample_boms/make_demo.py): 24 lines, one DNP, so 23 to buy; rows 17 and 21
have no stock and no list price anywhere, 25 is listed nowhere, 27 has no MPN, 28 is ambiguous:
5 lines the total cannot price, 18 it can. Row 24 (USB4105-GF-A) can only be bought as a reel of
1,500 for 10 (over 100 USD over need: approve it); row 15 (TPS62130RGTR) is bought from an offer
that says nothing of RoHS.
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bomcheck import runtime
from bomcheck.cli import main
from bomcheck.cli.common import Percent, planning_rules
from bomcheck.config import load_settings
from bomcheck.pricing.rules import DEFAULT_MAX_EXCESS
from tests.conftest import DEMO_BOM


@pytest.fixture(autouse=True)
def arrow_and_bonded_only(monkeypatch):
    """The rows' facts above are the sandbox's Arrow and bonded stock: its DigiKey catalog and Mouser,
    which would offer other packagings and RoHS facts, are left out of the registry here."""
    monkeypatch.setattr(runtime, "SOURCES", [runtime.ARROW, runtime.DIGIKEY_BONDED])


@pytest.fixture
def demo(tmp_path) -> Path:
    copy = tmp_path / "demo.xlsx"
    shutil.copyfile(DEMO_BOM, copy)
    return copy


def check(demo: Path, *flags: str, env: dict[str, str] | None = None):
    """(the CLI's result, the JSON's lines by row) of the demo at 10 boards over the sandbox."""
    target = demo.with_name("out.json")
    result = CliRunner().invoke(main, ["check", str(demo), "--sandbox", "--boards", "10", "--json",
                                       str(target), *flags], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = json.loads(target.read_text(encoding="utf-8"))["lines"]
    return result, {line["row"]: line for line in lines}


def test_defaults_ask_to_approve_the_reel_and_the_terminal_says_what_is_priced(demo):
    result, lines = check(demo)
    assert lines[24]["action"] == "Approve overbuy" and lines[15]["action"] == "Buy"
    said = result.output
    assert "18 of 23" in said
    assert "not in the total: rows 17, 21, 25, 27, 28" in said
    assert "row 24: USB4105-GF-A: OK, Approve overbuy (approve overbuy: 1,490 over need" in said
    # the progress bars name what they count; "Checking parts" twice said nothing
    assert "Checking parts" not in said
    others = (" ", "demo", "bomcheck", "wrote")
    bars = [line for line in said.splitlines() if line and not line.startswith(others)]
    # not a terminal: a line per round, what it counted, when it ends (a bar would print its label alone)
    assert [re.sub(r"\d+", "N", bar) for bar in bars] == ["Arrow + DigiKey Bonded: N calls",
                                                          "alternates: N call"]
    assert "(s)" not in said


def test_flags_change_the_rules(demo):
    _, lines = check(demo, "--max-excess", "none", "--require-rohs")
    assert not any(why.startswith("approve overbuy") for why in lines[24]["decisions"])
    assert lines[15]["action"] == "Review compliance"
    assert lines[15]["decisions"] == ["review RoHS: unknown, and RoHS is required"]


def test_the_config_file_sets_the_rules_and_a_flag_overrides_it(demo, isolated_user):
    config = isolated_user / "config" / "bomcheck" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('require_rohs = true\nmax_excess = "none"\n', encoding="utf-8")
    _, lines = check(demo)
    assert lines[15]["action"] == "Review compliance"
    assert not any(why.startswith("approve overbuy") for why in lines[24]["decisions"])
    _, lines = check(demo, "--no-require-rohs", "--max-excess", "100")
    assert lines[15]["action"] == "Buy" and lines[24]["action"] == "Approve overbuy"


def test_rules_from_settings(isolated_user):
    assert planning_rules(load_settings({})).max_excess == DEFAULT_MAX_EXCESS == Decimal(100)
    rules = planning_rules(load_settings({}, env={"BOMCHECK_MAX_EXCESS": "250.5",
                                                  "BOMCHECK_ALLOW_OTHER_MAKER": "1"}))
    assert (rules.max_excess, rules.allow_other_maker, rules.require_rohs) == (Decimal("250.5"), True, False)
    assert planning_rules(load_settings({"max_excess": "never"})).max_excess is None


def test_a_bad_amount_is_a_one_line_error(demo, isolated_user):
    result = CliRunner().invoke(main, ["check", str(demo), "--sandbox", "--max-excess", "lots"])
    assert result.exit_code == 2 and "'lots' is not an amount" in result.output
    config = isolated_user / "config" / "bomcheck" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('max_excess = "-5"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(demo), "--sandbox"])
    assert result.exit_code == 3 and "max_excess" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("given", "warned"), [("0.02", True), ("0.5", True), ("0.02%", False), ("2", False),
                                               ("0", False)])
def test_an_attrition_below_one_without_a_percent_sign_is_warned(given, warned, capsys):
    option = click.Option(["--attrition"])
    Percent().convert(given, option, None)
    said = capsys.readouterr().err
    assert ("means" in said) is warned
    if given == "0.02":
        assert "--attrition 0.02 means 0.02 %, not 2 %" in said and "--attrition 2%" in said
