"""Equations that fit their panel: each KaTeX display equation in the named panels is scaled down just
enough to fit the panel's width (``fit_equations.js``, a ``st.components.v2`` component shipped in this
package; no build step). KaTeX does not wrap a display equation, so without this a long row was cut at
the panel's edge in a narrow panel (a 1280-px projector in presenter mode with the sidebar open).

Limit: an equation is shrunk to no less than ``MIN_SCALE`` of its size; one still too wide then scrolls
sideways inside its own box (reachable with Tab), it is never cut.
"""
from importlib import resources

import streamlit as st

MIN_SCALE = 0.7            # below 70 % a projector's back row cannot read the digits
PANELS = ("step_equations", "sandbox_equations")
KEY = "fit_equations_js"   # hidden by presenter.LAYOUT_CSS (it draws nothing)

_JS = resources.files("components.shell").joinpath("fit_equations.js").read_text(encoding="utf-8")
_component = st.components.v2.component("backprop_lens.fit_equations", html="<span></span>", js=_JS)


def mount() -> None:
    """Install the fitting in this tab, from the pages that draw equations (step-through, sandbox): once
    is enough, a rerun only refreshes its data. Only there: the pages without equations (the playground
    above all, whose first run is the longest) mount nothing more than before."""
    _component(key=KEY, data={"targets": list(PANELS), "min": MIN_SCALE})
