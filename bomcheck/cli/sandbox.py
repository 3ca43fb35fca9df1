"""`bomcheck sandbox`: the built-in sandbox served standalone, with its rates, quota and faults."""

from __future__ import annotations

import click

from bomcheck.runtime import sandbox_environment
from bomcheck.sandbox.faults import FAILING_KINDS, FaultConfig, fault_rates, parse_fault
from bomcheck.sandbox.server import SandboxConfig, serve_forever


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8470, show_default=True,
              help="Port to listen on.")
@click.option("--arrow-rate", type=click.FloatRange(min=0, min_open=True),
              help="Requests per second Arrow allows before 429 [default: unlimited].")
@click.option("--digikey-rate", type=click.FloatRange(min=0, min_open=True),
              help="Requests per second DigiKey allows before 429 [default: unlimited].")
@click.option("--latency", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds added to every answer.")
@click.option("--token-lifetime", type=click.IntRange(min=1), default=1800, show_default=True,
              help="Seconds a DigiKey access token lives (expires_in).")
@click.option("--daily-quota", type=click.IntRange(min=0), default=1000, show_default=True,
              help="DigiKey Supply Chain calls allowed per day (the server's lifetime).")
@click.option("--no-bonded-agreement", is_flag=True,
              help="Act as an account without a bonded agreement: Supply Chain answers 403.")
@click.option("--digikey-error-shape", type=click.Choice(["mixed", "api", "problem"]), default="mixed",
              show_default=True, help="DigiKey error bodies: ApiErrorResponse, DKProblemDetails or both.")
@click.option("--faults", "all_faults", type=click.FloatRange(0, 1), metavar="RATE",
              help="Fail this share of Arrow and DigiKey requests (0.2 = 20%), spread evenly over "
                   f"every kind of failure: {', '.join(FAILING_KINDS)} (1.0 fails every request; "
                   "a slow trickle is not a failure: --fault trickle=RATE).")
@click.option("--fault", "faults", multiple=True, metavar="KIND=RATE",
              help="Fail this share of requests with one kind of fault (repeatable; on top of "
                   "--faults), e.g. --fault timeout=0.1 --fault 503=0.05.")
@click.option("--fault-seed", type=int, default=0, show_default=True,
              help="Seed of the fault draws: the same seed fails the same requests again.")
@click.option("--fault-oauth", is_flag=True,
              help="Also fault DigiKey's OAuth endpoints (a lost refresh answer costs the login).")
def sandbox_command(host: str, port: int, arrow_rate: float | None, digikey_rate: float | None,
                    latency: float, token_lifetime: int, daily_quota: int, no_bonded_agreement: bool,
                    digikey_error_shape: str, all_faults: float | None, faults: tuple[str, ...],
                    fault_seed: int, fault_oauth: bool) -> None:
    """Run the sandbox server standalone (point BOMCHECK_ARROW_URL / BOMCHECK_DIGIKEY_URL at it).

    With --faults / --fault it fails requests the ways real services do: HTTP 500, 502, 503,
    a timeout (no answer), a connection reset, a truncated body, invalid JSON or an HTML page
    with HTTP 200; --fault trickle=RATE sends answers slowly (not a failure unless slower than
    the client's timeout, so not part of --faults). GET /_sandbox/stats counts them.
    """
    try:
        rates = fault_rates(all_faults, dict(parse_fault(text) for text in faults))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault/--faults") from None
    serve_forever(host, port, SandboxConfig(
        arrow_rate=arrow_rate, digikey_rate=digikey_rate, latency=latency,
        token_lifetime=token_lifetime, daily_quota=daily_quota,
        digikey_bonded_agreement=not no_bonded_agreement, digikey_error_shape=digikey_error_shape,
        faults=FaultConfig(rates, seed=fault_seed, oauth=fault_oauth),
    ), sandbox_environment)

