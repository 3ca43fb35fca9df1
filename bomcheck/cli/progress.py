"""Progress on stderr while the distributors are asked: one bar per round, named for what it counts."""

from __future__ import annotations

import sys
from typing import Any, TextIO

import click


class ProgressBar:
    """A click progress bar on stderr for the distributor calls: `Arrow  21/21`, `alternates  1/1`.

    Not on a terminal (a log file, a pipe) a bar would print its label alone: instead one line per
    round says what it counted when the round ends (`Arrow + Mouser: 46 calls`).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._bar: Any = None
        self._label = "parts"
        self._total = 0
        self._done = 0

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr

    def phase(self, label: str) -> None:
        """What the next bar counts: the sources asked, or 'alternates'."""
        self._label = label

    def start(self, total: int) -> None:
        self._total, self._done = total, 0
        if total > 0 and self.stream.isatty():
            self._bar = click.progressbar(length=total, label=self._label, file=self.stream, show_pos=True)
            self._bar.__enter__()

    def advance(self, count: int) -> None:
        self._done += count
        if self._bar is not None:
            self._bar.update(count)

    def finish(self) -> None:
        """The round is over: its bar ends full (answers the cache held were not calls)."""
        if self._bar is not None:
            self._bar.update(max(0, self._total - self._done))
            self._bar.__exit__(None, None, None)
            self._bar = None
        elif self._total > 0:
            calls = min(self._done, self._total)
            click.echo(f"{self._label}: {calls} {'call' if calls == 1 else 'calls'}", file=self.stream)
        self._total = self._done = 0
