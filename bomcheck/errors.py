"""The bomcheck exception tree; every message is written for the person running the tool."""

from __future__ import annotations


class BomcheckError(Exception):
    """A whole-run failure the user can act on; the CLI prints it as one line, no traceback."""

    exit_code = 1


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

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class SourceUnavailable(SourceError):
    """The source cannot answer anything more this run (quota spent, no access, no login).

    `account_wide`: a lasting property of the account (no bonded agreement), said once for the
    run like a source that is not configured; otherwise every line it leaves unanswered is
    marked, and the run counts as incomplete.
    """

    def __init__(self, message: str, *, retryable: bool = False, account_wide: bool = False) -> None:
        super().__init__(message, retryable=retryable)
        self.account_wide = account_wide
