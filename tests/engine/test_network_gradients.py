"""Whole-network gradient check for every hidden activation × (output activation, loss), with and
without the L1/L2 penalty, plus the loss conventions written in engine/losses.py."""
import warnings

import numpy as np
import pytest

from engine import ACTIVATIONS, LOSSES, OUTPUT_ACTIVATIONS, Network, gradient_check
from tests.helpers import assert_close

HEADS = [(out, "mse") for out in sorted(OUTPUT_ACTIVATIONS)] + [("sigmoid", "bce"), ("softmax", "cross_entropy")]


def _targets(loss, rng, n, k):
    if loss == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, n)]
    return rng.uniform(0.05, 0.95, size=(n, k))


def _net(hidden, output, loss, **options):
    net = Network([3, 4, 3, 2], activation=hidden, output_activation=output, loss=loss,
                  init="xavier_normal", init_gain=1.5, seed=11, **options)
    rng = np.random.default_rng(12)
    for b in net.biases:
        b[:] = rng.normal(0.0, 0.2, b.shape)
    return net


def test_every_valid_combination_is_covered():
    assert {loss for _, loss in HEADS} == set(LOSSES)
    assert {out for out, _ in HEADS} == set(OUTPUT_ACTIVATIONS)


@pytest.mark.parametrize("penalty", [{}, {"l1": 0.02, "l2": 0.3}], ids=["no-penalty", "l1+l2"])
@pytest.mark.parametrize("output, loss", HEADS, ids=[f"{o}-{l}" for o, l in HEADS])
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_gradient_check(hidden, output, loss, penalty):
    net = _net(hidden, output, loss, **penalty)
    rng = np.random.default_rng(13)
    X = rng.normal(size=(5, 3))
    Y = _targets(loss, rng, 5, 2)
    check = gradient_check(net, X, Y)
    assert check.checked == net.n_params == 4 * 3 + 4 + 3 * 4 + 3 + 2 * 3 + 2
    assert check.ok, f"max relative error {check.max_rel_error:.2e} at {check.worst}"


def test_gradient_check_mixed_activations_per_layer():
    net = Network([2, 5, 4, 3, 1], activation=["tanh", "relu", "silu"], output_activation="linear", seed=3)
    rng = np.random.default_rng(4)
    check = gradient_check(net, rng.normal(size=(7, 2)), rng.normal(size=(7, 1)))
    assert check.ok, f"max relative error {check.max_rel_error:.2e} at {check.worst}"


def test_mse_convention_sum_over_outputs_mean_over_batch():
    net = Network([2, 3, 2], output_activation="linear", seed=5)
    X = np.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 0.1]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    r = net.backward(X, Y)
    want = np.mean(np.sum((r.a[-1] - Y) ** 2, axis=1))
    assert_close("mse", r.loss, want)
    assert_close("∂L/∂ŷ = 2(ŷ − y)", r.dL_dyhat, 2 * (r.a[-1] - Y))
    assert_close("sample_loss", r.sample_loss, np.sum((r.a[-1] - Y) ** 2, axis=1))


def test_bce_is_stable_when_the_output_saturates():
    net = Network([1, 1], activation=[], output_activation="sigmoid", loss="bce")
    net.weights[0][:] = 1.0
    X = np.array([[60.0], [-60.0], [0.0]])
    Y = np.array([[0.0], [1.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = net.backward(X, Y)
    # −ln(1 − σ(60)) = softplus(60) ≈ 60; −ln σ(−60) ≈ 60; −ln σ(0) = ln 2
    assert_close("bce per sample", r.sample_loss, [60.0 + np.log1p(np.exp(-60.0)), 60.0 + np.log1p(np.exp(-60.0)),
                                                     np.log(2.0)])
    assert_close("δ = ŷ − y", r.delta[-1], r.a[-1] - Y)
    assert r.finite


def test_cross_entropy_with_integer_labels_equals_one_hot():
    net = Network([2, 4, 3], output_activation="softmax", loss="cross_entropy", seed=6)
    X = np.array([[0.1, 0.2], [1.0, -1.0], [0.3, 0.9], [-2.0, 0.5]])
    labels = np.array([0, 2, 1, 2])
    r1, r2 = net.backward(X, labels), net.backward(X, np.eye(3)[labels])
    assert_close("loss", r1.loss, r2.loss)
    assert_close("loss = mean −ln ŷ_label", r1.loss, -np.mean(np.log(r1.a[-1][np.arange(4), labels])))
    assert_close("δ = ŷ − y", r1.delta[-1], r1.a[-1] - np.eye(3)[labels])


def test_penalty_is_added_to_loss_and_weight_gradients_only():
    plain = Network([2, 3, 1], seed=7)
    pen = Network([2, 3, 1], seed=7, l1=0.1, l2=0.5)
    X, Y = np.array([[0.3, -0.4]]), np.array([[0.8]])
    r0, r = plain.backward(X, Y), pen.backward(X, Y)
    W = pen.weights
    extra = sum(0.1 * np.abs(w).sum() + 0.25 * (w * w).sum() for w in W)
    assert_close("loss", r.loss, r0.loss + extra)
    assert_close("data_loss", r.data_loss, r0.data_loss)
    for l in range(2):
        assert_close(f"dW{l}", r.dW[l], r0.dW[l] + 0.1 * np.sign(W[l]) + 0.5 * W[l])
        assert_close(f"db{l}", r.db[l], r0.db[l])


def test_batch_gradient_is_the_mean_of_single_sample_gradients():
    net = Network([3, 5, 2], activation="tanh", output_activation="linear", seed=8)
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    r = net.backward(X, Y)
    singles = [net.backward(X[i], Y[i]) for i in range(4)]
    for l in range(2):
        assert_close(f"dW{l}", r.dW[l], np.mean([s.dW[l] for s in singles], axis=0))
        assert_close(f"db{l}", r.db[l], np.mean([s.db[l] for s in singles], axis=0))
        assert_close(f"delta{l} rows", r.delta[l], np.concatenate([s.delta[l] for s in singles]))


def test_value_and_grad_equals_the_separate_functions():
    rng = np.random.default_rng(10)
    z = rng.normal(size=(4, 3))
    y = np.eye(3)[[0, 2, 1, 1]]
    for name, loss in LOSSES.items():
        a = OUTPUT_ACTIVATIONS[loss.output or "sigmoid"].f(z)
        value, grad = loss.value_and_grad(a, z, y)
        assert_close(f"{name} per-sample loss", value, loss.per_sample(a, z, y))
        assert_close(f"{name} ∂L/∂ŷ", grad, loss.grad(a, y))
