"""Optimizers and clipping against hand-worked updates.

The network is one linear neuron, ŷ = w x + b, MSE: L = (ŷ − y)², ∂L/∂w = 2(ŷ − y) x, ∂L/∂b = 2(ŷ − y).
With x = 1, y = 0, w = 1, b = 0: ŷ = 1 and both gradients are 2 at the first step.
"""
import numpy as np
import pytest

from engine import Network
from tests.helpers import assert_close


def _neuron(**options):
    net = Network([1, 1], activation=[], output_activation="linear", loss="mse", **options)
    net.weights[0][:] = 1.0
    net.biases[0][:] = 0.0
    return net


def _wb(net):
    return net.weights[0].item(), net.biases[0].item()


def test_gradient_descent():
    net = _neuron()
    r = net.step(1.0, 0.0, lr=0.1)
    assert_close("w, b", _wb(net), (0.8, -0.2))       # 1 − 0.1·2, 0 − 0.1·2
    assert_close("update_W", r.update_W[0], [[-0.2]])
    assert_close("grad_norm", r.grad_norm, np.sqrt(8.0))  # √(2² + 2²)
    assert not r.clipped


def test_momentum_two_steps():
    net = _neuron(optimizer="momentum", momentum=0.9)
    net.step(1.0, 0.0, lr=0.1)
    # v₁ = −0.1·2 = −0.2  →  w = 0.8, b = −0.2
    assert_close("step 1", _wb(net), (0.8, -0.2))
    r = net.step(1.0, 0.0, lr=0.1)
    # ŷ = 0.8 − 0.2 = 0.6, g = 1.2;  v₂ = 0.9·(−0.2) − 0.1·1.2 = −0.30  →  w = 0.5, b = −0.5
    assert_close("step 2", _wb(net), (0.5, -0.5))
    assert_close("update_b", r.update_b[0], [-0.3])


def test_adam_two_steps():
    net = _neuron(optimizer="adam", beta1=0.9, beta2=0.999, eps=1e-8)
    net.step(1.0, 0.0, lr=0.1)
    # m = 0.1·2 = 0.2, v = 0.001·4 = 0.004; m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4
    # step = −0.1 · 2 / (√4 + 1e-8) = −0.0999999995
    assert_close("step 1", _wb(net), (1 - 0.0999999995, -0.0999999995))
    net.step(1.0, 0.0, lr=0.1)
    # ŷ = 0.9 − 0.1 = 0.8, g = 1.6; m = 0.9·0.2 + 0.1·1.6 = 0.34; v = 0.999·0.004 + 0.001·2.56 = 0.006556
    # m̂ = 0.34/0.19 = 1.7894737; v̂ = 0.006556/0.001999 = 3.2796398; step = −0.1·1.7894737/1.8109779 = −0.0988126
    assert_close("step 2", _wb(net), (0.9000000005 - 0.0988125799, -0.0999999995 - 0.0988125799), rtol=1e-9)


def test_clip_by_value():
    net = _neuron(clip_value=0.5)
    r = net.step(1.0, 0.0, lr=0.1)
    assert_close("w, b", _wb(net), (0.95, -0.05))     # gradients 2 → 0.5
    assert r.clipped
    assert_close("grad_norm is before clipping", r.grad_norm, np.sqrt(8.0))
    assert_close("dW keeps the true gradient", r.dW[0], [[2.0]])


def test_clip_by_global_norm():
    net = _neuron(clip_norm=1.0)
    r = net.step(1.0, 0.0, lr=0.1)
    # (2, 2) has norm √8; scaled to norm 1: (1/√2, 1/√2)
    assert_close("w, b", _wb(net), (1 - 0.1 / np.sqrt(2), -0.1 / np.sqrt(2)))
    assert r.clipped


def test_no_clipping_below_the_threshold():
    net = _neuron(clip_norm=10.0, clip_value=5.0)
    r = net.step(1.0, 0.0, lr=0.1)
    assert_close("w, b", _wb(net), (0.8, -0.2))
    assert not r.clipped


def test_value_then_norm_clipping():
    net = _neuron(clip_value=0.5, clip_norm=0.5)
    net.step(1.0, 0.0, lr=1.0)
    # by value: (0.5, 0.5), norm 0.7071 > 0.5 → scaled to (0.35355, 0.35355)
    assert_close("w, b", _wb(net), (1 - 0.5 / np.sqrt(2), -0.5 / np.sqrt(2)))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_optimizers_reduce_the_loss_of_a_small_problem(optimizer):
    net = Network([2, 8, 1], activation="tanh", output_activation="sigmoid", loss="bce", optimizer=optimizer, seed=1)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([0.0, 1.0, 1.0, 0.0]).reshape(-1, 1)
    first = net.backward(X, Y).loss
    lr = 0.05 if optimizer == "adam" else 0.5
    for _ in range(300):
        net.step(X, Y, lr)
    assert net.backward(X, Y).loss < 0.5 * first


def test_reinitialize_resets_the_optimizer_and_reproduces_the_draw():
    net = Network([2, 4, 1], optimizer="adam", seed=3)
    w0 = [w.copy() for w in net.weights]
    net.step([[0.1, 0.2]], [[1.0]], 0.1)
    assert net.optimizer_state
    net.reinitialize()
    assert net.optimizer_state == {}
    for a, b in zip(net.weights, w0):
        assert np.array_equal(a, b)
