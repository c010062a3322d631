"""The step-through page's settings: one frozen record, its limits, presets and the network it builds.

Pure (no Streamlit): the page, save/load and shared links all go through ``StepConfig.to_dict`` /
``StepConfig.from_dict``. Fields in ``LIVE_FIELDS`` (learning rate, inputs, targets) can change without
resetting the run; any other change is structural: fresh weights, back to step 1.
"""
from dataclasses import asdict, dataclass, fields, replace
from typing import Optional, Tuple

import numpy as np

from engine import ACTIVATIONS, INITIALIZERS, LOSSES, OUTPUT_ACTIVATIONS, Network
from engine.ids import parse_id
from engine.scenario import parse_hidden as _parse_hidden
from engine.settings import SETTINGS

MAX_INPUTS = 8
MAX_OUTPUTS = 8
MAX_HIDDEN_LAYERS = 20
MAX_UNITS = 32
MAX_SLIDER_PARAMS = 20          # every weight and bias gets a slider up to this many parameters
INPUT_RANGE = 5.0               # x and (non-sigmoid) y sliders: −5 … 5
WEIGHT_RANGE = 5.0              # weight and bias sliders: −5 … 5 (wider when a value lies outside)
LR_CHOICES = tuple(float(f"{m}e{e}") for e in range(-4, 1) for m in (1, 2, 5)) + (10.0,)
GAIN_CHOICES = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
LIVE_FIELDS = ("lr", "x", "y")


@dataclass(frozen=True)
class StepConfig:
    """Everything that defines what the page shows, apart from weights the student moved."""

    n_inputs: int = 2
    hidden: Tuple[int, ...] = (3,)
    n_outputs: int = 1
    activations: Tuple[str, ...] = ("tanh",)
    output_activation: str = "sigmoid"
    loss: str = "mse"
    init: str = "xavier_uniform"
    init_gain: float = 1.0
    seed: int = 0
    lr: float = 0.5
    x: Tuple[float, ...] = (1.0, -0.5)
    y: Tuple[float, ...] = (1.0,)
    preset: str = ""              # "textbook": fixed weights instead of a draw

    @property
    def sizes(self) -> Tuple[int, ...]:
        return (self.n_inputs, *self.hidden, self.n_outputs)

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("hidden", "activations", "x", "y"):
            d[key] = list(d[key])
        return d

    @classmethod
    def from_dict(cls, data: dict) -> "StepConfig":
        """Build and validate a config from plain data (JSON, query parameters); unknown keys are refused."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"config: unknown field(s) {', '.join(sorted(unknown))}")
        d = dict(data)
        try:
            for key in ("n_inputs", "n_outputs", "seed"):
                if key in d:
                    d[key] = int(d[key])
            for key in ("init_gain", "lr"):
                if key in d:
                    d[key] = float(d[key])
            for key, cast in (("hidden", int), ("activations", str), ("x", float), ("y", float)):
                if key in d:
                    d[key] = tuple(cast(v) for v in d[key])
        except (TypeError, ValueError) as e:
            raise ValueError(f"config: {e}") from None
        return validate(cls(**d))


def validate(cfg: StepConfig) -> StepConfig:
    """Return ``cfg`` if it is within the page's limits, else raise ValueError naming the field."""
    if not 1 <= cfg.n_inputs <= MAX_INPUTS:
        raise ValueError(f"Inputs: expected 1 … {MAX_INPUTS}, got {cfg.n_inputs}")
    if not 1 <= cfg.n_outputs <= MAX_OUTPUTS:
        raise ValueError(f"Outputs: expected 1 … {MAX_OUTPUTS}, got {cfg.n_outputs}")
    if len(cfg.hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"Hidden layer sizes: expected at most {MAX_HIDDEN_LAYERS} layers, got {len(cfg.hidden)}")
    for i, n in enumerate(cfg.hidden):
        if not 1 <= n <= MAX_UNITS:
            raise ValueError(f"Hidden layer sizes: layer {i + 1} must have 1 … {MAX_UNITS} units, got {n}")
    if len(cfg.activations) != len(cfg.hidden):
        raise ValueError(f"Activations: expected one per hidden layer ({len(cfg.hidden)}), got {len(cfg.activations)}")
    for name in cfg.activations:
        if name not in ACTIVATIONS:
            raise ValueError(f"Activations: unknown {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    if cfg.output_activation not in output_choices(cfg.n_outputs):
        raise ValueError(f"Output activation: {cfg.output_activation!r} is not offered for {cfg.n_outputs} "
                         f"output(s); expected one of {', '.join(output_choices(cfg.n_outputs))}")
    if cfg.loss not in loss_choices(cfg.output_activation):
        raise ValueError(f"Loss: {cfg.loss!r} does not fit a {cfg.output_activation} output; "
                         f"expected one of {', '.join(loss_choices(cfg.output_activation))}")
    if cfg.init not in INITIALIZERS:
        raise ValueError(f"Initializer: unknown {cfg.init!r}; expected one of {', '.join(INITIALIZERS)}")
    for name in ("init_gain", "seed", "lr"):     # named as their widgets are
        SETTINGS[name].check(getattr(cfg, name), SETTINGS[name].label)
    if len(cfg.x) != cfg.n_inputs or not all(np.isfinite(cfg.x)):
        raise ValueError(f"Inputs x: expected {cfg.n_inputs} finite numbers, got {cfg.x}")
    if len(cfg.y) != cfg.n_outputs or not all(np.isfinite(cfg.y)):
        raise ValueError(f"Targets y: expected {cfg.n_outputs} finite numbers, got {cfg.y}")
    if cfg.output_activation == "softmax" and sorted(cfg.y) != [0.0] * (cfg.n_outputs - 1) + [1.0]:
        raise ValueError("Targets y: a softmax output needs a one-hot target (one class set to 1)")
    return cfg


def output_choices(n_outputs: int) -> Tuple[str, ...]:
    """Output activations offered: softmax only with at least 2 outputs."""
    return tuple(name for name in OUTPUT_ACTIVATIONS if name != "softmax" or n_outputs >= 2)


def loss_choices(output_activation: str) -> Tuple[str, ...]:
    """Losses that fit the output activation (bce needs sigmoid, cross-entropy softmax)."""
    return tuple(name for name, loss in LOSSES.items() if loss.output in (None, output_activation))


def parse_hidden(text: str) -> Tuple[int, ...]:
    """'3, 2' → (3, 2); '' → (). Raises ValueError with a message for the student."""
    return _parse_hidden(text, MAX_HIDDEN_LAYERS, MAX_UNITS, "Hidden layer sizes")


def with_architecture(cfg: StepConfig, **changes) -> StepConfig:
    """A structural change, keeping the other settings and fixing what no longer fits (x, y, losses)."""
    new = replace(cfg, preset="", **changes)
    acts = tuple(new.activations[:len(new.hidden)]) + (new.activations[-1:] or ("tanh",)) * (
        len(new.hidden) - len(new.activations))
    out = new.output_activation if new.output_activation in output_choices(new.n_outputs) else "sigmoid"
    loss = new.loss if new.loss in loss_choices(out) else loss_choices(out)[0]
    x = tuple(new.x[:new.n_inputs]) + (0.5,) * (new.n_inputs - len(new.x))
    y = tuple(new.y[:new.n_outputs]) + (0.0,) * (new.n_outputs - len(new.y))
    if out == "softmax" and sorted(y) != [0.0] * (new.n_outputs - 1) + [1.0]:
        y = (1.0,) + (0.0,) * (new.n_outputs - 1)
    return validate(replace(new, activations=acts, output_activation=out, loss=loss, x=x, y=y))


def is_structural(old: StepConfig, new: StepConfig) -> bool:
    return any(getattr(old, f.name) != getattr(new, f.name) for f in fields(StepConfig) if f.name not in LIVE_FIELDS)


def make_network(cfg: StepConfig) -> Network:
    """The engine network of ``cfg`` with its initial weights (the preset's, or drawn from the seed)."""
    net = Network(cfg.sizes, activation=list(cfg.activations), output_activation=cfg.output_activation,
                  loss=cfg.loss, init=cfg.init, init_gain=cfg.init_gain, seed=cfg.seed)
    if cfg.preset == "textbook":
        net.set_parameters([[[0.5]], [[0.8]]], [[0.1], [0.2]])
    return net


DEFAULT = StepConfig()
# The worked example of the engine issue: x = 2, y = 1; ReLU neuron W1 = 0.5, b1 = 0.1; sigmoid neuron
# W2 = 0.8, b2 = 0.2; MSE; α = 0.1.  ŷ = 0.7465, L = 0.0643, ∂L/∂W2 = −0.1055, ∂L/∂W1 = −0.1535.
TEXTBOOK = StepConfig(n_inputs=1, hidden=(1,), n_outputs=1, activations=("relu",), output_activation="sigmoid",
                      loss="mse", init="constant", init_gain=1.0, seed=0, lr=0.1, x=(2.0,), y=(1.0,),
                      preset="textbook")
PRESETS = {"Default network (2 → 3 → 1)": DEFAULT, "Textbook example (x = 2, y = 1)": TEXTBOOK}


def param_value(weights, biases, pid: str) -> float:
    """Value of a weight "W{l}:{j}:{k}" or bias "b{l}:{j}"."""
    kind, l, *rest = parse_id(pid)
    return float(weights[l][tuple(rest)] if kind == "weight" else biases[l][rest[0]])


def params_of(sizes, item: Optional[str]) -> list:
    """The parameter ids a slider panel shows for a selected node, weight or bias."""
    if not item:
        return []
    kind, l, j, *_ = parse_id(item)
    if kind != "node":
        return [item]
    if l == 0:
        return []
    return [f"W{l - 1}:{j}:{k}" for k in range(sizes[l - 1])] + [f"b{l - 1}:{j}"]


def all_params(sizes) -> list:
    return [pid for l in range(len(sizes) - 1) for j in range(sizes[l + 1])
            for pid in [f"W{l}:{j}:{k}" for k in range(sizes[l])] + [f"b{l}:{j}"]]
