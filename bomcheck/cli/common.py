"""What the commands share: exit codes, option types, the reader and cache options, the sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import signal
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click

from bomcheck import errors
from bomcheck.bom import ReaderOptions
from bomcheck.bom.layouts import load_layouts
from bomcheck.cli.logs import redact_in_logs
from bomcheck.config import Settings, config_dir, load_settings
from bomcheck.errors import ConfigError
from bomcheck.lookups.cached_lookups import DEFAULT_MAX_AGE, CachePolicy, parse_max_age
from bomcheck.model import SourceStatus
from bomcheck.pricing import DEFAULT_RULES, Rules, parse_max_excess, parse_percent
from bomcheck.runtime import any_source_configured, missing_credentials_message, sandbox_settings
from bomcheck.sandbox.mouser_api import locale_for
from bomcheck.sandbox.server import SandboxConfig, running_sandbox

EXIT_OK = 0
EXIT_UNCHECKED = 1
EXIT_FATAL = errors.EXIT_FATAL  # every BomcheckError's exit code (the error boundary in cli/app.py)
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process SIGTERM ended

EXIT_CODES_HELP = """\b
Exit codes:
  0  every line was checked (whatever its status: OK, SHORT,
     NOT FOUND, AMBIGUOUS, NO MPN or DNP) and the output
     was written
  1  the output was written, but a source failed for some
     lines (status ERROR, or a note such as "bonded stock not
     checked" when the daily quota ran out, or an answer
     --offline did not find in the cache); stderr counts
     them per source and reason
  2  usage error (bad option or argument)
  3  nothing was written: the BOM, the settings or the output
     path are wrong (the message says what to do)
  130  interrupted (Ctrl+C); no partial output is left
  143  stopped by SIGTERM (check), the same way as Ctrl+C
"""

log = logging.getLogger("bomcheck")


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound like Ctrl+C: every `finally` runs, so temp outputs are removed."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated (a KeyboardInterrupt) instead of killing at once."""
    def stop(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (an embedding host): leave SIGTERM as it is
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


T = TypeVar("T")


def run_stoppable(work: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, where SIGTERM and Ctrl+C cancel the run's main task and then raise Terminated
    or KeyboardInterrupt, so every `finally` runs (temp outputs are removed).

    An interrupt raised from a plain signal handler lands wherever the loop happens to be — inside
    a lock's own bookkeeping, say — and can leave a lock held for good: the shutdown, which waits
    for every cancelled task, then never ends. Cancelling the main task is what asyncio itself does
    for Ctrl+C since Python 3.11.
    """
    caught: list[type[BaseException]] = []

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        watched: list[signal.Signals] = []

        def stop(kind: type[BaseException]) -> None:
            caught.append(kind)
            if task is not None:
                task.cancel()

        for signum, kind in ((signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows, threads
                loop.add_signal_handler(signum, stop, kind)
                watched.append(signum)
        try:
            return await work
        finally:
            for signum in watched:
                loop.remove_signal_handler(signum)

    with sigterm_as_interrupt():  # before and after the loop runs
        try:
            return asyncio.run(main())
        except asyncio.CancelledError:
            if caught:
                raise caught[0]() from None
            raise



class BoardsList(click.ParamType):
    """`100` or `10,100,1000`: build quantities, each a whole number of at least 1."""

    name = "N[,N...]"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        counts: list[int] = []
        if re.fullmatch(r"\d{1,3}(,\d{3})+", str(value).strip()):
            click.echo(f"bomcheck: note: --boards {value} plans each of "
                       f"{', '.join(str(value).split(','))} boards; for "
                       f"{str(value).replace(',', '')} boards write it without commas", err=True)
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
            percent = parse_percent(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if 0 < percent < 1 and "%" not in str(value):
            option = param.opts[0] if param is not None and param.opts else "the value"
            click.echo(f"bomcheck: warning: {option} {value} means {percent.normalize():f} %, not "
                       f"{(percent * 100).normalize():f} %; for {(percent * 100).normalize():f} % write "
                       f"{option} {(percent * 100).normalize():f}% (write {percent.normalize():f}% to "
                       "keep this and silence the warning)", err=True)
        return percent


class Amount(click.ParamType):
    """`100`, `250.50` or `none`: an amount of money, or no limit."""

    name = "AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            parse_max_excess(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return str(value).strip()


class MaxAge(click.ParamType):
    """`90s`, `30m`, `12h` or `2d`: how old a cached answer may be."""

    name = "AGE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_max_age(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def cache_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --max-age, --refresh and --offline; the command gets `cache: CachePolicy`."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        max_age, refresh, offline = kwargs.pop("max_age"), kwargs.pop("refresh"), kwargs.pop("offline")
        if refresh and offline:
            raise click.UsageError("--refresh asks every source again and --offline asks none; give one")
        kwargs["cache"] = CachePolicy(max_age=max_age, refresh=refresh, offline=offline)
        return command(*args, **kwargs)

    decorated = click.option("--offline", is_flag=True,
                             help="Use only cached answers and send nothing: lines the cache cannot "
                                  "answer are marked not checked. Arrow answers are not kept between "
                                  "runs unless BOMCHECK_ARROW_CACHE=1.")(wrapper)
    decorated = click.option("--refresh", is_flag=True,
                             help="Ignore cached answers and ask again (new answers are cached).")(decorated)
    return click.option("--max-age", type=MaxAge(), default=f"{DEFAULT_MAX_AGE.total_seconds() / 3600:g}h",
                        show_default=True,
                        help="Use cached answers up to this old (90s, 30m, 12h, 2d). Arrow answers "
                             "stay in memory only, unless BOMCHECK_ARROW_CACHE=1 (README: Cache).")(decorated)


PLANNING_SETTINGS = ("require_rohs", "allow_other_maker", "max_excess")


def planning_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --require-rohs, --allow-other-maker and --max-excess; the command gets `planning`, the
    settings they override (None where not given: the config file or the environment decides)."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["planning"] = {name: kwargs.pop(name) for name in PLANNING_SETTINGS}
        return command(*args, **kwargs)

    decorated = click.option("--max-excess", type=Amount(), default=None,
                             help="Parts bought over need (MOQ, reel) worth more than this, and more than "
                                  "5 x the need's own value, need your approval; bomcheck also plans what "
                                  "stock sells without the big MOQ [default: 100 in the line's currency, or "
                                  "max_excess in the config file; none: never].")(wrapper)
    decorated = click.option("--allow-other-maker/--no-allow-other-maker", default=None,
                             help="When only another maker lists the MPN, plan its part as a proposal "
                                  "(status OTHER MAKER) instead of sending the line to quote [default: "
                                  "off, or allow_other_maker in the config file].")(decorated)
    return click.option("--require-rohs/--no-require-rohs", default=None,
                        help="Never buy an offer a source calls not RoHS compliant (a line with no "
                             "other offer is NOT ROHS), and ask to review a part whose RoHS nobody "
                             "gives [default: off, or require_rohs in the config file].")(decorated)


def planning_rules(settings: Settings) -> Rules:
    """The planner's rules from the settings (flags > environment > config file > defaults)."""
    max_excess = DEFAULT_RULES.max_excess
    if settings.max_excess:
        try:
            max_excess = parse_max_excess(settings.max_excess)
        except ValueError as exc:
            raise ConfigError(f"max_excess: {exc} (--max-excess, BOMCHECK_MAX_EXCESS or the config "
                              "file)") from None
    return Rules(require_rohs=settings.require_rohs, allow_other_maker=settings.allow_other_maker,
                 max_excess=max_excess)


_READER_COLUMNS = (
    ("mpn", "manufacturer part numbers", "'Field2', 'LibRef'"),
    ("qty", "the quantity per board", "'Qty fix'"),
    ("manufacturer", "manufacturer names", "'Vendor'"),
    ("refdes", "designators", "'Ref'"),
    ("description", "descriptions", "'Details'"),
    ("digikey", "DigiKey part numbers", "'DigiKey PN', or 'Digi-Key/Cat#' under a group row"),
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
        kwargs["reader"] = ReaderOptions(**given, layouts=load_layouts(layouts_path()))
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



@contextlib.asynccontextmanager
async def maybe_sandbox(settings: Settings, sandbox: bool,
                        config: SandboxConfig | None = None) -> AsyncIterator[Settings]:
    """`settings` as they are, or, with `sandbox`, pointed at a sandbox server running meanwhile."""
    if not sandbox:
        yield settings
        return
    config = config or SandboxConfig()
    if config.mouser_locale == SandboxConfig.mouser_locale:  # the demo account is in the run's currency
        config.mouser_locale = locale_for(settings.currency)
    async with running_sandbox(config) as url:
        log.info("sandbox running at %s", url)
        yield sandbox_settings(settings, url)


def settings_for_run(currency: str | None, *, sandbox: bool,
                     planning: Mapping[str, Any] | None = None) -> Settings:
    """The settings of a `check` or `watch` run, secrets registered; refuses a run with no source.

    `planning`: the planning flags given (planning_options), over the config file's values.
    """
    settings = load_settings({"currency": currency.upper() if currency else None, **(planning or {})})
    redact_in_logs(settings.secrets)
    if not sandbox and not any_source_configured(settings):
        raise ConfigError(missing_credentials_message())
    return settings


def warn_unavailable(unavailable: list[SourceStatus]) -> None:
    """One warning per source left out of the run, with the reason."""
    for status in unavailable:
        log.warning("%s not checked: %s", status.name, status.message)
