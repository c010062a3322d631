"""Page layer: the only module that reads or writes the step-through page's ``st.session_state``.

Everything lives under one key, ``KEY``: a ``StepRun`` holding the frozen ``StepConfig`` and the
mutable run (weights, step index, selection, view options, play state). Hooks for save/load/links
(issue 6): ``get_run()``, ``apply_config(cfg)`` and ``run.config.to_dict()``.
"""
from dataclasses import dataclass, field, replace
from typing import List, Optional

import numpy as np
import streamlit as st

from components.step.config import DEFAULT, StepConfig, is_structural, make_network, validate
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
    return run


def get_run() -> StepRun:
    if KEY not in st.session_state:
        st.session_state[KEY] = new_run(DEFAULT)
    return st.session_state[KEY]


def apply_config(cfg: StepConfig, rebuild_widgets: bool = False) -> None:
    """Switch to ``cfg``: a structural change starts a fresh run, a live one keeps weights and step."""
    run = get_run()
    cfg = validate(cfg)
    if is_structural(run.config, cfg):
        st.session_state[KEY] = new_run(cfg, keep=run)
        return
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


def reinitialize(seed: Optional[int] = None) -> None:
    run = get_run()
    cfg = run.config if seed is None else replace(run.config, seed=int(seed))
    st.session_state[KEY] = new_run(validate(cfg), keep=run)


def next_training_step() -> None:
    """Keep the updated weights and start the next training step from them."""
    run = get_run()
    last = run.steps()[-1]
    if not run.path:
        run.path.append(_flat(run.weights, run.biases))
    run.weights = [W.copy() for W in last.weights]
    run.biases = [b.copy() for b in last.biases]
    run.path.append(_flat(run.weights, run.biases))
    keep = min(PATH_POINTS, max(2, PATH_NUMBERS // run.path[0].size))
    del run.path[:-keep]
    run.trained += 1
    run.step = 0
    run.version += 1
    run.generation += 1


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


def widget_value(key: str):
    return st.session_state.get(key)


def state():
    """The raw session state, for widget syncing in the page's controls."""
    return st.session_state
