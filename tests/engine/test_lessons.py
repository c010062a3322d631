"""Each lesson preset's explanation makes claims; each claim is checked here on the engine's numbers."""
import dataclasses

import numpy as np
import pytest

from engine.diagnostics import format_sci
from engine.lab import analyse
from engine.scenario import lesson_ids, load_lesson, to_lab_settings
from tests.helpers import assert_close

CLAIMS = {}


def claim(name):
    def register(f):
        CLAIMS[name] = f
        return f
    return register


def shown(value, decimals=4):
    """A number as the explanations write it: fixed decimals, a true minus sign."""
    return f"{value:.{decimals}f}".replace("-", "−")


def setup(name):
    s = load_lesson(name)
    net = s.to_network()
    X, Y = s.inputs()
    return s, net, X, Y


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@claim("forward-pass")
def check_forward_pass():
    s, net, X, Y = setup("forward-pass")
    r = net.backward(X, Y)
    W1, b1 = np.array(s.weights[0]), np.array(s.biases[0])
    W2, b2 = np.array(s.weights[1]), np.array(s.biases[1])
    z1 = X[0] @ W1.T + b1                       # z = Σ w·a + b, by hand
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    assert_close("z1", r.z[0][0], z1)
    assert_close("a1", r.a[1][0], a1)
    assert_close("yhat", r.a[2][0], sigmoid(z2))
    for v in (*z1, *a1, *z2, *sigmoid(z2)):
        assert shown(v) in s.explanation, f"{shown(v)} not in the explanation"


@claim("loss")
def check_loss():
    s, net, X, Y = setup("loss")
    r = net.backward(X, Y)
    yhat = r.a[-1].item()
    assert_close("L", r.loss, (yhat - 1.0) ** 2)
    assert_close("dL/dyhat", r.dL_dyhat.item(), 2 * (yhat - 1.0))
    assert r.dL_dyhat.item() < 0, "raising ŷ lowers the loss"
    assert shown(r.loss) in s.explanation and shown(r.dL_dyhat.item()) in s.explanation


@claim("chain-rule")
def check_chain_rule():
    s, net, X, Y = setup("chain-rule")
    r = net.backward(X, Y)
    yhat, a1, w2, x = r.a[2].item(), r.a[1].item(), s.weights[1][0][0], X.item()
    factors = [r.dL_dyhat.item(), yhat * (1 - yhat), w2, a1 * (1 - a1), x]
    assert_close("dL/dw1 = product of the chain", r.dW[0].item(), np.prod(factors))
    assert shown(r.dW[0].item()) in s.explanation
    for f in factors[:2] + factors[3:4]:
        assert shown(f) in s.explanation


@claim("textbook")
def check_textbook():
    s, net, X, Y = setup("textbook")
    r = net.backward(X, Y)
    numbers = {"1.1": r.z[0].item(), "1.08": r.z[1].item(), "0.7465": r.a[2].item(), "0.0643": r.loss,
               "−0.1055": r.dW[1].item(), "−0.0959": r.db[1].item(), "−0.1535": r.dW[0].item(),
               "−0.0768": r.db[0].item()}
    for text, value in numbers.items():
        decimals = len(text.split(".")[1])
        assert shown(value, decimals) == text and text in s.explanation
    after = net.step(X, Y, s.lr)
    assert [round(v, 5) for v in (net.weights[0].item(), net.biases[0].item(), net.weights[1].item(),
                                  net.biases[1].item())] == [0.51535, 0.10768, 0.81055, 0.20959]
    assert net.backward(X, Y).loss < after.loss, "the loss drops"


@claim("delta-recursion")
def check_delta_recursion():
    s, net, X, Y = setup("delta-recursion")
    r = net.backward(X, Y)
    W2 = np.array(s.weights[1])
    want = (r.delta[1] @ W2) * (1 - np.tanh(r.z[0]) ** 2)   # δ¹ = (W²)ᵀ δ² ⊙ tanh′(z¹)
    assert_close("delta1", r.delta[0], want)
    yhat = r.a[2]
    assert_close("delta2", r.delta[1], 2 * (yhat - Y) * yhat * (1 - yhat))
    assert_close("dW = delta a", r.dW[0], r.delta[0].T @ X)
    for v in (*r.delta[1][0], *r.delta[0][0]):
        assert shown(v) in s.explanation


def error_trace(s, lr, steps=10):
    net = s.to_network()
    X, Y = s.inputs()
    errors = []
    for _ in range(steps):
        r = net.step(X, Y, lr)
        errors.append(r.a[-1].item() - Y.item())
    return errors, net.backward(X, Y).loss


@claim("lr-too-large")
def check_lr_too_large():
    s = load_lesson("lr-too-large")
    errors, loss = error_trace(s, s.lr)
    ratios = np.array(errors[1:]) / np.array(errors[:-1])
    assert_close("error ratio per step", ratios, np.full(9, 1 - 4 * s.lr))   # −3: flips and triples
    assert_close("errors", errors[:4], [-1, 3, -9, 27])
    assert loss > 1e9
    oscillating, _ = error_trace(s, 0.5, 6)
    assert_close("α = 0.5 oscillates", oscillating, [-1, 1, -1, 1, -1, 1])
    converged, _ = error_trace(s, 0.25, 2)
    assert converged[1] == 0.0, "α = 0.25 lands on the target in one step"
    _, below = error_trace(s, 0.49, 200)
    assert below < 1e-6, "any α below 0.5 converges"


@claim("lr-too-small")
def check_lr_too_small():
    s = load_lesson("lr-too-small")
    errors, loss = error_trace(s, s.lr)
    assert_close("error ratio", errors[-1] / errors[-2], 1 - 4 * s.lr)
    assert 0.9 < loss < 1.0 and shown(loss) in s.explanation
    net = s.to_network()
    X, Y = s.inputs()
    steps = 0
    while net.backward(X, Y).loss > 0.01:
        net.step(X, Y, s.lr)
        steps += 1
    assert steps > 500


def lab_ratio(s):
    """Mean |δ| of layer 1 over that of the last hidden layer (the lab's verdict), and the diagnostics."""
    p, d = analyse(to_lab_settings(s))
    means = [np.mean(np.abs(x)) for x in p.delta]
    assert_close("the lab's ratio is mean |δ_1| / mean |δ_20|", d.delta_ratio[0], means[0] / means[-2], rtol=1e-9)
    return d.delta_ratio[0], d


@claim("vanishing")
def check_vanishing():
    s = load_lesson("vanishing")
    ratio, d = lab_ratio(s)
    assert ratio < 1e-12 and d.state == "vanishing"   # the lab flags anything below 1/100
    assert format_sci(ratio) in s.explanation


@claim("exploding")
def check_exploding():
    s = load_lesson("exploding")
    ratio, d = lab_ratio(s)
    assert ratio > 100 and d.state == "exploding"
    assert format_sci(ratio) in s.explanation
    calm, _ = lab_ratio(s.replace(init_gain=1.0))
    assert calm < ratio / 10


@claim("clipping")
def check_clipping():
    s = load_lesson("clipping")
    net = s.to_network()
    X, Y = s.inputs()
    r = net.step(X, Y, s.lr)
    update = np.sqrt(sum(float((u * u).sum()) for u in r.update_W + r.update_b))
    assert r.grad_norm > 1000, "the raw gradient norm is in the thousands"
    assert r.clipped
    assert_close("update length = α · threshold", update, s.lr * s.clip_norm)
    for _ in range(99):
        r = net.step(X, Y, s.lr)
        assert r.finite
    unclipped = s.replace(clip_norm=None).to_network()
    finite = all(unclipped.step(X, Y, s.lr).finite for _ in range(100))
    assert not finite or unclipped.backward(X, Y).loss > net.backward(X, Y).loss


@claim("residual")
def check_residual():
    s = load_lesson("residual")
    ratio, d = lab_ratio(s)
    plain, _ = lab_ratio(s.replace(residual=False))
    assert 1e-2 < ratio < 100 and plain < 1e-12 and d.state == "healthy"
    assert format_sci(ratio) in s.explanation and format_sci(plain) in s.explanation


@claim("normalisation")
def check_normalisation():
    s = load_lesson("normalisation")
    ratio, d = lab_ratio(s)
    plain, _ = lab_ratio(s.replace(norm=None))
    assert 1e-2 < ratio < 100 and plain < 1e-12 and d.state == "healthy"
    assert format_sci(ratio) in s.explanation and format_sci(plain) in s.explanation


@claim("dead-relu")
def check_dead_relu():
    s, net, X, Y = setup("dead-relu")
    r = net.backward(X, Y)
    assert_close("z of unit 2", r.z[0][0, 1], -2.0)   # 0.6·1 + 0.4·1 − 3
    assert r.delta[0][0, 1] == 0 and (r.dW[0][1] == 0).all() and r.db[0][1] == 0
    assert (r.dW[0][[0, 2]] != 0).any(), "the other units do get gradients"
    first = r.loss
    for _ in range(500):
        r = net.step(X, Y, s.lr)
    assert net.weights[0][1].tolist() == [0.6, 0.4] and net.biases[0][1] == -3.0
    assert r.loss < first / 10, "the loss still falls through the other two units"


def playground(s, epochs, **changes):
    """The playground page's own run for the lesson (its settings, data and trainer), trained ``epochs``."""
    from components.playground.settings import new_run
    from components.shell.sharing import playground_state
    settings = playground_state(s)[0].with_(**changes)
    run = new_run(settings)
    for _ in range(epochs):
        run.trainer.run_epoch()
    return run


@claim("zero-init-symmetry")
def check_zero_init_symmetry():
    s = load_lesson("zero-init-symmetry")
    run = playground(s, 0)
    assert (run.net.weights[0] == 0.1).all()
    run = playground(s, 200)
    W1, W2 = run.net.weights[0], run.net.weights[1]
    assert not np.array_equal(W1, np.full_like(W1, 0.1)), "the weights did train"
    assert np.array_equal(W1, np.repeat(W1[:1], 4, axis=0)), "rows of W1 identical after training"
    assert np.array_equal(W2, np.full_like(W2, W2[0, 0]))
    assert run.trainer.evaluate().train_acc <= 0.8, "stalls near 75%"
    assert playground(s, 200, init="xavier_uniform").trainer.evaluate().train_acc > 0.9


@claim("sigmoid-derivative")
def check_sigmoid_derivative():
    s, net, X, Y = setup("sigmoid-derivative")
    r = net.backward(X, Y)
    d = [abs(x.item()) for x in r.delta]
    for l in range(len(d) - 1):
        w = abs(net.weights[l + 1].item())
        assert d[l] <= 0.25 * w * d[l + 1], f"layer {l}: |δ| ratio {d[l] / d[l + 1]:.3f} > 0.25·|w|"
        assert 0.19 < d[l] / d[l + 1] < 0.25, "each ratio is about 0.2"
    assert d[0] / d[-1] < 1e-4
    rng = np.random.default_rng(0)   # the bound holds for any weights, not only 1
    for trial in range(20):
        net.set_parameters([rng.normal(0, 3, W.shape) for W in net.weights],
                           [rng.normal(0, 1, b.shape) for b in net.biases])
        r = net.backward(X, Y)
        for l in range(len(r.delta) - 1):
            assert abs(r.delta[l].item()) <= 0.25 * abs(net.weights[l + 1].item()) * abs(r.delta[l + 1].item())


@claim("softmax-cross-entropy")
def check_softmax_cross_entropy():
    s, net, X, Y = setup("softmax-cross-entropy")
    r = net.backward(X, Y)
    yhat = r.a[-1]
    assert_close("delta = yhat - y", r.delta[-1], yhat - Y, rtol=0, atol=1e-15)
    J = np.diag(yhat[0]) - np.outer(yhat[0], yhat[0])        # the long way: ∂L/∂ŷ through the Jacobian
    assert_close("Jacobian route", (-Y[0] / yhat[0]) @ J, r.delta[-1][0])
    for v in (*yhat[0], *(yhat - Y)[0]):
        assert shown(v) in s.explanation


@claim("momentum-adam")
def check_momentum_adam():
    s = load_lesson("momentum-adam")
    result = {opt: playground(s, 50, optimizer=opt).trainer.evaluate() for opt in ("sgd", "momentum", "adam")}
    for opt in result:
        assert f"{result[opt].train_acc:.0%}" in s.explanation
    assert result["sgd"].train_acc < 0.8
    assert result["momentum"].train_acc > 0.9 and result["adam"].train_acc > 0.9
    assert max(result["momentum"].train_loss, result["adam"].train_loss) < result["sgd"].train_loss / 2


@claim("xor-hidden-layer")
def check_xor_hidden_layer():
    s = load_lesson("xor-hidden-layer")
    assert playground(s, 200).trainer.evaluate().train_acc > 0.9
    assert playground(s, 200, hidden=()).trainer.evaluate().train_acc < 0.8
    assert playground(s, 200, hidden=(), features=("x1", "x2", "x1x2")).trainer.evaluate().train_acc > 0.9


def surface_setup(name):
    """A loss-view lesson: the network, its sample and the two parameters the lesson names."""
    s, net, X, Y = setup(name)
    return s, net, X, Y, tuple(s.options.get("surface", ()))


def screen(value):
    """A number as the loss view prints it (``components.drawing.style.fmt``: 4 significant digits)."""
    return f"{value:.4g}".replace("-", "−")


@claim("derivative-slope")
def check_derivative_slope():
    from engine import surface
    s, net, X, Y = setup("derivative-slope")
    pid = s.options["selected"]
    assert (pid, s.options["panel"], s.options["loss_view"]) == ("W1:0:0", "loss", "slope"), "opens on W2's slope"
    sl = surface.slope(net, X, Y, pid, s.lr)
    r = net.backward(X, Y)
    assert_close("tangent slope = ∂L/∂W2", sl.grad, r.dW[1].item())
    assert shown(sl.grad) == "−0.1055" and "−0.1055" in s.explanation
    c = len(sl.w) // 2
    assert_close("the plotted curve's own slope", (sl.L[c + 1] - sl.L[c - 1]) / (sl.w[c + 1] - sl.w[c - 1]), sl.grad,
                 rtol=1e-4)
    assert sl.grad < 0 and sl.landing > 0.8 and sl.landing_loss < sl.loss, "a larger W2 lowers the loss"
    for text, value, decimals in (("0.81055", sl.landing, 5), ("0.0632", sl.landing_loss, 4), ("0.0643", sl.loss, 4)):
        assert shown(value, decimals) == text and text in s.explanation
    sec = surface.secant(net, X, Y, pid, 1e-3)
    assert shown(sec.slope) == "−0.1055"
    mantissa, exponent = f"{abs(sec.difference):.1e}".split("e")
    assert f"{mantissa} × 10⁻{str(-int(exponent)).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}" in s.explanation
    tiny = surface.secant(net, X, Y, pid, 1e-15)
    assert abs(tiny.difference) > 1e-3, "wrong in the second digit at h = 1e-15"
    assert abs(surface.secant(net, X, Y, pid, 1e-5).difference) < abs(sec.difference) / 1000


@claim("gradient-direction")
def check_gradient_direction():
    from engine import surface
    s, net, X, Y, pair = surface_setup("gradient-direction")
    assert pair == ("W0:0:0", "W1:0:0")
    sf = surface.surface(net, X, Y, pair, grid=11, lr=s.lr)
    r = net.backward(X, Y)
    assert_close("∇L", sf.grad, [r.dW[0].item(), r.dW[1].item()])
    gx, gy = sf.grad
    assert f"∇L = (∂L/∂W1, ∂L/∂W2) = ({shown(gx)}, {shown(gy)})" in s.explanation
    assert f"√({abs(gx):.4f}² + {abs(gy):.4f}²) = {sf.length:.4f}" in s.explanation
    assert f"−∇L = ({-gx:.4f}, {-gy:.4f})" in s.explanation
    # steepest descent: the rate of change along −∇L/|∇L| is −|∇L|, along W2 alone only ∂L/∂W2
    eps = 1e-6
    u = np.array(sf.descent) / sf.length
    along = (surface.loss_at(net, X, Y, pair, [np.array(sf.centre) + eps * u])[0] - sf.loss) / eps
    assert_close("rate along −∇L", along, -sf.length, rtol=1e-4)
    assert f"{sf.length:.4f} per unit" in s.explanation
    assert f"moving W2 alone ({abs(gy):.4f})" in s.explanation and abs(gy) < sf.length
    path = surface.descent_path(net, X, Y, pair, s.lr, 1)
    assert_close("one step", np.hypot(*(path.points[1] - path.points[0])), s.lr * sf.length)
    assert f"α·|∇L| = {s.lr * sf.length:.4f}" in s.explanation
    assert f"W1 = {path.points[1][0]:.5f}, W2 = {path.points[1][1]:.5f}, where L = {path.losses[1]:.4f}" in s.explanation


@claim("lr-too-large-surface")
def check_lr_too_large_surface():
    from engine import surface
    s, net, X, Y, pair = surface_setup("lr-too-large-surface")
    n = s.options["ahead"]
    assert s.options["compare"] == ("sgd",) and n == 10 and s.lr == 0.5
    x1, x2 = X[0]
    floor = Y[0, 0] / x1                                   # ŷ₁ = w¹₁₁ x₁ = y₁ on the floor
    assert f"w¹₁₁ = {floor:g}" in s.explanation
    assert f"2x₁² = {2 * x1 ** 2:g}" in s.explanation and f"2x₂² = {2 * x2 ** 2:g}" in s.explanation
    path = surface.descent_path(net, X, Y, pair, s.lr, n, "sgd")
    offsets = path.points[:, 0] - floor
    factor = 1 - 2 * s.lr * x1 ** 2
    assert f"1 − 2αx₁² = {shown(factor, 2)}" in s.explanation
    assert_close("distance from the floor × factor per step", offsets[1:], offsets[:-1] * factor)
    assert (np.sign(offsets[1:]) != np.sign(offsets[:-1])).all(), "every step crosses the floor: a zig-zag"
    assert (np.abs(offsets[1:]) > np.abs(offsets[:-1])).all(), "… further out each time"
    assert (np.diff(path.losses[2:]) > 0).all() and path.losses[-1] > 10 * path.losses[0], "the loss climbs"
    assert ", ".join(screen(v) for v in path.points[:5, 0]) in s.explanation
    assert f"climbs from {screen(path.losses[0])} to {screen(path.losses[-1])}" in s.explanation
    calm = surface.descent_path(net, X, Y, pair, 0.2, n, "sgd")
    assert f"{1 - 2 * 0.2 * x1 ** 2:.1f}" == "0.1" and calm.losses[-1] < calm.losses[0]
    assert f"falls to {screen(calm.losses[-1])}" in s.explanation


@claim("narrow-valley")
def check_narrow_valley():
    from engine import surface
    s, net, X, Y, pair = surface_setup("narrow-valley")
    n = s.options["ahead"]
    assert set(s.options["compare"]) == {"sgd", "momentum", "adam"} and n == 50
    x1, x2 = X[0]
    assert (2 * x1 ** 2) / (2 * x2 ** 2) == pytest.approx(100) and "100 times" in s.explanation
    paths = {opt: surface.descent_path(net, X, Y, pair, s.lr, n, opt) for opt in ("sgd", "momentum", "adam")}
    assert f"L = {screen(paths['sgd'].losses[0])}" in s.explanation
    sgd = paths["sgd"]
    assert f"only at {screen(sgd.points[-1][1])} (the minimum is at {Y[0, 1] / x2:g})" in s.explanation
    assert abs(sgd.points[-1][0] - Y[0, 0] / x1) < 1e-6, "plain gradient descent is on the floor …"
    assert abs(sgd.points[-1][1] - Y[0, 1] / x2) > 2, "… and still far from the minimum along it"
    for opt in paths:
        assert f"L = {screen(paths[opt].losses[-1])}" in s.explanation
    assert max(paths["momentum"].losses[-1], paths["adam"].losses[-1]) < paths["sgd"].losses[-1] / 10


def test_every_preset_has_a_claim_check():
    assert set(CLAIMS) == set(lesson_ids())


@pytest.mark.parametrize("name", lesson_ids())
def test_preset_claim(name):
    CLAIMS[name]()


def sandbox(name):
    """The lesson's expression evaluated at its values (the sandbox's own engine)."""
    from engine.expression import evaluate, parse
    s = load_lesson(name)
    return s, evaluate(parse(s.expression), s.values)


@claim("composite-chain-rule")
def check_composite_chain_rule():
    from engine.expression import timeline
    s, ev = sandbox("composite-chain-rule")
    x = s.values["x"]
    u, y = x ** 2, np.sin(x ** 2)                         # u = f(x) = x², y = g(u) = sin u
    dy_du, du_dx = np.cos(u), 2 * x                       # the two slopes
    assert_close("y", ev.output, y)
    assert_close("dy/dx = dy/du · du/dx", ev.gradient["x"], dy_du * du_dx)
    for text, value in {"2.25": u, "0.7781": y, "−0.6282": dy_du, "3": du_dx, "−1.885": ev.gradient["x"]}.items():
        assert f"{value:.4g}".replace("-", "−") == text and text in s.explanation
    assert timeline(ev)[-1].text.startswith("∂y/∂x = ∂y/∂v₁ · ∂v₁/∂x = (−0.6282) · 3 = −1.885")
    from engine.expression import evaluate, parse
    assert evaluate(parse(s.expression), {"x": 0.0}).gradient["x"] == 0.0, "at x = 0, du/dx = 0"


@claim("gradient-direction-length")
def check_gradient_direction_length():
    s, ev = sandbox("gradient-direction-length")
    g = np.array([ev.gradient["x"], ev.gradient["y"]])
    assert_close("∇f at (1, 2)", g, [10.0, 6.0])
    assert_close("f(1, 2)", ev.output, 11.0)
    length = np.hypot(*g)
    assert f"{length:.4g}" == "11.66" and "√136 = 11.66" in s.explanation
    assert f"{np.degrees(np.arctan2(g[1], g[0])):.2f}°" in s.explanation
    from engine.expression import evaluate, parse
    graph = parse(s.expression)
    eps, unit = 1e-3, g / length
    rise = evaluate(graph, {"x": 1 + eps * unit[0], "y": 2 + eps * unit[1]}).output - ev.output
    assert abs(rise - eps * length) < 0.01 * eps * length, "a small step along ∇f raises f by ≈ ε·|∇f|"
    assert f"{eps * length:.4g}" in s.explanation
    for angle in np.linspace(0, 2 * np.pi, 36, endpoint=False):   # no other direction rises faster
        d = np.array([np.cos(angle), np.sin(angle)])
        other = evaluate(graph, {"x": 1 + eps * d[0], "y": 2 + eps * d[1]}).output - ev.output
        assert other <= rise + 1e-12


@claim("tutorial-worked-example")
def check_tutorial_worked_example():
    s, net, X, Y = setup("tutorial-worked-example")
    r = net.backward(X, Y)
    x, w2 = X.item(), s.weights[1][0][0]
    z1, a1, z2, yhat = r.z[0].item(), r.a[1].item(), r.z[1].item(), r.a[2].item()
    dyhat = r.dL_dyhat.item()
    s2, s1 = yhat * (1 - yhat), a1 * (1 - a1)                # σ′(z2), σ′(z1)
    exact = {"1.1": z1, "0.7503": a1, "0.4251": z2, "0.6047": yhat, "0.1563": r.loss, "−0.7906": dyhat,
             "0.2390": s2, "0.1874": s1, "−0.1418": r.dW[1].item(), "−0.1890": r.db[1].item(),
             "−0.02125": r.dW[0].item(), "−0.01062": r.db[0].item()}
    for text, value in exact.items():
        decimals = len(text.split(".")[1])
        assert shown(value, decimals) == text and text in s.explanation, (text, value)
    assert_close("dL/dw1 by hand", r.dW[0].item(), dyhat * s2 * w2 * s1 * x)
    net.step(X, Y, s.lr)
    assert [round(net.weights[1].item(), 5), round(net.weights[0].item(), 5)] == [0.30142, 0.50021]
    assert "w2 = 0.30142" in s.explanation and "w1 = 0.50021" in s.explanation
    # the tutorial's roundings (a1 → 0.75, σ′ → 3 digits) move only the fourth digit …
    s2r, s1r = round(s2, 3), round(s1, 3)
    dw2_rounded = dyhat * s2r * 0.75
    dw1_rounded = dyhat * s2r * w2 * s1r * x
    assert (s2r, s1r) == (0.239, 0.187)
    assert shown(dw2_rounded) == "−0.1417" and shown(dw1_rounded, 5) == "−0.02120"
    assert shown(dw2_rounded, 3) == shown(r.dW[1].item(), 3) == "−0.142", "not −0.145"
    assert shown(dw1_rounded, 3) == shown(r.dW[0].item(), 3) == "−0.021", "not −0.022"
    # … the tutorial's numbers follow from σ′ taken at 0.3 (w2) instead of at z2
    slope_at_w2 = sigmoid(0.3) * (1 - sigmoid(0.3))
    assert shown(slope_at_w2) == "0.2445" and shown(dyhat * slope_at_w2 * 0.75, 3) == "−0.145"
    dw1_tutorial = dyhat * slope_at_w2 * w2 * s1 * x
    assert shown(dw1_tutorial, 5) == "−0.02173" and shown(dw1_tutorial, 3) == "−0.022"
    for text in ("−0.1417", "−0.02120", "0.2445", "−0.02173", "−0.145", "−0.022"):
        assert text in s.explanation
