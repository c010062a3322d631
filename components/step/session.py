"""Page layer: the only module that reads or writes the step-through page's ``st.session_state``.

Everything lives under one key, ``KEY``: a ``StepRun`` holding the frozen ``StepConfig`` and the
mutable run (weights, step index, selection, view options, play state, the quiz's memory); the page's
widgets use keys ``step_*`` (the quiz's widgets ``quiz_*``). The shell talks to the page through four
functions only: ``scenario()`` (give me your scenario), ``apply(s)`` (take this scenario), ``default_scenario()``
(the page's own defaults, the base of its links) and ``playing()``.
"""
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import List, Optional

import numpy as np
import streamlit as st

from components.step.quiz import QuizState
from components.step.config import DEFAULT, LR_CHOICES, StepConfig, is_structural, make_network, validate
from components.step.scenario import (LOSS_OPTION_DEFAULTS, STEP_OPTION_DEFAULTS, output_node, step_scenario,
                                      step_state)
from engine.divergence import TRIAL_STEPS, Divergence, Watch, suggest_lr, trial_on, with_suggestion
from engine.scenario import Scenario
from engine.ids import parse_id
from engine.timeline import build_timeline

KEY = "step_page"
PATH_NUMBERS = 200_000  # the path of applied updates keeps at most this many numbers (oldest dropped first)
PATH_POINTS = 500       # … and at most this many points


@dataclass
class StepRun:
    config: StepConfig
    weights: List[np.ndarray]
    biases: List[np.ndarray]
    step: int = 0
    selected: Optional[str] = None
    edge_mode: str = "auto"
    node_mode: str = "auto"
    playing: bool = False
    speed: float = 1.0            # seconds per step while playing
    timer: Optional[float] = None  # the run_every the stage fragment was registered with
    generation: int = 0           # bumped when values change outside their widgets: widgets rebuild
    trained: int = 0              # updates applied with "next training step"
    error: str = ""               # the last refused input, shown until the next valid change
    version: int = 0              # bumped on every change of config or parameters
    panel: str = "equations"      # the view under the graph (panels.VIEWS by name)
    loss_view: str = "slope"      # in the loss view: "slope", "surface" or "check"
    surface: Optional[tuple] = None  # the two parameter ids of the surface (None: the two largest |∂L/∂w|)
    compare: tuple = ()           # optimizers whose next steps are drawn on the surface
    ahead: int = 20               # how many steps ahead
    slope_h: float = 1e-3         # the secant's h
    half_width: Optional[float] = None  # window of the slope and surface (None: automatic)
    grid: int = 61                # surface points per side
    equal_axes: bool = True       # the surface's axes share one scale (true angles and valley shapes)
    path: list = field(default_factory=list)  # flat parameter vectors: before the first applied update, after each
    watch: Watch = field(default_factory=Watch, repr=False)   # engine.divergence: the same model as every page
    divergence: Optional[Divergence] = None   # set at the first diverging training step: the run is paused
    healthy: Optional[tuple] = None   # (trained, weights, biases) of the last low point, the weights it used
    quiz: QuizState = field(default_factory=QuizState)  # on/off, score, the open question: kept by new runs
    _steps: list = field(default_factory=list, repr=False)
    _loss_cache: dict = field(default_factory=dict, repr=False)  # the loss view's last results, by inputs
    _steps_version: int = -1

    @property
    def sizes(self):
        return self.config.sizes

    def network(self):
        net = make_network(self.config)
        net.set_parameters(self.weights, self.biases)
        return net

    def steps(self) -> list:
        """The timeline of the current config and parameters (rebuilt only after a change)."""
        if self._steps_version != self.version:
            cfg = self.config
            self._steps = build_timeline(self.network(), np.array([cfg.x]), np.array([cfg.y]), cfg.lr)
            self._steps_version = self.version
            self.step = min(self.step, len(self._steps) - 1)
        return self._steps


def new_run(cfg: StepConfig, keep: Optional[StepRun] = None) -> StepRun:
    net = make_network(cfg)
    run = StepRun(cfg, [W.copy() for W in net.weights], [b.copy() for b in net.biases],
                  selected=f"L{len(cfg.sizes) - 1}:N0")
    if keep is not None:
        run.edge_mode, run.node_mode, run.speed = keep.edge_mode, keep.node_mode, keep.speed
        run.panel, run.loss_view, run.compare, run.ahead = keep.panel, keep.loss_view, keep.compare, keep.ahead
        run.slope_h, run.grid, run.equal_axes = keep.slope_h, keep.grid, keep.equal_axes
        run.generation, run.version = keep.generation + 1, keep.version + 1
        run.quiz = keep.quiz
    return run


def get_run() -> StepRun:
    if KEY not in st.session_state:
        st.session_state[KEY] = new_run(DEFAULT)
    return st.session_state[KEY]


def apply_config(cfg: StepConfig, rebuild_widgets: bool = False) -> None:
    """Switch to ``cfg``: a structural change starts a fresh run, a live one keeps weights and step.
    A new α (or sample) after a divergence continues from the healthy weights the run paused at."""
    run = get_run()
    cfg = validate(cfg)
    if is_structural(run.config, cfg):
        st.session_state[KEY] = new_run(cfg, keep=run)
        return
    if cfg != run.config:
        run.divergence = None
        run.watch.restart()
    run.config = cfg
    run.version += 1
    run.error = ""
    if rebuild_widgets:
        run.generation += 1


def set_live(**changes) -> None:
    """Change lr / x / y, reporting a refused value instead of raising."""
    run = get_run()
    try:
        apply_config(replace(run.config, **changes))
    except ValueError as e:
        run.error = str(e)


def refuse(message: str) -> None:
    get_run().error = message


def set_param(pid: str, value: float) -> None:
    """Set one weight "W{l}:{j}:{k}" or bias "b{l}:{j}" (keeps the step position)."""
    run = get_run()
    if not np.isfinite(value):
        run.error = f"{pid}: expected a finite number, got {value}"
        return
    kind, l, *rest = parse_id(pid)
    target = run.weights[l] if kind == "weight" else run.biases[l]
    target[tuple(rest)] = float(value)
    run.version += 1
    run.error = ""
    run.divergence = None      # hand-set weights: a new start for the divergence model (first loss kept)
    run.watch.restart()


def reinitialize(seed: Optional[int] = None) -> None:
    run = get_run()
    cfg = run.config if seed is None else replace(run.config, seed=int(seed))
    st.session_state[KEY] = new_run(validate(cfg), keep=run)


def next_training_step() -> None:
    """Keep the updated weights and start the next training step from them; at the first diverging
    step (``engine.divergence``) go back to the last healthy weights instead and pause."""
    run = get_run()
    if run.divergence is not None:
        return
    last = run.steps()[-1]
    before = ([W.copy() for W in run.weights], [b.copy() for b in run.biases])
    record = SimpleNamespace(z=last.z, a=last.a, delta=last.delta, dW=last.dW, db=last.db, loss=last.loss,
                             finite=last.context.finite, extras={})
    params = [p for W, b in zip(last.weights, last.biases) for p in (W, b)]
    d = run.watch.observe(run.trained + 1, record, run.config.lr, params)
    if d is None and run.watch.low_step == run.trained + 1:
        run.healthy = (run.trained, *before)
    if not run.path:
        run.path.append(_flat(run.weights, run.biases))
    run.weights = [W.copy() for W in last.weights]
    run.biases = [b.copy() for b in last.biases]
    run.path.append(_flat(run.weights, run.biases))
    keep = min(PATH_POINTS, max(2, PATH_NUMBERS // run.path[0].size))
    del run.path[:-keep]
    run.trained += 1
    if d is not None:
        _pause(run, d)
    run.step = 0
    run.version += 1
    run.generation += 1


def _pause(run: StepRun, d: Divergence) -> None:
    """Back to the healthy weights; try the page's smaller α from there before suggesting one."""
    if d.healthy_step is None or run.healthy is None:
        run.divergence = d
        return
    undone = run.trained - run.healthy[0]
    run.trained, weights, biases = run.healthy
    run.weights, run.biases = [W.copy() for W in weights], [b.copy() for b in biases]
    del run.path[max(1, len(run.path) - undone):]   # the path of applied updates loses the undone ones
    cfg = run.config
    X, Y = np.array([cfg.x]), np.array([cfg.y])
    net = run.network()
    trial = trial_on(net, lambda i: (X, Y), lambda n: n.backward(X, Y).loss, TRIAL_STEPS)
    run.divergence = with_suggestion(d, suggest_lr(trial, d.healthy_loss, d.lr, LR_CHOICES, TRIAL_STEPS))


def continue_with(lr: float) -> None:
    """The "Continue with α" button: the suggested learning rate, widgets rebuilt to show it."""
    set_live(lr=float(lr))
    get_run().generation += 1


def _flat(weights, biases) -> np.ndarray:
    return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(weights, biases)])


def path_snapshots(run) -> list:
    """The path of applied updates as (weights, biases) pairs (``engine.surface.param_path`` reads them)."""
    out = []
    for flat in run.path:
        weights, biases, at = [], [], 0
        for W, b in zip(run.weights, run.biases):
            weights.append(flat[at:at + W.size].reshape(W.shape))
            at += W.size
            biases.append(flat[at:at + b.size])
            at += b.size
        out.append((weights, biases))
    return out


def go_to(step: int) -> None:
    run = get_run()
    run.step = int(np.clip(step, 0, len(run.steps()) - 1))


def select(item: Optional[str]) -> None:
    get_run().selected = item


def set_view(**changes) -> None:
    run = get_run()
    for key, value in changes.items():
        setattr(run, key, value)


# ---------------------------------------------------------------- the page's interface to the shell
def quiz() -> QuizState:
    """The quiz's memory (in the page's record)."""
    return get_run().quiz


def quiz_on() -> bool:
    """Whether the quiz is on, without creating the page's record for a session that never opened it."""
    return KEY in st.session_state and st.session_state[KEY].quiz.on


def set_quiz_on(on: bool) -> None:
    """Switch the quiz on or off (a session that never opened the page gets a record only to switch it on)."""
    if on or KEY in st.session_state:
        quiz().on = bool(on)


def _run_in(state) -> StepRun:
    if state is None:
        return get_run()
    return state[KEY] if KEY in state else new_run(DEFAULT)


def scenario(state=None, link=False, **view) -> Scenario:
    """The page as it is now as a scenario. ``state``: a session state read off the script thread
    (a deferred download), else this session's. ``link``: the same (a link carries the weights)."""
    return step_scenario(_run_in(state), **view)


def default_scenario() -> Scenario:
    """The page as a new visitor sees it: what a link leaves out means this."""
    return step_scenario(new_run(DEFAULT))


def playing(state=None) -> bool:
    return bool(_run_in(state).playing)


def link_problem(s: Scenario) -> Optional[str]:
    """Why a link cannot hold this page's state (None: it can)."""
    return None


def complete_link(values: dict, named) -> None:
    """Nothing to derive: every step-page setting a link leaves out keeps the page's default."""


def apply(s: Scenario) -> None:
    """Put the page exactly in the state of ``s``; ValueError naming the field, nothing changed, if it
    does not fit the page."""
    cfg, weights, biases, step, options = step_state(s)
    old = get_run()
    run = new_run(cfg, keep=old)
    run.weights = [np.array(W, dtype=np.float64) for W in weights]
    run.biases = [np.array(b, dtype=np.float64) for b in biases]
    run.network()  # shapes checked against the config before anything is stored
    run.version += 1
    run.generation = old.generation + 1
    for name, default in (*STEP_OPTION_DEFAULTS.items(), ("selected", output_node(cfg.sizes))):
        setattr(run, name, default if options.get(name) is None else options[name])
    run.trained = int(run.trained)
    for name, default in LOSS_OPTION_DEFAULTS.items():
        value = options.get(name)
        value = default if value is None else value
        setattr(run, name, tuple(value) if isinstance(value, list) else value)
    run.step = int(min(step, len(run.steps()) - 1))
    st.session_state[KEY] = run
    st.session_state.pop("step_view", None)  # the panel radio is rebuilt from run.panel
    for name in ("edge_mode", "node_mode"):
        if f"step_{name}" in st.session_state:
            st.session_state[f"step_{name}"] = getattr(run, name)


def widget_value(key: str):
    return st.session_state.get(key)


def state():
    """The raw session state, for widget syncing in the page's controls."""
    return st.session_state
