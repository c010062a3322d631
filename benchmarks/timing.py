"""The one timing helper the benchmarks share: median wall time of repeated calls."""
import statistics
import time


def median_ms(fn, repeat=15) -> float:
    """Median wall time of ``fn()`` over ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)
