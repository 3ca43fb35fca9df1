"""The progress bars: full when their round ends, and one line per round when stderr is no terminal."""

from __future__ import annotations

import io

from bomcheck.cli.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_round_whose_answers_the_cache_held_still_ends_full_on_a_terminal():
    stream = Terminal()
    bar = ProgressBar(stream)
    bar.phase("alternates")
    bar.start(2)
    bar.advance(1)  # the other answer came from the cache: no call
    bar.finish()
    last = stream.getvalue().split("\r")[-1]  # what the terminal shows once the bar is drawn over
    assert "alternates" in last and last.rstrip("\n").replace("\x1b[?25h", "").endswith("2/2")


def test_not_on_a_terminal_each_round_is_one_line_with_its_count():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.phase("Arrow + Mouser")
    bar.start(46)
    for _ in range(45):
        bar.advance(1)
    bar.finish()
    bar.phase("alternates")
    bar.start(0)  # nothing to ask: nothing said
    bar.finish()
    assert stream.getvalue() == "Arrow + Mouser: 45 calls\n"
