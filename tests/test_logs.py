"""The redacting log filter: secrets blanked, and a mistaken format never raises."""

from __future__ import annotations

import logging

from bomcheck.logs import RedactingFilter


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("bomcheck", logging.INFO, __file__, 1, msg, args, None)


def test_known_secrets_and_query_keys_are_blanked():
    redacting = RedactingFilter()
    redacting.secrets.add("s3cret-token")
    entry = record("GET %s with %s", "https://x/search?apikey=abc123&q=1", "s3cret-token")
    assert redacting.filter(entry)
    assert "s3cret-token" not in entry.getMessage() and "abc123" not in entry.getMessage()


def test_a_record_whose_arguments_do_not_fit_its_format_is_still_logged():
    redacting = RedactingFilter()
    redacting.secrets.add("s3cret-token")
    entry = record("%d board(s) for %s", (10, 100), "s3cret-token")
    assert redacting.filter(entry)
    message = entry.getMessage()
    assert "board(s)" in message and "(10, 100)" in message and "s3cret-token" not in message
