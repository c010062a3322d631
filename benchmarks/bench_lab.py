"""Gradient lab benchmark: server-side time of a 50 × 64 network's per-layer analysis and redraw.

Prints median / p90 milliseconds of
  1. the engine work of one redraw: build the network, one forward/backward pass on the batch, the
     per-layer diagnostics and the histograms;
  2. each figure builder of the page, on those numbers;
  3. a whole page rerun in-process with AppTest (the seed changes each time, so every rerun rebuilds the
     network and redraws everything shown), for each view of the page.
Target (issue 4): ≤ 300 ms median for analysis + redraw. Run: `python benchmarks/bench_lab.py`.

BLAS runs on one thread here unless OPENBLAS_NUM_THREADS is set: the lab's matrices are small (64 × 64), and
on a loaded 2-core machine a multi-threaded BLAS was measured 10–40× slower (threads spinning against
other processes). Run with OPENBLAS_NUM_THREADS=2 to see the default behaviour.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.lab import figures as figs  # noqa: E402
from engine.diagnostics import histograms  # noqa: E402
from engine.lab import LabRun, LabSettings, analyse, pin  # noqa: E402

DEPTH, WIDTH = 50, 64


def timed(fn, repeat):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e3)
    return out


def row(name, ms):
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    print(f"{name:<58} {statistics.median(ms):9.1f} {p90:9.1f}")


def main(repeat=15):
    print(f"Gradient lab benchmark: {DEPTH} hidden layers × {WIDTH} units "
          f"({4 * WIDTH + (DEPTH - 1) * WIDTH * WIDTH + WIDTH:,} weights), {os.cpu_count()} CPUs, "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}, load average {os.getloadavg()[0]:.1f}\n")
    print(f"{'what (milliseconds)':<58} {'median':>9} {'p90':>9}")
    for batch in (64, 512):
        s = LabSettings(depth=DEPTH, width=WIDTH, batch_size=batch)
        def analysis():
            p, _ = analyse(s)
            return histograms(p, "a"), histograms(p, "delta")
        row(f"analysis: network + pass + diagnostics + histograms, batch {batch}", timed(analysis, repeat))
    s = LabSettings(depth=DEPTH, width=WIDTH)
    p, d = analyse(s)
    run = LabRun(s.with_(steps=100))
    t = time.perf_counter()
    run.advance(100)
    train_ms = (time.perf_counter() - t) * 1e3
    h = histograms(p, "a")
    pins = [pin(str(i), s, d) for i in range(3)]
    for name, fn in (("figure: gradient profile", lambda: figs.gradient_profile_figure(d)),
                     ("figure: forward-pass stats", lambda: figs.forward_stats_figure(d)),
                     ("figure: histogram small multiples", lambda: figs.small_multiples_figure(h)),
                     ("figure: aggregated graph", lambda: figs.aggregated_graph_figure(d)),
                     ("figure: heatmap, 100 steps", lambda: figs.heatmap_figure(run.history(), run.divergence)),
                     ("figure: loss curve", lambda: figs.loss_figure(run.losses)),
                     ("figure: overlay of 3 pins", lambda: figs.overlay_figure(pins))):
        row(name, timed(fn, repeat))
    print(f"{'training: 100 steps (per step)':<58} {train_ms / 100:9.1f}")

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("components/lab/page.py").run()
    at.slider(key="lab_depth").set_value(DEPTH).run()
    at.slider(key="lab_width").set_value(WIDTH).run()
    for view in ("Training", "Forward pass", "Histograms", "Network graph", "Compare"):
        at.segmented_control(key="lab_view").set_value(view).run()
        seeds = iter(range(1, 10_000))

        def rerun():
            at.number_input(key="lab_seed").set_value(next(seeds)).run()
            assert not at.exception, [e.value for e in at.exception]
        rerun()
        row(f"page rerun (AppTest), new seed, view '{view}'", timed(rerun, repeat))


if __name__ == "__main__":
    main()
