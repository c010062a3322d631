"""The stepped timeline of an ``Evaluation``: forward node by node, then backward from the output.

Each ``Step`` is a record the page can scrub through: which node it computes, which edges carry the
numbers, and the sentence with every number written out, as plain text and as LaTeX:

    ∂y/∂u = ∂y/∂v · ∂v/∂u = 0.25 · 3 = 0.75

A node used by several others (fan-out) receives the sum over its paths:
∂y/∂x = ∂y/∂v₁ · ∂v₁/∂x + ∂y/∂v₂ · ∂v₂/∂x. Forward mode (``mode="forward"``) carries, for one chosen
input x, the tangent v̇ = ∂v/∂x of every node along with its value.

The numbers are those of ``evaluate`` and ``tangents``: the steps only read them, so the timeline
cannot disagree with the vectorised passes.
"""
import unicodedata
from dataclasses import dataclass
from typing import Optional, Tuple

from engine.expression.graph import Evaluation, display_name, tangents, tex_name
from engine.expression.ops import OPS
from engine.formatting import format_number, tex_number

MODES = ("reverse", "forward")


@dataclass(frozen=True)
class Step:
    """One step: ``phase`` is "start", "forward" (a value), "seed", "backward" (a gradient) or "tangent"
    (forward mode: a value and its tangent); ``node`` the id it computes; ``edges`` (from, to) the
    arrows it uses; ``text`` the sentence, ``latex`` the same as display lines."""
    index: int
    phase: str
    node: Optional[str]
    title: str
    text: str
    latex: Tuple[str, ...]
    edges: Tuple[Tuple[str, str], ...] = ()


def number(x: float, digits: int = 4) -> str:
    """A number for the page and the sentences: the app's one rule (``engine.formatting.format_number``)."""
    return format_number(x, digits)


def _factor(x: float) -> str:
    s = number(x)
    return f"({s})" if s.startswith("−") or "·10" in s else s


def _tfactor(x: float) -> str:
    s = tex_number(x)
    return f"({s})" if s.startswith("-") or r"\times" in s else s


def _d(top: str, bottom: str) -> str:
    return f"∂{display_name(top)}/∂{display_name(bottom)}"


def _td(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {tex_name(top)}}}{{\partial {tex_name(bottom)}}}"


def _dot(name: str) -> str:
    shown = display_name(name)
    stem = name.rstrip("0123456789")
    return unicodedata.normalize("NFC", shown[:len(stem)] + "\u0307" + shown[len(stem):])


def _tdot(name: str) -> str:
    stem = name.rstrip("0123456789")
    digits = name[len(stem):]
    inner = stem if len(stem) == 1 else rf"\mathrm{{{stem}}}"
    return rf"\dot{{{inner}}}" + (f"_{{{digits}}}" if digits else "")


class _Writer:
    """Formats one evaluation's nodes: symbolically, with numbers, and their local derivatives."""

    def __init__(self, ev: Evaluation):
        self.ev, self.g = ev, ev.graph

    def name(self, node_id):
        n = self.g.node(node_id)
        return n.name if n.op == "const" else display_name(n.name)

    def tname(self, node_id):
        n = self.g.node(node_id)
        return tex_number(n.param) if n.op == "const" else tex_name(n.name)

    def _p(self, n, tex=False):
        if n.param is None:
            return {}
        p, pm1 = n.param, n.param - 1
        if tex:
            return {"p": tex_number(p), "pm1": tex_number(pm1)}
        return {"p": _factor(p), "pm1": _factor(pm1)}

    def formula(self, node_id) -> Tuple[str, str, str, str]:
        """(symbols, numbers) in plain text and in LaTeX: "w · x", "0.5 · 2", …"""
        n = self.g.node(node_id)
        op = OPS[n.op]
        names = [self.name(a) for a in n.inputs]
        tnames = [self.tname(a) for a in n.inputs]
        nums = [_factor(self.ev.value(a)) for a in n.inputs]
        tnums = [_tfactor(self.ev.value(a)) for a in n.inputs]
        return (op.text.format(*names, **self._p(n)), op.text.format(*nums, **self._p(n)),
                op.tex.format(*tnames, **self._p(n, True)), op.tex.format(*tnums, **self._p(n, True)))

    def local(self, node_id, arg_id) -> Tuple[str, str]:
        """∂node/∂arg as a formula in the arguments, plain and LaTeX (slots filled by one argument summed)."""
        n = self.g.node(node_id)
        op = OPS[n.op]
        names = [self.name(a) for a in n.inputs]
        tnames = [self.tname(a) for a in n.inputs]
        slots = [k for k, a in enumerate(n.inputs) if a == arg_id]
        plain = " + ".join(op.dtext[k].format(*names, out=display_name(n.name), **self._p(n)) for k in slots)
        tex = " + ".join(op.dtex[k].format(*tnames, out=tex_name(n.name), **self._p(n, True)) for k in slots)
        if n.op == "powc" and n.param == 2:      # 2 · x ** 1 reads as 2 · x
            plain, tex = f"2 · {names[0]}", rf"2 \cdot {tnames[0]}"
        return plain, tex


def timeline(ev: Evaluation, mode: str = "reverse", wrt: Optional[str] = None) -> Tuple[Step, ...]:
    """All steps of one mode. Reverse: start, one forward step per operation, the seed, one backward
    step per variable and intermediate node. Forward: start (the seed) and one step per operation."""
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    return _reverse_steps(ev) if mode == "reverse" else _forward_steps(ev, wrt or ev.graph.variables[0])


def _inputs_line(ev: Evaluation) -> str:
    return ", ".join(f"{display_name(v)} = {number(ev.inputs[v])}" for v in ev.graph.variables)


def _forward_step(w: _Writer, node, index: int, phase="forward", title="Forward") -> Step:
    sym, num, tsym, tnum = w.formula(node.id)
    value = w.ev.value(node.id)
    me = display_name(node.name)
    text = f"{me} = {sym} = {num} = {number(value)}" if num != sym else f"{me} = {sym} = {number(value)}"
    tex = f"{tex_name(node.name)} = {tsym} = {tnum} = {tex_number(value)}" if tnum != tsym else \
        f"{tex_name(node.name)} = {tsym} = {tex_number(value)}"
    return Step(index, phase, node.id, f"{title}: {me} = {sym}", text, (tex,),
                tuple((a, node.id) for a in dict.fromkeys(node.inputs)))


def _reverse_steps(ev: Evaluation) -> Tuple[Step, ...]:
    g, w = ev.graph, _Writer(ev)
    out = g.node(g.output)
    y = g.output_name
    steps = [Step(0, "start", None, "Start: the inputs",
                  f"The inputs: {_inputs_line(ev) or 'none (only constants)'}. "
                  "Step forward to compute each node from its arguments, then backward for the gradients.", ())]
    for node in g.operations:
        steps.append(_forward_step(w, node, len(steps)))
    steps.append(Step(len(steps), "seed", out.id, f"Backward: start at {display_name(out.name)}",
                      f"{_d(y, out.name)} = 1: the output changes one for one with itself; the backward sweep "
                      "starts here.", (rf"{_td(y, out.name)} = 1",)))
    for node in reversed(g.nodes):
        if node.op == "const" or node.id == out.id:
            continue
        steps.append(_backward_step(w, node, len(steps), y))
    return tuple(steps)


def _backward_step(w: _Writer, node, index: int, y: str) -> Step:
    ev, g = w.ev, w.g
    users = g.consumers(node.id)
    me = node.name
    lhs, tlhs = _d(y, me), _td(y, me)
    terms = [f"{_d(y, g.node(v).name)} · {_d(g.node(v).name, me)}" for v in users]
    tterms = [rf"{_td(y, g.node(v).name)} \cdot {_td(g.node(v).name, me)}" for v in users]
    nums = [f"{_factor(ev.grad[int(v[1:])])} · {_factor(ev.local_wrt(v, node.id))}" for v in users]
    tnums = [rf"{_tfactor(ev.grad[int(v[1:])])} \cdot {_tfactor(ev.local_wrt(v, node.id))}" for v in users]
    total = ev.grad[int(node.id[1:])]
    text = f"{lhs} = {' + '.join(terms)} = {' + '.join(nums)} = {number(total)}"
    lines = [f"{tlhs} = {' + '.join(tterms)} = {' + '.join(tnums)} = {tex_number(total)}"]
    where = []
    for v in users:
        plain, tex = w.local(v, node.id)
        local = ev.local_wrt(v, node.id)
        where.append(f"{_d(g.node(v).name, me)} = {plain}" + (f" = {number(local)}" if plain != number(local) else ""))
        lines.append(rf"{_td(g.node(v).name, me)} = {tex}" + (f" = {tex_number(local)}" if tex != tex_number(local)
                                                               else ""))
    paths = f" (fan-out: {display_name(me)} feeds {len(users)} nodes, so its gradient is the sum of " \
            f"{len(users)} paths)" if len(users) > 1 else ""
    text += f"{paths}, where {'; '.join(where)}."
    return Step(index, "backward", node.id, f"Backward: {lhs}", text, tuple(lines),
                tuple((node.id, v) for v in users))


def _forward_steps(ev: Evaluation, wrt: str) -> Tuple[Step, ...]:
    g, w = ev.graph, _Writer(ev)
    t = tangents(ev, wrt)
    seeds = ", ".join(f"{_dot(v)} = {1 if v == wrt else 0}" for v in g.variables)
    steps = [Step(0, "start", g.variable_id(wrt), f"Start: seed the tangent of {display_name(wrt)}",
                  f"Forward mode for {display_name(wrt)}: a dot means ∂/∂{display_name(wrt)}, the tangent. "
                  f"Seed: {seeds}. Each step computes a value and its tangent together.",
                  (r",\ ".join(f"{_tdot(v)} = {1 if v == wrt else 0}" for v in g.variables),))]
    for node in g.operations:
        base = _forward_step(w, node, len(steps), "tangent", "Forward mode")
        args = [a for a in dict.fromkeys(node.inputs) if g.node(a).op != "const"]   # a constant's tangent is 0
        terms = [f"{_d(node.name, g.node(a).name)} · {_dot(g.node(a).name)}" for a in args]
        tterms = [rf"{_td(node.name, g.node(a).name)} \cdot {_tdot(g.node(a).name)}" for a in args]
        nums = [f"{_factor(ev.local_wrt(node.id, a))} · {_factor(t[int(a[1:])])}" for a in args]
        tnums = [rf"{_tfactor(ev.local_wrt(node.id, a))} \cdot {_tfactor(t[int(a[1:])])}" for a in args]
        value = t[int(node.id[1:])]
        text = f"{base.text}; {_dot(node.name)} = {' + '.join(terms)} = {' + '.join(nums)} = {number(value)}"
        tex = f"{_tdot(node.name)} = {' + '.join(tterms)} = {' + '.join(tnums)} = {tex_number(value)}"
        if not args:
            text, tex = f"{base.text}; {_dot(node.name)} = 0 (only constants)", rf"{_tdot(node.name)} = 0"
        steps.append(Step(base.index, "tangent", node.id, base.title, text, base.latex + (tex,), base.edges))
    return tuple(steps)


def reached(steps: Tuple[Step, ...], k: int, ev: Evaluation, mode: str = "reverse") -> Tuple[frozenset, frozenset]:
    """(ids whose value is shown, ids whose gradient, or in forward mode tangent, is shown) after step ``k``."""
    g = ev.graph
    leaves = {n.id for n in g.nodes if n.op in ("var", "const")}
    done = steps[:max(0, min(k, len(steps) - 1)) + 1]
    values = leaves | {s.node for s in done if s.phase in ("forward", "tangent")}
    if mode == "forward":
        grads = {n.id for n in g.nodes if n.op == "var"} | {s.node for s in done if s.phase == "tangent"}
    else:
        grads = {s.node for s in done if s.phase in ("seed", "backward")}
    return frozenset(values), frozenset(grads)
