"""The one error boundary: any command's BomcheckError is one line on stderr and its exit code."""

from __future__ import annotations

import click
from click.testing import CliRunner

from bomcheck.cli import main
from bomcheck.cli.app import BomcheckGroup
from bomcheck.errors import EXIT_FATAL, BomError, OutputError


def test_a_bomcheck_error_raised_by_any_command_is_one_line_and_exit_3():
    @click.group(cls=BomcheckGroup)
    def group() -> None: ...

    @group.command()
    def broken() -> None:
        raise OutputError("cannot write out.xlsx: the disk is full; free some space")

    result = CliRunner().invoke(group, ["broken"])
    assert result.exit_code == EXIT_FATAL == 3
    assert result.output == "bomcheck: error: cannot write out.xlsx: the disk is full; free some space\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_error_of_the_reader_goes_through_the_same_boundary(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = CliRunner().invoke(main, ["inspect", str(empty)])
    assert result.exit_code == 3 and result.output.startswith("bomcheck: error: ")
    assert "Traceback" not in result.output and result.output.count("\n") == 1


def test_every_bomcheck_error_has_the_documented_fatal_exit_code():
    assert BomError("x").exit_code == OutputError("x").exit_code == EXIT_FATAL


def test_an_error_naming_a_file_with_a_newline_stays_one_line(tmp_path):
    from click.testing import CliRunner

    from bomcheck.cli import main

    missing = tmp_path / "a\nbomcheck: error: forged.xlsx"
    result = CliRunner().invoke(main, ["inspect", str(missing)])
    assert result.exit_code != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("bomcheck: error:")]
    assert len(errors) == 1 and "a\\nbomcheck: error: forged.xlsx" in errors[0], result.stderr
