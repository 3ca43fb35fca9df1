"""The last daily-quota figure a source reported, kept in a small JSON file per environment and app."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bomcheck.files import atomic_write_text

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
    # When the source said the quota comes back (DigiKey's daily 429: Retry-After / X-RateLimit-Reset);
    # None: at the next midnight US Central, where it has been reported to reset.
    resets_at: datetime | None = None

    def remaining_on(self, now: datetime) -> int | None:
        """The calls left at `now`: None once the quota has reset (the count is unknown): at
        `resets_at` when known, else when a new US Central day has begun."""
        if self.resets_at is not None:
            return self.remaining if now < self.resets_at else None
        zone = us_central()
        if self.seen_at.astimezone(zone).date() != now.astimezone(zone).date():
            return None
        return self.remaining


class QuotaStore:
    """Reads and writes the quota figures, one per key ("environment/account"); never fatal."""

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
        """Keep `seen` under `key`; counts of earlier quota days are dropped on the way."""
        now = datetime.now(timezone.utc)
        document = {other: entry for other, entry in self._read().items()
                    if (old := _seen(entry)) is not None and old.remaining_on(now) is not None}
        document[key] = {"remaining": seen.remaining, "limit": seen.limit,
                         "seen_at": seen.seen_at.astimezone(timezone.utc).isoformat()}
        if seen.resets_at is not None:
            document[key]["resets_at"] = seen.resets_at.astimezone(timezone.utc).isoformat()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, json.dumps(document, indent=1, sort_keys=True) + "\n")
        except Exception as exc:  # a state file that cannot be written must not fail the run
            log.warning("could not save the DigiKey quota state in %s: %s", self.path, exc)

    def remaining(self, key: str, now: datetime | None = None) -> int | None:
        """The calls left today under `key`, or None when not known (never seen, or a past day)."""
        seen = self.load(key)
        if seen is None:
            return None
        return seen.remaining_on(now or datetime.now(timezone.utc))


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _seen(entry: object) -> QuotaSeen | None:
    """One stored entry, or None when it is missing or malformed."""
    if not isinstance(entry, dict):
        return None
    try:
        seen_at = datetime.fromisoformat(str(entry["seen_at"]))
        limit = entry.get("limit")
        resets = entry.get("resets_at")
        resets_at = datetime.fromisoformat(str(resets)) if resets else None
        return QuotaSeen(int(str(entry["remaining"])), int(str(limit)) if limit is not None else None,
                         _aware(seen_at), _aware(resets_at) if resets_at else None)
    except (KeyError, TypeError, ValueError):
        return None
