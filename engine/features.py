"""Input features for the playground: what the network sees of a 2-D point (x₁, x₂).

One table keyed by the names the UI and the URL use; each entry holds its on-screen label and the
function of X (n, 2) that computes it, (n,). ``transform(X, names)`` stacks the chosen ones into the
network's input (n, len(names)), in the order of ``names``.
"""
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np


@dataclass(frozen=True)
class Feature:
    name: str
    label: str
    f: Callable[[np.ndarray], np.ndarray]


FEATURES = {
    "x1": Feature("x1", "x₁", lambda X: X[:, 0]),
    "x2": Feature("x2", "x₂", lambda X: X[:, 1]),
    "x1_sq": Feature("x1_sq", "x₁²", lambda X: X[:, 0] ** 2),
    "x2_sq": Feature("x2_sq", "x₂²", lambda X: X[:, 1] ** 2),
    "x1x2": Feature("x1x2", "x₁x₂", lambda X: X[:, 0] * X[:, 1]),
    "sin_x1": Feature("sin_x1", "sin x₁", lambda X: np.sin(X[:, 0])),
    "sin_x2": Feature("sin_x2", "sin x₂", lambda X: np.sin(X[:, 1])),
}

DEFAULT_FEATURES = ("x1", "x2")


def check_features(names: Sequence[str]) -> tuple:
    """Validate a feature selection: known names, no repeats, at least one."""
    names = tuple(names)
    if not names:
        raise ValueError("features: expected at least one input feature, got none")
    for name in names:
        if name not in FEATURES:
            raise ValueError(f"features: unknown feature {name!r}; expected some of {', '.join(FEATURES)}")
    if len(set(names)) != len(names):
        raise ValueError(f"features: expected each feature once, got {list(names)}")
    return names


def transform(X, names: Sequence[str]) -> np.ndarray:
    """The network input for points X (n, 2): one column per feature in ``names``, float64."""
    names = check_features(names)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X: expected points of shape (n, 2), got {X.shape}")
    return np.column_stack([FEATURES[name].f(X) for name in names])
