"""Server time of the loss surface (issue 16): the engine's grid, the figure, and a page rerun with it open.

    python benchmarks/bench_surface.py [--repeats 15]

For the default network (2 → 3 → 1) and a 20 × 32 network (2 → 32 ×20 → 1), on the page's one sample:

- engine: ``engine.surface.surface`` on a 60 × 60 grid (and the page's default 61 × 61), for the pair
  the page picks (the two largest |∂L/∂w|) and for the worst case, two weights of the first layer
  (the batched pass then runs through every layer);
- view: the same plus the contour figure and its JSON (what the server builds and sends);
- paths: the next 20 steps of SGD, momentum and Adam (the "compare" option);
All figures are process CPU time (one BLAS thread), median of the repeats.

- rerun: process CPU of one AppTest rerun of the whole page after moving α with the surface open
  (AppTest's own bookkeeping included: an upper bound of what a browser's rerun costs).

Targets: surface of the default network on 60 × 60 ≤ 50 ms; the 20 × 32 network ≤ 300 ms.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")   # as a classroom server runs (README: serve with one BLAS thread)

import numpy as np
import plotly.io as pio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from components.drawing.contour import contour_figure  # noqa: E402
from components.step.config import DEFAULT, make_network, with_architecture  # noqa: E402
from components.step.panels import VIEWS  # noqa: E402
from engine import surface as S  # noqa: E402

def cpu_median_ms(fn, repeat=15) -> float:
    """Median process CPU time of ``fn()`` in ms: on a shared, loaded machine wall time mostly measures
    the other processes; CPU time is what the call costs the server."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append((time.process_time() - t) * 1000)
    return statistics.median(times)

TARGETS = {"default": 50.0, "20 × 32": 300.0}
CONFIGS = {"default": DEFAULT, "20 × 32": with_architecture(DEFAULT, hidden=(32,) * 20, activations=("tanh",) * 20)}


def view_once(net, X, Y, pair, grid):
    sf = S.surface(net, X, Y, pair, grid=grid, lr=0.5)
    fig = contour_figure(sf.xs, sf.ys, sf.Z, point=sf.centre, gradient=sf.grad, x_label="w_i", y_label="w_j",
                         z_label="L", descent=True)
    return pio.to_json(fig, validate=False)


def rerun_cpu(cfg, repeats):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    from components.shell import sharing  # noqa: F401  (imported by the app; the run lives in session state)
    from components.step import session
    run = session.new_run(cfg)
    at.session_state[session.KEY] = run
    at.run()
    at.radio(key="step_view").set_value(VIEWS[4]).run()
    gen = at.session_state[session.KEY].generation
    at.radio(key=f"step_loss_view_{gen}").set_value("surface").run()
    assert not at.exception, [e.message for e in at.exception]
    times = []
    for i in range(repeats):
        lr = (0.2, 0.5)[i % 2]
        gen = at.session_state[session.KEY].generation
        t = time.process_time()
        at.select_slider(key=f"step_lr_{gen}").set_value(lr).run()
        times.append(1000 * (time.process_time() - t))
    assert not at.exception, [e.message for e in at.exception]
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--no-apptest", action="store_true", help="skip the page rerun (AppTest) figures")
    args = ap.parse_args()
    print(f"{'network':<10} {'pair':<22} {'grid':>7} {'engine ms':>10} {'view ms':>8} {'target':>7}")
    for name, cfg in CONFIGS.items():
        net = make_network(cfg)
        X, Y = np.array([cfg.x]), np.array([cfg.y])
        pairs = {"largest |∂L/∂w|": S.top_pair(net, X, Y), "first layer (worst)": ("W0:0:0", "W0:1:0")}
        for label, pair in pairs.items():
            for grid in (60, 61):
                engine = cpu_median_ms(lambda: S.surface(net, X, Y, pair, grid=grid, lr=0.5), args.repeats)
                view = cpu_median_ms(lambda: view_once(net, X, Y, pair, grid), max(3, args.repeats // 3))
                verdict = "ok" if engine <= TARGETS[name] else "MISSED"
                print(f"{name:<10} {label:<22} {grid:>3}×{grid:<3} {engine:>10.2f} {view:>8.1f} "
                      f"{TARGETS[name]:>5.0f}   {verdict}")
        paths = cpu_median_ms(lambda: [S.descent_path(net, X, Y, pairs["largest |∂L/∂w|"], 0.5, 20, o)
                                   for o in ("sgd", "momentum", "adam")], max(3, args.repeats // 3))
        print(f"{name:<10} next 20 steps × 3 optimizers: {paths:.1f} ms")
    if not args.no_apptest:
        for name, cfg in CONFIGS.items():
            print(f"{name:<10} page rerun with the surface open, α moved (AppTest, process CPU): "
                  f"{rerun_cpu(cfg, max(5, args.repeats // 2)):.0f} ms")


if __name__ == "__main__":
    main()
