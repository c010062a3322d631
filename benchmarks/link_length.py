"""The longest address each page writes in normal use (characters), against the 2,000-character limit.

For each page, the state that makes its address longest while the address still restores it: every
setting away from the page's default, every view flag on, and on the step page the biggest network
whose weights the link still carries (64 parameters) after training steps (17 significant digits per
weight). Also the first state past the limit: a page there keeps the rest of its state in the address
and says so. Run: ``python benchmarks/link_length.py``.
"""
import itertools
import sys
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.lab.scenario import lab_scenario  # noqa: E402
from components.playground import session as playground_page  # noqa: E402
from components.playground.scenario import playground_scenario  # noqa: E402
from components.playground.settings import PlaygroundSettings, new_run  # noqa: E402
from components.shell.sharing import URL_LIMIT  # noqa: E402
from components.step import config as sc  # noqa: E402
from components.step import session as step_page  # noqa: E402
from components.step.scenario import step_scenario  # noqa: E402
from engine.lab import PRESETS, LabSettings  # noqa: E402
from engine.scenario import HIDE_FLAGS, LINK_MAX_PARAMS, to_query  # noqa: E402
from engine.scenario.fields import FIELD  # noqa: E402

HOST = "http://192.168.100.100:8501"   # a classroom LAN address
VIEW = dict(presenter=True, hide=tuple(HIDE_FLAGS), quiz=True)


def address(path: str, s, base, derived=()) -> str:
    q = to_query(s, base=base)
    q.pop("p", None)
    for name in derived:
        q.pop(FIELD[name].query, None)
    q["play"] = "1"
    return f"{HOST}/{path}?{urlencode(q)}"


def step_longest():
    """The step page at its biggest link-carried network, trained, every view option changed."""
    best = None
    for sizes in itertools.product(range(1, 9), range(1, 9), range(1, 9), range(1, 5)):
        n = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        if n <= LINK_MAX_PARAMS and (best is None or n > best[0]):
            best = (n, sizes)
    n, sizes = best
    cfg = sc.validate(sc.StepConfig(n_inputs=sizes[0], hidden=tuple(sizes[1:-1]), n_outputs=sizes[-1],
                                    activations=("tanh",) * (len(sizes) - 2), output_activation="sigmoid",
                                    loss="bce", seed=123456789, lr=0.02,
                                    x=tuple(-1.7 + 0.3 * i for i in range(sizes[0])),
                                    y=tuple(0.3 + 0.1 * j for j in range(sizes[-1]))))
    run = step_page.new_run(cfg)
    for _ in range(5):
        last = run.steps()[-1]
        run.weights, run.biases = [W.copy() for W in last.weights], [b.copy() for b in last.biases]
        run.version += 1
    run.step, run.trained, run.selected = len(run.steps()) - 2, 5, "L1:N0"
    run.edge_mode, run.node_mode = "gradient", "delta"
    s = step_scenario(run, **VIEW)
    return f"step page, {list(sizes)} ({n} parameters, trained)", address("", s, step_page.default_scenario())


def playground_longest():
    settings = PlaygroundSettings(dataset="spiral", n_samples=1990, noise=0.35, test_ratio=0.3, data_seed=987654321,
                                  features=("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2"),
                                  hidden=(16,) * 8, activation="leaky_relu", init="he_normal", init_gain=1.5,
                                  seed=9999, optimizer="adam", lr=0.003, batch_size=499, l2=0.003, clip_norm=5.0, epoch_limit=9999, show_test=False,
                                  discretize=True, edge_mode="gradient")
    run = new_run(settings)
    run.trainer.run(steps=3)
    run.selected = "L8:N15"
    live = [[k, {"lr": lr, "batch_size": 499, "optimizer": "adam", "l1": 0.0, "l2": 0.003, "clip_norm": 5.0}]
            for k, lr in ((0, 0.3), (400, 0.1), (4000, 0.03), (9000, 0.01), (15000, 0.003))]
    run.extras["live"] = live   # five changes of α during the run
    s = playground_scenario(settings, run, **VIEW).replace(step=19_999, weights=None, biases=None)
    return ("playground, 8 × 16 hidden, every setting changed, α changed 5 times",
            address("playground", s, playground_page.default_scenario(), playground_page.LINK_DERIVED))


def lab_longest():
    settings = LabSettings(depth=49, width=63, inputs=4, activation="leaky_relu", init="he_normal", init_gain=0.07,
                           batch_size=511, seed=2**31 - 2, loss="bce", lr=0.0003, residual=True, clip_norm=0.03,
                           norm="layer", target="random", steps=2000, matched_init=False)
    class Run:   # a run at its last step that did not diverge
        step = 1999
        divergence = None
    s = lab_scenario(settings, Run(), {"view": "Network graph", "hist_kind": "delta", "hist_mode": "one layer",
                                       "hist_layer": 48}, [[0, 0.1], [500, 0.01], [1000, 0.0003]], **VIEW)
    from components.lab import state as lab_page
    return "gradient lab, every setting and view changed, α changed 3 times", address("lab", s, lab_page.default_scenario())


def main():
    print(f"Longest address each page writes in normal use (limit {URL_LIMIT:,} characters; host {HOST}):")
    rows = [step_longest(), playground_longest(), lab_longest()]
    for what, url in rows:
        print(f"  {len(url):>5,}  {what}")
    worst = max(len(u) for _, u in rows)
    print(f"longest: {worst:,} characters ({'under' if worst < URL_LIMIT else 'OVER'} the limit)")


if __name__ == "__main__":
    main()
