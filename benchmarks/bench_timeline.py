"""Milliseconds to build what the step-through page shows for one step: timeline, table, zoom, PyTorch code.

Run:  python benchmarks/bench_timeline.py

For the default page network [2, 3, 1], the textbook [1, 1, 1] and a 20 × 32 network [2]+[32]*20+[1]:
``build_timeline`` (all 2L + 3 steps with their equations), ``step_table`` of the last step,
``node_equations`` and ``neuron_figure`` of one hidden node, and ``pytorch_code``. Each figure is the
median of 15 runs on one sample. These run on the server at every change of a weight or input, so they
count against the page's rerun budget (≤ 50 ms default page, ≤ 300 ms for 20 × 32).
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from components.step.neuron_zoom import neuron_figure  # noqa: E402
from components.step.pytorch_code import pytorch_code  # noqa: E402
from engine import Network  # noqa: E402
from engine.equations import node_equations  # noqa: E402
from engine.timeline import build_timeline, step_table  # noqa: E402
from timing import median_ms  # noqa: E402


def main():
    print(f"{'network':<22}{'timeline':>10}{'table':>10}{'node eq':>10}{'zoom fig':>10}{'torch code':>12}   (ms)")
    for name, sizes in (("textbook [1,1,1]", [1, 1, 1]), ("default [2,3,1]", [2, 3, 1]),
                        ("[2,8,8,1]", [2, 8, 8, 1]), ("20 × 32", [2] + [32] * 20 + [1])):
        net = Network(sizes, activation="tanh", seed=0)
        X, Y = np.full((1, sizes[0]), 0.5), np.ones((1, 1))
        steps = build_timeline(net, X, Y, 0.1)
        last = len(steps) - 1
        row = [median_ms(lambda: build_timeline(net, X, Y, 0.1)),
               median_ms(lambda: step_table(steps, last)),
               median_ms(lambda: node_equations(steps, last, "L1:N0")),
               median_ms(lambda: neuron_figure(steps, last, "L1:N0")),
               median_ms(lambda: pytorch_code(net, X, Y, lr=0.1), repeat=5)]
        print(f"{name:<22}" + "".join(f"{v:>10.2f}" for v in row[:4]) + f"{row[4]:>12.2f}")


if __name__ == "__main__":
    main()
