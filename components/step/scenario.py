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
    for name, default in LOSS_OPTION_DEFAULTS.items():
        value = getattr(run, name, default)
        value = list(value) if isinstance(value, tuple) else value
        if value != default and not (name == "surface" and value is None):
            options[name] = value
    return Scenario().replace(
        page="step", sizes=cfg.sizes, activation=list(cfg.activations) if cfg.hidden else "relu",
        output_activation=cfg.output_activation, loss=cfg.loss, init=cfg.init, init_gain=cfg.init_gain,
        seed=cfg.seed, weights=plain_weights(run.weights), biases=plain_weights(run.biases), lr=cfg.lr,
        x=[list(cfg.x)], y=[list(cfg.y)], step=run.step, options=options, **view)


STEP_OPTION_DEFAULTS = {"edge_mode": "auto", "node_mode": "auto", "trained": 0}  # and selected: the output node
# The loss view (issue 16): which panel is open under the graph, which loss view, the surface's two
# parameters, the optimizers compared and how many steps ahead. Lessons name them.
LOSS_OPTION_DEFAULTS = {"panel": "equations", "loss_view": "slope", "surface": None, "compare": [], "ahead": 20}


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
    known = {"edge_mode", "node_mode", "selected", "trained", *LOSS_OPTION_DEFAULTS}
    unknown = set(options) - known
    if unknown:
        raise ValueError(f"view.options.{sorted(unknown)[0]}: unknown option of the step-through page; "
                         f"expected {', '.join(sorted(known))}")
    _check_loss_options(cfg.sizes, options)
    return cfg, weights, biases, s.step, options


def _check_loss_options(sizes, options) -> None:
    """The loss view's options (``LOSS_OPTION_DEFAULTS``), or ValueError naming the option."""
    from components.step.loss_view import VIEWS as LOSS_VIEWS
    from components.step.panels import PANELS
    from engine.optimizers import OPTIMIZERS
    from engine.surface import MAX_AHEAD, check_param
    panel = options.get("panel")
    if panel is not None and panel not in PANELS:
        raise ValueError(f"view.options.panel: expected one of {', '.join(PANELS)}; got {panel!r}")
    view = options.get("loss_view")
    if view is not None and view not in LOSS_VIEWS:
        raise ValueError(f"view.options.loss_view: expected one of {', '.join(LOSS_VIEWS)}; got {view!r}")
    pair = options.get("surface")
    if pair is not None:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"view.options.surface: expected two parameter ids, e.g. ['W0:0:0', 'b0:0']; got {pair!r}")
        for i, pid in enumerate(pair):
            check_param(sizes, pid, f"view.options.surface[{i}]")
        if pair[0] == pair[1]:
            raise ValueError(f"view.options.surface: expected two different parameters; got {pair[0]!r} twice")
    compare = options.get("compare")
    if compare is not None:
        if not isinstance(compare, (list, tuple)) or any(c not in OPTIMIZERS for c in compare):
            raise ValueError(f"view.options.compare: expected a list of names from {', '.join(OPTIMIZERS)}; "
                             f"got {compare!r}")
    ahead = options.get("ahead")
    if ahead is not None and not (isinstance(ahead, int) and not isinstance(ahead, bool) and 1 <= ahead <= MAX_AHEAD):
        raise ValueError(f"view.options.ahead: expected a whole number of steps from 1 to {MAX_AHEAD}; got {ahead!r}")
