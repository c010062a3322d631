"""Page layer of the playground: the only module that reads or writes ``st.session_state`` for it.

Two keys: ``playground_run`` (the mutable ``Run``: data, trainer, play status) and
``playground_settings`` (the last valid ``PlaygroundSettings``). Widgets use keys ``pg_<field>``.
"""
import time
from typing import Optional

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.playground.settings import PlaygroundSettings, Run, new_run, update_run
from engine.datasets import parse_csv

RUN_KEY = "playground_run"
SETTINGS_KEY = "playground_settings"
ERROR_KEY = "playground_errors"


def settings() -> PlaygroundSettings:
    """The last valid settings of this session (defaults on the first visit)."""
    if SETTINGS_KEY not in st.session_state:
        st.session_state[SETTINGS_KEY] = PlaygroundSettings()
    return st.session_state[SETTINGS_KEY]


def widget(field: str, default=None):
    """The widget value of a settings field, or ``default`` (the current setting) before it exists."""
    return st.session_state.get(f"pg_{field}", default)


def set_widget(field: str, value) -> None:
    st.session_state[f"pg_{field}"] = value


def errors() -> dict:
    return st.session_state.setdefault(ERROR_KEY, {})


def commit(new: PlaygroundSettings) -> Run:
    """Store valid settings and bring the run in line with them (live change or reset)."""
    st.session_state[SETTINGS_KEY] = new
    run = update_run(st.session_state.get(RUN_KEY), new)
    st.session_state[RUN_KEY] = run
    return run


def run() -> Run:
    if RUN_KEY not in st.session_state:
        st.session_state[RUN_KEY] = new_run(settings())
    return st.session_state[RUN_KEY]


def reset() -> None:
    old = run()
    fresh = new_run(old.settings, old.uploaded)
    fresh.selected = old.selected
    st.session_state[RUN_KEY] = fresh


def set_playing(playing: bool, notice: Optional[str] = None) -> None:
    r = run()
    r.playing = playing
    r.play_started = time.monotonic() if playing else None
    r.notice = notice
    if playing:
        r.view_step = None


def session_id() -> str:
    """This browser session's id (the player counts the sessions playing in this process)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def upload_csv(data: bytes) -> Optional[str]:
    """Parse an uploaded CSV; on success switch the dataset to it (a reset), on failure return the
    message and keep the current data and run untouched."""
    current = settings()
    try:
        dataset = parse_csv(data, test_ratio=current.test_ratio, seed=current.data_seed)
    except ValueError as e:
        return str(e)
    r = run()
    r.uploaded = dataset
    new = current.with_(dataset="csv")
    st.session_state[RUN_KEY] = new_run(new, dataset)
    st.session_state[SETTINGS_KEY] = new
    set_widget("dataset", "csv")
    return None
