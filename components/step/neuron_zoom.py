"""Zoom into one neuron: its computation as a small graph of scalar operations, stepped with the timeline.

Micrograd's drawing, live: every w·a product, the sum, + b, the activation and (for an output unit)
the loss is a box showing its value and, once the backward sweep has reached it, its gradient
grad = ∂L/∂(that value). A value not computed yet at the current step is a grey "—". Boxes that this
very step filled in get a thick highlighted border.

Values and gradients are those of one sample (``step.sample``) — except ∂L/∂w and ∂L/∂b, which are
the batch gradients the update uses (the same for a batch of one). Every number comes from the
timeline's arrays (the engine's), apart from the partial sum Σ w·a and the products, which are the
scalar operations this figure draws.
"""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import plotly.graph_objects as go

from components.drawing.style import fmt  # the numbers read the same as on the network graph
from engine.activations import OUTPUT_ACTIVATIONS
from engine.ids import node_label, parse_id
from engine.equations import _quiet

MAX_ZOOM_INPUTS = 4     # a neuron with more inputs shows the first 3 products and one box for the rest

GRAD_COLOR = "#b3470b"  # dark vermillion (Okabe–Ito family): the gradient line, also spelled "grad"
VALUE_COLOR = "#111111"
UNKNOWN_COLOR = "#9a9a9a"
BORDER = "#444444"
FRESH_BORDER = "#0072b2"  # Okabe–Ito blue: boxes this step just filled in (also drawn thicker)
BOX_FILL = "#ffffff"
UNKNOWN_FILL = "#eeeeee"
FONT_SIZE = 17
OP_SIZE = 34


@dataclass
class Box:
    """One value of the scalar graph."""

    key: str                 # stable id: "w0", "a0", "p0", "rest", "b", "sum", "z", "a", "y", "L"
    title: str               # "w¹₁₁", "w·a", "Σ w·a", "z", "ŷ = σ(z)", "L"
    value: Optional[float]   # None: not computed yet
    grad: Optional[float]    # None: not reached by the backward sweep yet (or not defined)
    col: float
    row: float
    op: str = ""             # operation producing this box ("×", "Σ", "+", "σ", "loss"); "" for a leaf
    inputs: tuple = ()
    new_value: Optional[float] = None   # at the update step, the parameter's new value
    note: str = ""           # a short extra line ("target")


_LOSS_SHORT = {"cross_entropy": "CE"}   # fits the operation circle


@_quiet
def neuron_boxes(steps, step_index: int, node_id: str) -> List[Box]:
    """The boxes of the scalar graph of ``node_id`` at ``steps[step_index]`` (what the figure draws).

    A weight id "W{l}:{j}:{k}" or bias id "b{l}:{j}" zooms into the neuron it feeds; an input node
    "L0:N{k}" is a single leaf (its value and ∂L/∂x).
    """
    if not 0 <= step_index < len(steps):
        raise ValueError(f"step_index: expected 0 … {len(steps) - 1}, got {step_index}")
    step = steps[step_index]
    ctx, s = step.context, step.sample
    sizes = ctx.sizes
    kind, *idx = parse_id(node_id)
    node_label(sizes, node_id)                               # validates the id against the architecture
    if kind != "node":
        node_id = f"L{idx[0] + 1}:N{idx[1]}"
    l, j = parse_id(node_id)[1:]
    if l == 0:
        grad = None if step.delta[0] is None else float((step.delta[0][s:s + 1] @ ctx.old_weights[0])[0, j])
        return [Box("x", node_label(sizes, node_id), float(ctx.X[s, j]), grad, 0, 0)]

    w = l - 1                                                 # weight layer feeding this neuron
    L = len(ctx.old_weights)
    W, b = ctx.old_weights[w][j], float(ctx.old_biases[w][j])
    a_in = step.a[w]
    z_known = step.z[w] is not None
    delta = None if step.delta[w] is None else float(step.delta[w][s, j])
    upd = step.kind == "update" and step.update_W is not None
    n_in = sizes[w]
    shown = list(range(n_in)) if n_in <= MAX_ZOOM_INPUTS else list(range(MAX_ZOOM_INPUTS - 1))
    boxes = []
    products = []
    row = 0.0
    for k in shown:
        a_k = None if a_in is None else float(a_in[s, k])
        in_id = f"L{w}:N{k}"
        g_ak = None if step.delta[w] is None else float((step.delta[w][s:s + 1] @ ctx.old_weights[w])[0, k])
        g_w = None if step.dW[w] is None else float(step.dW[w][j, k])
        wid = f"W{w}:{j}:{k}"
        boxes.append(Box(f"w{k}", node_label(sizes, wid), float(W[k]), g_w, 0, row,
                         new_value=float(step.weights[w][j, k]) if upd else None))
        boxes.append(Box(f"a{k}", node_label(sizes, in_id), a_k, g_ak, 0, row + 1))
        p = float(W[k] * a_in[s, k]) if z_known else None
        boxes.append(Box(f"p{k}", "w·a", p, delta, 1, row + 0.5, op="×", inputs=(f"w{k}", f"a{k}")))
        products.append(f"p{k}")
        row += 2.25
    if n_in > len(shown):
        rest = n_in - len(shown)
        p = float(np.dot(W[len(shown):], a_in[s, len(shown):])) if z_known else None
        boxes.append(Box("rest", f"Σ w·a of {rest} more", p, delta, 1, row, op="Σ",
                         note=f"inputs {len(shown) + 1}…{n_in}"))
        products.append("rest")
        row += 1.3
    total = float(np.dot(W, a_in[s])) if z_known else None
    mid = (row - 1.3) / 2
    boxes.append(Box("sum", "Σ w·a", total, delta, 2, mid, op="Σ", inputs=tuple(products)))
    bias_id = f"b{w}:{j}"
    boxes.append(Box("b", node_label(sizes, bias_id), b, None if step.db[w] is None else float(step.db[w][j]),
                     2, mid + 1.6, new_value=float(step.biases[w][j]) if upd else None))
    z = float(step.z[w][s, j]) if z_known else None
    boxes.append(Box("z", "z", z, delta, 3, mid + 0.8, op="+", inputs=("sum", "b")))
    act = ctx.activation_names[w]
    a_out = float(step.a[w + 1][s, j]) if z_known else None
    if w == L - 1:
        g_a = None if step.dL_dyhat is None else float(step.dL_dyhat[s, j])
    else:
        g_a = None if step.delta[w + 1] is None else \
            float((step.delta[w + 1][s:s + 1] @ ctx.old_weights[w + 1])[0, j])
    label = node_label(sizes, node_id)
    boxes.append(Box("a", f"{label} = {OUTPUT_ACTIVATIONS[act].symbol}(z)", a_out, g_a, 4, mid + 0.8,
                     op=OUTPUT_ACTIVATIONS[act].short, inputs=("z",)))
    if w == L - 1:
        target = "y" if sizes[-1] == 1 else f"y{label[1:]}"
        boxes.append(Box("y", target, float(ctx.Y[s, j]), None, 4, mid + 2.6, note="target"))
        loss = None if step.sample_loss is None else float(step.sample_loss[s])
        boxes.append(Box("L", "L (this sample)", loss, 1.0 if loss is not None else None, 5, mid + 1.7,
                         op=_LOSS_SHORT.get(ctx.loss_name, ctx.loss_name), inputs=("a", "y")))
    return boxes


def _known(box: Box):
    return box.value is not None, box.grad is not None, box.new_value is not None


def _box_text(box: Box) -> str:
    value_color = VALUE_COLOR if box.value is not None else UNKNOWN_COLOR
    lines = [f"<b>{box.title}</b>"]
    if box.new_value is not None:
        lines.append(f"<span style='color:{value_color}'>{fmt(box.value)} → <b>{fmt(box.new_value)}</b></span>")
    else:
        lines.append(f"<span style='color:{value_color}'>{fmt(box.value)}</span>")
    if box.note:
        lines.append(f"<span style='color:{UNKNOWN_COLOR}'>{box.note}</span>")
    elif box.key not in ("y",):
        color = GRAD_COLOR if box.grad is not None else UNKNOWN_COLOR
        lines.append(f"<span style='color:{color}'>grad {fmt(box.grad)}</span>")
    return "<br>".join(lines)


def neuron_figure(steps, step_index: int, node_id: str) -> go.Figure:
    """Plotly figure of the scalar operations computing ``node_id`` at ``steps[step_index]``.

    Each value box is a layout annotation named by its key (``Box.key``) with the text
    "title / value / grad …"; operations are circles on the edges; hover shows full precision.
    """
    boxes = neuron_boxes(steps, step_index, node_id)
    before = {b.key: _known(b) for b in neuron_boxes(steps, step_index - 1, node_id)} if step_index else {}
    pos = {b.key: (b.col * 2.0, -b.row) for b in boxes}
    step = steps[step_index]

    edge_x, edge_y, op_x, op_y, op_text = [], [], [], [], []
    for b in boxes:
        if not b.inputs:
            continue
        tx, ty = pos[b.key]
        ox, oy = tx - 1.0, ty                                # the operation sits between the columns
        op_x.append(ox)
        op_y.append(oy)
        op_text.append(b.op)
        edge_x += [ox, tx, None]                               # boxes are drawn on top of the lines
        edge_y += [oy, ty, None]
        for src in b.inputs:
            sx, sy = pos[src]
            edge_x += [sx, ox, None]
            edge_y += [sy, oy, None]
    hover = [f"<b>{b.title}</b><br>value {_full(b.value)}<br>grad ∂L/∂(value) {_full(b.grad)}"
             + (f"<br>after the update {_full(b.new_value)}" if b.new_value is not None else "") for b in boxes]
    traces = [
        go.Scatter(x=edge_x, y=edge_y, mode="lines", line=dict(color="#8c8c8c", width=2), hoverinfo="skip",
                   showlegend=False, name="edges"),
        go.Scatter(x=op_x, y=op_y, mode="markers+text", text=op_text, textposition="middle center",
                   marker=dict(size=[max(OP_SIZE, 9 * len(t) + 14) for t in op_text], color="#f7f7f7",
                               opacity=1, line=dict(color=BORDER, width=2)),   # sized markers default to 0.7
                   textfont=dict(size=FONT_SIZE - 3, color=VALUE_COLOR), hoverinfo="skip", showlegend=False,
                   name="operations"),
        go.Scatter(x=[pos[b.key][0] for b in boxes], y=[pos[b.key][1] for b in boxes], mode="markers",
                   marker=dict(size=60, opacity=0), customdata=[b.key for b in boxes], hovertext=hover,
                   hoverinfo="text", showlegend=False, name="values"),
    ]
    annotations = []
    for b in boxes:
        fresh = bool(before) and before.get(b.key) != _known(b)
        x, y = pos[b.key]
        annotations.append(dict(x=x, y=y, text=_box_text(b), name=b.key, showarrow=False, align="center",
                                font=dict(size=FONT_SIZE, color=VALUE_COLOR),
                                bgcolor=BOX_FILL if b.value is not None else UNKNOWN_FILL,
                                bordercolor=FRESH_BORDER if fresh else BORDER, borderwidth=4 if fresh else 1.5,
                                borderpad=6))
    annotations.append(dict(xref="paper", yref="paper", x=1.0, y=1.0, xanchor="right", yanchor="bottom",
                            showarrow=False, align="right", font=dict(size=FONT_SIZE - 4, color="#555555"),
                            text=(f"<span style='color:{GRAD_COLOR}'>grad</span> = ∂L/∂(value) · "
                                  "— not computed yet · <b>thick blue border</b>: computed in this step")))
    n_rows = max(b.row for b in boxes) + 1
    ctx = step.context
    label = node_label(ctx.sizes, node_id if node_id.startswith("L") else _owner(node_id))
    sub = ""
    if ctx.X.shape[0] > 1:
        sub = (f"<br><span style='font-size:14px'>sample {step.sample + 1} of {ctx.X.shape[0]}; "
               f"grad of w and b: batch mean (what the update uses)</span>")
    # one Figure(...) call: add_annotation per box re-validates every earlier box (≈ 30 ms for 10 boxes)
    fig = go.Figure(data=traces, layout=dict(
        annotations=annotations,
        title=dict(text=f"Inside {label} — {step.caption}{sub}", font=dict(size=FONT_SIZE + 2), x=0.01),
        height=int(max(360, 95 * n_rows + 120)), margin=dict(l=10, r=10, t=70 if not sub else 90, b=10),
        plot_bgcolor="white", paper_bgcolor="white", font=dict(size=FONT_SIZE),
        xaxis=dict(visible=False, range=[-0.8, max(pos[b.key][0] for b in boxes) + 0.8], fixedrange=True),
        yaxis=dict(visible=False, range=[-n_rows + 0.3, 0.9], fixedrange=True),
        hoverlabel=dict(font_size=FONT_SIZE - 1), dragmode=False,
    ))
    return fig


def _owner(param_id: str) -> str:
    kind, l, j, *_ = parse_id(param_id)
    return f"L{l + 1}:N{j}"


def _full(v) -> str:
    return "not known yet" if v is None else f"{float(v):.10g}".replace("-", "−")
