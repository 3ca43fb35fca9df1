"""How many requests to keep in flight: enough to cover the latency at the rate (rate × latency), bounded."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

INITIAL_LATENCY = 0.25  # seconds assumed until the first answer is measured
HEADROOM = 1.25  # latencies vary; a few extra requests waiting at the limiter cost nothing
SMOOTHING = 0.2  # weight of the newest latency (or timeout) in the running estimate
SLOW_FACTOR = 4.0  # a request held this many times the latency estimate is slow...
MIN_SLOW = 1.0  # ...and at least this many seconds


class InFlight:
    """A semaphore whose size follows rate × measured latency, never above `cap`.

    At R requests per second and L seconds per answer, R × L requests are on the wire at any
    time; one or two more waiting at the limiter keep it busy. Fewer leave the rate unused,
    many more only queue (and would all still go out after the source stopped).

    A hung request must not hold a slot that answering requests need: a slot whose request has
    been on the wire (since `mark_sent`) longer than SLOW_FACTOR × the latency estimate
    (MIN_SLOW at least) is slow and no longer counts against `size`, for at most `max_slow`
    (half the cap) slow holders at once; the slots in use never exceed `cap`. So however many
    requests hang, the ones that answer keep `size` slots, until half the cap hangs at once
    (then the source is most likely down, which the transport notices). A batch waiting for its
    turn at the rate limiter is not on the wire: it is never slow.
    """

    def __init__(self, cap: int, rate: Callable[[], float], *, latency: float = INITIAL_LATENCY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cap = max(1, int(cap))
        self.max_slow = max(1, self.cap // 2)
        self._rate = rate
        self._clock = clock
        self.latency = latency
        self.answered_latency = latency  # the same estimate from answers only (timeouts left out)
        self.timeouts = 0  # timeouts folded into the estimate
        # holder (its task) -> when each of its slots' request was last sent (None: not yet sent;
        # a batch waiting for its turn at the rate limiter is not slow, however long it waits)
        self._held: dict[object, list[float | None]] = {}
        self._waiters: deque[asyncio.Future[None]] = deque()  # tasks waiting for a slot, oldest first

    @property
    def active(self) -> int:
        """Slots taken right now, slow ones included."""
        return sum(map(len, self._held.values()))

    @property
    def size(self) -> int:
        """The number of requests (or batches) allowed in flight right now, slow ones aside."""
        wanted = math.ceil(self._rate() * self.latency * HEADROOM) + 2
        return max(1, min(self.cap, wanted))

    @property
    def slow_after(self) -> float:
        """Seconds after which a slot's holder counts as slow."""
        return max(MIN_SLOW, SLOW_FACTOR * self.latency)

    @property
    def slow(self) -> int:
        """Holders slower than `slow_after` right now."""
        since = self._clock() - self.slow_after
        return sum(1 for taken in self._held.values() for when in taken if when is not None and when <= since)

    @property
    def counted(self) -> int:
        """The slots counted against `size`: all taken ones but up to `max_slow` slow ones."""
        return self.active - min(self.slow, self.max_slow)

    def mark_sent(self) -> None:
        """The current task's request just went on the wire: how slow it is counts from now."""
        taken = self._held.get(asyncio.current_task())
        if taken:
            taken[-1] = self._clock()

    def observe(self, seconds: float) -> None:
        """Fold one measured latency (admission to answer) into the estimates."""
        if seconds >= 0:
            self.latency += SMOOTHING * (seconds - self.latency)
            self.answered_latency += SMOOTHING * (seconds - self.answered_latency)
            self._wake()  # a longer latency may mean more slots

    def timed_out(self, seconds: float) -> None:
        """A try that got no answer within `seconds`: its latency was at least that long (for the
        number in flight; `answered_latency`, which sets how long a try waits, leaves it out)."""
        self.timeouts += 1
        if seconds >= 0:
            self.latency += SMOOTHING * (seconds - self.latency)
            self._wake()

    def _free(self) -> bool:
        return self.active < self.cap and self.counted < self.size

    def _next_slow(self) -> float | None:
        """Seconds until the next holder turns slow (a waiter looks again then); None if none will count."""
        if self.slow >= self.max_slow:
            return None
        since = self._clock() - self.slow_after
        fresh = [when for taken in self._held.values() for when in taken if when is not None and when > since]
        return max(0.01, min(fresh) - since) if fresh else None

    async def __aenter__(self) -> None:
        # No lock: nothing awaits between the check and the take. (A Condition waited on through
        # wait_for left its lock held for good when a cancelled run shut down, and the shutdown
        # then never ended: a cancelled Condition.wait re-takes the lock for a task already gone.)
        loop = asyncio.get_running_loop()
        while not self._free():
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            wake = self._next_slow()  # a holder turns slow then: look again
            timer = loop.call_later(wake, _settle, waiter) if wake is not None else None
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, then cancelled: the wake-up goes to the next in line
                raise
            finally:
                if timer is not None:
                    timer.cancel()
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self._held.setdefault(asyncio.current_task(), []).append(None)

    async def __aexit__(self, *exc: object) -> None:
        task = asyncio.current_task()
        taken = self._held.get(task)
        if taken:
            taken.pop()
            if not taken:
                del self._held[task]
        self._wake()

    def look_again(self) -> None:
        """Wake every waiter to look again (each would at the next holder's turn to be slow)."""
        for waiter in self._waiters:
            _settle(waiter)

    def _wake(self) -> None:
        """Wake as many waiters, oldest first, as slots are free (each looks again)."""
        free = min(self.cap - self.active, self.size - self.counted)
        for waiter in list(self._waiters):
            if free <= 0:
                break
            if not waiter.done():
                waiter.set_result(None)
                free -= 1


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
