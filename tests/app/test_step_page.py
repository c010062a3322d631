"""The step-through page, driven headless with AppTest as a student uses it.

The numbers the page shows (hover cards of the graph, metrics, equations) are compared with the
engine's ``Network.backward`` / ``Network.step`` on the same network.
"""
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.step.config import DEFAULT, TEXTBOOK, make_network
from components.step.session import KEY
from components.drawing.style import fmt

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def at():
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def figure(at):
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def cards(at, name):
    trace = next(t for t in figure(at)["data"] if t.get("name") == name)
    return {row[0]: row for row in trace["customdata"]}


def caption(at):
    return next(m.value for m in at.markdown if m.value.startswith("### "))[4:]


def metric(at, label):
    return next(m for m in at.metric if m.label == label)


def latex(at):
    return "\n".join(l.value for l in at.latex)


def sidebar_widget(at, kind, label_start):
    return next(w for w in getattr(at.sidebar, kind) if w.label.startswith(label_start))


def step(at, times=1):
    for _ in range(times):
        at.button(key="step_forward").click().run()
    assert not at.exception, [e.message for e in at.exception]


def test_page_opens_at_step_one_with_the_graph_and_no_exception(at):
    assert caption(at) == "Step 1 of 7 — start: input set"
    nodes = cards(at, "nodes")
    assert set(nodes) == {"L0:N0", "L0:N1", "L1:N0", "L1:N1", "L1:N2", "L2:N0"}
    assert nodes["L1:N0"][1:4] == ["—", "—", "—"]          # nothing computed yet: blank
    assert metric(at, "Loss L").value == "not yet"


def test_stepping_through_every_step_shows_the_engine_numbers(at):
    net = make_network(DEFAULT)
    X, Y = np.array([DEFAULT.x]), np.array([DEFAULT.y])
    r = net.backward(X, Y)
    after = net.copy()
    after.step(X, Y, DEFAULT.lr)
    L = net.n_layers
    for i in range(2 * L + 3):
        if i:
            step(at)
        assert caption(at).startswith(f"Step {i + 1} of {2 * L + 3}")
        nodes, edges = cards(at, "nodes"), cards(at, "edges")
        forward_done = min(i, L)                        # weight layers whose z, a are known
        backward_done = 0 if i <= L + 1 else min(i - L - 1, L)
        for l in range(L):
            n = net.sizes[l + 1]
            for j in range(n):
                card = nodes[f"L{l + 1}:N{j}"]
                want_z = fmt(r.z[l][0, j]) if l < forward_done else "—"
                want_a = fmt(r.a[l + 1][0, j]) if l < forward_done else "—"
                want_d = fmt(r.delta[l][0, j]) if l >= L - backward_done else "—"
                assert card[1:4] == [want_z, want_a, want_d], f"step {i + 1}, node L{l + 1}:N{j}"
            for j in range(n):
                for k in range(net.sizes[l]):
                    card = edges[f"W{l}:{j}:{k}"]
                    want_g = fmt(r.dW[l][j, k]) if l >= L - backward_done else "not computed yet"
                    assert card[3] == want_g, f"step {i + 1}, ∂L/∂w of W{l}:{j}:{k}"
        if i > L:
            assert metric(at, "Loss L").value == fmt(r.loss)
    # the update step: the new weights are drawn and the loss after is the engine's, lower than before
    edges = cards(at, "edges")
    for l in range(L):
        assert edges[f"W{l}:0:0"][2] == fmt(after.weights[l][0, 0])
    loss_after = after.backward(X, Y).loss
    assert metric(at, "Loss after the update").value == fmt(loss_after)
    assert loss_after < r.loss
    assert at.button(key="step_forward").disabled


def test_textbook_preset_shows_its_numbers(at):
    sidebar_widget(at, "selectbox", "Preset").set_value("Textbook example (x = 2, y = 1)").run()
    assert at.session_state[KEY].config == TEXTBOOK
    at.button(key="step_end").click().run()
    nodes, edges = cards(at, "nodes"), cards(at, "edges")
    # z1 = 0.5·2 + 0.1 = 1.1; z2 = 0.8·1.1 + 0.2 = 1.08; ŷ = σ(1.08) = 0.7465
    assert nodes["L1:N0"][1:3] == ["1.1", "1.1"]
    assert nodes["L2:N0"][1:3] == ["1.08", "0.7465"]
    # ∂L/∂W2 = δ2·a1 = −0.09595·1.1 = −0.1055; ∂L/∂W1 = δ1·x = −0.07676·2 = −0.1535
    assert edges["W1:0:0"][3] == "−0.1055" and edges["W0:0:0"][3] == "−0.1535"
    assert nodes["L2:N0"][5] == "−0.09595" and nodes["L1:N0"][5] == "−0.07676"   # ∂L/∂b2, ∂L/∂b1
    assert round(at.session_state[KEY].steps()[-1].loss, 4) == 0.0643
    eqs = latex(at)
    # the update with α = 0.1: W1 0.51535, b1 0.107676, W2 0.81055, b2 0.209595
    for number in ("0.7465", "-0.1055", "-0.1535", "0.51535", "0.107676", "0.81055", "0.209595"):
        assert number in eqs, f"{number} missing from the equations"
    assert edges["W0:0:0"][2] == "0.5154" and edges["W1:0:0"][2] == "0.8106"    # new weights drawn


def test_moving_a_weight_slider_changes_the_gradients_and_keeps_the_step(at):
    at.button(key="step_end").click().run()
    before = cards(at, "edges")["W1:0:0"][3]
    slider = at.slider(key="step_sel_W1:0:0")         # the output node is selected on opening
    slider.set_value(2.0).run()
    assert not at.exception
    run = at.session_state[KEY]
    assert run.step == len(run.steps()) - 1, "moving a weight must keep the step position"
    net = make_network(DEFAULT)
    net.weights[1][0, 0] = 2.0
    r = net.backward(np.array([DEFAULT.x]), np.array([DEFAULT.y]))
    after = cards(at, "edges")["W1:0:0"][3]
    assert after != before and after == fmt(r.dW[1][0, 0])
    assert cards(at, "edges")["W0:0:0"][3] == fmt(r.dW[0][0, 0])


@pytest.mark.parametrize("text, words", [("3, x", "whole numbers separated by commas"),
                                         ("3, 40", "1 … 32 units"),
                                         (",".join(["2"] * 21), "at most 20 layers")])
def test_bad_hidden_sizes_give_a_clear_message_and_keep_the_network(at, text, words):
    sidebar_widget(at, "text_input", "Hidden layer sizes").input(text).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and "Hidden layer sizes" in errors[0] and words in errors[0]
    assert at.session_state[KEY].config.sizes == DEFAULT.sizes
    assert cards(at, "nodes").keys() == {"L0:N0", "L0:N1", "L1:N0", "L1:N1", "L1:N2", "L2:N0"}


def test_live_changes_keep_the_step_structural_changes_reset_it(at):
    step(at, 3)
    sidebar_widget(at, "select_slider", "Learning rate").set_value(0.01).run()
    sidebar_widget(at, "slider", "Input x₁").set_value(-2.0).run()
    run = at.session_state[KEY]
    assert run.step == 3 and run.config.lr == 0.01 and run.config.x[0] == -2.0
    z = cards(at, "nodes")["L1:N0"][1]
    net = make_network(DEFAULT)
    assert z == fmt(net.backward([-2.0, DEFAULT.x[1]], DEFAULT.y).z[0][0, 0])
    sidebar_widget(at, "text_input", "Hidden layer sizes").input("4, 2").run()
    run = at.session_state[KEY]
    assert run.step == 0 and run.config.sizes == (2, 4, 2, 1)
    assert run.config.lr == 0.01, "a structural change keeps the other settings"
    assert len(cards(at, "nodes")) == 2 + 4 + 2 + 1
    assert caption(at) == "Step 1 of 9 — start: input set"


def test_only_valid_output_and_loss_combinations_are_offered(at):
    assert "softmax" not in sidebar_widget(at, "selectbox", "Output activation").options   # 1 output
    assert sidebar_widget(at, "selectbox", "Loss").options == ["mse", "bce"]
    sidebar_widget(at, "number_input", "Outputs").set_value(3).run()
    sidebar_widget(at, "selectbox", "Output activation").set_value("softmax").run()
    assert sidebar_widget(at, "selectbox", "Loss").options == ["mse", "cross_entropy"]
    sidebar_widget(at, "selectbox", "Loss").set_value("cross_entropy").run()
    assert not at.exception and at.session_state[KEY].config.loss == "cross_entropy"
    sidebar_widget(at, "selectbox", "Target class").set_value(3).run()
    assert at.session_state[KEY].config.y == (0.0, 0.0, 1.0)
    at.button(key="step_end").click().run()
    assert metric(at, "Loss L").value != "not yet"


def test_apply_update_starts_the_next_step_from_the_new_weights(at):
    at.button(key="step_end").click().run()
    first = at.session_state[KEY].steps()
    at.button(key="step_train").click().run()
    run = at.session_state[KEY]
    assert run.step == 0 and run.trained == 1
    assert np.allclose(run.weights[0], first[-1].weights[0])
    at.button(key="step_end").click().run()
    assert run.steps()[-1].loss == pytest.approx(first[-1].loss_after)
    assert at.slider(key="step_sel_W1:0:0").value == pytest.approx(first[-1].weights[1][0, 0])


def test_selecting_a_weight_shows_its_equation_and_slider(at):
    at.session_state[KEY].selected = "W0:1:0"
    at.button(key="step_end").click().run()
    assert "#### Selected: w¹₂,₁ `W0:1:0`" in [m.value for m in at.markdown]
    assert r"\frac{\partial L}{\partial w^{(1)}_{21}}" in latex(at)
    assert at.slider(key="step_sel_W0:1:0").value == pytest.approx(at.session_state[KEY].weights[0][1, 0])
    ring = [s for s in figure(at)["layout"]["shapes"] if s.get("line", {}).get("width") == 14]
    assert len(ring) == 1, "the selected edge is outlined on the graph"


def test_play_advances_one_step_per_tick_and_stops_at_the_end(at):
    at.button(key="step_play").click().run()        # AppTest does not tick run_every: rerun by hand
    run = at.session_state[KEY]
    assert run.playing and run.step == 1
    for _ in range(10):
        at.run()
    assert not at.session_state[KEY].playing and at.session_state[KEY].step == 6
    assert not at.exception


def test_huge_weights_show_an_overflow_message_not_a_traceback(at):
    # Within the page's limits float64 does not overflow; weights set from outside (a loaded file,
    # a link) can: the page must still show a state a student understands.
    sidebar_widget(at, "selectbox", "Set all hidden").set_value("linear").run()
    sidebar_widget(at, "selectbox", "Output activation").set_value("linear").run()
    run = at.session_state[KEY]
    for W in run.weights:
        W *= 1e200                              # z of layer 2 is about 1e400: inf in float64
    run.version += 1
    at.button(key="step_end").click().run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Overflow" in warnings and "not finite" in warnings and "update was skipped" in warnings
    shown = {v for row in cards(at, "nodes").values() for v in row[1:4]}
    assert shown & {"∞", "−∞", "NaN"}


def test_table_of_the_step_downloads_as_csv(at):
    step(at, 2)
    from components.step.panels import table_csv
    from engine.timeline import step_table
    run = at.session_state[KEY]
    text = table_csv(step_table(run.steps(), run.step))
    header, *rows = text.strip().splitlines()
    assert header.startswith("layer,id,label,kind,z,a,delta")
    assert any(r.startswith("2,L2:N0,ŷ,node,") for r in rows)
    assert len(rows) == 6 + 9


def test_each_view_below_the_graph_shows_its_content(at):
    step(at, 3)
    view = at.radio(key="step_view")
    assert view.options[0] == "Equations of this step" and len(at.get("plotly_chart")) == 1
    view.set_value("Neuron zoom").run()
    assert not at.exception and len(at.get("plotly_chart")) == 2          # the graph and the zoom
    at.radio(key="step_view").set_value("Table of this step (CSV)").run()
    assert at.get("download_button") and at.dataframe
    table = at.dataframe[0].value
    assert list(table["id"][:2]) == ["L0:N0", "L0:N1"] and len(table) == 6 + 9
    at.radio(key="step_view").set_value("Show the PyTorch equivalent").run()
    code = at.code[0].value
    run = at.session_state[KEY]
    assert "import torch" in code and repr(float(run.weights[0][0, 0])) in code
