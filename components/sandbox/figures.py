"""Pure figure builders of the chain-rule sandbox (no Streamlit): the graph of operations and the contour.

The graph reads left to right, inputs first: each node shows what it is (□ variable, ◇ constant,
○ operation with its sign), its value once the forward sweep reaches it and its gradient
∂y/∂node once the backward sweep does (in forward mode, its tangent). Everything is written as text;
colour only repeats it (filled = value known, orange ring = gradient known, black ring = this step).
"""
from typing import Dict, Optional, Tuple

import re

import numpy as np
import plotly.graph_objects as go

from components.drawing import labels
from components.drawing.contour import contour_figure
from components.drawing.style import FONT, HIGHLIGHT_LINE, UNKNOWN, VALUE_SIZE
from engine.expression import OPS, Evaluation, Graph, display_name, grid, number, tangents

KNOWN_FILL = "#fdd0a2"
GRAD_RING = "#d94801"
CURRENT_RING = "#111111"
ROW_PX = 125           # vertical room per node of the fullest column
COL_MIN_PX = 120


def layout(graph: Graph) -> Dict[str, Tuple[float, float]]:
    """Node id → (x, y): x = the node's depth (longest path from an input), y spread within each depth and
    ordered by the mean height of the node's arguments (an input or constant is drawn in the column just left of
    its first use), so edges cross as little as a quick pass allows."""
    depth = {}
    for n in graph.nodes:
        depth[n.id] = 0 if not n.inputs else 1 + max(depth[a] for a in n.inputs)
    for n in graph.nodes:       # an input sits just left of its first use: short columns, a graph that fits a screen
        users = [depth[c] for c in graph.consumers(n.id)]
        if not n.inputs and users:
            depth[n.id] = min(users) - 1
    columns: Dict[int, list] = {}
    for n in graph.nodes:
        columns.setdefault(depth[n.id], []).append(n.id)
    tallest = max(len(c) for c in columns.values())
    pos = {}
    for d in sorted(columns):
        ids = columns[d]
        if d > 0:
            ids = sorted(ids, key=lambda i: np.mean([pos[a][1] for a in graph.node(i).inputs])
                         if graph.node(i).inputs else -np.inf)
        k = len(ids)
        spacing = max(1.0, min(1.6, (tallest - 1) / (k - 1))) if k > 1 else 0.0
        for r, i in enumerate(ids):
            pos[i] = (float(d), (tallest - 1) / 2 - (r - (k - 1) / 2) * spacing)
    return pos


def node_symbol(graph: Graph, node_id: str) -> str:
    n = graph.node(node_id)
    if n.op == "var":
        return display_name(n.name)
    if n.op == "const":
        return n.name
    if n.op == "powc":
        return f"**{number(n.param)}"
    return OPS[n.op].label


def expression_figure(ev: Evaluation, values_known=frozenset(), grads_known=frozenset(), *,
                      current: Optional[str] = None, edges=(), mode: str = "reverse",
                      wrt: Optional[str] = None, height: Optional[int] = None,
                      label_edges: bool = True, px: Optional[Tuple[int, int]] = None) -> go.Figure:
    """The graph of operations at one step.

    Parameters
    ----------
    ev : the evaluation whose numbers are shown.
    values_known, grads_known : node ids whose value / gradient (forward mode: tangent) is shown.
    current : id of the node this step computes (black ring, "◀ this step").
    edges : (from, to) ids of the arrows this step uses (drawn thick; with ``label_edges`` each is labelled
        with its local derivative, the factor of this step's product).
    mode : "reverse" (∂y/∂node) or "forward" (the tangent ∂node/∂wrt).
    px : the chart's size on screen (width, height) in px, as measured in the browser: each node's card of
        numbers goes below or above it (every other column alternates), or further out, wherever it
        overlaps no other card, node or edge label (``_card_sides``).
    """
    g = ev.graph
    pos = layout(g)
    y_name = display_name(g.output_name)
    tang = tangents(ev, wrt) if mode == "forward" and wrt else None
    fig = go.Figure()
    active = {tuple(e) for e in edges}
    plain, bold, edge_labels, anns = [], [], [], []   # annotations set at once: add_annotation is slow
    for n in g.nodes:
        for a in dict.fromkeys(n.inputs):
            (x0, y0), (x1, y1) = pos[a], pos[n.id]
            seg = f"M {x0 + 0.13:.4f},{y0:.4f} L {x1 - 0.13:.4f},{y1:.4f}"
            (bold if (a, n.id) in active else plain).append(seg)
            if (a, n.id) in active and label_edges:
                d = ev.local_wrt(n.id, a)
                edge_labels.append(dict(
                    x=x0 + 0.5 * (x1 - x0), y=y0 + 0.5 * (y1 - y0), showarrow=False, name="local",
                    text=f"∂{display_name(n.name)}/∂{_name(g, a)} = {number(d)}",
                    font=dict(size=VALUE_SIZE, color="#111111"), bgcolor="rgba(255,255,255,0.95)",
                    bordercolor=HIGHLIGHT_LINE, borderwidth=2))
            anns.append(dict(x=x1 - 0.13, y=y1, ax=x1 - 0.2, ay=y1 + (y0 - y1) * 0.07 / max(abs(x1 - x0), 1e-9),
                               xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True, arrowhead=2,
                               arrowwidth=3 if (a, n.id) in active else 1.5,
                               arrowcolor=HIGHLIGHT_LINE if (a, n.id) in active else "#888888"))
    shapes = []
    if plain:
        shapes.append(dict(type="path", path=" ".join(plain), line=dict(color="#9a9a9a", width=1.6), layer="below"))
    if bold:
        shapes.append(dict(type="path", path=" ".join(bold), line=dict(color=HIGHLIGHT_LINE, width=5), layer="below"))
    xs, ys, symbols, fills, rings, widths, inside, below, hover, ids = [], [], [], [], [], [], [], [], [], []
    for n in g.nodes:
        x, y = pos[n.id]
        i = int(n.id[1:])
        known, gknown = n.id in values_known, n.id in grads_known
        xs.append(x)
        ys.append(y)
        ids.append(n.id)
        symbols.append({"var": "square", "const": "diamond"}.get(n.op, "circle"))
        fills.append(KNOWN_FILL if known else UNKNOWN)
        rings.append(CURRENT_RING if n.id == current else (GRAD_RING if gknown else "#666666"))
        widths.append(5 if n.id == current else (4 if gknown else 1.5))
        inside.append(node_symbol(g, n.id))
        lines = []
        if n.op not in ("var", "const"):
            lines.append(f"<b>{display_name(n.name)}</b>")
        lines.append(f"= {number(ev.values[i])}" if known else "= ?")
        if n.op != "const":
            if mode == "forward":
                dot = f"∂{display_name(n.name)}/∂{display_name(wrt)}" if wrt else ""
                lines.append(f"{dot} = {number(tang[i])}" if gknown else f"{dot} = ?")
            else:
                lines.append(f"∂{y_name}/∂{display_name(n.name)} = {number(ev.grad[i])}" if gknown else "")
        if n.id == current:
            lines.append("◀ this step")
        below.append("<br>".join(line for line in lines if line))
        hover.append(_hover(g, ev, n, known, gknown, mode, wrt, tang))
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text", text=inside, textposition="middle center", customdata=ids,
        textfont=dict(size=VALUE_SIZE + 1, color="#111111"), hovertext=hover, hoverinfo="text",
        marker=dict(symbol=symbols, size=44, color=fills, line=dict(color=rings, width=widths)),
        name="nodes", showlegend=False))
    n_cols = int(max(xs)) + 1 if xs else 1
    y_range = [min(ys) - 1.1 if ys else -1, max(ys) + 1.1 if ys else 1]
    narrow = [text.replace(" = ", " =<br>") for text in below]        # a gradient's value on its own line
    shifts, card_font, use_narrow = _card_sides(xs, ys, below, edge_labels, px, [-0.6, n_cols - 0.4], y_range,
                                                narrow)
    for x, y, text, shift in zip(xs, ys, narrow if use_narrow else below, shifts):   # on a white card: readable where an edge passes behind
        anns.append(dict(x=x, y=y, yshift=shift, text=text, showarrow=False,
                           yanchor="bottom" if shift > 0 else "top",
                           font=dict(size=card_font, color="#111111"), bgcolor="rgba(255,255,255,0.88)",
                           name="numbers"))
    anns += edge_labels                     # last, so the node cards never cover this step's factor
    tallest = max(1, int(round(max(ys) - min(ys))) + 1) if ys else 1
    fig.update_layout(
        shapes=shapes, annotations=anns, font=FONT, showlegend=False, plot_bgcolor="#ffffff", dragmode=False,
        margin=dict(l=10, r=10, t=10, b=10), height=height or max(360, ROW_PX * (tallest + 1) + 60),
        xaxis=dict(visible=False, range=[-0.6, n_cols - 0.4]),
        yaxis=dict(visible=False, range=y_range),
        meta=dict(min_width=COL_MIN_PX * n_cols))
    return fig


CARD_SHIFT = 26        # px from a node's centre to its card (the node is 44 px)
FAR_SHIFT = 34         # px further out when both sides are taken


def _card_box(text: str, size: float) -> Tuple[float, float]:
    """(width, height) in px of an annotation card (tags removed; bold lines a tenth wider; 1 px border pad)."""
    lines = [line for line in text.split("<br>")] or [""]
    width = max(labels.text_box(re.sub(r"<[^>]+>", "", line), size)[0] * (1.1 if "<b>" in line else 1.0)
                for line in lines)
    return width + 4, len(lines) * 1.3 * size + 6


CARD_FONTS = (VALUE_SIZE, 13, 12, 11)   # px: a crowded graph's cards get smaller type before they overlap


def _card_sides(xs, ys, wide, edge_labels, px, x_range, y_range, narrow=None) -> tuple:
    """Each card's yshift in px, the cards' font size and whether they use their ``narrow`` text (a value
    on its own line): below (−) or above (+) its node, the side alternating by column (a narrow screen),
    switched or moved further out where the card would overlap another card, a node or an edge label of
    this step; the largest of ``CARD_FONTS`` (wide text first, then narrow) at which no card overlaps,
    else the smallest narrow one with the least overlap. Without ``px`` the alternation alone."""
    natural = [CARD_SHIFT if int(x) % 2 == 1 else -CARD_SHIFT for x in xs]
    if not px or not xs:
        return natural, VALUE_SIZE, False
    sx = (px[0] - 20) / (x_range[1] - x_range[0])
    sy = (px[1] - 20) / (y_range[1] - y_range[0])
    X = (np.asarray(xs) - x_range[0]) * sx
    Y = (np.asarray(ys) - y_range[0]) * sy
    fixed = [(x - 23, y - 23, x + 23, y + 23) for x, y in zip(X, Y)]          # the 44-px nodes
    for e in edge_labels:
        w, h = _card_box(e["text"], VALUE_SIZE)
        cx, cy = (e["x"] - x_range[0]) * sx, (e["y"] - y_range[0]) * sy
        fixed.append((cx - w / 2 - 2, cy - h / 2 - 2, cx + w / 2 + 2, cy + h / 2 + 2))
    def overlap(box, others):
        return sum(max(0.0, min(box[2], b[2]) - max(box[0], b[0])) * max(0.0, min(box[3], b[3]) - max(box[1], b[1]))
                   for b in others)

    for font, use_narrow in [(f, n) for f in CARD_FONTS for n in (False, True) if n is False or narrow]:
        texts = narrow if use_narrow else wide
        options = []            # per card: its candidate (shift, box), natural side first
        for i, text in enumerate(texts):
            w, h = _card_box(text, font)
            tries = [natural[i], -natural[i]] + [side * (CARD_SHIFT + k * FAR_SHIFT) for k in (1, 2)
                                                 for side in (np.sign(natural[i]), -np.sign(natural[i]))]
            boxes = []
            for shift in tries:
                y0, y1 = (Y[i] + shift, Y[i] + shift + h) if shift > 0 else (Y[i] + shift - h, Y[i] + shift)
                if y0 >= 0 and y1 <= px[1] - 20:        # on the chart
                    boxes.append((int(shift), (X[i] - w / 2, y0, X[i] + w / 2, y1)))
            options.append(boxes or [(int(tries[0]), (X[i] - w / 2, Y[i] - CARD_SHIFT - h, X[i] + w / 2, Y[i] - CARD_SHIFT))])
        chosen = [None] * len(texts)
        for _ in range(3):      # greedy in node order, then twice: each overlapping card moves to its best place
            for i in range(len(texts)):
                others = fixed + [chosen[k][1] for k in range(len(texts)) if k != i and chosen[k] is not None]
                if chosen[i] is not None and overlap(chosen[i][1], others) == 0:
                    continue
                chosen[i] = min(options[i], key=lambda o: overlap(o[1], others))
        total = sum(overlap(chosen[i][1], fixed + [chosen[k][1] for k in range(i)]) for i in range(len(texts)))
        out = [c[0] for c in chosen]
        if total == 0:
            break
    return out, font, use_narrow


def _name(g: Graph, node_id: str) -> str:
    n = g.node(node_id)
    return n.name if n.op == "const" else display_name(n.name)


def _hover(g, ev, n, known, gknown, mode, wrt, tang) -> str:
    i = int(n.id[1:])
    kind = {"var": "variable", "const": "constant"}.get(n.op, f"operation {OPS[n.op].name if n.op in OPS else ''}")
    parts = [f"{_name(g, n.id)} ({kind}, typed at column {n.column})"]
    parts.append(f"value {number(ev.values[i])}" if known else "value: not computed yet")
    if n.op != "const":
        if mode == "forward" and wrt:
            parts.append(f"tangent ∂{display_name(n.name)}/∂{display_name(wrt)} = {number(tang[i])}" if gknown
                         else "tangent: not computed yet")
        else:
            parts.append(f"gradient ∂{display_name(g.output_name)}/∂{display_name(n.name)} = {number(ev.grad[i])}"
                         if gknown else "gradient: not reached yet")
    return "<br>".join(parts)


def surface_window(center: float, grad: float) -> Tuple[float, float]:
    """The range shown around one coordinate: ±2, widened to ±|value|/2 for large values."""
    half = max(2.0, abs(center) * 0.5)
    return center - half, center + half


def sandbox_contour(ev: Evaluation, n: int = 61) -> go.Figure:
    """The output over its two variables around the point, with the gradient arrow (exactly two variables)."""
    g = ev.graph
    if len(g.variables) != 2:
        raise ValueError(f"variables: the contour needs exactly two, the expression has {len(g.variables)}")
    xv, yv = g.variables
    px, py = ev.inputs[xv], ev.inputs[yv]
    xs = np.linspace(*surface_window(px, ev.gradient[xv]), n)
    ys = np.linspace(*surface_window(py, ev.gradient[yv]), n)
    Z = grid(g, ev.inputs, xv, yv, xs, ys)
    return contour_figure(xs, ys, Z, point=(px, py), gradient=(ev.gradient[xv], ev.gradient[yv]),
                          x_label=display_name(xv), y_label=display_name(yv), z_label=display_name(g.output_name),
                          title=f"{display_name(g.output_name)} around ({display_name(xv)}, {display_name(yv)}) = "
                                f"({number(px)}, {number(py)})")
