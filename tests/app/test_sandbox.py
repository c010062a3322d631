"""The chain-rule sandbox, driven headless with AppTest as a student uses it.

The gradients the page shows are compared with ``engine.expression.evaluate`` on the same expression.
"""
import json
import string
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.sandbox.scenario import sandbox_scenario
from components.sandbox.state import KEY
from engine.expression import evaluate, number, parse

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "components/sandbox/page.py"


@pytest.fixture
def at():
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def metrics(at):
    return {m.label: m.value for m in at.metric}


def heading(at):
    return next(m.value for m in at.markdown if m.value.startswith("### Step"))


def graph(at):
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def type_expression(at, text):
    at.text_input(key="sandbox_text").set_value(text).run()
    assert not at.exception, [e.message for e in at.exception]


def set_value(at, name, value):
    run = at.session_state[KEY]
    at.number_input(key=f"sandbox_val_{name}_{run.generation}").set_value(value).run()
    assert not at.exception, [e.message for e in at.exception]


def test_type_step_to_the_end_and_read_every_gradient(at):
    type_expression(at, "L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2")
    values = {"w2": 0.8, "w1": 0.5, "x": 2.0, "b1": 0.1, "b2": 0.2, "t": 1.0}
    for name, v in values.items():
        set_value(at, name, v)
    shown = metrics(at)
    assert all(shown[f"∂L/∂{n}"] == "not yet" for n in ("w₂", "w₁", "x", "b₁", "b₂", "t"))
    at.button(key="sandbox_end").click().run()
    ev = evaluate(parse("L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2"), values)
    shown = metrics(at)
    for name, label in (("w2", "w₂"), ("w1", "w₁"), ("x", "x"), ("b1", "b₁"), ("b2", "b₂"), ("t", "t")):
        assert shown[f"∂L/∂{label}"] == number(ev.gradient[name]), name
    assert shown["∂L/∂w₁"] == "−0.1535" and shown["∂L/∂w₂"] == "−0.1055"   # the textbook example's numbers
    assert heading(at).startswith("### Step 22 of 22")   # start, 8 operations, seed, 7 + 6 gradients - 1


def test_stepping_forward_then_backward_with_the_chain_rule_sentence(at):
    type_expression(at, "y = 0.25 * (3 * u)")
    assert heading(at) == "### Step 0 of 5 — Start: the inputs"
    at.button(key="sandbox_step").click().run()
    assert "v₁ = 3 · u" in heading(at)
    texts = [c.value for c in at.caption]
    assert any(t.startswith("v₁ = 3 · u = 3 · 1 = 3") for t in texts)
    at.button(key="sandbox_end").click().run()
    assert any(t.startswith("∂y/∂u = ∂y/∂v₁ · ∂v₁/∂u = 0.25 · 3 = 0.75") for t in (c.value for c in at.caption))
    assert r"= 0.25 \cdot 3 = 0.75" in at.latex[0].value
    at.button(key="sandbox_back").click().run()
    assert heading(at).startswith("### Step 4 of 5")
    at.button(key="sandbox_reset").click().run()
    assert heading(at).startswith("### Step 0 of 5")


def test_graph_shows_values_then_gradients_in_words(at):
    text = " ".join(a.get("text", "") for a in graph(at)["layout"]["annotations"])
    assert "= ?" in text and "∂y/∂" not in text
    at.button(key="sandbox_end").click().run()
    # (a crowded card puts a gradient's value on its own line)
    text = " ".join(a.get("text", "") for a in graph(at)["layout"]["annotations"]).replace(" =<br>", " = ")
    assert "∂y/∂w = 0.3747" in text and "= 0.7503" in text and "◀ this step" in text


def test_bad_expression_keeps_the_last_graph_and_shows_the_column(at):
    at.button(key="sandbox_end").click().run()
    before, shown = graph(at), metrics(at)
    type_expression(at, "x +* 2")
    assert any("column 4" in e.value and "expected a number, a variable" in e.value for e in at.error)
    assert any("^ column 4" in c.value for c in at.code)
    assert graph(at) == before and metrics(at) == shown, "the last good graph and its numbers stay"
    type_expression(at, "y = w*x")
    assert not at.error and set(metrics(at)) == {"∂y/∂w", "∂y/∂x"}


@pytest.mark.parametrize("text, words", [
    ("foo(x)", 'unknown function "foo"'),
    ("x" * 5000, "5,000 characters"),
    ("(" * 25 + "x" + ")" * 25, "nest more than 20"),
    ("y = log(x - 5)", "log needs an argument above 0"),
    ("exp(exp(exp(x * 10)))", "overflows"),
])
def test_each_refusal_names_its_column(at, text, words):
    type_expression(at, text)
    errors = [e.value for e in at.error]
    assert errors and words in errors[0] and "column " in errors[0] and "last good graph stays" in errors[0]
    assert at.session_state[KEY].text == "y = sigmoid(w*x + b)"


def test_a_value_outside_the_domain_is_refused_and_the_value_kept(at):
    type_expression(at, "y = log(x)")
    kept = at.session_state[KEY].values["x"]                 # x = 2 from the example before
    set_value(at, "x", -1.0)
    assert any("x = -1 is refused" in e.value and "log needs an argument above 0" in e.value for e in at.error)
    run = at.session_state[KEY]
    assert run.values["x"] == kept == 2.0
    assert at.number_input(key=f"sandbox_val_x_{run.generation}").value == kept, "the box shows the kept value"


def test_forward_mode_gives_the_same_derivative(at):
    type_expression(at, "f = x**2 * y + sin(x*y)")
    set_value(at, "x", 1.0)
    set_value(at, "y", 2.0)
    at.radio(key="sandbox_mode").set_value("forward").run()
    at.selectbox(key="sandbox_wrt").set_value("y").run()
    at.button(key="sandbox_end").click().run()
    ev = evaluate(parse("f = x**2 * y + sin(x*y)"), {"x": 1.0, "y": 2.0})
    assert metrics(at)["∂f/∂y (forward mode)"] == number(ev.gradient["y"])
    assert any("one backward sweep gives the gradient of every input" in c.value for c in at.caption)


def test_two_variables_draw_the_contour_with_the_gradient(at):
    at.selectbox(key=f"sandbox_preset_{at.session_state[KEY].generation}").set_value(
        "Gradient (10, 6) at (1, 2)").run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    contour = json.loads(charts[1].proto.spec)
    assert contour["data"][0]["type"] == "contour"
    assert any("|∇f| = √(10² + 6²) = 11.66" in a.get("text", "") for a in contour["layout"]["annotations"])


def test_pytorch_equivalent_is_shown(at):
    code = [c.value for c in at.code if "torch" in c.value]
    assert code and "y.backward()" in code[0] and "torch.sigmoid(v2)" in code[0]


def fuzz_inputs():
    rng = np.random.default_rng(17)
    alphabet = string.ascii_letters + string.digits + "+-*/()., ^=_[]{}'\"\\!@#$%&|<>?:;~`" + "×÷−₁²αβ∂√"
    out = ["".join(rng.choice(list(alphabet), size=int(rng.integers(1, 40)))) for _ in range(25)]
    out += ["(" * 200 + "x" + ")" * 200, "-" * 499 + "x", "exp(" * 30 + "x" + ")" * 30, "x" + "+x" * 240,
            "9" * 499, "1e308 * 1e308", "x ** 1e6", "10 ** 999", "exp(1e6)", "0/0", "x/(x-1)", "sqrt(-x)",
            "max(x, y, z)", "min()", "sigmoid()", "__import__('os').system('true')", "x.__class__", "lambda: 1",
            "[x for x in y]", "x if x else y", "y = = x", "\x00", "x\ny", "𝑥 + 1", "ﬁ + 1", " ", ""]
    return out


def test_fuzz_of_the_expression_box_never_shows_an_exception(at):
    for text in fuzz_inputs():
        at.text_input(key="sandbox_text").set_value(text).run()
        assert not at.exception, (text, [e.message for e in at.exception])
        run = at.session_state[KEY]
        assert run.graph is not None and len(at.get("plotly_chart")) >= 1, text


def test_link_restores_expression_values_step_and_mode_in_a_fresh_session(at):
    type_expression(at, "f = x**2 * y + sin(x*y)")
    set_value(at, "x", 0.5)
    at.radio(key="sandbox_mode").set_value("forward").run()
    at.selectbox(key="sandbox_wrt").set_value("y").run()
    at.button(key="sandbox_step").click().run()
    at.button(key="share_link").click().run()
    params = {k: v[-1] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}
    assert "p" not in params and params["e"] == "f = x**2 * y + sin(x*y)"   # the path names the page
    fresh = AppTest.from_file(APP, default_timeout=60)
    fresh.run()                          # AppTest starts on the default page; a browser opens /sandbox directly
    for k, v in params.items():
        fresh.query_params[k] = v
    fresh.switch_page(PAGE).run()
    assert not fresh.exception, [e.message for e in fresh.exception]
    run, old = fresh.session_state[KEY], at.session_state[KEY]
    assert (run.text, run.values, run.step, run.mode, run.wrt) == (old.text, old.values, 1, "forward", "y")
    assert not fresh.warning and not fresh.error


def test_saved_file_reloads_the_sandbox_exactly(at):
    from components.shell import sharing
    type_expression(at, "L = (w*x - t)**2")
    at.button(key="sandbox_end").click().run()
    s = sandbox_scenario(at.session_state[KEY])
    fresh = AppTest.from_file(APP, default_timeout=60).run()
    fresh.switch_page(PAGE).run()
    fresh.file_uploader(key="share_upload").set_value(("mine.json", s.to_json().encode(), "application/json")).run()
    assert not fresh.exception, [e.message for e in fresh.exception]
    run = fresh.session_state[KEY]
    assert (run.text, run.values, run.step) == ("L = (w*x - t)**2", at.session_state[KEY].values, s.step)
    bad = s.to_json().replace("L = (w*x - t)**2", "L = (w*x - t)**")
    fresh.file_uploader(key="share_upload").set_value(("bad.json", bad.encode(), "application/json")).run()
    assert any("data.expression: column" in e.value and "Nothing was changed" in e.value for e in fresh.error)
    assert fresh.session_state[KEY].text == "L = (w*x - t)**2"
