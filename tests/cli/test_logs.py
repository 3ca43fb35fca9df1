"""The redacting log filter: secrets blanked, and a mistaken format never raises."""

from __future__ import annotations

import logging

from bomcheck.cli.logs import RedactingFilter
from bomcheck.redact import register_secret


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("bomcheck", logging.INFO, __file__, 1, msg, args, None)


def test_known_secrets_and_query_keys_are_blanked():
    redacting = RedactingFilter()
    register_secret("s3cret-token")
    entry = record("GET %s with %s", "https://x/search?apikey=abc123&q=1", "s3cret-token")
    assert redacting.filter(entry)
    assert "s3cret-token" not in entry.getMessage() and "abc123" not in entry.getMessage()


def test_a_record_whose_arguments_do_not_fit_its_format_is_still_logged():
    redacting = RedactingFilter()
    register_secret("s3cret-token")
    entry = record("%d board(s) for %s", (10, 100), "s3cret-token")
    assert redacting.filter(entry)
    message = entry.getMessage()
    assert "board(s)" in message and "(10, 100)" in message and "s3cret-token" not in message


def test_a_traceback_logged_at_debug_is_redacted_on_stderr_and_in_the_log_file(tmp_path, capsys):
    from bomcheck.cli.logs import add_log_file, redact_in_logs, setup_logging

    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        setup_logging(verbose=2)
        log_file = tmp_path / "watch.log"
        add_log_file(log_file)
        redact_in_logs(["tr4ceback-s3cret"])
        try:
            raise RuntimeError("login failed for tr4ceback-s3cret at https://x/?apikey=k3y-in-url")
        except RuntimeError:
            logging.getLogger("bomcheck.lookups.fanout").debug("traceback", exc_info=True)
    finally:
        for handler in [h for h in root.handlers if h not in before[0]]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(before[1])
    for text in (capsys.readouterr().err, log_file.read_text(encoding="utf-8")):
        assert "Traceback" in text and "RuntimeError: login failed for ***" in text
        assert "tr4ceback-s3cret" not in text and "k3y-in-url" not in text
