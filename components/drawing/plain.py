"""Figures built from plain dicts, validated by the tests rather than on every rerun.

Plotly checks every property of every ``go.Scatter(...)``/``update_layout(...)`` call against its schema;
for the playground's paused page that check, called property by property, was most of the rerun: its four
figures took 42 ms to build that way, 10 ms as one dict each with the check, and 4.4 ms without it
(``python benchmarks/bench_figures.py``). A builder
here writes its traces and layout as dicts (``dict(type="heatmap", …)``) and returns ``figure(data,
layout)``: a ``go.Figure`` that Streamlit serialises exactly as a validated one (numpy arrays still go out
as compact typed arrays).

What the skipped check caught (a misspelt property, a wrong value) is caught in the tests instead:
``tests/components/test_plain_figures.py`` switches ``VALIDATE`` on and builds every builder's figures for
every task and option, so a bad property raises there, and checks the JSON equals the unvalidated one.
"""
from typing import List

import plotly.graph_objects as go

VALIDATE = False   # the tests switch it on: every property checked against plotly's schema


def _pruned(props: dict) -> dict:
    """Without the properties left unset (None, an empty list), as plotly's validation leaves them out."""
    return {k: v for k, v in props.items() if v is not None and not (isinstance(v, (list, tuple)) and not v)}


def figure(data: List[dict], layout: dict) -> go.Figure:
    """``go.Figure`` of these trace dicts and this layout dict (checked only when ``VALIDATE``)."""
    return go.Figure(dict(data=[_pruned(t) for t in data], layout=_pruned(layout)), _validate=VALIDATE)
