"""The vanishing/exploding gradients lab: settings, presets, a seeded batch, and training with a record.

``LabSettings`` is one frozen record (names, numbers, the seed) that round-trips through ``to_dict`` /
``from_dict``; each field is checked by its row of the one field table, ``engine.settings.SETTINGS``
(``FIELDS`` lists the lab's rows). ``PRESETS`` maps each preset's on-screen name to its
settings and its two-line explanation. ``LabRun`` trains the network step by step and records, per
step, the loss and ‖∂L/∂W_l‖ of every layer; it stops at the first non-finite pass and says where the
overflow began ("diverged at step N, layer l").

The network is ``inputs → width × depth → 1``: ``depth`` hidden layers of ``width`` units, one output
(linear for ``mse``, sigmoid for ``bce``). The batch is X ~ N(0, 1), shape (batch, inputs), drawn from
``np.random.default_rng(seed)``, with a target y ∈ [0, 1] per sample:
``sign`` y = [Σx > 0]; ``sine`` y = (1 + sin Σx) / 2; ``random`` y ~ U(0, 1) (nothing to learn).
"""
from dataclasses import asdict, dataclass, fields, replace
from typing import Dict, List, Optional

import numpy as np

from engine.diagnostics import Diagnostics, Divergence, diagnose, locate_nonfinite
from engine.network import Network
from engine.settings import MAX_STEPS, NORMS, SETTINGS, TARGETS  # noqa: F401  (NORMS, TARGETS: the lab's names)

LAB_LOSSES = {"mse": "linear", "bce": "sigmoid"}  # loss → output activation
MAX_PINS = 3


def matched_init(activation: str) -> str:
    """The initializer matched to an activation: Xavier for sigmoid/tanh/linear, He for the ReLU family."""
    return "xavier_normal" if activation in ("sigmoid", "tanh", "linear") else "he_normal"


@dataclass(frozen=True)
class LabSettings:
    """Everything that defines a lab network, its batch and its training; limits from ``engine.settings``."""

    depth: int = 20
    width: int = 32
    activation: str = "sigmoid"
    init: str = "xavier_normal"
    init_gain: float = 1.0
    batch_size: int = 64
    seed: int = 0
    loss: str = "mse"
    target: str = "sign"
    lr: float = 0.1
    steps: int = 100
    residual: bool = False
    clip_norm: Optional[float] = None
    norm: Optional[str] = None
    matched_init: bool = False
    inputs: int = 4

    def __post_init__(self):
        for f in fields(self):
            setting = SETTINGS[f.name]
            value = setting.check(getattr(self, f.name), f"{f.name} ({setting.label.lower()})")
            object.__setattr__(self, f.name, value)
        if self.loss not in LAB_LOSSES:
            raise ValueError(f"loss (loss): expected one of {', '.join(LAB_LOSSES)} in the lab, got {self.loss!r}")

    def to_dict(self) -> dict:
        """Plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "LabSettings":
        """Settings from a dict (missing keys take the defaults); unknown keys raise ValueError."""
        unknown = set(d) - set(FIELDS)
        if unknown:
            raise ValueError(f"settings: unknown field(s) {', '.join(sorted(unknown))}; expected "
                             f"{', '.join(FIELDS)}")
        values = {}
        for key, value in d.items():
            kind = SETTINGS[key].kind
            if kind is bool and isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(f"{key} ({SETTINGS[key].label.lower()}): expected true or false, got {value!r}")
                value = value.lower() in ("true", "1")
            elif kind in (int, float) and isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise ValueError(f"{key} ({SETTINGS[key].label.lower()}): expected a number, "
                                     f"got {value!r}") from None
            values[key] = value
        return cls(**values)

    def with_(self, **changes) -> "LabSettings":
        return replace(self, **changes)

    @property
    def sizes(self) -> List[int]:
        return [self.inputs] + [self.width] * self.depth + [1]

    @property
    def effective_init(self) -> str:
        return matched_init(self.activation) if self.matched_init else self.init

    @property
    def effective_init_gain(self) -> float:
        """The matched init is used as designed (multiplier 1): that is the remedy."""
        return 1.0 if self.matched_init else self.init_gain


FIELDS = {f.name: SETTINGS[f.name] for f in fields(LabSettings)}   # the lab's rows of the one field table


@dataclass(frozen=True)
class Preset:
    name: str
    settings: LabSettings
    explanation: str  # two lines, separated by "\n"
    train: bool = False  # True when the effect shows only after training


def _preset(name, explanation, train=False, **changes):
    return name, Preset(name, LabSettings().with_(**changes), explanation, train)


PRESETS: Dict[str, Preset] = dict([
    _preset("Deep sigmoid network — vanishing",
            "σ′(z) ≤ 0.25, so every sigmoid layer multiplies δ = ∂L/∂z by a quarter or less on the way back.\n"
            "After 20 layers the first layer gets almost nothing: it cannot learn.",
            depth=20, width=32, activation="sigmoid", init="xavier_normal", init_gain=1.0, loss="bce", lr=0.1, steps=300),
    _preset("tanh with too-large init — exploding",
            "Weights 4× larger than Xavier's make each layer multiply δ by more than 1 on the way back.\n"
            "Over 20 layers the factors compound: layer 1 gets thousands of times the gradient of layer 20.",
            depth=20, width=32, activation="tanh", init="xavier_normal", init_gain=4.0, lr=0.03),
    _preset("ReLU with He init — healthy",
            "He init (variance 2/fan_in) makes a ReLU layer keep the size of δ: relu′ is 1 on half of the units.\n"
            "Every layer gets a gradient of the same order, even 20 layers deep.",
            depth=20, width=32, activation="relu", init="he_normal", init_gain=1.0, lr=0.01),
    _preset("Zero init — symmetric neurons never differ",
            "With all weights 0 every hidden unit computes the same z and gets the same δ, so the same update.\n"
            "Train it: the rows of each W stay identical: 8 units behave as one.",
            train=True, depth=2, width=8, activation="sigmoid", init="zeros", init_gain=1.0, lr=0.3, steps=100),
    _preset("Dead ReLUs after a large learning rate",
            "A learning rate of 10 throws weights and biases so far that z ≤ 0 for every input: relu′ = 0 there.\n"
            "Train it: half the units die, pass no gradient back and never recover; the loss stays high.",
            train=True, depth=2, width=32, activation="relu", init="he_normal", init_gain=1.0, lr=10.0, steps=50,
            loss="bce", target="sign"),
    _preset("Residual connections rescue depth",
            "The same deep sigmoid network with skips a ← a + f(z): δ also flows back through the identity.\n"
            "Layer 1 now gets a gradient of layer 20's order: press Play, this one learns, the plain one cannot.",
            train=True, depth=20, width=32, activation="sigmoid", init="xavier_normal", init_gain=1.0, loss="bce", lr=0.1,
            steps=300, residual=True),
    _preset("Clipping tames an explosion",
            "ReLU weights 2× He's make the output and every gradient huge: unclipped, step 3 throws them to inf.\n"
            "Clipping the global norm at 1 bounds each step (the per-layer ratios stay): press Play, the loss falls.",
            train=True, depth=10, width=32, activation="relu", init="he_normal", init_gain=2.0, lr=0.01, steps=100,
            target="sine", clip_norm=1.0),
])


HINTS = {
    "vanishing": "Try a remedy: residual connections, a normalisation layer, or ReLU with the matched (He) init.",
    "exploding": "Try a remedy: the init matched to the activation (multiplier ×1), or a normalisation layer.",
    "diverged": "Try a smaller learning rate, gradient clipping (global norm), the init matched to the activation, "
                "or a normalisation layer.",
    "healthy": "Every layer gets a gradient of the same order: all of them can learn.",
    "symmetric": "Try a remedy: a random initializer (the init matched to the activation) breaks the symmetry.",
}


def make_batch(settings: LabSettings):
    """The seeded batch: X (batch, inputs) ~ N(0, 1) and targets Y (batch, 1) in [0, 1]."""
    rng = np.random.default_rng(settings.seed)
    X = rng.normal(size=(settings.batch_size, settings.inputs))
    s = X.sum(axis=1, keepdims=True)
    if settings.target == "sign":
        Y = (s > 0).astype(np.float64)
    elif settings.target == "sine":
        Y = 0.5 + 0.5 * np.sin(s)
    else:
        Y = rng.uniform(0.0, 1.0, size=(settings.batch_size, 1))
    return X, Y


def build_network(settings: LabSettings) -> Network:
    """The lab's network for these settings (weights drawn from ``settings.seed``)."""
    return Network(settings.sizes, activation=settings.activation, output_activation=LAB_LOSSES[settings.loss],
                   loss=settings.loss, init=settings.effective_init, init_gain=settings.effective_init_gain,
                   seed=settings.seed, clip_norm=settings.clip_norm, residual=settings.residual, norm=settings.norm)


def analyse(settings: LabSettings, net: Optional[Network] = None):
    """One forward/backward pass on the seeded batch: (Pass, Diagnostics)."""
    net = build_network(settings) if net is None else net
    X, Y = make_batch(settings)
    p = net.backward(X, Y)
    return p, diagnose(p, net.activation_names)


class LabRun:
    """Training on the lab's batch, step by step, with a per-step record.

    Attributes
    ----------
    settings : LabSettings
    net : Network
    losses : list of float, one per step taken
    grad_norms : list of (L,) arrays, ‖∂L/∂W_l‖ per layer at each step (before the update)
    divergence : Divergence or None
        Set at the first non-finite pass ("diverged at step N, layer l"); the run then stops and the
        network keeps its last finite weights.
    """

    def __init__(self, settings: LabSettings):
        self.settings = settings
        self.net = build_network(settings)
        self.X, self.Y = make_batch(settings)
        self.losses: List[float] = []
        self.grad_norms: List[np.ndarray] = []
        self.clipped: List[bool] = []
        self.divergence: Optional[Divergence] = None

    @property
    def step(self) -> int:
        """Steps taken (including a diverged one)."""
        return len(self.losses)

    @property
    def done(self) -> bool:
        return self.divergence is not None or self.step >= self.settings.steps

    def advance(self, n: int = 1) -> int:
        """Take up to ``n`` steps (stopping at ``settings.steps`` or at divergence); return how many were taken."""
        taken = 0
        lr = self.settings.lr
        while taken < n and not self.done:
            p = self.net.step(self.X, self.Y, lr)
            with np.errstate(all="ignore"):
                self.grad_norms.append(np.array([np.sqrt(np.sum(g * g)) for g in p.dW]))
            self.losses.append(float(p.loss))
            self.clipped.append(bool(p.clipped))
            taken += 1
            if not p.finite:
                d = locate_nonfinite(p) or Divergence(layer=self.net.n_layers, phase="loss")
                self.divergence = Divergence(d.layer, d.phase, self.step)
        return taken

    def history(self) -> np.ndarray:
        """‖∂L/∂W_l‖ over (step, layer): shape (steps taken, L)."""
        if not self.grad_norms:
            return np.zeros((0, self.net.n_layers))
        return np.vstack(self.grad_norms)

    def inspect(self):
        """(Pass, Diagnostics) of the network as it is now, on the lab's batch."""
        p = self.net.backward(self.X, self.Y)
        return p, diagnose(p, self.net.activation_names, step=self.step or None)

    def diagnose(self) -> Diagnostics:
        """Diagnostics of the network as it is now, on the lab's batch."""
        return self.inspect()[1]


@dataclass(frozen=True)
class PinnedRun:
    """A run kept for comparison: its label, settings and per-layer curves."""

    label: str
    settings: dict
    grad_norm: tuple
    ratio: tuple
    delta_mean: tuple
    delta_ratio: tuple
    state: str
    verdict: str


def distinct_units(net: Network, rtol: float = 1e-6) -> List[int]:
    """Per hidden layer, how many units differ: rows of W (with their bias) that are not copies of another.

    Units with identical incoming weights compute the same z, get the same δ and the same update, so
    they stay copies forever (the zero-init lesson). Rows r_i, r_j are copies when
    ‖r_i − r_j‖ ≤ rtol · max(‖r_i‖, ‖r_j‖), measured through one Gram matrix per layer (rounding there
    is ~1e-8 relative, far below the distance between two randomly initialised rows).
    """
    counts = []
    with np.errstate(all="ignore"):
        for W, b in zip(net.weights[:-1], net.biases[:-1]):
            R = np.hstack([W, b[:, None]])
            G = R @ R.T
            sq = np.diag(G)
            dist2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * G, 0.0)
            copies = dist2 <= (rtol ** 2) * np.maximum(sq[:, None], sq[None, :])
            has_earlier_copy = np.triu(copies, 1).any(axis=0)
            counts.append(int(R.shape[0] - has_earlier_copy.sum()))
    return counts


def pin(label: str, settings: LabSettings, diagnostics: Diagnostics) -> PinnedRun:
    return PinnedRun(label=label, settings=settings.to_dict(), grad_norm=tuple(map(float, diagnostics.grad_norm)),
                     ratio=tuple(map(float, diagnostics.ratio)), delta_mean=tuple(map(float, diagnostics.delta_mean)),
                     delta_ratio=tuple(map(float, diagnostics.delta_ratio)), state=diagnostics.state,
                     verdict=diagnostics.verdict())


def add_pin(pins: List[PinnedRun], new: PinnedRun) -> List[PinnedRun]:
    """At most ``MAX_PINS`` runs: a new pin beyond that replaces the oldest."""
    return (list(pins) + [new])[-MAX_PINS:]


def describe(settings: LabSettings) -> str:
    """A short label: "sigmoid 20×32, xavier_normal ×1, residual"."""
    parts = [f"{settings.activation} {settings.depth}×{settings.width}",
             f"{settings.effective_init} ×{settings.effective_init_gain:g}"]
    if settings.residual:
        parts.append("residual")
    if settings.norm is not None:
        parts.append(f"{settings.norm} norm")
    if settings.clip_norm is not None:
        parts.append(f"clip {settings.clip_norm:g}")
    return ", ".join(parts)
