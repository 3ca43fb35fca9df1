"""The drop-folder service: notices complete files in a folder and hands them, one at a time, to a callback.

It knows nothing of what the files are: the caller gives the accepted suffixes, an optional
`ignore(path)` for its own outputs, and an async `process(path)` that must move the file away
(or leave it; a file left unchanged is not taken again).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import itertools
import logging
import os
import signal
import stat
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

log = logging.getLogger(__name__)

Process = Callable[[Path], Awaitable[object]]

# Partial downloads and copies, editor backups, Office's own temp files.
TEMP_SUFFIXES = frozenset({".tmp", ".temp", ".part", ".partial", ".crdownload", ".download",
                           ".filepart", ".swp", ".bak", ".lock"})
RESCAN_SECONDS = 30.0  # with events too, a slow rescan catches what a dropped event missed


@dataclass(frozen=True)
class WatchConfig:
    """What to watch and how: the folder (not its subfolders), the suffixes taken, the timing."""

    folder: Path
    suffixes: frozenset[str]  # lower case, with the dot: ".xlsx"
    poll: float | None = None  # seconds between scans (network shares); None: filesystem events
    settle: float = 2.0  # size and mtime must stay the same this long before a file is taken
    ignore: Callable[[Path], bool] | None = None  # the caller's own files (its outputs)


def is_candidate(path: Path, suffixes: frozenset[str]) -> bool:
    """Whether a file name looks like a finished user file with an accepted suffix."""
    name = path.name
    if name.startswith((".", "~$", "~")) or name.endswith(("~", "#")):
        return False  # hidden, Office lock (~$x.xlsx), LibreOffice lock (.~lock.x#), backups (x~)
    suffix = path.suffix.lower()
    return suffix not in TEMP_SUFFIXES and suffix in suffixes


def _hidden_by_attribute(info: os.stat_result) -> bool:
    attributes = getattr(info, "st_file_attributes", 0)  # Windows only
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


@dataclass
class _Candidate:
    order: int  # arrival order
    signature: tuple[int, int]  # size, mtime_ns
    stable_since: float


# What tells one file from another put back under the same name with the same size and time
# (`mv` out and back, `cp -p`, rsync, sync clients): device, inode, and the change time that
# every rename, link and write moves on.
_Identity = tuple[int, int, int, int, int]


class FolderWatcher:
    """Tracks the files of one folder until each is complete, and yields them in arrival order."""

    def __init__(self, config: WatchConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._pending: dict[Path, _Candidate] = {}
        self._taken: dict[Path, _Identity] = {}  # handed over and still there, as it was then
        self._arrivals = itertools.count()
        self._told: set[str] = set()  # files of an unaccepted type, reported once each

    def wanted(self, path: Path) -> bool:
        if path.parent != self.config.folder or not is_candidate(path, self.config.suffixes):
            return False
        return not (self.config.ignore and self.config.ignore(path))

    def notice(self, path: Path) -> None:
        """A file may have appeared or changed."""
        path = Path(path)
        if not self.wanted(path):
            self._tell_ignored(path)
            return
        signature = _signature(path)
        if signature is None:
            self._pending.pop(path, None)
            self._taken.pop(path, None)  # it left the inbox: the same name may come again
            return
        if path in self._taken and self._taken[path] == _identity(path):
            return
        self._taken.pop(path, None)
        candidate = self._pending.get(path)
        if candidate is None:
            self._pending[path] = _Candidate(next(self._arrivals), signature, self._clock())
        elif candidate.signature != signature:
            candidate.signature, candidate.stable_since = signature, self._clock()

    def _tell_ignored(self, path: Path) -> None:
        """Say once why a visible file of another type stays in the folder (a PDF dropped by mistake)."""
        name = path.name
        if (path.parent != self.config.folder or name in self._told or name.startswith((".", "~"))
                or name.endswith(("~", "#")) or path.suffix.lower() in TEMP_SUFFIXES
                or path.suffix.lower() in self.config.suffixes or not path.is_file()
                or (self.config.ignore and self.config.ignore(path))):
            return
        self._told.add(name)
        log.warning("%s is left in the inbox: not a file type bomcheck reads (%s)",
                    name, ", ".join(sorted(self.config.suffixes)))

    def scan(self) -> None:
        """Notice every file now in the folder, oldest first (the catch-up at start, and polling)."""
        try:
            entries = list(os.scandir(self.config.folder))
        except (OSError, MemoryError) as exc:
            reason = "out of memory" if isinstance(exc, MemoryError) else exc.strerror or exc
            log.warning("cannot list %s: %s", self.config.folder, reason)
            if isinstance(exc, MemoryError) or exc.errno == errno.ENOMEM:
                gc.collect()  # and the next scan tries again: the service goes on
            return
        found = []
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_file():
                    found.append((entry.stat().st_mtime_ns, entry.name))
        for _, name in sorted(found):
            self.notice(self.config.folder / name)
        for path in [p for p in self._taken if not p.exists()]:
            del self._taken[path]

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def next_ready(self) -> Path | None:
        """The earliest-arrived file that is complete now, or None; a file still growing waits."""
        now = self._clock()
        for path, candidate in sorted(self._pending.items(), key=lambda item: item[1].order):
            signature = _signature(path)
            if signature is None:
                del self._pending[path]
            elif signature != candidate.signature:
                candidate.signature, candidate.stable_since = signature, now
            elif now - candidate.stable_since >= self.config.settle and _openable(path):
                identity = _identity(path)
                if identity is None:
                    continue
                del self._pending[path]
                self._taken[path] = identity
                return path
        return None

    def handed_back(self, path: Path) -> None:
        """The callback is done with `path`: forget it if it left (or was replaced), so a file put
        back under its name is taken again at once, not after a restart."""
        identity = self._taken.get(path)
        if identity is not None and _identity(path) != identity:
            del self._taken[path]
            self.notice(path)


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or _hidden_by_attribute(info):
        return None
    return info.st_size, info.st_mtime_ns


def _identity(path: Path) -> _Identity | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino, info.st_ctime_ns, info.st_size, info.st_mtime_ns


def _openable(path: Path) -> bool:
    """A writer that holds the file exclusively (Windows copies, Office saves) makes this fail."""
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError:
        return False
    return True


class _Events(FileSystemEventHandler):
    """Forwards watchdog's events (from its thread) to the service's loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, seen: Callable[[Path], None]) -> None:
        self._loop = loop
        self._seen = seen

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(os.fsdecode(raw))
                with contextlib.suppress(RuntimeError):  # the loop has closed: we are stopping
                    self._loop.call_soon_threadsafe(self._seen, path)


async def serve(config: WatchConfig, process: Process, *, stop: asyncio.Event | None = None,
                handle_signals: bool = True) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM): take complete files one at a time, in arrival order.

    A stop request lets the file being processed finish; a second SIGINT/SIGTERM cancels it.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    watcher = FolderWatcher(config)
    wake = asyncio.Event()
    current: list[asyncio.Task[object]] = []
    hard_stop: list[bool] = []  # set by a second signal: the current file is cancelled

    def seen(path: Path) -> None:
        watcher.notice(path)
        wake.set()

    def request_stop() -> None:
        if stop.is_set():
            hard_stop.append(True)
            for task in current:
                log.warning("stopping now; %s will be taken again at the next start", task.get_name())
                task.cancel()
            return
        stop.set()
        wake.set()
        if current:
            log.warning("stopping after %s (signal again to stop at once)", current[0].get_name())

    stop_waiter = asyncio.ensure_future(stop.wait())
    stop_waiter.add_done_callback(lambda _: wake.set())
    with _signals(loop, request_stop, enabled=handle_signals), _observer(config, loop, seen):
        watcher.scan()
        mode = f"polling every {config.poll:g} s" if config.poll else "filesystem events"
        log.info("watching %s (%s)", config.folder, mode)
        next_scan = loop.time() + (config.poll or RESCAN_SECONDS)
        try:
            while not stop.is_set():
                if loop.time() >= next_scan:
                    watcher.scan()
                    next_scan = loop.time() + (config.poll or RESCAN_SECONDS)
                path = watcher.next_ready()
                if path is not None:
                    await _run_one(process, path, current, hard_stop)
                    watcher.handed_back(path)
                    continue
                wait = next_scan - loop.time()
                if watcher.pending:
                    wait = min(wait, max(0.05, config.settle / 4))
                wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=max(0.0, wait))
        finally:
            stop_waiter.cancel()
    log.info("stopped watching %s", config.folder)


async def _run_one(process: Process, path: Path, current: list[asyncio.Task[object]],
                   hard_stop: list[bool]) -> None:
    task: asyncio.Task[object] = asyncio.ensure_future(process(path))
    task.set_name(path.name)
    current.append(task)
    try:
        await task
    except asyncio.CancelledError:
        if not hard_stop:
            raise  # the service itself is being cancelled
    except Exception:  # one file must never stop the service
        log.error("%s: unexpected failure while processing it; it stays where it is", path.name)
        log.debug("traceback", exc_info=True)
    finally:
        current.remove(task)


@contextlib.contextmanager
def _observer(config: WatchConfig, loop: asyncio.AbstractEventLoop,
              seen: Callable[[Path], None]) -> Iterator[None]:
    if config.poll:
        yield
        return
    observer = Observer()
    observer.schedule(_Events(loop, seen), str(config.folder), recursive=False)
    observer.daemon = True
    observer.start()
    try:
        yield
    finally:
        observer.stop()
        observer.join(5)


@contextlib.contextmanager
def _signals(loop: asyncio.AbstractEventLoop, handler: Callable[[], None], *,
             enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    wanted = [signal.SIGINT, signal.SIGTERM]
    installed: list[signal.Signals] = []
    previous: dict[signal.Signals, object] = {}
    for sig in wanted:
        try:
            loop.add_signal_handler(sig, handler)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            with contextlib.suppress(ValueError, OSError):
                previous[sig] = signal.signal(sig, lambda *_: loop.call_soon_threadsafe(handler))
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        for sig, old in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, old)  # type: ignore[arg-type]
