"""The `bomcheck` command line: options in, work delegated, errors turned into messages and exit codes."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from bomcheck import __version__
from bomcheck.bom import ReaderOptions, check_bom_file, read_bom
from bomcheck.bom.layouts import layout_key, load_layouts, with_layout, without_layout
from bomcheck.check import CheckOptions, CheckOutcome, check_bom
from bomcheck.cli.common import (
    EXIT_CODES_HELP,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_UNCHECKED,
    BoardsList,
    Percent,
    Terminated,
    cache_options,
    fail,
    layouts_path,
    maybe_sandbox,
    reader_options,
    settings_for_run,
    sigterm_as_interrupt,
    warn_unavailable,
)
from bomcheck.cli.logs import redact_in_logs, setup_logging
from bomcheck.cli.watch import watch
from bomcheck.config import Settings, load_settings
from bomcheck.errors import BomcheckError, ConfigError
from bomcheck.files import atomic_write_text, private_folder
from bomcheck.lookups.cached_lookups import CachePolicy
from bomcheck.model import Bom, LineStatus
from bomcheck.output.failures import run_failures
from bomcheck.output.inspect import inspect_json, inspection_lines
from bomcheck.pricing import Attrition
from bomcheck.runtime import (
    DIGIKEY_SANDBOX_URL,
    login_digikey,
    open_lookups,
    open_sources,
    sandbox_environment,
)
from bomcheck.sandbox.faults import FAILING_KINDS, FaultConfig, fault_rates, parse_fault
from bomcheck.sandbox.server import SandboxConfig, serve_forever

log = logging.getLogger("bomcheck")



@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bomcheck")
@click.option("-v", "--verbose", count=True, help="More log detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr, no progress bar.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Check a bill of materials against Arrow and DigiKey bonded inventory before you order."""
    ctx.obj = {"quiet": quiet}
    setup_logging(verbose=verbose, quiet=quiet)


main.add_command(watch)  # the drop-folder service's command, in cli_watch


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
@click.option("--currency", help="Currency to ask Arrow for (USD, EUR, GBP, ...) [default: "
                                 "BOMCHECK_CURRENCY or the config file, else USD].")
@click.option("--sandbox", is_flag=True,
              help="Use the built-in sandbox (synthetic catalog, demo account) instead of the real APIs.")
@click.option("--sandbox-faults", type=click.FloatRange(0, 1), metavar="RATE",
              help="With --sandbox: fail this share of its API requests, every kind of failure "
                   "(as `bomcheck sandbox --faults`), to see how bomcheck copes; the offers cache "
                   "is neither read nor written.")
@cache_options
@click.pass_context
def check(ctx: click.Context, bom: Path, boards: tuple[int, ...], attrition: Decimal, extra: int,
          output: Path | None, json_output: Path | None,
          reader: ReaderOptions, currency: str | None, sandbox: bool, sandbox_faults: float | None,
          cache: CachePolicy) -> None:
    """Check BOM and write an annotated copy with stock, MOQ, NCNR and best price per line.

    The input file is never written to.
    """
    quiet = ctx.obj["quiet"]
    if sandbox_faults and not sandbox:
        raise click.UsageError("--sandbox-faults needs --sandbox")
    if sandbox_faults and cache.offline:
        raise click.UsageError("--sandbox-faults fails requests and --offline sends none; give one")
    try:
        check_bom_file(bom)  # a wrong path is said before missing credentials
        settings = settings_for_run(currency, sandbox=sandbox)
        options = CheckOptions(boards=boards, attrition=Attrition(attrition, extra), reader=reader,
                               output=output,
                               json_output=json_output, currency=settings.currency)
        faulty = None
        if sandbox_faults:
            faulty = SandboxConfig(faults=FaultConfig(fault_rates(sandbox_faults, {})))
        with sigterm_as_interrupt():
            outcome = asyncio.run(_run_check(bom, options, settings, cache, sandbox=sandbox, quiet=quiet,
                                             sandbox_config=faulty))
    except BomcheckError as exc:
        fail(exc)
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        click.echo(f"bomcheck: {'stopped by SIGTERM' if terminated else 'interrupted'}; "
                   "no partial output was left behind", err=True)
        sys.exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)
    _print_summary(outcome)
    if not outcome.report.all_checked:  # exit 1 says so; stderr says how many lines and why
        click.echo(f"bomcheck: {run_failures(outcome.report).sentence()}", err=True)
    ctx.exit(EXIT_OK if outcome.report.all_checked else EXIT_UNCHECKED)


async def _run_check(bom: Path, options: CheckOptions, settings: Settings, cache: CachePolicy, *,
                     sandbox: bool, quiet: bool, sandbox_config: SandboxConfig | None = None) -> CheckOutcome:
    async with (maybe_sandbox(settings, sandbox, sandbox_config) as effective,
                open_sources(effective) as (runs, unavailable)):
        warn_unavailable(unavailable)
        # Faults are played on requests: an answer from the cache would hide them, and a faulty
        # run's answers are not kept for the next run.
        lookups = open_lookups(effective, cache,
                               uncached=sandbox_config is not None and sandbox_config.faults.active)
        try:
            return await check_bom(bom, options, runs, unavailable,
                                   progress=None if quiet else ProgressBar(), lookups=lookups)
        finally:
            lookups.cache.close()


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
        age = f"; data {source.data_age(report.checked_at)}" if source.checked or source.from_cache else ""
        click.echo(f"  {source.name:<16} {source.describe()}{age}")
    for warning in report.bom.warnings:
        click.echo(f"  reader: {warning}")
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
                       f"{_money(per_board, currency, 4 if 0 < per_board < 1 else 2):>14}  "
                       + (f"{scenario.coverage:>8.0%}  {scenario.shortages:>5}  {scenario.ncnr_lines:>4}"
                          if first else ""))
    attention = [r for r in report.results if r.status.needs_attention]
    for result in attention[:10]:
        name = result.line.mpn or ", ".join(result.line.refdes) or "(no MPN)"
        click.echo(f"  row {result.line.row}: {name}: {result.status.value}"
                   + (f" ({result.reason})" if result.reason else ""))
    if len(attention) > 10:
        click.echo(f"  ... and {len(attention) - 10} more lines need attention (see Status column)")
    for scenario in report.scenarios:  # each quantity decides for itself
        substituted = [f"{r.line.row} ({r.line.mpn or 'no MPN'} -> {r.bought_mpn})"
                       for r in scenario.results if r.alternate]
        if substituted:
            more = f", and {len(substituted) - 5} more" if len(substituted) > 5 else ""
            shown = ", row ".join(substituted[:5])
            at = f" at {scenario.boards} boards" if len(report.scenarios) > 1 else ""
            click.echo(f"  bought as an alternate{at}, for a buyer to approve: row {shown}{more}")
    doubted = [r.line.row for r in report.results if r.line.warnings and not r.line.dnp]
    if doubted:
        rows = ", ".join(map(str, doubted[:8])) + (", …" if len(doubted) > 8 else "")
        click.echo(f"  reader warnings on {len(doubted)} line(s), rows {rows}: see their Notes")
    click.echo(f"wrote {outcome.output}")
    if outcome.json_output:
        click.echo(f"wrote {outcome.json_output}")


def _money(value: Decimal, currency: str, places: int = 2) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places)):,} {currency}"


@main.command("inspect")
@click.argument("bom", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what was understood as JSON on stdout.")
@click.option("--save-layout", is_flag=True,
              help="Remember the --*-column overrides given for BOMs with this header row, so later "
                   "runs (check, watch, inspect) apply them without flags.")
@click.option("--forget-layout", is_flag=True,
              help="Forget the column map saved for BOMs with this header row.")
@reader_options
def inspect_command(bom: Path, as_json: bool, save_layout: bool, forget_layout: bool,
                    reader: ReaderOptions) -> None:
    """Show what bomcheck understood of BOM before any query: sheet, header row, columns and why, lines."""
    try:
        if save_layout and forget_layout:
            raise ConfigError("--save-layout and --forget-layout contradict each other; give one")
        understood = read_bom(bom, reader)
        if save_layout:
            _save_layout(understood, reader)
        if forget_layout:
            _forget_layout(understood)
            understood = read_bom(bom, dataclasses.replace(reader, layouts=load_layouts(layouts_path())))
    except BomcheckError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(inspect_json(understood), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(inspection_lines(understood)))


def _save_layout(bom: Bom, reader: ReaderOptions) -> None:
    columns = reader.column_overrides()
    if not columns:
        raise ConfigError("--save-layout saves the --*-column overrides given with it; none were given")
    header = _header_of(bom)
    target = layouts_path()
    private_folder(target.parent)
    atomic_write_text(target, with_layout(target, layout_key(header), header, columns), private=True)
    click.echo(f"saved the column map for this header layout in {target}", err=True)


def _header_of(bom: Bom) -> tuple:
    """The header row's cells as read: what a saved column map is keyed by."""
    return bom.grid[bom.header_row - 1] if bom.header_row <= len(bom.grid) else ()


def _forget_layout(bom: Bom) -> None:
    header = _header_of(bom)
    target = layouts_path()
    remaining = without_layout(target, layout_key(header))
    if remaining is None:
        raise ConfigError(f"no column map is saved for this header layout (in {target})")
    atomic_write_text(target, remaining, private=True)
    click.echo(f"forgot the column map for this header layout in {target}", err=True)


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
        fail(exc)
    click.echo(f"DigiKey login saved in {stored}")


@main.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8470, show_default=True,
              help="Port to listen on.")
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
@click.option("--faults", "all_faults", type=click.FloatRange(0, 1), metavar="RATE",
              help="Fail this share of Arrow and DigiKey requests (0.2 = 20%), spread evenly over "
                   f"every kind of failure: {', '.join(FAILING_KINDS)} (1.0 fails every request; "
                   "a slow trickle is not a failure: --fault trickle=RATE).")
@click.option("--fault", "faults", multiple=True, metavar="KIND=RATE",
              help="Fail this share of requests with one kind of fault (repeatable; on top of "
                   "--faults), e.g. --fault timeout=0.1 --fault 503=0.05.")
@click.option("--fault-seed", type=int, default=0, show_default=True,
              help="Seed of the fault draws: the same seed fails the same requests again.")
@click.option("--fault-oauth", is_flag=True,
              help="Also fault DigiKey's OAuth endpoints (a lost refresh answer costs the login).")
def sandbox_command(host: str, port: int, arrow_rate: float | None, digikey_rate: float | None,
                    latency: float, token_lifetime: int, daily_quota: int, no_bonded_agreement: bool,
                    digikey_error_shape: str, all_faults: float | None, faults: tuple[str, ...],
                    fault_seed: int, fault_oauth: bool) -> None:
    """Run the sandbox server standalone (point BOMCHECK_ARROW_URL / BOMCHECK_DIGIKEY_URL at it).

    With --faults / --fault it fails requests the ways real services do: HTTP 500, 502, 503,
    a timeout (no answer), a connection reset, a truncated body, invalid JSON or an HTML page
    with HTTP 200; --fault trickle=RATE sends answers slowly (not a failure unless slower than
    the client's timeout, so not part of --faults). GET /_sandbox/stats counts them.
    """
    try:
        rates = fault_rates(all_faults, dict(parse_fault(text) for text in faults))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault/--faults") from None
    try:
        serve_forever(host, port, SandboxConfig(
            arrow_rate=arrow_rate, digikey_rate=digikey_rate, latency=latency,
            token_lifetime=token_lifetime, daily_quota=daily_quota,
            digikey_bonded_agreement=not no_bonded_agreement, digikey_error_shape=digikey_error_shape,
            faults=FaultConfig(rates, seed=fault_seed, oauth=fault_oauth),
        ), sandbox_environment)
    except BomcheckError as exc:
        fail(exc)
