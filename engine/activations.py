"""Activation functions: one table keyed by the UI's names, one record per activation with all it needs.

Every entry is ``Activation(f, df, …)``: ``f(z) -> a`` and ``df(z, a) -> f'(z)`` (elementwise; ``a`` is
passed so the derivative reuses what the forward pass computed). Softmax is the one non-elementwise
activation: its ``df`` is None and ``backprop`` applies its Jacobian. All are stable for |z| ≤ 1e3
(no overflow warnings). Beside the functions, the record holds what the pages and the PyTorch export
show: the formulas of f and f' (``formula``, ``dformula``), the function's TeX name in an equation
(``tex``: "\\sigma"; "" for the identity), its name in a box of the neuron graph (``symbol``; ``short``
where the operation circle is small) and the PyTorch expression of f (``torch``, with ``{z}``).
"""
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


@dataclass(frozen=True)
class Activation:
    """An activation ``f`` with its derivative ``df(z, a)`` and the formulas shown on screen."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Optional[Callable[[np.ndarray, np.ndarray], np.ndarray]]
    formula: str
    dformula: str
    tex: str = ""
    symbol: str = ""
    short: str = ""
    torch: str = "{z}"

    def __post_init__(self):
        if not self.short:
            object.__setattr__(self, "short", self.symbol)

    def backprop(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
        """δ = ∂L/∂z from g = ∂L/∂a (rows are samples); written into ``out`` when given (may be g)."""
        if self.df is not None:
            return np.multiply(g, self.df(z, a), out=out)
        return np.multiply(a, g - np.sum(g * a, axis=1, keepdims=True), out=out)  # softmax Jacobian·g


def sigmoid(z):
    """1 / (1 + e^(−z)), exact to rounding everywhere; z < −709 is clipped so e^(−z) cannot overflow."""
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -709.0)))


def _softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def _silu_df(z, a):
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def _elu(z):
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


ACTIVATIONS = {
    "linear": Activation("linear", lambda z: z, lambda z, a: np.ones_like(z), r"f(z) = z", r"f'(z) = 1",
                         tex="", symbol="id", torch="{z}"),
    "sigmoid": Activation(
        "sigmoid", sigmoid, lambda z, a: a * (1.0 - a),
        r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
        tex=r"\sigma", symbol="σ", torch="torch.sigmoid({z})",
    ),
    "tanh": Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a, r"\tanh(z)", r"\tanh'(z) = 1 - \tanh^2(z)",
                       tex=r"\tanh", symbol="tanh", torch="torch.tanh({z})"),
    "relu": Activation(
        "relu", lambda z: np.maximum(z, 0.0), lambda z, a: np.heaviside(z, 0.0),
        r"\mathrm{relu}(z) = \max(0, z)", r"\mathrm{relu}'(z) = [z > 0]",
        tex=r"\mathrm{relu}", symbol="relu", torch="torch.relu({z})",
    ),
    "leaky_relu": Activation(
        "leaky_relu", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
        r"f(z) = \max(0.01z, z)", r"f'(z) = 1 \text{ if } z > 0 \text{ else } 0.01",
        tex=r"\mathrm{leaky}", symbol="leaky", torch=f"F.leaky_relu({{z}}, negative_slope={LEAKY_SLOPE})",
    ),
    "elu": Activation(
        "elu", _elu, lambda z, a: np.where(z > 0, 1.0, a + ELU_ALPHA),
        r"f(z) = z \text{ if } z > 0 \text{ else } e^{z} - 1", r"f'(z) = 1 \text{ if } z > 0 \text{ else } e^{z}",
        tex=r"\mathrm{elu}", symbol="elu", torch=f"F.elu({{z}}, alpha={ELU_ALPHA})",
    ),
    "softplus": Activation(
        "softplus", lambda z: np.logaddexp(0.0, z), lambda z, a: sigmoid(z),
        r"f(z) = \ln(1 + e^{z})", r"f'(z) = \sigma(z)",
        # not F.softplus: it switches to the identity above z = 20, the engine does not
        tex=r"\mathrm{softplus}", symbol="softplus", short="soft+",
        torch="torch.logaddexp({z}, torch.zeros_like({z}))",
    ),
    "silu": Activation(
        "silu", lambda z: z * sigmoid(z), _silu_df,
        r"f(z) = z\,\sigma(z)", r"f'(z) = \sigma(z)\,(1 + z(1 - \sigma(z)))",
        tex=r"\mathrm{silu}", symbol="silu", torch="F.silu({z})",
    ),
}

OUTPUT_ACTIVATIONS = dict(ACTIVATIONS)
OUTPUT_ACTIVATIONS["softmax"] = Activation(
    "softmax", _softmax, None,
    r"\hat y_j = \frac{e^{z_j}}{\sum_k e^{z_k}}", r"\frac{\partial \hat y_j}{\partial z_k} = \hat y_j([j=k] - \hat y_k)",
    tex=r"\mathrm{softmax}", symbol="softmax", short="smax", torch="torch.softmax({z}, dim=1)",
)
