"""The scalar graph of an expression, its values, and both modes of differentiation.

A ``Graph`` is plain data (what the parser builds, what the page draws); ``evaluate`` returns an
``Evaluation`` record holding every node's value, every local derivative and, by reverse mode, every
∂out/∂node; ``tangents`` is forward mode for one chosen input. No node ever accumulates across calls:
each call returns new arrays.
"""
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

import numpy as np

from engine.expression.ops import OPS, domain_error
from engine.formatting import format_number, sub

class ExpressionError(ValueError):
    """A refused expression or value: ``column`` (1-based, None when no place applies) and the reason."""

    def __init__(self, reason: str, column: Optional[int] = None):
        self.reason = reason
        self.column = column
        super().__init__(f"column {column}: {reason}" if column is not None else reason)


@dataclass(frozen=True)
class Node:
    """One node: a variable (``op="var"``), a constant (``op="const"``) or an operation of ``OPS``.

    ``id`` is ``"n<i>"`` with i its place in ``Graph.nodes`` (arguments always come first, so the
    order is topological and the same text always gives the same ids). ``name`` is what the sentences
    call it: the variable, the number, v1, v2, … for intermediate results, the output's own name.
    ``param`` is a constant's value or the exponent of ``powc``; ``column`` is where it was typed.
    """
    id: str
    op: str
    inputs: Tuple[str, ...]
    name: str
    column: int
    param: Optional[float] = None


@dataclass(frozen=True)
class Graph:
    """A parsed expression: ``nodes`` in topological order, the ``output`` node's id and name, and the
    ``variables`` in the order they first appear in ``text``."""
    text: str
    nodes: Tuple[Node, ...]
    output: str
    output_name: str
    variables: Tuple[str, ...]

    def node(self, node_id: str) -> Node:
        return self.nodes[int(node_id[1:])]

    def variable_id(self, name: str) -> str:
        for n in self.nodes:
            if n.op == "var" and n.name == name:
                return n.id
        raise ValueError(f"variable: {name!r} is not in the expression; expected one of {', '.join(self.variables)}")

    def consumers(self, node_id: str) -> Tuple[str, ...]:
        """Ids of the nodes that take ``node_id`` as an argument, each once, in order (fan-out > 1)."""
        return tuple(n.id for n in self.nodes if node_id in n.inputs)

    @property
    def operations(self) -> Tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.op not in ("var", "const"))


@dataclass(frozen=True)
class Evaluation:
    """Every number of one point: values, local derivatives, and ∂out/∂node by reverse mode.

    ``values[i]`` and ``grad[i]`` belong to ``graph.nodes[i]``; ``local[i][k]`` = ∂node_i/∂(its k-th
    argument). ``gradient`` maps each variable to ∂out/∂variable.
    """
    graph: Graph
    inputs: Mapping[str, float]
    values: np.ndarray
    local: Tuple[Tuple[float, ...], ...]
    grad: np.ndarray
    gradient: Mapping[str, float] = field(default_factory=dict)

    @property
    def output(self) -> float:
        return float(self.values[int(self.graph.output[1:])])

    def value(self, node_id: str) -> float:
        return float(self.values[int(node_id[1:])])

    def local_wrt(self, node_id: str, arg_id: str) -> float:
        """∂node/∂arg holding the other arguments fixed (summed when one argument fills two slots: x·x)."""
        n = self.graph.node(node_id)
        return float(sum(d for d, a in zip(self.local[int(node_id[1:])], n.inputs) if a == arg_id))


def display_name(name: str) -> str:
    """w2 → w₂, v13 → v₁₃: trailing digits as a subscript."""
    stem = name.rstrip("0123456789")
    return stem + sub(name[len(stem):])


def tex_name(name: str) -> str:
    """w2 → w_{2}; a name of several letters upright (\\mathrm{lr})."""
    stem = name.rstrip("0123456789")
    digits = name[len(stem):]
    stem_tex = stem if len(stem) == 1 else rf"\mathrm{{{stem}}}"
    return f"{stem_tex}_{{{digits}}}" if digits else stem_tex


def _finite_inputs(graph: Graph, values: Mapping[str, float]) -> dict:
    out = {}
    for name in graph.variables:
        if name not in values:
            raise ExpressionError(f"no value for the variable {name}")
        try:
            v = float(values[name])
        except (TypeError, ValueError):
            raise ExpressionError(f"the value of {name} must be a number, got {values[name]!r}") from None
        if not math.isfinite(v):
            raise ExpressionError(f"the value of {name} must be a finite number, got {v}")
        out[name] = v
    return out


def _plain(x: float) -> str:
    """A number in an error message: the app's one rule (``engine.formatting.format_number``)."""
    return format_number(x)


def evaluate(graph: Graph, values: Mapping[str, float]) -> Evaluation:
    """Forward pass (values and local derivatives), then reverse mode from the output.

    Raises ``ExpressionError`` naming the column of the first operation whose value or slope is not
    a finite number (log of a non-positive number, √ of a negative one, ÷ 0, overflow past 1.8e308).
    """
    env = _finite_inputs(graph, values)
    n = len(graph.nodes)
    vals = np.zeros(n)
    local = []
    with np.errstate(all="ignore"):
        for i, node in enumerate(graph.nodes):
            if node.op == "var":
                vals[i], d = env[node.name], ()
            elif node.op == "const":
                vals[i], d = node.param, ()
            else:
                op = OPS[node.op]
                args = tuple(vals[int(a[1:])] for a in node.inputs)    # np.float64: overflow gives inf, not an exception
                why = domain_error(op, args, node.param)
                shown = ", ".join(_plain(a) for a in args)
                if why:
                    raise ExpressionError(f"{why}; here {'its arguments are' if len(args) > 1 else 'its argument is'} "
                                          f"{shown}", node.column)
                vals[i] = op.f(*args, node.param) if node.op == "powc" else op.f(*args)
                if not math.isfinite(vals[i]):
                    raise ExpressionError(f"{op.label} overflows: its result at {shown} is beyond ±1.8e308, "
                                          "the largest float64", node.column)
                raw = op.df(*args, vals[i], node.param) if node.op == "powc" else op.df(*args, vals[i])
                d = tuple(float(x) for x in raw)
                if not all(math.isfinite(x) for x in d):
                    raise ExpressionError(f"the slope of {op.label} at {shown} is beyond ±1.8e308, the largest "
                                          "float64", node.column)
            local.append(d)
        grad = _reverse(graph, tuple(local))
    bad = np.flatnonzero(~np.isfinite(grad))
    if bad.size:
        node = graph.nodes[bad[-1]]
        raise ExpressionError(f"the gradient ∂{display_name(graph.output_name)}/∂{display_name(node.name)} overflows "
                              "past ±1.8e308, the largest float64", node.column)
    vals.flags.writeable = False
    grad.flags.writeable = False
    gradient = MappingProxyType({name: float(grad[int(graph.variable_id(name)[1:])]) for name in graph.variables})
    return Evaluation(graph, MappingProxyType(env), vals, tuple(local), grad, gradient)


def _reverse(graph: Graph, local) -> np.ndarray:
    """∂out/∂node for every node: seed 1 at the output, then each node hands its gradient times each
    local derivative to its arguments (a node used twice receives the sum of both paths)."""
    grad = np.zeros(len(graph.nodes))
    grad[int(graph.output[1:])] = 1.0
    for i in range(len(graph.nodes) - 1, -1, -1):
        for d, a in zip(local[i], graph.nodes[i].inputs):
            grad[int(a[1:])] += grad[i] * d
    return grad


def tangents(ev: Evaluation, wrt: str) -> np.ndarray:
    """Forward mode: ∂node/∂``wrt`` for every node, seeded with 1 at the variable ``wrt`` and 0 elsewhere."""
    seed = ev.graph.variable_id(wrt)
    t = np.zeros(len(ev.graph.nodes))
    with np.errstate(all="ignore"):
        for i, node in enumerate(ev.graph.nodes):
            if node.id == seed:
                t[i] = 1.0
            else:
                t[i] = sum((d * t[int(a[1:])] for d, a in zip(ev.local[i], node.inputs)), 0.0)
    t.flags.writeable = False
    return t


def grid(graph: Graph, values: Mapping[str, float], x: str, y: str, xs, ys) -> np.ndarray:
    """The output over a grid of two variables (the others held at ``values``): shape (len(ys), len(xs)).

    Where the expression has no finite value (log of a negative number, ÷ 0, overflow) the entry is NaN.
    """
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    X, Y = np.meshgrid(xs, ys)
    env = {**_finite_inputs(graph, {**values, x: 0.0, y: 0.0}), x: X, y: Y}
    vals = []
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if node.op == "var":
                v = env[node.name]
            elif node.op == "const":
                v = node.param
            else:
                args = [vals[int(a[1:])] for a in node.inputs]
                v = OPS[node.op].f(*args, node.param) if node.op == "powc" else OPS[node.op].f(*args)
            vals.append(v)
        Z = np.broadcast_to(np.asarray(vals[int(graph.output[1:])], dtype=np.float64), X.shape).copy()
    Z[~np.isfinite(Z)] = np.nan
    return Z
