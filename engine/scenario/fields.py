"""The scenario's field table: one row per field, read by the JSON reader, the writer and the link codec.

The rows of scalar settings (seed, lr, batch_size …) are built from ``engine.settings``, the one
table of every setting's type, range, label, link key and JSON path; the rows here add the
structured fields (sizes, weights, inputs, points, display options).

A row (``Field``) says where the field lives in the JSON (``section``), how a value is checked
(``check``), its link key (``query``) and how it is written in a link and read back (``show`` /
``parse``; ``parse`` None: a link does not carry the field this way). A new field is one row here.
"""
import re
from dataclasses import dataclass
from typing import Callable, Optional

from engine.checks import _choice, _optional
from engine.datasets import DATASETS
from engine.scenario.checks import (MAX_LAYERS, _activation, _biases, _expression, _features, _lesson_id, _matrix,
                                    _options, _sizes, _subset, _text, _values, _weights)
from engine.scenario.points import _points
from engine.settings import NORMS, SETTINGS  # noqa: F401  (NORMS re-exported)

FORMAT = "backprop-lens/scenario"
VERSION = 2                # 1: norm "none" for no normalisation, the lab's clip_threshold option
PAGES = ("step", "lab", "playground", "sandbox")
HIDE_FLAGS = ("architecture", "initialization", "inputs", "learning_rate", "optimizer", "weights",
              "dataset", "step_controls", "display", "sharing", "sidebar")
CSV_DATASET = "csv"        # data.dataset of uploaded points (held in data.points)


# ---------------------------------------------------------------------------- link text of each kind
def _fmt(v) -> str:
    """A value as link text: booleans 1/0, integral floats without ".0", other floats by ``repr`` (exact)."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def _parse_float(text: str) -> float:
    return float(text)  # "nan"/"inf" parse here; the field check then rejects them by name


def _parse_int(text: str) -> int:
    if not re.fullmatch(r"[-+]?\d{1,20}", text.strip()):
        raise ValueError(text)
    return int(text)


def _parse_rows(text: str):
    return [[_parse_float(v) for v in row.split(",")] for row in text.split(";")]


def _parse_bool(text: str):
    if text not in ("0", "1", "true", "false"):
        raise ValueError(text)
    return text in ("1", "true")


def _parse_sizes(text: str):
    sizes = []
    for part in text.split("-"):
        unit, _, times = part.partition("x")
        count = _parse_int(times) if times else 1
        if not 1 <= count <= MAX_LAYERS + 1:
            raise ValueError(text)
        sizes += [_parse_int(unit)] * count
    return sizes


def _format_sizes(sizes) -> str:
    """"4-32x20-1": a run of four or more equal layers is written as size x count."""
    parts, i = [], 0
    while i < len(sizes):
        j = i
        while j < len(sizes) and sizes[j] == sizes[i]:
            j += 1
        parts += [f"{sizes[i]}x{j - i}"] if j - i >= 4 else [str(sizes[i])] * (j - i)
        i = j
    return "-".join(parts)


def _or_none(parse):
    """A link reader for an optional field: "-" is null."""
    return lambda t: None if t == "-" else parse(t)


def _names(t: str):
    return [] if t == "-" else t.split(".")


def _join_names(v) -> str:
    return ".".join(v) or "-"


def _parse_values(t: str) -> dict:
    """"w:0.5,x:2" → {"w": 0.5, "x": 2.0} (the sandbox's variables)."""
    return {k: _parse_float(v) for k, _, v in (part.partition(":") for part in t.split(",") if part)}


def _values_text(v) -> str:
    return ",".join(f"{k}:{_fmt(x)}" for k, x in v.items())


def _rows_text(v) -> str:
    return "-" if v is None else ";".join(",".join(map(_fmt, r)) for r in v)


# ---------------------------------------------------------------------------- the field table
@dataclass(frozen=True)
class Field:
    """One scenario field: where it lives in the JSON, how it is checked, its link key and link text."""

    name: str
    section: str          # "" for top level, else "network", "training", "data", "view"
    check: Callable       # check(value, "section.name") -> normalised value, or raises ValueError
    query: str            # key in a link
    required: bool = False
    parse: Optional[Callable] = str   # link text -> raw value (then ``check``); None: not read from its key
    show: Callable = _fmt             # value (not None) -> link text

    @property
    def path(self) -> str:
        """The JSON path that names the field in messages: "network.seed"."""
        return f"{self.section}.{self.name}" if self.section else self.name


def _setting(name: str, required: bool = False) -> Field:
    """The row of a scalar setting, from ``engine.settings``: its check, link key and link text."""
    setting = SETTINGS[name]
    parse = {int: _parse_int, float: _parse_float, bool: _parse_bool}.get(setting.kind, str)
    return Field(name, setting.path.split(".")[0], setting.check, setting.link, required,
                 _or_none(parse) if setting.optional else parse)


FIELDS = (
    Field("page", "", _choice(PAGES), "p", True),
    Field("lesson", "", _lesson_id, "lesson"),
    Field("title", "", _text, "title"),
    Field("explanation", "", _text, "expl"),
    Field("sizes", "network", _sizes, "s", True, _parse_sizes, _format_sizes),
    Field("activation", "network", _activation, "a", True, lambda t: t if "." not in t else t.split("."),
          lambda v: v if isinstance(v, str) else ".".join(v)),
    _setting("output_activation", True),
    _setting("loss", True),
    _setting("init"),
    _setting("init_gain"),
    _setting("init_param"),
    _setting("seed", True),
    _setting("residual"),
    _setting("norm"),
    Field("weights", "network", _weights, "w", parse=None),
    Field("biases", "network", _biases, "w", parse=None),
    Field("gammas", "network", _biases, "w", parse=None),
    Field("betas", "network", _biases, "w", parse=None),
    _setting("lr", True),
    _setting("optimizer"),
    _setting("momentum"),
    _setting("beta1"),
    _setting("beta2"),
    _setting("eps"),
    _setting("clip_norm"),
    _setting("clip_value"),
    _setting("l1"),
    _setting("l2"),
    _setting("batch_size"),
    Field("x", "data", _optional(_matrix), "x", parse=_or_none(_parse_rows), show=_rows_text),
    Field("y", "data", _optional(_matrix), "y", parse=_or_none(_parse_rows), show=_rows_text),
    Field("dataset", "data", _optional(_choice((*DATASETS, CSV_DATASET))), "ds", parse=_or_none(str)),
    _setting("n_samples"),
    _setting("noise"),
    _setting("test_ratio"),
    _setting("n_classes"),
    _setting("data_seed"),
    Field("features", "data", _features, "f", parse=_names, show=_join_names),
    Field("points", "data", _points, "pts", parse=None),
    Field("expression", "data", _expression, "e", parse=_or_none(str)),
    Field("values", "data", _values, "vals", parse=_or_none(_parse_values), show=_values_text),
    _setting("step"),
    _setting("presenter"),
    Field("hide", "view", _subset(HIDE_FLAGS), "hide", parse=_names, show=_join_names),
    _setting("quiz"),
    Field("options", "view", _options, "v.", parse=None),
)
SECTIONS = ("network", "training", "data", "view")
TOP_LEVEL = ("format", "version", "page", "lesson", "title", "explanation") + SECTIONS
FIELD = {f.name: f for f in FIELDS}
