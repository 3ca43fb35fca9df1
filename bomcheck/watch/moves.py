"""Moves that never replace a file and never leave a broken one, within one filesystem or across two."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from bomcheck.files import sync_folder

MOVING_TAIL = ".moving"  # `.NAME.1a2b3c4d.moving`: a copy across filesystems not yet complete


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
        if os.path.lexists(target):
            continue
        try:
            place(source, target)
        except FileExistsError:
            continue
        return target
    raise AssertionError("unreachable")


def place(source: Path, target: Path) -> None:
    """Move `source` to `target`, which must not exist (FileExistsError if it does).

    `target` appears complete or not at all, and `source` goes only once it is there. Within a
    filesystem: a hard link, then the source unlinked (a kill in between leaves two names for
    one file, which the caller may finish at its next start). Across filesystems: a copy under a
    hidden temp name beside the target, flushed to disk, then renamed; a failed copy (a full
    disk) leaves nothing behind and the source untouched.
    """
    source, target = Path(source), Path(target)
    try:
        os.link(source, target)  # fails if target exists: no race with another writer
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            _copy_across(source, target)
            return
        _rename_exclusive(source, target)  # no hard links here (a share, FAT): rename, checked first
        return
    source.unlink()


def _rename_exclusive(source: Path, target: Path) -> None:
    if os.path.lexists(target):
        raise FileExistsError(target)
    try:
        os.rename(source, target)  # on Windows this never replaces; elsewhere just checked
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_across(source, target)


def _copy_across(source: Path, target: Path) -> None:
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{MOVING_TAIL}")
    try:
        with open(source, "rb") as src, open(temp, "xb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        shutil.copystat(source, temp)
        try:
            os.link(temp, target)
        except FileExistsError:
            raise
        except OSError:
            _rename_exclusive(temp, target)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    sync_folder(target.parent)  # the new name durable before the old one goes
    source.unlink()
