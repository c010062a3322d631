"""The loss surface: every number it draws is the engine's own loss or gradient at that point."""
import numpy as np
import pytest

from engine import Network
from engine import surface as S
from engine.optimizers import OPTIMIZERS
from tests.helpers import assert_close, textbook_network

X_TB, Y_TB = np.array([[2.0]]), np.array([[1.0]])


def default_network():
    return Network([2, 3, 1], activation="tanh", output_activation="sigmoid", loss="mse", seed=0)


X_DEF, Y_DEF = np.array([[1.0, -0.5]]), np.array([[1.0]])


def loss_with(net, X, Y, values: dict) -> float:
    """The engine's loss with some parameters set, the slow way: a copy, set, backward."""
    twin = net.copy()
    for pid, v in values.items():
        kind, l, j, *k = S.check_param(twin.sizes, pid)
        if kind == "weight":
            twin.weights[l][j, k[0]] = v
        else:
            twin.biases[l][j] = v
    return twin.backward(X, Y).loss


NETWORKS = {
    "textbook": (textbook_network, X_TB, Y_TB),
    "default": (default_network, X_DEF, Y_DEF),
    "softmax batch, l1 and l2": (lambda: Network([3, 4, 4, 3], activation="relu", output_activation="softmax",
                                                 loss="cross_entropy", seed=3, l1=0.01, l2=0.1),
                                 np.random.default_rng(1).normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_batched_loss_equals_the_engine_loss_at_sampled_settings(name):
    make, X, Y = NETWORKS[name]
    net = make()
    ids = S.param_ids(net.sizes)
    rng = np.random.default_rng(7)
    for _ in range(4):
        pair = list(rng.choice(ids, size=2, replace=False))
        values = rng.normal(scale=2.0, size=(6, 2))
        got = S.loss_at(net, X, Y, pair, values)
        want = [loss_with(net, X, Y, dict(zip(pair, row))) for row in values]
        assert_close(f"{name} L at {pair}", got, want, rtol=1e-12)


def test_slope_tangent_is_the_backprop_gradient_and_the_curves_own_difference():
    net = textbook_network()
    s = S.slope(net, X_TB, Y_TB, "W1:0:0", lr=0.1)
    r = net.backward(X_TB, Y_TB)
    assert_close("slope = ∂L/∂W2", s.grad, r.dW[1].item())
    assert f"{s.grad:.4f}" == "-0.1055"
    c = len(s.w) // 2
    assert s.w[c] == 0.8 and s.L[c] == r.loss
    spacing = s.w[c + 1] - s.w[c]
    curve_difference = (s.L[c + 1] - s.L[c - 1]) / (s.w[c + 1] - s.w[c - 1])
    assert_close("central difference of the plotted curve", curve_difference, s.grad, rtol=spacing ** 2 * 10)
    assert_close("tangent at the point", s.tangent(0.8), r.loss)
    assert_close("tangent slope", s.tangent(1.3) - s.tangent(0.8), 0.5 * s.grad)
    assert_close("landing", s.landing, 0.8 - 0.1 * s.grad)
    assert_close("loss at the landing", s.landing_loss, loss_with(net, X_TB, Y_TB, {"W1:0:0": s.landing}))
    assert s.landing_loss < s.loss


def test_slope_window_is_centred_and_reaches_the_landing_point():
    net = default_network()
    s = S.slope(net, X_DEF, Y_DEF, "b0:1", lr=10.0)
    assert s.w.min() <= s.landing <= s.w.max()
    assert_close("centred", s.w[len(s.w) // 2], net.biases[0][1])
    s = S.slope(net, X_DEF, Y_DEF, "b0:1", lr=0.5, half_width=0.25, points=11)
    assert_close("explicit window", [s.w[0], s.w[-1]], [net.biases[0][1] - 0.25, net.biases[0][1] + 0.25])


def test_secant_converges_then_breaks_down_for_tiny_h():
    net = textbook_network()
    sweep = S.secant_sweep(net, X_TB, Y_TB, "W1:0:0", [1e-1, 1e-2, 1e-3, 1e-5, 1e-14])
    err = [abs(s.difference) for s in sweep]
    assert err[0] > err[1] > err[2] > err[3], "truncation error falls like h²"
    assert_close("h² law", err[1] / err[2], 100.0, rtol=0.01)
    assert err[4] > 1000 * err[3], "rounding: L(w + h) − L(w − h) has only a few digits left"
    s = S.secant(net, X_TB, Y_TB, "W1:0:0", 1e-3)
    assert_close("secant slope", s.slope, (s.L_plus - s.L_minus) / 2e-3)
    assert_close("secant ends", [s.L_minus, s.L_plus],
                 [loss_with(net, X_TB, Y_TB, {"W1:0:0": 0.8 - 1e-3}), loss_with(net, X_TB, Y_TB, {"W1:0:0": 0.8 + 1e-3})])


@pytest.mark.parametrize("name", ["textbook", "default"])
def test_surface_values_and_arrow_are_the_engines(name):
    make, X, Y = NETWORKS[name]
    net = make()
    pair = S.top_pair(net, X, Y)
    sf = S.surface(net, X, Y, pair, grid=(31, 21), lr=0.5)
    assert sf.Z.shape == (21, 31)
    rng = np.random.default_rng(0)
    for r, c in zip(rng.integers(0, 21, 6), rng.integers(0, 31, 6)):
        assert_close(f"Z[{r}, {c}]", sf.Z[r, c], loss_with(net, X, Y, {pair[0]: sf.xs[c], pair[1]: sf.ys[r]}))
    back = net.backward(X, Y)
    assert_close("∇L", sf.grad, [S.gradient_of(back, p) for p in pair])
    assert_close("−∇L", sf.descent, [-g for g in sf.grad])
    assert_close("|∇L|", sf.length, np.hypot(*sf.grad))
    assert_close("the point", sf.Z[10, 15], back.loss)


def test_top_pair_is_the_two_largest_gradients():
    net = default_network()
    r = net.backward(X_DEF, Y_DEF)
    g = {p: abs(S.gradient_of(r, p)) for p in S.param_ids(net.sizes)}
    want = sorted(g, key=g.get, reverse=True)[:2]
    assert list(S.top_pair(net, X_DEF, Y_DEF)) == want


def test_textbook_gradient_as_a_direction_with_a_length():
    sf = S.surface(textbook_network(), X_TB, Y_TB, ("W0:0:0", "W1:0:0"), grid=11)
    assert [f"{g:.4f}" for g in sf.grad] == ["-0.1535", "-0.1055"]
    assert f"{sf.length:.4f}" == "0.1863"


def test_sgd_path_moves_only_the_two_parameters_by_minus_alpha_gradient():
    net = default_network()
    pair = ("W0:0:0", "W1:0:2")
    path = S.descent_path(net, X_DEF, Y_DEF, pair, lr=0.5, steps=5, optimizer="sgd")
    twin = net.copy()
    for t in range(5):
        r = twin.backward(X_DEF, Y_DEF)
        assert_close(f"point {t}", path.points[t], [twin.weights[0][0, 0], twin.weights[1][0, 2]])
        assert_close(f"loss {t}", path.losses[t], r.loss)
        twin.weights[0][0, 0] -= 0.5 * r.dW[0][0, 0]
        twin.weights[1][0, 2] -= 0.5 * r.dW[1][0, 2]
    assert_close("last point", path.points[5], [twin.weights[0][0, 0], twin.weights[1][0, 2]])
    assert_close("others held", twin.weights[0][1], net.weights[0][1])
    assert path.points.shape == (6, 2) and not path.diverged


def test_momentum_and_adam_paths_follow_their_update_rules():
    net = textbook_network()
    pair = ("W0:0:0", "W1:0:0")
    g0 = np.array([-0.15351571247583062, -0.10554205232713355])
    adam = S.descent_path(net, X_TB, Y_TB, pair, lr=0.1, steps=3, optimizer="adam")
    assert_close("Adam's first step is α·sign(−g)", adam.points[1] - adam.points[0], -0.1 * np.sign(g0), rtol=1e-6)
    mom = S.descent_path(net, X_TB, Y_TB, pair, lr=0.1, steps=2, optimizer="momentum")
    v1 = -0.1 * g0
    r = Network([1, 1, 1], output_activation="sigmoid")
    r.set_parameters([[[mom.points[1][0]]], [[mom.points[1][1]]]], [[0.1], [0.2]])
    g1 = np.array([S.gradient_of(r.backward(X_TB, Y_TB), p) for p in pair])
    assert_close("momentum: v ← μv − αg", mom.points[2] - mom.points[1], 0.9 * v1 - 0.1 * g1)
    assert set(OPTIMIZERS) == {"sgd", "momentum", "adam"}


def test_a_diverging_path_stops_at_the_last_finite_point():
    net = Network([1, 1], activation=[], output_activation="linear", loss="mse")
    net.set_parameters([[[0.0]]], [[0.0]])
    path = S.descent_path(net, [[3.0]], [[1.0]], ("W0:0:0", "b0:0"), lr=10.0, steps=200)
    assert path.diverged and np.isfinite(path.points).all() and len(path.points) < 201
    assert path.losses[-1] > path.losses[0]


def test_param_path_is_the_parameters_after_each_applied_update():
    net = default_network()
    snapshots = [([W.copy() for W in net.weights], [b.copy() for b in net.biases])]
    for _ in range(4):
        net.step(X_DEF, Y_DEF, 0.5)
        snapshots.append(([W.copy() for W in net.weights], [b.copy() for b in net.biases]))
    got = S.param_path(snapshots, ["W0:1:0", "b1:0"])
    assert_close("path", got, [[W[0][1, 0], b[1][0]] for W, b in snapshots])


@pytest.mark.parametrize("call, field", [
    (lambda n: S.slope(n, X_TB, Y_TB, "W2:0:0", 0.1), "parameter: 'W2:0:0' names weight layer 2"),
    (lambda n: S.slope(n, X_TB, Y_TB, "L1:N0", 0.1), "parameter: 'L1:N0' is a node"),
    (lambda n: S.slope(n, X_TB, Y_TB, "W0:0:1", 0.1), "parameter: 'W0:0:1' is outside layer 0"),
    (lambda n: S.slope(n, X_TB, Y_TB, "w", 0.1), "parameter: expected a parameter id"),
    (lambda n: S.slope(n, X_TB, Y_TB, "W0:0:0", 0.1, half_width=1e3), "half_width: expected a half-width"),
    (lambda n: S.slope(n, X_TB, Y_TB, "W0:0:0", 0.1, half_width=0.0), "half_width: expected a half-width"),
    (lambda n: S.slope(n, X_TB, Y_TB, "W0:0:0", 0.1, points=5), "points: expected a whole number from 11"),
    (lambda n: S.slope(n, X_TB, Y_TB, "W0:0:0", -1.0), "lr: expected"),
    (lambda n: S.secant(n, X_TB, Y_TB, "W0:0:0", 0.0), "h: expected a step"),
    (lambda n: S.surface(n, X_TB, Y_TB, ("W0:0:0", "b7:0")), r"params\[1\]: 'b7:0' names weight layer 7"),
    (lambda n: S.surface(n, X_TB, Y_TB, ("W0:0:0", "W0:0:0")), "params: expected two different parameters"),
    (lambda n: S.surface(n, X_TB, Y_TB, ("W0:0:0",)), "params: expected two parameter ids"),
    (lambda n: S.surface(n, X_TB, Y_TB, ("W0:0:0", "b0:0"), grid=500), "grid: expected a whole number of points per side"),
    (lambda n: S.surface(n, X_TB, Y_TB, ("W0:0:0", "b0:0"), grid=2), "grid: expected a whole number of points per side"),
    (lambda n: S.surface(n, X_TB, Y_TB, ("W0:0:0", "b0:0"), half_widths=(1, 500)), r"half_widths\[1\]"),
    (lambda n: S.descent_path(n, X_TB, Y_TB, ("W0:0:0", "b0:0"), 0.1, 0), "steps: expected a whole number from 1"),
    (lambda n: S.descent_path(n, X_TB, Y_TB, ("W0:0:0", "b0:0"), 0.1, 5, "rmsprop"), "optimizer: unknown name"),
    (lambda n: S.loss_at(n, X_TB, Y_TB, ["W0:0:0"], np.zeros((3, 2))), r"values: expected shape \(P, 1\)"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(call, field):
    net = textbook_network()
    before = [p.copy() for p in net.parameters()]
    with pytest.raises(ValueError, match=field):
        call(net)
    for p, q in zip(before, net.parameters()):
        assert np.array_equal(p, q)


def test_calls_leave_the_network_unchanged():
    net = default_network()
    before = [p.copy() for p in net.parameters()]
    S.slope(net, X_DEF, Y_DEF, "W0:0:1", 0.5)
    S.surface(net, X_DEF, Y_DEF, ("W0:0:0", "W1:0:0"), grid=9)
    S.descent_path(net, X_DEF, Y_DEF, ("W0:0:0", "W1:0:0"), 0.5, 10, "adam")
    S.secant_sweep(net, X_DEF, Y_DEF, "b1:0", [1e-3, 1e-9])
    for p, q in zip(before, net.parameters()):
        assert np.array_equal(p, q)


def test_gradient_table_lists_every_parameter_with_backprop_central_difference_and_error():
    net = default_network()
    rows, check = S.gradient_table(net, X_DEF, Y_DEF)
    assert [r["id"] for r in rows] == S.param_ids(net.sizes) and check.ok
    r = net.backward(X_DEF, Y_DEF)
    for row in rows:
        assert_close(f"backprop {row['id']}", row["backprop"], S.gradient_of(r, row["id"]))
        sec = S.secant(net, X_DEF, Y_DEF, row["id"], check.eps)
        assert_close(f"central difference {row['id']}", row["central_difference"], sec.slope, rtol=1e-6, atol=1e-10)
        assert row["rel_error"] < 1e-5
    big = Network([2, 32, 32, 1], seed=1)
    rows, check = S.gradient_table(big, X_DEF, Y_DEF, max_entries=50)
    assert len(rows) == 50 == check.checked
