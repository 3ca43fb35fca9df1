"""A sliding-window rate limiter: never more than the rate in any one-second window; lowerable at runtime."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Sends are spaced this much wider than 1/rate, so that a server whose clock sees our requests
# a few milliseconds early or late (scheduling, connection set-up) still counts at most `rate`
# of them in any one-second window: 2 % of a second is 20 ms of tolerated jitter.
DEFAULT_MARGIN = 0.02


def window_of(rate: float) -> tuple[int, float]:
    """(limit, period): a rate of R >= 1 admits floor(R) per second, a rate below 1 one per 1/R s.

    This is how a server that counts requests in a sliding window reads a rate: 2.5/s cannot
    mean 3 requests in one second.
    """
    if not rate > 0 or math.isinf(rate):
        raise ValueError("rate must be a positive number")
    return (int(rate), 1.0) if rate >= 1 else (1, 1.0 / rate)


class RateLimiter:
    """Admits requests first come, first served, at most `limit` in any `period` seconds.

    Two rules, both checked on the same clock as the sends:

    - the window (the guarantee): no more than `limit` admissions in any `period * (1 + margin)`
      seconds, so `limit + 1` sends always span more than the server's window, by enough to
      absorb some jitter; it also keeps the limit true across a rate change (lowering the rate
      waits for the window to drain);
    - the pace (no bursts): admissions follow a schedule one `spacing` apart. A waiter woken
      late (a busy event loop wakes timers a few ms late) is admitted late but the schedule
      does not slip by that much: up to half a spacing is caught up on the next admission.
      Otherwise every late wake-up would add to the run's time.

    Call `acquire()` immediately before sending; the time it returns is the admission time.
    """

    def __init__(self, rate: float, *, margin: float = DEFAULT_MARGIN, clock: Clock | None = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._next = float("-inf")  # the schedule's time for the next admission
        self._lock: asyncio.Lock | None = None
        self.set_rate(rate)

    @property
    def rate(self) -> float:
        """Requests per second currently allowed."""
        return self._rate

    def set_rate(self, rate: float) -> None:
        """Change the rate; takes effect for the next admission, including ones already waiting."""
        self.limit, self.period = window_of(rate)
        self._rate = rate
        self._span = self.period * (1.0 + self.margin)
        self._spacing = self._span / self.limit
        self._catch_up = self._spacing / 2

    def lower_to(self, rate: float) -> bool:
        """Lower the rate to `rate` if that is below the current one; True when it changed."""
        if rate > 0 and rate < self._rate:
            self.set_rate(rate)
            return True
        return False

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def delay(self, now: float) -> float:
        """Seconds to wait before an admission at `now` is allowed (<= 0: allowed now)."""
        while self._sent and self._sent[0] <= now - self._span:
            self._sent.popleft()
        wait = self._next - self._catch_up - now
        if len(self._sent) >= self.limit:
            wait = max(wait, self._sent[-self.limit] + self._span - now)
        return wait

    def _admit(self, now: float) -> None:
        self._sent.append(now)
        self._next = max(self._next, now - self._catch_up) + self._spacing

    async def acquire(self) -> float:
        """Wait for this request's turn and record it as sent; returns the admission time."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # the lock's queue is the FIFO order of the waiting requests
            while True:
                now = self._now()
                wait = self.delay(now)
                if wait <= 0:
                    self._admit(now)
                    return now
                # loop, not trust the wake-up: event loops may fire a timer a little early
                await self._sleep(wait)
