"""Playground speed, server-side: training steps per second and redraws per second.

Run: python benchmarks/bench_playground.py [--repeat N]

Default network of the page (circles, features x₁ x₂, hidden [4, 2] tanh, sigmoid + BCE, batch 10,
SGD), then the largest one it allows (spiral, all 7 features, 8 hidden layers of 16), 50×50 grid.
A "redraw" is what the server does for the figures of one play tick, the
way ``st.plotly_chart`` does it: build the figure, validate it again
(``plotly.tools.return_figure_from_figure_or_data(..., validate_figure=True)``) and serialise it
(``plotly.io.to_json(..., validate=False)``). Browser rendering is not included. Times are CPU
seconds of this process by default (``--wall`` for wall-clock); BLAS on one thread unless
OPENBLAS_NUM_THREADS is set (as the README advises for serving a class). Targets (issue 5):
≥ 200 training steps/s and ≥ 20 redraws/s.
"""
import argparse
import os
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")   # tiny matrices: extra BLAS threads only spin on a shared machine

import plotly.io
import plotly.tools

from components.drawing.graph import network_figure
from components.playground.figures import (GRID, boundary_figure, curves_figure, neuron_figure, neuron_maps,
                                           plane_grid, thumbnails_figure)
from components.playground.settings import PlaygroundSettings, new_run
from components.playground.player import DEFAULT_SPEED, SPEEDS  # noqa: E402
from components.drawing.style import node_label
from engine.features import FEATURES


def as_streamlit(fig):
    spec = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    return plotly.io.to_json(spec, validate=False)


CLOCK = time.process_time   # CPU seconds of this process: what a redraw costs the server, and robust to
                            # other processes sharing the cores (--wall for wall-clock time)


def timed(fn, repeat):
    """Median and best seconds per call over ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = CLOCK()
        fn()
        times.append(CLOCK() - t0)
    return statistics.median(times), min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--wall", action="store_true", help="time with the wall clock instead of CPU time")
    args = parser.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    print(f"clock: {'wall' if args.wall else 'CPU time of this process'}; BLAS threads "
          f"{os.environ['OPENBLAS_NUM_THREADS']}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")

    for settings in (PlaygroundSettings(),
                     PlaygroundSettings(dataset="spiral", features=tuple(FEATURES), hidden=(16,) * 8)):
        measure(settings, args.repeat)


def measure(settings, repeat):
    run = new_run(settings)
    t = run.trainer
    t.run(steps=2000)  # a trained-looking state: curves with points, non-trivial weights
    net, ds, features = run.net, run.dataset, run.settings.features
    xs, ys, P = plane_grid(ds.extent, GRID)
    sizes = net.sizes
    labels = [node_label(l, j, sizes) for l, n in enumerate(sizes) for j in range(n)]
    snap = t.history.latest()

    print(f"\n{settings.dataset}: network {list(sizes)} tanh, {t.n_train} training points, "
          f"batch {t.batch_size}, grid {GRID}×{GRID}")

    n_steps = 2000
    med, best = timed(lambda: t.run(steps=n_steps), max(3, repeat // 5))
    print(f"training: {n_steps / med:,.0f} steps/s median ({n_steps / best:,.0f} best)   target ≥ 200")

    figures = {
        "boundary": lambda m: boundary_figure(ds, xs, ys, m[-1]),
        "curves": lambda m: curves_figure(t.curve, ds.task),
        "network graph": lambda m: network_figure(sizes, list(net.weights), list(net.biases), dW=list(snap.dW),
                                                  db=list(snap.db), edge_mode="weight", show_values=False),
        "neuron thumbnails": lambda m: thumbnails_figure(m, labels, sizes, selected="L1:N0"),
        "one neuron large": lambda m: neuron_figure(m, "L1:N0", labels[2], xs, ys, ds),
    }
    maps = neuron_maps(net, features, P)
    med, _ = timed(lambda: neuron_maps(net, features, P), repeat)
    print(f"  forward pass over the grid (every neuron's map): {med * 1000:6.2f} ms")
    for name, build in figures.items():
        med, _ = timed(lambda: as_streamlit(build(maps)), repeat)
        print(f"  {name:<19} build + validate + JSON: {med * 1000:6.2f} ms")

    def data_view():
        m = neuron_maps(net, features, P)
        as_streamlit(figures["boundary"](m))
        as_streamlit(figures["curves"](m))

    def full_redraw():
        m = neuron_maps(net, features, P)
        for build in figures.values():
            as_streamlit(build(m))

    med, best = timed(data_view, repeat)
    print(f"redraw of the data view (boundary + curves, every play tick): {1 / med:5.1f} redraws/s "
          f"({med * 1000:.1f} ms)")
    med, best = timed(full_redraw, repeat)
    print(f"full redraw (all five figures): {1 / med:5.1f} redraws/s ({med * 1000:.1f} ms)   target ≥ 20")

    def tick():
        t.run(steps=SPEEDS[DEFAULT_SPEED])
        data_view()

    med, _ = timed(tick, repeat)
    print(f"one play tick at the default speed ({SPEEDS[DEFAULT_SPEED]} steps + data view): {med * 1000:.1f} ms")


if __name__ == "__main__":
    main()
