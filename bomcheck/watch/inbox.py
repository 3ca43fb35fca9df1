"""The watched folder's BOM job: check each dropped file, write its output, file the input away safely.

Order of work for one file, so that a hard kill at any point loses nothing: the input is copied
to the state folder and checked there; the output appears in out/ by an atomic rename; the
ledger notes it; only then does the input leave the inbox (for processed/). Killed before that,
the input is still in the inbox and is simply taken again at the next start.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import shutil
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bomcheck.bom import SUPPORTED_SUFFIXES
from bomcheck.check import CheckOptions, check_bom
from bomcheck.errors import BomcheckError, OutputError
from bomcheck.files import atomic_output, atomic_write_text
from bomcheck.lookups.cached_lookups import CachedLookups
from bomcheck.lookups.fanout import SourceRun
from bomcheck.model import LineStatus, Report, SourceStatus
from bomcheck.output.failures import run_failures
from bomcheck.output.workbook import OUTPUT_MARK, output_tail
from bomcheck.pricing import DEFAULT_RULES
from bomcheck.redact import redact
from bomcheck.watch.folders import InboxFolders, free_name, move_without_overwrite
from bomcheck.watch.ledger import Ledger, LedgerEntry, sha256_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileResult:
    """What became of one dropped file (for the log line and for tests)."""

    name: str
    status: str  # "checked", "reused", "failed"; "changed" or "kept": still in the inbox
    output: Path | None = None
    moved_to: Path | None = None
    message: str = ""


class InboxJob:
    """The `process(path)` callback of the watch service for BOMs."""

    def __init__(self, folders: InboxFolders, options: CheckOptions, runs: Sequence[SourceRun],
                 unavailable: Sequence[SourceStatus] = (), *, ledger: Ledger | None = None,
                 reprocess: bool = False, secrets: Sequence[str] = (), ledger_tag: str = "",
                 lookups: CachedLookups | None = None) -> None:
        self.folders = folders
        self.options = options
        self.runs = runs
        self.unavailable = unavailable
        self.ledger = ledger or Ledger(folders.ledger)
        self.reprocess = reprocess
        self.ledger_tag = ledger_tag  # where the answers come from (the APIs' URLs): part of the key
        self.secrets = tuple(s for s in secrets if s)
        self.results: deque[FileResult] = deque(maxlen=100)  # the latest, for tests and callers
        self.lookups = lookups  # the offers cache, shared by every file of the service

    @property
    def suffixes(self) -> frozenset[str]:
        return frozenset(SUPPORTED_SUFFIXES)

    def start(self) -> None:
        """Say what the service will do, and remove what a hard kill left behind."""
        f, o = self.folders, self.options
        log.info("inbox %s: %s %s, attrition %s, %s; outputs to %s, inputs then to %s or %s",
                 f.inbox, ", ".join(map(str, o.board_counts)),
                 "board" if o.board_counts == (1,) else "boards", o.attrition, o.currency, f.out,
                 f.processed, f.failed)
        self.clean_leftovers()

    def clean_leftovers(self) -> None:
        """Remove work copies and our half-written temp files in out/ (a hard kill leaves them)."""
        shutil.rmtree(self.folders.work, ignore_errors=True)
        self.folders.work.mkdir(parents=True, exist_ok=True)
        for leftover in self.folders.out.glob(f".*{OUTPUT_MARK}*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
                log.debug("removed the leftover temp file %s", leftover)

    async def process(self, path: Path) -> FileResult:
        started = time.monotonic()
        result = await self._process(path)
        self.results.append(result)
        seconds = time.monotonic() - started
        if result.status == "failed":
            log.warning("%s: FAILED: %s -> %s (%.1f s)", result.name, result.message,
                        result.moved_to, seconds)
        elif result.status == "kept":
            log.error("%s: %s", result.name, result.message)
        elif result.status == "changed":
            log.info("%s: %s", result.name, result.message)
        else:
            log.info("%s: %s -> %s (%.1f s)", result.name, result.message, result.output, seconds)
        return result

    async def _process(self, path: Path) -> FileResult:
        try:
            content_hash = sha256_of(path)
        except OSError:
            return FileResult(path.name, "changed", message="it vanished before it could be read")
        key = self._key(content_hash)
        entry = None if self.reprocess else self.ledger.fresh(key)
        if entry is not None and entry.intact():
            try:
                output = self._reuse(entry, path)
            except (OutputError, OSError) as exc:
                return self._keep(path, exc)
            return self._file_away(path, content_hash, FileResult(
                path.name, "reused", output,
                message=f"same content as {entry.output.name}, checked {entry.checked_at:%Y-%m-%d %H:%M} "
                        "UTC: not asked again"))
        log.info("checking %s", path.name)
        work = self.folders.work / content_hash[:16]
        work.mkdir(parents=True, exist_ok=True)
        copy = work / path.name
        try:
            shutil.copyfile(path, copy)
            if sha256_of(copy) != content_hash:
                return FileResult(path.name, "changed", message="it changed while being read; "
                                                                 "it will be taken again")
            output_target = free_name(self.folders.out, _stem(path), output_tail(path))
            options = dataclasses.replace(self.options, output=output_target, json_output=None)
            outcome = await check_bom(copy, options, self.runs, self.unavailable, lookups=self.lookups)
        except (OutputError, OSError) as exc:  # our folders, not the user's file
            return self._keep(path, exc)
        except BomcheckError as exc:
            return self._fail(path, self._redact(str(exc)))
        except Exception as exc:
            log.debug("traceback of the failure on %s", path.name, exc_info=True)
            return self._fail(path, f"bomcheck failed unexpectedly ({type(exc).__name__}). This is "
                              "most likely a bug in bomcheck, not a problem with your file: keep the "
                              "file, report it, and drop it in again once fixed. The service log "
                              "(run with -vv) has the details.")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        report = outcome.report
        if self._complete(report):
            # reused later as long as its oldest answer is young enough, not merely its check
            oldest = min((s.oldest for s in report.sources if s.oldest is not None), default=None)
            self.ledger.record(key, outcome.output, oldest)
        counts = ", ".join(f"{report.count(s)} {s.value}" for s in LineStatus if report.count(s))
        # lines a source failed for are marked in the output; the file is filed away like any
        # other, and not recorded in the ledger, so dropping it again asks again
        failed = "" if report.all_checked else f"; {run_failures(report).sentence()}"
        return self._file_away(path, content_hash, FileResult(
            path.name, "checked", outcome.output,
            message=f"{len(report.results)} lines ({counts}), "
                    f"{', '.join(str(s.boards) for s in report.scenarios)} "
                    f"{'board' if [s.boards for s in report.scenarios] == [1] else 'boards'}{failed}"))

    def _complete(self, report: Report) -> bool:
        """Worth reusing: no line in ERROR, and every source we run answered (none lost its login)."""
        left_out = {status.name for status in self.unavailable}
        return report.all_checked and all(s.checked for s in report.sources if s.name not in left_out)

    def _key(self, content_hash: str) -> str:
        o = self.options
        # The saved column maps count too: re-saving one changes how the same bytes are read.
        reader = hashlib.sha256(repr(o.reader).encode("utf-8")).hexdigest()[:16]
        # Planning rules other than the defaults count (said only then: earlier keys stay valid).
        rules = (repr(o.rules),) if o.rules != DEFAULT_RULES else ()
        return "|".join((content_hash, repr(o.board_counts), str(o.attrition), o.currency, reader, *rules,
                         *sorted(run.source.name for run in self.runs), self.ledger_tag))

    def _reuse(self, entry: LedgerEntry, path: Path) -> Path:
        """The earlier output, as it is if it already bears this file's name, else copied to it."""
        natural = self.folders.out / f"{_stem(path)}{output_tail(path)}"
        if entry.output.parent == self.folders.out and entry.output.name == natural.name:
            return entry.output
        target = free_name(self.folders.out, _stem(path), output_tail(path))
        with atomic_output(target) as temp:
            shutil.copyfile(entry.output, temp)
        return target

    def _file_away(self, path: Path, content_hash: str, result: FileResult) -> FileResult:
        """Move the input to processed/, unless a new version replaced it meanwhile."""
        try:
            if sha256_of(path) != content_hash:
                return dataclasses.replace(result, message=result.message + "; the file changed "
                                           "meanwhile and stays in the inbox to be checked again")
            moved = move_without_overwrite(path, self.folders.processed)
        except OSError as exc:
            log.error("%s: checked, but cannot move it to %s (%s); it stays in the inbox",
                      path.name, self.folders.processed, exc.strerror or exc)
            return result
        return dataclasses.replace(result, moved_to=moved)

    def _keep(self, path: Path, exc: Exception) -> FileResult:
        """A problem on our side (out/ or the state folder): the file waits in the inbox."""
        reason = str(exc) if isinstance(exc, BomcheckError) else getattr(exc, "strerror", None) or str(exc)
        return FileResult(path.name, "kept", message=f"{self._redact(reason)}; the file stays in the "
                                                     "inbox and is taken again at the next start")

    def _fail(self, path: Path, reason: str) -> FileResult:
        try:
            moved = move_without_overwrite(path, self.folders.failed)
        except OSError as exc:
            log.error("%s: cannot move it to %s (%s); it stays in the inbox",
                      path.name, self.folders.failed, exc.strerror or exc)
            return FileResult(path.name, "failed", message=reason)
        note = free_name(self.folders.failed, moved.name, ".error.txt")
        hint = _OPTIONS_HINT if " --" in reason else ""
        when = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
        text = (f"bomcheck could not check {path.name}.\n\n"
                f"What was wrong: {reason}\n\n"
                f"What to do: fix the file (or the setting named above), then drop it into\n"
                f"{self.folders.inbox} again. It will be checked afresh.\n{hint}\n"
                f"(moved here from the inbox at {when})\n")
        try:
            atomic_write_text(note, text)
        except BomcheckError as exc:
            log.error("cannot write %s: %s", note, exc)
        return FileResult(path.name, "failed", moved_to=moved, message=reason)

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)


_OPTIONS_HINT = ("Options such as --mpn-column or --sheet are set for this inbox in its bomcheck.toml\n"
                 "(mpn_column = \"Field2\", sheet = \"BOM\"), then the service is restarted.\n")


def _stem(path: Path) -> str:
    return path.stem
