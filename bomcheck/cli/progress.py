"""Progress on stderr while the distributors are asked: one bar per round, named for what it counts."""

from __future__ import annotations

import sys
from typing import Any

import click


class ProgressBar:
    """A click progress bar on stderr for the distributor calls: `Arrow  21/21`, `alternates  1/1`."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._label = "parts"

    def phase(self, label: str) -> None:
        """What the next bar counts: the sources asked, or 'alternates'."""
        self._label = label

    def start(self, total: int) -> None:
        if total > 0:
            self._bar = click.progressbar(length=total, label=self._label, file=sys.stderr, show_pos=True)
            self._bar.__enter__()

    def advance(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
