"""Server time of the paused playground's figures: building each one, unvalidated as the app does
(components/drawing/plain.py) and with plotly's schema check on (as before), plus what ``st.plotly_chart``
then does with it (copy and JSON), for the default playground and the largest network.

    python benchmarks/bench_figures.py
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plotly.io as pio  # noqa: E402
from plotly.tools import return_figure_from_figure_or_data  # noqa: E402

from benchmarks.timing import median_ms  # noqa: E402
from components.drawing import plain  # noqa: E402
from components.playground.figures import (boundary_figure, curves_figure, neuron_figure, neuron_maps,  # noqa: E402
                                           plane_grid, thumbnails_figure)
from components.playground.settings import PlaygroundSettings, new_run  # noqa: E402

ALL_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")
CASES = {"circles [4, 2] tanh": PlaygroundSettings(),
         "spiral 8 × 16, 7 features": PlaygroundSettings(dataset="spiral", hidden=(16,) * 8, features=ALL_FEATURES)}


def sent(fig) -> str:
    """What ``st.plotly_chart`` does with a figure before it goes out (streamlit/elements/plotly_chart.py)."""
    return pio.to_json(return_figure_from_figure_or_data(fig, validate_figure=True), validate=False)


def main():
    print(f"Paused playground figures, median ms (load average {' '.join(open('/proc/loadavg').read().split()[:3])}):")
    print(f"  {'':28s} {'figure':10s} {'built':>7s} {'validated':>10s} {'chart':>7s} {'kB':>6s}")
    for name, settings in CASES.items():
        run = new_run(settings)
        t = run.trainer
        t.run(steps=300)
        xs, ys, P = plane_grid(run.dataset.extent)
        maps = neuron_maps(t.net, settings.features, P)
        _, epochs, losses = t.history.losses()
        labels = [f"n{i}" for i in range(sum(t.net.sizes))]
        builders = {
            "boundary": lambda: boundary_figure(run.dataset, xs, ys, maps[-1]),
            "curves": lambda: curves_figure(t.curve, run.dataset.task, steps=(epochs, losses),
                                            steps_per_epoch=t.steps_per_epoch),
            "thumbnails": lambda: thumbnails_figure(maps, labels, t.net.sizes, selected="L1:N0"),
            "neuron": lambda: neuron_figure(maps, "L1:N0", "h", xs, ys, run.dataset),
        }
        totals = [0.0, 0.0, 0.0]
        for figure, build in builders.items():
            fast = median_ms(build)
            plain.VALIDATE = True
            try:
                checked = median_ms(build)
            finally:
                plain.VALIDATE = False
            fig = build()
            chart = median_ms(lambda: sent(fig))
            size = len(sent(fig)) / 1000
            totals = [a + b for a, b in zip(totals, (fast, checked, chart))]
            print(f"  {name:28s} {figure:10s} {fast:7.1f} {checked:10.1f} {chart:7.1f} {size:6.0f}")
        print(f"  {name:28s} {'all four':10s} {totals[0]:7.1f} {totals[1]:10.1f} {totals[2]:7.1f}")


if __name__ == "__main__":
    main()
