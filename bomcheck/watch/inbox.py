"""The watched folder's BOM job: check each dropped file, write its output, file the input away safely.

Order of work for one file, so that a hard kill at any point loses nothing and checks nothing
twice: the input is copied to the state folder and checked there, its output written there too;
the ledger notes the output it is handing over; the output takes its name in out/ (a hard link
or a complete copy: never a partial file); only then does the input leave the inbox (for
processed/), and the ledger closes the hand-over. Killed before the output is in out/, the input
is still in the inbox and is simply checked again at the next start; killed after, the next start
finds the hand-over and files the input away without a second output. A file that cannot be
checked gets its note in failed/ (and its log line) before it moves there.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import gc
import hashlib
import logging
import os
import shutil
import sys
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
from bomcheck.output.rfq_file import RFQ_MARK, rfq_path
from bomcheck.output.workbook import OUTPUT_MARK, check_output_path, output_tail
from bomcheck.pricing import DEFAULT_RULES
from bomcheck.redact import redact
from bomcheck.watch.folders import InboxFolders
from bomcheck.watch.ledger import Ledger, LedgerEntry, sha256_of
from bomcheck.watch.moves import MOVING_TAIL, free_name, move_without_overwrite, numbered_names, place

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
        """Say what the service will do, and finish or remove what a hard kill left behind."""
        f, o = self.folders, self.options
        log.info("inbox %s: %s %s, attrition %s, %s; outputs to %s, inputs then to %s or %s",
                 f.inbox, ", ".join(map(str, o.board_counts)),
                 "board" if o.board_counts == (1,) else "boards", o.attrition, o.currency, f.out,
                 f.processed, f.failed)
        self.clean_leftovers()
        self.finish_interrupted_moves()
        self.remove_stray_rfqs()
        self.ledger.keep_handovers(lambda name: bool(name) and (f.inbox / name).is_file())

    def remove_stray_rfqs(self) -> None:
        """An RFQ file placed in out/ whose workbook never followed (a kill came between the two)
        was never announced: removed, unless someone changed it since, so no buyer sends two RFQs
        for one BOM once the file is checked again."""
        for rfq, digest in self.ledger.stray_companions():
            with contextlib.suppress(OSError):
                if rfq.is_file() and sha256_of(rfq) == digest:
                    rfq.unlink()
                    log.info("removed %s: its workbook was never placed (the service was stopped "
                             "in between); the BOM is checked again", rfq.name)

    def clean_leftovers(self) -> None:
        """Remove work copies and our half-written temp and probe files in out/, failed/ and processed/."""
        shutil.rmtree(self.folders.work, ignore_errors=True)
        self.folders.work.mkdir(parents=True, exist_ok=True)
        patterns = {
            self.folders.out: (f".*{OUTPUT_MARK}*.tmp", f".*{OUTPUT_MARK}*.probe", f".*{RFQ_MARK}.*.tmp",
                               f".*{MOVING_TAIL}"),
            self.folders.failed: (f".*{NOTE_TAIL}.*.tmp", f".*{NOTE_TAIL}.*.probe", f".*{MOVING_TAIL}"),
            self.folders.processed: (f".*{MOVING_TAIL}",),
        }
        for folder, globs in patterns.items():
            for pattern in globs:
                for leftover in folder.glob(pattern):
                    with contextlib.suppress(OSError):
                        leftover.unlink()
                        log.debug("removed the leftover temp file %s", leftover)

    def finish_interrupted_moves(self) -> None:
        """An input hard-linked into processed/ or failed/ but still in the inbox was being moved
        when the service was killed: remove its inbox name (the file itself is safe where it went)."""
        linked = {}
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folders.inbox):
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if entry.is_file(follow_symlinks=False) and info.st_nlink > 1:
                        linked[(info.st_dev, info.st_ino)] = Path(entry.path)
        if not linked:
            return
        for folder in (self.folders.processed, self.folders.failed):
            with contextlib.suppress(OSError):
                for entry in os.scandir(folder):
                    with contextlib.suppress(OSError):
                        info = entry.stat(follow_symlinks=False)
                        source = linked.pop((info.st_dev, info.st_ino), None)
                        if source is not None:
                            source.unlink()
                            log.info("%s: finished moving it to %s (the service was stopped mid-move)",
                                     source.name, entry.path)

    async def process(self, path: Path) -> FileResult:
        started = time.monotonic()
        try:
            result = _refuse_link(path) or await self._process(path, started)
        except MemoryError:
            result = self._out_of_memory(path, started)
        if result.status == "failed" and result.message.startswith(_OUT_OF_MEMORY):
            _release_memory()  # here, once the failed work's frames and exception are gone
        self.results.append(result)
        seconds = time.monotonic() - started
        if result.status == "failed":
            pass  # said before the file moved (see _fail)
        elif result.status == "kept":
            log.error("%s: %s", result.name, result.message)
        elif result.status == "changed":
            log.info("%s: %s", result.name, result.message)
        else:
            log.info("%s: %s -> %s (%.1f s)", result.name, result.message, result.output, seconds)
        return result

    async def _process(self, path: Path, started: float) -> FileResult:
        try:
            content_hash = sha256_of(path)
        except OSError as exc:
            if exc.errno == errno.ENOMEM:
                return self._out_of_memory(path, started)
            return FileResult(path.name, "changed", message="it vanished before it could be read")
        key = self._key(content_hash)
        # the hand-over is of this file, whatever the options now: it was checked once already
        handed = self.ledger.handed_over(content_hash, path.name)
        if handed is not None:  # its output reached out/ just before the service was stopped
            return self._file_away(path, content_hash, FileResult(
                path.name, "checked", handed.output,
                message=f"checked at {handed.checked_at:%Y-%m-%d %H:%M} UTC, before the service was "
                        "stopped; its output is in place: not asked again"))
        entry = None if self.reprocess else self.ledger.fresh(key)
        rfq_kept = entry is not None and (not self.options.rfq or rfq_path(entry.output).is_file())
        if entry is not None and entry.intact() and rfq_kept:
            try:
                output = self._reuse(entry, path, content_hash)
            except (OutputError, OSError) as exc:
                return self._keep(path, exc)
            return self._file_away(path, content_hash, FileResult(
                path.name, "reused", output,
                message=f"same content as {entry.output.name}, checked {entry.checked_at:%Y-%m-%d %H:%M} "
                        "UTC: not asked again"))
        log.info("checking %s", path.name)
        work = self.folders.work / content_hash[:16]
        try:
            work.mkdir(parents=True, exist_ok=True)
            copy = work / path.name
            if sha256_of(path, copy_to=copy) != content_hash:
                return FileResult(path.name, "changed", message="it changed while being read; "
                                                                 "it will be taken again")
            output_target = free_name(self.folders.out, _stem(path), output_tail(path))
            check_output_path(output_target, path)  # out/ is usable: said before any request is sent
            staged = work / "out" / output_target.name
            staged.parent.mkdir(exist_ok=True)
            options = dataclasses.replace(self.options, output=staged, json_output=None)
            outcome = await check_bom(copy, options, self.runs, self.unavailable, lookups=self.lookups)
            report = outcome.report
            # reused later as long as its oldest answer is young enough, not merely its check
            oldest = min((s.oldest for s in report.sources if s.oldest is not None), default=None)
            output = self._deliver(path, content_hash, staged, oldest=oldest,
                                   reuse_key=key if self._complete(report) else None)
        except (OutputError, OSError) as exc:  # our folders, not the user's file
            if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
                return self._out_of_memory(path, started)
            return self._keep(path, exc)
        except BomcheckError as exc:
            return self._fail(path, self._redact(str(exc)), started)
        except MemoryError:
            return self._out_of_memory(path, started)
        except Exception as exc:
            log.debug("traceback of the failure on %s", path.name, exc_info=True)
            return self._fail(path, f"bomcheck failed unexpectedly ({type(exc).__name__}). This is "
                              "most likely a bug in bomcheck, not a problem with your file: keep the "
                              "file, report it, and drop it in again once fixed. The service log "
                              "(run with -vv) has the details.", started)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        counts = ", ".join(f"{report.count(s)} {s.value}" for s in LineStatus if report.count(s))
        # lines a source failed for are marked in the output; the file is filed away like any
        # other, and not remembered for reuse, so dropping it again asks again
        failed = "" if report.all_checked else f"; {run_failures(report).sentence()}"
        return self._file_away(path, content_hash, FileResult(
            path.name, "checked", output,
            message=f"{len(report.results)} lines ({counts}), "
                    f"{', '.join(str(s.boards) for s in report.scenarios)} "
                    f"{'board' if [s.boards for s in report.scenarios] == [1] else 'boards'}{failed}"))

    def _deliver(self, path: Path, content_hash: str, staged: Path, *, reuse_key: str | None = None,
                 oldest: datetime | None = None) -> Path:
        """Give the staged output its name in out/ (never replacing a file), noted in the ledger first."""
        digest = sha256_of(staged)
        staged_rfq = rfq_path(staged) if self.options.rfq else None
        for target in numbered_names(self.folders.out, _stem(path), output_tail(path)):
            # the RFQ file goes beside its workbook under the same number: both names must be free
            if os.path.lexists(target) or (staged_rfq is not None and os.path.lexists(rfq_path(target))):
                continue
            rfq = staged_rfq if staged_rfq is not None and staged_rfq.is_file() else None
            self.ledger.handing_over(content_hash, path.name, target, digest, reuse_key=reuse_key,
                                     oldest=oldest,
                                     companion=(rfq_path(target), sha256_of(rfq)) if rfq else None)
            if rfq is not None:  # the RFQ first: once the workbook has its name, the file is done
                try:
                    place(rfq, rfq_path(target))
                except FileExistsError:
                    continue
            try:
                place(staged, target)
            except FileExistsError:
                if rfq is not None:
                    _remove(rfq_path(target))
                continue
            except OSError:  # a full disk: no RFQ without its workbook
                if rfq is not None:
                    _remove(rfq_path(target))
                raise
            return target
        raise AssertionError("unreachable")

    def _complete(self, report: Report) -> bool:
        """Worth reusing: no line in ERROR, and every source we run answered (none lost its login)."""
        left_out = {status.name for status in self.unavailable}
        return report.all_checked and all(s.checked for s in report.sources if s.name not in left_out)

    def _key(self, content_hash: str) -> str:
        o = self.options
        # The saved column maps count too: re-saving one changes how the same bytes are read.
        reader = hashlib.sha256(repr(o.reader).encode("utf-8")).hexdigest()[:16]
        # An RFQ file's content depends on its header and on whether it was asked for at all.
        rfq = (hashlib.sha256(repr(o.rfq).encode("utf-8")).hexdigest()[:16],) if o.rfq else ()
        # Planning rules other than the defaults count (said only then: earlier keys stay valid).
        rules = (repr(o.rules),) if o.rules != DEFAULT_RULES else ()
        return "|".join((content_hash, repr(o.board_counts), str(o.attrition), o.currency, reader, *rules,
                         *sorted(run.source.name for run in self.runs), self.ledger_tag, *rfq))

    def _reuse(self, entry: LedgerEntry, path: Path, content_hash: str) -> Path:
        """The earlier output, as it is if it already bears this file's name, else copied to it."""
        natural = self.folders.out / f"{_stem(path)}{output_tail(path)}"
        if entry.output.parent == self.folders.out and entry.output.name == natural.name:
            return entry.output
        staged_folder = self.folders.work / "reuse"
        staged_folder.mkdir(parents=True, exist_ok=True)
        staged = staged_folder / natural.name
        try:
            with atomic_output(staged) as temp:
                shutil.copyfile(entry.output, temp)
            if self.options.rfq:
                with atomic_output(rfq_path(staged)) as temp:
                    shutil.copyfile(rfq_path(entry.output), temp)
            # a copy is not remembered for reuse itself: the ledger keeps pointing at the original
            return self._deliver(path, content_hash, staged)
        finally:
            for leftover in (staged, rfq_path(staged)):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _file_away(self, path: Path, content_hash: str, result: FileResult) -> FileResult:
        """Move the input to processed/, unless a new version replaced it meanwhile."""
        try:
            if sha256_of(path) != content_hash:
                self.ledger.filed(content_hash)
                return dataclasses.replace(result, message=result.message + "; the file changed "
                                           "meanwhile and stays in the inbox to be checked again")
            moved = move_without_overwrite(path, self.folders.processed)
        except OSError as exc:
            # the hand-over stays in the ledger: at the next start the file is filed, not checked again
            log.error("%s: checked, but cannot move it to %s (%s); it stays in the inbox",
                      path.name, self.folders.processed, exc.strerror or exc)
            return result
        self.ledger.filed(content_hash)
        return dataclasses.replace(result, moved_to=moved)

    def _keep(self, path: Path, exc: Exception) -> FileResult:
        """A problem on our side (out/ or the state folder): the file waits in the inbox."""
        reason = str(exc) if isinstance(exc, BomcheckError) else getattr(exc, "strerror", None) or str(exc)
        where = getattr(exc, "filename", None)
        if where and not isinstance(exc, BomcheckError):  # which folder is full or unwritable
            reason = f"{reason} ({Path(where).parent})"
        return FileResult(path.name, "kept", message=f"{self._redact(reason)}; the file stays in the "
                                                     "inbox and is taken again at the next start")

    def _out_of_memory(self, path: Path, started: float) -> FileResult:
        """Too big for the memory the service has: that file fails (it would fail again at every
        start), and the service goes on with the others."""
        try:
            size = f" ({path.stat().st_size / 1e6:.1f} MB)"
        except OSError:
            size = ""
        return self._fail(path, f"{_OUT_OF_MEMORY} while checking {path.name}{size}: the "
                          "service has too little memory for this file. Split the BOM into smaller "
                          "files, or give the service more memory, then drop it in again.", started)

    def _fail(self, path: Path, reason: str, started: float) -> FileResult:
        """Write the note and the log line first, then move the file into failed/ beside its note."""
        hint = _OPTIONS_HINT if " --" in reason else ""
        when = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
        text = (f"bomcheck could not check {path.name}.\n\n"
                f"What was wrong: {reason}\n\n"
                f"What to do: fix the file (or the setting named above), then drop it into\n"
                f"{self.folders.inbox} again. It will be checked afresh.\n{hint}\n"
                f"(moved here from the inbox at {when})\n")
        for target in numbered_names(self.folders.failed, path.stem, path.suffix):
            if os.path.lexists(target):
                continue
            # a note whose file is not there was left by a move that never happened: it is replaced
            note = target.with_name(target.name + NOTE_TAIL)
            try:
                atomic_write_text(note, text)
            except BomcheckError as exc:
                log.error("cannot write %s: %s", note, exc)
            # said before the move: a kill just after it must not leave a moved file unexplained
            log.warning("%s: FAILED: %s; moving it to %s (%.1f s)", path.name, reason, target,
                        time.monotonic() - started)
            try:
                place(path, target)
            except FileExistsError:
                _remove(note)
                continue
            except OSError as exc:
                _remove(note)
                log.error("%s: cannot move it to %s (%s): it stays in the inbox", path.name,
                          self.folders.failed, exc.strerror or exc)
                return FileResult(path.name, "failed", message=reason)
            return FileResult(path.name, "failed", moved_to=target, message=reason)
        raise AssertionError("unreachable")

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)


NOTE_TAIL = ".error.txt"
_OUT_OF_MEMORY = "bomcheck ran out of memory"


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _release_memory() -> None:
    """Give back what a file too big for memory left behind, so the next file (and the next listing
    of the inbox) gets it: collect, then ask glibc to return its free heap to the system."""
    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


_OPTIONS_HINT = ("Options such as --mpn-column or --sheet are set for this inbox in its bomcheck.toml\n"
                 "(mpn_column = \"Field2\", sheet = \"BOM\"), then the service is restarted.\n")


def _stem(path: Path) -> str:
    return path.stem


def _refuse_link(path: Path) -> FileResult | None:
    """A symbolic link is not taken (nor read, nor moved): it could point anywhere, a token file included."""
    if not path.is_symlink():
        return None
    return FileResult(path.name, "kept", message="it is a symbolic link, which the inbox does not take "
                      "(it could point to any file); it stays in the inbox unread: drop a copy of the file "
                      "itself")
