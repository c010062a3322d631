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
    shifts, slides, card_font, use_narrow, hidden = _card_sides(
        xs, ys, below, edge_labels, px, [-0.6, n_cols - 0.4], y_range, narrow,
        keep=[ids.index(current)] if current in ids else [])
    for k, (x, y, text, shift, slide) in enumerate(zip(xs, ys, narrow if use_narrow else below, shifts, slides)):
        if k in hidden:
            continue
        anns.append(dict(x=x, y=y, yshift=shift, xshift=slide, text=text, showarrow=False,   # on a white card:
                         yanchor="bottom" if shift > 0 else "top",                          # readable where an
                         font=dict(size=card_font, color="#111111"), bgcolor="rgba(255,255,255,0.88)",   # edge passes
                         name="numbers"))
    hidden_names = [_name(g, ids[k]) for k in hidden]
    if hidden:
        anns.append(dict(xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom", showarrow=False,
                         text=hidden_note(hidden_names, px[0] - 20), font=dict(size=NOTE_SIZE, color="#111111"),
                         bgcolor="#ffffff", name="hidden"))
    anns += edge_labels                     # last, so the node cards never cover this step's factor
    tallest = max(1, int(round(max(ys) - min(ys))) + 1) if ys else 1
    fig.update_layout(
        shapes=shapes, annotations=anns, font=FONT, showlegend=False, plot_bgcolor="#ffffff", dragmode=False,
        margin=dict(l=10, r=10, t=10, b=10), height=height or max(360, ROW_PX * (tallest + 1) + 60),
        xaxis=dict(visible=False, range=[-0.6, n_cols - 0.4]),
        yaxis=dict(visible=False, range=y_range),
        meta=dict(min_width=COL_MIN_PX * n_cols, hidden_cards=hidden_names))
    return fig


def hidden_note(names, width: float = float("inf")) -> str:
    """The line under the graph when cards of numbers found no place: how many, whose and where they are,
    shortened until it fits ``width`` px."""
    k, s, them = len(names), "s" if len(names) > 1 else "", "their nodes" if len(names) > 1 else "its node"
    for text in (f"{k} card{s} of numbers hidden (no room): {', '.join(names)}; hover {them}",
                 f"{k} card{s} hidden (no room): {', '.join(names)}; hover {them}",
                 f"{k} card{s} hidden (no room): hover the nodes", f"{k} hidden (no room): hover"):
        if labels.text_box(text, NOTE_SIZE)[0] <= width:
            break
    return text


CARD_SHIFT = 26        # px from a node's centre to its card (the node is 44 px)
FAR_SHIFT = 17         # px further out, step by step, when both sides are taken
SLIDES = (0, 12, -12, 24, -24, 36, -36)   # px a card may slide sideways from under its node (the node stays over
# it); a card that would stick out of the chart slides just far enough in
CARD_GAP = 2           # px kept free between two cards (and between a card and a node or edge label)


def _card_box(text: str, size: float) -> Tuple[float, float]:
    """(width, height) in px of an annotation card (tags removed; bold lines a tenth wider; 1 px border pad)."""
    lines = [line for line in text.split("<br>")] or [""]
    width = max(labels.text_box(re.sub(r"<[^>]+>", "", line), size)[0] * (1.1 if "<b>" in line else 1.0)
                for line in lines)
    return width + 4, len(lines) * 1.3 * size + 6


CARD_FONTS = (VALUE_SIZE, 13, 12, 11)   # px: a crowded graph's cards get smaller type before they overlap


NOTE_SIZE = 12          # px: the line under the graph that counts the cards left off
NOTE_PX = 24            # px kept free for it at the bottom of the plot area


def _card_sides(xs, ys, wide, edge_labels, px, x_range, y_range, narrow=None, keep=()) -> tuple:
    """Where each node's card goes: ``(yshifts, xshifts, font, use_narrow, hidden)``.

    Below (−) or above (+) its node, the side alternating by column; where the card would overlap (or
    come within ``CARD_GAP`` of) another card, a node or an edge label of this step: slid sideways
    (``SLIDES``), then the other side, then further out (``FAR_SHIFT``). The largest of ``CARD_FONTS``
    (wide text first, then narrow: a value on its own line) at which no card overlaps anything. Where
    even the smallest narrow cards do not fit, the fewest cards are left off (``hidden``: indices; the
    most overlapping first, never one in ``keep``) with ``NOTE_PX`` kept free at the bottom for the line
    that says so. Without ``px`` the alternation alone."""
    natural = [CARD_SHIFT if int(x) % 2 == 1 else -CARD_SHIFT for x in xs]
    if not px or not xs:
        return natural, [0] * len(xs), VALUE_SIZE, False, []
    width, height = px[0] - 20, px[1] - 20          # the plot area (10-px margins)
    sx = width / (x_range[1] - x_range[0])
    sy = height / (y_range[1] - y_range[0])
    X = (np.asarray(xs) - x_range[0]) * sx
    Y = (np.asarray(ys) - y_range[0]) * sy
    fixed = [(x - 23, y - 23, x + 23, y + 23) for x, y in zip(X, Y)]          # the 44-px nodes
    for e in edge_labels:
        w, h = _card_box(e["text"], VALUE_SIZE)
        cx, cy = (e["x"] - x_range[0]) * sx, (e["y"] - y_range[0]) * sy
        fixed.append((cx - w / 2 - 2, cy - h / 2 - 2, cx + w / 2 + 2, cy + h / 2 + 2))
    fixed = np.array(fixed, dtype=float).reshape(-1, 4)

    def overlap(cand, others):
        """(k,) overlap areas in px² of candidate boxes (k, 4) with ``others`` (m, 4), ``CARD_GAP`` kept."""
        if not len(others):
            return np.zeros(len(cand))
        w = np.minimum(cand[:, None, 2] + CARD_GAP, others[None, :, 2]) - \
            np.maximum(cand[:, None, 0] - CARD_GAP, others[None, :, 0])
        h = np.minimum(cand[:, None, 3] + CARD_GAP, others[None, :, 3]) - \
            np.maximum(cand[:, None, 1] - CARD_GAP, others[None, :, 1])
        return (np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1)

    def arrange(texts, font, shown, floor=0.0):
        """``(moves, per_card)``: each shown card's (yshift, xshift) and its overlap with the rest."""
        options = {}            # card → (moves, boxes (k, 4), overlap with the fixed boxes), most natural first
        for i in shown:
            w, h = _card_box(texts[i], font)
            side = np.sign(natural[i])
            rows = [natural[i], -natural[i]] + [s * (CARD_SHIFT + k * FAR_SHIFT) for k in (1, 2, 3, 4)
                                                for s in (side, -side)]
            moves, boxes = [], []
            for shift in rows:
                y0, y1 = (Y[i] + shift, Y[i] + shift + h) if shift > 0 else (Y[i] + shift - h, Y[i] + shift)
                inward = int(np.ceil(max(0.0, w / 2 - X[i]))) - int(np.ceil(max(0.0, X[i] + w / 2 - width)))
                for slide in dict.fromkeys(SLIDES + (inward,) if inward else SLIDES):   # (inward: off an edge)
                    x0, x1 = X[i] + slide - w / 2, X[i] + slide + w / 2
                    if y0 >= floor and y1 <= height and x0 >= 0 and x1 <= width:   # on the chart
                        moves.append((int(shift), slide))
                        boxes.append((x0, y0, x1, y1))
            if not boxes:
                moves, boxes = [(int(rows[0]), 0)], [(X[i] - w / 2, Y[i] - CARD_SHIFT - h, X[i] + w / 2, Y[i] - CARD_SHIFT)]
            boxes = np.array(boxes, dtype=float)
            options[i] = (moves, boxes, overlap(boxes, fixed))
        # node order, then the cards with the fewest free places first (a crowded card chooses before its
        # neighbours take its room); each card then moves to its least overlapping place until none overlaps
        free = {i: int((options[i][2] == 0).sum()) for i in shown}
        best = None
        for order in (list(shown), sorted(shown, key=lambda i: (free[i], i))):
            chosen = {}
            for _ in range(4):
                for i in order:
                    placed = np.array([options[k][1][c] for k, c in chosen.items() if k != i]).reshape(-1, 4)
                    cost = options[i][2] + overlap(options[i][1], placed)
                    if i not in chosen or cost[chosen[i]] > 0:
                        chosen[i] = int(np.argmin(cost))     # the first (most natural) of the least overlapping
            boxes = {i: options[i][1][chosen[i]][None, :] for i in shown}
            per_card = {i: options[i][2][chosen[i]] + overlap(boxes[i], np.vstack(
                [boxes[k] for k in shown if k != i] or [np.zeros((0, 4))]))[0] for i in shown}
            if best is None or sum(per_card.values()) < sum(best[1].values()):
                best = ({i: options[i][0][chosen[i]] for i in shown}, per_card)
            if sum(per_card.values()) == 0:
                break
        return best

    n = len(xs)
    everyone = list(range(n))
    for font, use_narrow in [(f, m) for f in CARD_FONTS for m in (False, True) if m is False or narrow]:
        moves, per_card = arrange(narrow if use_narrow else wide, font, everyone)
        if sum(per_card.values()) == 0:
            return [moves[i][0] for i in everyone], [moves[i][1] for i in everyone], font, use_narrow, []
    shown = list(everyone)
    while True:
        moves, per_card = arrange(narrow if use_narrow else wide, font, shown, floor=NOTE_PX)
        crowded = [i for i in shown if per_card[i] > 0 and i not in keep]
        if not crowded:
            break
        shown.remove(max(crowded, key=lambda i: (per_card[i], i)))
    for i in [i for i in everyone if i not in shown]:     # one taken off early may fit beside the rest now
        trial = arrange(narrow if use_narrow else wide, font, sorted(shown + [i]), floor=NOTE_PX)
        if sum(trial[1].values()) == 0:
            shown, moves = sorted(shown + [i]), trial[0]
    hidden = [i for i in everyone if i not in moves]
    return ([moves[i][0] if i in moves else 0 for i in everyone], [moves[i][1] if i in moves else 0 for i in everyone],
            font, use_narrow, hidden)


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
