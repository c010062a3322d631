"""The neuron zoom figure shows the engine's numbers, revealed step by step."""
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from components.step.neuron_zoom import MAX_ZOOM_INPUTS, fmt, neuron_boxes, neuron_figure
from engine import Network
from engine.timeline import build_timeline
from tests.helpers import textbook_network


def textbook_steps():
    net = textbook_network()
    return net, build_timeline(net, 2.0, 1.0, 0.1)


def box_lines(fig, key):
    """The lines of the annotation named ``key`` with the HTML tags stripped."""
    ann = [a for a in fig.layout.annotations if a.name == key]
    assert len(ann) == 1, f"box {key!r}: found {len(ann)}"
    return [re.sub(r"<[^>]+>", "", line) for line in ann[0].text.split("<br>")]


def value_of(fig, key):
    return box_lines(fig, key)[1]


def grad_of(fig, key):
    return box_lines(fig, key)[2].removeprefix("grad ")


def test_textbook_output_neuron_reveals_values_then_gradients():
    net, steps = textbook_steps()
    r = net.backward(2.0, 1.0)
    for i, step in enumerate(steps):
        fig = neuron_figure(steps, i, "L2:N0")
        assert isinstance(fig, go.Figure)
        forward_done, loss_known, backward_here = i >= 2, i >= 3, i >= 4
        assert value_of(fig, "z") == (fmt(r.z[1][0, 0]) if forward_done else "—")       # 1.08
        assert value_of(fig, "a") == (fmt(r.a[2][0, 0]) if forward_done else "—")       # 0.7465
        assert value_of(fig, "p0") == (fmt(0.8 * 1.1) if forward_done else "—")
        assert grad_of(fig, "a") == (fmt(r.dL_dyhat[0, 0]) if loss_known else "—")      # −0.507
        assert value_of(fig, "L") == (fmt(r.loss) if loss_known else "—")               # 0.06427
        assert grad_of(fig, "L") == ("1" if loss_known else "—")
        for key in ("z", "sum", "p0"):
            assert grad_of(fig, key) == (fmt(r.delta[1][0, 0]) if backward_here else "—")  # δ2 = −0.09595
        assert grad_of(fig, "w0") == (fmt(r.dW[1][0, 0]) if backward_here else "—")     # −0.1055
        assert grad_of(fig, "b") == (fmt(r.db[1][0]) if backward_here else "—")
        assert value_of(fig, "w0") == ("0.8 → 0.8106" if step.kind == "update" else "0.8")
        assert value_of(fig, "y") == "1"
    assert fmt(r.delta[1][0, 0]) == "−0.09595" and fmt(r.dW[1][0, 0]) == "−0.1055"


def test_hidden_neuron_gets_its_output_gradient_before_its_delta():
    net, steps = textbook_steps()
    r = net.backward(2.0, 1.0)
    at_layer2 = neuron_figure(steps, 4, "L1:N0")
    assert grad_of(at_layer2, "a") == fmt(0.8 * r.delta[1][0, 0])      # ∂L/∂h = w2 δ2 = −0.07676
    assert grad_of(at_layer2, "z") == "—"
    at_layer1 = neuron_figure(steps, 5, "L1:N0")
    assert grad_of(at_layer1, "z") == fmt(r.delta[0][0, 0])
    assert grad_of(at_layer1, "a0") == fmt(0.5 * r.delta[0][0, 0])    # ∂L/∂x = w1 δ1 = −0.03838
    assert "L" not in {a.name for a in at_layer1.layout.annotations}   # a hidden unit has no loss box


def test_boxes_filled_in_this_step_are_highlighted():
    _, steps = textbook_steps()
    fig = neuron_figure(steps, 2, "L2:N0")
    width = {a.name: a.borderwidth for a in fig.layout.annotations if a.name}
    assert width["z"] > width["w0"] and width["a"] > width["b"]
    fig = neuron_figure(steps, 4, "L2:N0")
    width = {a.name: a.borderwidth for a in fig.layout.annotations if a.name}
    assert width["w0"] > width["a"]          # ∂L/∂w is new at this step; ∂L/∂ŷ was known before


def test_wide_neuron_groups_the_remaining_products():
    net = Network([7, 3, 2], activation="tanh", output_activation="softmax", loss="cross_entropy", seed=4)
    X, Y = np.linspace(-1, 1, 7), [1]
    steps = build_timeline(net, X, Y, 0.1)
    r = net.backward(X, Y)
    boxes = {b.key: b for b in neuron_boxes(steps, 5, "L1:N2")}
    shown = MAX_ZOOM_INPUTS - 1
    assert {f"p{k}" for k in range(shown)} <= set(boxes) and f"p{shown}" not in boxes
    W, a = net.weights[0][2], r.a[0][0]
    assert boxes["rest"].value == pytest.approx(np.dot(W[shown:], a[shown:]), rel=1e-12)
    parts = sum(boxes[f"p{k}"].value for k in range(shown)) + boxes["rest"].value
    assert parts == pytest.approx(boxes["sum"].value, rel=1e-12)
    assert boxes["z"].value == r.z[0][0, 2] and boxes["z"].grad == r.delta[0][0, 2]
    assert boxes["w1"].grad == r.dW[0][2, 1] and boxes["b"].grad == r.db[0][2]
    assert boxes["a"].grad == pytest.approx((r.delta[1][0] @ net.weights[1])[2], rel=1e-12)
    fig = neuron_figure(steps, 5, "L1:N2")
    assert value_of(fig, "rest") == fmt(boxes["rest"].value)


def test_weight_bias_and_input_ids():
    net, steps = textbook_steps()
    by_weight = {b.key: b.value for b in neuron_boxes(steps, 3, "W1:0:0")}
    assert by_weight == {b.key: b.value for b in neuron_boxes(steps, 3, "L2:N0")}
    assert {b.key for b in neuron_boxes(steps, 3, "b0:0")} == {b.key for b in neuron_boxes(steps, 3, "L1:N0")}
    (x,) = neuron_boxes(steps, 6, "L0:N0")
    assert x.value == 2.0 and x.grad == pytest.approx(0.5 * net.backward(2.0, 1.0).delta[0][0, 0])
    fig = neuron_figure(steps, 0, "L0:N0")
    assert value_of(fig, "x") == "2" and grad_of(fig, "x") == "—"
    for bad in ("L3:N0", "W0:1:0", "nonsense"):
        with pytest.raises(ValueError, match="node_id"):
            neuron_figure(steps, 3, bad)
    with pytest.raises(ValueError, match="step_index"):
        neuron_figure(steps, 7, "L1:N0")


def test_hover_carries_full_precision_and_box_keys():
    net, steps = textbook_steps()
    fig = neuron_figure(steps, 6, "L2:N0")
    values = next(t for t in fig.data if t.name == "values")
    keys = list(values.customdata)
    assert set(keys) == {a.name for a in fig.layout.annotations if a.name}
    hover_z = values.hovertext[keys.index("z")]
    assert f"{net.backward(2.0, 1.0).z[1][0, 0]:.10g}" in hover_z


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_overflow_shows_infinity_without_warnings():
    net = Network([2, 2, 1], activation="linear", output_activation="linear", loss="mse",
                  init="constant", init_param=1e200)
    steps = build_timeline(net, [1e200, -1e200], 1.0, 0.1)      # w·a overflows to +∞ and −∞
    for i in range(len(steps)):
        for node in ("L1:N0", "L2:N0", "L0:N1"):
            neuron_figure(steps, i, node)
    fig = neuron_figure(steps, len(steps) - 1, "L1:N0")
    assert value_of(fig, "p0") == "∞" and value_of(fig, "p1") == "−∞"
    assert value_of(fig, "z") == fmt(steps[-1].z[0][0, 0])
