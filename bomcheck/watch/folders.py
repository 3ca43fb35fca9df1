"""The inbox's folders, its state lock, our output names, and moves that never replace a file."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    """Our outputs (`x.checked.xlsx`, `x (2).checked.xlsx`, `x.rfq.xlsx`) are never inputs, wherever
    they land."""
    return (path.suffix.lower() in OUTPUT_SUFFIXES and path.stem.endswith(OUTPUT_MARK)) or is_rfq_file(path)


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

