"""Residual connections and batch / layer normalisation: forward by hand, backward by finite differences."""
import numpy as np
import pytest

from engine import Network, gradient_check
from engine.network import NORM_EPS
from tests.helpers import assert_close


def _randomised(net, seed=1):
    """Move biases, γ and β off their initial values so every term of the backward pass matters."""
    rng = np.random.default_rng(seed)
    for b in net.biases:
        b[:] = rng.normal(0.0, 0.3, b.shape)
    for g in net.gammas:
        g[:] = rng.uniform(0.5, 1.5, g.shape)
    for b in net.betas:
        b[:] = rng.normal(0.0, 0.3, b.shape)
    return net


def _batch(sizes, n=6, seed=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, sizes[0])), rng.uniform(size=(n, sizes[-1]))


def test_residual_layers_are_exactly_the_equal_width_hidden_to_hidden_ones():
    # weight layers: 0: 3→4 (from the input), 1: 4→4, 2: 4→5, 3: 5→5, 4: 5→5 (to the output)
    net = Network([3, 4, 4, 5, 5, 5], residual=True)
    assert net.residual_layers == (1, 3)
    assert Network([4, 4, 4, 4], residual=True).residual_layers == (1,)
    assert Network([3, 4, 4, 5, 5, 5]).residual_layers == ()


def test_residual_forward_adds_the_previous_activation():
    net = _randomised(Network([2, 3, 3, 1], activation="tanh", residual=True, seed=4))
    X, _ = _batch(net.sizes)
    z, a = net.forward(X)
    assert_close("a1", a[1], np.tanh(X @ net.weights[0].T + net.biases[0]))
    assert_close("a2 = tanh(z2) + a1", a[2], np.tanh(a[1] @ net.weights[1].T + net.biases[1]) + a[1])


@pytest.mark.parametrize("norm, axis", [("batch", 0), ("layer", 1)])
def test_normalised_forward_matches_the_formula(norm, axis):
    net = _randomised(Network([2, 4, 3], activation="relu", norm=norm, seed=5))
    X, _ = _batch(net.sizes)
    r = net.backward(X, _batch(net.sizes)[1])
    z = X @ net.weights[0].T + net.biases[0]
    m, v = z.mean(axis=axis, keepdims=True), z.var(axis=axis, keepdims=True)
    z_hat = (z - m) / np.sqrt(v + NORM_EPS)
    u = net.gammas[0] * z_hat + net.betas[0]
    assert_close("z", r.z[0], z)
    assert_close("z_hat", r.extras["z_hat"][0], z_hat)
    assert_close("u", r.extras["u"][0], u)
    assert_close("a1 = relu(u)", r.a[1], np.maximum(u, 0.0))
    assert r.extras["z_hat"][1] is None, "the output layer is never normalised"


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "elu", "silu"])
def test_gradient_check_with_residual_and_norm(norm, residual, activation):
    net = _randomised(Network([3, 4, 4, 4, 2], activation=activation, norm=norm, residual=residual,
                              l1=0.01, l2=0.1, seed=3))
    X, Y = _batch(net.sizes)
    check = gradient_check(net, X, Y)
    assert check.checked == net.n_params
    assert check.ok, f"max relative error {check.max_rel_error:.2e} at {check.worst}"


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_gamma_beta_are_parameters_that_step_updates(norm):
    net = _randomised(Network([2, 3, 3, 1], norm=norm, seed=6))
    X, Y = _batch(net.sizes)
    assert len(net.parameters()) == 2 * 3 + 2 * 2
    before = [g.copy() for g in net.gammas] + [b.copy() for b in net.betas]
    r = net.step(X, Y, lr=0.5)
    for l in range(2):
        assert_close(f"gamma{l} after step", net.gammas[l], before[l] - 0.5 * r.dgamma[l])
        assert_close(f"beta{l} after step", net.betas[l], before[2 + l] - 0.5 * r.dbeta[l])
        assert_close(f"update_gamma[{l}]", r.update_gamma[l], -0.5 * r.dgamma[l])


def test_batch_norm_cancels_the_bias_gradient():
    net = _randomised(Network([2, 5, 1], norm="batch", seed=7))
    X, Y = _batch(net.sizes)
    r = net.backward(X, Y)
    assert np.abs(r.db[0]).max() < 1e-12
    assert np.abs(r.dW[0]).max() > 1e-4


def test_batch_norm_running_statistics_follow_the_batches():
    net = Network([2, 3, 1], norm="batch", seed=8)
    X, Y = _batch(net.sizes, n=16)
    r = net.step(X, Y, lr=0.0)
    z = r.z[0]
    assert_close("running mean", net.running_mean[0], 0.1 * z.mean(axis=0))
    assert_close("running var", net.running_var[0], 0.9 + 0.1 * z.var(axis=0))
    one = net.predict(X[:1])
    assert_close("predict uses running stats, row by row", one, net.predict(X)[:1])
