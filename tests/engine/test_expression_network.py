"""A network typed as an expression gives the engine's ``Network`` numbers: loss, output and every ∂L/∂W, ∂L/∂b."""
import numpy as np
import pytest

from engine import Network
from engine.expression import evaluate, parse, timeline
from tests.helpers import assert_close


def network_expression(sizes, activation, output_activation):
    """The mse loss of one sample, written out unit by unit: W{l}_{j}{k}, b{l}_{j}, inputs x{k}, targets t{j}."""
    a = [f"x{k}" for k in range(sizes[0])]
    for l in range(len(sizes) - 1):
        f = output_activation if l == len(sizes) - 2 else activation
        a = [f"{f}(" + " + ".join(f"W_{l}{j}{k}*{a[k]}" for k in range(sizes[l])) + f" + b_{l}{j})"
             for j in range(sizes[l + 1])]
    return "L = " + " + ".join(f"({a[j]} - t{j})**2" for j in range(sizes[-1]))


def values_of(net, x, t):
    v = {f"x{k}": x[k] for k in range(len(x))} | {f"t{j}": t[j] for j in range(len(t))}
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        v |= {f"W{l}{j}{k}": W[j, k] for j in range(W.shape[0]) for k in range(W.shape[1])}
        v |= {f"b{l}{j}": b[j] for j in range(b.size)}
    return v


@pytest.mark.parametrize("sizes, activation, output_activation", [
    ([1, 1, 1], "sigmoid", "sigmoid"),      # the tutorial's network
    ([1, 1, 1], "relu", "sigmoid"),         # the textbook example
    ([2, 2, 1], "tanh", "sigmoid"),         # two layers, two hidden units: fan-out of every input (12 variables)
])
def test_expression_equals_network(sizes, activation, output_activation):
    net = Network(sizes, activation=activation, output_activation=output_activation, loss="mse", seed=3)
    rng = np.random.default_rng(7)
    x, t = rng.normal(size=sizes[0]), rng.uniform(size=sizes[-1])
    r = net.backward(x[None, :], t[None, :])
    ev = evaluate(parse(network_expression(sizes, activation, output_activation)), values_of(net, x, t))
    assert_close("L", ev.output, r.loss)
    for l, (dW, db) in enumerate(zip(r.dW, r.db)):
        got_W = np.array([[ev.gradient[f"W{l}{j}{k}"] for k in range(dW.shape[1])] for j in range(dW.shape[0])])
        assert_close(f"dL/dW{l}", got_W, dW)
        assert_close(f"dL/db{l}", [ev.gradient[f"b{l}{j}"] for j in range(db.size)], db)


def test_tutorial_network_numbers_and_sentence():
    """x = 2, t = 1, w1 = 0.5, b1 = 0.1, w2 = 0.3, b2 = 0.2, both sigmoid, squared error."""
    text = "L = (sigmoid(w2*sigmoid(w1*x + b1) + b2) - t)**2"
    v = dict(x=2.0, t=1.0, w1=0.5, b1=0.1, w2=0.3, b2=0.2)
    ev = evaluate(parse(text), v)
    net = Network([1, 1, 1], activation="sigmoid", output_activation="sigmoid", loss="mse")
    net.set_parameters([[[0.5]], [[0.3]]], [[0.1], [0.2]])
    r = net.backward([[2.0]], [[1.0]])
    assert_close("dL/dw2", ev.gradient["w2"], r.dW[1].item())
    assert_close("dL/dw1", ev.gradient["w1"], r.dW[0].item())
    assert f"{ev.gradient['w2']:.4f}" == "-0.1418" and f"{ev.gradient['w1']:.4f}" == "-0.0212"
    last_w1 = [s for s in timeline(ev) if s.node == ev.graph.variable_id("w1")][0]
    assert last_w1.text.split(", where")[0].endswith("= −0.02125")
