"""The textbook example (issue 2) reproduced to the printed digits.

x = 2, y = 1; layer 1: one ReLU neuron W1 = 0.5, b1 = 0.1; layer 2: one sigmoid neuron W2 = 0.8,
b2 = 0.2; MSE; α = 0.1.
"""
import pytest

from tests.helpers import textbook_network


@pytest.fixture
def net():
    return textbook_network()


def test_forward_numbers(net):
    r = net.backward(2.0, 1.0)
    assert round(r.z[0].item(), 4) == 1.1        # z1 = 0.5·2 + 0.1
    assert round(r.a[1].item(), 4) == 1.1        # a1 = relu(1.1)
    assert round(r.z[1].item(), 4) == 1.08       # z2 = 0.8·1.1 + 0.2
    assert round(r.a[2].item(), 4) == 0.7465     # ŷ = σ(1.08)
    assert round(r.loss, 4) == 0.0643            # L = (0.7465 − 1)²


def test_backward_numbers(net):
    r = net.backward(2.0, 1.0)
    # δ2 = 2(ŷ − y)·σ'(z2) = 2(−0.25351)(0.18924) = −0.09595
    assert round(r.dW[1].item(), 4) == -0.1055   # ∂L/∂W2 = δ2·a1
    assert round(r.db[1].item(), 4) == -0.0959   # ∂L/∂b2 = δ2
    # δ1 = W2·δ2·relu'(z1) = 0.8·(−0.09595)·1 = −0.07676
    assert round(r.dW[0].item(), 4) == -0.1535   # ∂L/∂W1 = δ1·x
    assert round(r.db[0].item(), 4) == -0.0768   # ∂L/∂b1 = δ1


def test_update_numbers(net):
    net.step(2.0, 1.0, 0.1)
    assert round(net.weights[0].item(), 5) == 0.51535   # 0.5 − 0.1·(−0.15352)
    assert round(net.biases[0].item(), 5) == 0.10768
    assert round(net.weights[1].item(), 5) == 0.81055
    assert round(net.biases[1].item(), 5) == 0.20959
