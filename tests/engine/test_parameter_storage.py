"""Parameters are views of one flat array: editing, replacing, copying and the optimizer state keep working."""
import copy

import numpy as np
import pytest

from engine import Network
from tests.helpers import assert_close

X = np.array([[0.5, -1.0], [1.5, 0.2], [0.1, 0.4]])
Y = np.array([[0.3], [0.9], [0.5]])


def _reference_step(net, lr):
    """The update by hand from backward: p − lr·∂L/∂p for every parameter."""
    r = net.backward(X, Y)
    grads = [g for pair in zip(r.dW, r.db) for g in pair] + [g for pair in zip(r.dgamma, r.dbeta) for g in pair]
    return [p - lr * g for p, g in zip(net.parameters(), grads)]


def test_editing_a_weight_in_place_changes_the_pass():
    net = Network([2, 3, 1], seed=1)
    before = net.backward(X, Y).loss
    net.biases[1][0] += 0.5
    assert net.backward(X, Y).loss != before
    net.biases[1][0] -= 0.5
    assert net.backward(X, Y).loss == before


@pytest.mark.parametrize("norm", [None, "layer"])
def test_replacing_a_parameter_array_is_picked_up(norm):
    net = Network([2, 3, 3, 1], norm=norm, seed=2)
    net.weights[1] = np.full((3, 3), 0.25)
    net.biases[0] = np.array([0.1, -0.2, 0.3])
    want = _reference_step(net, 0.1)
    r = net.step(X, Y, lr=0.1)
    assert r.finite
    for got, w in zip(net.parameters(), want):
        assert_close("parameter after step", got, w)
    assert np.array_equal(net.weights[1], want[2])


@pytest.mark.parametrize("clone", [copy.deepcopy, Network.copy], ids=["deepcopy", "Network.copy"])
def test_copies_are_independent_and_train_like_the_original(clone):
    net = Network([2, 4, 1], optimizer="momentum", norm="batch", seed=3)
    net.step(X, Y, lr=0.1)
    twin = clone(net)
    r1, r2 = net.step(X, Y, lr=0.1), twin.step(X, Y, lr=0.1)
    for a, b in zip(net.parameters(), twin.parameters()):
        assert_close("same training", a, b)
    twin.weights[0][0, 0] = 99.0
    twin.step(X, Y, lr=0.1)
    assert net.weights[0][0, 0] != 99.0 and abs(net.weights[0][0, 0]) < 10
    assert_close("same update", r1.update_W[0], r2.update_W[0])


def test_records_of_earlier_passes_are_not_overwritten():
    net = Network([2, 3, 1], seed=4)
    r1 = net.step(X, Y, lr=0.5)
    keep = [g.copy() for g in r1.dW] + [u.copy() for u in r1.update_W]
    net.step(X, Y, lr=0.5)
    for got, want in zip(r1.dW + r1.update_W, keep):
        assert np.array_equal(got, want)


def test_optimizer_state_is_per_parameter_and_can_be_set_and_reset():
    net = Network([2, 3, 1], optimizer="adam", seed=5)
    net.step(X, Y, lr=0.01)
    state = net.optimizer_state
    assert state["t"] == 1
    assert [m.shape for m in state["m"]] == [p.shape for p in net.parameters()]
    twin = Network([2, 3, 1], optimizer="adam", seed=5)
    twin.set_parameters(net.weights, net.biases)
    twin.optimizer_state = {k: ([x.copy() for x in v] if isinstance(v, list) else v) for k, v in state.items()}
    net.step(X, Y, lr=0.01)
    twin.step(X, Y, lr=0.01)
    for a, b in zip(net.parameters(), twin.parameters()):
        assert_close("Adam continues from the copied memory", a, b)
    net.optimizer_state = {}
    assert net.optimizer_state == {}
    with pytest.raises(ValueError, match=r"^optimizer_state\['v'\]: expected arrays shaped like the parameters"):
        net.optimizer_state = {"v": [np.zeros(2)]}


def test_parameters_and_names_line_up():
    net = Network([2, 3, 3, 1], norm="layer")
    names = net.parameter_names()
    assert names == ["W0", "b0", "W1", "b1", "W2", "b2", "gamma0", "beta0", "gamma1", "beta1"]
    assert [p.shape for p in net.parameters()] == [(3, 2), (3,), (3, 3), (3,), (1, 3), (1,), (3,), (3,), (3,), (3,)]
    assert net.n_params == 6 + 3 + 9 + 3 + 3 + 1 + 12
