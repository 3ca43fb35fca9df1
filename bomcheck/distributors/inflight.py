"""How many requests to keep in flight: enough to cover the latency at the rate (rate × latency), bounded."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

INITIAL_LATENCY = 0.25  # seconds assumed until the first answer is measured
HEADROOM = 1.25  # latencies vary; a few extra requests waiting at the limiter cost nothing
SMOOTHING = 0.2  # weight of the newest latency in the running estimate


class InFlight:
    """A semaphore whose size follows rate × measured latency, never above `cap`.

    At R requests per second and L seconds per answer, R × L requests are on the wire at any
    time; one or two more waiting at the limiter keep it busy. Fewer leave the rate unused,
    many more only queue (and would all still go out after the source stopped).
    """

    def __init__(self, cap: int, rate: Callable[[], float], *, latency: float = INITIAL_LATENCY) -> None:
        self.cap = max(1, int(cap))
        self._rate = rate
        self.latency = latency
        self.active = 0
        self._condition: asyncio.Condition | None = None

    @property
    def size(self) -> int:
        """The number of requests (or batches) allowed in flight right now."""
        wanted = math.ceil(self._rate() * self.latency * HEADROOM) + 2
        return max(1, min(self.cap, wanted))

    def observe(self, seconds: float) -> None:
        """Fold one measured latency (admission to answer) into the estimate."""
        if seconds >= 0:
            self.latency += SMOOTHING * (seconds - self.latency)

    def _cond(self) -> asyncio.Condition:
        if self._condition is None:
            self._condition = asyncio.Condition()
        return self._condition

    async def __aenter__(self) -> None:
        condition = self._cond()
        async with condition:
            await condition.wait_for(lambda: self.active < self.size)
            self.active += 1

    async def __aexit__(self, *exc: object) -> None:
        condition = self._cond()
        async with condition:
            self.active -= 1
            free = self.size - self.active
            if free > 0:
                condition.notify(free)
