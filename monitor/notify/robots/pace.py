"""Pacing: at most ``rate`` messages to one robot in any ``window`` seconds, by waiting.

钉钉 takes 20 messages a minute from a robot and 企业微信 20; beyond that they answer with a
rate-limit error (钉钉 130101, 企业微信 45009) and the message must wait for a retry. The
pacer waits instead, just long enough. Its history is per process and per receiver name, so
that the receivers a delivery pass makes share it with the passes before them; processes
that send take the job lock, so they do not send at once (a rate-limit answer that still
comes is a transient error: the message is retried).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["Pacer", "pacer_for"]

_PACERS: dict[tuple[str, int], Pacer] = {}
_LOCK = threading.Lock()


class Pacer:
    """Waits before a send that would be the ``rate``+1-th within ``window`` seconds
    (:meth:`wait` before each send, :meth:`finished` after it)."""

    def __init__(
        self,
        rate: int,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate < 1 or window <= 0:
            raise ValueError("a pacer needs a rate of at least 1 and a positive window")
        self.rate = rate
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self.sent: deque[float] = deque()
        #: Seconds waited in all.
        self.waited = 0.0

    def wait(self) -> None:
        """Wait until one more send stays within the rate, and count it as sent."""
        now = self.clock()
        while self.sent and self.sent[0] <= now - self.window:
            self.sent.popleft()
        if len(self.sent) >= self.rate:
            pause = self.sent[0] + self.window - now
            if pause > 0:
                self.sleep(pause)
                self.waited += pause
            self.sent.popleft()
            now = self.clock()
        self.sent.append(now)

    def finished(self) -> None:
        """The send counted last is over: count it from now. The platform saw it between the
        two moments, so counting from the later one never lets a window hold one too many."""
        if self.sent:
            self.sent[-1] = self.clock()


def pacer_for(name: str, rate: int) -> Pacer:
    """The pacer of receiver ``name`` in this process (one per name and rate)."""
    with _LOCK:
        key = (name, rate)
        if key not in _PACERS:
            _PACERS[key] = Pacer(rate)
        return _PACERS[key]
