"""The gradient check itself: it passes on the engine, fails on a wrong derivative, leaves the network alone."""
import dataclasses

import numpy as np

from engine import ACTIVATIONS, GradCheck, Network, gradient_check
from tests.helpers import assert_close


def _setup():
    net = Network([2, 3, 1], activation="tanh", output_activation="linear", seed=1)
    X = np.array([[0.5, -1.0], [1.5, 0.2]])
    Y = np.array([[0.3], [-0.4]])
    return net, X, Y


def test_record_has_numeric_and_analytic_values_per_parameter():
    net, X, Y = _setup()
    check = gradient_check(net, X, Y)
    assert isinstance(check, GradCheck)
    assert check.names == ["W0", "b0", "W1", "b1"]
    r = net.backward(X, Y)
    for got, want, name in zip(check.analytic, [r.dW[0], r.db[0], r.dW[1], r.db[1]], check.names):
        assert_close(f"analytic {name}", got, want)
    for num, ana, name in zip(check.numeric, check.analytic, check.names):
        assert_close(f"numeric {name}", num, ana, rtol=1e-7, atol=1e-10)
    assert check.ok and check.checked == 13 and check.max_rel_error < 1e-7


def test_numeric_gradient_is_the_central_difference():
    net, X, Y = _setup()
    check = gradient_check(net, X, Y, eps=1e-4)
    net.weights[1][0, 2] += 1e-4
    up = net.backward(X, Y).loss
    net.weights[1][0, 2] -= 2e-4
    down = net.backward(X, Y).loss
    assert check.numeric[2][0, 2] == (up - down) / 2e-4


def test_network_is_unchanged_afterwards():
    net, X, Y = _setup()
    before = [p.copy() for p in net.parameters()]
    gradient_check(net, X, Y)
    for p, q in zip(net.parameters(), before):
        assert np.array_equal(p, q)


def test_a_wrong_derivative_is_caught():
    net, X, Y = _setup()
    wrong = dataclasses.replace(ACTIVATIONS["tanh"], df=lambda z, a: 1.0 - 0.9 * a * a)
    net.activations[0] = wrong
    check = gradient_check(net, X, Y)
    assert not check.ok
    assert check.max_rel_error > 1e-3
    assert check.worst.startswith(("W0", "b0"))


def test_max_entries_samples_a_seeded_subset():
    net = Network([4, 16, 16, 1], seed=2)
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(3, 4)), rng.uniform(size=(3, 1))
    a = gradient_check(net, X, Y, max_entries=20, seed=5)
    b = gradient_check(net, X, Y, max_entries=20, seed=5)
    assert a.checked == 20
    assert sum(int(np.isfinite(n).sum()) for n in a.numeric) == 20
    assert all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a.numeric, b.numeric))
    assert a.ok


def test_a_diverged_network_fails_the_check_quietly():
    net = Network([2, 3, 1], activation="linear", output_activation="linear", init_gain=1e200, seed=1)
    check = gradient_check(net, [[1e3, -1e3]], [[0.0]], max_entries=5)
    assert not check.ok
    assert check.max_rel_error == float("inf")


def test_rows_list_every_checked_entry_worst_first():
    net, X, Y = _setup()
    check = gradient_check(net, X, Y, max_entries=7, seed=1)
    rows = check.rows()
    assert len(rows) == 7
    assert rows[0]["rel_error"] == check.max_rel_error
    assert [r["rel_error"] for r in rows] == sorted((r["rel_error"] for r in rows), reverse=True)
    first = rows[0]
    i = check.names.index(first["parameter"])
    assert first["numeric"] == check.numeric[i][first["index"]]
    assert first["analytic"] == check.analytic[i][first["index"]]
