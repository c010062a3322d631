"""Scenarios: the whole state of a page as one versioned JSON document, a compact link, and lessons.

A scenario records everything needed to put a page back exactly as it was: the page, the
architecture, activations, loss, initializer and seed, every weight and bias, the inputs and target,
the learning rate and optimizer, the dataset settings, the step position and the display options.
It is read and written here, independent of Streamlit, so a notebook can open a saved lesson too.

Format (version 1; every section optional except where marked *, missing fields take the defaults
of ``Scenario``)::

    {
      "format": "backprop-lens/scenario",   *
      "version": 1,                          *
      "page": "step" | "lab" | "playground" | "sandbox", *
      "lesson": "textbook", "title": "…", "explanation": "…",
      "network":  {"sizes"*: [1, 1, 1], "activation"*: "relu" | ["relu", …], "output_activation"*,
                   "loss"*, "init", "init_gain", "init_param", "seed"*, "residual", "norm",
                   "weights": [[[w00, w01, …], …], …] | null, "biases": [[b0, …], …] | null,
                   "gammas": [[γ, …], …] | null, "betas": [[β, …], …] | null},
      "training": {"lr"*, "optimizer", "momentum", "beta1", "beta2", "eps", "clip_norm",
                   "clip_value", "l1", "l2", "batch_size"},
      "data":     {"x": [[x1, x2], …] | null, "y": [[y1], …] | null, "dataset", "n_samples",
                   "noise", "test_ratio", "n_classes", "data_seed", "features",
                   "points": null | {"task": "binary" | "multiclass" | "regression", "n_classes",
                                     "train": {"x": [[x1, x2], …], "y": [label, …]}, "test": {…}},
                   "expression": "y = sigmoid(w*x + b)", "values": {"w": 0.5, "x": 2.0, "b": 0.1}},
      "view":     {"step", "presenter", "hide": […], "quiz", "options": {page-specific}}
    }

``weights[l][j][k]`` is W{l}:{j}:{k} (from node L{l}:N{k} to L{l+1}:N{j}), ``biases[l][j]`` is b{l}:{j};
null weights mean "drawn from init and seed". A ``"sandbox"`` scenario (the chain-rule sandbox) needs
no network or training section: it holds ``data.expression`` (``engine.expression`` grammar and
limits) and ``data.values`` (one finite number in ±1e6 per variable), the step in ``view.step`` and
``view.options`` ``{"mode": "reverse" | "forward", "wrt": variable}``. ``points`` holds a playground's uploaded CSV points
(``dataset`` "csv"), split exactly as the run used them, so ``Points.to_dataset()`` rebuilds the
``Dataset`` bit for bit (float64 through ``repr``); within the CSV reader's limits (``MIN_SAMPLES`` to
``CSV_MAX_ROWS`` points, |x1|, |x2| ≤ ``CSV_MAX_ABS``, class labels 0 … n_classes − 1 or finite targets);
a link cannot carry them (``to_query`` raises). Limits (each violation is one ``ValueError`` naming the
field and what was expected): at most ``MAX_LAYERS`` weight layers, ``MAX_UNITS`` units per layer,
``MAX_PARAMS`` parameters, ``MAX_BATCH`` input rows, ``MAX_FILE_BYTES`` bytes of JSON; every number
finite. A link (``to_query``) carries every weight up to ``LINK_MAX_PARAMS`` parameters; beyond that
it carries the settings and seed and says the weights are re-initialised.

Example
-------
>>> s = load_lesson("textbook")
>>> r = s.to_network().backward(*s.inputs())
>>> round(r.loss, 4), round(r.dW[0].item(), 4)
(0.0643, -0.1535)
>>> from_query(to_query(s))[0] == s
True
"""
import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np

from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from engine.datasets import (CSV_MAX_ABS, CSV_MAX_ROWS, DATASETS, MAX_CLASSES, MAX_SAMPLES, MIN_SAMPLES,
                             Dataset, points_dataset)
from engine.features import DEFAULT_FEATURES, FEATURES
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.network import Network
from engine.optimizers import OPTIMIZERS

FORMAT = "backprop-lens/scenario"
VERSION = 1
PAGES = ("step", "lab", "playground", "sandbox")
MAX_LAYERS = 64            # weight layers (hidden layers + output)
MAX_UNITS = 256            # units in any layer, input and output included
MAX_PARAMS = 300_000       # weights + biases of the whole network
MAX_BATCH = 512            # rows of x / y
MAX_FILE_BYTES = 1_048_576  # 1 MB, the same as server.maxUploadSize in .streamlit/config.toml
MAX_ABS = 1e6              # |value| of any weight, bias, input or target
MAX_TEXT = 4000            # characters of a title or an explanation
LINK_MAX_PARAMS = 64       # a link carries every weight up to this many parameters
NORMS = ("none", "batch", "layer")
HIDE_FLAGS = ("architecture", "initialization", "inputs", "learning_rate", "optimizer", "weights",
              "dataset", "step_controls", "display", "sharing", "sidebar")
LESSON_DIR = Path(__file__).resolve().parent / "lessons"
CSV_DATASET = "csv"        # data.dataset of uploaded points (held in data.points)
NO_LINK_FOR_POINTS = "a link cannot carry uploaded points; save the scenario file instead"
TASKS = {"binary": (2, 2), "multiclass": (3, MAX_CLASSES), "regression": (1, 1)}  # task → n_classes range
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


# ---------------------------------------------------------------------------- value checks
def _fail(name: str, expected: str, value) -> ValueError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "…"
    return ValueError(f"{name}: expected {expected}, got {shown}")


def _number(lo: float, hi: float, lo_open=False, hi_open=False):
    lo_s, hi_s = ("(" if lo_open else "[", ")" if hi_open else "]")
    expected = f"a finite number in {lo_s}{lo:g}, {hi:g}{hi_s}"

    def check(value, name):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(name, expected, value)
        value = _float(value)
        if not math.isfinite(value) or value < lo or value > hi or (lo_open and value == lo) or \
                (hi_open and value == hi):
            raise _fail(name, expected, value)
        return value
    return check


def _float(value) -> float:
    """float(value), or inf for an integer too large for a float (a JSON file may hold 400 digits)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _integer(lo: int, hi: int):
    expected = f"an integer from {lo} to {hi:,}"

    def check(value, name):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(name, expected, value)
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise _fail(name, expected, value)
        if not lo <= value <= hi:
            raise _fail(name, expected, value)
        return int(value)
    return check


def _optional(check):
    def wrapped(value, name):
        return None if value is None else check(value, name)
    return wrapped


def _choice(options):
    options = tuple(options)

    def check(value, name):
        if not isinstance(value, str) or value not in options:
            raise _fail(name, f"one of {', '.join(options)}", value)
        return value
    return check


def _boolean(value, name):
    if not isinstance(value, bool):
        raise _fail(name, "true or false", value)
    return value


def _text(value, name):
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise _fail(name, f"text of at most {MAX_TEXT} characters", value)
    return value


def _expression(value, name):
    """The sandbox's expression text (checked against the grammar in ``validate``)."""
    from engine.expression import MAX_LENGTH
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        raise _fail(name, f"an expression of at most {MAX_LENGTH} characters", value)
    return value


def _values(value, name):
    """The sandbox's variables: {name: finite number in ±MAX_ABS}, at most ``MAX_VARIABLES`` of them."""
    from engine.expression import MAX_VARIABLES
    if value is None:
        return None
    if not isinstance(value, Mapping) or len(value) > MAX_VARIABLES:
        raise _fail(name, f"an object of at most {MAX_VARIABLES} variables and their values", value)
    check = _number(-MAX_ABS, MAX_ABS)
    out = {}
    for key, v in value.items():
        if not isinstance(key, str) or not re.fullmatch(r"[^\W\d_]+\d*", key):
            raise _fail(name, "variable names of letters then digits (x, w2)", key)
        out[key] = check(v, f"{name}.{key}")
    return out


def _lesson_id(value, name):
    if value is None:
        return None
    if not isinstance(value, str) or not _NAME.match(value):
        raise _fail(name, "a lesson name (letters, digits, - _ .)", value)
    return value


def _sizes(value, name):
    if not isinstance(value, (list, tuple)) or not 2 <= len(value) <= MAX_LAYERS + 1:
        raise _fail(name, f"a list of 2 to {MAX_LAYERS + 1} layer sizes (≤ {MAX_LAYERS} weight layers)", value)
    return tuple(_integer(1, MAX_UNITS)(s, f"{name}[{i}]") for i, s in enumerate(value))


def _activation(value, name):
    if isinstance(value, str):
        return _choice(ACTIVATIONS)(value, name)
    if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS:
        raise _fail(name, "an activation name or a list of one name per hidden layer", value)
    names = tuple(_choice(ACTIVATIONS)(v, f"{name}[{i}]") for i, v in enumerate(value))
    return names[0] if names and all(n == names[0] for n in names) else names


def _matrix(value, name):
    """A list of rows of finite numbers (one row may be given flat), as a tuple of tuples."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [[value]]
    if not isinstance(value, (list, tuple)) or not value:
        raise _fail(name, "a non-empty list of rows of numbers", value)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        value = [value]
    if len(value) > MAX_BATCH:
        raise _fail(name, f"at most {MAX_BATCH} rows", f"{len(value)} rows")
    rows = _matrix_rows(value, name)
    if len({len(r) for r in rows}) != 1:
        raise _fail(name, "rows of equal length", [len(r) for r in rows])
    return tuple(rows)


def _weights(value, name):
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_LAYERS:
        raise _fail(name, f"null or a list of 1 to {MAX_LAYERS} weight matrices", value)
    out = []
    for l, W in enumerate(value):
        if not isinstance(W, (list, tuple)) or not 1 <= len(W) <= MAX_UNITS:
            raise _fail(f"{name}[{l}]", f"a matrix of 1 to {MAX_UNITS} rows", W)
        out.append(_matrix_rows(W, f"{name}[{l}]"))
    return tuple(out)


def _matrix_rows(W, name):
    check = _number(-MAX_ABS, MAX_ABS)
    rows = []
    for j, row in enumerate(W):
        if not isinstance(row, (list, tuple)) or not 1 <= len(row) <= MAX_UNITS:
            raise _fail(f"{name}[{j}]", f"a row of 1 to {MAX_UNITS} numbers", row)
        rows.append(tuple(check(v, f"{name}[{j}][{k}]") for k, v in enumerate(row)))
    return tuple(rows)


def _biases(value, name):
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_LAYERS:
        raise _fail(name, f"null or a list of 1 to {MAX_LAYERS} bias vectors", value)
    check = _number(-MAX_ABS, MAX_ABS)
    out = []
    for l, b in enumerate(value):
        if not isinstance(b, (list, tuple)) or not 1 <= len(b) <= MAX_UNITS:
            raise _fail(f"{name}[{l}]", f"a list of 1 to {MAX_UNITS} numbers", b)
        out.append(tuple(check(v, f"{name}[{l}][{j}]") for j, v in enumerate(b)))
    return tuple(out)


def _subset(options):
    options = tuple(options)

    def check(value, name):
        if not isinstance(value, (list, tuple)) or len(value) > len(options):
            raise _fail(name, f"a list of names from {', '.join(options)}", value)
        names = [_choice(options)(v, f"{name}[{i}]") for i, v in enumerate(value)]
        return tuple(o for o in options if o in names)  # canonical order, no repeats
    return check


def _features(value, name):
    """Input features of the playground, in the order given (it is the order of the input columns)."""
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= len(FEATURES):
        raise _fail(name, f"a list of 1 to {len(FEATURES)} names from {', '.join(FEATURES)}", value)
    names = tuple(_choice(FEATURES)(v, f"{name}[{i}]") for i, v in enumerate(value))
    if len(set(names)) != len(names):
        raise _fail(name, "each feature at most once", value)
    return names


def _options(value, name):
    """Page-specific display options: a flat mapping of short names to JSON scalars or short lists."""
    if not isinstance(value, Mapping) or len(value) > 32:
        raise _fail(name, "an object of at most 32 display options", value)
    out = {}
    for key, v in value.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise _fail(name, "option names of letters, digits, - _ . (≤ 40 characters)", key)
        out[key] = _scalar_or_list(v, f"{name}.{key}")
    return dict(sorted(out.items()))


def _scalar_or_list(v, name):
    if isinstance(v, (list, tuple)):
        if len(v) > 64:
            raise _fail(name, "a list of at most 64 values", v)
        return tuple(_scalar(x, f"{name}[{i}]") for i, x in enumerate(v))
    return _scalar(v, name)


def _scalar(v, name):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        if not math.isfinite(v) or abs(v) > 1e12:
            raise _fail(name, "a finite number", v)
        return v
    if isinstance(v, str) and len(v) <= 200:
        return v
    raise _fail(name, "null, true/false, a finite number or text of ≤ 200 characters", v)


# ---------------------------------------------------------------------------- uploaded points
@dataclass(frozen=True)
class Points:
    """Uploaded 2-D points (``data.points``), split into train and test exactly as the run uses them.

    ``x_train``/``x_test`` are tuples of (x1, x2); ``y_train``/``y_test`` class labels (int) or
    regression targets (float). ``to_dataset()`` rebuilds the ``engine.datasets.Dataset`` bit for bit;
    build one with ``Points.from_dataset(d)`` (validated like a file).
    """

    task: str
    n_classes: int
    x_train: Tuple[Tuple[float, float], ...]
    y_train: Tuple
    x_test: Tuple[Tuple[float, float], ...]
    y_test: Tuple

    @property
    def n_outputs(self) -> int:
        return self.n_classes if self.task == "multiclass" else 1

    @classmethod
    def from_dataset(cls, d: Dataset) -> "Points":
        """The points of ``d`` (an uploaded Dataset: its split, task and classes)."""
        doc = {"task": d.task, "n_classes": int(d.n_classes),
               "train": {"x": np.asarray(d.X_train).tolist(), "y": np.asarray(d.y_train).tolist()},
               "test": {"x": np.asarray(d.X_test).tolist(), "y": np.asarray(d.y_test).tolist()}}
        return _points(doc, "data.points")

    def to_dataset(self) -> Dataset:
        """The Dataset: X float64 (n, 2), y int64 labels or float64 targets, view around the points."""
        dtype = np.float64 if self.task == "regression" else np.int64

        def arrays(x, y):
            return np.array(x, dtype=np.float64).reshape(-1, 2), np.array(y, dtype=dtype).reshape(-1)
        return points_dataset(*arrays(self.x_train, self.y_train), *arrays(self.x_test, self.y_test),
                              task=self.task, n_classes=self.n_classes)

    def to_dict(self) -> dict:
        return {"task": self.task, "n_classes": self.n_classes,
                "train": {"x": [list(r) for r in self.x_train], "y": list(self.y_train)},
                "test": {"x": [list(r) for r in self.x_test], "y": list(self.y_test)}}


def _keys(value, name, keys, what):
    """``value`` is an object with exactly ``keys`` (an unknown or a missing one is named)."""
    if not isinstance(value, Mapping):
        raise _fail(name, f"an object {{{', '.join(keys)}}} ({what})", value)
    for key in value:
        if key not in keys:
            raise ValueError(f"{name}.{key}: unknown field; expected {', '.join(keys)}")
    for key in keys:
        if key not in value:
            raise ValueError(f"{name}.{key}: missing; {what} need it")


def _points(value, name):
    """``data.points``: null, or uploaded points within the CSV limits, labels fitting the task."""
    if value is None:
        return None
    if isinstance(value, Points):
        value = value.to_dict()
    _keys(value, name, ("task", "n_classes", "train", "test"), "uploaded points")
    task = _choice(TASKS)(value["task"], f"{name}.task")
    lo, hi = TASKS[task]
    k = value["n_classes"]
    if isinstance(k, bool) or not isinstance(k, int) or not lo <= k <= hi:
        raise _fail(f"{name}.n_classes", f"{lo} for a {task} task" if lo == hi else
                    f"an integer from {lo} to {hi} for a {task} task", k)
    if task == "regression":
        def label(v, where):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(_float(v)):
                raise _fail(where, "a finite number (a regression target)", v)
            return float(v)
    else:
        def label(v, where):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v not in range(k):
                raise _fail(where, f"a class label: an integer from 0 to {k - 1}", v)
            return int(v)
    x_train, y_train = _split(value["train"], f"{name}.train", label)
    x_test, y_test = _split(value["test"], f"{name}.test", label)
    if not x_train:
        raise _fail(f"{name}.train.x", "at least 1 point", "[]")
    n = len(x_train) + len(x_test)
    if not MIN_SAMPLES <= n <= CSV_MAX_ROWS:
        raise ValueError(f"{name}: expected {MIN_SAMPLES} to {CSV_MAX_ROWS:,} points (train + test), got {n:,}")
    return Points(task, k, x_train, y_train, x_test, y_test)


def _split(value, name, label):
    """One side of the split: ((x1, x2), …) within ±``CSV_MAX_ABS`` and one label per point."""
    _keys(value, name, ("x", "y"), "a split")
    xs, ys = value["x"], value["y"]
    if not isinstance(xs, (list, tuple)) or len(xs) > CSV_MAX_ROWS:
        raise _fail(f"{name}.x", f"a list of at most {CSV_MAX_ROWS:,} points [x1, x2]",
                    f"{len(xs):,} points" if isinstance(xs, (list, tuple)) else xs)
    coordinate = _number(-CSV_MAX_ABS, CSV_MAX_ABS)
    points = []
    for i, row in enumerate(xs):
        if not isinstance(row, (list, tuple)) or len(row) != 2:
            raise _fail(f"{name}.x[{i}]", "a point [x1, x2]", row)
        points.append((coordinate(row[0], f"{name}.x[{i}][0]"), coordinate(row[1], f"{name}.x[{i}][1]")))
    if not isinstance(ys, (list, tuple)) or len(ys) != len(points):
        raise _fail(f"{name}.y", f"a list of {len(points):,} labels (one per point of {name}.x)",
                    f"{len(ys):,} labels" if isinstance(ys, (list, tuple)) else ys)
    return tuple(points), tuple(label(v, f"{name}.y[{i}]") for i, v in enumerate(ys))


# ---------------------------------------------------------------------------- the field table
@dataclass(frozen=True)
class Field:
    """One scenario field: where it lives in the JSON, how it is checked, its link key."""

    name: str
    section: str          # "" for top level, else "network", "training", "data", "view"
    check: Callable       # check(value, "section.name") -> normalised value, or raises ValueError
    query: str            # key in a link
    required: bool = False


FIELDS = (
    Field("page", "", _choice(PAGES), "p", True),
    Field("lesson", "", _lesson_id, "lesson"),
    Field("title", "", _text, "title"),
    Field("explanation", "", _text, "expl"),
    Field("sizes", "network", _sizes, "s", True),
    Field("activation", "network", _activation, "a", True),
    Field("output_activation", "network", _choice(OUTPUT_ACTIVATIONS), "o", True),
    Field("loss", "network", _choice(LOSSES), "loss", True),
    Field("init", "network", _choice(INITIALIZERS), "init"),
    Field("init_gain", "network", _number(0, 1000), "gain"),
    Field("init_param", "network", _optional(_number(-1000, 1000)), "ip"),
    Field("seed", "network", _integer(0, 2**32 - 1), "seed", True),
    Field("residual", "network", _boolean, "res"),
    Field("norm", "network", _choice(NORMS), "norm"),
    Field("weights", "network", _weights, "w"),
    Field("biases", "network", _biases, "w"),
    Field("gammas", "network", _biases, "w"),
    Field("betas", "network", _biases, "w"),
    Field("lr", "training", _number(0, 100), "lr", True),
    Field("optimizer", "training", _choice(OPTIMIZERS), "opt"),
    Field("momentum", "training", _number(0, 1, hi_open=True), "mom"),
    Field("beta1", "training", _number(0, 1, hi_open=True), "b1"),
    Field("beta2", "training", _number(0, 1, hi_open=True), "b2"),
    Field("eps", "training", _number(0, 1, lo_open=True), "eps"),
    Field("clip_norm", "training", _optional(_number(0, MAX_ABS, lo_open=True)), "cn"),
    Field("clip_value", "training", _optional(_number(0, MAX_ABS, lo_open=True)), "cv"),
    Field("l1", "training", _number(0, 10), "l1"),
    Field("l2", "training", _number(0, 10), "l2"),
    Field("batch_size", "training", _integer(1, 10_000), "bs"),
    Field("x", "data", _optional(_matrix), "x"),
    Field("y", "data", _optional(_matrix), "y"),
    Field("dataset", "data", _optional(_choice((*DATASETS, CSV_DATASET))), "ds"),
    Field("n_samples", "data", _integer(MIN_SAMPLES, MAX_SAMPLES), "n"),
    Field("noise", "data", _number(0, 1), "noise"),
    Field("test_ratio", "data", _number(0, 1, hi_open=True), "test"),
    Field("n_classes", "data", _integer(3, MAX_CLASSES), "k"),
    Field("data_seed", "data", _integer(0, 2**32 - 1), "dseed"),
    Field("features", "data", _features, "f"),
    Field("points", "data", _points, "pts"),
    Field("expression", "data", _expression, "e"),
    Field("values", "data", _values, "vals"),
    Field("step", "view", _integer(0, 10**7), "step"),
    Field("presenter", "view", _boolean, "present"),
    Field("hide", "view", _subset(HIDE_FLAGS), "hide"),
    Field("quiz", "view", _boolean, "quiz"),
    Field("options", "view", _options, "v."),
)
SECTIONS = ("network", "training", "data", "view")
TOP_LEVEL = ("format", "version", "page", "lesson", "title", "explanation") + SECTIONS


@dataclass(frozen=True)
class Scenario:
    """The whole state of a page (see the module docstring for the JSON layout and limits).

    Build one with ``Scenario.from_dict`` / ``from_json`` (validated), ``from_network`` or
    ``dataclasses.replace``; ``validate()`` checks a hand-built one.
    """

    page: str = "step"
    lesson: Optional[str] = None
    title: Optional[str] = None
    explanation: Optional[str] = None
    sizes: Tuple[int, ...] = (2, 3, 1)
    activation: Any = "relu"
    output_activation: str = "sigmoid"
    loss: str = "mse"
    init: str = "xavier_uniform"
    init_gain: float = 1.0
    init_param: Optional[float] = None
    seed: int = 0
    residual: bool = False
    norm: str = "none"
    weights: Optional[Tuple] = None
    biases: Optional[Tuple] = None
    gammas: Optional[Tuple] = None
    betas: Optional[Tuple] = None
    lr: float = 0.1
    optimizer: str = "sgd"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    clip_norm: Optional[float] = None
    clip_value: Optional[float] = None
    l1: float = 0.0
    l2: float = 0.0
    batch_size: int = 32
    x: Optional[Tuple] = None
    y: Optional[Tuple] = None
    dataset: Optional[str] = None
    n_samples: int = 200
    noise: float = 0.0
    test_ratio: float = 0.5
    n_classes: int = 3
    data_seed: int = 0
    features: Tuple[str, ...] = DEFAULT_FEATURES
    points: Optional[Points] = None
    expression: Optional[str] = None
    values: Optional[Dict[str, float]] = None
    step: int = 0
    presenter: bool = False
    hide: Tuple[str, ...] = ()
    quiz: bool = False
    options: Dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ dict / JSON
    @classmethod
    def from_dict(cls, doc) -> "Scenario":
        """Validate a parsed JSON document; raise one ValueError naming the first bad field."""
        if not isinstance(doc, Mapping):
            raise _fail("scenario", "a JSON object", type(doc).__name__)
        if doc.get("format") != FORMAT:
            raise _fail("format", f'"{FORMAT}"', doc.get("format"))
        version = doc.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise _fail("version", f"the integer {VERSION}", version)
        if version > VERSION:
            raise ValueError(f"version: this app reads scenario version {VERSION}; the file is version "
                             f"{version} (made by a newer Backprop Lens)")
        for key in doc:
            if key not in TOP_LEVEL:
                raise ValueError(f"{key}: unknown field; expected one of {', '.join(TOP_LEVEL)}")
        values = {}
        for section in SECTIONS:
            part = doc.get(section, {})
            if not isinstance(part, Mapping):
                raise _fail(section, "a JSON object", part)
            known = [f.name for f in FIELDS if f.section == section]
            for key in part:
                if key not in known:
                    raise ValueError(f"{section}.{key}: unknown field; expected one of {', '.join(known)}")
        for f in FIELDS:
            part = doc.get(f.section, {}) if f.section else doc
            label = f"{f.section}.{f.name}" if f.section else f.name
            if f.name not in part:
                if f.required and not (values.get("page") == "sandbox" and f.section in ("network", "training")):
                    raise ValueError(f"{label}: missing; every scenario needs it")
                continue
            values[f.name] = f.check(part[f.name], label)
        return cls(**values).validate()

    def to_dict(self) -> dict:
        """The JSON document (plain lists and numbers), every field written out."""
        doc = {"format": FORMAT, "version": VERSION}
        for f in FIELDS:
            value = _plain(getattr(self, f.name))
            if f.section:
                doc.setdefault(f.section, {})[f.name] = value
            else:
                doc[f.name] = value
        return doc

    @classmethod
    def from_json(cls, text) -> "Scenario":
        """Parse and validate a JSON file's text or bytes (at most ``MAX_FILE_BYTES``)."""
        if isinstance(text, (bytes, bytearray)):
            if len(text) > MAX_FILE_BYTES:
                raise ValueError(f"file: expected at most {MAX_FILE_BYTES:,} bytes, got {len(text):,}")
            try:
                text = bytes(text).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValueError("file: expected UTF-8 JSON text; this looks like a binary file") from None
        if not isinstance(text, str):
            raise _fail("file", "JSON text", type(text).__name__)
        if len(text) > MAX_FILE_BYTES:
            raise ValueError(f"file: expected at most {MAX_FILE_BYTES:,} bytes, got {len(text):,} characters")
        try:
            doc = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as e:
            raise ValueError(f"file: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
        except RecursionError:
            raise ValueError("file: not a scenario (JSON nested too deeply)") from None
        except ValueError as e:  # NaN/Infinity constants, integers of thousands of digits
            raise ValueError(f"file: not valid JSON ({e})") from None
        return cls.from_dict(doc)

    def to_json(self) -> str:
        """Indented JSON text; ``Scenario.from_json(s.to_json()) == s`` exactly."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    # ------------------------------------------------------------------ consistency
    def validate(self) -> "Scenario":
        """Check the fields against each other (shapes, loss/output pairing, limits); return self."""
        sizes, n_hidden = self.sizes, len(self.sizes) - 2
        if isinstance(self.activation, tuple) and len(self.activation) != n_hidden:
            raise ValueError(f"network.activation: expected one name per hidden layer ({n_hidden}), "
                             f"got {len(self.activation)}")
        need = LOSSES[self.loss].output
        if need is not None and self.output_activation != need:
            raise ValueError(f"network.loss: '{self.loss}' expects output_activation '{need}', "
                             f"got '{self.output_activation}'")
        if self.output_activation == "softmax" and sizes[-1] < 2:
            raise ValueError("network.output_activation: softmax needs at least 2 output units, got 1")
        n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        if n_params > MAX_PARAMS:
            raise ValueError(f"network.sizes: expected at most {MAX_PARAMS:,} parameters in total, "
                             f"got {n_params:,}")
        if (self.weights is None) != (self.biases is None):
            raise ValueError("network.weights: weights and biases go together (both given or both null)")
        if self.weights is not None:
            if len(self.weights) != len(sizes) - 1 or len(self.biases) != len(sizes) - 1:
                raise ValueError(f"network.weights: expected {len(sizes) - 1} layers for sizes "
                                 f"{list(sizes)}, got {len(self.weights)} weights / {len(self.biases)} biases")
            for l, (W, b) in enumerate(zip(self.weights, self.biases)):
                shape = (len(W), len(W[0]))
                if shape != (sizes[l + 1], sizes[l]) or any(len(r) != sizes[l] for r in W):
                    raise ValueError(f"network.weights[{l}]: expected shape ({sizes[l + 1]}, {sizes[l]}) "
                                     f"for sizes {list(sizes)}, got {shape}")
                if len(b) != sizes[l + 1]:
                    raise ValueError(f"network.biases[{l}]: expected {sizes[l + 1]} numbers, got {len(b)}")
        if self.x is not None and len(self.x[0]) != sizes[0]:
            raise ValueError(f"data.x: expected rows of {sizes[0]} inputs (sizes[0]), got {len(self.x[0])}")
        if (self.x is None) != (self.y is None):
            raise ValueError("data.y: inputs x and targets y go together (both given or both null)")
        if self.y is not None:
            if len(self.y) != len(self.x):
                raise ValueError(f"data.y: expected {len(self.x)} rows to match data.x, got {len(self.y)}")
            if len(self.y[0]) != sizes[-1]:
                raise ValueError(f"data.y: expected rows of {sizes[-1]} targets (sizes[-1]), got {len(self.y[0])}")
        if self.dataset == CSV_DATASET and self.points is None:
            raise ValueError('data.dataset: "csv" means uploaded points; expected them in data.points, got null')
        if self.points is not None:
            if self.dataset != CSV_DATASET:
                raise ValueError(f'data.points: uploaded points go with dataset "csv"; got dataset {self.dataset!r}')
            if sizes[-1] != self.points.n_outputs:
                raise ValueError(f"network.sizes: expected {self.points.n_outputs} output(s) for the uploaded "
                                 f"points ({self.points.task}, {self.points.n_classes} classes), got {sizes[-1]}")
        if self.dataset is not None and sizes[0] != len(self.features):
            raise ValueError(f"network.sizes: expected {len(self.features)} inputs (one per feature: "
                             f"{', '.join(self.features)}), got sizes[0] = {sizes[0]}")
        if self.dataset in DATASETS:
            task = DATASETS[self.dataset].task
            n_out = self.n_classes if task == "multiclass" else 1
            if sizes[-1] != n_out:
                raise ValueError(f"network.sizes: expected {n_out} output(s) for dataset {self.dataset!r} "
                                 f"({task}), got sizes[-1] = {sizes[-1]}")
        n_norm = len(sizes) - 2 if self.norm != "none" else 0
        for name in ("gammas", "betas"):
            value = getattr(self, name)
            if value is None:
                continue
            if self.weights is None:
                raise ValueError(f"network.{name}: given without weights; expected null")
            if len(value) != n_norm or any(len(v) != n for v, n in zip(value, sizes[1:-1])):
                raise ValueError(f"network.{name}: expected one vector per normalised hidden layer "
                                 f"({n_norm}, sizes {list(sizes[1:1 + n_norm])}), got lengths "
                                 f"{[len(v) for v in value]}")
        if self.weights is not None and n_norm and (self.gammas is None or self.betas is None):
            raise ValueError("network.gammas: with norm and saved weights, expected gammas and betas too")
        if self.page == "lab":
            to_lab_settings(self)
        if self.page == "sandbox":
            sandbox_graph(self)
        return self

    # ------------------------------------------------------------------ engine
    @property
    def n_params(self) -> int:
        return sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def network_arguments(self) -> dict:
        """The keyword arguments of ``Network`` this scenario sets."""
        kw = dict(sizes=list(self.sizes), activation=_activation_list(self.activation, len(self.sizes) - 2),
                  output_activation=self.output_activation, loss=self.loss, init=self.init,
                  init_gain=self.init_gain, init_param=self.init_param, seed=self.seed,
                  optimizer=self.optimizer, momentum=self.momentum, beta1=self.beta1, beta2=self.beta2,
                  eps=self.eps, clip_norm=self.clip_norm, clip_value=self.clip_value, l1=self.l1, l2=self.l2)
        if self.residual:
            kw["residual"] = True
        if self.norm != "none":
            kw["norm"] = self.norm
        return kw

    def to_network(self) -> Network:
        """A fresh ``Network`` with these settings: the saved weights, or drawn from init and seed."""
        if self.page == "lab":
            from engine.lab import build_network
            return build_network(to_lab_settings(self))
        net = Network(**self.network_arguments())
        if self.weights is not None:
            net.set_parameters(self.weights, self.biases, self.gammas, self.betas)
        return net

    def flat_parameters(self) -> List[float]:
        """Every saved parameter in ``Network.parameters()`` order: W0 (row by row), b0, W1, b1, …, γ0, β0, …"""
        if self.weights is None:
            return []
        flat = [v for W, b in zip(self.weights, self.biases) for v in (*(x for r in W for x in r), *b)]
        for g, b in zip(self.gammas or (), self.betas or ()):
            flat += [*g, *b]
        return flat

    def inputs(self) -> Tuple[np.ndarray, np.ndarray]:
        """(X, Y) as float64 arrays: the saved x and y, or a seeded batch of ``batch_size`` rows.

        The seeded batch: X ~ U(−1, 1) from ``data_seed``; Y one-hot random classes for a softmax
        output, random 0/1 for sigmoid, U(−1, 1) otherwise.
        """
        if self.x is not None:
            return np.array(self.x, dtype=np.float64), np.array(self.y, dtype=np.float64)
        if self.page == "lab":
            from engine.lab import make_batch
            return make_batch(to_lab_settings(self))
        if self.dataset is not None:
            return self.dataset_arrays()[:2]
        rng = np.random.default_rng(self.data_seed)
        n, n_in, n_out = min(self.batch_size, MAX_BATCH), self.sizes[0], self.sizes[-1]
        X = rng.uniform(-1.0, 1.0, (n, n_in))
        if self.output_activation == "softmax":
            Y = np.eye(n_out)[rng.integers(0, n_out, n)]
        elif self.output_activation == "sigmoid":
            Y = rng.integers(0, 2, (n, n_out)).astype(np.float64)
        else:
            Y = rng.uniform(-1.0, 1.0, (n, n_out))
        return X, Y

    def dataset_arrays(self):
        """(X_train, Y_train, X_test, Y_test) of ``dataset`` (or the uploaded ``points``) through ``features``;
        Y one-hot for softmax."""
        from engine.datasets import make_dataset
        from engine.features import transform
        d = self.points.to_dataset() if self.dataset == CSV_DATASET else \
            make_dataset(self.dataset, self.n_samples, self.noise, self.test_ratio, self.data_seed, self.n_classes)

        def targets(y):
            if self.output_activation == "softmax":
                return np.eye(self.sizes[-1])[y.astype(np.int64)]
            return np.asarray(y, dtype=np.float64).reshape(-1, 1)
        return (transform(d.X_train, self.features), targets(d.y_train),
                transform(d.X_test, self.features), targets(d.y_test))

    @classmethod
    def from_network(cls, net: Network, **settings) -> "Scenario":
        """The scenario of ``net`` (settings and every weight and bias) plus the given fields."""
        names = net.activation_names[:-1]
        values = {f.name: getattr(_DEFAULT, f.name) for f in FIELDS}
        values.update(sizes=tuple(net.sizes), activation=tuple(names) if names else "relu",
                      output_activation=net.activation_names[-1], loss=net.loss_name, init=net.init,
                      init_gain=net.init_gain, init_param=_none_if_default(net), seed=net.seed,
                      optimizer=net.optimizer, clip_norm=net.clip_norm, clip_value=net.clip_value,
                      l1=net.l1, l2=net.l2, **net.hyper,
                      weights=[W.tolist() for W in net.weights], biases=[b.tolist() for b in net.biases])
        if net.residual:
            values["residual"] = True
        if net.norm:
            values.update(norm=net.norm, gammas=[g.tolist() for g in net.gammas],
                          betas=[b.tolist() for b in net.betas])
        values.update(settings)
        return cls.from_dict(_as_document(values))

    def replace(self, **changes) -> "Scenario":
        """A validated copy with some fields changed (values are checked like JSON fields)."""
        values = {f.name: getattr(self, f.name) for f in FIELDS}
        values.update(changes)
        return Scenario.from_dict(_as_document(values))


_DEFAULT = Scenario()


def _reject_constant(name):
    raise ValueError(f"{name} is not a number a scenario may hold (every number must be finite)")


def _plain(value):
    if isinstance(value, Points):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _as_document(values: dict) -> dict:
    doc = {"format": FORMAT, "version": VERSION}
    by_name = {f.name: f for f in FIELDS}
    for key, value in values.items():
        if key not in by_name:
            raise ValueError(f"{key}: unknown field; expected one of {', '.join(by_name)}")
        f = by_name[key]
        value = _plain(value.tolist() if isinstance(value, np.ndarray) else value)
        if f.section:
            doc.setdefault(f.section, {})[key] = value
        else:
            doc[key] = value
    return doc


def _activation_list(activation, n_hidden):
    return [activation] * n_hidden if isinstance(activation, str) else list(activation)


def _none_if_default(net):
    return None if net.init_param == INITIALIZERS[net.init].param else net.init_param


def default_scenario(page: str = "step") -> Scenario:
    """The scenario a page starts from (the lab's is its default ``LabSettings``)."""
    if page == "lab":
        from engine.lab import LabSettings
        return from_lab_settings(LabSettings())
    return Scenario(page=page)


# ---------------------------------------------------------------------------- page adapters
SANDBOX_OPTIONS = ("mode", "wrt")


def sandbox_graph(s: Scenario):
    """(graph, values) of a sandbox scenario, checked: the expression parses, every variable has a value,
    the values give a finite evaluation, and the options name a mode and a variable. ValueError otherwise."""
    from engine.expression import ExpressionError, evaluate, parse
    if s.expression is None:
        raise ValueError("data.expression: missing; a sandbox scenario needs its expression")
    try:
        graph = parse(s.expression)
    except ExpressionError as e:
        raise ValueError(f"data.expression: {e}") from None
    values = dict(s.values or {})
    missing = [v for v in graph.variables if v not in values]
    extra = [v for v in values if v not in graph.variables]
    if missing or extra:
        raise ValueError(f"data.values: expected one value for each of {', '.join(graph.variables) or 'no variables'}"
                         + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; not in the expression: {', '.join(extra)}" if extra else ""))
    try:
        evaluate(graph, values)
    except ExpressionError as e:
        raise ValueError(f"data.values: {e}") from None
    for key in s.options:
        if key not in SANDBOX_OPTIONS:
            raise ValueError(f"view.options.{key}: unknown sandbox option; expected one of {', '.join(SANDBOX_OPTIONS)}")
    if s.options.get("mode", "reverse") not in ("reverse", "forward"):
        raise _fail("view.options.mode", "reverse or forward", s.options["mode"])
    if s.options.get("wrt") is not None and s.options["wrt"] not in graph.variables:
        raise _fail("view.options.wrt", f"one of the variables {', '.join(graph.variables)}", s.options["wrt"])
    return graph, values


def sandbox_scenario(expression: str, values: Mapping, **fields) -> Scenario:
    """The sandbox scenario of an expression and its variables' values, plus the given scenario fields."""
    return Scenario.from_dict(_as_document(dict(page="sandbox", expression=expression, values=dict(values),
                                                **fields)))


LAB_OPTIONS = ("target", "steps", "matched_init", "clip_threshold")


def to_lab_settings(s: Scenario):
    """The gradient lab's ``LabSettings`` for a lab scenario; ValueError naming the field otherwise.

    The lab's network is ``inputs → width × depth → 1`` with weights drawn from the seed, so the
    scenario must have equal hidden widths, one output and null weights. ``target``, ``steps``,
    ``matched_init`` (and ``clip_threshold`` while clipping is off) live in ``view.options``.
    """
    from engine.lab import LAB_LOSSES, LabSettings
    sizes = s.sizes
    if len(sizes) < 3 or len(set(sizes[1:-1])) != 1 or sizes[-1] != 1:
        raise ValueError(f"network.sizes: the lab needs inputs, equal-width hidden layers and 1 output "
                         f"(like [4, 32, 32, 1]), got {list(sizes)}")
    if not isinstance(s.activation, str):
        raise _fail("network.activation", "one activation for every hidden layer in the lab", s.activation)
    if s.loss not in LAB_LOSSES or s.output_activation != LAB_LOSSES[s.loss]:
        raise ValueError(f"network.loss: the lab uses {' or '.join(f'{k} with a {v} output' for k, v in LAB_LOSSES.items())}, "
                         f"got {s.loss} with a {s.output_activation} output")
    if s.weights is not None:
        raise ValueError("network.weights: the lab draws its weights from the seed; expected null")
    for key in s.options:
        if key not in LAB_OPTIONS:
            raise ValueError(f"view.options.{key}: unknown lab option; expected one of {', '.join(LAB_OPTIONS)}")
    extra = {k: s.options[k] for k in LAB_OPTIONS if k in s.options}
    if s.clip_norm is not None:
        extra["clip_threshold"] = s.clip_norm
    try:
        return LabSettings(depth=len(sizes) - 2, width=sizes[1], inputs=sizes[0], activation=s.activation,
                           init=s.init, scale=s.init_gain, batch=s.batch_size, seed=s.seed, loss=s.loss,
                           lr=s.lr, residual=s.residual, clip=s.clip_norm is not None, norm=s.norm, **extra)
    except (ValueError, TypeError) as e:
        raise ValueError(f"lab settings: {e}") from None


def from_lab_settings(settings, **fields) -> Scenario:
    """The lab scenario of ``settings`` (a ``LabSettings``), plus the given scenario fields."""
    from engine.lab import LAB_LOSSES, LabSettings
    options = {"target": settings.target, "steps": settings.steps, "matched_init": settings.matched_init}
    if not settings.clip and settings.clip_threshold != LabSettings().clip_threshold:
        options["clip_threshold"] = settings.clip_threshold
    values = dict(page="lab", sizes=settings.sizes, activation=settings.activation,
                  output_activation=LAB_LOSSES[settings.loss], loss=settings.loss, init=settings.init,
                  init_gain=settings.scale, seed=settings.seed, batch_size=settings.batch, lr=settings.lr,
                  residual=settings.residual, norm=settings.norm,
                  clip_norm=settings.clip_threshold if settings.clip else None, options=options)
    values.update(fields)
    return Scenario.from_dict(_as_document(values))


# ---------------------------------------------------------------------------- links
def _fmt(v) -> str:
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


def _option_text(value) -> str:
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return value  # plain text needs no quotes; the reader falls back to text
    return json.dumps(_plain(value), separators=(",", ":"), ensure_ascii=False)


_QUERY_PARSE = {
    "page": str, "lesson": str, "title": str, "explanation": str,
    "sizes": _parse_sizes,
    "activation": lambda t: t if "." not in t else t.split("."),
    "output_activation": str, "loss": str, "init": str, "init_gain": _parse_float,
    "init_param": lambda t: None if t == "-" else _parse_float(t), "seed": _parse_int,
    "residual": _parse_bool, "norm": str, "lr": _parse_float, "optimizer": str, "momentum": _parse_float,
    "beta1": _parse_float, "beta2": _parse_float, "eps": _parse_float,
    "clip_norm": lambda t: None if t == "-" else _parse_float(t),
    "clip_value": lambda t: None if t == "-" else _parse_float(t),
    "l1": _parse_float, "l2": _parse_float, "batch_size": _parse_int,
    "x": lambda t: None if t == "-" else _parse_rows(t), "y": lambda t: None if t == "-" else _parse_rows(t),
    "dataset": lambda t: None if t == "-" else t, "n_samples": _parse_int, "noise": _parse_float,
    "test_ratio": _parse_float, "n_classes": _parse_int, "data_seed": _parse_int,
    "features": lambda t: [] if t == "-" else t.split("."), "step": _parse_int,
    "presenter": _parse_bool, "hide": lambda t: [] if t == "-" else t.split("."), "quiz": _parse_bool,
    "expression": lambda t: None if t == "-" else t,
    "values": lambda t: None if t == "-" else {k: _parse_float(v) for k, _, v in
                                               (part.partition(":") for part in t.split(",") if part)},
}
_QUERY_FORMAT = {
    "sizes": _format_sizes,
    "activation": lambda v: v if isinstance(v, str) else ".".join(v),
    "x": lambda v: "-" if v is None else ";".join(",".join(map(_fmt, r)) for r in v),
    "features": lambda v: ".".join(v) or "-", "hide": lambda v: ".".join(v) or "-",
    "values": lambda v: "-" if v is None else ",".join(f"{k}:{_fmt(x)}" for k, x in v.items()),
}
_QUERY_FORMAT["y"] = _QUERY_FORMAT["x"]


def link_carries_weights(s: Scenario) -> bool:
    """Whether ``to_query(s)`` holds every weight (at most ``LINK_MAX_PARAMS`` parameters)."""
    return s.weights is None or len(s.flat_parameters()) <= LINK_MAX_PARAMS


def to_query(s: Scenario) -> Dict[str, str]:
    """Compact link parameters: only what differs from the base (the lesson named, or the defaults).

    Always holds ``v`` (the format version). Weights go in ``w`` as all parameters in the order
    W0 (row by row), b0, W1, b1, … when the network has at most ``LINK_MAX_PARAMS`` of them; for a
    bigger network ``w=seed`` says the link re-initialises the weights from the seed.

    Raises ValueError for uploaded points (``data.points``): a link cannot carry them.
    """
    if s.points is not None:
        raise ValueError(f"data.points: {NO_LINK_FOR_POINTS}")
    base = _link_base(s.lesson)
    q = {"v": str(VERSION)}
    if s.lesson is not None:
        q["lesson"] = s.lesson
    for f in FIELDS:
        if f.name in _NOT_IN_LOOP:
            continue
        value = getattr(s, f.name)
        if value != getattr(base, f.name):
            q[f.query] = "-" if value is None else _QUERY_FORMAT.get(f.name, _fmt)(value)
    for key, value in s.options.items():
        if base.options.get(key, _MISSING) != value:
            q["v." + key] = _option_text(value)
    for key in base.options:
        if key not in s.options:
            q["v." + key] = "-"
    if s.flat_parameters() != base.flat_parameters() or s.sizes != base.sizes:
        if s.weights is None:
            q["w"] = "seed"
        elif link_carries_weights(s):
            q["w"] = ",".join(_fmt(v) for v in s.flat_parameters())
        elif _weights_are_the_seeds(s):
            q["w"] = "seed"
        else:
            q["w"] = "reinit"
    if s.title != base.title and s.title is not None:
        q["title"] = s.title
    if s.explanation != base.explanation and s.explanation is not None:
        q["expl"] = s.explanation
    return q


def _weights_are_the_seeds(s: Scenario) -> bool:
    fresh = dataclasses.replace(s, weights=None, biases=None, gammas=None, betas=None).to_network()
    return Scenario.from_network(fresh).flat_parameters() == s.flat_parameters()


_MISSING = object()
_POINTS_KEY = next(f.query for f in FIELDS if f.name == "points")
_NOT_IN_LOOP = ("lesson", "title", "explanation", "weights", "biases", "gammas", "betas", "options", "points")


def _link_base(lesson: Optional[str]) -> Scenario:
    if lesson is not None:
        try:
            return load_lesson(lesson)
        except ValueError:
            pass
    return Scenario()


def from_query(params: Mapping, ignore=()) -> Tuple[Scenario, List[str]]:
    """Rebuild a scenario from link parameters; never raises on bad input.

    Returns ``(scenario, notices)``: every unknown or malformed parameter is skipped (the base value
    stays) and named in a notice; if the parameters do not fit together the parts that clash are
    dropped, and as a last resort the default scenario is returned, each time with a notice.
    ``ignore`` names parameters that belong to someone else (skipped silently).
    """
    notices: List[str] = []
    params = {str(k): (v[-1] if isinstance(v, (list, tuple)) and v else v) for k, v in dict(params).items()}
    params = {k: v for k, v in params.items() if isinstance(v, str) and k not in set(ignore)}
    lesson = params.get("lesson")
    base = Scenario()
    if lesson is not None:
        try:
            base = load_lesson(lesson)
        except ValueError as e:
            notices.append(f"link: {e}; using the defaults")
    values = {f.name: getattr(base, f.name) for f in FIELDS}
    values["options"] = dict(base.options)
    by_key = {f.query: f for f in FIELDS
              if f.name not in ("weights", "biases", "gammas", "betas", "options", "points")}
    weights_text = None
    for key, text in params.items():
        if key in ("v", "lesson"):
            if key == "v" and text != str(VERSION):
                notices.append(f"link parameter v={text!r}: this app reads link version {VERSION}; "
                               "reading it as that")
            continue
        if key == "w":
            weights_text = text
            continue
        if key.startswith("v."):
            name = key[2:]
            if text == "-":
                values["options"].pop(name, None)
                continue
            try:
                value = json.loads(text, parse_constant=_reject_constant)
            except (ValueError, RecursionError):
                value = text  # plain text travels without quotes
            try:
                values["options"].update(_options({name: value}, "view.options"))
            except ValueError as e:
                notices.append(f"link parameter {key}: {e}; ignored")
            continue
        f = by_key.get(key)
        if key == _POINTS_KEY or (f is not None and f.name == "dataset" and text == CSV_DATASET):
            notices.append(f"link parameter {key}: a link cannot carry uploaded points; ignored (the points "
                           "travel in a saved scenario file)")
            continue
        if f is None:
            notices.append(f"link parameter {key!r} is unknown; ignored")
            continue
        label = f"{f.section}.{f.name}" if f.section else f.name
        try:
            raw = _QUERY_PARSE[f.name](text)
            values[f.name] = f.check(raw, label)
        except (ValueError, TypeError, OverflowError) as e:
            detail = str(e) if str(e).startswith(label) else f"{label}: could not read {text[:40]!r}"
            notices.append(f"link parameter {key}: {detail}; using {_fmt_default(values[f.name])}")
    if weights_text is not None:
        _weights_from_link(weights_text, values, notices)
    elif values["sizes"] != base.sizes or values["norm"] != base.norm:
        values.update(weights=None, biases=None, gammas=None, betas=None)
    fallbacks = ((("weights", "biases", "gammas", "betas"), "weights re-initialised from the seed"),
                 (("x", "y"), "inputs and targets reset to the defaults"),
                 (("options",), "display options reset"))
    for names, remedy in fallbacks:
        try:
            return Scenario.from_dict(_as_document(values)), notices
        except ValueError as e:
            notices.append(f"link: {e}; {remedy}")
            for name in names:
                values[name] = getattr(_DEFAULT, name)
    try:
        return Scenario.from_dict(_as_document(values)), notices
    except ValueError as e:
        notices.append(f"link: {e}; using the default scenario")
        return default_scenario(values["page"]), notices


def _fmt_default(value) -> str:
    """How a kept value is named in a notice."""
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]" if len(value) < 8 else "the previous value"
    return _fmt(value)


def _weights_from_link(text: str, values: dict, notices):
    """Fill weights, biases (and γ, β) from the flat ``w`` parameter; on any problem leave them null."""
    for name in ("weights", "biases", "gammas", "betas"):
        values[name] = None
    if text == "seed":
        return
    if text == "reinit":
        notices.append(f"This link carries the settings and the seed, not the weights (links carry every "
                       f"weight up to {LINK_MAX_PARAMS} parameters): the weights are re-initialised.")
        return
    sizes = values["sizes"]
    hidden = sizes[1:-1] if values["norm"] != "none" else ()
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) + 2 * sum(hidden)
    try:
        parts = text.split(",")
        if len(parts) != n_params:
            raise ValueError(f"expected {n_params} numbers for sizes {list(sizes)}, got {len(parts)}")
        check = _number(-MAX_ABS, MAX_ABS)
        flat = [check(float(v), "network.weights") for v in parts]
    except ValueError as e:
        detail = str(e) if str(e).startswith(("expected", "network")) else "expected comma-separated numbers"
        notices.append(f"link parameter w: {detail}; weights re-initialised from the seed")
        return
    weights, biases, i = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append([flat[i + j * n_in: i + (j + 1) * n_in] for j in range(n_out)])
        i += n_in * n_out
        biases.append(flat[i: i + n_out])
        i += n_out
    gammas, betas = [], []
    for n in hidden:
        gammas.append(flat[i: i + n])
        betas.append(flat[i + n: i + 2 * n])
        i += 2 * n
    values.update(weights=weights, biases=biases, gammas=gammas or None, betas=betas or None)


# ---------------------------------------------------------------------------- lessons
def lesson_files() -> List[Path]:
    """The preset files, in teaching order (by file name: ``NN-name.json``)."""
    return sorted(LESSON_DIR.glob("*.json"))


def lesson_id(path: Path) -> str:
    return re.sub(r"^\d+-", "", path.stem)


def lesson_ids() -> List[str]:
    return [lesson_id(p) for p in lesson_files()]


def load_lesson(name: str) -> Scenario:
    """The preset called ``name`` (``lesson_ids()``); its ``lesson`` field is set to ``name``."""
    for path in lesson_files():
        if lesson_id(path) == name:
            s = Scenario.from_json(path.read_bytes())
            return dataclasses.replace(s, lesson=name)
    raise ValueError(f"lesson: unknown name {name!r}; expected one of {', '.join(lesson_ids())}")


def load_lessons() -> Dict[str, Scenario]:
    """Every preset by name, in teaching order."""
    return {lesson_id(p): dataclasses.replace(Scenario.from_json(p.read_bytes()), lesson=lesson_id(p))
            for p in lesson_files()}
