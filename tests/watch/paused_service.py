"""Run bomcheck with a long pause right after a file lands at a path ending in MARKER (timed kill -9 tests).

Usage: python -m tests.watch.paused_service MARKER watch INBOX ...
Every rename, replace or hard link whose destination ends in MARKER returns only after a minute,
so a test that sees the file appear can kill the service at exactly that point.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any


def _pausing(real: Callable[..., Any], marker: str) -> Callable[..., Any]:
    def call(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
        result = real(src, dst, *args, **kwargs)
        if os.fspath(dst).endswith(marker):
            time.sleep(60)
        return result
    return call


def run() -> None:
    marker, *arguments = sys.argv[1:]
    for name in ("rename", "replace", "link"):
        setattr(os, name, _pausing(getattr(os, name), marker))
    from bomcheck.cli import main

    main(arguments, prog_name="bomcheck")


if __name__ == "__main__":
    run()
