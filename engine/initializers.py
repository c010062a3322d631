"""Weight initializers keyed by the UI's names; every draw comes from the generator passed in.

Each entry is ``Initializer(draw, param, doc)``: ``draw(rng, fan_out, fan_in, param) -> W`` of shape
(fan_out, fan_in). ``param`` is the value for ``constant``, the std for ``normal`` and the limit for
``uniform`` (others ignore it). The network multiplies the draw by a ``gain``: that is how the
exploding- and vanishing-gradient demos are made. Biases start at zero.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Initializer:
    name: str
    draw: Callable[[np.random.Generator, int, int, float], np.ndarray]
    param: float
    doc: str



INITIALIZERS = {
    "zeros": Initializer("zeros", lambda rng, o, i, p: np.zeros((o, i)), 0.0, "W = 0"),
    "constant": Initializer("constant", lambda rng, o, i, p: np.full((o, i), float(p)), 0.1, "W = c"),
    "normal": Initializer("normal", lambda rng, o, i, p: rng.normal(0.0, p, (o, i)), 0.1, "W ~ N(0, std²)"),
    "uniform": Initializer("uniform", lambda rng, o, i, p: rng.uniform(-p, p, (o, i)), 0.5, "W ~ U(−limit, limit)"),
    "xavier_uniform": Initializer(
        "xavier_uniform", lambda rng, o, i, p: rng.uniform(-1, 1, (o, i)) * np.sqrt(6.0 / (i + o)), 0.0,
        "W ~ U(±√(6/(fan_in+fan_out)))"),
    "xavier_normal": Initializer(
        "xavier_normal", lambda rng, o, i, p: rng.normal(0.0, np.sqrt(2.0 / (i + o)), (o, i)), 0.0,
        "W ~ N(0, 2/(fan_in+fan_out))"),
    "he_uniform": Initializer(
        "he_uniform", lambda rng, o, i, p: rng.uniform(-1, 1, (o, i)) * np.sqrt(6.0 / i), 0.0,
        "W ~ U(±√(6/fan_in))"),
    "he_normal": Initializer(
        "he_normal", lambda rng, o, i, p: rng.normal(0.0, np.sqrt(2.0 / i), (o, i)), 0.0, "W ~ N(0, 2/fan_in)"),
    "lecun_normal": Initializer(
        "lecun_normal", lambda rng, o, i, p: rng.normal(0.0, np.sqrt(1.0 / i), (o, i)), 0.0, "W ~ N(0, 1/fan_in)"),
}
