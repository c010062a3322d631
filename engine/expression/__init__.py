"""The chain-rule sandbox's engine: a typed scalar expression as a graph of operations, both modes of
differentiation, and the stepped timeline with every product written out.

NumPy and the standard library only; the text is parsed (Python's ``ast`` behind an allow-list),
never executed.

Grammar
-------
- ``y = <expression>`` or a bare expression (the output is then called y);
- ``+ - * /`` (also ``× · ÷ −``), ``**`` for powers (``^`` is refused with a hint), unary minus;
- functions ``exp log (ln) sqrt sin cos tanh sigmoid relu abs`` of one argument, ``max min`` of two;
- numeric constants (``2``, ``0.5``, ``1e-3``; at most 1e6 in size);
- variables: letters (Latin or Greek), then optionally a subscript of digits written ``w2``, ``w_2`` or
  ``w₂`` (all three name the same variable w2, shown w₂).

Limits: ``MAX_LENGTH`` = 500 characters, ``MAX_DEPTH`` = 20 nested brackets/calls, ``MAX_NODES`` = 150
graph nodes, ``MAX_VARIABLES`` = 12. Anything else raises ``ExpressionError`` with the 1-based
``column`` and what was expected there.

Example
-------
>>> from engine.expression import parse, evaluate
>>> ev = evaluate(parse("y = sigmoid(w*x + b)"), {"w": 0.5, "x": 2.0, "b": 0.1})
>>> round(ev.output, 4), round(ev.gradient["w"], 4)
(0.7503, 0.3747)
"""
from engine.expression.graph import (Evaluation, ExpressionError, Graph, Node, display_name, evaluate, grid,
                                     tangents, tex_name)
from engine.expression.ops import FUNCTIONS, OPS, Op
from engine.expression.parser import MAX_DEPTH, MAX_LENGTH, MAX_NODES, MAX_NUMBER, MAX_VARIABLES, parse
from engine.expression.steps import MODES, Step, number, reached, timeline

__all__ = [
    "parse", "evaluate", "tangents", "grid", "timeline", "reached", "number",
    "Graph", "Node", "Evaluation", "Step", "ExpressionError", "Op", "OPS", "FUNCTIONS", "MODES",
    "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES", "MAX_VARIABLES", "MAX_NUMBER", "display_name", "tex_name",
]
