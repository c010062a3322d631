"""The size in px a chart is drawn at, measured in the browser (``chart_size.js``, a ``st.components.v2``
component shipped in this package; no build step).

The network graph places its numbers for its real size (``network_figure(px=…)``), and Streamlit's
server cannot know it: the chart's container sets it from the window (``presenter.LAYOUT_CSS``). The
component watches that container and reports its size only when it differs from the size the server
last used by at least ``BUCKET`` px, so a window that keeps its size costs no rerun and a resize costs
one. Before the first report the page uses its estimate.
"""
from importlib import resources
from typing import MutableMapping, Tuple

import streamlit as st

BUCKET = 24        # px: a smaller change moves no number enough to matter

_component = None


def _get():
    global _component
    if _component is None:
        js = resources.files("components.drawing").joinpath("chart_size.js").read_text(encoding="utf-8")
        _component = st.components.v2.component("backprop_lens.chart_size", html="<span></span>", js=js)
    return _component


def last_px(target: str, estimate: Tuple[int, int], memory: MutableMapping) -> Tuple[int, int]:
    """The size ``chart_px`` last measured for ``target`` in this session (``estimate`` before any):
    for a fragment that draws the chart while ``chart_px`` is mounted outside it. ``memory``: where the
    page keeps it (the page's own session state: the page owns ``{target}_px_last``)."""
    return tuple(memory.get(f"{target}_px_last") or estimate)


def chart_px(target: str, estimate: Tuple[int, int], memory: MutableMapping) -> Tuple[int, int]:
    """(width, height) in px of the chart whose container has key ``target`` (e.g. "step_graph"), as last
    measured in this browser tab; ``estimate`` until a measure arrives. Mounted in a fragment, a report
    reruns that fragment; mounted outside the chart's fragment (then read with ``last_px``), the
    fragment's own reruns skip it and a report is one full rerun."""
    key = f"{target}_px"
    known = memory.get(f"{key}_last")
    result = _get()(key=key, data={"target": target, "bucket": BUCKET, "known": list(known or estimate)},
                    default={"size": None}, on_size_change=lambda: None)
    size = getattr(result, "size", None) or (result.get("size") if isinstance(result, dict) else None)
    px = (int(size["w"]), int(size["h"])) if size else tuple(known or estimate)
    memory[f"{key}_last"] = px
    return px
