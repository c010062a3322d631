"""Loss functions, each stored with its gradient, keyed by the UI's names.

Conventions (L is the batch loss; per-sample losses are averaged over the batch):

- ``mse``: L = mean over the batch of Σ over outputs (ŷ − y)².  One sample, one output:
  L = (ŷ − y)², ∂L/∂ŷ = 2(ŷ − y) (the textbook convention; no 1/2, no division by outputs).
- ``bce``: L = mean over the batch of Σ over outputs −[y ln ŷ + (1 − y) ln(1 − ŷ)], on sigmoid
  outputs. Computed from z (ln ŷ = −softplus(−z)) so it stays finite as ŷ → 0 or 1;
  δ = ∂L/∂z = ŷ − y.
- ``cross_entropy``: softmax outputs, L = mean over the batch of −Σ_j y_j ln ŷ_j (y one-hot or a
  distribution); computed with log-sum-exp; δ = ŷ − y.

Each entry is ``Loss(per_sample, grad, delta, output)``: ``per_sample(a, z, y) -> (batch,)``,
``grad(a, y) -> ∂L/∂ŷ`` per sample, ``delta(a, y)`` the fused, stable δ of the output layer when the
output activation is ``output`` (None: any output, δ from grad and the activation's derivative).
"""
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np


@dataclass(frozen=True)
class Loss:
    name: str
    per_sample: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    delta: Optional[Callable[[np.ndarray, np.ndarray], np.ndarray]]
    output: Optional[str]
    formula: str
    both: Optional[Callable] = None  # (a, z, y) -> (per_sample, grad) sharing work; None: call each

    def value_and_grad(self, a, z, y):
        """(per-sample loss, ∂L/∂ŷ) in one go."""
        if self.both is not None:
            return self.both(a, z, y)
        return self.per_sample(a, z, y), self.grad(a, y)


def _mse(a, z, y):
    d = a - y
    return np.add.reduce(d * d, axis=1)


def _mse_both(a, z, y):
    d = a - y
    return np.add.reduce(d * d, axis=1), d * 2.0


def _bce(a, z, y):
    # −[y ln σ(z) + (1−y) ln(1−σ(z))] = softplus(z) − y z
    return np.sum(np.logaddexp(0.0, z) - y * z, axis=1)


def _bce_grad(a, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a - y) / (a * (1.0 - a))


def _cross_entropy(a, z, y):
    m = np.max(z, axis=1, keepdims=True)
    log_softmax = z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return -np.sum(y * log_softmax, axis=1)


def _ce_grad(a, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -y / a


LOSSES = {
    "mse": Loss("mse", _mse, lambda a, y: 2.0 * (a - y), None, None,
                r"L = \sum_j (\hat y_j - y_j)^2", _mse_both),
    "bce": Loss("bce", _bce, _bce_grad, lambda a, y: a - y, "sigmoid",
                r"L = -\sum_j \left[y_j \ln \hat y_j + (1 - y_j)\ln(1 - \hat y_j)\right]"),
    "cross_entropy": Loss("cross_entropy", _cross_entropy, _ce_grad, lambda a, y: a - y, "softmax",
                          r"L = -\sum_j y_j \ln \hat y_j"),
}
