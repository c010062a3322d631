"""The step page's loss view, driven headless: every drawn number is the engine's at the page's state."""
import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.drawing.style import fmt
from components.shell import sharing
from components.step.panels import VIEWS
from engine import surface as S
from engine.scenario import load_lesson
from tests.helpers import assert_close

APP = str(Path(__file__).resolve().parents[2] / "app.py")
LOSS = VIEWS[4]


def arr(v):
    """A plotly JSON array: a list, or plotly 7's base64 {"dtype", "bdata", "shape"} record."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape(tuple(int(n) for n in str(v["shape"]).split(","))) if "shape" in v else a
    return np.array(v, dtype=float)


def xy(trace):
    return np.column_stack([arr(trace["x"]), arr(trace["y"])])


def ok(at):
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture
def at():
    return ok(AppTest.from_file(APP, default_timeout=60).run())


def run_of(at):
    return at.session_state["step_page"]


def sample(run):
    return np.array([run.config.x]), np.array([run.config.y])


def chart_with(at, trace_type=None, meta_key=None):
    for c in at.get("plotly_chart"):
        fig = json.loads(c.proto.spec)
        if trace_type and any(t.get("type") == trace_type for t in fig["data"]):
            return fig
        if meta_key and meta_key in (fig["layout"].get("meta") or {}):
            return fig
    raise AssertionError(f"no chart with {trace_type or meta_key}")


def open_loss(at, sub):
    at.radio(key="step_view").set_value(LOSS).run()
    ok(at)
    gen = run_of(at).generation
    at.radio(key=f"step_loss_view_{gen}").set_value(sub).run()
    return ok(at)


def set_lr(at, lr):
    gen = run_of(at).generation
    at.select_slider(key=f"step_lr_{gen}").set_value(lr).run()
    return ok(at)


def metric(at, start):
    return next(m.value for m in at.metric if m.label.startswith(start))


def test_slope_view_tangent_landing_and_secant_follow_alpha_and_the_weight_slider(at):
    at.session_state["step_page"].selected = "W1:0:1"
    open_loss(at, "slope")
    run = run_of(at)
    net = run.network()
    X, Y = sample(run)
    r = net.backward(X, Y)
    g = r.dW[1][0, 1]
    fig = chart_with(at, meta_key="landing")
    assert_close("tangent slope drawn", fig["layout"]["meta"]["grad"], g)
    w0 = run.weights[1][0, 1]
    assert_close("landing at α = 0.5", fig["layout"]["meta"]["landing"], w0 - 0.5 * g)
    tangent = next(t for t in fig["data"] if t["name"].startswith("tangent"))
    assert f"slope = ∂L/∂w²₁,₂ = {fmt(g)}" in tangent["name"]
    assert metric(at, "∂L/∂w²₁,₂") == fmt(g)
    curve = next(t for t in fig["data"] if t["name"].startswith("L("))
    xs, ys = arr(curve["x"]), arr(curve["y"])
    c = int(np.argmin(np.abs(xs - w0)))
    assert_close("central difference of the plotted curve", (ys[c + 1] - ys[c - 1]) / (xs[c + 1] - xs[c - 1]), g,
                 rtol=1e-3)
    # the graph shows the same number on that edge at the backward step through layer 2 (step 5 of 7)
    for _ in range(4):
        at.button(key="step_forward").click().run()
    assert run_of(at).steps()[run_of(at).step].kind == "backward"
    graph = json.dumps(json.loads(at.get("plotly_chart")[0].proto.spec))
    assert fmt(g) in graph
    # α moves the landing point live
    set_lr(at, 2.0)
    fig = chart_with(at, meta_key="landing")
    assert_close("landing at α = 2", fig["layout"]["meta"]["landing"], w0 - 2.0 * g)
    loss_there = S.loss_at(net, X, Y, ["W1:0:1"], [w0 - 2.0 * g])[0]
    assert_close("loss at the landing", fig["layout"]["meta"]["landing_loss"], loss_there)
    # the weight slider moves the point, the tangent and the landing point
    at.slider(key="step_sel_W1:0:1").set_value(0.25).run()
    ok(at)
    net = run_of(at).network()
    g2 = net.backward(X, Y).dW[1][0, 1]
    fig = chart_with(at, meta_key="landing")
    assert_close("new slope", fig["layout"]["meta"]["grad"], g2)
    assert_close("new landing", fig["layout"]["meta"]["landing"], 0.25 - 2.0 * g2)
    # h on its log slider: the secant's difference to ∂L/∂w
    gen = run_of(at).generation
    at.select_slider(key=f"step_loss_h_{gen}").set_value(1e-5).run()
    ok(at)
    sec = S.secant(net, X, Y, "W1:0:1", 1e-5)
    assert metric(at, "Secant slope, h = 1e-05") == fmt(sec.slope)
    assert metric(at, "Secant − ∂L/∂w") == f"{sec.difference:.2e}".replace("-", "−")


def test_surface_view_values_arrow_and_applied_path_are_the_engines(at):
    open_loss(at, "surface")
    run = run_of(at)
    X, Y = sample(run)
    net = run.network()
    pair = S.top_pair(net, X, Y)
    fig = chart_with(at, trace_type="contour")
    contour = next(t for t in fig["data"] if t["type"] == "contour")
    xs, ys = arr(contour["x"]), arr(contour["y"])
    Z = arr(contour.get("customdata") or contour["z"])
    for r, c in ((0, 0), (30, 12), (60, 60), (7, 45)):
        assert_close(f"Z[{r}, {c}]", Z[r, c], S.loss_at(net, X, Y, pair, [[xs[c], ys[r]]])[0])
    grad = [S.gradient_of(net.backward(X, Y), p) for p in pair]
    assert_close("arrow = (∂L/∂w_i, ∂L/∂w_j)", fig["layout"]["meta"]["gradient"], grad)
    assert fig["layout"]["meta"]["descent"] is True
    assert any("2-D slice" in m.value and "11 other parameters held" in m.value for m in at.markdown)
    # apply three updates: the drawn path is the parameters after each
    twin = net.copy()
    want = [[S.get_value(twin.weights, twin.biases, p) for p in pair]]
    for _ in range(3):
        at.button(key="step_train").click().run()
        ok(at)
        twin.step(X, Y, run.config.lr)
        want.append([S.get_value(twin.weights, twin.biases, p) for p in pair])
    fig = chart_with(at, trace_type="contour")
    path = next(t for t in fig["data"] if t["name"].startswith("updates applied"))
    assert_close("drawn path", xy(path), want)
    point = next(t for t in fig["data"] if t["name"] == "the point")
    assert_close("the point is the path's end", xy(point)[0], want[-1])
    # the next N steps of several optimizers, compared on the same surface; α moves them
    gen = run_of(at).generation
    at.multiselect(key=f"step_loss_compare_{gen}").set_value(["sgd", "adam"]).run()
    ok(at)
    at.number_input(key=f"step_loss_ahead_{gen}").set_value(5).run()
    ok(at)
    net = run_of(at).network()
    fig = chart_with(at, trace_type="contour")
    for name, opt in (("SGD", "sgd"), ("Adam", "adam")):
        trace = next(t for t in fig["data"] if t["name"].startswith("next 5 steps, " + name))
        want = S.descent_path(net, X, Y, pair, run.config.lr, 5, opt).points
        assert_close(f"{opt} path", xy(trace), want)
    before = next(t for t in fig["data"] if t["name"].startswith("next 5 steps, SGD"))
    set_lr(at, 0.1)
    fig = chart_with(at, trace_type="contour")
    after = next(t for t in fig["data"] if t["name"].startswith("next 5 steps, SGD"))
    assert not np.allclose(arr(before["x"]), arr(after["x"])), "α moves the path"
    want = S.descent_path(net, X, Y, pair, 0.1, 5, "sgd").points
    assert_close("SGD path at α = 0.1", xy(after), want)


def test_check_every_gradient_lists_every_parameter(at):
    open_loss(at, "check")
    run = run_of(at)
    table = at.dataframe[0].value
    assert list(table["id"]) == S.param_ids(run.sizes)
    r = run.network().backward(*sample(run))
    for pid, backprop in zip(table["id"], table["∂L/∂w (backprop)"]):
        assert_close(pid, backprop, S.gradient_of(r, pid))
    assert (table["relative error"] < 1e-5).all() and set(table["agrees"]) == {"✓ yes"}
    assert any("All 13 agree" in s.value for s in at.success)


@pytest.mark.parametrize("lesson, view", [("derivative-slope", "slope"), ("gradient-direction", "surface"),
                                          ("lr-too-large-surface", "surface"), ("narrow-valley", "surface")])
def test_loss_lessons_open_the_loss_view_on_the_named_parameters(lesson, view):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["v"] = "1"
    at.query_params["lesson"] = lesson
    ok(at.run())
    s = load_lesson(lesson)
    assert at.radio(key="step_view").value == LOSS
    run = run_of(at)
    assert run.loss_view == view
    if view == "slope":
        fig = chart_with(at, meta_key="landing")
        assert fmt(fig["layout"]["meta"]["grad"]) == "−0.1055"
        return
    fig = chart_with(at, trace_type="contour")
    assert fig["layout"]["xaxis"]["title"]["text"], fig["layout"]["yaxis"]["title"]["text"]
    net = run.network()
    X, Y = sample(run)
    assert tuple(run.surface) == tuple(s.options["surface"])
    assert_close("arrow", fig["layout"]["meta"]["gradient"],
                 [S.gradient_of(net.backward(X, Y), p) for p in s.options["surface"]])
    for opt in s.options.get("compare", ()):
        trace = next(t for t in fig["data"] if t["name"].startswith(f"next {s.options['ahead']} steps"))
        assert trace
        want = S.descent_path(net, X, Y, tuple(s.options["surface"]), s.lr, s.options["ahead"], opt)
        assert any(np.allclose(xy(t), want.points) for t in fig["data"]
                   if t["name"].startswith("next")), opt


@pytest.mark.parametrize("options, message", [
    ({"surface": ["W5:0:0", "b0:0"]}, "view.options.surface[0]: 'W5:0:0' names weight layer 5"),
    ({"surface": ["W0:0:0", "b0:9"]}, "view.options.surface[1]: 'b0:9' is outside layer 0"),
    ({"surface": ["W0:0:0", "W0:0:0"]}, "view.options.surface: expected two different parameters"),
    ({"compare": ["rmsprop"]}, "view.options.compare: expected a list of names from sgd, momentum, adam"),
    ({"ahead": 5000}, "view.options.ahead: expected a whole number of steps from 1 to 200"),
    ({"loss_view": "3d"}, "view.options.loss_view: expected one of slope, surface, check"),
])
def test_a_file_naming_a_parameter_that_does_not_exist_is_refused_and_changes_nothing(at, options, message):
    before = sharing.step_scenario(run_of(at))
    s = load_lesson("textbook")
    data = json.loads(s.to_json())
    data.setdefault("view", {})["options"] = options
    at.file_uploader(key="share_upload").set_value(("bad.json", json.dumps(data).encode(), "application/json")).run()
    ok(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and message in errors[0] and "Nothing was changed" in errors[0], errors
    assert sharing.step_scenario(run_of(at)) == before


def test_the_textbook_preset_slope_on_w2_and_surface_default_pair():
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    gen = run_of(at).generation
    at.selectbox(key=f"step_preset_{gen}").set_value("Textbook example (x = 2, y = 1)").run()
    ok(at)
    run_of(at).selected = "W1:0:0"
    open_loss(at, "slope")
    assert metric(at, "∂L/∂w²₁,₁") == "−0.1055"
    open_loss(at, "surface")
    fig = chart_with(at, trace_type="contour")
    assert fig["layout"]["xaxis"]["title"]["text"] == "w¹₁,₁" and fig["layout"]["yaxis"]["title"]["text"] == "w²₁,₁"
    assert_close("∇L", fig["layout"]["meta"]["gradient"], [-0.15351571247583062, -0.10554205232713355])


def test_overflow_is_said_in_words_and_left_blank(at):
    from components.step import session
    from components.step.config import DEFAULT, with_architecture
    run = session.new_run(with_architecture(DEFAULT, output_activation="linear"))
    run.weights[1][0, 0] = 1e200
    run.weights[0][0, 0] = 1e150
    at.session_state["step_page"] = run
    at.run()
    for sub in ("slope", "surface"):
        open_loss(at, sub)
        assert any("overflows" in w.value for w in at.warning), sub


def test_the_loss_view_is_saved_and_restored_with_the_page(at):
    open_loss(at, "surface")
    gen = run_of(at).generation
    at.selectbox(key=f"step_loss_px_{gen}").set_value("W0:1:1").run()
    at.selectbox(key=f"step_loss_py_{gen}").set_value("b1:0").run()
    at.multiselect(key=f"step_loss_compare_{gen}").set_value(["momentum"]).run()
    ok(at)
    s = sharing.step_scenario(run_of(at))
    assert s.options["panel"] == "loss" and s.options["loss_view"] == "surface"
    assert list(s.options["surface"]) == ["W0:1:1", "b1:0"] and list(s.options["compare"]) == ["momentum"]
    fresh = ok(AppTest.from_file(APP, default_timeout=60).run())
    fresh.file_uploader(key="share_upload").set_value(("s.json", s.to_json().encode(), "application/json")).run()
    ok(fresh)
    run = run_of(fresh)
    assert (run.panel, run.loss_view, run.surface, run.compare) == ("loss", "surface", ("W0:1:1", "b1:0"), ("momentum",))
    fig = chart_with(fresh, trace_type="contour")
    assert any(t["name"].startswith("next 20 steps, momentum") for t in fig["data"])


def test_a_link_naming_a_layer_that_does_not_exist_keeps_the_view_and_says_which_option():
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"v": "1", "lesson": "textbook", "v.panel": "loss", "v.surface": '["W5:0:0","b0:0"]'}.items():
        at.query_params[k] = v
    ok(at.run())
    notices = " ".join(w.value for w in at.warning)
    assert "view.options.surface[0]: 'W5:0:0' names weight layer 5, but this [1, 1, 1] network has layers 0 … 1" \
        in notices, notices
    run = run_of(at)
    assert run.weights[0][0, 0] == 0.5 and run.surface is None and run.panel == "equations"
    assert not at.error


def test_a_20_by_32_network_offers_the_largest_gradients_and_draws_every_view(at):
    from components.step import session
    from components.step.config import DEFAULT, with_architecture
    at.session_state["step_page"] = session.new_run(with_architecture(DEFAULT, hidden=(32,) * 20,
                                                                      activations=("tanh",) * 20))
    ok(at.run())
    open_loss(at, "surface")
    run = run_of(at)
    gen = run.generation
    options = at.selectbox(key=f"step_loss_px_{gen}").options
    assert len(options) <= 42 and any("40 with the largest |∂L/∂w|" in c.value for c in at.caption)
    X, Y = sample(run)
    fig = chart_with(at, trace_type="contour")
    assert_close("arrow", fig["layout"]["meta"]["gradient"],
                 [S.gradient_of(run.network().backward(X, Y), p) for p in S.top_pair(run.network(), X, Y)])
    open_loss(at, "slope")
    open_loss(at, "check")
    assert len(at.dataframe[0].value) == S.MAX_CHECKED
