"""The last daily-quota figure a source reported, kept in a small JSON file per environment and app."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bomcheck.files import atomic_write_text

try:  # POSIX only; elsewhere saves are not locked (see QuotaStore)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

STATE_FILE = "quota.json"


def us_central() -> tzinfo:
    """DigiKey's quota day: it has been reported to reset at midnight US Central time."""
    try:
        return ZoneInfo("America/Chicago")
    except ZoneInfoNotFoundError:  # no tz database (Windows without tzdata): an hour off in summer
        return timezone(timedelta(hours=-6), "CST")


@dataclass(frozen=True)
class QuotaSeen:
    """A source's own count of the calls left today, and when it said so."""

    remaining: int
    limit: int | None
    seen_at: datetime  # timezone-aware

    def remaining_on(self, now: datetime) -> int | None:
        """The calls left at `now`: None once a new quota day has begun (the count is unknown)."""
        if self.quota_day != quota_day_of(now):
            return None
        return self.remaining

    @property
    def quota_day(self) -> dt.date:
        return quota_day_of(self.seen_at)

    def fresher_than(self, other: QuotaSeen) -> bool:
        """Whether this figure was seen after `other` (the lower count, when seen at the same instant).

        Not simply "the lower count": should the quota come back at another hour than the one
        assumed here, a count from before would otherwise hide the new one until midnight.
        """
        return (self.seen_at, -self.remaining) > (other.seen_at, -other.remaining)


def quota_day_of(moment: datetime) -> dt.date:
    return moment.astimezone(us_central()).date()


class QuotaStore:
    """Reads and writes the quota figures, one per key ("environment/account"); never fatal.

    Several bomcheck processes (two `check` runs, a `watch` service) may share the file: a save
    reads, merges and writes it under an exclusive lock (fcntl, on a side file `quota.json.lock`),
    so no process's figure is lost, and a figure older than the one stored is not written over
    it. Where fcntl does not exist (Windows) saves are not locked: two processes ending at the
    same instant may lose one's entry, which only makes the next run's quota estimate unknown.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.debug("ignoring the quota state %s: %s", self.path, exc)
            return {}
        return document if isinstance(document, dict) else {}

    def load(self, key: str) -> QuotaSeen | None:
        return _seen(self._read().get(key))

    def save(self, key: str, seen: QuotaSeen) -> None:
        """Keep `seen` under `key` unless a fresher figure is stored; earlier quota days are dropped."""
        now = datetime.now(timezone.utc)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked():
                document = {other: entry for other, entry in self._read().items()
                            if (old := _seen(entry)) is not None and old.remaining_on(now) is not None}
                stored = _seen(document.get(key))
                if stored is not None and stored.fresher_than(seen):
                    return  # another process saw a later count: it stays
                document[key] = {"remaining": seen.remaining, "limit": seen.limit,
                                 "seen_at": seen.seen_at.astimezone(timezone.utc).isoformat()}
                atomic_write_text(self.path, json.dumps(document, indent=1, sort_keys=True) + "\n")
        except Exception as exc:  # a state file that cannot be written must not fail the run
            log.warning("could not save the DigiKey quota state in %s: %s", self.path, exc)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the exclusive lock of the state file (a no-op without fcntl)."""
        if fcntl is None:
            yield
            return
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held for one read and one small write
            yield
        finally:
            os.close(fd)  # releases the lock

    def remaining(self, key: str, now: datetime | None = None) -> int | None:
        """The calls left today under `key`, or None when not known (never seen, or a past day)."""
        seen = self.load(key)
        if seen is None:
            return None
        return seen.remaining_on(now or datetime.now(timezone.utc))


def _seen(entry: object) -> QuotaSeen | None:
    """One stored entry, or None when it is missing or malformed."""
    if not isinstance(entry, dict):
        return None
    try:
        seen_at = datetime.fromisoformat(str(entry["seen_at"]))
        limit = entry.get("limit")
        return QuotaSeen(int(str(entry["remaining"])), int(str(limit)) if limit is not None else None,
                         seen_at if seen_at.tzinfo else seen_at.replace(tzinfo=timezone.utc))
    except (KeyError, TypeError, ValueError):
        return None
