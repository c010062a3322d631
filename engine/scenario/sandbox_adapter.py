"""The chain-rule sandbox's state as a scenario and back (``sandbox_scenario`` / ``sandbox_graph``).

A sandbox scenario needs no network or training section: ``data.expression`` (the
``engine.expression`` grammar and limits), ``data.values`` (one finite number per variable), the step
in ``view.step`` and ``view.options`` ``{"mode": "reverse" | "forward", "wrt": variable}``.
"""
from types import SimpleNamespace
from typing import Mapping, Optional

from engine.checks import _fail
from engine.scenario.record import Scenario, _as_document

SANDBOX_OPTIONS = ("mode", "wrt")
SANDBOX_DEFAULT = ("y = sigmoid(w*x + b)", {"w": 0.5, "x": 2.0, "b": 0.1})   # what the page opens with


def sandbox_graph(s: Scenario):
    """(graph, values) of a sandbox scenario, checked: the expression parses, every variable has a value,
    the values give a finite evaluation, and the options name a mode and a variable. ValueError otherwise."""
    from engine.expression import ExpressionError, evaluate, parse
    if s.expression is None:
        raise ValueError("data.expression: missing; a sandbox scenario needs its expression")
    try:
        graph = parse(s.expression)
    except ExpressionError as e:
        raise ValueError(f"data.expression: {e}") from None
    values = dict(s.values or {})
    missing = [v for v in graph.variables if v not in values]
    extra = [v for v in values if v not in graph.variables]
    if missing or extra:
        raise ValueError(f"data.values: expected one value for each of {', '.join(graph.variables) or 'no variables'}"
                         + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; not in the expression: {', '.join(extra)}" if extra else ""))
    try:
        evaluate(graph, values)
    except ExpressionError as e:
        raise ValueError(f"data.values: {e}") from None
    for key in s.options:
        if key not in SANDBOX_OPTIONS:
            raise ValueError(f"view.options.{key}: unknown sandbox option; expected one of {', '.join(SANDBOX_OPTIONS)}")
    if s.options.get("mode", "reverse") not in ("reverse", "forward"):
        raise _fail("view.options.mode", "reverse or forward", s.options["mode"])
    if s.options.get("wrt") is not None and s.options["wrt"] not in graph.variables:
        raise _fail("view.options.wrt", f"one of the variables {', '.join(graph.variables)}", s.options["wrt"])
    return graph, values


def sandbox_problem(expression, values) -> Optional[str]:
    """Why this expression and these values cannot open the sandbox ("data.expression: column 4: …"), or None."""
    try:
        sandbox_graph(SimpleNamespace(expression=expression, values=values, options={}))
    except ValueError as e:
        return str(e)
    return None


def sandbox_scenario(expression: str, values: Mapping, **fields) -> Scenario:
    """The sandbox scenario of an expression and its variables' values, plus the given scenario fields."""
    return Scenario.from_dict(_as_document(dict(page="sandbox", expression=expression, values=dict(values),
                                                **fields)))
