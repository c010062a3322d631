"""Step through one training step, forward then backward, number by number (the page projected first)."""
import streamlit as st

from components.drawing.chart_size import chart_px
from components.shell import fit_equations, sharing, timer
from components.step import session
from components.step.controls import sidebar
from components.step.panels import GRAPH_KEY, GRAPH_PX_ESTIMATE, control_bar, stage


def page() -> None:
    sharing.page_start("step")
    fit_equations.mount()   # the selected node's equations scale to fit their panel
    run = session.get_run()
    sidebar(run)
    run = session.get_run()
    if run.playing:   # the buttons outside the timer fragment: no press is lost to a tick (control_bar)
        control_bar(run, run.steps())
    timer.timed_fragment(run, _stage)
    sharing.panel("step")


def _stage() -> None:
    """The stage (graph, transport, equations), then the address bar brought up to date: a step, a click
    or a weight slider reruns this fragment only. The graph's size in the browser is watched here too, so
    its report reruns this fragment only: as a full rerun, sent while the page was still settling after a
    load, it could meet a click on Step and the click was lost (1 in ~2,400 clean-clone CI tests)."""
    chart_px(GRAPH_KEY, GRAPH_PX_ESTIMATE, st.session_state)
    stage()
    sharing.sync_address("step", show=True)


if __name__ == "__main__":  # run as a page (home.py imports it for "/")
    page()
