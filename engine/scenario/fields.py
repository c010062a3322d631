"""The scenario's field table: one row per field, read by the JSON reader, the writer and the link codec.

A row (``Field``) says where the field lives in the JSON (``section``), how a value is checked
(``check``), its link key (``query``) and how it is written in a link and read back (``show`` /
``parse``; ``parse`` None: a link does not carry the field this way). A new field is one row here.
"""
import re
from dataclasses import dataclass
from typing import Callable, Optional

from engine.activations import OUTPUT_ACTIVATIONS
from engine.datasets import DATASETS, MAX_CLASSES, MAX_SAMPLES, MIN_SAMPLES
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS
from engine.scenario.checks import (MAX_ABS, MAX_LAYERS, _activation, _biases, _boolean, _choice, _expression,
                                    _features, _integer, _lesson_id, _matrix, _number, _optional, _options, _sizes,
                                    _subset, _text, _values, _weights)
from engine.scenario.points import _points

FORMAT = "backprop-lens/scenario"
VERSION = 1
PAGES = ("step", "lab", "playground", "sandbox")
NORMS = ("none", "batch", "layer")
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
        unit, x, times = part.partition("x")
        if x and not times:   # "3x" with no count ("2-3x-1") is a typo, not one layer of 3
            raise ValueError(text)
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


FIELDS = (
    Field("page", "", _choice(PAGES), "p", True),
    Field("lesson", "", _lesson_id, "lesson"),
    Field("title", "", _text, "title"),
    Field("explanation", "", _text, "expl"),
    Field("sizes", "network", _sizes, "s", True, _parse_sizes, _format_sizes),
    Field("activation", "network", _activation, "a", True, lambda t: t if "." not in t else t.split("."),
          lambda v: v if isinstance(v, str) else ".".join(v)),
    Field("output_activation", "network", _choice(OUTPUT_ACTIVATIONS), "o", True),
    Field("loss", "network", _choice(LOSSES), "loss", True),
    Field("init", "network", _choice(INITIALIZERS), "init"),
    Field("init_gain", "network", _number(0, 1000), "gain", parse=_parse_float),
    Field("init_param", "network", _optional(_number(-1000, 1000)), "ip", parse=_or_none(_parse_float)),
    Field("seed", "network", _integer(0, 2**32 - 1), "seed", True, _parse_int),
    Field("residual", "network", _boolean, "res", parse=_parse_bool),
    Field("norm", "network", _choice(NORMS), "norm"),
    Field("weights", "network", _weights, "w", parse=None),
    Field("biases", "network", _biases, "w", parse=None),
    Field("gammas", "network", _biases, "w", parse=None),
    Field("betas", "network", _biases, "w", parse=None),
    Field("lr", "training", _number(0, 100), "lr", True, _parse_float),
    Field("optimizer", "training", _choice(OPTIMIZERS), "opt"),
    Field("momentum", "training", _number(0, 1, hi_open=True), "mom", parse=_parse_float),
    Field("beta1", "training", _number(0, 1, hi_open=True), "b1", parse=_parse_float),
    Field("beta2", "training", _number(0, 1, hi_open=True), "b2", parse=_parse_float),
    Field("eps", "training", _number(0, 1, lo_open=True), "eps", parse=_parse_float),
    Field("clip_norm", "training", _optional(_number(0, MAX_ABS, lo_open=True)), "cn", parse=_or_none(_parse_float)),
    Field("clip_value", "training", _optional(_number(0, MAX_ABS, lo_open=True)), "cv", parse=_or_none(_parse_float)),
    Field("l1", "training", _number(0, 10), "l1", parse=_parse_float),
    Field("l2", "training", _number(0, 10), "l2", parse=_parse_float),
    Field("batch_size", "training", _integer(1, 10_000), "bs", parse=_parse_int),
    Field("x", "data", _optional(_matrix), "x", parse=_or_none(_parse_rows), show=_rows_text),
    Field("y", "data", _optional(_matrix), "y", parse=_or_none(_parse_rows), show=_rows_text),
    Field("dataset", "data", _optional(_choice((*DATASETS, CSV_DATASET))), "ds", parse=_or_none(str)),
    Field("n_samples", "data", _integer(MIN_SAMPLES, MAX_SAMPLES), "n", parse=_parse_int),
    Field("noise", "data", _number(0, 1), "noise", parse=_parse_float),
    Field("test_ratio", "data", _number(0, 1, hi_open=True), "test", parse=_parse_float),
    Field("n_classes", "data", _integer(3, MAX_CLASSES), "k", parse=_parse_int),
    Field("data_seed", "data", _integer(0, 2**32 - 1), "dseed", parse=_parse_int),
    Field("features", "data", _features, "f", parse=_names, show=_join_names),
    Field("points", "data", _points, "pts", parse=None),
    Field("expression", "data", _expression, "e", parse=_or_none(str)),
    Field("values", "data", _values, "vals", parse=_or_none(_parse_values), show=_values_text),
    Field("step", "view", _integer(0, 10**7), "step", parse=_parse_int),
    Field("presenter", "view", _boolean, "present", parse=_parse_bool),
    Field("hide", "view", _subset(HIDE_FLAGS), "hide", parse=_names, show=_join_names),
    Field("quiz", "view", _boolean, "quiz", parse=_parse_bool),
    Field("options", "view", _options, "v.", parse=None),
)
SECTIONS = ("network", "training", "data", "view")
TOP_LEVEL = ("format", "version", "page", "lesson", "title", "explanation") + SECTIONS
FIELD = {f.name: f for f in FIELDS}
