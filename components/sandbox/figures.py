"""Pure figure builders of the chain-rule sandbox (no Streamlit): the graph of operations and the contour.

The graph reads left to right, inputs first: each node shows what it is (□ variable, ◇ constant,
○ operation with its sign), its value once the forward sweep reaches it and its gradient
∂y/∂node once the backward sweep does (in forward mode, its tangent). Everything is written as text;
colour only repeats it (filled = value known, orange ring = gradient known, black ring = this step).
"""
from typing import Dict, Optional, Tuple

import numpy as np
import plotly.graph_objects as go

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
                      label_edges: bool = True) -> go.Figure:
    """The graph of operations at one step.

    Parameters
    ----------
    ev : the evaluation whose numbers are shown.
    values_known, grads_known : node ids whose value / gradient (forward mode: tangent) is shown.
    current : id of the node this step computes (black ring, "◀ this step").
    edges : (from, to) ids of the arrows this step uses (drawn thick; with ``label_edges`` each is labelled
        with its local derivative, the factor of this step's product).
    mode : "reverse" (∂y/∂node) or "forward" (the tangent ∂node/∂wrt).
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
    for x, y, text in zip(xs, ys, below):   # on a white card: readable where an edge passes behind
        above = int(x) % 2 == 1             # neighbouring columns alternate above/below: narrow screens
        anns.append(dict(x=x, y=y, yshift=26 if above else -26, text=text, showarrow=False,
                           yanchor="bottom" if above else "top",
                           font=dict(size=VALUE_SIZE, color="#111111"), bgcolor="rgba(255,255,255,0.88)",
                           name="numbers"))
    anns += edge_labels                     # last, so the node cards never cover this step's factor
    n_cols = int(max(xs)) + 1 if xs else 1
    tallest = max(1, int(round(max(ys) - min(ys))) + 1) if ys else 1
    fig.update_layout(
        shapes=shapes, annotations=anns, font=FONT, showlegend=False, plot_bgcolor="#ffffff", dragmode=False,
        margin=dict(l=10, r=10, t=10, b=10), height=height or max(360, ROW_PX * (tallest + 1) + 60),
        xaxis=dict(visible=False, range=[-0.6, n_cols - 0.4]),
        yaxis=dict(visible=False, range=[min(ys) - 1.1 if ys else -1, max(ys) + 1.1 if ys else 1]),
        meta=dict(min_width=COL_MIN_PX * n_cols))
    return fig


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
