"""A "Skip to main content" link as the first focusable element of every page (``skip_link.js``, a
``st.components.v2`` component shipped in this package): Tab, Enter, Tab reaches the page's controls
instead of walking through the whole sidebar first."""
import pathlib

import streamlit as st

_JS = pathlib.Path(__file__).with_name("skip_link.js").read_text(encoding="utf-8")
_skip_link = st.components.v2.component("backprop_lens_skip_link", js=_JS, html="<span></span>")


def mount() -> None:
    """Insert the link (once per browser tab; its own container takes no space: ``LAYOUT_CSS``)."""
    _skip_link(key="skip_link_js")
