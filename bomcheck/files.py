"""Atomic file output: write beside the target, then rename into place, so no half file is ever seen."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from bomcheck.errors import OutputError

# The outputs of one run written so far, waiting to be renamed together (see outputs_together).
_staged: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("bomcheck_staged_outputs", default=None)


@contextlib.contextmanager
def atomic_output(target: Path, *, protect: Path | None = None, private: bool = False) -> Iterator[Path]:
    """Yield a temp path in `target`'s folder; on success it replaces `target`, on failure it goes.

    `protect` is a path that must never be written (the user's input file); a `private` file
    (bomcheck's own settings) is created 0600, readable by its owner only, from the start.
    Inside outputs_together(), the finished temp file waits and is renamed with the others.
    """
    target = Path(target)
    check_writable(target, protect=protect)
    folder = target.parent
    try:
        handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        if not private:
            os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; an output is an ordinary file
        _refuse_special(target)  # again: something may have appeared there while bomcheck worked
        staged = _staged.get()
        if staged is not None:
            staged.append((temp, target))
            return
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if not _is_staged(temp):
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX); harmless where folders cannot be opened."""
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _is_staged(temp: Path) -> bool:
    return any(temp == waiting for waiting, _ in _staged.get() or ())


@contextlib.contextmanager
def outputs_together(before_renaming: Callable[[], None] | None = None) -> Iterator[None]:
    """Every atomic_output() inside the block lands only when all of them were written, then all at once.

    Each output is written in full to its temp file first; when the block ends without an error
    and `before_renaming()` (a last check, e.g. that the input did not change) raises nothing,
    the temp files are renamed over their targets one after the other. On any error, every
    temp file is removed and no target is touched: a run that fails has written nothing.
    """
    if _staged.get() is not None:  # nested: the outer block renames
        yield
        return
    staged: list[tuple[Path, Path]] = []
    token = _staged.set(staged)
    try:
        try:
            yield
        except OutputError as exc:
            if not staged:
                raise
            names = " and ".join(target.name for _, target in staged)
            raise OutputError(f"{exc}; {names} {'was' if len(staged) == 1 else 'were'} not written "
                              "either") from None
        finally:
            _staged.reset(token)
        if before_renaming is not None:
            before_renaming()
        for _, target in staged:
            _refuse_special(target)
        renamed: list[Path] = []
        for temp, target in staged:
            try:
                os.replace(temp, target)
            except OSError as exc:
                # Only a folder vanishing between two renames gets here: say what did land.
                written = f" ({', '.join(map(str, renamed))} was written)" if renamed else ""
                raise OutputError(f"cannot write {target}: {exc.strerror or exc}{written}") from None
            renamed.append(target)
    finally:
        for temp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


@dataclass(frozen=True)
class FileState:
    """What a file held when it was read: its size and the SHA-256 of its bytes."""

    size: int
    sha256: str


def file_state(path: Path) -> FileState:
    """The size and content hash of `path` (read in 1 MiB blocks); OSError when it cannot be read."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return FileState(size, digest.hexdigest())


def unchanged_since(path: Path, state: FileState) -> bool:
    """Whether `path` still holds exactly the bytes it held when `state` was taken."""
    try:
        if os.stat(path).st_size != state.size:
            return False
        return file_state(path) == state
    except OSError:
        return False


def check_writable(target: Path, *, protect: Path | None = None, option: str = "-o") -> None:
    """Fail now, before any work, if `target` could not be written (or is the input file);
    `option` is the flag that named it, for the message."""
    target = Path(target)
    if protect is not None and _same_file(target, protect):
        raise OutputError(f"refusing to overwrite the input file {protect}; "
                          f"choose another output with {option}")
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder; give a file name with {option}")
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist; that is a file")
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist")
    _refuse_special(target)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: no permission to write in {folder}")
    try:  # access() says yes to root on a read-only mount or folder: only a real file tells
        handle, probe = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".probe")
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {folder} is not writable ({exc.strerror or exc}); "
                          "choose another output with -o") from None
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _refuse_special(target: Path) -> None:
    """Refuse an existing output that is not a regular file: a device, pipe or socket, or a symlink.

    bomcheck replaces outputs by renaming a finished file over them, which would replace a device
    node (/dev/full) or the link itself rather than write where it points.
    """
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(mode):
        raise OutputError(f"cannot write {target}: it is a symbolic link, which bomcheck does not replace; "
                          "give the path of a regular file (or a new name)")
    if not stat.S_ISREG(mode):
        raise OutputError(f"cannot write {target}: it exists and is not a regular file (a device, pipe or "
                          "socket); give the path of a regular file (or a new name)")


def atomic_write_text(target: Path, text: str, *, protect: Path | None = None, private: bool = False) -> None:
    with atomic_output(target, protect=protect, private=private) as temp:
        temp.write_text(text, encoding="utf-8")


def private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) for bomcheck's own secrets and settings, readable by its owner only.

    A folder that already exists and belongs to this user is made 0700 too (an older version or a
    plain `mkdir` may have left it 0755); someone else's folder is left alone.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no geteuid on Windows
        found = folder.stat()
        if found.st_uid == os.geteuid() and found.st_mode & 0o077:
            os.chmod(folder, 0o700)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and os.path.samefile(a, b))
    except OSError:
        return False
