"""Overflow is a state (finite=False, no exception, no warning, no update); bad arguments raise a
ValueError that names the argument."""
import re
import warnings

import numpy as np
import pytest

from engine import Network, gradient_check


@pytest.mark.parametrize("activation", ["relu", "linear", "elu", "leaky_relu", "tanh", "sigmoid", "softplus", "silu"])
@pytest.mark.parametrize("options", [{}, {"norm": "batch"}, {"norm": "layer", "residual": True},
                                     {"optimizer": "adam"}])
def test_huge_weights_diverge_quietly_and_step_skips_the_update(activation, options):
    net = Network([2] + [8] * 6 + [1], activation=activation, output_activation="linear", init="normal",
                  init_param=1.0, init_gain=1e200, seed=1, **options)
    before = [p.copy() for p in net.parameters()]
    X = np.random.default_rng(2).normal(0.0, 1e3, size=(4, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = net.step(X, np.zeros((4, 1)), lr=0.1)
        p = net.predict(X)
    assert r.finite is False
    assert r.update_W is None and r.grad_norm is None
    for a, b in zip(net.parameters(), before):
        assert np.array_equal(a, b)
    assert p.shape == (4, 1)


def test_finite_pass_is_marked_finite():
    r = Network([2, 3, 1]).backward([[0.1, 0.2]], [[1.0]])
    assert r.finite is True


def test_training_into_divergence_keeps_the_last_finite_state():
    net = Network([1, 4, 1], activation="linear", output_activation="linear", init_gain=3.0, seed=2)
    X, Y = np.array([[3.0], [-2.0]]), np.array([[1.0], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for step in range(2000):
            r = net.step(X, Y, lr=5.0)
            if not r.finite:
                break
    assert not r.finite, "a learning rate of 5 must diverge"
    assert all(np.isfinite(p).all() for p in net.parameters())


BAD_NETWORKS = [
    ({"sizes": [2, 0, 1]}, "sizes[1]"),
    ({"sizes": [2]}, "sizes"),
    ({"sizes": [2, -3, 1]}, "sizes[1]"),
    ({"sizes": "abc"}, "sizes"),
    ({"activation": "swish"}, "activation"),
    ({"activation": ["relu", "tanh"]}, "activation"),
    ({"output_activation": "softmax"}, "output_activation"),
    ({"output_activation": "relu", "loss": "bce"}, "loss"),
    ({"output_activation": "sigmoid", "loss": "cross_entropy"}, "loss"),
    ({"loss": "hinge"}, "loss"),
    ({"init": "orthogonal"}, "init"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"init_gain": -1.0}, "init_gain"),
    ({"l2": float("nan")}, "l2"),
    ({"clip_norm": 0.0}, "clip_norm"),
    ({"clip_value": -1.0}, "clip_value"),
    ({"norm": "group"}, "norm"),
    ({"residual": "yes"}, "residual"),
]


@pytest.mark.parametrize("kwargs, argument", BAD_NETWORKS, ids=[a for _, a in BAD_NETWORKS])
def test_bad_network_arguments_name_the_argument(kwargs, argument):
    options = {"sizes": [2, 3, 1], **kwargs}
    with pytest.raises(ValueError, match="^" + re.escape(argument) + ": "):
        Network(**options)


BAD_BATCHES = [
    (np.zeros((4, 3)), np.zeros((4, 1)), "X", r"\(batch, 2\)"),
    (np.zeros((0, 2)), np.zeros((0, 1)), "X", "batch ≥ 1"),
    (np.array([[np.nan, 0.0]]), np.zeros((1, 1)), "X", "finite"),
    (np.array([[np.inf, 0.0]]), np.zeros((1, 1)), "X", "finite"),
    (np.zeros((4, 2)), np.zeros((3, 1)), "Y", r"\(4, 1\)"),
    (np.zeros((1, 2)), np.array([[np.nan]]), "Y", "finite"),
]


@pytest.mark.parametrize("X, Y, argument, expected", BAD_BATCHES)
def test_bad_batches_name_the_argument_and_the_expected_shape(X, Y, argument, expected):
    net = Network([2, 3, 1])
    before = [p.copy() for p in net.parameters()]
    with pytest.raises(ValueError, match=rf"^{argument}: .*{expected}"):
        net.step(X, Y, lr=0.1)
    for a, b in zip(net.parameters(), before):
        assert np.array_equal(a, b)


def test_bad_class_labels():
    net = Network([2, 3, 3], output_activation="softmax", loss="cross_entropy")
    with pytest.raises(ValueError, match=r"^Y: class labels must be integers in 0…2"):
        net.backward(np.zeros((2, 2)), [0, 3])
    with pytest.raises(ValueError, match=r"^Y: class labels"):
        net.backward(np.zeros((2, 2)), [0.5, 1])


@pytest.mark.parametrize("lr", [-0.1, float("nan"), float("inf")])
def test_bad_learning_rate(lr):
    with pytest.raises(ValueError, match=r"^lr: expected a finite learning rate"):
        Network([2, 3, 1]).step([[0.0, 0.0]], [[0.0]], lr)


def test_set_parameters_checks_shapes_and_values():
    net = Network([2, 3, 1], norm="layer")
    with pytest.raises(ValueError, match=r"^weights\[0\]: expected shape \(3, 2\)"):
        net.set_parameters([np.zeros((2, 3)), np.zeros((1, 3))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match=r"^biases\[1\]: expected finite numbers"):
        net.set_parameters([np.zeros((3, 2)), np.zeros((1, 3))], [np.zeros(3), np.array([np.nan])])
    with pytest.raises(ValueError, match=r"^gammas: expected 1 arrays"):
        net.set_parameters([np.zeros((3, 2)), np.zeros((1, 3))], [np.zeros(3), np.zeros(1)], gammas=[])
    net.set_parameters([np.ones((3, 2)), np.ones((1, 3))], [np.zeros(3), np.zeros(1)],
                       gammas=[np.full(3, 2.0)], betas=[np.full(3, 0.5)])
    assert net.gammas[0].tolist() == [2.0, 2.0, 2.0] and net.betas[0].tolist() == [0.5, 0.5, 0.5]


def test_gradient_check_arguments():
    net = Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"^eps: "):
        gradient_check(net, [[0.0, 0.0]], [[0.0]], eps=0.0)
    with pytest.raises(ValueError, match=r"^max_entries: "):
        gradient_check(net, [[0.0, 0.0]], [[0.0]], max_entries=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("output, loss", [("linear", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy"),
                                          ("tanh", "mse")])
@pytest.mark.parametrize("method", ["backward", "step"])
def test_non_finite_targets_raise_for_every_loss(bad, output, loss, method):
    net = Network([2, 3, 2], activation="tanh", output_activation=output, loss=loss, seed=1)
    Y = np.array([[0.0, 1.0], [1.0, bad]])
    before = [p.copy() for p in net.parameters()]
    args = (np.array([[0.5, 0.1], [0.2, 0.3]]), Y) + ((0.1,) if method == "step" else ())
    with pytest.raises(ValueError, match=r"^Y: expected finite numbers"):
        getattr(net, method)(*args)
    for a, b in zip(net.parameters(), before):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_non_finite_inputs_raise_even_where_an_activation_would_saturate(bad, activation):
    net = Network([2, 3, 1], activation=activation, seed=1)
    with pytest.raises(ValueError, match=r"^X: expected finite numbers"):
        net.backward(np.array([[bad, 0.0]]), [[1.0]])
