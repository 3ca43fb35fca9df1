"""The `bomcheck` command group and the one error boundary: a BomcheckError -> one line, its exit code."""

from __future__ import annotations

from typing import Any

import click

from bomcheck import __version__
from bomcheck.cli.auth import auth
from bomcheck.cli.check import check
from bomcheck.cli.common import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated
from bomcheck.cli.inspect import inspect_command
from bomcheck.cli.logs import one_line, setup_logging
from bomcheck.cli.sandbox import sandbox_command
from bomcheck.cli.watch import watch
from bomcheck.errors import BomcheckError


class BomcheckGroup(click.Group):
    """Every command runs inside this boundary: a BomcheckError (a user's mistake or a whole-run
    failure) is printed as `bomcheck: error: <message>` on one line and exits with its code; Ctrl+C
    and SIGTERM (unwound as KeyboardInterrupt, every `finally` run) exit 130 and 143; no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BomcheckError as exc:
            # one line whatever it quotes: a file named "a\nb.csv" must not split or forge it
            click.echo(f"bomcheck: error: {one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            terminated = isinstance(exc, Terminated)
            click.echo(f"bomcheck: {'stopped by SIGTERM' if terminated else 'interrupted'}; "
                       "no partial output was left behind", err=True)
            ctx.exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)


@click.group(cls=BomcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bomcheck")
@click.option("-v", "--verbose", count=True, help="More log detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr, no progress bar.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Check a bill of materials against distributors' stock and prices before you order."""
    ctx.obj = {"quiet": quiet}
    setup_logging(verbose=verbose, quiet=quiet)


for command in (check, inspect_command, auth, sandbox_command, watch):
    main.add_command(command)
