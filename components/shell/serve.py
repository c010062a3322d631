"""Backprop Lens with one address rule Streamlit's own server lacks: ``streamlit run components/shell/serve.py``.

It runs ``app.py`` unchanged (same flags, same ``.streamlit/config.toml``) through ``st.App``, Streamlit's
supported ASGI entry, with one middleware: a nested unknown address (``/a/b``, ``/step/extra``), a blank
page under ``streamlit run app.py``, opens the step-through page with a "No page at …" notice.
"""
import streamlit as st
from starlette.middleware import Middleware   # (Starlette is Streamlit's own server: no new dependency)

from components.shell.nested_paths import NestedPathRedirect

app = st.App("../../app.py", middleware=[Middleware(NestedPathRedirect)])   # (relative to this file)
