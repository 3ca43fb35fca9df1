"""The watch folder's ledger: which file contents were already checked, and where their outputs went.

It also notes each output being handed over (written before the output takes its name in out/,
dropped once the input is filed away), so a service killed in between recognises, at its next
start, a file whose output is already there and does not check it again.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bomcheck.errors import BomcheckError
from bomcheck.files import atomic_write_text
from bomcheck.lookups.cached_lookups import DEFAULT_MAX_AGE

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class LedgerEntry:
    """A content already checked: where its output went, the output's hash, when, and how old the
    oldest answer in it was (cached answers make an output older than its check)."""

    output: Path
    output_sha256: str
    checked_at: datetime
    data_from: datetime

    def intact(self) -> bool:
        """The output is still there, unchanged since it was written."""
        try:
            return self.output.is_file() and sha256_of(self.output) == self.output_sha256
        except OSError:
            return False


class Ledger:
    """Content hash (+ options) → output, kept as a small JSON file; a broken ledger is never fatal."""

    def __init__(self, path: Path, max_age: timedelta = DEFAULT_MAX_AGE,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.path = path
        self.max_age = max_age
        self._now = now
        self._entries: dict[str, dict[str, str]] = {}
        self._handovers: dict[str, dict[str, str]] = {}  # outputs in place whose input is not yet filed
        self._load()

    def _load(self) -> None:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            entries, handovers = document["entries"], document.get("handovers", {})
            if not isinstance(entries, dict) or not isinstance(handovers, dict):
                raise TypeError
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring the unreadable ledger %s; files will be checked afresh", self.path)
            return
        self._entries, self._handovers = entries, handovers

    def fresh(self, key: str) -> LedgerEntry | None:
        """The entry for `key` if its oldest answer is within max_age; None otherwise."""
        raw = self._entries.get(key)
        if raw is None:
            return None
        try:
            checked_at = datetime.fromisoformat(raw["checked_at"])
            entry = LedgerEntry(Path(raw["output"]), raw["output_sha256"], checked_at, _data_from(raw))
        except (KeyError, ValueError, TypeError):
            return None
        return entry if self._now() - entry.data_from <= self.max_age else None

    def record(self, key: str, output: Path, oldest: datetime | None = None) -> None:
        """Note `output` for `key`; `oldest` is when its oldest answer was fetched (None: all live)."""
        now = self._now()
        self._entries = {k: v for k, v in self._entries.items() if _young(v, now, self.max_age)}
        self._entries[key] = self._entry(output, sha256_of(output), oldest)
        self._save()

    def handing_over(self, handover: str, input_name: str, output: Path, output_sha256: str, *,
                     reuse_key: str | None = None, oldest: datetime | None = None,
                     companion: tuple[Path, str] | None = None) -> None:
        """Note, before it takes its name, that `output` (of this hash) answers the inbox file
        `input_name` of content `handover`; with a `reuse_key` it is also remembered for reuse.
        `companion`: the file placed beside it first (the RFQ file) and its hash."""
        now = self._now()
        self._entries = {k: v for k, v in self._entries.items() if _young(v, now, self.max_age)}
        entry = self._entry(output, output_sha256, oldest)
        if reuse_key is not None:
            self._entries[reuse_key] = entry
        extra = {"companion": str(companion[0]), "companion_sha256": companion[1]} if companion else {}
        self._handovers[handover] = {**entry, "input": input_name, **extra}
        self._save()

    def stray_companions(self) -> list[tuple[Path, str]]:
        """Companions (RFQ files) of hand-overs whose output never took its name: a kill came between
        the two. Each with the hash it was placed with, for the caller to remove if unchanged."""
        stray = []
        for raw in self._handovers.values():
            companion, digest = raw.get("companion"), raw.get("companion_sha256")
            if companion and digest and not Path(str(raw.get("output", ""))).exists():
                stray.append((Path(companion), str(digest)))
        return stray

    def handed_over(self, handover: str, input_name: str) -> LedgerEntry | None:
        """The output already handed over for this inbox file, if it is still there unchanged."""
        raw = self._handovers.get(handover)
        if raw is None or raw.get("input") != input_name:
            return None
        try:
            entry = LedgerEntry(Path(raw["output"]), raw["output_sha256"],
                                datetime.fromisoformat(raw["checked_at"]), _data_from(raw))
        except (KeyError, ValueError, TypeError):
            return None
        return entry if entry.intact() else None

    def filed(self, handover: str) -> None:
        """The input of a hand-over has left the inbox: the hand-over is complete."""
        if self._handovers.pop(handover, None) is not None:
            self._save()

    def keep_handovers(self, still_there: Callable[[str], bool]) -> None:
        """At start: forget hand-overs whose input is no longer in the inbox (filed just before a kill)."""
        gone = [key for key, raw in self._handovers.items() if not still_there(str(raw.get("input", "")))]
        for key in gone:
            del self._handovers[key]
        if gone:
            self._save()

    def _entry(self, output: Path, output_sha256: str, oldest: datetime | None) -> dict[str, str]:
        now = self._now()
        data_from = min(oldest, now) if oldest is not None else now
        return {"output": str(output), "output_sha256": output_sha256,
                "checked_at": now.isoformat(), "data_from": data_from.isoformat()}

    def _save(self) -> None:
        document = {"version": 1, "entries": self._entries, "handovers": self._handovers}
        try:
            atomic_write_text(self.path, json.dumps(document, indent=1))
        except BomcheckError as exc:
            log.warning("cannot save the ledger (%s); the same file may be checked again", exc)


def _data_from(raw: Mapping[str, str]) -> datetime:
    """When the entry's oldest answer was fetched (entries written before this was kept: checked_at)."""
    return datetime.fromisoformat(raw.get("data_from") or raw["checked_at"])


def _young(raw: Mapping[str, str], now: datetime, max_age: timedelta) -> bool:
    try:
        return now - _data_from(raw) <= max_age
    except (KeyError, ValueError, TypeError):
        return False


def sha256_of(path: Path, *, copy_to: Path | None = None) -> str:
    """The file's SHA-256 (and, with `copy_to`, a copy of exactly the bytes hashed), read through one
    descriptor opened without following a symbolic link: a link swapped in after the inbox looked
    (one to a token file) is refused here (OSError), not read."""
    digest = hashlib.sha256()
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        with open(copy_to, "wb") if copy_to is not None else contextlib.nullcontext() as copy:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                if copy is not None:
                    copy.write(block)
    return digest.hexdigest()
