"""Step through one training step, forward then backward, number by number (the page projected first)."""
import streamlit as st

from components.shell import sharing
from components.step import session
from components.step.controls import sidebar
from components.step.panels import control_bar, stage


def page() -> None:
    sharing.page_start("step")
    run = session.get_run()
    sidebar(run)
    run = session.get_run()
    run.timer = run.speed if run.playing else None
    if run.playing:   # the buttons outside the timer fragment: no press is lost to a tick (control_bar)
        control_bar(run, run.steps())
    st.fragment(stage, run_every=run.timer)()
    sharing.panel("step")


if __name__ == "__main__":  # run as a page (home.py imports it for "/")
    page()
