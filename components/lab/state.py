"""The gradient lab's state, in one place: widget keys, settings in and out, the run, the pins.

Only the lab page calls this module. The settings live in the widgets' session-state keys
(``lab_<field>``); ``apply_settings`` writes them (from a callback, before the widgets are drawn) and
``read_settings`` builds a validated ``LabSettings`` from them. The mutable run state (the network
being trained and its record) is one ``LabRun`` under ``lab_run``; a structural change of the
settings starts a new run, a change of learning rate or step count does not.
"""
from dataclasses import fields
from typing import List, Optional, Tuple

import numpy as np
import streamlit as st

from engine.lab import MAX_PINS, PRESETS, LabRun, LabSettings, PinnedRun, add_pin

PREFIX = "lab_"
RUN = "lab_run"
PINS = "lab_pins"
PLAYING = "lab_playing"
PRESET = "lab_preset"
LAST_VALID = "lab_last_valid"
MESSAGE = "lab_message"
LIVE = ("lr", "steps")  # changing these keeps the run

# Log ladders for the sliders (the widget shows these values; settings snap to the nearest).
SCALES = (0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0,
          5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 70.0, 100.0)
LRS = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
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
    st.session_state[LAST_VALID] = settings


def init_state() -> None:
    if LAST_VALID not in st.session_state:
        apply_settings(PRESETS["Deep sigmoid network — vanishing"].settings)
        st.session_state[PRESET] = "Deep sigmoid network — vanishing"
    st.session_state.setdefault(PINS, [])
    st.session_state.setdefault(PLAYING, False)


def read_settings() -> Tuple[LabSettings, Optional[str]]:
    """Settings from the widgets; on a bad value, the last valid settings and the error message."""
    values = {f.name: st.session_state.get(key(f.name)) for f in fields(LabSettings)}
    values["clip_norm"] = st.session_state.get(CLIP_THRESHOLD) if st.session_state.get(CLIP) else None
    st.session_state[key("clip_norm")] = values["clip_norm"]
    try:
        settings = LabSettings(**values)
    except ValueError as e:
        return st.session_state[LAST_VALID], str(e)
    st.session_state[LAST_VALID] = settings
    return settings, None


def load_preset(name: str) -> None:
    """Callback of a preset button: its settings, a fresh run, the player stopped."""
    apply_settings(PRESETS[name].settings)
    st.session_state[PRESET] = name
    st.session_state[PLAYING] = False
    st.session_state.pop(RUN, None)


def current_preset(settings: LabSettings) -> Optional[str]:
    """The loaded preset's name while the settings still equal it."""
    name = st.session_state.get(PRESET)
    return name if name in PRESETS and PRESETS[name].settings == settings else None


def get_run(settings: LabSettings) -> LabRun:
    """The run of these settings: kept across reruns; new when a structural setting changed."""
    run = st.session_state.get(RUN)
    structural = lambda s: {k: v for k, v in s.to_dict().items() if k not in LIVE}
    if run is None or structural(run.settings) != structural(settings):
        run = LabRun(settings)
        st.session_state[RUN] = run
        st.session_state[PLAYING] = False
    else:
        run.settings = settings
    return run


def run_all() -> None:
    """Callback of "Run all": train the current run to its step count before the page is drawn."""
    settings, _ = read_settings()
    get_run(settings).advance(settings.steps)
    st.session_state[PLAYING] = False


def reset_run() -> None:
    st.session_state.pop(RUN, None)
    st.session_state[PLAYING] = False


def set_playing(on: bool) -> None:
    st.session_state[PLAYING] = bool(on)


def playing() -> bool:
    return bool(st.session_state.get(PLAYING))


def pins() -> List[PinnedRun]:
    return list(st.session_state.get(PINS, []))


def add(pinned: PinnedRun) -> None:
    before = pins()
    st.session_state[PINS] = add_pin(before, pinned)
    if len(before) == MAX_PINS:
        st.session_state[MESSAGE] = f"Up to {MAX_PINS} pinned runs: the oldest ({before[0].label}) was unpinned."


def clear_pins() -> None:
    st.session_state[PINS] = []


def pop_message() -> Optional[str]:
    return st.session_state.pop(MESSAGE, None)
