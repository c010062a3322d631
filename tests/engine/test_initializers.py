"""Initializers: names, seeds, the gain multiplier, and the spread each one promises."""
import numpy as np
import pytest

from engine import INITIALIZERS, Network

EXPECTED = {"zeros", "constant", "normal", "uniform", "xavier_uniform", "xavier_normal", "he_uniform",
            "he_normal", "lecun_normal"}


def test_the_names_of_the_issue():
    assert set(INITIALIZERS) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_same_seed_same_weights_and_gain_multiplies(name):
    a = Network([30, 40, 2], init=name, seed=5)
    b = Network([30, 40, 2], init=name, seed=5)
    c = Network([30, 40, 2], init=name, seed=5, init_gain=3.0)
    for wa, wb, wc in zip(a.weights, b.weights, c.weights):
        assert np.array_equal(wa, wb)
        assert np.allclose(wc, 3.0 * wa, rtol=1e-15, atol=0)
        assert wa.dtype == np.float64
    assert all((b == 0).all() for b in a.biases)


def test_different_seeds_differ():
    assert not np.array_equal(Network([5, 5, 1], seed=1).weights[0], Network([5, 5, 1], seed=2).weights[0])


# fan_in = 400, fan_out = 300: the standard deviation each initializer promises
SPREADS = {
    "xavier_uniform": np.sqrt(2.0 / 700), "xavier_normal": np.sqrt(2.0 / 700),
    "he_uniform": np.sqrt(2.0 / 400), "he_normal": np.sqrt(2.0 / 400), "lecun_normal": np.sqrt(1.0 / 400),
    "normal": 0.1, "uniform": 0.5 / np.sqrt(3.0),
}


@pytest.mark.parametrize("name, std", sorted(SPREADS.items()))
def test_standard_deviation(name, std):
    W = Network([400, 300, 1], init=name, seed=0).weights[0]
    assert W.shape == (300, 400)
    assert abs(W.std() / std - 1) < 0.02, f"{name}: std {W.std():.4g}, expected {std:.4g}"
    assert abs(W.mean()) < 0.01


def test_constant_zeros_and_init_param():
    assert (Network([3, 2, 1], init="zeros").weights[0] == 0).all()
    assert (Network([3, 2, 1], init="constant").weights[0] == 0.1).all()
    assert (Network([3, 2, 1], init="constant", init_param=0.7).weights[0] == 0.7).all()
    W = Network([300, 300, 1], init="uniform", init_param=2.0, seed=1).weights[0]
    assert W.min() >= -2.0 and W.max() <= 2.0 and W.max() > 1.9
