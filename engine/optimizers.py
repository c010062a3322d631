"""Optimizers keyed by the UI's names. Each turns gradients into the steps the network adds.

``Optimizer.update(grads, state, lr, hyper) -> steps``: ``grads`` and the returned ``steps`` are lists
aligned with the network's parameters ([W0, b0, W1, b1, …]); ``state`` is the optimizer's own memory
(velocity, moments), a dict the network keeps and resets on re-initialisation; ``hyper`` holds
``momentum``, ``beta1``, ``beta2`` and ``eps``. The network applies ``p += step`` in one place.

- ``sgd``:       step = −α g
- ``momentum``:  v ← μ v − α g;  step = v                          (classical momentum, μ = ``momentum``)
- ``adam``:      m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  step = −α m̂ / (√v̂ + ε),
                 with bias-corrected m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Optimizer:
    name: str
    update: Callable[[list, dict, float, dict], list]
    formula: str


def _sgd(grads, state, lr, hyper):
    return [-lr * g for g in grads]


def _momentum(grads, state, lr, hyper):
    mu = hyper["momentum"]
    v = state.get("v") or [np.zeros_like(g) for g in grads]
    state["v"] = [mu * vi - lr * g for vi, g in zip(v, grads)]
    return state["v"]


def _adam(grads, state, lr, hyper):
    b1, b2, eps = hyper["beta1"], hyper["beta2"], hyper["eps"]
    t = state.get("t", 0) + 1
    m = state.get("m") or [np.zeros_like(g) for g in grads]
    v = state.get("v") or [np.zeros_like(g) for g in grads]
    m = [b1 * mi + (1.0 - b1) * g for mi, g in zip(m, grads)]
    v = [b2 * vi + (1.0 - b2) * g * g for vi, g in zip(v, grads)]
    state.update(t=t, m=m, v=v)
    c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
    return [-lr * (mi / c1) / (np.sqrt(vi / c2) + eps) for mi, vi in zip(m, v)]


OPTIMIZERS = {
    "sgd": Optimizer("sgd", _sgd, r"w \leftarrow w - \alpha\,\partial L/\partial w"),
    "momentum": Optimizer("momentum", _momentum, r"v \leftarrow \mu v - \alpha\,\partial L/\partial w;\; w \leftarrow w + v"),
    "adam": Optimizer("adam", _adam, r"w \leftarrow w - \alpha\,\hat m / (\sqrt{\hat v} + \epsilon)"),
}
