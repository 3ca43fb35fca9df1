"""The `bomcheck watch` command: the inbox's options and settings in, the watch service run on them."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import click

from bomcheck.bom import ReaderOptions
from bomcheck.check import CheckOptions
from bomcheck.cli.common import (
    BoardsList,
    Percent,
    cache_options,
    maybe_sandbox,
    planning_rules,
    reader_options,
    settings_for_run,
    warn_unavailable,
)
from bomcheck.cli.logs import add_log_file
from bomcheck.config import Settings, rfq_config
from bomcheck.errors import ConfigError
from bomcheck.lookups.cached_lookups import DEFAULT_MAX_AGE, LONGEST_AGE_DAYS, CachePolicy
from bomcheck.output.rfq_file import RfqRequest
from bomcheck.runtime import answers_from, open_lookups, open_sources, still_missing
from bomcheck.sandbox.server import SandboxConfig
from bomcheck.watch.folder import WatchConfig, serve
from bomcheck.watch.folders import InboxFolders, exclusive_inbox, exclusive_state, is_own_output
from bomcheck.watch.inbox import InboxJob
from bomcheck.watch.ledger import Ledger
from bomcheck.watch.settings import INBOX_CONFIG, inbox_options, read_inbox_config

log = logging.getLogger("bomcheck")


def _not_input(path: Path) -> bool:
    """Our own outputs and the inbox's own settings file are never inputs (and never worth a word)."""
    return is_own_output(path) or path.name == INBOX_CONFIG


def _a_number(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if math.isnan(value):  # FloatRange lets NaN through: it compares false with both bounds
        raise click.BadParameter("nan is not a number of hours", ctx, param)
    return value


@click.command()
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
@click.option("--rfq", is_flag=True,
              help="Also write BOM.rfq.xlsx beside each output, to send to a supplier (header from the "
                   "config's [rfq]; an inbox's bomcheck.toml may say rfq = true/false).")
@click.option("--rfq-target-price", is_flag=True,
              help="In the RFQ file, a target unit price per quantity (the plan's). Implies --rfq.")
@reader_options
@click.option("--currency", help="Currency to ask Arrow for [default: the inbox's bomcheck.toml, "
                                 "else the config, else USD].")
@click.option("--cache-age", type=click.FloatRange(min=0, max=LONGEST_AGE_DAYS * 24),
              default=DEFAULT_MAX_AGE.total_seconds() / 3600,
              show_default=True, callback=_a_number, metavar="HOURS",
              help="A file whose content was checked this recently is not asked about again: its "
                   "earlier output is reused.")
@click.option("--reprocess", is_flag=True, help="Check every file afresh, even unchanged ones.")
@click.option("--state", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the ledger and work copies [default: one per inbox in the user's "
                   "state folder].")
@click.option("--log-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also append the log, with timestamps, to this file.")
@click.option("--sandbox", is_flag=True,
              help="Use the built-in sandbox (runs as long as the service) instead of the real APIs.")
@click.option("--sandbox-latency", type=click.FloatRange(min=0), default=0.0, hidden=True)
@cache_options
@click.pass_context
def watch(ctx: click.Context, inbox: Path, out: Path | None, processed: Path | None,
          failed: Path | None, poll: float | None, settle: float, boards: tuple[int, ...] | None,
          attrition: Decimal | None, extra: int | None, rfq: bool, rfq_target_price: bool,
          reader: ReaderOptions, currency: str | None,
          cache_age: float, reprocess: bool, state: Path | None,
          log_file: Path | None, sandbox: bool, sandbox_latency: float, cache: CachePolicy) -> None:
    """Watch INBOX: check every BOM dropped there, write it annotated to out/, move it to processed/.

    Files that cannot be checked go to failed/ with NAME.error.txt saying why. An inbox may hold
    a bomcheck.toml (boards, attrition, extra, currency, rfq, sheet, header_row, mpn_column, ...)
    that wins over these options.
    Ctrl+C or SIGTERM: the file being checked is finished, then the service stops (exit 0).
    Files dropped within 10 minutes of each other share Arrow's answers (in memory); --refresh
    ignores answers cached before the service started, and checks every file afresh.
    """
    if log_file:
        try:
            add_log_file(log_file)
        except OSError as exc:
            raise ConfigError(f"cannot write the log file {log_file}: {exc.strerror or exc}") from None
    if not ctx.obj["quiet"]:
        # one line per file even without -v
        for name in ("bomcheck.watch.folder", "bomcheck.watch.inbox"):
            logging.getLogger(name).setLevel(min(logging.getLogger().level, logging.INFO))
    folders = InboxFolders.for_inbox(inbox, out=out, processed=processed, failed=failed, state=state)
    folders.create()
    local = read_inbox_config(folders.inbox)
    settings = settings_for_run(local.get("currency") or currency, sandbox=sandbox)
    options = inbox_options(local, boards=boards, attrition=attrition, extra=extra, reader=reader,
                            currency=settings.currency, rules=planning_rules(settings),
                            rfq_header=RfqRequest(**rfq_config(settings)), rfq=rfq,
                            rfq_target_price=rfq_target_price)
    if "max_age" in local:
        cache = dataclasses.replace(cache, max_age=local["max_age"])
    asyncio.run(_run_watch(folders, options, settings, poll=poll, settle=settle,
                           cache_hours=cache_age, reprocess=reprocess or cache.refresh, cache=cache,
                           sandbox=sandbox,
                           sandbox_config=SandboxConfig(latency=sandbox_latency)))


async def _run_watch(folders: InboxFolders, options: CheckOptions, settings: Settings, *, poll: float | None,
                     settle: float, cache_hours: float, reprocess: bool, cache: CachePolicy, sandbox: bool,
                     sandbox_config: SandboxConfig) -> None:
    with exclusive_inbox(folders.inbox), exclusive_state(folders.state):
        async with (maybe_sandbox(settings, sandbox, sandbox_config) as effective,
                    open_sources(effective) as (runs, unavailable)):
            warn_unavailable(unavailable)
            for missing in ([] if sandbox else still_missing(settings)):
                log.warning("%s (until then, files are checked without it)", missing)
            asked = answers_from(effective)
            lookups = open_lookups(effective, cache,  # one cache for every file of the service
                                   sandbox=sandbox_config if sandbox else None)
            job = InboxJob(folders, options, runs, unavailable, reprocess=reprocess,
                           # an output older than --max-age holds answers older than it
                           ledger=Ledger(folders.ledger,
                                         min(timedelta(hours=cache_hours), lookups.shortest_age)),
                           secrets=settings.secrets, ledger_tag=asked + (" offline" if cache.offline else ""),
                           lookups=lookups)
            job.start()
            try:
                await serve(WatchConfig(folders.inbox, job.suffixes, poll=poll, settle=settle,
                                        ignore=_not_input), job.process)
            finally:
                lookups.cache.close()

