"""The gradient lab's state, in one place: widget keys, settings in and out, the run, the pins.

Only the lab package touches the lab's session state. The settings live in the widgets' keys
(``lab_<field>``); ``apply_settings`` writes them (from a callback, before the widgets are drawn) and
``read_settings`` builds a validated ``LabSettings`` from them. Everything else is one ``LabPage``
under ``KEY``: the last valid settings (frozen), the mutable ``LabRun`` (the network being trained and
its record; a structural change of the settings starts a new one, a change of learning rate or step
count does not), the pins, the player, the preset loaded. The shell talks to the lab through
``scenario()``, ``apply(s)``, ``default_scenario()``, ``complete_link``, ``playing()`` and ``link_problem``.
"""
from dataclasses import dataclass, field, fields, replace
from typing import List, Optional, Tuple

import numpy as np
import streamlit as st

from components.lab.scenario import VIEW_OPTIONS, lab_scenario, lab_state
from engine.lab import LR_CHOICES, MAX_PINS, PRESETS, LabRun, LabSettings, PinnedRun, add_pin
from engine.scenario import Scenario

PREFIX = "lab_"
KEY = "lab"
DEFAULT_PRESET = "Deep sigmoid network — vanishing"
LIVE = ("lr", "steps")  # changing these keeps the run
VIEWS = ("Training", "Forward pass", "Histograms", "Network graph", "Compare")


@dataclass
class LabPage:
    last_valid: LabSettings = field(default_factory=lambda: PRESETS[DEFAULT_PRESET].settings)
    run: Optional[LabRun] = None
    pins: list = field(default_factory=list)
    playing: bool = False
    preset: Optional[str] = DEFAULT_PRESET
    message: Optional[str] = None
    schedule: list = field(default_factory=list)   # [[step, lr], …] when α changed during the run


def _page() -> LabPage:
    return st.session_state[KEY]

# Log ladders for the sliders (the widget shows these values; settings snap to the nearest).
SCALES = (0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0,
          5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 70.0, 100.0)
LRS = LR_CHOICES
STEPS = (10, 20, 50, 100, 200, 300, 500, 1000, 2000)
CLIPS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
LADDERS = {"init_gain": SCALES, "lr": LRS, "steps": STEPS, "clip_norm": CLIPS}
# clip_norm (None = off) is drawn as two widgets: a toggle and a threshold slider that keeps its value
# while clipping is off; lab_clip_norm holds the setting itself, like every other lab_<field> key.
CLIP, CLIP_THRESHOLD = "lab_clip", "lab_clip_threshold"


def key(field: str) -> str:
    return PREFIX + field


def snap(field: str, value):
    """The ladder value nearest to ``value`` (log distance) for laddered fields; others unchanged."""
    ladder = LADDERS.get(field)
    if ladder is None or value is None:
        return value
    return min(ladder, key=lambda v: abs(np.log(v) - np.log(value)))


def apply_settings(settings: LabSettings) -> None:
    """Write settings into the widgets' keys (call from a callback, before the widgets are drawn)."""
    for f in fields(settings):
        st.session_state[key(f.name)] = snap(f.name, getattr(settings, f.name))
    st.session_state[CLIP] = settings.clip_norm is not None
    if settings.clip_norm is not None:
        st.session_state[CLIP_THRESHOLD] = snap("clip_norm", settings.clip_norm)
    st.session_state.setdefault(CLIP_THRESHOLD, 1.0)
    if KEY not in st.session_state:
        st.session_state[KEY] = LabPage()
    _page().last_valid = settings


def init_state() -> None:
    if KEY not in st.session_state:
        st.session_state[KEY] = LabPage()
        apply_settings(_page().last_valid)


def read_settings() -> Tuple[LabSettings, Optional[str]]:
    """Settings from the widgets; on a bad value, the last valid settings and the error message."""
    values = {f.name: st.session_state.get(key(f.name)) for f in fields(LabSettings)}
    values["clip_norm"] = st.session_state.get(CLIP_THRESHOLD) if st.session_state.get(CLIP) else None
    st.session_state[key("clip_norm")] = values["clip_norm"]
    try:
        settings = LabSettings(**values)
    except ValueError as e:
        return _page().last_valid, str(e)
    _page().last_valid = settings
    return settings, None


def load_preset(name: str) -> None:
    """Callback of a preset button: its settings, a fresh run, the player stopped."""
    apply_settings(PRESETS[name].settings)
    page = _page()
    page.preset, page.playing, page.run = name, False, None


def current_preset(settings: LabSettings) -> Optional[str]:
    """The loaded preset's name while the settings still equal it."""
    name = _page().preset
    return name if name in PRESETS and PRESETS[name].settings == settings else None


def get_run(settings: LabSettings) -> LabRun:
    """The run of these settings: kept across reruns; new when a structural setting changed."""
    page = _page()
    run = page.run
    structural = lambda s: {k: v for k, v in s.to_dict().items() if k not in LIVE}
    if run is None or structural(run.settings) != structural(settings):
        run = LabRun(settings)
        page.run, page.playing, page.schedule = run, False, []
    else:
        if run.step > 0 and run.settings.lr != settings.lr:   # kept so the run can be replayed exactly
            if not page.schedule:
                page.schedule = [[0, run.settings.lr]]
            if page.schedule[-1][0] == run.step:
                page.schedule[-1][1] = settings.lr
            else:
                page.schedule.append([run.step, settings.lr])
        run.settings = settings
    return run


def run_all() -> None:
    """Callback of "Run all": train the current run to its step count before the page is drawn."""
    settings, _ = read_settings()
    get_run(settings).advance(settings.steps)
    _page().playing = False


def reset_run() -> None:
    page = _page()
    page.run, page.playing = None, False


def set_lr(rate: float) -> None:
    """Callback of "Continue with α": the learning rate the divergence model tried (a live setting: the run
    goes on from its healthy weights)."""
    st.session_state[key("lr")] = snap("lr", rate)


def set_playing(on: bool) -> None:
    _page().playing = bool(on)


def playing(state=None) -> bool:
    if state is None:
        return KEY in st.session_state and _page().playing
    return KEY in state and state[KEY].playing


def pins() -> List[PinnedRun]:
    return list(_page().pins)


def add(pinned: PinnedRun) -> None:
    before = pins()
    page = _page()
    page.pins = add_pin(before, pinned)
    if len(before) == MAX_PINS:
        page.message = f"Up to {MAX_PINS} pinned runs: the oldest ({before[0].label}) was unpinned."


def clear_pins() -> None:
    _page().pins = []


def pop_message() -> Optional[str]:
    page = _page()
    message, page.message = page.message, None
    return message


def hist_layer_within(n_layers: int) -> None:
    """Keep the one-layer histogram's slider inside a network that got shallower."""
    if st.session_state.get("lab_hist_layer", 1) > n_layers:
        st.session_state["lab_hist_layer"] = n_layers


# ---------------------------------------------------------------- the lab's interface to the shell
def _view_options(state) -> dict:
    return {name: state[key(name)] for name in VIEW_OPTIONS if key(name) in state and state[key(name)] is not None}


def scenario(state=None, link=False, **view) -> Scenario:
    """The lab as it is now (settings, steps trained, the view open) as a scenario. ``state``: a session
    state read off the script thread (a deferred download), else this session's."""
    if state is None:
        init_state()
        state = st.session_state
        settings, _ = read_settings()
    else:
        settings = state[KEY].last_valid if KEY in state else PRESETS[DEFAULT_PRESET].settings
    run = state[KEY].run if KEY in state else None
    schedule = state[KEY].schedule if KEY in state and run is not None else None
    return lab_scenario(settings, run, _view_options(state), schedule, **view)


def default_scenario() -> Scenario:
    """The lab as a new visitor sees it (its first preset): what a link leaves out means this."""
    return lab_scenario(PRESETS[DEFAULT_PRESET].settings)


def link_problem(s: Scenario) -> Optional[str]:
    return None


def complete_link(values: dict, named) -> None:
    """Nothing to derive: what a lab link leaves out keeps the lab's default."""


def apply(s: Scenario) -> None:
    """Put the lab exactly in the state of ``s`` (the run retrained from the seed to its step); ValueError
    naming the field, nothing changed, if it does not fit the lab."""
    settings, steps, view_options, schedule = lab_state(s)
    diverged = view_options.pop("diverged", False)
    init_state()
    apply_settings(settings)
    page = _page()
    page.preset = next((n for n, p in PRESETS.items() if p.settings == settings), None)
    page.playing = False
    target = min(steps, settings.steps)
    run = LabRun(replace(settings, lr=schedule[0][1]) if schedule else settings)
    for (start, lr), end in zip(schedule, [e[0] for e in schedule[1:]] + [target]):
        run.settings = replace(settings, lr=lr)
        if min(end, target) > run.step:
            run.advance(min(end, target) - run.step)
    run.settings = settings
    if target > run.step:
        run.advance(target - run.step)
    if diverged and run.divergence is None:   # train on as the run did: it diverges again, back at this step
        run.advance(settings.steps - run.step)
    page.run, page.schedule = run, [list(e) for e in schedule]
    for name in VIEW_OPTIONS:
        if name in view_options:
            st.session_state[key(name)] = view_options[name]
        else:
            st.session_state.pop(key(name), None)
