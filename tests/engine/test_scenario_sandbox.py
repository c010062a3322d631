"""The sandbox's scenario: expression, values, step and mode survive a file and a link; bad ones are named."""
import json

import pytest

from engine.scenario import SANDBOX_DEFAULT, Scenario, default_scenario, from_query, sandbox_scenario, to_query


def saved():
    return sandbox_scenario("L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2",
                            {"w2": 0.8, "w1": 0.5, "x": 2.0, "b1": 0.1, "b2": 0.2, "t": 1.0},
                            step=7, options={"mode": "forward", "wrt": "w1"}, presenter=True)


def test_file_and_link_round_trip_exactly():
    s = saved()
    assert Scenario.from_json(s.to_json()) == s
    q = to_query(s)
    assert q["p"] == "sandbox" and q["vals"] == "w2:0.8,w1:0.5,x:2,b1:0.1,b2:0.2,t:1" and "s" not in q
    back, notices = from_query(q)
    assert back == s and notices == []


def test_a_sandbox_file_needs_no_network_section():
    doc = {"format": "backprop-lens/scenario", "version": 1, "page": "sandbox",
           "data": {"expression": "y = x**2", "values": {"x": 3.0}}}
    s = Scenario.from_json(json.dumps(doc))
    assert (s.expression, s.values) == ("y = x**2", {"x": 3.0})


@pytest.mark.parametrize("data, message", [
    ({"expression": "y = x +* 2", "values": {"x": 1.0}}, "data.expression: column 8: expected a number"),
    ({"expression": "x" * 600, "values": {}}, "data.expression: expected an expression of at most 500 characters"),
    ({"expression": "y = log(x)", "values": {"x": -1.0}}, "data.values: column 5: log needs an argument above 0"),
    ({"expression": "y = w*x", "values": {"w": 1.0}}, "data.values: expected one value for each of w, x; missing x"),
    ({"expression": "y = w*x", "values": {"w": 1.0, "x": 1.0, "z": 2.0}}, "not in the expression: z"),
    ({"expression": "y = w*x", "values": {"w": 1e7, "x": 1.0}}, "data.values.w: expected a finite number in [-1e+06"),
    ({"expression": "y = w*x", "values": {"w": "a", "x": 1.0}}, "data.values.w: expected a finite number"),
    ({"expression": "y = w*x", "values": {"w-1": 1.0, "x": 1.0}}, "data.values: expected variable names"),
    ({"values": {"x": 1.0}}, "data.expression: missing"),
])
def test_a_bad_sandbox_file_names_the_field(data, message):
    doc = {"format": "backprop-lens/scenario", "version": 1, "page": "sandbox", "data": data}
    with pytest.raises(ValueError) as e:
        Scenario.from_json(json.dumps(doc))
    assert message in str(e.value), str(e.value)


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="view.options.mode: expected reverse or forward"):
        sandbox_scenario("y = x", {"x": 1.0}, options={"mode": "sideways"})
    with pytest.raises(ValueError, match="view.options.wrt: expected one of the variables x"):
        sandbox_scenario("y = x", {"x": 1.0}, options={"wrt": "q"})


def test_a_link_naming_only_the_page_or_a_bad_expression_opens_the_first_example():
    s, notices = from_query({"v": "1", "p": "sandbox", "present": "1"})
    assert (s.expression, s.values, s.presenter, notices) == (SANDBOX_DEFAULT[0], SANDBOX_DEFAULT[1], True, [])
    s, notices = from_query({"v": "1", "p": "sandbox", "e": "x +* 2"})
    assert s.expression == SANDBOX_DEFAULT[0] and len(notices) == 1
    assert "column 4" in notices[0] and "opens its first example" in notices[0]
    assert default_scenario("sandbox").expression == SANDBOX_DEFAULT[0]
