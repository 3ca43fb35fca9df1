"""The bomcheck exception tree; every message is written for the person running the tool.

    BomcheckError              a whole run cannot go on: one line on stderr, exit code 3
    ├── BomError               the BOM cannot be read or understood
    ├── ConfigError            settings or credentials are missing or wrong
    ├── AuthError              a login is missing or dead
    ├── OutputError            an output cannot be written
    └── SourceError            one distributor query failed: a per-line Failure, never a run's end
        └── SourceUnavailable  the source can answer nothing more this run
"""

from __future__ import annotations

EXIT_FATAL = 3  # the exit code of a run stopped by a BomcheckError: nothing was written


class BomcheckError(Exception):
    """A whole-run failure the user can act on; the CLI's error boundary prints it as one line."""

    exit_code = EXIT_FATAL


class BomError(BomcheckError):
    """The BOM file cannot be read or understood."""


class ConfigError(BomcheckError):
    """Settings or credentials are missing or wrong."""


class AuthError(BomcheckError):
    """A distributor login is missing or dead and must be redone by the user."""


class OutputError(BomcheckError):
    """The output file cannot be written."""


class SourceError(BomcheckError):
    """One distributor query failed; it becomes a per-line status, never a whole-run failure."""

    def __init__(self, message: str, *, retryable: bool = False, kind: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.kind = kind  # what to count it by ('timeout', 'HTTP 503'); "" = its first clause


class SourceUnavailable(SourceError):
    """The source cannot answer anything more this run (quota spent, no access, no login).

    `account_wide`: a lasting property of the account (no bonded agreement), said once for the
    run like a source that is not configured; otherwise every line it leaves unanswered is
    marked, and the run counts as incomplete.
    """

    def __init__(self, message: str, *, retryable: bool = False, account_wide: bool = False,
                 kind: str = "") -> None:
        super().__init__(message, retryable=retryable, kind=kind)
        self.account_wide = account_wide
