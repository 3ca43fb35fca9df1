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
              help="Log in to DigiKey's own sandbox (sandbox-api.digikey.com) instead of production, "
                   "with its own app: BOMCHECK_DIGIKEY_SANDBOX_CLIENT_ID and "
                   "BOMCHECK_DIGIKEY_SANDBOX_CLIENT_SECRET.")
@click.option("--no-listener", is_flag=True,
              help="Do not listen for the browser's redirect; always paste it back.")
@click.option("--listen-timeout", type=click.FloatRange(min=1), default=180.0, show_default=True,
              help="Seconds to wait for the redirect before asking for a paste-back.")
def auth_digikey(digikey_sandbox: bool, no_listener: bool, listen_timeout: float) -> None:
    """Log in to DigiKey (OAuth, 3-legged) and keep the login for `check`.

    Prints an address to open in any browser, on any machine. DigiKey takes only https://
    callbacks: with the default https://localhost the browser lands on a page that does not
    load, and you paste its address back (the code in it lives about a minute). With a
    callback like https://localhost:8139/callback a local listener catches it over HTTPS with
    a certificate made for this login (the browser warns once); --no-listener always pastes.
    The tokens are stored in a 0600 file in the config folder, one per environment
    (production, DigiKey's sandbox, or the server in BOMCHECK_DIGIKEY_URL), with each bonded
    location's currency beside them; BOMCHECK_DIGIKEY_ACCOUNT_ID, when set, is checked.
    """
    settings = load_settings({"digikey_url": DIGIKEY_SANDBOX_URL} if digikey_sandbox else None)
    redact_in_logs(settings.secrets)
    stored = asyncio.run(login_digikey(settings, ask=click.prompt, tell=click.echo,
                                       listen=not no_listener, listen_timeout=listen_timeout))
    click.echo(f"DigiKey login saved in {stored}")

