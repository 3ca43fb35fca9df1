"""The offers cache: parsed lookups in SQLite (WAL, shared by processes) plus a short-lived memory layer.

Entries are keyed by source name, the source's identity (API address and account, hashed:
sandbox and production never mix) and the normalised query. Only sources named in
`disk_sources` are ever written to disk; every other source's answers stay in this
process's memory for `memory_window` at most (Arrow's terms forbid caching their data).
A damaged cache file is moved aside and rebuilt with a warning; a busy one fails only the
read or write at hand (answers wait in memory for the next write); one that cannot be written
at all is used from memory only. The folder and files are private to the user. No cache
failure ever stops a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bomcheck.lookups.cache_codec import CodecError, lookup_from_json, lookup_to_json
from bomcheck.model import Lookup

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CACHE_FILE = "offers.sqlite"
MEMORY_WINDOW = timedelta(minutes=10)
KEEP_ON_DISK = timedelta(days=30)  # older entries are deleted when the cache is opened
BUSY_TIMEOUT_MS = 10_000
BUSY_BACKOFF = timedelta(seconds=30)  # after a busy read, reads skip the file this long

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class CachedLookup:
    """A stored answer and when it was fetched (UTC)."""

    lookup: Lookup
    fetched_at: datetime


@dataclass(frozen=True)
class CacheKey:
    """Which answer: the source, who asked it where (hashed), and the normalised query."""

    source: str
    identity: str
    query: str

    @classmethod
    def of(cls, source: str, identity: str, query: str) -> CacheKey:
        return cls(source, hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32], query)


class OffersCache:
    """Memory layer in front of an optional SQLite file; `get` and `put` never raise for cache trouble."""

    def __init__(self, path: Path | None, *, disk_sources: Iterable[str] = (),
                 memory_window: timedelta = MEMORY_WINDOW, clock: Clock = utc_now) -> None:
        self.path = path
        self.disk_sources = frozenset(disk_sources)
        self.memory_window = memory_window
        self.clock = clock
        self._memory: dict[CacheKey, CachedLookup] = {}
        self._unsaved: dict[CacheKey, CachedLookup] = {}  # disk-source answers the file refused for now
        self._db: sqlite3.Connection | None = None
        self._inode: int | None = None
        self._reads_back_at: datetime | None = None  # a busy read: skip disk reads until then
        self._said_busy = False
        self._open_when_free = False  # the file was busy when opened: open it at a later operation
        if path is not None and self.disk_sources:
            self._connect(reading=True)

    def close(self) -> None:
        self._open_when_free = False
        if self._db is not None:
            self._db.close()
            self._db = None

    def get(self, key: CacheKey) -> CachedLookup | None:
        """The stored answer for `key` (memory first, then disk), whatever its age; None if none."""
        held = self._memory.get(key) or self._unsaved.get(key)
        if held is not None:
            if key.source in self.disk_sources or self.clock() - held.fetched_at <= self.memory_window:
                return held
            del self._memory[key]
        if key.source not in self.disk_sources:
            return None
        if self._reads_back_at is not None and self.clock() < self._reads_back_at:
            return None
        if self._open_when_free:
            self._connect(reading=True)
        if self._db is None:
            return None
        sql = "SELECT fetched_at, body FROM lookups WHERE source = ? AND identity = ? AND query = ?"
        row = self._on_disk(lambda db: db.execute(sql, (key.source, key.identity, key.query)).fetchone(),
                            reading=True)
        if row is None:
            return None
        try:
            return CachedLookup(lookup_from_json(row[1]), _parse_time(row[0]))
        except (CodecError, ValueError) as exc:
            log.debug("ignoring a cached answer: %s", exc)
            return None

    def put_many(self, answers: Iterable[tuple[CacheKey, Lookup]]) -> None:
        """Keep these freshly fetched answers: in memory, and on disk for the disk sources.

        Disk-source answers the file refuses (busy, failing) stay in memory and are written
        with the next put that the file takes.
        """
        now = self.clock()
        for key, lookup in answers:
            if key.source in self.disk_sources and (self._db is not None or self._open_when_free):
                self._unsaved[key] = CachedLookup(lookup, now)
            else:
                self._memory[key] = CachedLookup(lookup, now)
        self._forget_expired(now)
        if self._unsaved and self._open_when_free:
            self._connect()
        if not self._unsaved or self._db is None:
            return
        rows = [(key.source, key.identity, key.query, held.fetched_at.isoformat(),
                 lookup_to_json(held.lookup)) for key, held in self._unsaved.items()]

        def write(db: sqlite3.Connection) -> bool:
            with db:
                db.executemany("INSERT OR REPLACE INTO lookups (source, identity, query, fetched_at, body) "
                               "VALUES (?, ?, ?, ?, ?)", rows)
            return True

        if self._on_disk(write, reading=False):
            self._unsaved.clear()

    def _connect(self, *, reading: bool = False) -> None:
        assert self.path is not None
        try:
            self._db = _open(self.path, self.disk_sources)
        except _Busy as busy:
            self._db, self._open_when_free = None, True
            self._busy(busy.error, reading)
            return
        self._open_when_free = False
        self._inode = _inode(self.path)

    def _forget_expired(self, now: datetime) -> None:
        for key in [k for k, held in self._memory.items() if now - held.fetched_at > self.memory_window]:
            del self._memory[key]

    def _on_disk(self, operation: Callable[[sqlite3.Connection], Any], *, reading: bool) -> Any:
        """`operation` on the file; None when it failed (it never raises for cache trouble).

        Busy or locked: only this operation fails. Damaged: the file is moved aside, rebuilt,
        and the operation tried once more. Anything else (disk full, file removed): the file is
        left alone and answers are kept in memory from then on.
        """
        for attempt in (1, 2):
            if self._db is None:
                return None
            try:
                return operation(self._db)
            except sqlite3.Error as exc:
                if _busy(exc):
                    self._busy(exc, reading)
                    return None
                if attempt == 1 and _damaged(exc) and self._rebuild(exc):
                    continue
                self._lost(exc)
                return None
        return None

    def _busy(self, exc: sqlite3.Error, reading: bool) -> None:
        if reading:
            self._reads_back_at = self.clock() + BUSY_BACKOFF
        if self._said_busy:
            log.debug("offers cache %s still busy (%s)", self.path, exc)
            return
        self._said_busy = True
        log.warning("offers cache %s is busy (%s; another bomcheck holds it); answers are kept in memory "
                    "and the file is tried again for the next ones", self.path, exc)

    def _rebuild(self, exc: sqlite3.Error) -> bool:
        """Damage found while in use: move the file aside (unless another process already did) and
        start a new one."""
        assert self.path is not None
        self.close()
        if _inode(self.path) == self._inode and not _move_aside(self.path, f"damaged ({exc})"):
            return False
        self._connect()
        return self._db is not None

    def _lost(self, exc: sqlite3.Error) -> None:
        """The file failed under us (disk full, removed): go on without it, answers in memory."""
        log.warning("offers cache %s failed (%s); answers are kept in memory only until bomcheck is "
                    "started again", self.path, exc)
        self.close()
        for key, held in self._unsaved.items():
            self._memory[key] = held
        self._unsaved.clear()


def _busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _damaged(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text)


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _open(path: Path, disk_sources: frozenset[str]) -> sqlite3.Connection | None:
    """The cache database, created or rebuilt as needed; None (with a warning) when it cannot be had,
    _Busy when another process holds it too long."""
    for attempt in (1, 2):
        try:
            _create_private(path)
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        except (OSError, sqlite3.Error) as exc:
            log.warning("cannot open the offers cache %s (%s); answers are kept in memory only", path, exc)
            return None
        try:
            _prepare(db, disk_sources)
            _make_private(path)
            return db
        except _WrongSchema as exc:
            db.close()
            reason = str(exc)
        except sqlite3.DatabaseError as exc:  # garbage bytes: "file is not a database", malformed
            db.close()
            if _busy(exc):
                raise _Busy(exc) from None
            reason = f"unreadable ({exc})"
        if attempt == 2 or not _move_aside(path, reason):
            return None
    return None


def _create_private(path: Path) -> None:
    """The folder (0700 when we create it) and an empty file 0600: it holds the account's stock and
    prices. SQLite gives the -wal and -shm files the mode of the database file. Unlike
    files.private_folder, a folder that exists is left as it is: `cache_dir` may name one of the
    user's own folders, whose mode is theirs."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            path.parent.chmod(0o700)  # mkdir's mode is filtered by the umask
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))


def _make_private(path: Path) -> None:
    """Files made by an earlier version were 0644: only the owner may read them."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        with contextlib.suppress(OSError):
            if (path.with_name(name).stat().st_mode & 0o077) != 0:
                path.with_name(name).chmod(0o600)


class _WrongSchema(Exception):
    pass


class _Busy(Exception):
    """Another process held the file past the busy timeout while we opened it."""

    def __init__(self, error: sqlite3.Error) -> None:
        super().__init__(str(error))
        self.error = error


def _prepare(db: sqlite3.Connection, disk_sources: frozenset[str]) -> None:
    """Check (structure included) or create the schema; drop entries past KEEP_ON_DISK and those of
    sources no longer allowed on disk (Arrow after its opt-in was turned off).

    All of it in one write transaction, so a `check` and a `watch` starting together on a new
    cache never see each other's half-made schema.
    """
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version not in (0, SCHEMA_VERSION) or (version == 0 and tables):
            raise _WrongSchema(f"schema version {version}, not {SCHEMA_VERSION}")
        if version == 0:
            db.execute("CREATE TABLE lookups (source TEXT NOT NULL, identity TEXT NOT NULL, "
                       "query TEXT NOT NULL, fetched_at TEXT NOT NULL, body TEXT NOT NULL, "
                       "PRIMARY KEY (source, identity, query))")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        columns = {row[1] for row in db.execute("PRAGMA table_info(lookups)")}
        if columns != {"source", "identity", "query", "fetched_at", "body"}:
            raise _WrongSchema("unexpected columns")
        # a damaged page (an index's, say) otherwise fails every later read; about 0.3 s for 100,000
        # entries (420 MB), far more than a cache ever holds
        problems = [row[0] for row in db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"database disk image is malformed: {problems[0]}")
        db.execute("DELETE FROM lookups WHERE fetched_at < ?", ((utc_now() - KEEP_ON_DISK).isoformat(),))
        kept = sorted(disk_sources)
        db.execute(f"DELETE FROM lookups WHERE source NOT IN ({', '.join('?' * len(kept))})", kept)
        db.commit()
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.rollback()
        raise


def _move_aside(path: Path, reason: str) -> bool:
    aside = path.with_name(f"{path.name}.broken-{utc_now():%Y%m%d-%H%M%S}")
    try:
        path.replace(aside)
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("the offers cache %s is %s and cannot be moved aside (%s); answers are kept in "
                    "memory only", path, reason, exc.strerror or exc)
        return False
    log.warning("the offers cache %s was %s; moved it to %s and started a new one", path, reason, aside.name)
    return True
