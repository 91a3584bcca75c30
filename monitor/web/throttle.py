"""Login attempts, rate-limited: after ``attempts`` failures within ``window`` seconds from
one network address, or for one user name, further attempts are refused until the oldest
failure leaves the window. Kept in memory (``monitor web`` is one process); a restart
forgets it, which costs an attacker a restart the office would notice."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

__all__ = ["Throttle"]


class Throttle:
    """Failures per key (``addr:…``, ``user:…``) in a sliding window; thread-safe."""

    def __init__(
        self, attempts: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds until any of ``keys`` may try again (0: now)."""
        now = self._clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.attempts:
                    longest = max(longest, times[0] + self.window - now)
        return longest

    def failed(self, keys: Iterable[str]) -> None:
        """Count a failed attempt against each of ``keys``."""
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, keys: Iterable[str]) -> None:
        """Forget the failures of ``keys`` (a successful login)."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times and len(self._failures) > 100_000:  # many addresses: drop the idle ones
            self._failures = {k: v for k, v in self._failures.items() if v}
            self._failures[key] = times
        return times
