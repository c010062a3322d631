"""Page layer: the only module that reads or writes the sandbox's ``st.session_state``.

Everything lives under one key, ``KEY``: a ``SandboxRun`` holding the last good expression (its text,
graph and evaluation), the variables' values, the step, the mode and the play state. Widgets keep
their own keys (``sandbox_…``); callbacks validate through the engine and change the run only when
the input is good. A refused input leaves the run exactly as it was and sets ``error``.
"""
from dataclasses import dataclass, field
from typing import Dict, Optional

import streamlit as st

from engine.expression import ExpressionError, Evaluation, Graph, evaluate, parse, timeline
from engine.scenario import SANDBOX_DEFAULT

KEY = "sandbox"
TEXT_KEY = "sandbox_text"
DEFAULT_VALUE = 1.0           # a new variable starts here (not 0: relu, abs and ÷ have kinks or poles at 0)
VALUE_LIMIT = 1e6             # the value boxes accept −1e6 … 1e6

PRESETS = {
    "One neuron: y = sigmoid(w·x + b)": SANDBOX_DEFAULT,
    "Two layers and a loss": ("L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2",
                              {"w2": 0.8, "w1": 0.5, "x": 2.0, "b1": 0.1, "b2": 0.2, "t": 1.0}),
    "Two variables, fan-out: f = x²y + sin(xy)": ("f = x**2 * y + sin(x*y)", {"x": 1.0, "y": 2.0}),
    "Chain rule: y = sin(x²)": ("y = sin(x**2)", {"x": 1.5}),
    "Gradient (10, 6) at (1, 2)": ("f = 3*x**2 + 2*x*y + y**2", {"x": 1.0, "y": 2.0}),
}
DEFAULT_PRESET = next(iter(PRESETS))


@dataclass
class SandboxRun:
    text: str
    values: Dict[str, float]
    graph: Graph
    ev: Evaluation
    step: int = 0
    mode: str = "reverse"
    wrt: Optional[str] = None
    playing: bool = False
    speed: float = 1.0
    timer: Optional[float] = None
    generation: int = 0           # bumped when values change outside their widgets: value boxes rebuild
    error: str = ""               # the last refused input, shown until the next good change
    refused: str = ""             # the text that was refused (shown with a caret under the column)
    refused_column: Optional[int] = None
    _steps: tuple = field(default=(), repr=False)
    _steps_of: tuple = field(default=(), repr=False)

    def steps(self) -> tuple:
        """The timeline of the current evaluation and mode (rebuilt only after a change)."""
        sig = (id(self.ev), self.mode, self.wrt)
        if self._steps_of != sig:
            self._steps = timeline(self.ev, self.mode, self.wrt)
            self._steps_of = sig
            self.step = min(self.step, len(self._steps) - 1)
        return self._steps


def _new(text: str, values: Dict[str, float]) -> SandboxRun:
    g = parse(text)
    vals = {v: float(values.get(v, DEFAULT_VALUE)) for v in g.variables}
    return SandboxRun(text, vals, g, evaluate(g, vals), wrt=g.variables[0] if g.variables else None)


def get() -> SandboxRun:
    run = st.session_state.get(KEY)
    if run is None:
        text, values = PRESETS[DEFAULT_PRESET]
        run = _new(text, values)
        st.session_state[KEY] = run
        st.session_state[TEXT_KEY] = text
    return run


def restore(text: str, values: Dict[str, float], step: int, mode: str, wrt: Optional[str]) -> None:
    """Put the sandbox in a saved state (a lesson, a file, a link), checked by the caller."""
    old = st.session_state.get(KEY)
    run = _new(text, values)
    run.mode = mode
    run.wrt = wrt if wrt in run.graph.variables else run.wrt
    run.generation = (old.generation + 1) if old is not None else 0
    if old is not None:
        run.speed = old.speed
    run.step = max(0, min(int(step), len(run.steps()) - 1))
    st.session_state[KEY] = run
    st.session_state[TEXT_KEY] = text


def value_key(run: SandboxRun, name: str) -> str:
    return f"sandbox_val_{name}_{run.generation}"


def refuse(run: SandboxRun, message: str, text: str = "", column: Optional[int] = None) -> None:
    run.error, run.refused, run.refused_column = message, text, column


def _accept(run: SandboxRun) -> None:
    run.error, run.refused, run.refused_column = "", "", None


def set_text(text: str, values: Optional[Dict[str, float]] = None) -> bool:
    """A new expression: parsed and evaluated, or refused with its column (the last good graph stays)."""
    run = get()
    merged = {**run.values, **(values or {})}
    try:
        g = parse(text)
        vals = {v: float(merged.get(v, DEFAULT_VALUE)) for v in g.variables}
        ev = evaluate(g, vals)
    except ExpressionError as e:
        refuse(run, f"Expression: {e}. The last good graph stays.", text, e.column)
        run.playing = False
        return False
    run.text, run.graph, run.ev, run.values = text, g, ev, vals
    run.step, run.playing = 0, False
    if run.wrt not in g.variables:
        run.wrt = g.variables[0] if g.variables else None
    run.generation += 1
    _accept(run)
    return True


def set_value(name: str, value) -> bool:
    """A variable's new value: the graph is recomputed and the step kept, or the value is refused."""
    run = get()
    try:
        v = float(value)
    except (TypeError, ValueError):
        refuse(run, f"{name}: expected a number, got {value!r}; nothing was changed.")
        run.generation += 1
        return False
    if not abs(v) <= VALUE_LIMIT:
        refuse(run, f"{name}: expected a value from −{VALUE_LIMIT:,.0f} to {VALUE_LIMIT:,.0f}, got {v:g}; nothing was changed.")
        run.generation += 1
        return False
    try:
        ev = evaluate(run.graph, {**run.values, name: v})
    except ExpressionError as e:
        refuse(run, f"{name} = {v:g} is refused: {e}. The values are unchanged.", run.text, e.column)
        run.generation += 1            # the box shows the old value again
        return False
    run.values[name] = v
    run.ev = ev
    _accept(run)
    return True


def set_mode(mode: str, wrt: Optional[str] = None) -> None:
    run = get()
    if mode != run.mode or (wrt is not None and wrt != run.wrt):
        run.mode = mode
        if wrt is not None and wrt in run.graph.variables:
            run.wrt = wrt
        run.step, run.playing = 0, False


def go_to(i: int) -> None:
    run = get()
    run.step = max(0, min(int(i), len(run.steps()) - 1))


def toggle_play() -> None:
    run = get()
    if not run.playing and run.step >= len(run.steps()) - 1:
        run.step = 0
    run.playing = not run.playing


def set_speed(speed: float) -> None:
    get().speed = float(speed)


def widget(key: str):
    return st.session_state.get(key)


def put_widget(key: str, value) -> None:
    st.session_state[key] = value
