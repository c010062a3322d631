"""The equations of a timeline step, as LaTeX with the step's own numbers substituted.

``build_timeline`` (``engine.timeline``) asks for each step's lines (``_forward_equations`` …);
``node_equations`` gives the lines of one node, weight or bias at a step (what the selected node's
panel shows). A sum of more than ``MAX_TERMS`` terms is shown as its first 3, ⋯, and its last; a
step shows at most ``MAX_EQUATION_LINES`` lines. Numbers are written by ``engine.formatting``.
"""
import functools
import itertools
from typing import List

import numpy as np

from engine.activations import OUTPUT_ACTIVATIONS
from engine.formatting import tex_number, tex_update
from engine.ids import node_label, parse_id


MAX_TERMS = 6            # a sum with more terms is shown as its first 3, ⋯, and its last
MAX_EQUATION_LINES = 16  # per step; the rest is summarised in one line ("… and 12 more units")

def _factor(x) -> str:
    """A number as a factor of a product: negatives and scientific notation in parentheses."""
    s = tex_number(x)
    return f"({s})" if s.startswith("-") or r"\times" in s else s


def _signed_terms(terms, leading: bool = False) -> str:
    """Join (value-string, sign) terms as "a + b - c", eliding the middle of long sums.

    ``leading``: the first term gets its sign too ("+ a - b"), for a sum continued on a new row.
    """
    shown = list(terms)
    if len(shown) > MAX_TERMS:
        shown = shown[:3] + [(r"\cdots", 1)] + shown[-1:]
    out = ""
    for i, (text, negative) in enumerate(shown):
        if i == 0 and not leading:
            out = ("-" if negative is True else "") + text
        else:
            out += (" - " if negative is True else " + ") + text
    return out.lstrip()


def _term_rows(terms, per_row: int = 2) -> list:
    """A long sum as rows of ``per_row`` terms (the continuation rows start with their sign)."""
    terms = list(terms)
    if len(terms) > MAX_TERMS:
        terms = terms[:3] + [(r"\cdots", False)] + terms[-1:]
    if len(terms) <= per_row + 1:             # "w·a + w·a + b" still fits on one row
        return [_signed_terms(terms)]
    return [_signed_terms(terms[i:i + per_row], leading=i > 0) for i in range(0, len(terms), per_row)]


def _product_terms(weights_row, inputs):
    """Terms "w · a" of z = Σ w a, with the sign of w pulled out front (long sums elided: first 3, ⋯, last)."""
    n = len(weights_row)
    picked = range(n) if n <= MAX_TERMS else [0, 1, 2, None, n - 1]
    return [(r"\cdots", False) if k is None else
            (f"{_factor(abs(weights_row[k]))} \\cdot {_factor(inputs[k])}", bool(weights_row[k] < 0))
            for k in picked]


def _fname(name: str) -> str:
    return OUTPUT_ACTIVATIONS[name].tex


def _quiet(fn):
    """Overflow is shown as ∞/NaN and a status sentence, never as a wall of RuntimeWarnings."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return wrapper


def _capped(line, n_items, noun):
    """line(i) for i < n_items, at most MAX_EQUATION_LINES lines (the last one then says how many were left)."""
    if n_items <= MAX_EQUATION_LINES:
        return [line(i) for i in range(n_items)]
    shown = MAX_EQUATION_LINES - 1
    return [line(i) for i in range(shown)] + [rf"\text{{… and {n_items - shown} more {noun}}}"]


def _start_equations(step):
    ctx, s = step.context, step.sample
    x = ", ".join(f"{node_label(ctx.sizes, f'L0:N{k}', True)} = {tex_number(v)}" for k, v in enumerate(ctx.X[s]))
    n_out = ctx.sizes[-1]
    y = ", ".join(f"{_target_tex(n_out, j)} = {tex_number(v)}" for j, v in enumerate(ctx.Y[s]))
    lines = [rf"\text{{input: }} {x}", rf"\text{{target: }} {y}"]
    if ctx.X.shape[0] > 1:
        lines.append(rf"\text{{batch of {ctx.X.shape[0]} samples; the equations show sample {s + 1}}}")
    return lines


def _target_tex(n_out, j):
    return "y" if n_out == 1 else f"y_{{{j + 1}}}"


def _chain(lhs: str, parts, aligned: bool = False, rel: str = "=", tail: str = "") -> str:
    """"lhs rel p0 = p1 = …" on one line, or as an aligned block with one row per part.

    The aligned form suits a narrow column (the selected node's panel); a short last part (the
    value) stays on the row before it.
    """
    parts = list(parts)                       # a part may be a list: one expression over several rows
    if not aligned:
        return f"{lhs} {rel} " + " = ".join(" ".join(p) if isinstance(p, list) else p for p in parts) + tail
    if len(parts) > 1 and isinstance(parts[-2], str) and len(parts[-2]) + len(parts[-1]) < 40:
        parts[-2:] = [f"{parts[-2]} = {parts[-1]}"]
    rows = []
    for i, part in enumerate(parts):
        first, *more = part if isinstance(part, list) else [part]
        rows.append(f"{lhs} &{rel} {first}" if i == 0 else f"&= {first}")
        rows += [rf"&\quad {m}" for m in more]
    return r"\begin{aligned}" + r" \\ ".join(rows) + tail + r"\end{aligned}"


def _z_line(ctx, step, l, j, symbolic):
    """z^{(l+1)}_j = Σ_k w a + b = … = value (for the step's sample); ``symbolic``: the node panel's form."""
    s = step.sample
    W, b = ctx.old_weights[l], ctx.old_biases[l]
    inputs = step.a[l][s]
    terms = _product_terms(W[j], inputs) + [(tex_number(abs(b[j])), bool(b[j] < 0))]
    parts = [_term_rows(terms) if symbolic else _signed_terms(terms), tex_number(step.z[l][s, j])]
    if symbolic:
        parts.insert(0, rf"\sum_k w^{{({l + 1})}}_{{{j + 1}k}} {_layer_symbol(l)}_k + b^{{({l + 1})}}_{{{j + 1}}}")
    return _chain(f"z^{{({l + 1})}}_{{{j + 1}}}", parts, aligned=symbolic)


def _layer_symbol(l: int) -> str:
    """The activations of layer l as a symbol: x for the input, h^{(l)} for a hidden layer."""
    return "x" if l == 0 else f"h^{{({l})}}"


def _a_line(ctx, step, l, j):
    s = step.sample
    name = ctx.activation_names[l]
    label = node_label(ctx.sizes, f"L{l + 1}:N{j}", latex=True)
    zj, aj = step.z[l][s, j], step.a[l + 1][s, j]
    if name == "linear":
        return f"{label} = z = {tex_number(aj)}"
    if name == "softmax":
        return (rf"{label} = \frac{{e^{{z_{{{j + 1}}}}}}}{{\sum_k e^{{z_k}}}} = "
                rf"\frac{{e^{{{tex_number(zj)}}}}}{{\sum_k e^{{z_k}}}} = {tex_number(aj)}")
    return f"{label} = {_fname(name)}({tex_number(zj)}) = {tex_number(aj)}"


def _forward_equations(step, l):
    ctx = step.context
    return _capped(lambda j: f"{_z_line(ctx, step, l, j, False)};\\quad {_a_line(ctx, step, l, j)}",
                   ctx.sizes[l + 1], "units")


def _loss_sample_line(ctx, step):
    """The loss of the shown sample with its numbers."""
    s = step.sample
    yhat, y = step.a[-1][s], ctx.Y[s]
    value = tex_number(step.sample_loss[s])
    if ctx.loss_name == "mse":
        terms = [(f"({tex_number(p)} - {_factor(t)})^2", False) for p, t in zip(yhat, y)]
        return rf"\sum_j (\hat y_j - y_j)^2 = {_signed_terms(terms)} = {value}"
    if ctx.loss_name == "bce":
        terms = [(rf"\left[{_factor(t)} \ln {tex_number(p)} + (1 - {_factor(t)}) \ln (1 - {tex_number(p)})\right]",
                  True) for p, t in zip(yhat, y)]
        return (r"-\sum_j \left[y_j \ln \hat y_j + (1 - y_j) \ln(1 - \hat y_j)\right] = "
                f"{_signed_terms(terms)} = {value}")
    terms = [(rf"{_factor(t)} \ln {tex_number(p)}", True) for p, t in zip(yhat, y) if t != 0]
    return rf"-\sum_j y_j \ln \hat y_j = {_signed_terms(terms) or '0'} = {value}"


def _loss_equations(step):
    ctx, s = step.context, step.sample
    batch = ctx.X.shape[0]
    lines = []
    if batch == 1:
        lhs = r"L_\text{data}" if ctx.l1 or ctx.l2 else "L"
        lines.append(f"{lhs} = {_loss_sample_line(ctx, step)}")
    else:
        lines.append(rf"L = \frac{{1}}{{{batch}}} \sum_s L_s = {tex_number(float(np.mean(step.sample_loss)))}")
        lines.append(f"L_{{{s + 1}}} = {_loss_sample_line(ctx, step)}")
    if ctx.l1 or ctx.l2:
        data_loss = float(np.mean(step.sample_loss))
        lines.append(rf"L = L_\text{{data}} + \lambda_1 \sum |W| + \tfrac{{\lambda_2}}{{2}} \sum W^2 = "
                     rf"{tex_number(data_loss)} + {_factor(step.loss - data_loss)} = {tex_number(step.loss)}")
    yhat, y = step.a[-1][s], ctx.Y[s]
    n_out = ctx.sizes[-1]
    for j in range(n_out):
        g = step.dL_dyhat[s, j]
        yh = node_label(ctx.sizes, f"L{len(ctx.sizes) - 1}:N{j}", latex=True)
        t = _target_tex(n_out, j)
        if ctx.loss_name == "mse":
            expr = rf"2({tex_number(yhat[j])} - {_factor(y[j])})"
            lines.append(rf"\frac{{\partial L}}{{\partial {yh}}} = 2({yh} - {t}) = {expr} = {tex_number(g)}")
        elif ctx.loss_name == "bce":
            lines.append(rf"\frac{{\partial L}}{{\partial {yh}}} = \frac{{{yh} - {t}}}{{{yh}(1 - {yh})}} = "
                         f"{tex_number(g)}")
        else:
            lines.append(rf"\frac{{\partial L}}{{\partial {yh}}} = -\frac{{{t}}}{{{yh}}} = {tex_number(g)}")
    if batch > 1:
        lines.append(rf"\text{{(per sample: the gradient of }} L_{{{s + 1}}}\text{{)}}")
    return lines


def _delta_line(ctx, step, l, j, aligned=False):
    """δ^{(l+1)}_j with its numbers; needs step.delta[l] (and delta[l+1] for a hidden layer)."""
    s = step.sample
    L = len(ctx.old_weights)
    lhs = rf"\delta^{{({l + 1})}}_{{{j + 1}}}"
    d = tex_number(step.delta[l][s, j])
    name = ctx.activation_names[l]
    act = ctx.activations[l]
    if l == L - 1:
        yh = node_label(ctx.sizes, f"L{L}:N{j}", latex=True)
        y = ctx.Y[s, j]
        if ctx.loss_name in ("bce", "cross_entropy"):
            t = _target_tex(ctx.sizes[-1], j)
            return _chain(lhs, [f"{yh} - {t}", f"{tex_number(step.a[-1][s, j])} - {_factor(y)}", d], aligned)
        g = step.dL_dyhat[s]
        if name == "softmax":
            inner = float(np.sum(g * step.a[-1][s]))
            return _chain(lhs, [rf"{yh}\left(\frac{{\partial L}}{{\partial {yh}}} - \sum_k \frac{{\partial L}}"
                                rf"{{\partial \hat y_k}} \hat y_k\right)",
                                rf"{tex_number(step.a[-1][s, j])}\,({tex_number(g[j])} - {_factor(inner)})", d],
                          aligned)
        fp = act.df(step.z[l][s:s + 1], step.a[l + 1][s:s + 1])[0, j]
        return _chain(lhs, [rf"\frac{{\partial L}}{{\partial {yh}}} \cdot {_fprime(name)}(z)",
                            rf"{_factor(g[j])} \cdot {_factor(fp)}", d], aligned)
    W_next = ctx.old_weights[l + 1]
    d_next = step.delta[l + 1][s]
    back = float((step.delta[l + 1][s:s + 1] @ W_next)[0, j])
    fp = act.df(step.z[l][s:s + 1], step.a[l + 1][s:s + 1])[0, j]
    terms = _product_terms(W_next[:, j], d_next)
    return _chain(lhs, [rf"{_fprime(name)}(z) \sum_i w^{{({l + 2})}}_{{i{j + 1}}} \delta^{{({l + 2})}}_i",
                        rf"{_factor(fp)} \cdot ({_signed_terms(terms)})", rf"{_factor(fp)} \cdot {_factor(back)}", d],
                  aligned)


def _fprime(name):
    f = _fname(name)
    return "f'" if not f else f"{f}'"


def _grad_w_line(ctx, step, l, j, k, aligned=False):
    """∂L/∂w^{(l+1)}_{jk} = δ_j a_k (+ penalty) = value."""
    s = step.sample
    batch = ctx.X.shape[0]
    wl = node_label(ctx.sizes, f"W{l}:{j}:{k}", latex=True)
    al = _a_tex(ctx.sizes, l, k)
    lhs = rf"\frac{{\partial L}}{{\partial {wl}}}"
    g = tex_number(step.dW[l][j, k])
    penalty = _penalty_tex(ctx)
    if batch == 1:
        parts = [rf"\delta^{{({l + 1})}}_{{{j + 1}}} \, {al}{penalty}",
                 rf"{_factor(step.delta[l][s, j])} \cdot {_factor(step.a[l][s, k])}"
                 + (_penalty_numbers(ctx, ctx.old_weights[l][j, k]) if penalty else "")]
    else:
        parts = [rf"\frac{{1}}{{{batch}}}\sum_s \delta^{{({l + 1})}}_{{{j + 1},s}} \, "
                 rf"{_layer_symbol(l)}_{{{k + 1},s}}{penalty}"]
    return _chain(lhs, parts + [g], aligned)


def _a_tex(sizes, l, k):
    return node_label(sizes, f"L{l}:N{k}", latex=True)


def _penalty_tex(ctx):
    out = ""
    if ctx.l1:
        out += r" + \lambda_1 \operatorname{sign}(w)"
    if ctx.l2:
        out += r" + \lambda_2 w"
    return out


def _penalty_numbers(ctx, w):
    out = ""
    if ctx.l1:
        out += rf" + {tex_number(ctx.l1)} \cdot {_factor(np.sign(w))}"
    if ctx.l2:
        out += rf" + {tex_number(ctx.l2)} \cdot {_factor(w)}"
    return out


def _grad_b_line(ctx, step, l, j):
    bl = node_label(ctx.sizes, f"b{l}:{j}", latex=True)
    batch = ctx.X.shape[0]
    body = rf"\delta^{{({l + 1})}}_{{{j + 1}}}" if batch == 1 else \
        rf"\frac{{1}}{{{batch}}}\sum_s \delta^{{({l + 1})}}_{{{j + 1},s}}"
    return rf"\frac{{\partial L}}{{\partial {bl}}} = {body} = {tex_number(step.db[l][j])}"


def _backward_equations(step, l):
    ctx = step.context
    n_out, n_in = ctx.sizes[l + 1], ctx.sizes[l]

    def unit(j):
        """δ on one row, the unit's ∂L/∂w on the next (aligned on their first '=')."""
        delta = _delta_line(ctx, step, l, j)
        if n_in == 1 and ctx.X.shape[0] == 1 and not (ctx.l1 or ctx.l2):
            grad = _grad_w_line(ctx, step, l, j, 0)
        else:
            row = ", ".join(tex_number(g) for g in step.dW[l][j, :MAX_TERMS])
            if n_in > MAX_TERMS:
                row += r", \ldots"
            grad = (rf"\frac{{\partial L}}{{\partial w^{{({l + 1})}}_{{{j + 1},:}}}} = "
                    rf"\delta^{{({l + 1})}}_{{{j + 1}}} \, {_layer_symbol(l)} = ({row})")
        rows = [line.replace(" = ", " &= ", 1) for line in (delta, grad)]
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

    return _capped(unit, n_out, "units")


def _update_line(ctx, step, kind, l, j, k=None, aligned=False):
    """param ← param − α ∂L/∂param = new, with the optimizer's actual step."""
    if kind == "weight":
        pid, old = f"W{l}:{j}:{k}", ctx.old_weights[l][j, k]
        new, grad, change = step.weights[l][j, k], step.dW[l][j, k], step.update_W[l][j, k]
    else:
        pid, old = f"b{l}:{j}", ctx.old_biases[l][j]
        new, grad, change = step.biases[l][j], step.db[l][j], step.update_b[l][j]
    label = node_label(ctx.sizes, pid, latex=True)
    old_s, new_s = tex_update(old, new)
    if ctx.optimizer == "sgd" and not ctx.clipped:
        return _chain(label, [rf"{label} - \alpha \frac{{\partial L}}{{\partial {label}}}",
                              rf"{old_s} - {tex_number(ctx.lr)} \cdot {_factor(grad)}", new_s], aligned, r"\leftarrow")
    why = {"sgd": r"\text{clipped gradient}", "momentum": r"\text{momentum}", "adam": r"\text{Adam}"}
    return _chain(label, [rf"{label} + \Delta {label}", rf"{old_s} + {_factor(change)}", new_s], aligned,
                  r"\leftarrow", rf"\quad ({why.get(ctx.optimizer, ctx.optimizer)})")


def _incoming_updates(ctx, step, l, j) -> str:
    """The updates of unit j's incoming weights as one compact block, a row per weight with the numbers
    only (the rule itself is written out once, on the bias's line above it): the node's panel then
    fits a projector's screen."""
    n_in = ctx.sizes[l]
    plain = ctx.optimizer == "sgd" and not ctx.clipped
    rows = []
    for k in range(min(n_in, MAX_TERMS)):
        label = node_label(ctx.sizes, f"W{l}:{j}:{k}", latex=True)
        old_s, new_s = tex_update(ctx.old_weights[l][j, k], step.weights[l][j, k])
        change = (rf"- {tex_number(ctx.lr)} \cdot {_factor(step.dW[l][j, k])}" if plain
                  else rf"+ {_factor(step.update_W[l][j, k])}")
        rows.append(rf"{label} &\leftarrow {old_s} {change} = {new_s}")
    if n_in > MAX_TERMS:
        rows.append(rf"&\text{{… and {n_in - MAX_TERMS} more incoming weights updated}}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def _update_equations(step):
    ctx = step.context
    if step.update_W is None:
        return [r"\text{update skipped: the loss or a gradient is not finite (overflow)}"]
    lines = [rf"L: {tex_number(step.loss)} \;\to\; {tex_number(step.loss_after)} "
             rf"\quad (\Delta L = {tex_number(step.loss_after - step.loss)})"]
    params = (p for l in range(len(ctx.old_weights)) for j in range(ctx.sizes[l + 1])
              for p in [("weight", l, j, k) for k in range(ctx.sizes[l])] + [("bias", l, j)])
    shown = MAX_EQUATION_LINES - 1
    lines += [_update_line(ctx, step, *p) for p in itertools.islice(params, shown)]
    n_params = sum(W.size + b.size for W, b in zip(ctx.old_weights, ctx.old_biases))
    if n_params > shown:
        lines.append(rf"\text{{… and {n_params - shown} more parameters}}")
    return lines


@_quiet
def node_equations(steps: list, step_index: int, node_id: str) -> List[str]:
    """LaTeX lines for one node, weight or bias at ``steps[step_index]``: only what is known by then.

    Node "L{l}:N{j}": z = Σ w·a + b = …; a = f(z) = …; δ = … ; ∂L/∂b = δ = …; b ← … and w ← … of its
    incoming weights.
    Weight "W{l}:{j}:{k}": its value and contribution w·a; ∂L/∂w = δ·a = …; w ← w − α ∂L/∂w = … .
    Bias "b{l}:{j}": its value; ∂L/∂b = δ = …; b ← b − α ∂L/∂b = … .
    """
    if not 0 <= step_index < len(steps):
        raise ValueError(f"step_index: expected 0 … {len(steps) - 1}, got {step_index}")
    step = steps[step_index]
    ctx, s = step.context, step.sample
    kind, *idx = parse_id(node_id)
    label = node_label(ctx.sizes, node_id, latex=True)
    L = len(ctx.old_weights)
    lines = []
    if kind == "node":
        l, j = idx
        if l == 0:
            lines.append(f"{label} = {tex_number(ctx.X[s, j])}")
            if step.delta[0] is not None:
                g = float((step.delta[0][s:s + 1] @ ctx.old_weights[0])[0, j])
                lines.append(rf"\frac{{\partial L}}{{\partial {label}}} = \sum_i w^{{(1)}}_{{i{j + 1}}} "
                             rf"\delta^{{(1)}}_i = {tex_number(g)}")
            return lines
        w = l - 1
        if step.z[w] is None:
            return [rf"{label} \;\text{{is not computed yet:}}",   # two short lines: LaTeX does not wrap
                    rf"\text{{step {w + 2}, forward through layer {w + 1}}}"]
        lines.append(_z_line(ctx, step, w, j, True))
        lines.append(_a_line(ctx, step, w, j))
        if l == L and step.loss is not None:
            g = step.dL_dyhat[s, j]
            lines.append(rf"\frac{{\partial L}}{{\partial {label}}} = {tex_number(g)}")
        if step.delta[w] is not None:
            lines.append(_delta_line(ctx, step, w, j, aligned=True))
            lines.append(_grad_b_line(ctx, step, w, j))
            n_in = ctx.sizes[w]
            for k in range(min(n_in, MAX_TERMS)):
                lines.append(_grad_w_line(ctx, step, w, j, k, aligned=True))
            if n_in > MAX_TERMS:
                lines.append(rf"\text{{… and {n_in - MAX_TERMS} more incoming weights}}")
        if step.kind == "update" and step.update_W is not None:
            lines.append(_update_line(ctx, step, "bias", w, j, aligned=True))
            lines.append(_incoming_updates(ctx, step, w, j))   # its incoming weights are updated too
        return lines
    if kind == "weight":
        l, j, k = idx
        w = ctx.old_weights[l][j, k]
        lines.append(f"{label} = {tex_number(w)}")
        if step.z[l] is not None:
            a = step.a[l][s, k]
            lines.append(rf"{label} \cdot {_a_tex(ctx.sizes, l, k)} = {_factor(w)} \cdot {_factor(a)} = "
                         rf"{tex_number(w * a)} \;\text{{(its share of }} z^{{({l + 1})}}_{{{j + 1}}}\text{{)}}")
        if step.dW[l] is not None:
            lines.append(_grad_w_line(ctx, step, l, j, k, aligned=True))
        if step.kind == "update" and step.update_W is not None:
            lines.append(_update_line(ctx, step, "weight", l, j, k, aligned=True))
        return lines
    l, j = idx
    lines.append(f"{label} = {tex_number(ctx.old_biases[l][j])}")
    if step.db[l] is not None:
        lines.append(_grad_b_line(ctx, step, l, j))
    if step.kind == "update" and step.update_W is not None:
        lines.append(_update_line(ctx, step, "bias", l, j, aligned=True))
    return lines
