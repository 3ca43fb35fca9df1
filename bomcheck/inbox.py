"""The watched folder's BOM job: check each dropped file, write its output, file the input away safely.

Order of work for one file, so that a hard kill at any point loses nothing: the input is copied
to the state folder and checked there; the output appears in out/ by an atomic rename; the
ledger notes it; only then does the input leave the inbox (for processed/). Killed before that,
the input is still in the inbox and is simply taken again at the next start.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import logging
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import platformdirs

from bomcheck.bom import SUPPORTED_SUFFIXES
from bomcheck.check import CheckOptions, check_bom
from bomcheck.errors import BomcheckError, ConfigError, OutputError
from bomcheck.fanout import SourceRun
from bomcheck.files import atomic_output, atomic_write_text
from bomcheck.model import LineStatus, Report, SourceStatus

log = logging.getLogger(__name__)

OUTPUT_MARK = ".checked"  # outputs are <stem>.checked.xlsx: never taken as input
DEFAULT_CACHE_AGE = timedelta(hours=12)
OUTPUT_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class InboxFolders:
    """The inbox and where its files go; out/, processed/ and failed/ default to subfolders of it."""

    inbox: Path
    out: Path
    processed: Path
    failed: Path
    state: Path

    @classmethod
    def for_inbox(cls, inbox: Path, *, out: Path | None = None, processed: Path | None = None,
                  failed: Path | None = None, state: Path | None = None) -> InboxFolders:
        inbox = Path(inbox).absolute()
        return cls(inbox=inbox, out=Path(out or inbox / "out").absolute(),
                   processed=Path(processed or inbox / "processed").absolute(),
                   failed=Path(failed or inbox / "failed").absolute(),
                   state=Path(state or default_state_dir(inbox)).absolute())

    def create(self) -> None:
        """Make the missing folders; refuse a layout where a file would be taken again and again."""
        for name in ("processed", "failed"):
            if _same_folder(getattr(self, name), self.inbox):
                raise ConfigError(f"--{name} cannot be the inbox itself ({self.inbox}); "
                                  "choose another folder")
        for folder in (self.inbox, self.out, self.processed, self.failed, self.state, self.work):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the folder {folder}: {exc.strerror or exc}; "
                                  "create it or choose another one") from None
            if not os.access(folder, os.W_OK | os.X_OK):
                raise ConfigError(f"no permission to write in {folder}; fix its permissions or "
                                  "choose another folder")

    @property
    def work(self) -> Path:
        return self.state / "work"

    @property
    def ledger(self) -> Path:
        return self.state / "ledger.json"


@contextlib.contextmanager
def exclusive_state(state: Path) -> Iterator[None]:
    """Hold the state folder's lock: two services on one inbox would take the same files twice."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one service per inbox is up to the admin
        yield
        return
    with open(state / "lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(f"another bomcheck watch is already using {state} (the same inbox?); "
                              "stop it first, or give this one its own --state") from None
        yield


def default_state_dir(inbox: Path) -> Path:
    """One state folder per inbox in the user's state directory (the ledger, the work copies)."""
    resolved = str(Path(inbox).absolute())
    tag = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:10]
    return platformdirs.user_state_path("bomcheck") / "watch" / f"{Path(resolved).name or 'inbox'}-{tag}"


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def is_own_output(path: Path) -> bool:
    """Our outputs (`x.checked.xlsx`, `x (2).checked.xlsx`) are never inputs, wherever they land."""
    return path.suffix.lower() in OUTPUT_SUFFIXES and path.stem.endswith(OUTPUT_MARK)


@dataclass(frozen=True)
class LedgerEntry:
    """A content already checked: where its output went, the output's hash, and when."""

    output: Path
    output_sha256: str
    checked_at: datetime


class Ledger:
    """Content hash (+ options) → output, kept as a small JSON file; a broken ledger is never fatal."""

    def __init__(self, path: Path, max_age: timedelta = DEFAULT_CACHE_AGE,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.path = path
        self.max_age = max_age
        self._now = now
        self._entries: dict[str, dict[str, str]] = self._load()

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            entries = document["entries"]
            if not isinstance(entries, dict):
                raise TypeError
            return entries
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("ignoring the unreadable ledger %s; files will be checked afresh", self.path)
            return {}

    def fresh(self, key: str) -> LedgerEntry | None:
        raw = self._entries.get(key)
        if raw is None:
            return None
        try:
            entry = LedgerEntry(Path(raw["output"]), raw["output_sha256"],
                                datetime.fromisoformat(raw["checked_at"]))
        except (KeyError, ValueError, TypeError):
            return None
        return entry if self._now() - entry.checked_at <= self.max_age else None

    def record(self, key: str, output: Path) -> None:
        now = self._now()
        self._entries = {k: v for k, v in self._entries.items() if _young(v, now, self.max_age)}
        self._entries[key] = {"output": str(output), "output_sha256": sha256_of(output),
                              "checked_at": now.isoformat()}
        try:
            atomic_write_text(self.path, json.dumps({"version": 1, "entries": self._entries}, indent=1))
        except BomcheckError as exc:
            log.warning("cannot save the ledger (%s); the same file may be checked again", exc)


def _young(raw: Mapping[str, str], now: datetime, max_age: timedelta) -> bool:
    try:
        return now - datetime.fromisoformat(raw["checked_at"]) <= max_age
    except (KeyError, ValueError, TypeError):
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def numbered_names(folder: Path, stem: str, tail: str) -> Iterator[Path]:
    """`stem+tail`, then `stem (2)+tail`, `stem (3)+tail`, ... in `folder`."""
    yield folder / f"{stem}{tail}"
    n = 2
    while True:
        yield folder / f"{stem} ({n}){tail}"
        n += 1


def free_name(folder: Path, stem: str, tail: str) -> Path:
    return next(p for p in numbered_names(folder, stem, tail) if not os.path.lexists(p))


def move_without_overwrite(source: Path, folder: Path) -> Path:
    """Move `source` into `folder` under its name, or `name (2).ext` ... if taken; never replaces a file."""
    for target in numbered_names(folder, source.stem, source.suffix):
        try:
            _move_exclusive(source, target)
        except FileExistsError:
            continue
        return target
    raise AssertionError("unreachable")


def _move_exclusive(source: Path, target: Path) -> None:
    try:
        os.link(source, target)  # fails if target exists: no race with another writer
    except FileExistsError:
        raise
    except OSError:  # no hard links here (another file system, a share, Windows FAT)
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        try:
            os.rename(source, target)  # on Windows this never replaces; elsewhere just checked
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            with open(source, "rb") as src, open(target, "xb") as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            shutil.copystat(source, target)
            source.unlink()
        return
    source.unlink()


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
                 reprocess: bool = False, secrets: Sequence[str] = (), ledger_tag: str = "") -> None:
        self.folders = folders
        self.options = options
        self.runs = runs
        self.unavailable = unavailable
        self.ledger = ledger or Ledger(folders.ledger)
        self.reprocess = reprocess
        self.ledger_tag = ledger_tag  # where the answers come from (the APIs' URLs): part of the key
        self.secrets = tuple(s for s in secrets if s)
        self.results: deque[FileResult] = deque(maxlen=100)  # the latest, for tests and callers

    @property
    def suffixes(self) -> frozenset[str]:
        return frozenset(SUPPORTED_SUFFIXES)

    def start(self) -> None:
        """Say what the service will do, and remove what a hard kill left behind."""
        f, o = self.folders, self.options
        log.info("inbox %s: %s board(s), attrition %s, %s; outputs to %s, inputs then to %s or %s",
                 f.inbox, ", ".join(map(str, o.board_counts)), o.attrition, o.currency, f.out,
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
        if entry is not None and _intact(entry):
            try:
                output = self._reuse(entry, path)
            except (OutputError, OSError) as exc:
                return self._keep(path, exc)
            return self._file_away(path, content_hash, FileResult(
                path.name, "reused", output,
                message=f"unchanged since {entry.checked_at:%Y-%m-%d %H:%M} UTC, not asked again"))
        log.info("checking %s", path.name)
        work = self.folders.work / content_hash[:16]
        work.mkdir(parents=True, exist_ok=True)
        copy = work / path.name
        try:
            shutil.copyfile(path, copy)
            if sha256_of(copy) != content_hash:
                return FileResult(path.name, "changed", message="it changed while being read; "
                                                                 "it will be taken again")
            output_target = free_name(self.folders.out, _stem(path), _output_tail(path))
            options = dataclasses.replace(self.options, output=output_target, json_output=None)
            outcome = await check_bom(copy, options, self.runs, self.unavailable)
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
            self.ledger.record(key, outcome.output)
        counts = ", ".join(f"{report.count(s)} {s.value}" for s in LineStatus if report.count(s))
        return self._file_away(path, content_hash, FileResult(
            path.name, "checked", outcome.output,
            message=f"{len(report.results)} lines ({counts}), "
                    f"{', '.join(str(s.boards) for s in report.scenarios)} board(s)"))

    def _complete(self, report: Report) -> bool:
        """Worth reusing: no line in ERROR, and every source we run answered (none lost its login)."""
        left_out = {status.name for status in self.unavailable}
        return report.all_checked and all(s.checked for s in report.sources if s.name not in left_out)

    def _key(self, content_hash: str) -> str:
        o = self.options
        reader = dataclasses.replace(o.reader, layouts={})
        return "|".join((content_hash, repr(o.board_counts), str(o.attrition), o.currency, repr(reader),
                         *sorted(run.source.name for run in self.runs), self.ledger_tag))

    def _reuse(self, entry: LedgerEntry, path: Path) -> Path:
        """The earlier output, as it is if it already bears this file's name, else copied to it."""
        natural = self.folders.out / f"{_stem(path)}{_output_tail(path)}"
        if entry.output.parent == self.folders.out and entry.output.name == natural.name:
            return entry.output
        target = free_name(self.folders.out, _stem(path), _output_tail(path))
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
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


_OPTIONS_HINT = ("Options such as --mpn-column or --sheet are set for this inbox in its bomcheck.toml\n"
                 "(mpn_column = \"Field2\", sheet = \"BOM\"), then the service is restarted.\n")


def _intact(entry: LedgerEntry) -> bool:
    try:
        return entry.output.is_file() and sha256_of(entry.output) == entry.output_sha256
    except OSError:
        return False


def _stem(path: Path) -> str:
    return path.stem


def _output_tail(path: Path) -> str:
    return OUTPUT_MARK + (".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx")
