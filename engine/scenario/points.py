"""Uploaded 2-D points (``data.points``): the playground's CSV data, kept split exactly as the run used it."""
import math
from dataclasses import dataclass
from typing import Mapping, Tuple

import numpy as np

from engine.datasets import CSV_MAX_ABS, CSV_MAX_ROWS, MAX_CLASSES, MIN_SAMPLES, Dataset, points_dataset
from engine.checks import _choice, _fail, _float, _number

TASKS = {"binary": (2, 2), "multiclass": (3, MAX_CLASSES), "regression": (1, 1)}  # task → n_classes range


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

