"""How often and how patiently a request is tried again: which answers are retried, and the budgets."""

from __future__ import annotations

from dataclasses import dataclass

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """How often and how patiently a request is tried again (see README, "Retries").

    Retried: connection failures (refused, reset, closed), timeouts, bodies cut short, 5xx,
    and 429 with Retry-After. A 2xx whose body is an HTML page or broken JSON (a maintenance or
    proxy page) is tried `bad_body_attempts` times in all. Waits between tries use exponential
    backoff with full jitter. One request never takes more than `total_budget` seconds in all
    (tries, waits, 429 pauses); once `give_up_after` requests in a row have failed every try,
    or nothing was answered for `total_budget` seconds while one did, the source is taken as
    down (requests in flight stop at their next try): for the rest of the run, and for
    `down_for` seconds for a service (watch) that keeps its transports; then one request may
    try again. A try that is not the last is patient only so long (see `patience_factor`).
    """

    attempts: int = 4  # tries for failures; a 429 with Retry-After is not a failure
    base_delay: float = 0.5
    max_delay: float = 30.0  # longest single wait, Retry-After included
    throttle_budget: float = 120.0  # most seconds one request waits on 429s before giving up
    total_budget: float = 180.0  # most seconds one request takes, every try and wait included
    bad_body_attempts: int = 2  # tries for a 2xx that should be JSON and is not
    give_up_after: int = 5  # requests in a row failing every try: the source is taken as down...
    down_for: float = 60.0  # ...for this long (a run's fan-out stops asking it at once; watch: next files)
    # Patience: once `patience_after` answers have been timed, a try that is not the last waits at
    # most max(min_patience, patience_factor × the latency of the answers) (the timeout at most)
    # before it is taken as hung and tried again; the last try always gets the whole timeout. A hung
    # request then costs seconds, not the timeout; a server that slows down for everyone is
    # answered on the last tries, and those answers raise the patience for the requests after.
    patience_factor: float = 10.0
    min_patience: float = 5.0
    patience_after: int = 5
