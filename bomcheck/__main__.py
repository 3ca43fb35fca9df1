"""Allows `python -m bomcheck`."""

from bomcheck.cli import main

main()
