"""COMMAND LINE: one command per module, shared options and progress; the one error boundary."""

from bomcheck.cli.app import main

__all__ = ["main"]
