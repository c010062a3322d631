"""The network graph: one figure builder shared by every page (step-through, gradient lab, playground).

``network_figure`` is a pure function of the engine's numbers, testable without Streamlit. It draws
fast at any size: edges are ``layout.shapes``, one SVG path per (colour, width, sign) bin; nodes are one
``go.Scatter`` whose ``customdata[0]`` is the node id; edges get an invisible marker trace (their click
and hover targets, ``customdata[0]`` = the weight id; above 2,000 edges only the selected neuron's
edges, see ``_add_edge_targets``); biases are small squares above their node
(``customdata[0]`` = the bias id) when the network is small. Values not known yet (``None`` entries)
are drawn grey and left blank.
"""
from functools import lru_cache
from types import MappingProxyType
from typing import Optional, Sequence, Tuple

import numpy as np
import plotly.graph_objects as go

from components.drawing import labels, plain, style
from components.drawing.layout import layered_layout
from engine.ids import parse_id

EDGE_MODES = {"gradient": "|∂L/∂w| (log)", "weight": "w", "update": "update −α∂L/∂w"}
NODE_MODES = {"a": "a (activation)", "z": "z (pre-activation)", "delta": "|δ| = |∂L/∂z| (log)"}
SMALL_EDGES = 40       # values are printed on the graph up to this many edges
HOVER_LABEL_EDGES = 2000   # every edge hoverable up to this many; above, the selected neuron's edges only
BOTTOM = 80            # px under the plot: the colour bars (title, bar, ticks)
NOTE_PX = 22           # px more when the note on hidden numbers is shown
NOTE_FONT = 13
X_LO, Y_PAD = -0.45, 0.95   # axis ranges: [X_LO, L − X_LO] × [min y − Y_PAD, max y + Y_PAD]
BIAS_GAP = 9           # px from a unit's disc to the centre of its bias square


def network_figure(sizes: Sequence[int], weights: Sequence[np.ndarray], biases: Optional[Sequence] = None, *,
                   z=None, a=None, delta=None, dW=None, db=None, update_W=None, lr: Optional[float] = None,
                   edge_mode: str = "gradient", node_mode: str = "a",
                   highlight_layer: Optional[int] = None, selected: Optional[str] = None,
                   show_values: Optional[bool] = None, sample: int = 0, height: Optional[int] = None,
                   title: Optional[str] = None, narrow: bool = False,
                   px: Optional[Tuple[int, int]] = None,
                   input_labels: Optional[Sequence[str]] = None) -> go.Figure:
    """Draw the network with the numbers known so far.

    Parameters
    ----------
    sizes : units per layer, input first.
    weights, biases : lists of (n_{l+1}, n_l) / (n_{l+1},) arrays (``Network.weights`` / ``.biases``).
    z, delta : lists of (batch, n_{l+1}) or (n_{l+1},) arrays, one per weight layer (entry None =
        not computed yet); a : list of len(sizes), a[0] the input. Row ``sample`` is drawn.
    dW, db : lists aligned with weights / biases (entry None = not known yet).
    update_W : the change applied to each weight; default −lr·dW when ``lr`` is given.
    edge_mode : "gradient" (log |∂L/∂w|), "weight" (w) or "update" (the change of w).
    node_mode : "a", "z" or "delta" (log |δ|).
    highlight_layer : index in ``sizes`` of the layer being computed (a shaded band), or None.
    selected : a node "L{l}:N{j}", weight "W{l}:{j}:{k}" or bias "b{l}:{j}" id to ring, or None.
    show_values : print numbers on nodes and edges (default: when there are ≤ 40 edges).
    narrow : the chart gets a narrow column (the playground's): the legend line above it wraps.
    px : the chart's size on screen in px (width, height), as measured in the browser
        (``chart_size``). Nodes are sized and numbers placed for it so that no two overlap
        (``labels.place``); default: ``height`` tall and 1.3 × as wide, an estimate.
    input_labels : names of the input nodes (the playground's features: x₁², sin x₁, …); default x₁ … xₙ.
    """
    sizes = tuple(int(s) for s in sizes)
    if edge_mode not in EDGE_MODES:
        raise ValueError(f"edge_mode: expected one of {', '.join(EDGE_MODES)}, got {edge_mode!r}")
    if node_mode not in NODE_MODES:
        raise ValueError(f"node_mode: expected one of {', '.join(NODE_MODES)}, got {node_mode!r}")
    if len(weights) != len(sizes) - 1:
        raise ValueError(f"weights: expected {len(sizes) - 1} arrays for sizes {sizes}, got {len(weights)}")
    lay = layered_layout(sizes)
    L = len(sizes) - 1
    small = lay.n_edges <= SMALL_EDGES if show_values is None else bool(show_values)
    if height is None:
        height = int(np.clip(190 * max(sizes) + 190, 460, 900)) if px is None else int(px[1])
    span = float(lay.y.max() - lay.y.min()) + 1.8
    legend = _legend(lay.n_edges, narrow)
    top = (70 if title else 34) + 24 * legend.count("<br>")
    if px is None:
        px_per_unit = (height - 150) / span
        node_size = float(np.clip(0.5 * px_per_unit, 9, 50))
    else:        # sized for the plot area really left between the margins
        px_per_unit = (px[1] - top - BOTTOM) / (span + 0.1)
        node_size = float(np.clip(min(0.5 * px_per_unit, 0.3 * (px[0] - 20) / (L + 0.9)), 9, 50))

    biases = [np.zeros(n) for n in sizes[1:]] if biases is None else biases
    vals = _node_values(sizes, lay, a, z, delta, biases, db, sample)
    edges = _edge_values(weights, dW, update_W, lr, L)
    placed = None
    bottom = BOTTOM
    if small:
        size_px = px or (int(1.3 * height), height)
        placed = _place(lay, vals, edges, edge_mode, node_mode, node_size, selected, size_px, top, bottom)
        if placed["placement"].hidden:      # room for the note under the graph, then placed again
            bottom += NOTE_PX
            placed = _place(lay, vals, edges, edge_mode, node_mode, node_size, selected, size_px, top, bottom)

    traces = []    # plain dicts (components/drawing/plain.py): validated by the tests, not on every rerun
    shapes = []
    if highlight_layer is not None and 0 <= highlight_layer <= L:
        shapes.append(dict(type="rect", layer="below", x0=highlight_layer - 0.2, x1=highlight_layer + 0.2,
                           y0=float(lay.y.min()) - 0.75, y1=float(lay.y.max()) + 0.75,
                           fillcolor=style.HIGHLIGHT_FILL, line=dict(color=style.HIGHLIGHT_LINE, width=2, dash="dot")))
    edge_color_info = _edge_shapes(lay, edges, edge_mode, shapes)
    if selected and selected.startswith("W") and selected in _edge_index(lay):
        i = _edge_index(lay)[selected]
        shapes.insert(0, dict(type="path", layer="below", path=str(lay.edge_path[i]),
                              line=dict(color="rgba(255, 190, 0, 0.85)", width=14)))

    node_colors, node_bar = _node_colors(vals, node_mode)
    labelled = node_size >= 20
    traces.append(_scatter(
        x=lay.x, y=lay.y, mode="markers+text" if labelled else "markers", name="nodes",
        text=list(input_labels or lay.node_labels[:sizes[0]]) + list(lay.node_labels[sizes[0]:]),
        textfont=dict(size=style.LABEL_SIZE if node_size >= 30 else max(8, int(node_size * 0.55)),
                      color=style.text_colors(node_colors) if labelled else None),
        marker=dict(size=node_size, color=node_colors, line=dict(color="#333333", width=1.5)),
        customdata=_node_hover(lay, vals).tolist(), unselected=dict(marker=dict(opacity=1)),
        hovertemplate=("<b>%{text}</b>  %{customdata[0]}<br>z = %{customdata[1]}<br>a = %{customdata[2]}"
                       "<br>δ = ∂L/∂z = %{customdata[3]}<br>b = %{customdata[4]}<br>∂L/∂b = %{customdata[5]}"
                       "<extra></extra>"),
        showlegend=False))
    if small:
        traces.append(_scatter(
            x=placed["node_x"], y=placed["node_y"], mode="text", text=placed["placement"].node_text,
            textposition="middle center", textfont=dict(size=style.VALUE_SIZE), hoverinfo="skip", showlegend=False,
            name="node values"))
    _add_edge_targets(traces, lay, edges, small, node_size, edge_mode, selected, placed)
    if small:
        _add_biases(traces, lay, vals, placed)
    _add_selection_ring(traces, lay, selected, node_size, placed)
    _add_colorbar(traces, node_bar, x=0.24)
    _add_colorbar(traces, edge_color_info, x=0.76)

    notes = [dict(text=legend, xref="paper", yref="paper", x=0, y=1, yanchor="bottom", yshift=6, showarrow=False,
                  xanchor="left", font=dict(size=style.TICK_SIZE, color="#444444"))]
    if placed is not None and placed["placement"].hidden:
        notes.append(dict(text=hidden_note(placed["placement"], placed["width"]), xref="paper", yref="paper",
                          x=0, y=0, xanchor="left", yanchor="bottom", yshift=-bottom + 2, showarrow=False,
                          font=dict(size=NOTE_FONT, color="#444444"), name="hidden numbers"))
    layout = dict(
        height=height, margin=dict(l=10, r=10, t=top, b=bottom),
        shapes=shapes,
        font=style.FONT, plot_bgcolor="white", paper_bgcolor="white", hovermode="closest",
        hoverlabel=dict(font=dict(size=style.VALUE_SIZE + 1)), title=dict(text=title or ""),
        xaxis=dict(visible=False, range=[X_LO, L + 0.45], fixedrange=small),
        yaxis=dict(visible=False, range=[float(lay.y.min()) - Y_PAD, float(lay.y.max()) + Y_PAD], fixedrange=small),
        annotations=notes,
    )
    return plain.figure(traces, layout)


def _legend(n_edges: int, narrow: bool) -> str:
    """The line above the graph that says what width, dashes and grey mean (wrapped for a narrow chart)."""
    if n_edges > HOVER_LABEL_EDGES:
        return (f"edge width = |w| · grey = not computed yet<br>over {HOVER_LABEL_EDGES:,} weights: no dashes for "
                "w < 0; click a neuron to hover or click its weights")
    return "edge width = |w| · dashed = negative w" + ("<br>" if narrow else " · ") + "grey = not computed yet"


def selected_id(point: dict) -> Optional[str]:
    """The node / weight / bias id of a clicked point of ``network_figure`` (None for anything else)."""
    data = point.get("customdata") if isinstance(point, dict) else None
    if isinstance(data, (list, tuple)) and data:
        data = data[0]
    if isinstance(data, str) and data[:1] in ("L", "W", "b"):
        return data
    return None


def clicked_id(event, kinds: str = "LWb") -> Optional[str]:
    """The first selected id in a chart's ``on_select`` event (``st.plotly_chart`` with ``selection_mode=
    "points"``) whose first letter is one of ``kinds`` ("L" node, "W" weight, "b" bias); None for no such point.

    The event is a dict in AppTest and an attribute object in a live session: both are read here.
    """
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", [])
    for point in points or []:
        item = selected_id(point)
        if item and item[0] in kinds:
            return item
    return None


# ---------------------------------------------------------------------------------------------- values
def _scatter(**props) -> dict:
    return dict(type="scatter", **props)


def _row(arr, sample):
    if arr is None:
        return None
    arr = np.asarray(arr, dtype=np.float64)
    return arr[min(sample, arr.shape[0] - 1)] if arr.ndim == 2 else arr.ravel()


def _node_values(sizes, lay, a, z, delta, biases, db, sample):
    """Per-node arrays (NaN-filled) plus masks of what is known, in layout node order."""
    n = len(lay.node_ids)
    out = {key: np.full(n, np.nan) for key in ("a", "z", "delta", "b", "db")}
    known = {key: np.zeros(n, dtype=bool) for key in out}
    for l in range(len(sizes)):
        sl = slice(lay.layer_offset[l], lay.layer_offset[l] + sizes[l])
        sources = {"a": a[l] if a is not None and l < len(a) else None}
        if l:
            sources.update(z=z[l - 1] if z is not None else None, delta=delta[l - 1] if delta is not None else None,
                           b=biases[l - 1], db=db[l - 1] if db is not None else None)
        for key, arr in sources.items():
            row = _row(arr, sample)
            if row is not None:
                out[key][sl] = row
                known[key][sl] = True
    return out, known


def _edge_values(weights, dW, update_W, lr, L):
    w = np.concatenate([np.asarray(W, dtype=np.float64).ravel() for W in weights])
    g = np.full(w.shape, np.nan)
    u = np.full(w.shape, np.nan)
    g_known = np.zeros(w.shape, dtype=bool)
    u_known = np.zeros(w.shape, dtype=bool)
    start = 0
    for l in range(L):
        size = np.size(weights[l])
        sl = slice(start, start + size)
        if dW is not None and dW[l] is not None:
            g[sl] = np.asarray(dW[l], dtype=np.float64).ravel()
            g_known[sl] = True
        if update_W is not None and update_W[l] is not None:
            u[sl] = np.asarray(update_W[l], dtype=np.float64).ravel()
            u_known[sl] = True
        elif lr is not None and g_known[sl].all():
            with np.errstate(over="ignore", invalid="ignore"):
                u[sl] = -float(lr) * g[sl]
            u_known[sl] = True
        start += size
    return dict(w=w, g=g, u=u, g_known=g_known, u_known=u_known)


# ---------------------------------------------------------------------------------------------- colours
def _color_scale(values, known, log: bool, title: str):
    """Positions in [0, 1] on the colour scale, the scale, and the colour bar, for the known values:
    log |value| on the sequential scale, or the signed value on the diverging one."""
    if log:
        lo, hi = style.log_range(values[known])
        return style.log_position(values, lo, hi), style.SEQUENTIAL, dict(
            kind="log", lo=lo, hi=hi, scale=style.SEQUENTIAL, title=title)
    m = style.signed_range(values[known])
    return style.signed_position(values, m), style.DIVERGING, dict(
        kind="signed", m=m, scale=style.DIVERGING, title=title)


# ---------------------------------------------------------------------------------------------- edges
def _edge_shapes(lay, edges, mode, shapes):
    """Append one path shape per (colour, width, sign) bin; return the colour bar description."""
    w = edges["w"]
    if mode == "weight":
        known = np.isfinite(w)
        t, scale, bar = _color_scale(w, known, log=False, title="edges: w")
    else:
        values = edges["g"] if mode == "gradient" else edges["u"]
        known = (edges["g_known"] if mode == "gradient" else edges["u_known"]) & np.isfinite(values)
        t, scale, bar = _color_scale(values, known, log=mode == "gradient",
                                     title="edges: |∂L/∂w|" if mode == "gradient" else "edges: −α∂L/∂w")
        if not known.any():
            bar = None
    colors = style.bin_colors(scale)
    abs_w = np.abs(w)
    finite_w = abs_w[np.isfinite(abs_w)]
    cbin = np.where(known, style.color_bin(t), -1)
    wbin = style.width_bin(abs_w, float(finite_w.max()) if finite_w.size else 0.0)
    # Dense graphs get thinner lines (they keep the colours apart). Above HOVER_LABEL_EDGES the lines are
    # thinner still and solid: a browser's cost to paint a redraw grows with stroke area and dashing
    # (20 × 32, per redraw in headless Chromium: 1.8 s as drawn below 2,000 edges, 0.15 s solid at this
    # width), the ~20,000 overlapping segments show their colour either way, and a neuron's cards
    # give each weight's sign.
    dense = lay.n_edges > HOVER_LABEL_EDGES
    thin = 1.0 if lay.n_edges <= 200 else 0.45 if not dense else 0.15
    neg = ((w < 0) & (not dense)).astype(np.int64)     # dashed bins only where dashes are drawn
    key = ((cbin + 1) * len(style.EDGE_WIDTHS) + wbin) * 2 + neg
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
    for group in np.split(order, bounds):
        if not group.size:
            continue
        k = int(key[group[0]])
        c, wb, is_neg = k // 2 // len(style.EDGE_WIDTHS) - 1, k // 2 % len(style.EDGE_WIDTHS), k % 2
        color = style.UNKNOWN_EDGE if c < 0 else colors[c]
        shapes.append(dict(type="path", layer="below", path="".join(lay.edge_path[group]),
                           line=dict(color=color, width=style.EDGE_WIDTHS[wb] * thin,
                                     dash="dash" if is_neg else "solid")))
    return bar


def _edge_index(lay):
    return _edge_index_of(lay.sizes)


@lru_cache(maxsize=16)
def _edge_index_of(sizes):
    """{weight id: edge position}, cached per architecture like the layout (bounded, read only)."""
    return MappingProxyType({str(e): i for i, e in enumerate(layered_layout(sizes).edge_ids)})


def _add_edge_targets(traces, lay, edges, small, node_size, mode, selected=None, placed=None):
    """Invisible markers at the edge midpoints: the edges' hover cards and click targets.

    ``customdata`` rows are strings [id, "x₁ → h¹₁", w, ∂L/∂w, update]. Up to HOVER_LABEL_EDGES edges
    every edge has one. Above, only the edges of the selected neuron (both ends of a selected weight)
    do: a 20 × 32 network has ~20,000 overlapping edges that no pointer can tell apart, and a marker
    for each of them was two thirds of the figure's 1.25 MB and most of the browser's time per slider
    move (plotly styled ~20,000 SVG points; Streamlit's chart also copies the figure through JSON twice
    per redraw). Clicking a neuron makes its ≤ 2 × 32 weights hoverable and clickable.
    """
    rows = _target_rows(lay, selected)
    if rows is not None and not rows.any():
        return
    pick = (lambda v: v) if rows is None else (lambda v: np.asarray(v)[rows])
    w = style.fmt_array(pick(edges["w"]))
    g = np.where(pick(edges["g_known"]), style.fmt_array(pick(edges["g"])), "not computed yet")
    u = np.where(pick(edges["u_known"]), style.fmt_array(pick(edges["u"])), "not computed yet")
    text, x, y, font = None, pick(lay.label_x), pick(lay.label_y), style.VALUE_SIZE - 1
    if small and placed is not None and rows is None:     # each number where it overlaps nothing (or left off)
        text, x, y, font = placed["placement"].edge_text, placed["edge_x"], placed["edge_y"], placed["placement"].edge_font
    traces.append(_scatter(
        x=x, y=y, text=text, textposition="middle center",
        textfont=dict(size=font, shadow="auto"),
        customdata=np.column_stack([pick(lay.edge_ids), _edge_names(lay, rows), w, g, u]).tolist(),
        hovertemplate=("<b>%{customdata[1]}</b>  %{customdata[0]}<br>w = %{customdata[2]}"
                       "<br>∂L/∂w = %{customdata[3]}<br>update −α∂L/∂w = %{customdata[4]}<extra></extra>"),
        mode="markers+text" if small else "markers", name="edges", showlegend=False,
        marker=dict(size=max(10.0, node_size * 0.5), color="rgba(0,0,0,0)", opacity=0),
        unselected=dict(marker=dict(opacity=0))))


def _target_rows(lay, selected):
    """None (every edge is a target) up to HOVER_LABEL_EDGES edges; above, a mask of the edges that
    touch the selected neuron, or either end of the selected weight / bias (all False: none selected)."""
    if lay.n_edges <= HOVER_LABEL_EDGES:
        return None
    nodes = set()
    try:
        kind, l, j, *k = parse_id(selected) if selected else ("", 0, 0)
        if kind == "node":
            nodes = {lay.node_index(l, j)}
        elif kind == "weight":
            nodes = {lay.node_index(l, k[0]), lay.node_index(l + 1, j)}
        elif kind == "bias":
            nodes = {lay.node_index(l + 1, j)}
    except (ValueError, IndexError):
        nodes = set()
    nodes = np.array(sorted(n for n in nodes if 0 <= n < len(lay.node_ids)), dtype=np.int64)
    return np.isin(lay.edge_src, nodes) | np.isin(lay.edge_dst, nodes)


def _edge_names(lay, rows=None):
    labels = np.array(lay.node_labels)
    src, dst = (lay.edge_src, lay.edge_dst) if rows is None else (lay.edge_src[rows], lay.edge_dst[rows])
    return np.char.add(np.char.add(labels[src], " → "), labels[dst])


def _edge_value_text(edges, mode, n_edges):
    """Numbers printed on the edges: w and the coloured quantity to 4 digits when there is room
    (≤ 4 edges), else only the coloured quantity to 3 digits."""
    out = []
    two_lines = n_edges <= 4
    d = 4 if two_lines else 3
    for i, w in enumerate(edges["w"]):
        extra = None
        if mode == "gradient" and edges["g_known"][i]:
            extra = f"∂L/∂w {style.fmt(edges['g'][i], d)}" if two_lines else f"∂ {style.fmt(edges['g'][i], d)}"
        elif mode == "update" and edges["u_known"][i]:
            extra = f"Δw {style.fmt(edges['u'][i], d)}"
        line = f"w {style.fmt(w, d)}"
        out.append(f"{line}<br>{extra}" if two_lines and extra else (extra or line))
    return out


# ---------------------------------------------------------------------------------------------- numbers
def _place(lay, vals, edges, edge_mode, node_mode, node_size, selected, size_px, top, bottom) -> dict:
    """Every number's place on a chart of ``size_px`` (width, height) px with these margins
    (``labels.place``), converted back to axis units for the traces."""
    L = len(lay.sizes) - 1
    width, height = float(size_px[0]) - 20, float(size_px[1]) - top - bottom
    y0 = float(lay.y.min()) - Y_PAD
    sx, sy = width / (L - 2 * X_LO), height / (float(lay.y.max() - lay.y.min()) + 2 * Y_PAD)
    X, Y = (lay.x - X_LO) * sx, (lay.y - y0) * sy
    r = np.array([(node_size + 16) / 2 + 3 if nid == selected else node_size / 2 + 1 for nid in lay.node_ids])
    units = np.flatnonzero(lay.node_layer > 0)
    bias_xy = np.column_stack([X[units], Y[units] + node_size / 2 + BIAS_GAP])
    values, known = vals
    bias_text = [f"b {style.fmt(v, 3)}" for v in values["b"][units]]
    if edge_mode == "weight":
        prio, have = np.abs(edges["w"]), np.ones(lay.n_edges, dtype=bool)
    else:
        v = edges["g"] if edge_mode == "gradient" else edges["u"]
        have = (edges["g_known"] if edge_mode == "gradient" else edges["u_known"]) & np.isfinite(v)
        prio = np.where(have, np.abs(v), np.abs(edges["w"]))
    prio = np.nan_to_num(prio, nan=0.0, posinf=np.finfo(float).max)
    order = np.lexsort((-prio, ~have))               # known values first, largest first
    dx = lay.x[lay.edge_dst] - lay.x[lay.edge_src]
    t0 = (lay.label_x - lay.x[lay.edge_src]) / np.where(dx != 0, dx, 1)
    p = labels.place(width, height, np.column_stack([X, Y]), r, _node_value_text(vals), _node_value_short(vals, node_mode),
                     lay.node_layer == 0, style.VALUE_SIZE, bias_xy, Y[units] + r[units], bias_text, style.VALUE_SIZE - 1,
                     lay.edge_src, lay.edge_dst, t0, _edge_value_text(edges, edge_mode, lay.n_edges),
                     _edge_value_text(edges, edge_mode, 5), order)
    shown = np.array([bool(t) for t in p.edge_text], dtype=bool)
    edge_x = np.where(shown, p.edge_xy[:, 0] / sx + X_LO, lay.label_x)
    edge_y = np.where(shown, p.edge_xy[:, 1] / sy + y0, lay.label_y)
    return dict(placement=p, width=size_px[0], node_x=p.node_xy[:, 0] / sx + X_LO, node_y=p.node_xy[:, 1] / sy + y0,
                bias_x=bias_xy[:, 0] / sx + X_LO, bias_y=bias_xy[:, 1] / sy + y0,
                bias_text_x=p.bias_xy[:, 0] / sx + X_LO, bias_text_y=p.bias_xy[:, 1] / sy + y0, edge_x=edge_x, edge_y=edge_y, sx=sx, sy=sy)


def hidden_note(p: "labels.Placement", width: float) -> str:
    """The line under the graph when numbers found no place: how many, and where they are."""
    parts = [f"{k} {one if k == 1 else many}" for k, one, many in
             ((p.hidden_edges, "edge number", "edge numbers"), (p.hidden_nodes, "node value", "node values"),
              (p.hidden_biases, "bias", "biases")) if k]
    text = f"{' and '.join(parts)} hidden where {'they' if p.hidden > 1 else 'it'} would overlap: hover, or open the table"
    if labels.text_box(text, NOTE_FONT)[0] > width - 20:
        text = f"{p.hidden} number{'s' if p.hidden > 1 else ''} hidden (no room): hover, or open the table"
    return text


# ---------------------------------------------------------------------------------------------- nodes
def _node_colors(vals, mode):
    values, known = vals
    v, k = values[mode], known[mode] & np.isfinite(values[mode])
    t, scale, bar = _color_scale(v, k, log=mode == "delta", title="nodes: |δ|" if mode == "delta" else f"nodes: {mode}")
    colors = np.array(style.bin_colors(scale), dtype=object)[style.color_bin(t)]
    colors = np.where(k, colors, style.UNKNOWN).tolist()
    return colors, (bar if k.any() else None)


def _node_hover(lay, vals):
    values, known = vals
    cols = [np.array(lay.node_ids)]
    for key in ("z", "a", "delta", "b", "db"):
        cols.append(np.where(known[key], style.fmt_array(values[key]), "—"))
    cols[1] = np.where(lay.node_layer == 0, "(input)", cols[1])
    return np.column_stack(cols)


def _node_value_text(vals):
    values, known = vals
    text = []
    for i in range(len(values["a"])):
        lines = []
        if not known["z"][i] and known["a"][i]:
            lines.append(f"= {style.fmt(values['a'][i])}")
        for key, name in (("z", "z"), ("a", "a"), ("delta", "δ")):
            if known[key][i] and (key != "a" or known["z"][i]):
                lines.append(f"{name} {style.fmt(values[key][i])}")
        text.append("<br>".join(lines))
    return text


def _node_value_short(vals, node_mode):
    """One line per node: the value the nodes are coloured by (an input: its value)."""
    values, known = vals
    name = {"a": "a", "z": "z", "delta": "δ"}[node_mode]
    out = []
    for i, text in enumerate(_node_value_text(vals)):
        if known[node_mode][i] and known["z"][i]:
            out.append(f"{name} {style.fmt(values[node_mode][i])}")
        else:
            out.append(text.split("<br>")[0] if text else "")
    return out


def _add_biases(traces, lay, vals, placed):
    """The bias squares above the units (hover: b and ∂L/∂b) and their "b 0.12" where it overlaps nothing."""
    values, known = vals
    hidden = lay.node_layer > 0
    l, j = lay.node_layer[hidden], lay.node_unit[hidden]
    ids = [f"b{int(a) - 1}:{int(b)}" for a, b in zip(l, j)]
    b = values["b"][hidden]
    db = np.where(known["db"][hidden], style.fmt_array(values["db"][hidden]), "not known yet")
    traces.append(_scatter(
        x=placed["bias_x"], y=placed["bias_y"], mode="markers", name="biases",
        marker=dict(symbol="square", size=12, color="#ffffff", line=dict(color="#333333", width=1.5)),
        customdata=np.column_stack([ids, style.fmt_array(b), db]), unselected=dict(marker=dict(opacity=1)),
        hovertemplate="<b>bias %{customdata[0]}</b><br>b = %{customdata[1]}<br>∂L/∂b = %{customdata[2]}<extra></extra>",
        showlegend=False))
    traces.append(_scatter(
        x=placed["bias_text_x"], y=placed["bias_text_y"], mode="text", name="bias values",
        text=placed["placement"].bias_text, textposition="middle center",
        textfont=dict(size=style.VALUE_SIZE - 1, color="#333333"), hoverinfo="skip", showlegend=False))


def _add_selection_ring(traces, lay, selected, node_size, placed):
    if not selected:
        return
    if selected.startswith("L") and selected in lay.node_ids:
        i = lay.node_ids.index(selected)
        x, y, size = lay.x[i], lay.y[i], node_size + 16
    elif selected.startswith("b") and placed is not None:
        try:
            _, l, j = parse_id(selected)
            i = lay.node_index(l + 1, j) - lay.layer_offset[1]
        except (ValueError, IndexError):
            return
        x, y, size = placed["bias_x"][i], placed["bias_y"][i], 26
    else:
        return
    traces.append(_scatter(x=[x], y=[y], mode="markers", hoverinfo="skip", showlegend=False, name="selected",
                             marker=dict(symbol="circle-open", size=size, color="rgba(230, 160, 0, 1)",
                                         line=dict(width=5))))


def _add_colorbar(traces, bar, x):
    """A colour bar carried by an invisible one-point trace (shapes cannot have one)."""
    if bar is None:
        return
    if bar["kind"] == "log":
        cmin, cmax = bar["lo"], bar["hi"]
        colorbar = style.log_colorbar(cmin, cmax, bar["title"], x)
    else:
        cmin, cmax = -bar["m"], bar["m"]
        colorbar = style.signed_colorbar(bar["m"], bar["title"], x)
    traces.append(_scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                             marker=dict(colorscale=bar["scale"], cmin=cmin, cmax=cmax, color=[cmin],
                                         showscale=True, colorbar=colorbar)))
