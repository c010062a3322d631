"""Step through one training step, forward then backward, number by number (the page projected first)."""
import streamlit as st

from components.shell import sharing, timer
from components.step import session
from components.step.controls import sidebar
from components.step.panels import stage


def page() -> None:
    sharing.page_start("step")
    st.title("Step through one training step")
    st.caption("Forward: z = Σ w·a + b, a = f(z), layer by layer; then the loss; backward: "
               "δ = ∂L/∂z from the output to the input, ∂L/∂w = δ·a; then the update w ← w − α ∂L/∂w.")
    run = session.get_run()
    sidebar(run)
    timer.timed_fragment(session.get_run(), _stage)
    sharing.panel("step")


def _stage() -> None:
    """The stage (graph, transport, equations), then the address bar brought up to date: a step, a click
    or a weight slider reruns this fragment only."""
    stage()
    sharing.sync_address("step", show=True)


page()
