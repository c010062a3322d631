"""Figures built from plain dicts, validated by the tests rather than on every rerun.

Plotly checks every property of every ``go.Scatter(...)``/``update_layout(...)`` call against its schema,
builds an object per property, and ``st.plotly_chart`` then deep-copies that tree back into a dict
(``Figure.to_dict``) before writing its JSON. For the playground's paused page this was most of the rerun:
its four figures took 42 ms to build that way, and the copy and JSON another 8.6 ms
(``python benchmarks/bench_figures.py`` prints today's figures). A builder here writes its traces and
layout as dicts (``dict(type="heatmap", …)``) and returns ``figure(data, layout)``: a ``PlainFigure`` whose
``to_dict`` is those dicts themselves, with the default template and numpy arrays as compact typed arrays,
exactly what a validated figure would send.

What the skipped check caught (a misspelt property, a wrong value) is caught in the tests instead:
``tests/components/test_plain_figures.py`` switches ``VALIDATE`` on (``figure`` then returns a validated
``go.Figure``) and builds every builder's figures for every task and option, so a bad property raises
there, and checks that the JSON sent is identical either way.
"""
import base64
from typing import List

import numpy as np
import plotly.graph_objects as go

VALIDATE = False   # the tests switch it on: every property checked against plotly's schema
_template = {}


def _pruned(props: dict) -> dict:
    """Without the properties left unset (None, an empty list), as plotly's validation leaves them out."""
    return {k: v for k, v in props.items() if v is not None and not (isinstance(v, (list, tuple)) and not v)}


_SHORT = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
          "float32": "f4", "float64": "f8"}   # plotly.js typed arrays (_plotly_utils.utils.plotlyjsShortTypes)
_NOT_ARRAYS = ("geojson", "layer", "layers", "range")   # keys plotly never encodes (is_skipped_key)


def _typed(v: np.ndarray):
    """A numeric numpy array as plotly.js's typed-array spec, as ``_plotly_utils.utils.to_typed_array_spec``
    writes it (int64 narrowed to the smallest type that holds it); any other array as it is."""
    if v.size == 0:
        return v
    if v.dtype == np.int64:
        for t in (np.int8, np.int16, np.int32):
            if np.iinfo(t).min <= v.min() and v.max() <= np.iinfo(t).max:
                v = v.astype(t)
                break
    short = _SHORT.get(str(v.dtype))
    if short is None:
        return v
    spec = {"dtype": short, "bdata": base64.b64encode(np.ascontiguousarray(v)).decode("ascii")}
    if v.ndim > 1:
        spec["shape"] = str(v.shape)[1:-1]
    return spec


def _sent(value, key=None):
    """A copy of the dicts and lists with every numpy array as a typed array: what ``Figure.to_dict`` sends
    (plotly's own ``convert_to_base64`` walks the same tree 20× slower, through narwhals)."""
    if isinstance(value, dict):
        return {k: _sent(v, k) for k, v in value.items() if v is not None}   # None: unset, as validation drops it
    if isinstance(value, (list, tuple)):
        return [_sent(v) for v in value]
    if isinstance(value, np.ndarray) and key is not None and key not in _NOT_ARRAYS:   # a property's value
        return _typed(value)   # (an array as an item of a list stays as it is, as plotly leaves it)
    return value


def default_template() -> dict:
    """The template every ``go.Figure`` carries in its layout (plotly's default), as a dict, read once."""
    if not _template:
        _template.update(go.Figure().to_dict()["layout"]["template"])
    return _template


class PlainFigure(go.Figure):
    """A figure held as plain dicts. ``st.plotly_chart`` takes it as a figure (it is a ``BaseFigure``) and
    sends ``to_dict()``. Reading it as a plotly figure (``fig.data[0].z``, ``fig.layout``: the tests do)
    builds the ``go.Figure`` once, unvalidated; from then on that figure is what is sent, so a change
    made through it (``fig.update_layout(...)``) is sent too."""

    def __init__(self, data: List[dict], layout: dict):   # not super().__init__: that is the cost skipped
        self.__dict__["_plain"] = (data, layout)
        self.__dict__["_full"] = None

    def to_dict(self) -> dict:
        if self.__dict__["_full"] is not None:   # read (or changed: update_layout, …) as a go.Figure: that one
            full = self.__dict__["_full"].to_dict()
            full["layout"].setdefault("template", default_template())
            return full
        data, layout = self._plain
        out = {"data": _sent(data), "layout": _sent(layout)}
        out["layout"].setdefault("template", default_template())
        return out

    def __getattr__(self, name):
        # only for what this object does not have itself: every other attribute of a go.Figure
        if self.__dict__.get("_full") is None:
            data, layout = self.__dict__["_plain"]
            self.__dict__["_full"] = go.Figure(dict(data=data, layout=layout), _validate=False)
        return getattr(self.__dict__["_full"], name)


def figure(data: List[dict], layout: dict) -> go.Figure:
    """A figure of these trace dicts and this layout dict: plain, or validated when ``VALIDATE``."""
    data, layout = [_pruned(t) for t in data], _pruned(layout)
    if VALIDATE:
        return go.Figure(dict(data=data, layout=layout))
    return PlainFigure(data, layout)

