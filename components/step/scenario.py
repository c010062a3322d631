"""The step-through page's state as a scenario and back (pure: no Streamlit, no session state).

``step_scenario(run)`` turns a ``StepRun`` (config, weights, step, selection, view modes) into a
``Scenario``; ``step_state(s)`` checks a scenario against what the page offers and returns the parts
to build a run from, or raises one ValueError naming the field.
"""
import numpy as np

from components.shell.adapt import expect_page, plain_training_only, plain_weights
from components.step import config as sc
from engine.scenario import Scenario


def step_scenario(run, **view) -> Scenario:
    """The step-through page's run (``StepRun``) as a scenario."""
    cfg = run.config
    options = {k: v for k, v in (("edge_mode", run.edge_mode), ("node_mode", run.node_mode),
                                 ("selected", run.selected), ("trained", run.trained))
               if v != STEP_OPTION_DEFAULTS.get(k, output_node(cfg.sizes))}  # defaults stay out of links
    return Scenario().replace(
        page="step", sizes=cfg.sizes, activation=list(cfg.activations) if cfg.hidden else "relu",
        output_activation=cfg.output_activation, loss=cfg.loss, init=cfg.init, init_gain=cfg.init_gain,
        seed=cfg.seed, weights=plain_weights(run.weights), biases=plain_weights(run.biases), lr=cfg.lr,
        x=[list(cfg.x)], y=[list(cfg.y)], step=run.step, options=options, **view)


STEP_OPTION_DEFAULTS = {"edge_mode": "auto", "node_mode": "auto", "trained": 0}  # and selected: the output node


def output_node(sizes) -> str:
    return f"L{len(sizes) - 1}:N0"


def step_state(s: Scenario):
    """(StepConfig, weights, biases, step, options) for the step-through page, or ValueError."""
    expect_page(s, "step")
    plain_training_only(s, "the step-through page")
    if s.x is not None and len(s.x) != 1:
        raise ValueError(f"data.x: the step-through page shows one sample; expected 1 row, got {len(s.x)}")
    n_in, n_out = s.sizes[0], s.sizes[-1]
    if s.x is None:
        x = (0.5,) * n_in
        y = (1.0,) + (0.0,) * (n_out - 1) if s.output_activation == "softmax" else (0.0,) * n_out
    else:
        x, y = tuple(s.x[0]), tuple(s.y[0])
    hidden = tuple(s.sizes[1:-1])
    acts = (s.activation,) * len(hidden) if isinstance(s.activation, str) else tuple(s.activation)
    if s.init_param is not None:
        raise ValueError("network.init_param: the step-through page uses each initializer's own parameter; "
                         "expected null (save explicit weights instead)")
    if s.lr not in sc.LR_CHOICES:
        raise ValueError(f"training.lr: the step-through page offers α in {', '.join(f'{v:g}' for v in sc.LR_CHOICES)}; "
                         f"got {s.lr:g}")
    if s.init_gain not in sc.GAIN_CHOICES:
        raise ValueError(f"network.init_gain: the step-through page offers {', '.join(map(str, sc.GAIN_CHOICES))}; "
                         f"got {s.init_gain:g}")
    if any(abs(v) > sc.INPUT_RANGE for v in x):
        raise ValueError(f"data.x: the input sliders go from −{sc.INPUT_RANGE:g} to {sc.INPUT_RANGE:g}; got {list(x)}")
    lo, hi = (0.0, 1.0) if s.output_activation == "sigmoid" else (-sc.INPUT_RANGE, sc.INPUT_RANGE)
    if any(not lo <= v <= hi for v in y):
        raise ValueError(f"data.y: targets of a {s.output_activation} output go from {lo:g} to {hi:g}; got {list(y)}")
    try:
        cfg = sc.validate(sc.StepConfig(n_inputs=n_in, hidden=hidden, n_outputs=n_out, activations=acts,
                                        output_activation=s.output_activation, loss=s.loss, init=s.init,
                                        init_gain=s.init_gain, seed=s.seed, lr=s.lr, x=x, y=y))
    except ValueError as e:
        raise ValueError(f"step-through page: {e}") from None
    if s.weights is None:
        net = sc.make_network(cfg)
        weights, biases = net.weights, net.biases
    else:
        weights = [np.array(W, dtype=np.float64) for W in s.weights]
        biases = [np.array(b, dtype=np.float64) for b in s.biases]
    options = dict(s.options)
    for key, allowed in (("edge_mode", None), ("node_mode", None), ("selected", None), ("trained", None)):
        options.setdefault(key, None)
    unknown = set(options) - {"edge_mode", "node_mode", "selected", "trained"}
    if unknown:
        raise ValueError(f"view.options.{sorted(unknown)[0]}: unknown option of the step-through page; "
                         "expected edge_mode, node_mode, selected, trained")
    return cfg, weights, biases, s.step, options
