"""The inbox's folders, the locks that keep one service per inbox, and our output names."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

import platformdirs

from bomcheck.errors import ConfigError
from bomcheck.output.rfq_file import is_rfq_file
from bomcheck.output.workbook import OUTPUT_MARK, OUTPUT_SUFFIXES

log = logging.getLogger(__name__)


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
        if not self.inbox.exists():
            # Convenient for a new inbox, but a typo would otherwise watch an empty folder in silence.
            log.warning("the inbox %s did not exist: created it (check the path if you expected files)",
                        self.inbox)
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
    """Hold the state folder's lock: two services on one ledger would take the same files twice."""
    with _locked(state / "lock") as holder:
        if holder is not None:
            raise ConfigError(f"another bomcheck watch ({holder}) is already using {state} (the same "
                              "inbox?); stop it first, or give this one its own --state")
        yield


INBOX_LOCK = ".bomcheck-watch.lock"  # hidden: never taken as a BOM, and one per inbox on a share too


@contextlib.contextmanager
def exclusive_inbox(inbox: Path) -> Iterator[None]:
    """Hold the inbox's own lock, by its real path: a second service (through a symlink, another
    --state, another user or host on a share) would check the same files and write outputs twice."""
    real = Path(os.path.realpath(inbox))
    with _locked(real / INBOX_LOCK) as holder:
        if holder is not None:
            raise ConfigError(f"another bomcheck watch ({holder}) is already watching {real}; stop it "
                              "first (one service per inbox)")
        yield


@contextlib.contextmanager
def _locked(lock_file: Path) -> Iterator[str | None]:
    """Take the lock on `lock_file` and write who holds it; yield None, or who holds it if another does."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one service per inbox is up to the admin
        yield None
        return
    with contextlib.ExitStack() as stack:
        handle: IO[str]
        try:
            handle = stack.enter_context(open(lock_file, "a+", encoding="utf-8"))
        except PermissionError:  # another user's lock file: a read-only handle locks all the same
            handle = stack.enter_context(_open_or_refuse(lock_file, "r"))
        except OSError as exc:
            raise ConfigError(f"cannot create the lock file {lock_file}: {exc.strerror or exc}; "
                              "check the folder's permissions") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            said = " ".join(handle.read(500).split())
            yield said or "its pid is unknown"
            return
        if not handle.writable():
            yield None
            return
        handle.seek(0)
        handle.truncate()
        since = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since {since}\n")
        handle.flush()
        yield None


def _open_or_refuse(lock_file: Path, mode: str) -> IO[str]:
    try:
        return open(lock_file, mode, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot open the lock file {lock_file}: {exc.strerror or exc}; "
                          "check the folder's permissions") from None


def default_state_dir(inbox: Path) -> Path:
    """One state folder per inbox (by its real path) in the user's state directory: ledger, work copies."""
    resolved = os.path.realpath(Path(inbox).absolute())
    tag = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:10]
    return platformdirs.user_state_path("bomcheck") / "watch" / f"{Path(resolved).name or 'inbox'}-{tag}"


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def is_own_output(path: Path) -> bool:
    """Our outputs (`x.checked.xlsx`, `x (2).checked.xlsx`, `x.rfq.xlsx`) are never inputs, wherever
    they land."""
    return (path.suffix.lower() in OUTPUT_SUFFIXES and path.stem.endswith(OUTPUT_MARK)) or is_rfq_file(path)
