"""Server cost of the step-through page: CPU per rerun (AppTest, in-process) and the graph's JSON size.

    python benchmarks/bench_step_page.py [--repeats 15]

For the default network (2 → 3 → 1) and a 20 × 32 network (2 → 32 ×20 → 1), measures the median
process CPU time of one rerun after pressing "Step" and after moving a weight slider, and the size of
the network figure's JSON. AppTest runs the whole script for a click that, in a browser, reruns only
the stage fragment, and its own bookkeeping is counted too: the figures are upper bounds.
Targets (issue 3): ≤ 50 ms for the default page, ≤ 300 ms for 20 × 32; JSON ≤ 200 kB and ≤ 2 MB.
A breakdown times the page's pure parts (timeline, figure, JSON) directly.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import plotly.io as pio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from components.step.config import DEFAULT, make_network, with_architecture  # noqa: E402
from components.step.panels import step_figure  # noqa: E402
from components.step.session import KEY  # noqa: E402
from engine.timeline import build_timeline  # noqa: E402
from timing import median_ms  # noqa: E402

BIG = ",".join(["32"] * 20)
TARGETS = {"default": (50, 200_000), "20 × 32": (300, 2_000_000)}


def cpu_ms(action) -> float:
    t = time.process_time()
    action()
    return 1000 * (time.process_time() - t)


def open_page(hidden=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    if hidden:
        next(w for w in at.sidebar.text_input if w.label.startswith("Hidden")).input(hidden).run()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def measure(name, hidden, repeats):
    at = open_page(hidden)
    run = at.session_state[KEY]
    last = len(run.steps()) - 1
    step_times, slider_times = [], []
    for i in range(repeats):
        if at.session_state[KEY].step >= last:
            at.button(key="step_reset").click().run()
        step_times.append(cpu_ms(lambda: at.button(key="step_forward").click().run()))
    at.button(key="step_end").click().run()
    out = f"L{len(run.sizes) - 1}:N0"
    pid = f"W{len(run.sizes) - 2}:0:0"
    assert at.session_state[KEY].selected == out
    for i in range(repeats):
        value = 0.5 + 0.01 * (i % 2)
        slider_times.append(cpu_ms(lambda: at.slider(key=f"step_sel_{pid}").set_value(value).run()))
    assert not at.exception, [e.message for e in at.exception]
    spec = at.get("plotly_chart")[0].proto.spec
    json.loads(spec)
    return dict(name=name, step=statistics.median(step_times), slider=statistics.median(slider_times),
                json=len(spec.encode()))


def breakdown(cfg, repeats):
    net = make_network(cfg)
    X, Y = np.array([cfg.x]), np.array([cfg.y])

    class Run:                      # what step_figure reads of the page's run
        sizes, config, selected, edge_mode, node_mode = cfg.sizes, cfg, f"L{len(cfg.sizes) - 1}:N0", "auto", "auto"

    def med(f):
        return median_ms(f, repeats)

    steps = build_timeline(net, X, Y, cfg.lr)
    i = len(steps) - 2
    fig = step_figure(Run, steps, i)
    return dict(timeline=med(lambda: build_timeline(net, X, Y, cfg.lr)),
                figure=med(lambda: step_figure(Run, steps, i)), to_json=med(lambda: pio.to_json(fig, validate=False)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    rows = [measure("default", None, args.repeats), measure("20 × 32", BIG, max(5, args.repeats // 2))]
    print(f"Step-through page, server CPU per rerun (median; AppTest, whole script) — {args.repeats} repeats")
    print(f"{'network':<10} {'step click':>11} {'slider move':>12} {'figure JSON':>12}   targets")
    for r in rows:
        ms, size = TARGETS[r["name"]]
        print(f"{r['name']:<10} {r['step']:>8.1f} ms {r['slider']:>9.1f} ms {r['json'] / 1000:>9.1f} kB"
              f"   ≤ {ms} ms, ≤ {size / 1000:.0f} kB")
    print("\nPure parts (median wall time, no Streamlit):")
    print(f"{'network':<10} {'timeline':>10} {'figure':>10} {'to_json':>10}")
    for name, cfg in (("default", DEFAULT), ("20 × 32", with_architecture(DEFAULT, hidden=(32,) * 20,
                                                                         activations=("tanh",) * 20))):
        b = breakdown(cfg, args.repeats)
        print(f"{name:<10} {b['timeline']:>7.1f} ms {b['figure']:>7.1f} ms {b['to_json']:>7.1f} ms")


if __name__ == "__main__":
    main()
