"""The `bomcheck` command line: options in, work delegated, errors turned into messages and exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from bomcheck import __version__
from bomcheck.check import CheckOptions, CheckOutcome, check_bom
from bomcheck.config import Settings, load_settings, missing_credentials_message
from bomcheck.errors import BomcheckError, ConfigError
from bomcheck.logs import redact_in_logs, setup_logging
from bomcheck.model import LineStatus
from bomcheck.sandbox.server import SandboxConfig, running_sandbox, serve_forever
from bomcheck.session import DIGIKEY_SANDBOX_URL, login_digikey, open_sources, sandbox_settings

EXIT_OK = 0
EXIT_UNCHECKED = 1
EXIT_FATAL = 3
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\b
Exit codes:
  0  every line was checked (whatever its status: OK, SHORT,
     NOT FOUND, NO MPN or DNP) and the output was written
  1  the output was written, but some lines could not be
     checked (status ERROR: a source failed for them)
  2  usage error (bad option or argument)
  3  nothing was written: the BOM, the settings or the output
     path are wrong (the message says what to do)
"""

log = logging.getLogger("bomcheck")

_ATTENTION = (LineStatus.SHORT, LineStatus.NOT_FOUND, LineStatus.AMBIGUOUS, LineStatus.NO_MPN,
              LineStatus.ERROR)
_CENTS = Decimal("0.01")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bomcheck")
@click.option("-v", "--verbose", count=True, help="More log detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr, no progress bar.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Check a bill of materials against Arrow and DigiKey bonded inventory before you order."""
    ctx.obj = {"quiet": quiet}
    setup_logging(verbose=verbose, quiet=quiet)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("bom", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--boards", "-b", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many boards you build; need = quantity per board x boards.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the annotated workbook [default: BOM.checked.xlsx beside the BOM].")
@click.option("--json", "json_output", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the per-line results as JSON to this file.")
@click.option("--sheet", help="The sheet that holds the BOM [default: the one that looks like a BOM].")
@click.option("--mpn-column", metavar="HEADER",
              help="The header of the column holding manufacturer part numbers, when bomcheck "
                   "does not recognise it (e.g. 'Field2').")
@click.option("--currency", help="Currency to ask Arrow for (USD, EUR, GBP, ...) [default: USD].")
@click.option("--sandbox", is_flag=True,
              help="Use the built-in sandbox (synthetic catalog, demo account) instead of the real APIs.")
@click.pass_context
def check(ctx: click.Context, bom: Path, boards: int, output: Path | None, json_output: Path | None,
          sheet: str | None, mpn_column: str | None, currency: str | None, sandbox: bool) -> None:
    """Check BOM and write an annotated copy with stock, MOQ, NCNR and best price per line.

    The input file is never written to.
    """
    quiet = ctx.obj["quiet"]
    try:
        settings = load_settings({"currency": currency.upper() if currency else None})
        redact_in_logs(settings.secrets)
        if not sandbox and not (settings.arrow_configured or settings.digikey_configured):
            raise ConfigError(missing_credentials_message())
        options = CheckOptions(boards=boards, sheet=sheet, mpn_column=mpn_column, output=output,
                               json_output=json_output, currency=settings.currency)
        outcome = asyncio.run(_run_check(bom, options, settings, sandbox=sandbox, quiet=quiet))
    except BomcheckError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        click.echo("bomcheck: interrupted; no partial output was left behind", err=True)
        sys.exit(EXIT_INTERRUPTED)
    _print_summary(outcome)
    ctx.exit(EXIT_OK if outcome.report.all_checked else EXIT_UNCHECKED)


async def _run_check(bom: Path, options: CheckOptions, settings: Settings, *, sandbox: bool,
                     quiet: bool) -> CheckOutcome:
    async with (_maybe_sandbox(settings, sandbox) as effective,
                open_sources(effective) as (runs, unavailable)):
        for status in unavailable:
            log.warning("%s not checked: %s", status.name, status.message)
        return await check_bom(bom, options, runs, unavailable,
                               progress=None if quiet else ProgressBar())


@contextlib.asynccontextmanager
async def _maybe_sandbox(settings: Settings, sandbox: bool) -> AsyncIterator[Settings]:
    if not sandbox:
        yield settings
        return
    async with running_sandbox() as url:
        log.info("sandbox running at %s", url)
        yield sandbox_settings(settings, url)


class ProgressBar:
    """A click progress bar on stderr for the distributor calls."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int) -> None:
        if total > 0:
            self._bar = click.progressbar(length=total, label="Checking parts", file=sys.stderr,
                                          show_pos=True)
            self._bar.__enter__()

    def advance(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _print_summary(outcome: CheckOutcome) -> None:
    report = outcome.report
    click.echo(f"{report.bom.path.name}: {len(report.results)} lines, {report.boards} board(s)")
    for source in report.sources:
        click.echo(f"  {source.name:<16} " + ("checked" if source.checked
                                                else f"not checked: {source.message}"))
    counts = ", ".join(f"{report.count(status)} {status.value}" for status in LineStatus
                       if report.count(status))
    click.echo(f"  lines: {counts}")
    for currency, total in sorted(report.totals.items()):
        click.echo(f"  total: {total.quantize(_CENTS):,} {currency}")
    attention = [r for r in report.results if r.status in _ATTENTION]
    for result in attention[:10]:
        name = result.line.mpn or ", ".join(result.line.refdes) or "(no MPN)"
        click.echo(f"  row {result.line.row}: {name}: {result.status.value}"
                   + (f" ({result.reason})" if result.reason else ""))
    if len(attention) > 10:
        click.echo(f"  ... and {len(attention) - 10} more lines need attention (see Status column)")
    click.echo(f"wrote {outcome.output}")
    if outcome.json_output:
        click.echo(f"wrote {outcome.json_output}")



def _fail(exc: BomcheckError) -> None:
    click.echo(f"bomcheck: error: {exc}", err=True)
    sys.exit(EXIT_FATAL)


@main.group()
def auth() -> None:
    """Log in to a distributor API that needs a user login (DigiKey)."""


@auth.command("digikey")
@click.option("--sandbox", "digikey_sandbox", is_flag=True,
              help="Log in to DigiKey's own sandbox (sandbox-api.digikey.com) instead of production.")
@click.option("--no-listener", is_flag=True,
              help="Do not listen for the browser's redirect; always paste it back.")
@click.option("--listen-timeout", type=click.FloatRange(min=1), default=180.0, show_default=True,
              help="Seconds to wait for the redirect before asking for a paste-back.")
def auth_digikey(digikey_sandbox: bool, no_listener: bool, listen_timeout: float) -> None:
    """Log in to DigiKey (OAuth, 3-legged) and keep the login for `check`.

    Prints an address to open in any browser. With a redirect URI like
    http://localhost:8139/callback the redirect is caught by a local listener; otherwise (or
    with --no-listener, or on a headless server) paste back the address the browser is sent
    to. The tokens are stored in a 0600 file in the config folder, one per environment
    (production, DigiKey's sandbox, or the server in BOMCHECK_DIGIKEY_URL).
    """
    try:
        settings = load_settings({"digikey_url": DIGIKEY_SANDBOX_URL} if digikey_sandbox else None)
        redact_in_logs(settings.secrets)
        stored = asyncio.run(login_digikey(settings, ask=click.prompt, tell=click.echo,
                                           listen=not no_listener, listen_timeout=listen_timeout))
    except BomcheckError as exc:
        _fail(exc)
    click.echo(f"DigiKey login saved in {stored}")


@main.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=int, default=8470, show_default=True, help="Port to listen on.")
@click.option("--arrow-rate", type=click.FloatRange(min=0, min_open=True),
              help="Requests per second Arrow allows before 429 [default: unlimited].")
@click.option("--digikey-rate", type=click.FloatRange(min=0, min_open=True),
              help="Requests per second DigiKey allows before 429 [default: unlimited].")
@click.option("--latency", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds added to every answer.")
def sandbox_command(host: str, port: int, arrow_rate: float | None, digikey_rate: float | None,
                    latency: float) -> None:
    """Run the sandbox server standalone (point BOMCHECK_ARROW_URL / BOMCHECK_DIGIKEY_URL at it)."""
    try:
        serve_forever(host, port, SandboxConfig(arrow_rate=arrow_rate, digikey_rate=digikey_rate,
                                                latency=latency))
    except BomcheckError as exc:
        _fail(exc)
