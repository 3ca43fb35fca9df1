"""One log record is one line: a newline (or another control character) in a file name cannot forge a line."""

from __future__ import annotations

import logging
import os
import re

import pytest

from bomcheck.cli.logs import add_log_file, setup_logging
from tests.builders import names, wait_until
from tests.conftest import inbox_service

FORGED = "evil.csv\n2026-12-07 12:00:00,000 INFO good.csv: 3 lines (3 OK) -> good.checked.xlsx\r.csv"
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


def test_a_file_name_with_a_newline_is_escaped_on_stderr_and_in_the_log_file(tmp_path, capsys):
    setup_logging(verbose=1)
    log_file = tmp_path / "watch.log"
    add_log_file(log_file)
    logging.getLogger("bomcheck.watch.inbox").warning("%s: FAILED: %s", FORGED, "bad\x1b[2Jcell\u2028text")
    for text in (capsys.readouterr().err, log_file.read_text(encoding="utf-8")):
        lines = text.splitlines()
        assert len(lines) == 1, lines
        assert "evil.csv\\n2026-12-07 12:00:00,000 INFO good.csv" in lines[0]
        assert "\\r.csv: FAILED: bad\\x1b[2Jcell\\u2028text" in lines[0]


def test_tabs_and_non_ascii_names_are_left_as_they_are(tmp_path, capsys):
    setup_logging(verbose=1)
    logging.getLogger("bomcheck").warning("%s", "Stückliste\tÉté.xlsx")
    assert capsys.readouterr().err == "bomcheck: WARNING: Stückliste\tÉté.xlsx\n"


@pytest.mark.skipif(os.name != "posix", reason="a newline in a file name")
async def test_a_dropped_file_named_with_a_newline_gives_whole_lines_in_the_service_log(tmp_path):
    logging.getLogger().setLevel(logging.INFO)  # restored by the restore_logging fixture
    log_file = tmp_path / "service.log"
    add_log_file(log_file)
    async with inbox_service(tmp_path) as service:
        (service.folders.inbox / FORGED).write_text("not,a,bom\n1,2,3\n")
        await wait_until(lambda: len(names(service.folders.failed)) == 2, 30)
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert lines and all(STAMP.match(line) for line in lines), lines
    assert not any(line.startswith("2026-12-07 12:00:00,000") for line in lines)
