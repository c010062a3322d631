"""An address no page has: the step-through page, under a one-line notice instead of a blocking dialog."""
import streamlit as st

from components.shell.navigation import no_page_notice
from components.step.page import page

path = (st.context.url or "").rstrip("/").rsplit("/", 1)[-1]
st.info(no_page_notice(f"/{path}"), icon=":material/info:")
page()
