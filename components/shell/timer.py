"""The play timer the step page and the sandbox share: a fragment that reruns itself every ``run.speed``
seconds while playing, and the tick that advances one step per rerun.

Both pages' run objects carry ``playing``, ``speed`` (seconds per step), ``timer`` (the ``run_every`` the
fragment was built with), ``step`` and ``steps()``.
"""
import functools
from typing import Callable

import streamlit as st

from components.shell import priority


def timed_fragment(run, body: Callable[[], None]) -> None:
    """Run ``body`` as a fragment that reruns every ``run.speed`` seconds while ``run.playing`` (else never)."""
    run.timer = run.speed if run.playing else None

    @functools.wraps(body)   # (the fragment keeps body's name, from which Streamlit derives its id)
    def answered_first():
        with priority.clicking():   # a step, a click or a slider here reruns only this fragment: still a click
            body()
    st.fragment(answered_first, run_every=run.timer)()


def tick(run, go_to: Callable[[int], None]) -> list:
    """One rerun of the timed fragment: advance one step while playing, stop at the last; return the steps.

    ``run_every`` is read on full reruns only, so a timer that no longer matches play/pause reruns the app.
    """
    if run.timer != (run.speed if run.playing else None):
        st.rerun(scope="app")
    steps = run.steps()
    if run.playing:
        if run.step < len(steps) - 1:
            go_to(run.step + 1)
        else:
            run.playing = False
            st.rerun(scope="app")
    return steps
