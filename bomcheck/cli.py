"""The `bomcheck` command line: options in, work delegated, errors turned into messages and exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from bomcheck import __version__
from bomcheck.bom import ReaderOptions, read_bom
from bomcheck.bom.layouts import layout_key, load_layouts, with_layout
from bomcheck.check import CheckOptions, CheckOutcome, check_bom
from bomcheck.config import Settings, config_dir, load_settings, missing_credentials_message
from bomcheck.distributors.digikey_auth import NOT_LOGGED_IN
from bomcheck.errors import BomcheckError, ConfigError
from bomcheck.files import atomic_write_text
from bomcheck.inbox import InboxFolders, InboxJob, Ledger, exclusive_state, is_own_output
from bomcheck.inbox_config import inbox_options, read_inbox_config
from bomcheck.inspection import inspect_json, inspection_lines
from bomcheck.logs import add_log_file, redact_in_logs, setup_logging
from bomcheck.model import Bom, LineStatus
from bomcheck.pricing import Attrition, parse_percent
from bomcheck.sandbox.server import SandboxConfig, running_sandbox, serve_forever
from bomcheck.session import (
    DIGIKEY_SANDBOX_URL,
    digikey_logged_in,
    login_digikey,
    open_sources,
    sandbox_settings,
)
from bomcheck.watch import WatchConfig, serve

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


class BoardsList(click.ParamType):
    """`100` or `10,100,1000`: build quantities, each a whole number of at least 1."""

    name = "N[,N...]"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        counts: list[int] = []
        for part in str(value).split(","):
            try:
                count = int(part.strip())
            except ValueError:
                self.fail(f"{part.strip()!r} is not a whole number of boards (write e.g. 100 or 10,100,1000)",
                          param, ctx)
            if count < 1:
                self.fail(f"{count} boards: build at least 1 board", param, ctx)
            if count not in counts:
                counts.append(count)
        return tuple(counts)


class Percent(click.ParamType):
    """`2%` or `2`: a non-negative percentage."""

    name = "PERCENT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        try:
            return parse_percent(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bomcheck")
@click.option("-v", "--verbose", count=True, help="More log detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr, no progress bar.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Check a bill of materials against Arrow and DigiKey bonded inventory before you order."""
    ctx.obj = {"quiet": quiet}
    setup_logging(verbose=verbose, quiet=quiet)


_READER_COLUMNS = (
    ("mpn", "manufacturer part numbers", "'Field2', 'LibRef'"),
    ("qty", "the quantity per board", "'Qty fix'"),
    ("manufacturer", "manufacturer names", "'Vendor'"),
    ("refdes", "designators", "'Ref'"),
    ("description", "descriptions", "'Details'"),
    ("digikey", "DigiKey part numbers", "'Cat#'"),
    ("dnp", "the fitted / not fitted mark", "'Install Option'"),
    ("customer-pn", "your internal part numbers", "'Item Number'"),
    ("attrition", "per-line attrition", "'Spares'"),
)


def layouts_path() -> Path:
    """Where `inspect --save-layout` keeps the column maps it saved."""
    return config_dir() / "layouts.json"


def reader_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --sheet, --header-row and the --*-column overrides; the command gets `reader: ReaderOptions`."""
    names = ["sheet", "header_row", *(f"{role.replace('-', '_')}_column" for role, _, _ in _READER_COLUMNS)]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in names}
        try:
            layouts = load_layouts(layouts_path())
        except BomcheckError as exc:
            _fail(exc)
        kwargs["reader"] = ReaderOptions(**given, layouts=layouts)
        return command(*args, **kwargs)

    decorated: Callable[..., Any] = wrapper
    for role, what, example in reversed(_READER_COLUMNS):
        decorated = click.option(f"--{role}-column", metavar="HEADER",
                                 help=f"The header of the column holding {what}, when bomcheck "
                                      f"guesses wrong (e.g. {example}).")(decorated)
    decorated = click.option("--header-row", type=click.IntRange(min=1), metavar="N",
                             help="The row holding the column headers (1-based; CSV: record "
                                  "number) [default: found by scoring the first 40 rows].")(decorated)
    return click.option("--sheet", help="The sheet that holds the BOM [default: the one that looks "
                                        "most like a BOM].")(decorated)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("bom", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--boards", "-b", type=BoardsList(), default="1", show_default=True,
              help="How many boards you build; need = quantity per board x boards. Several "
                   "(10,100,1000) plan each; the BOM sheet shows the first, the Scenarios sheet all.")
@click.option("--attrition", type=Percent(), default="0", show_default=True,
              help="Extra parts per line for losses, as a share of the need (2%), rounded up; "
                   "a BOM column Attrition/Overage overrides it per line.")
@click.option("--extra", type=click.IntRange(min=0), default=0, show_default=True,
              help="A fixed number of extra parts per line, on top of --attrition.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the annotated workbook [default: BOM.checked.xlsx beside the BOM].")
@click.option("--json", "json_output", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the per-line results as JSON to this file.")
@reader_options
@click.option("--currency", help="Currency to ask Arrow for (USD, EUR, GBP, ...) [default: USD].")
@click.option("--sandbox", is_flag=True,
              help="Use the built-in sandbox (synthetic catalog, demo account) instead of the real APIs.")
@click.pass_context
def check(ctx: click.Context, bom: Path, boards: tuple[int, ...], attrition: Decimal, extra: int,
          output: Path | None, json_output: Path | None,
          reader: ReaderOptions, currency: str | None, sandbox: bool) -> None:
    """Check BOM and write an annotated copy with stock, MOQ, NCNR and best price per line.

    The input file is never written to.
    """
    quiet = ctx.obj["quiet"]
    try:
        settings = load_settings({"currency": currency.upper() if currency else None})
        redact_in_logs(settings.secrets)
        if not sandbox and not (settings.arrow_configured or settings.digikey_configured):
            raise ConfigError(missing_credentials_message())
        options = CheckOptions(boards=boards, attrition=Attrition(attrition, extra), reader=reader,
                               output=output,
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
async def _maybe_sandbox(settings: Settings, sandbox: bool,
                         config: SandboxConfig | None = None) -> AsyncIterator[Settings]:
    if not sandbox:
        yield settings
        return
    async with running_sandbox(config) as url:
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
    """The Summary sheet in short: sources, lines by status, a row per build quantity, attention."""
    report = outcome.report
    boards = ", ".join(str(s.boards) for s in report.scenarios)
    click.echo(f"{report.bom.path.name}: {len(report.results)} lines, {boards} board(s), "
               f"attrition {report.attrition or 'none'}, {report.currency}")
    for source in report.sources:
        click.echo(f"  {source.name:<16} " + ("checked" if source.checked
                                                else f"not checked: {source.message}"))
    counts = ", ".join(f"{report.count(status)} {status.value}" for status in LineStatus
                       if report.count(status))
    click.echo(f"  lines: {counts}")
    click.echo(f"  {'boards':>8}  {'total':>16}  {'per board':>14}  {'coverage':>8}  {'short':>5}  "
               f"{'NCNR':>4}")
    for scenario in report.scenarios:
        totals = sorted(scenario.totals.items()) or [(report.currency, Decimal(0))]
        for number, (currency, total) in enumerate(totals):
            per_board = total / scenario.boards
            first = number == 0
            click.echo(f"  {scenario.boards if first else '':>8}  {_money(total, currency):>16}  "
                       f"{_money(per_board, currency, 2 if per_board >= 1 else 4):>14}  "
                       + (f"{scenario.coverage:>8.0%}  {scenario.shortages:>5}  {scenario.ncnr_lines:>4}"
                          if first else ""))
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


def _money(value: Decimal, currency: str, places: int = 2) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places)):,} {currency}"


def _fail(exc: BomcheckError) -> None:
    click.echo(f"bomcheck: error: {exc}", err=True)
    sys.exit(EXIT_FATAL)


@main.command("inspect")
@click.argument("bom", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what was understood as JSON on stdout.")
@click.option("--save-layout", is_flag=True,
              help="Remember the --*-column overrides given for BOMs with this header row, so later "
                   "runs (check, watch, inspect) apply them without flags.")
@reader_options
def inspect_command(bom: Path, as_json: bool, save_layout: bool, reader: ReaderOptions) -> None:
    """Show what bomcheck understood of BOM before any query: sheet, header row, columns and why, lines."""
    try:
        understood = read_bom(bom, reader)
        if save_layout:
            _save_layout(understood, reader)
    except BomcheckError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(inspect_json(understood), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(inspection_lines(understood)))


def _save_layout(bom: Bom, reader: ReaderOptions) -> None:
    columns = reader.column_overrides()
    if not columns:
        raise ConfigError("--save-layout saves the --*-column overrides given with it; none were given")
    header = bom.grid[bom.header_row - 1] if bom.header_row <= len(bom.grid) else ()
    target = layouts_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, with_layout(target, layout_key(header), header, columns))
    click.echo(f"saved the column map for this header layout in {target}", err=True)


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
@click.option("--token-lifetime", type=click.IntRange(min=1), default=1800, show_default=True,
              help="Seconds a DigiKey access token lives (expires_in).")
@click.option("--daily-quota", type=click.IntRange(min=0), default=1000, show_default=True,
              help="DigiKey Supply Chain calls allowed per day (the server's lifetime).")
@click.option("--no-bonded-agreement", is_flag=True,
              help="Act as an account without a bonded agreement: Supply Chain answers 403.")
@click.option("--digikey-error-shape", type=click.Choice(["mixed", "api", "problem"]), default="mixed",
              show_default=True, help="DigiKey error bodies: ApiErrorResponse, DKProblemDetails or both.")
def sandbox_command(host: str, port: int, arrow_rate: float | None, digikey_rate: float | None,
                    latency: float, token_lifetime: int, daily_quota: int, no_bonded_agreement: bool,
                    digikey_error_shape: str) -> None:
    """Run the sandbox server standalone (point BOMCHECK_ARROW_URL / BOMCHECK_DIGIKEY_URL at it)."""
    try:
        serve_forever(host, port, SandboxConfig(
            arrow_rate=arrow_rate, digikey_rate=digikey_rate, latency=latency,
            token_lifetime=token_lifetime, daily_quota=daily_quota,
            digikey_bonded_agreement=not no_bonded_agreement, digikey_error_shape=digikey_error_shape,
        ))
    except BomcheckError as exc:
        _fail(exc)


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Where the annotated workbooks go [default: INBOX/out].")
@click.option("--processed", type=click.Path(path_type=Path, file_okay=False),
              help="Where checked input files are moved [default: INBOX/processed].")
@click.option("--failed", type=click.Path(path_type=Path, file_okay=False),
              help="Where files that could not be checked are moved, each with a NAME.error.txt "
                   "[default: INBOX/failed].")
@click.option("--poll", type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="Scan the folder every SECONDS instead of waiting for folder events "
                   "(network shares, where events do not arrive).")
@click.option("--settle", type=click.FloatRange(min=0), default=2.0, show_default=True,
              metavar="SECONDS", help="A file is taken once its size and time stay unchanged this long.")
@click.option("--boards", "-b", type=BoardsList(),
              help="How many boards you build, or several (10,100,1000) [default: the inbox's "
                   "bomcheck.toml, else 1].")
@click.option("--attrition", type=Percent(),
              help="Extra parts per line for losses (2%) [default: the inbox's bomcheck.toml, else 0].")
@click.option("--extra", type=click.IntRange(min=0),
              help="A fixed number of extra parts per line [default: the inbox's bomcheck.toml, else 0].")
@reader_options
@click.option("--currency", help="Currency to ask Arrow for [default: the inbox's bomcheck.toml, "
                                 "else the config, else USD].")
@click.option("--cache-age", type=click.FloatRange(min=0), default=12.0, show_default=True,
              metavar="HOURS", help="A file whose content was checked this recently is not asked "
                                    "about again: its earlier output is reused.")
@click.option("--reprocess", is_flag=True, help="Check every file afresh, even unchanged ones.")
@click.option("--state", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the ledger and work copies [default: one per inbox in the user's "
                   "state folder].")
@click.option("--log-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also append the log, with timestamps, to this file.")
@click.option("--sandbox", is_flag=True,
              help="Use the built-in sandbox (runs as long as the service) instead of the real APIs.")
@click.option("--sandbox-latency", type=click.FloatRange(min=0), default=0.0, hidden=True)
@click.pass_context
def watch(ctx: click.Context, inbox: Path, out: Path | None, processed: Path | None,
          failed: Path | None, poll: float | None, settle: float, boards: tuple[int, ...] | None,
          attrition: Decimal | None, extra: int | None, reader: ReaderOptions, currency: str | None,
          cache_age: float, reprocess: bool, state: Path | None,
          log_file: Path | None, sandbox: bool, sandbox_latency: float) -> None:
    """Watch INBOX: check every BOM dropped there, write it annotated to out/, move it to processed/.

    Files that cannot be checked go to failed/ with NAME.error.txt saying why. An inbox may hold
    a bomcheck.toml (boards, attrition, extra, currency, sheet, header_row, mpn_column, ...)
    that wins over these options.
    Ctrl+C or SIGTERM: the file being checked is finished, then the service stops (exit 0).
    """
    try:
        if log_file:
            try:
                add_log_file(log_file)
            except OSError as exc:
                raise ConfigError(f"cannot write the log file {log_file}: {exc.strerror or exc}") from None
        if not ctx.obj["quiet"]:
            for name in ("bomcheck.watch", "bomcheck.inbox"):  # one line per file even without -v
                logging.getLogger(name).setLevel(min(logging.getLogger().level, logging.INFO))
        folders = InboxFolders.for_inbox(inbox, out=out, processed=processed, failed=failed, state=state)
        folders.create()
        local = read_inbox_config(folders.inbox)
        chosen_currency = local.get("currency") or (currency.upper() if currency else None)
        settings = load_settings({"currency": chosen_currency})
        redact_in_logs(settings.secrets)
        if not sandbox and not (settings.arrow_configured or settings.digikey_configured):
            raise ConfigError(missing_credentials_message())
        options = inbox_options(local, boards=boards, attrition=attrition, extra=extra, reader=reader,
                                currency=settings.currency)
        asyncio.run(_run_watch(folders, options, settings, poll=poll, settle=settle,
                               cache_hours=cache_age, reprocess=reprocess, sandbox=sandbox,
                               sandbox_config=SandboxConfig(latency=sandbox_latency)))
    except BomcheckError as exc:
        _fail(exc)
    except KeyboardInterrupt:  # before the service took over the signals
        sys.exit(EXIT_INTERRUPTED)


async def _run_watch(folders: InboxFolders, options: CheckOptions, settings: Settings, *, poll: float | None,
                     settle: float, cache_hours: float, reprocess: bool, sandbox: bool,
                     sandbox_config: SandboxConfig) -> None:
    with exclusive_state(folders.state):
        async with (_maybe_sandbox(settings, sandbox, sandbox_config) as effective,
                    open_sources(effective) as (runs, unavailable)):
            for status in unavailable:
                log.warning("%s not checked: %s", status.name, status.message)
            if not sandbox and settings.digikey_configured and not digikey_logged_in(settings):
                log.warning("DigiKey Bonded: %s (until then, files are checked without it)",
                            NOT_LOGGED_IN)
            asked = effective.environment or f"{effective.arrow_url} {effective.digikey_url}"
            job = InboxJob(folders, options, runs, unavailable, reprocess=reprocess,
                           ledger=Ledger(folders.ledger, timedelta(hours=cache_hours)),
                           secrets=settings.secrets, ledger_tag=asked)
            job.start()
            await serve(WatchConfig(folders.inbox, job.suffixes, poll=poll, settle=settle,
                                    ignore=is_own_output), job.process)

