"""Step through one training step, forward then backward, number by number (the page projected first)."""
import streamlit as st

from components.drawing.chart_size import chart_px
from components.shell import sharing, timer
from components.step import session
from components.step.controls import sidebar
from components.step.panels import GRAPH_KEY, GRAPH_PX_ESTIMATE, control_bar, stage


def page() -> None:
    sharing.page_start("step")
    run = session.get_run()
    sidebar(run)
    run = session.get_run()
    if run.playing:   # the buttons outside the timer fragment: no press is lost to a tick (control_bar)
        control_bar(run, run.steps())
    # the graph's size in the browser, watched outside the stage fragment: a step or a slider (a fragment
    # rerun) does not redraw the watcher; a resize reruns the page once
    chart_px(GRAPH_KEY, GRAPH_PX_ESTIMATE, st.session_state)
    timer.timed_fragment(run, _stage)
    sharing.panel("step")


def _stage() -> None:
    """The stage (graph, transport, equations), then the address bar brought up to date: a step, a click
    or a weight slider reruns this fragment only."""
    stage()
    sharing.sync_address("step", show=True)


if __name__ == "__main__":  # run as a page (home.py imports it for "/")
    page()
