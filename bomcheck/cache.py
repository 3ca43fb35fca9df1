"""The offers cache: parsed lookups in SQLite (WAL, shared by processes) plus a short-lived memory layer.

Entries are keyed by source name, the source's identity (API address and account, hashed:
sandbox and production never mix) and the normalised query. Only sources named in
`disk_sources` are ever written to disk; every other source's answers stay in this
process's memory for `memory_window` at most (Arrow's terms forbid caching their data).
A cache file that cannot be used is moved aside and rebuilt with a warning; a cache that
cannot be written is used from memory only. No cache failure ever stops a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bomcheck.cache_codec import CodecError, lookup_from_json, lookup_to_json
from bomcheck.model import Lookup

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CACHE_FILE = "offers.sqlite"
MEMORY_WINDOW = timedelta(minutes=10)
KEEP_ON_DISK = timedelta(days=30)  # older entries are deleted when the cache is opened
BUSY_TIMEOUT_MS = 10_000

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
        self._db: sqlite3.Connection | None = None
        if path is not None and self.disk_sources:
            self._db = _open(path)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def get(self, key: CacheKey) -> CachedLookup | None:
        """The stored answer for `key` (memory first, then disk), whatever its age; None if none."""
        held = self._memory.get(key)
        if held is not None:
            if key.source in self.disk_sources or self.clock() - held.fetched_at <= self.memory_window:
                return held
            del self._memory[key]
        if self._db is None or key.source not in self.disk_sources:
            return None
        try:
            row = self._db.execute(
                "SELECT fetched_at, body FROM lookups WHERE source = ? AND identity = ? AND query = ?",
                (key.source, key.identity, key.query)).fetchone()
        except sqlite3.Error as exc:
            self._lost(exc)
            return None
        if row is None:
            return None
        try:
            return CachedLookup(lookup_from_json(row[1]), _parse_time(row[0]))
        except (CodecError, ValueError) as exc:
            log.debug("ignoring a cached answer: %s", exc)
            return None

    def put_many(self, answers: Iterable[tuple[CacheKey, Lookup]]) -> None:
        """Keep these freshly fetched answers: in memory, and on disk for the disk sources."""
        now = self.clock()
        rows = []
        for key, lookup in answers:
            if key.source in self.disk_sources and self._db is not None:
                rows.append((key.source, key.identity, key.query, now.isoformat(), lookup_to_json(lookup)))
            else:
                self._memory[key] = CachedLookup(lookup, now)
        self._forget_expired(now)
        if not rows or self._db is None:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO lookups (source, identity, query, fetched_at, body) "
                    "VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            self._lost(exc)

    def _forget_expired(self, now: datetime) -> None:
        for key in [k for k, held in self._memory.items() if now - held.fetched_at > self.memory_window]:
            del self._memory[key]

    def _lost(self, exc: sqlite3.Error) -> None:
        """The file failed under us (disk full, removed, locked too long): go on without it."""
        log.warning("offers cache %s failed (%s); going on without it for this run", self.path, exc)
        self.close()


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _open(path: Path) -> sqlite3.Connection | None:
    """The cache database, created or rebuilt as needed; None (with a warning) when it cannot be had."""
    for attempt in (1, 2):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        except (OSError, sqlite3.Error) as exc:
            log.warning("cannot open the offers cache %s (%s); answers are kept in memory only", path, exc)
            return None
        try:
            _prepare(db)
            return db
        except _WrongSchema as exc:
            db.close()
            reason = str(exc)
        except sqlite3.DatabaseError as exc:  # garbage bytes: "file is not a database", malformed
            db.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                log.warning("the offers cache %s is locked (%s); answers are kept in memory only", path, exc)
                return None
            reason = f"unreadable ({exc})"
        if attempt == 2 or not _move_aside(path, reason):
            return None
    return None


class _WrongSchema(Exception):
    pass


def _prepare(db: sqlite3.Connection) -> None:
    """Check or create the schema, and drop entries past KEEP_ON_DISK.

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
        db.execute("DELETE FROM lookups WHERE fetched_at < ?", ((utc_now() - KEEP_ON_DISK).isoformat(),))
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
