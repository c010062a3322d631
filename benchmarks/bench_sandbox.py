"""The chain-rule sandbox's server cost per rerun: parse, evaluate, timeline, graph figure, contour.

Run: ``python benchmarks/bench_sandbox.py``. Prints milliseconds per call (median of repeats) for the
default example, the two-layer loss, and an expression at the node limit.
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from components.sandbox.figures import expression_figure, sandbox_contour  # noqa: E402
from engine.expression import MAX_NODES, evaluate, parse, reached, timeline  # noqa: E402

CASES = {
    "y = sigmoid(w*x + b)": {"w": 0.5, "x": 2.0, "b": 0.1},
    "L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2": {"w2": 0.8, "w1": 0.5, "x": 2.0, "b1": 0.1, "b2": 0.2, "t": 1.0},
    "f = x**2 * y + sin(x*y)": {"x": 1.0, "y": 2.0},
    " + ".join(f"x{i % 12}*x{(i + 1) % 12}" for i in range(45)): {f"x{i}": 0.1 * i for i in range(12)},
}


def median_ms(fn, repeats=15):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def main():
    print(f"{'expression':<48} {'nodes':>5} {'parse':>7} {'eval':>7} {'steps':>7} {'graph':>7} {'contour':>8}  (ms)")
    for text, values in CASES.items():
        g = parse(text)
        ev = evaluate(g, values)
        steps = timeline(ev)
        known = reached(steps, len(steps) - 1, ev)
        contour = f"{median_ms(lambda: sandbox_contour(ev), 5):8.1f}" if len(g.variables) == 2 else f"{'—':>8}"
        print(f"{text[:48]:<48} {len(g.nodes):>5} {median_ms(lambda: parse(text)):7.2f} "
              f"{median_ms(lambda: evaluate(g, values)):7.2f} {median_ms(lambda: timeline(ev)):7.2f} "
              f"{median_ms(lambda: expression_figure(ev, *known), 5):7.1f} {contour}")
    print(f"(node limit: {MAX_NODES})")


if __name__ == "__main__":
    main()
