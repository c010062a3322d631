"""An address no page has: the step-through page, under a one-line notice instead of a blocking dialog."""
import streamlit as st

from components.step.page import page

path = (st.context.url or "").rstrip("/").rsplit("/", 1)[-1]
st.info(f"No page at “/{path}”: this is the step-through page. The menu lists every page.",
        icon=":material/info:")
page()
