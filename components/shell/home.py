"""``/``: the step-through page (the page a class is shown first) at the app's root address.

The server (``app.py``'s st.App) sends a nested unknown address here as ``/?nopage=/a/b``: the notice names it (the
address bar keeps the parameter while this page is shown: ``sharing.KEPT_PARAMS``)."""
import streamlit as st

from components.shell.navigation import NO_PAGE_PARAM, no_page_notice
from components.step.page import page

asked = st.query_params.get(NO_PAGE_PARAM)
if asked:
    st.info(no_page_notice(asked if asked.startswith("/") else "/" + asked), icon=":material/info:")
page()
