"""Toy 2-D datasets for the training playground, seeded, with noise and a train/test split.

Every point lies in the plane x₁, x₂ ∈ [−6, 6] (``PLANE``). Each generator is one entry of
``DATASETS``, keyed by the name the UI and the URL use, and returns (X, y) from the generator it is
given: X (n, 2) float64; y (n,) int class labels for classification, float targets for regression.

- ``xor``:      uniform points, label 1 where x₁·x₂ > 0 (a gap of 0.3 around the axes).
- ``circles``:  a disc of radius 2.5 (label 1) inside a ring 3.5–5 (label 0).
- ``gaussian``: two Gaussian blobs at (2, 2) (label 1) and (−2, −2) (label 0).
- ``moons``:    two interleaving half-circles (radius 3).
- ``spiral``:   two interleaved spiral arms, 1.75 turns each.
- ``blobs``:    3 to 6 Gaussian blobs on a circle of radius 3.5 (labels 0 … k−1).
- ``plane``:    regression, y = (x₁ + x₂) / 10 (in [−1.2, 1.2]).
- ``sine``:     regression, y = sin(π x₁ / 4) · cos(π x₂ / 8).

``noise`` (0 … 1) is the std of Gaussian noise added to the coordinates, in units of the dataset's
own ``noise_scale`` (regression adds it to the target instead). Labels of classification sets are
computed before the noise, so noise makes classes overlap.

User points come from ``parse_csv`` (x1, x2, label per line; limits in ``CSV_MAX_ROWS`` and
``CSV_MAX_BYTES``), which raises ``ValueError`` naming the line and column of the first problem;
``points_dataset`` rebuilds such a Dataset from its saved split (``engine.scenario``).
"""
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

PLANE = (-6.0, 6.0)
MAX_SAMPLES = 2000
MIN_SAMPLES = 10
MAX_CLASSES = 6
CSV_MAX_ROWS = 2000
CSV_MAX_BYTES = 200_000
CSV_MAX_ABS = 1000.0


@dataclass(frozen=True)
class DatasetSpec:
    """One generator: ``make(rng, n, noise, n_classes) -> (X, y)`` and what the UI shows about it."""

    name: str
    task: str  # "binary", "multiclass" or "regression"
    make: Callable[[np.random.Generator, int, float, int], Tuple[np.ndarray, np.ndarray]]
    noise_scale: float
    doc: str


@dataclass(frozen=True)
class Dataset:
    """A train/test split of 2-D points.

    Attributes
    ----------
    X_train, X_test : (n, 2) float64
    y_train, y_test : (n,) int64 class labels, or float64 targets for regression
    task : "binary", "multiclass" or "regression"
    n_classes : int
        Number of classes (1 for regression).
    extent : (x_min, x_max, y_min, y_max)
        The part of the plane the boundary view draws.
    name : str
        The generator's name, or "csv" for uploaded points.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    n_classes: int
    extent: Tuple[float, float, float, float]
    name: str

    @property
    def n_outputs(self) -> int:
        return self.n_classes if self.task == "multiclass" else 1


def _noisy(rng, X, noise, scale):
    return X + rng.normal(0.0, noise * scale, X.shape) if noise > 0 else X


def _xor(rng, n, noise, k):
    X = rng.uniform(-5.0, 5.0, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # keep points off the axes, where the label flips
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return _noisy(rng, X, noise, 2.0), y


def _circles(rng, n, noise, k):
    y = (np.arange(n) < n // 2).astype(np.int64)
    r = np.where(y == 1, rng.uniform(0.0, 2.5, n), rng.uniform(3.5, 5.0, n))
    t = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(t), r * np.sin(t)])
    return _noisy(rng, X, noise, 2.0), y


def _gaussian(rng, n, noise, k):
    y = (np.arange(n) < n // 2).astype(np.int64)
    centers = np.where(y[:, None] == 1, 2.0, -2.0)
    X = centers + rng.normal(0.0, 1.0, (n, 2))
    return _noisy(rng, X, noise, 2.0), y


def _moons(rng, n, noise, k):
    y = (np.arange(n) < n // 2).astype(np.int64)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = (np.where(y[:, None] == 0, upper, lower) - [0.5, 0.25]) * 3.0
    return _noisy(rng, X, noise, 1.0), y


def _spiral(rng, n, noise, k):
    y = (np.arange(n) < n // 2).astype(np.int64)
    frac = rng.uniform(0.0, 1.0, n)
    r = 5.0 * frac
    t = 1.75 * 2 * np.pi * frac + np.pi * y
    X = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return _noisy(rng, X, noise, 1.0), y


def _blobs(rng, n, noise, k):
    y = np.arange(n) % k
    angle = 2 * np.pi * np.arange(k) / k + np.pi / 2
    centers = 3.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    X = centers[y] + rng.normal(0.0, 0.8, (n, 2))
    return _noisy(rng, X, noise, 2.0), y.astype(np.int64)


def _plane(rng, n, noise, k):
    X = rng.uniform(-6.0, 6.0, (n, 2))
    y = (X[:, 0] + X[:, 1]) / 10.0
    return X, _noisy(rng, y, noise, 0.5)


def _sine(rng, n, noise, k):
    X = rng.uniform(-6.0, 6.0, (n, 2))
    y = np.sin(np.pi * X[:, 0] / 4.0) * np.cos(np.pi * X[:, 1] / 8.0)
    return X, _noisy(rng, y, noise, 0.5)


DATASETS = {
    "xor": DatasetSpec("xor", "binary", _xor, 2.0, "XOR: class 1 where x₁·x₂ > 0"),
    "circles": DatasetSpec("circles", "binary", _circles, 2.0, "a disc inside a ring"),
    "gaussian": DatasetSpec("gaussian", "binary", _gaussian, 2.0, "two Gaussian blobs"),
    "moons": DatasetSpec("moons", "binary", _moons, 1.0, "two interleaving half-moons"),
    "spiral": DatasetSpec("spiral", "binary", _spiral, 1.0, "two interleaved spiral arms"),
    "blobs": DatasetSpec("blobs", "multiclass", _blobs, 2.0, "3 to 6 Gaussian blobs, one class each"),
    "plane": DatasetSpec("plane", "regression", _plane, 0.5, "regression: y = (x₁ + x₂)/10"),
    "sine": DatasetSpec("sine", "regression", _sine, 0.5, "regression: y = sin(πx₁/4)·cos(πx₂/8)"),
}


def split(X, y, test_ratio: float, seed: int):
    """Shuffle (X, y) with ``seed`` and cut off the last ``test_ratio`` of it as the test set.

    Returns (X_train, y_train, X_test, y_test). The train set keeps at least one point.
    """
    if not 0.0 <= test_ratio < 1.0:
        raise ValueError(f"test_ratio: expected a fraction in [0, 1), got {test_ratio!r}")
    n = len(X)
    order = np.random.default_rng(seed).permutation(n)
    n_test = min(int(round(n * test_ratio)), n - 1)
    train, test = order[: n - n_test], order[n - n_test:]
    return X[train], y[train], X[test], y[test]


def make_dataset(name: str, n_samples: int = 200, noise: float = 0.0, test_ratio: float = 0.5,
                 seed: int = 0, n_classes: int = 3) -> Dataset:
    """Generate the dataset ``name`` from ``seed``: same arguments, same points.

    Parameters
    ----------
    name : a key of ``DATASETS``
    n_samples : int, ``MIN_SAMPLES`` … ``MAX_SAMPLES``
        Points in total, before the split.
    noise : float, 0 … 1
    test_ratio : float, 0 … <1
        Fraction of the points held out as the test set.
    seed : int
        Seeds the points and the split.
    n_classes : int, 3 … ``MAX_CLASSES``
        Number of classes of ``blobs`` (ignored by the others).
    """
    if name not in DATASETS:
        raise ValueError(f"name: unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    if not (isinstance(n_samples, (int, np.integer)) and MIN_SAMPLES <= n_samples <= MAX_SAMPLES):
        raise ValueError(f"n_samples: expected an integer from {MIN_SAMPLES} to {MAX_SAMPLES}, got {n_samples!r}")
    if not (np.isfinite(noise) and 0.0 <= noise <= 1.0):
        raise ValueError(f"noise: expected a number from 0 to 1, got {noise!r}")
    spec = DATASETS[name]
    k = 2 if spec.task == "binary" else 1
    if spec.task == "multiclass":
        if not 3 <= n_classes <= MAX_CLASSES:
            raise ValueError(f"n_classes: expected 3 to {MAX_CLASSES} classes, got {n_classes!r}")
        k = int(n_classes)
    X, y = spec.make(np.random.default_rng(seed), int(n_samples), float(noise), k)
    parts = split(X, y, test_ratio, seed + 1)
    return Dataset(*parts, task=spec.task, n_classes=k, extent=(*PLANE, *PLANE), name=name)


def parse_csv(text, test_ratio: float = 0.5, seed: int = 0) -> Dataset:
    """Read user points, one ``x1, x2, label`` per line, into a Dataset.

    An optional header line (any line whose fields are not numbers, first line only) is skipped;
    blank lines and lines starting with ``#`` too. Separators: comma, semicolon or tab. Labels that
    are all integers 0 … ``MAX_CLASSES``−1 make a classification set (2 classes: binary, more:
    multiclass); any other numbers make a regression set. Limits: ``CSV_MAX_BYTES`` bytes,
    ``CSV_MAX_ROWS`` points, coordinates within ±``CSV_MAX_ABS``; at least ``MIN_SAMPLES`` points.

    Raises
    ------
    ValueError
        Naming the line (1-based) and column of the first problem and what was expected.
    """
    if isinstance(text, (bytes, bytearray)):
        if len(text) > CSV_MAX_BYTES:
            raise ValueError(f"file: expected at most {CSV_MAX_BYTES:,} bytes, got {len(text):,}")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ValueError(f"file: expected UTF-8 text, got undecodable bytes at byte {e.start}") from None
    if len(text.encode("utf-8")) > CSV_MAX_BYTES:
        raise ValueError(f"file: expected at most {CSV_MAX_BYTES:,} bytes")
    columns = ("x1", "x2", "label")
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.replace(";", ",").replace("\t", ",").split(",")]
        if not rows and number == _first_content_line(text) and not _is_number(fields[0]):
            continue  # header
        if len(fields) != 3:
            raise ValueError(f"line {number}: expected 3 values (x1, x2, label), got {len(fields)}: {line[:60]!r}")
        values = []
        for col, field in zip(columns, fields):
            if not _is_number(field):
                raise ValueError(f"line {number}, column {col}: expected a number, got {field[:30]!r}")
            value = float(field)
            if not np.isfinite(value):
                raise ValueError(f"line {number}, column {col}: expected a finite number, got {field!r}")
            if col != "label" and abs(value) > CSV_MAX_ABS:
                raise ValueError(f"line {number}, column {col}: expected a value within ±{CSV_MAX_ABS:g}, "
                                 f"got {value:g}")
            values.append(value)
        rows.append(values)
        if len(rows) > CSV_MAX_ROWS:
            raise ValueError(f"line {number}: expected at most {CSV_MAX_ROWS:,} points")
    if len(rows) < MIN_SAMPLES:
        raise ValueError(f"file: expected at least {MIN_SAMPLES} points (x1, x2, label), got {len(rows)}")
    data = np.array(rows, dtype=np.float64)
    X, labels = data[:, :2], data[:, 2]
    is_class = np.all(labels == np.round(labels)) and labels.min() >= 0 and labels.max() < MAX_CLASSES
    if is_class and len(np.unique(labels)) >= 2:
        y = labels.astype(np.int64)
        k = int(y.max()) + 1
        task = "binary" if k == 2 else "multiclass"
    else:
        y, k, task = labels, 1, "regression"
    return points_dataset(*split(X, y, test_ratio, seed + 1), task=task, n_classes=k)


def points_dataset(X_train, y_train, X_test, y_test, task: str, n_classes: int) -> Dataset:
    """The Dataset of uploaded points already split (a CSV just read, or a saved scenario's points).

    The view is a square around every point, train and test (``_extent``); the name is "csv".
    """
    extent = _extent(np.concatenate([X_train, X_test]))
    return Dataset(X_train, y_train, X_test, y_test, task=task,
                   n_classes=n_classes if task != "regression" else 1, extent=extent, name="csv")


def _first_content_line(text: str) -> Optional[int]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.strip().startswith("#"):
            return number
    return None


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _extent(X) -> Tuple[float, float, float, float]:
    """A square view around the points with a 10 % margin (at least the default plane)."""
    lo, hi = float(min(X.min(), PLANE[0])), float(max(X.max(), PLANE[1]))
    pad = 0.1 * (hi - lo) if (lo, hi) != PLANE else 0.0
    return (lo - pad, hi + pad, lo - pad, hi + pad)
