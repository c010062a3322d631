"""How long the hover text of a 20,000-edge graph takes: engine.formatting.format_numbers against
the np.char.mod formatter components/drawing/style.py used before (4 significant digits).

    python benchmarks/bench_formatting.py
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engine.formatting import format_numbers  # noqa: E402


def np_char_mod(values, digits=4):
    """The former style.fmt_array (e-notation for small values, so not the same text)."""
    out = np.char.replace(np.char.mod(f"%.{digits}g", values), "-", "−")
    out = np.where(np.isnan(values), "NaN", out)
    return np.where(np.isinf(values), np.where(values > 0, "∞", "−∞"), out)


def median_ms(f, x, repeats=9):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f(x)
        times.append(time.perf_counter() - t)
    return sorted(times)[repeats // 2] * 1000


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    for name, x in (("weights ~ N(0, 0.2)", rng.normal(0, 0.2, 20_000)),
                    ("gradients ~ N(0, 1e-5)", rng.normal(0, 1e-5, 20_000))):
        print(f"{name:24s} 20,000 values: format_numbers {median_ms(format_numbers, x):5.1f} ms, "
              f"np.char.mod {median_ms(np_char_mod, x):5.1f} ms (median of 9)")
