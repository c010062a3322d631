"""Per-layer diagnostics of one pass: where the gradient vanishes or explodes, and why.

Layers are numbered as on screen: layer l = 1 … L is the weight layer ``weights[l-1]`` (layer L is the
output layer); arrays below are indexed 0 … L-1.

Gradient (the symptom)
    grad_norm[l]    ‖∂L/∂W_l‖, the Frobenius norm of the batch gradient of weight layer l.
    delta_mean[l]   mean |δ_l| over the batch and the units, δ = ∂L/∂z: what arrives at layer l.
    reference       the yardstick layer: the last hidden layer (L−1), or layer L when there is no
                    hidden layer. Not the output layer: its single unit and its different input make
                    it a poor yardstick ("layer 1 receives … of the gradient of layer 20" for 20 hidden
                    layers).
    ratio[l]        grad_norm[l] / grad_norm[reference].
    delta_ratio[l]  delta_mean[l] / delta_mean[reference].
    vanishing       delta_ratio < VANISHING_BELOW (1e-2: less than a hundredth of the yardstick's).
    exploding       delta_ratio > EXPLODING_ABOVE (1e2: more than a hundred times the yardstick's).
    The flags judge mean |δ_l| because ‖∂L/∂W_l‖ = ‖δ_lᵀ a_{l−1}‖/batch also scales with the size of
    the layer's input (4 raw inputs for layer 1, growing sums in a residual network), which is not
    about gradient flow.

Forward pass (the cause)
    a_mean, a_std  mean and standard deviation of the activations a of layer l over batch and units.
    saturated[l]   sigmoid/tanh layers: fraction of (sample, unit) values with f′ < SATURATED_BELOW
                   (0.01); NaN for other activations.
    dead[l]        relu layers: fraction of units whose input to f is ≤ 0 for every sample of the batch
                   (f′ = 0, so they pass no gradient back and never learn); NaN for other activations.
    fprime_mean[l]  mean f′ over (sample, unit): the factor each layer puts on δ on its way back
                   (≤ 0.25 for sigmoid); NaN for softmax.
    With normalisation the input to f is u = γ ⊙ ẑ + β (``Pass.extras["u"]``), not z.

Non-finite values (overflow) are a state, never an exception: ``finite`` is False and ``divergence``
says where the first inf/NaN appeared, in the order the pass computes (forward 1 … L, the loss,
backward L … 1). As in the engine's ``Pass.finite``, a gradient too large to square (|g| ≳ 1e154, so
that ‖g‖² overflows) also counts as diverged. Every computation runs under ``np.errstate(all="ignore")``.
"""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from engine.activations import ACTIVATIONS
from engine.formatting import format_number, sup

VANISHING_BELOW = 1e-2
EXPLODING_ABOVE = 1e2
SATURATED_BELOW = 0.01
SATURATING = ("sigmoid", "tanh")
DYING = ("relu",)

def format_sci(x: float, digits: int = 2) -> str:
    """A ratio or a norm in the lab's words: ``engine.formatting.format_number`` with 2 significant digits."""
    return format_number(x, digits)


@dataclass(frozen=True)
class Divergence:
    """Where the first non-finite value appeared: ``phase`` is "forward", "loss" or "backward"."""

    layer: int
    phase: str
    step: Optional[int] = None

    @property
    def message(self) -> str:
        at = f"step {self.step}, " if self.step is not None else ""
        where = "the loss" if self.phase == "loss" else f"layer {self.layer} ({self.phase} pass)"
        return f"diverged at {at}{where}" if self.phase != "loss" else f"diverged at {at}the loss (layer {self.layer})"


@dataclass
class Diagnostics:
    """Per-layer numbers of one pass; arrays have one entry per weight layer (layer 1 … L)."""

    activation: List[str]
    sizes: tuple
    grad_norm: np.ndarray
    delta_mean: np.ndarray
    reference: int
    ratio: np.ndarray
    delta_ratio: np.ndarray
    vanishing: np.ndarray
    exploding: np.ndarray
    a_mean: np.ndarray
    a_std: np.ndarray
    z_mean: np.ndarray
    z_std: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    fprime_mean: np.ndarray
    loss: float
    finite: bool
    divergence: Optional[Divergence]

    @property
    def n_layers(self) -> int:
        return len(self.grad_norm)

    @property
    def state(self) -> str:
        """"diverged", "vanishing", "exploding" or "healthy", judged on layer 1 against the reference."""
        if not self.finite:
            return "diverged"
        if self.vanishing[0]:
            return "vanishing"
        if self.exploding[0]:
            return "exploding"
        return "healthy"

    @property
    def factor_per_layer(self) -> Optional[float]:
        """Geometric mean of mean|δ_l| / mean|δ_{l+1}| from layer 1 to the reference layer: the factor
        each layer puts on the gradient on its way back, on average (None when undefined)."""
        r = self.delta_ratio[0] if self.reference >= 1 else np.nan
        if not (np.isfinite(r) and r > 0):
            return None
        return float(r ** (1.0 / self.reference))

    def compounding(self) -> Optional[str]:
        """"… each layer multiplies mean |δ| by ×0.227 on average: 0.227¹⁹ ≈ 6.3·10⁻¹³" (or None)."""
        f = self.factor_per_layer
        if f is None or self.reference < 2:
            return None
        power = sup(self.reference)
        return (f"on the way back each layer multiplies mean |δ| by ×{format_sci(f, 3)} on average: "
                f"{format_sci(f, 3)}{power} ≈ {format_sci(self.delta_ratio[0])}")

    def verdict(self) -> str:
        """One line for the screen: "layer 1 receives 3·10⁻⁹ of the gradient of layer 20: vanishing"."""
        if not self.finite:
            return f"{self.divergence.message}: the numbers overflowed (inf/NaN or beyond 10¹⁵⁴)"
        if self.reference == 0:
            return (f"one hidden layer only: its mean |δ| is {format_sci(self.delta_mean[0])}; "
                    "add hidden layers to see the gradient travel back")
        ref = self.reference + 1
        if not self.delta_mean[self.reference] > 0:
            return f"layer {ref} receives no gradient at all (δ = 0): vanishing, nothing flows back through it"
        r = self.delta_ratio[0]
        if self.vanishing[0]:
            return f"layer 1 receives {format_sci(r)} of the gradient of layer {ref}: vanishing"
        if self.exploding[0]:
            return f"layer 1 receives {format_sci(r)}× the gradient of layer {ref}: exploding"
        return (f"layer 1 receives {format_sci(r)}× the gradient of layer {ref}: healthy "
                f"(within {format_sci(VANISHING_BELOW)} … {format_sci(EXPLODING_ABOVE)}×)")


def locate_nonfinite(p) -> Optional[Divergence]:
    """Where the first inf/NaN of a pass appeared, in computation order; None when all is finite."""
    with np.errstate(all="ignore"):
        for l, z in enumerate(p.z):
            if not (np.isfinite(z).all() and np.isfinite(p.a[l + 1]).all()):
                return Divergence(layer=l + 1, phase="forward")
        L = len(p.z)
        if not np.isfinite(p.loss):
            return Divergence(layer=L, phase="loss")
        # like the engine's Pass.finite: a gradient whose square overflows (|g| > ~1e154) counts as diverged
        for l in range(L - 1, -1, -1):
            if not (np.isfinite(p.delta[l]).all() and np.isfinite(np.vdot(p.dW[l], p.dW[l]))
                    and np.isfinite(np.vdot(p.db[l], p.db[l]))):
                return Divergence(layer=l + 1, phase="backward")
        for l, g in enumerate(list(getattr(p, "dgamma", [])) + list(getattr(p, "dbeta", []))):
            if not np.isfinite(np.vdot(g, g)):
                return Divergence(layer=l % max(1, L - 1) + 1, phase="backward")
    return None


def diagnose(p, activation: List[str], step: Optional[int] = None) -> Diagnostics:
    """Per-layer diagnostics of a pass.

    Parameters
    ----------
    p : engine.Pass
        The record of ``Network.backward`` or ``Network.step``.
    activation : list of str, len L
        The activation name of each weight layer (``Network.activation_names``).
    step : int, optional
        The training step of the pass, named in a divergence message.
    """
    L = len(p.dW)
    if len(activation) != L:
        raise ValueError(f"activation: expected {L} names (one per weight layer), got {len(activation)}")
    nan = np.full(L, np.nan)
    with np.errstate(all="ignore"):
        grad_norm = np.array([np.sqrt(np.sum(g * g)) for g in p.dW])
        delta_mean = np.array([np.mean(np.abs(d)) for d in p.delta])
        ref = L - 2 if L >= 2 else L - 1
        ratio = grad_norm / grad_norm[ref] if grad_norm[ref] > 0 else nan.copy()
        delta_ratio = delta_mean / delta_mean[ref] if delta_mean[ref] > 0 else nan.copy()
        vanishing = np.nan_to_num(delta_ratio, nan=1.0) < VANISHING_BELOW
        if not delta_mean[ref] > 0:  # nothing reaches the yardstick: every layer without δ gets nothing
            vanishing = delta_mean == 0
        exploding = np.nan_to_num(delta_ratio, nan=1.0, posinf=np.inf) > EXPLODING_ABOVE
        a_mean = np.array([np.mean(a) for a in p.a[1:]])
        a_std = np.array([np.std(a) for a in p.a[1:]])
        z_mean = np.array([np.mean(z) for z in p.z])
        z_std = np.array([np.std(z) for z in p.z])
        saturated, dead, fprime_mean = nan.copy(), nan.copy(), nan.copy()
        u_list = p.extras.get("u") or [None] * L
        f_list = p.extras.get("f") or [None] * L
        for l, name in enumerate(activation):
            u = p.z[l] if u_list[l] is None else u_list[l]
            fu = p.a[l + 1] if f_list[l] is None else f_list[l]
            act = ACTIVATIONS.get(name)
            if act is not None:
                fprime_mean[l] = np.mean(act.df(u, fu))
            if name in SATURATING:
                saturated[l] = np.mean(ACTIVATIONS[name].df(u, fu) < SATURATED_BELOW)
            elif name in DYING:
                dead[l] = np.mean(np.all(u <= 0, axis=0))
    divergence = locate_nonfinite(p)
    if divergence is not None and step is not None:
        divergence = Divergence(divergence.layer, divergence.phase, step)
    sizes = tuple([p.a[0].shape[1]] + [a.shape[1] for a in p.a[1:]])
    return Diagnostics(activation=list(activation), sizes=sizes, grad_norm=grad_norm, delta_mean=delta_mean,
                       reference=ref,
                       ratio=ratio, delta_ratio=delta_ratio, vanishing=vanishing, exploding=exploding,
                       a_mean=a_mean, a_std=a_std, z_mean=z_mean, z_std=z_std, saturated=saturated, dead=dead,
                       fprime_mean=fprime_mean,
                       loss=float(p.loss), finite=divergence is None, divergence=divergence)


@dataclass
class Histograms:
    """Counts per layer on common bin edges: ``counts[l]`` for layer l+1, ``edges`` (bins+1,).

    For ``kind="delta"`` the bins are of log₁₀|δ|; exact zeros (dead units) cannot sit on a log axis and
    are counted in ``zeros`` instead. Non-finite values are counted in ``nonfinite``.
    """

    kind: str
    edges: np.ndarray
    counts: np.ndarray
    zeros: np.ndarray
    nonfinite: np.ndarray


def histograms(p, kind: str = "a", bins: int = 30) -> Histograms:
    """Histograms of the activations a (``kind="a"``) or of log₁₀|δ| (``kind="delta"``) per layer."""
    if kind not in ("a", "delta"):
        raise ValueError(f"kind: expected 'a' or 'delta', got {kind!r}")
    if not 1 <= int(bins) <= 200:
        raise ValueError(f"bins: expected 1 … 200, got {bins}")
    arrays = p.a[1:] if kind == "a" else p.delta
    values, zeros, nonfinite = [], [], []
    with np.errstate(all="ignore"):
        for x in arrays:
            x = np.ravel(x)
            ok = np.isfinite(x)
            nonfinite.append(int(x.size - ok.sum()))
            x = x[ok]
            if kind == "delta":
                nz = x != 0
                zeros.append(int(x.size - nz.sum()))
                x = np.log10(np.abs(x[nz]))
            else:
                zeros.append(0)
            values.append(x)
        everything = np.concatenate(values) if values else np.zeros(0)
        lo, hi = (float(everything.min()), float(everything.max())) if everything.size else (0.0, 1.0)
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, int(bins) + 1)
        counts = np.array([np.histogram(v, bins=edges)[0] for v in values])
    return Histograms(kind=kind, edges=edges, counts=counts, zeros=np.array(zeros), nonfinite=np.array(nonfinite))
