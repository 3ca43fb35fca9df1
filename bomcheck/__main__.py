"""Allows `python -m bomcheck`."""

from bomcheck.cli.app import main

main()
