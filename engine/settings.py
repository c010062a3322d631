"""The one field table: every setting a page offers, declared once with its type, range, default,
label, link key and JSON path.

``SETTINGS[name]`` is a ``Setting``. Everything that reads or checks a setting goes through it: the
scenario file and the link codec (``engine.scenario.fields`` builds its rows from these), the pages'
settings records (``engine.lab.LabSettings``, the playground's and the step page's records in
``components``) and the widgets, which take their label (``widget_label``), min, max and default from here. A limit changes
in one line below, and ``tests/test_field_table_agreement.py`` proves every reader agrees.

A check raises one ValueError naming the field the way its caller names it (``training.lr`` in a
file, ``lr (learning rate)`` in the lab) and saying what was expected: ``training.lr: expected a
finite number in [0, 10], got 50.0``. ``None`` (JSON null, "-" in a link) means "off" for the
optional settings (``norm``, ``clip_norm``, ``clip_value``, ``init_param``).

Unified limits (where pages and the file used to differ; see the README, "Scenario format"):
seeds 0 … 2³² − 1, learning rate [0, 10], weight scale (0, 100], batch size 1 … 512, gradient
clipping null or (0, 1000], L1/L2 rates [0, 1], test fraction [0, 0.9].
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

import numpy as np

from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from engine.checks import _boolean, _choice, _integer, _number, _optional
from engine.datasets import MAX_CLASSES, MAX_SAMPLES, MIN_SAMPLES
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.network import NORMS  # None: no normalisation layer
from engine.optimizers import OPTIMIZERS

MAX_SEED = 2**32 - 1       # NumPy's generators take any non-negative integer; the file format took this
TARGETS = ("sign", "sine", "random")   # the gradient lab's targets
MAX_STEPS = 2000                       # training steps of a gradient-lab run
EDGE_MODES = ("weight", "gradient")    # what the playground colours its edges by


@dataclass(frozen=True)
class Setting:
    """One setting: its name in code, JSON and links, its type and range, default and label.

    ``kind`` is int, float, bool or str; numbers lie in ``lo`` … ``hi`` (``lo_open``/``hi_open``
    exclude an end), names in ``choices``; ``optional`` settings may be None ("off").
    """

    name: str
    kind: type
    default: Any
    label: str
    path: str                       # where it lives in a scenario file: "network.seed"
    link: str                       # its key in a link
    lo: Optional[float] = None
    hi: Optional[float] = None
    lo_open: bool = False
    hi_open: bool = False
    choices: Optional[tuple] = None
    optional: bool = False
    _check: Callable = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.kind is bool:
            check = _boolean
        elif self.choices is not None:
            check = _choice(c for c in self.choices if c is not None)
        elif self.kind is int:
            check = _integer(int(self.lo), int(self.hi))
        else:
            check = _number(self.lo, self.hi, self.lo_open, self.hi_open)
        object.__setattr__(self, "_check", _optional(check) if self.optional else check)

    def check(self, value, name: Optional[str] = None):
        """The value, normalised (int for an int setting, float for a float one); ValueError otherwise.

        ``name`` names the field in the message (default: its JSON path).
        """
        if isinstance(value, np.generic):
            value = value.item()
        return self._check(value, self.path if name is None else name)

    def accepts(self, value) -> bool:
        try:
            self.check(value)
        except ValueError:
            return False
        return True

    @property
    def expected(self) -> str:
        """What the field takes, in words (for captions): "0 … 4,294,967,295"."""
        if self.kind is bool:
            return "on or off"
        if self.choices is not None:
            return "one of " + ", ".join("none" if c is None else c for c in self.choices)
        lo = "(" if self.lo_open else "["
        hi = ")" if self.hi_open else "]"
        if self.kind is int:
            return f"{int(self.lo):,} … {int(self.hi):,}"
        return f"{lo}{self.lo:g}, {self.hi:g}{hi}" + (" or none (off)" if self.optional else "")


def widget_label(name: str, note: str = "") -> str:
    """A widget's label: the setting's label in the table, with the page's own note in parentheses
    ("log scale", "random, seeded"), so a label changes in one line of the table for every page."""
    label = SETTINGS[name].label
    return f"{label} ({note})" if note else label


def _s(name, kind, default, label, path, link, **limits) -> Setting:
    return Setting(name, kind, default, label, path, link, **limits)


SETTINGS: Dict[str, Setting] = {s.name: s for s in (
    # network
    _s("activation", str, "relu", "Activation", "network.activation", "a", choices=tuple(ACTIVATIONS)),
    _s("output_activation", str, "sigmoid", "Output activation", "network.output_activation", "o",
       choices=tuple(OUTPUT_ACTIVATIONS)),
    _s("loss", str, "mse", "Loss", "network.loss", "loss", choices=tuple(LOSSES)),
    _s("init", str, "xavier_uniform", "Initializer", "network.init", "init", choices=tuple(INITIALIZERS)),
    _s("init_gain", float, 1.0, "Initial weight scale (× the initializer)", "network.init_gain", "gain",
       lo=0.0, hi=100.0, lo_open=True),
    _s("init_param", float, None, "Initializer parameter (std or limit)", "network.init_param", "ip",
       lo=-1000.0, hi=1000.0, optional=True),
    _s("seed", int, 0, "Seed", "network.seed", "seed", lo=0, hi=MAX_SEED),
    _s("residual", bool, False, "Residual (skip) connections", "network.residual", "res"),
    _s("norm", str, None, "Normalisation layer", "network.norm", "norm", choices=NORMS, optional=True),
    # training
    _s("lr", float, 0.1, "Learning rate α", "training.lr", "lr", lo=0.0, hi=10.0),
    _s("optimizer", str, "sgd", "Optimizer", "training.optimizer", "opt", choices=tuple(OPTIMIZERS)),
    _s("momentum", float, 0.9, "Momentum β", "training.momentum", "mom", lo=0.0, hi=1.0, hi_open=True),
    _s("beta1", float, 0.9, "Adam β₁", "training.beta1", "b1", lo=0.0, hi=1.0, hi_open=True),
    _s("beta2", float, 0.999, "Adam β₂", "training.beta2", "b2", lo=0.0, hi=1.0, hi_open=True),
    _s("eps", float, 1e-8, "Adam ε", "training.eps", "eps", lo=0.0, hi=1.0, lo_open=True),
    _s("clip_norm", float, None, "Gradient clipping ‖g‖ ≤ (global norm)", "training.clip_norm", "cn",
       lo=0.0, hi=1000.0, lo_open=True, optional=True),
    _s("clip_value", float, None, "Gradient clipping |g| ≤ (each value)", "training.clip_value", "cv",
       lo=0.0, hi=1e6, lo_open=True, optional=True),
    _s("l1", float, 0.0, "L1 rate λ₁", "training.l1", "l1", lo=0.0, hi=1.0),
    _s("l2", float, 0.0, "L2 rate λ₂", "training.l2", "l2", lo=0.0, hi=1.0),
    _s("batch_size", int, 32, "Batch size", "training.batch_size", "bs", lo=1, hi=512),
    # data
    _s("n_samples", int, 200, "Points", "data.n_samples", "n", lo=MIN_SAMPLES, hi=MAX_SAMPLES),
    _s("noise", float, 0.0, "Noise", "data.noise", "noise", lo=0.0, hi=1.0),
    _s("test_ratio", float, 0.5, "Test fraction (held out)", "data.test_ratio", "test", lo=0.0, hi=0.9),
    _s("n_classes", int, 3, "Classes", "data.n_classes", "k", lo=3, hi=MAX_CLASSES),
    _s("data_seed", int, 0, "Data seed", "data.data_seed", "dseed", lo=0, hi=MAX_SEED),
    # view
    _s("step", int, 0, "Step", "view.step", "step", lo=0, hi=10**7),
    _s("presenter", bool, False, "Presenter mode", "view.presenter", "present"),
    _s("quiz", bool, False, "Quiz", "view.quiz", "quiz"),
    # the gradient lab (its network inputs → width × depth → 1 is network.sizes in a file)
    _s("depth", int, 20, "Hidden layers (depth)", "network.sizes", "s", lo=1, hi=50),
    _s("width", int, 32, "Units per hidden layer (width)", "network.sizes", "s", lo=1, hi=64),
    _s("inputs", int, 4, "Inputs", "network.sizes", "s", lo=1, hi=64),
    _s("target", str, "sign", "Target", "view.options.target", "v.target", choices=TARGETS),
    _s("steps", int, 100, "Training steps", "view.options.steps", "v.steps", lo=1, hi=MAX_STEPS),
    _s("matched_init", bool, False, "Init matched to the activation", "view.options.matched_init",
       "v.matched_init"),
    # the playground
    _s("epoch_limit", int, 1000, "Stop at epoch", "view.options.epoch_limit", "v.epoch_limit", lo=1, hi=10_000),
    _s("show_test", bool, True, "Show test points", "view.options.show_test", "v.show_test"),
    _s("discretize", bool, False, "Discretize output", "view.options.discretize", "v.discretize"),
    _s("edge_mode", str, "weight", "Colour edges by", "view.options.edge_mode", "v.edge_mode",
       choices=EDGE_MODES),
)}
