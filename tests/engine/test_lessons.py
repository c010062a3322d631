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
    plain, _ = lab_ratio(s.replace(norm="none"))
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
    from components.playground.scenario import playground_state
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


def test_every_preset_has_a_claim_check():
    assert set(CLAIMS) == set(lesson_ids())


@pytest.mark.parametrize("name", lesson_ids())
def test_preset_claim(name):
    CLAIMS[name]()
