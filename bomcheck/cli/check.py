"""`bomcheck check BOM`: one BOM read, asked about, planned and written; its exit code."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from bomcheck.bom import ReaderOptions, check_bom_file
from bomcheck.check import CheckOptions, CheckOutcome, check_bom
from bomcheck.cli.common import (
    EXIT_CODES_HELP,
    EXIT_OK,
    EXIT_UNCHECKED,
    BoardsList,
    Percent,
    cache_options,
    maybe_sandbox,
    planning_options,
    planning_rules,
    reader_options,
    run_stoppable,
    settings_for_run,
    warn_unavailable,
)
from bomcheck.cli.progress import ProgressBar
from bomcheck.config import Settings, rfq_config
from bomcheck.lookups.cached_lookups import CachePolicy
from bomcheck.output.failures import run_failures
from bomcheck.output.rfq_file import RfqRequest
from bomcheck.output.terminal import summary_lines
from bomcheck.pricing import Attrition
from bomcheck.runtime import open_lookups, open_sources
from bomcheck.sandbox.faults import FaultConfig, fault_rates
from bomcheck.sandbox.server import SandboxConfig


@click.command(epilog=EXIT_CODES_HELP)
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
@click.option("--rfq", is_flag=True,
              help="Also write BOM.rfq.xlsx beside the output: the lines to quote, to send to a supplier "
                   "(header from the [rfq] section of the config file; see README, RFQ file).")
@click.option("--rfq-target-price", is_flag=True,
              help="In the RFQ file, add a target unit price per quantity: the price the plan found "
                   "(off by default: it tells the supplier what others ask). Implies --rfq.")
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
@planning_options
@click.pass_context
def check(ctx: click.Context, bom: Path, boards: tuple[int, ...], attrition: Decimal, extra: int,
          output: Path | None, json_output: Path | None, rfq: bool, rfq_target_price: bool,
          reader: ReaderOptions, currency: str | None, sandbox: bool, sandbox_faults: float | None,
          cache: CachePolicy, planning: dict[str, object]) -> None:
    """Check BOM and write an annotated copy with stock, MOQ, NCNR and best price per line.

    The input file is never written to.
    """
    quiet = ctx.obj["quiet"]
    if sandbox_faults and not sandbox:
        raise click.UsageError("--sandbox-faults needs --sandbox")
    if sandbox_faults and cache.offline:
        raise click.UsageError("--sandbox-faults fails requests and --offline sends none; give one")
    check_bom_file(bom)  # a wrong path is said before missing credentials
    settings = settings_for_run(currency, sandbox=sandbox, planning=planning)
    options = CheckOptions(boards=boards, attrition=Attrition(attrition, extra), reader=reader,
                           output=output,
                           json_output=json_output, currency=settings.currency,
                           rules=planning_rules(settings),
                           rfq=rfq_request(settings, target_price=rfq_target_price)
                           if rfq or rfq_target_price else None)
    faulty = None
    if sandbox_faults:
        faulty = SandboxConfig(faults=FaultConfig(fault_rates(sandbox_faults, {})))
    outcome = run_stoppable(_run_check(bom, options, settings, cache, sandbox=sandbox, quiet=quiet,
                                       sandbox_config=faulty))
    written = [outcome.output, *([outcome.json_output] if outcome.json_output else []),
               *([outcome.rfq_output] if outcome.rfq_output else [])]
    click.echo("\n".join(summary_lines(outcome.report, written)))
    if not outcome.report.all_checked:  # exit 1 says so; stderr says how many lines and why
        click.echo(f"bomcheck: {run_failures(outcome.report).sentence()}", err=True)
    ctx.exit(EXIT_OK if outcome.report.all_checked else EXIT_UNCHECKED)


async def _run_check(bom: Path, options: CheckOptions, settings: Settings, cache: CachePolicy, *,
                     sandbox: bool, quiet: bool, sandbox_config: SandboxConfig | None = None) -> CheckOutcome:
    sandbox_config = sandbox_config or SandboxConfig()
    async with (maybe_sandbox(settings, sandbox, sandbox_config) as effective,
                open_sources(effective) as (runs, unavailable)):
        warn_unavailable(unavailable)
        # Faults are played on requests: an answer from the cache would hide them, and a faulty
        # run's answers are not kept for the next run.
        lookups = open_lookups(effective, cache, uncached=sandbox_config.faults.active,
                               sandbox=sandbox_config if sandbox else None)
        try:
            return await check_bom(bom, options, runs, unavailable,
                                   progress=None if quiet else ProgressBar(), lookups=lookups)
        finally:
            lookups.cache.close()



def rfq_request(settings: Settings, *, target_price: bool) -> RfqRequest:
    """The RFQ file's request: the [rfq] section of the config, and whether to show target prices."""
    return RfqRequest(**rfq_config(settings), target_price=target_price)
