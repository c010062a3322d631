"""An address no page has: the step-through page, with a one-line notice instead of a blocking dialog."""
import streamlit as st

from components.step.page import page

path = (st.context.url or "").rstrip("/").rsplit("/", 1)[-1]
if st.session_state.get("nav_unknown_noticed") != path:  # once per address, not on every step
    st.session_state["nav_unknown_noticed"] = path
    st.toast(f"No page at “/{path}”: this is the step-through page. The menu lists every page.",
             icon=":material/info:")
page()
