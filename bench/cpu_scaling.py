"""How much two processes gain on this machine: a pure-Python loop timed alone, then two at
once (the ceiling of any 1 → 2 worker speed-up here, whatever the engine).

    python -m bench.cpu_scaling
"""

from __future__ import annotations

import multiprocessing
import statistics
import time


def loop(_: int = 0) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(30_000_000):
        total += i
    return time.perf_counter() - started


def main() -> None:
    alone = statistics.median(loop() for _ in range(3))
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pairs = [max(pool.map(loop, [0, 1])) for _ in range(3)]
    together = statistics.median(pairs)
    print(
        f"one process {alone:.2f} s; two at once {together:.2f} s each: "
        f"two processes do {2 * alone / together:.2f}× the work of one"
    )


if __name__ == "__main__":
    main()
