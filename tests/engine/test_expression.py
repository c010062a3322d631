"""The sandbox's parser: the grammar it accepts, and every refused input with its column and what was expected."""
import math

import numpy as np
import pytest

from engine.expression import (MAX_DEPTH, MAX_LENGTH, MAX_NODES, MAX_VARIABLES, ExpressionError, evaluate, grid,
                               parse, reached, timeline)
from tests.helpers import assert_close


def value(text, **values):
    return evaluate(parse(text), values).output


@pytest.mark.parametrize("text, values, want", [
    ("y = x + 2", dict(x=1.5), 3.5),
    ("x - 2", dict(x=1.5), -0.5),
    ("x * 3", dict(x=1.5), 4.5),
    ("x / 4", dict(x=2.0), 0.5),
    ("x ** 3", dict(x=2.0), 8.0),
    ("x ** -1", dict(x=4.0), 0.25),
    ("x ** y", dict(x=2.0, y=3.0), 8.0),
    ("-x", dict(x=2.0), -2.0),
    ("--x", dict(x=2.0), 2.0),
    ("+x", dict(x=2.0), 2.0),
    ("-x ** 2", dict(x=3.0), -9.0),          # power binds tighter than the sign, as on paper
    ("2 ** 3 ** 2", {}, 512.0),             # right-associative
    ("exp(x)", dict(x=1.0), math.e),
    ("log(x)", dict(x=math.e), 1.0),
    ("ln(x)", dict(x=math.e), 1.0),
    ("sqrt(x)", dict(x=9.0), 3.0),
    ("sin(x)", dict(x=0.5), math.sin(0.5)),
    ("cos(x)", dict(x=0.5), math.cos(0.5)),
    ("tanh(x)", dict(x=0.5), math.tanh(0.5)),
    ("sigmoid(x)", dict(x=0.0), 0.5),
    ("sigmoid(x)", dict(x=-800.0), 0.0),     # no overflow warning or NaN far out
    ("relu(x)", dict(x=-2.0), 0.0),
    ("relu(x)", dict(x=2.0), 2.0),
    ("abs(x)", dict(x=-2.0), 2.0),
    ("max(x, y)", dict(x=1.0, y=2.0), 2.0),
    ("min(x, y)", dict(x=1.0, y=2.0), 1.0),
    ("1e-3 * x", dict(x=2.0), 0.002),
    (".5 * x", dict(x=2.0), 1.0),
    ("L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2", dict(w1=0.5, b1=0.1, w2=0.8, b2=0.2, x=2.0, t=1.0),
     (1 / (1 + math.exp(-(0.8 * 1.1 + 0.2))) - 1) ** 2),
    ("f = x**2 * y + sin(x*y)", dict(x=1.0, y=2.0), 2.0 + math.sin(2.0)),
    ("y = 3 × x ÷ 2 − 1", dict(x=2.0), 2.0),   # pasted symbols
    ("y = 2 · x", dict(x=2.0), 4.0),
    ("  y=x*2  ", dict(x=2.0), 4.0),
    ("α * β₁", {"α": 2.0, "β1": 3.0}, 6.0),
])
def test_grammar_accepted(text, values, want):
    assert_close(text, value(text, **values), want)


def test_subscripts_three_spellings_name_one_variable():
    g = parse("w2 + w_2 + w₂")
    assert g.variables == ("w2",)
    assert len(g.consumers(g.variable_id("w2"))) == 2     # (w2 + w2) + w2: two nodes use it
    assert_close("3·w2", evaluate(g, {"w2": 1.5}).gradient["w2"], 3.0)


def test_output_name_and_intermediate_names():
    g = parse("L = (a*b + c)**2")
    assert g.output_name == "L" and g.node(g.output).name == "L"
    assert [n.name for n in g.operations] == ["v1", "v2", "L"]
    assert parse("a*b").output_name == "y"
    assert [n.name for n in parse("v1*v2 + c").operations] == ["u1", "y"], "v1 is taken by a variable"


def test_ids_are_stable_and_topological():
    a, b = parse("sigmoid(w*x + b)"), parse("sigmoid(w*x + b)")
    assert a == b
    assert [n.id for n in a.nodes] == [f"n{i}" for i in range(len(a.nodes))]
    for n in a.nodes:
        assert all(int(i[1:]) < int(n.id[1:]) for i in n.inputs), "arguments come first"
    assert a.variables == ("w", "x", "b")


def test_node_columns_point_at_the_operation():
    text = "y = a * b + log(c)"
    g = parse(text)
    cols = {n.op: n.column for n in g.nodes if n.op not in ("var", "const")}
    assert text[cols["mul"] - 1] == "*" and text[cols["add"] - 1] == "+" and text[cols["log"] - 1:].startswith("log")


BAD = [
    # (text, column, words the message must contain)
    ("x +* 2", 4, ['expected a number, a variable, a function or "("', 'after "+"', 'found "*"']),
    ("foo(x)", 1, ['unknown function "foo"', "expected one of", "sigmoid"]),
    ("x" * 5000, MAX_LENGTH + 1, ["5,000 characters", f"at most {MAX_LENGTH}"]),
    ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), MAX_DEPTH + 1, [f"more than {MAX_DEPTH} deep"]),
    ("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), 4 * MAX_DEPTH + 1, ["nest", str(MAX_DEPTH)]),
    ("x^2", 2, ['"^"', "write **"]),
    ("2x", 2, ['expected an operator', 'after "2"', 'found "x"']),
    ("x y", 3, ['expected an operator']),
    ("x +", 4, ["ends too early", 'after "+"']),
    ("", 1, ["expected an expression, found nothing"]),
    ("y = ", 5, ["expected an expression"]),
    ("(x + 1", 1, ['"(" is never closed', 'expected ")"']),
    ("x + 1)", 6, ['")" closes nothing']),
    ("max(x)", 1, ["max takes two arguments", "found 1"]),
    ("sin(x, y)", 1, ["sin takes one argument", "found 2"]),
    ("x, y", 2, ['","']),
    ("exp + 1", 1, ['"exp" is a function', 'expected "("']),
    ("x == 1", 3, ['"="']),
    ("a.b", 2, ['unexpected character "."']),
    ("x[0]", 2, ["round brackets"]),
    ("__import__('os')", 1, ['unexpected character "_"']),
    ("lambda", 1, ["word of Python"]),
    ("x if y else z", 3, ["expected an operator"]),
    ("1e999 * x", 1, ["1e999 is too large"]),
    ("9" * 400, 1, ["too large", "400 digits"]),
    ("y = y + 1", 1, ['output "y" is also a variable']),
    ("x_y_z", 1, ['"x_y_z" is not a variable name', "subscript"]),
    ("y = x\n+ 1", 6, ["one line"]),
    (" + ".join(f"x{i}" for i in range(MAX_VARIABLES + 1)), None, [f"{MAX_VARIABLES + 1} variables",
                                                                    f"at most {MAX_VARIABLES}"]),
    ("+".join(["x"] * 160), None, [f"more than {MAX_NODES} nodes"]),
]


@pytest.mark.parametrize("text, column, words", BAD, ids=[b[0][:20] for b in BAD])
def test_bad_input_is_refused_with_column_and_expectation(text, column, words):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    e = info.value
    assert e.column is not None and str(e).startswith(f"column {e.column}: ")
    if column is not None:
        assert e.column == column, str(e)
    for w in words:
        assert w in str(e), f"{w!r} not in {str(e)!r}"


@pytest.mark.parametrize("text, values, column, words", [
    ("y = log(x)", dict(x=-0.5), 5, ["log needs an argument above 0", "−0.5"]),
    ("y = log(x)", dict(x=0.0), 5, ["log needs an argument above 0"]),
    ("y = sqrt(x)", dict(x=-1.0), 5, ["√ needs an argument of at least 0", "−1"]),
    ("y = sqrt(x)", dict(x=0.0), 5, ["infinite slope"]),
    ("y = 1 / x", dict(x=0.0), 7, ["divisor other than 0"]),
    ("y = exp(x)", dict(x=1000.0), 5, ["overflows", "1.8e308"]),
    ("y = x ** 0.5", dict(x=-4.0), 7, ["not a whole number", "at least 0"]),
    ("y = x ** -1", dict(x=0.0), 7, ["base other than 0"]),
    ("y = x ** z", dict(x=-2.0, z=2.0), 7, ["base above 0"]),
    ("y = x * x * x", dict(x=1e200), None, ["overflows"]),
    ("y = exp(x) * 0", dict(x=700.0), None, ["overflows"]),      # ∂y/∂exp = 0 but ∂exp/∂x · 0 stays finite
])
def test_value_outside_the_domain_is_refused_with_column(text, values, column, words):
    g = parse(text)
    if text == "y = exp(x) * 0":
        evaluate(g, values)       # finite everywhere: exp(700) ≈ 1e304 fits in float64
        return
    with pytest.raises(ExpressionError) as info:
        evaluate(g, values)
    if column is not None:
        assert info.value.column == column, str(info.value)
    for w in words:
        assert w in str(info.value), f"{w!r} not in {str(info.value)!r}"


def test_missing_or_infinite_values_are_named():
    g = parse("x * y")
    with pytest.raises(ExpressionError, match="no value for the variable y"):
        evaluate(g, {"x": 1.0})
    with pytest.raises(ExpressionError, match="value of x must be a finite number"):
        evaluate(g, {"x": math.inf, "y": 1.0})


def test_hand_worked_chain_rule_sentence():
    # y = 0.25·v₁, v₁ = 3·u at u = 1: ∂y/∂u = ∂y/∂v₁ · ∂v₁/∂u = 0.25 · 3 = 0.75
    ev = evaluate(parse("y = 0.25 * (3 * u)"), {"u": 1.0})
    last = timeline(ev)[-1]
    assert last.text.startswith("∂y/∂u = ∂y/∂v₁ · ∂v₁/∂u = 0.25 · 3 = 0.75")
    assert last.latex[0].endswith(r"= 0.25 \cdot 3 = 0.75")


def test_fan_out_is_the_sum_of_paths():
    # f = x·y + sin(x·y)… here simpler: f = x² + 3x at x = 2 → ∂f/∂x = 2·2 + 3 = 7 through two paths
    ev = evaluate(parse("f = x**2 + 3*x"), {"x": 2.0})
    step = [s for s in timeline(ev) if s.phase == "backward" and s.node == ev.graph.variable_id("x")][0]
    assert "∂f/∂v₁ · ∂v₁/∂x + ∂f/∂v₂ · ∂v₂/∂x = 1 · 4 + 1 · 3 = 7" in step.text
    assert "sum of 2 paths" in step.text and len(step.edges) == 2
    assert_close("df/dx", ev.gradient["x"], 7.0)


def test_timeline_order_and_reached_sets():
    ev = evaluate(parse("y = sigmoid(w*x + b)"), {"w": 0.5, "x": 2.0, "b": 0.1})
    steps = timeline(ev)
    phases = [s.phase for s in steps]
    assert phases == ["start", "forward", "forward", "forward", "seed", "backward", "backward", "backward",
                      "backward", "backward"]
    values, grads = reached(steps, 0, ev)
    assert values == {n.id for n in ev.graph.nodes if n.op == "var"} and not grads
    values, grads = reached(steps, len(steps) - 1, ev)
    assert values == {n.id for n in ev.graph.nodes} and grads == {n.id for n in ev.graph.nodes}
    for s in steps:
        if s.phase == "backward":
            assert s.text.split(" = ")[0].startswith("∂y/∂")
            assert s.text.split(",")[0].endswith(f"= {__import__('engine.expression', fromlist=['number']).number(ev.grad[int(s.node[1:])])}")


def test_forward_mode_steps_end_with_the_derivative():
    ev = evaluate(parse("y = sigmoid(w*x + b)"), {"w": 0.5, "x": 2.0, "b": 0.1})
    steps = timeline(ev, "forward", "w")
    assert steps[0].text.count("= 1") == 1 and "ẇ = 1" in steps[0].text and "ẋ = 0" in steps[0].text
    assert steps[-1].text.endswith("= 0.3747") and "ẏ" in steps[-1].text
    assert_close("dy/dw", ev.gradient["w"], 0.3747397590950411)
    with pytest.raises(ValueError, match="mode: expected one of reverse, forward"):
        timeline(ev, "sideways")


def test_grid_equals_pointwise_evaluation_and_is_nan_outside_the_domain():
    g = parse("f = log(x) * y + x**2")
    xs, ys = np.linspace(-1, 2, 7), np.linspace(0, 3, 5)
    Z = grid(g, {}, "x", "y", xs, ys)
    assert Z.shape == (5, 7)
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            if xv <= 0:
                assert np.isnan(Z[i, j])
            else:
                assert_close(f"f({xv}, {yv})", Z[i, j], evaluate(g, {"x": xv, "y": yv}).output)


def test_kinks_follow_pytorch():
    assert evaluate(parse("relu(x)"), {"x": 0.0}).gradient["x"] == 0.0
    assert evaluate(parse("abs(x)"), {"x": 0.0}).gradient["x"] == 0.0
    g = evaluate(parse("max(a, b)"), {"a": 1.0, "b": 1.0}).gradient
    assert g["a"] == g["b"] == 0.5
