"""`bomcheck auth digikey`: the 3-legged DigiKey login, kept for later runs."""

from __future__ import annotations

import asyncio

import click

from bomcheck.cli.logs import redact_in_logs
from bomcheck.config import load_settings
from bomcheck.runtime import DIGIKEY_SANDBOX_URL, login_digikey


@click.group()
def auth() -> None:
    """Log in to a distributor API that needs a user login (DigiKey)."""


@auth.command("digikey")
@click.option("--sandbox", "digikey_sandbox", is_flag=True,
              help="Log in to DigiKey's own sandbox (sandbox-api.digikey.com) instead of production.")
@click.option("--no-listener", is_flag=True,
              help="Do not listen for the browser's redirect; always paste it back.")
@click.option("--listen-timeout", type=click.FloatRange(min=1), default=180.0, show_default=True,
              help="Seconds to wait for the redirect before asking for a paste-back.")
def auth_digikey(digikey_sandbox: bool, no_listener: bool, listen_timeout: float) -> None:
    """Log in to DigiKey (OAuth, 3-legged) and keep the login for `check`.

    Prints an address to open in any browser. With a redirect URI like
    http://localhost:8139/callback the redirect is caught by a local listener; otherwise (or
    with --no-listener, or on a headless server) paste back the address the browser is sent
    to. The tokens are stored in a 0600 file in the config folder, one per environment
    (production, DigiKey's sandbox, or the server in BOMCHECK_DIGIKEY_URL).
    """
    settings = load_settings({"digikey_url": DIGIKEY_SANDBOX_URL} if digikey_sandbox else None)
    redact_in_logs(settings.secrets)
    stored = asyncio.run(login_digikey(settings, ask=click.prompt, tell=click.echo,
                                       listen=not no_listener, listen_timeout=listen_timeout))
    click.echo(f"DigiKey login saved in {stored}")

