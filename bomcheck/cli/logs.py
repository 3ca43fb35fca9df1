"""Logging to stderr, with every known secret blanked out of every record, and one record per line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from bomcheck.redact import redact, register_secret

# Characters that end or rewrite a line in a log file or a terminal (newlines, carriage returns,
# escape sequences, Unicode line separators); a tab is left as it is.
_LINE_BREAKING = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def one_line(text: str) -> str:
    """`text` with every control character written as an escape (\\n, \\r, \\x1b, \\u2028)."""
    return _LINE_BREAKING.sub(lambda m: _NAMED_ESCAPES.get(m.group(), m.group().encode(
        "unicode_escape").decode("ascii")), text)


class RedactingFilter(logging.Filter):
    """Replaces known secrets, and credential-looking query parameters, by '***' in log records.

    The message is also made one line: file names (a dropped file may be named "a\\nb.csv") and
    texts from files and servers reach the log, and must not forge or split its lines. A
    traceback (-vv), printed below its record, keeps its lines.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a mistaken format must cost a log line, never the service
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = one_line(self._redact(message)), None
        # A traceback (exc_info, -vv) or stack carries exception messages, which may hold secrets:
        # it is formatted here, redacted, and handed on as text the formatters print as they are.
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = _TRACEBACKS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True

    def _redact(self, text: str) -> str:
        return redact(text)


_TRACEBACKS = logging.Formatter()


_FILTER = RedactingFilter()


def setup_logging(*, verbose: int = 0, quiet: bool = False) -> None:
    """Log to stderr: warnings by default, info with -v, debug with -vv, errors only with -q."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("bomcheck: %(levelname)s: %(message)s"))
    handler.addFilter(_FILTER)
    # On the root logger, so that library records (aiohttp's) pass the same redaction.
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "bomcheck", False)]:
        root.removeHandler(old)
    handler.bomcheck = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def redact_in_logs(secrets: Iterable[str]) -> None:
    """Register secrets that must never appear in a log line (nor in any other text bomcheck writes)."""
    register_secret(*secrets)


def add_log_file(path: Path) -> None:
    """Also append every log record, with a timestamp and the same redaction, to `path`."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(_FILTER)
    handler.bomcheck = True  # type: ignore[attr-defined]
    logging.getLogger().addHandler(handler)
