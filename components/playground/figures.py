"""Figures of the training playground: pure functions of engine data returning ``go.Figure``.

- ``plane_grid``: the G×G grid of points over the plane where the boundary and neuron maps are drawn.
- ``neuron_maps``: every neuron's output a over that grid, from one forward pass.
- ``boundary_figure``: the decision boundary (or regression surface) as a heatmap, with the points.
- ``curves_figure``: train/test loss (log axis) and accuracy against the epoch, with hover values.
- ``thumbnails_figure``: a small heatmap per neuron, laid out like the network (one column per
  layer), each clickable (``customdata[0]`` = the node id "L{l}:N{j}").
- ``neuron_figure``: one neuron's map, large.

Colours come from ``components.drawing.style``: blue = negative / class 0, orange = positive / class 1.
Classes are told apart by marker symbol as well as colour; test points are hollow.
"""
from typing import List, Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from components.drawing import plain, style
from engine.features import transform
from engine.formatting import format_numbers
from engine.ids import parse_id

GRID = 50               # boundary grid: GRID × GRID points
THUMB = 25              # neuron thumbnails: THUMB × THUMB cells (every 2nd grid point; 13 × 13 beyond 8 units)
CLASS_COLORS = ["#08519c", "#d94801", "#009E73", "#CC79A7", "#56B4E9", "#E69F00"]   # Okabe–Ito-based
CLASS_TINTS = ["#c6dbef", "#fdd0a2", "#b8e6d6", "#f0d5e6", "#d3ecfa", "#fbe3b0"]
CLASS_SYMBOLS = ["circle", "diamond", "triangle-up", "square", "pentagon", "star"]
FONT = style.FONT


def plane_grid(extent, resolution: int = GRID):
    """(xs, ys, P): the grid axes (resolution,) and its points P (resolution², 2), row-major in x₂."""
    x_min, x_max, y_min, y_max = extent
    xs = np.linspace(x_min, x_max, resolution)
    ys = np.linspace(y_min, y_max, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def neuron_maps(net, features: Sequence[str], P: np.ndarray) -> List[np.ndarray]:
    """a of every layer over the grid points P: a list (len(sizes)) of (len(P), n_l) arrays.

    Layer 0 holds the input features themselves (what each input node "sees")."""
    _, a = net.forward(transform(P, features))
    return a


def _points_hover(label, part):
    return f"x₁ %{{x:.3g}}<br>x₂ %{{y:.3g}}<br>{label}<extra>{part}</extra>"


def _points(dataset, show_test: bool, y_range: float) -> List[dict]:
    """The train (and test) points as scatter traces: classes by symbol and colour, test points hollow."""
    traces = []
    sets = [("train", dataset.X_train, dataset.y_train)]
    if show_test and len(dataset.y_test):
        sets.append(("test", dataset.X_test, dataset.y_test))
    for part, X, y in sets:
        hollow = part == "test"
        if dataset.task == "regression":
            traces.append(dict(
                type="scatter", x=X[:, 0], y=X[:, 1], mode="markers", name=f"{part} points",
                hovertemplate=_points_hover("y %{marker.color:.3f}", part),
                marker=dict(size=8, symbol="diamond" if hollow else "circle", color=y,
                            colorscale=style.DIVERGING, cmin=-y_range, cmax=y_range,
                            line=dict(color="#111111", width=1.5 if hollow else 1))))
            continue
        for c in range(dataset.n_classes):
            mask = y == c
            if not mask.any():
                continue
            symbol = CLASS_SYMBOLS[c]
            traces.append(dict(
                type="scatter", x=X[mask, 0], y=X[mask, 1], mode="markers", name=f"class {c} ({part})",
                hovertemplate=_points_hover(f"class {c}", part),
                marker=dict(size=8, symbol=symbol, color=CLASS_COLORS[c],
                            line=dict(color="#111111" if hollow else "#ffffff", width=1.6 if hollow else 1))))
    return traces


def boundary_figure(dataset, xs, ys, output: np.ndarray, *, show_test: bool = True, discretize: bool = False,
                    title: Optional[str] = None, height: int = 520) -> go.Figure:
    """The network's output over the plane, with the data points on top.

    Parameters
    ----------
    dataset : engine.datasets.Dataset
    xs, ys : (G,) grid axes from ``plane_grid``
    output : (G*G, n_out) network output ŷ on the grid points
    show_test : draw the test points (hollow markers)
    discretize : colour by the predicted class only (regression: steps of 0.2)
    """
    G = len(xs)
    out = np.asarray(output, dtype=np.float64)
    finite = bool(np.isfinite(out).all())
    out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
    data = []
    hover = "x₁ %{x:.3g}<br>x₂ %{y:.3g}<br>"
    y_range = 1.0
    if dataset.task == "binary":
        p = out[:, 0].reshape(G, G)
        z = (p > 0.5).astype(float) * 0.7 + 0.15 if discretize else p
        data.append(dict(
            type="heatmap",
            x=xs, y=ys, z=z, zmin=0, zmax=1, colorscale=style.DIVERGING, name="ŷ",
            hovertemplate=hover + f"ŷ = P(class 1) %{{{'customdata' if discretize else 'z'}:.3f}}<extra></extra>",
            colorbar=dict(title=dict(text="ŷ = P(class 1)", side="right"), thickness=14, len=0.8,
                          tickvals=[0, 0.5, 1], ticktext=["0", "0.5", "1"])))
        if discretize:   # the colour is the class; the hover still gives P(class 1)
            data[-1]["customdata"] = p
        if 0 < p.min() < 0.5 < p.max():
            data.append(dict(type="contour", x=xs, y=ys, z=p, contours=dict(start=0.5, end=0.5, coloring="none"),
                             line=dict(color="#111111", width=2.5), showscale=False, hoverinfo="skip",
                             name="ŷ = 0.5 boundary", showlegend=True))
    elif dataset.task == "multiclass":
        k = dataset.n_classes
        cls = np.argmax(out, axis=1)
        conf = np.max(out, axis=1)
        level = np.ones_like(conf) if discretize else np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
        z = ((cls + 0.05 + 0.9 * level) / k).reshape(G, G)
        scale = []
        for c in range(k):
            scale += [[c / k, CLASS_TINTS[c]], [(c + 1) / k - 1e-6, CLASS_COLORS[c]]]
        scale[-1][0] = 1.0
        data.append(dict(
            type="heatmap",
            x=xs, y=ys, z=z, zmin=0, zmax=1, colorscale=scale, opacity=0.75, name="class",
            customdata=np.column_stack([cls, conf]).reshape(G, G, 2),
            hovertemplate=hover + "predicted class %{customdata[0]}<br>P %{customdata[1]:.3f}<extra></extra>",
            colorbar=dict(title=dict(text="class (pale: unsure)", side="right"), thickness=14, len=0.8,
                          tickvals=[(c + 0.5) / k for c in range(k)], ticktext=[f"class {c}" for c in range(k)])))
    else:
        targets = np.concatenate([dataset.y_train, dataset.y_test])
        y_range = float(max(np.max(np.abs(targets)), 1e-9))
        v = out[:, 0].reshape(G, G)
        z = np.round(v * 5) / 5 if discretize else v
        data.append(dict(
            type="heatmap",
            x=xs, y=ys, z=z, customdata=v, zmin=-y_range, zmax=y_range, colorscale=style.DIVERGING, name="ŷ",
            hovertemplate=hover + "ŷ %{customdata:.3f}<extra></extra>",
            colorbar=dict(title=dict(text="ŷ (prediction)", side="right"), thickness=14, len=0.8)))
    data += _points(dataset, show_test, y_range)
    x_min, x_max, y_min, y_max = dataset.extent
    layout = dict(
        title=dict(text=title or ("Decision boundary" if dataset.task != "regression" else "Regression surface"),
                   font=dict(size=20)),
        font=FONT, height=height, margin=dict(l=45, r=10, t=45, b=10), uirevision="boundary",
        xaxis=dict(title=dict(text="x₁", standoff=2), range=[x_min, x_max], constrain="domain", zeroline=False),
        yaxis=dict(title=dict(text="x₂", standoff=2), range=[y_min, y_max], scaleanchor="x", constrain="domain",
                   zeroline=False),
        legend=dict(orientation="h", yanchor="top", y=-0.08, x=0, font=dict(size=13), itemwidth=30),
        plot_bgcolor="#ffffff")
    if not finite:
        layout["annotations"] = [dict(text="output overflowed (NaN/inf)", x=0.5, y=0.5, xref="paper", yref="paper",
                                      showarrow=False, font=dict(size=22, color="#b00020"), bgcolor="#ffffff")]
    return plain.figure(data, layout)


def curves_figure(curve, task: str, *, current_epoch: Optional[float] = None, height: int = 340,
                  steps=None, divergence=None, steps_per_epoch: Optional[int] = None) -> go.Figure:
    """Train and test loss (log axis, left) and accuracy (right, classification only) per epoch.

    ``curve`` is a list of ``engine.training.CurvePoint``. Train lines are solid, test lines dashed;
    ``current_epoch`` draws a vertical marker (the scrubber's position). ``steps`` = (epochs, minibatch
    losses) adds each recorded step's loss (thin, grey): the curve between epoch ends. ``divergence``
    (``engine.divergence.Divergence``) draws the undone rise in red, dashed, with the diverging step
    marked (x = step / ``steps_per_epoch``). The loss axis is logarithmic and spans every value drawn."""
    epochs = np.array([p.epoch for p in curve], dtype=float)
    data = []
    drawn = []

    def series(attr):
        return np.array([np.nan if getattr(p, attr) is None else getattr(p, attr) for p in curve], dtype=float)

    if steps is not None and len(steps[0]):
        x, y = np.asarray(steps[0], dtype=float), np.asarray(steps[1], dtype=float)
        data.append(dict(type="scatter", x=x, y=y, name="minibatch loss (each step)", mode="lines",
                         line=dict(color="#9a9a9a", width=1.5), customdata=format_numbers(y),
                         hovertemplate="minibatch loss %{customdata}<extra></extra>"))
        drawn.append(y)
    for attr, name, dash, color in (("train_loss", "train loss", "solid", "#111111"),
                                    ("test_loss", "test loss", "dash", "#555555")):
        v = series(attr)
        if np.isfinite(v).any():
            data.append(dict(type="scatter", x=epochs, y=v, name=name,
                             mode="lines+markers" if len(v) < 3 else "lines",
                             line=dict(color=color, dash=dash, width=3), customdata=format_numbers(v),
                             hovertemplate=f"{name} %{{customdata}}<extra></extra>"))
            drawn.append(v)
    if task != "regression":
        for attr, name, dash in (("train_acc", "train accuracy", "solid"), ("test_acc", "test accuracy", "dot")):
            v = series(attr) * 100
            if np.isfinite(v).any():
                data.append(dict(type="scatter", x=epochs, y=v, name=name, mode="lines", yaxis="y2",
                                 line=dict(color="#d94801", dash=dash, width=3),
                                 hovertemplate=f"{name} %{{y:.1f}} %<extra></extra>"))
    shapes, notes = [], []
    last_x = float(epochs.max()) if len(epochs) else 0.0
    if divergence is not None and steps_per_epoch:
        rise = [(s / steps_per_epoch, v) for s, v in divergence.rise if np.isfinite(v) and v > 0]
        if rise:
            ry = np.array([v for _, v in rise])
            data.append(dict(type="scatter", x=[e for e, _ in rise], y=ry, name="diverging (undone)",
                             mode="lines+markers", line=dict(color="#B00000", width=3, dash="dash"),
                             marker=dict(symbol="x", size=9), customdata=format_numbers(ry),
                             hovertemplate="diverging: loss %{customdata}<extra></extra>"))
            drawn.append(ry)
        x = divergence.step / steps_per_epoch
        last_x = max(last_x, x)
        shapes.append(dict(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line=dict(color="#B00000", width=3,
                                                                                        dash="dot")))
        notes.append(dict(text=f"diverging: step {divergence.step:,}", x=x, y=0, yref="paper", xanchor="right",
                          yanchor="bottom", showarrow=False, font=dict(color="#B00000", size=14)))
    if steps is not None and len(steps[0]):
        last_x = max(last_x, float(np.max(steps[0])))
    values = np.concatenate([np.ravel(v) for v in drawn]) if drawn else np.zeros(0)
    values = values[np.isfinite(values) & (values > 0)]
    yaxis = dict(title=dict(text="loss (log)"), type="log", exponentformat="power")
    if values.size:   # the log axis spans every value drawn, at least one decade (one point: ± half a decade)
        lo, hi = np.log10(values.min()), np.log10(values.max())
        if hi - lo < 1:
            lo, hi = (lo + hi) / 2 - 0.5, (lo + hi) / 2 + 0.5
        pad = 0.05 * (hi - lo)
        yaxis["range"] = [lo - pad, hi + pad]
    layout = dict(
        font=FONT, height=height, margin=dict(l=60, r=70, t=30, b=50), hovermode="x unified",
        xaxis=dict(title=dict(text="epoch"), range=[-0.02 * max(last_x, 1.0), max(last_x, 1.0) * 1.02]),   # epoch-0 point whole
        yaxis=yaxis,
        yaxis2=dict(title=dict(text="accuracy %"), overlaying="y", side="right", range=[-2, 104], showgrid=False,
                    tickvals=[0, 25, 50, 75, 100]),
        legend=dict(orientation="h", y=1.12, font=dict(size=14)), uirevision="curves")
    if current_epoch is not None:
        shapes.append(dict(type="line", x0=current_epoch, x1=current_epoch, y0=0, y1=1, yref="paper",
                           line=dict(color="#7a7a7a", width=2, dash="dot")))
    layout.update(shapes=shapes, annotations=notes)
    return plain.figure(data, layout)


def _tile_positions(sizes):
    """(column, row) of each node's tile: one column per layer, each column centred vertically."""
    tallest = max(sizes)
    pos = []
    for l, n in enumerate(sizes):
        top = (tallest - n) / 2.0
        pos += [(l, top + j) for j in range(n)]
    return pos


def thumbnails_figure(maps: Sequence[np.ndarray], labels: Sequence[str], sizes: Sequence[int], *,
                      selected: Optional[str] = None, height: Optional[int] = None) -> go.Figure:
    """One small heatmap per neuron, laid out like the network: column l = layer l, row j = unit j.

    ``maps`` is ``neuron_maps`` on a GRID×GRID grid; each tile shows a / max|a| of that neuron (its own
    scale, printed under the tile: a neuron's range varies a lot) over the plane; hover gives a itself.
    An invisible marker at each tile's centre carries the node id (clicking it selects the neuron).
    """
    sizes = [int(s) for s in sizes]
    G = int(round(np.sqrt(maps[0].shape[0])))
    step = max(1, G // (THUMB if max(sizes) <= 8 else THUMB // 2))   # tall networks: smaller tiles
    T = len(range(0, G, step))
    gap = max(3, T // 5)
    cols, tallest = len(sizes), max(sizes)
    W, H = cols * (T + gap) - gap, tallest * (T + gap) - gap
    z = np.full((H, W), np.nan)
    raw = np.full((H, W), np.nan)
    cx, cy, ids, texts, scales = [], [], [], [], []
    node = 0
    for (col, row), (l, j) in zip(_tile_positions(sizes), [(l, j) for l, n in enumerate(sizes) for j in range(n)]):
        a = maps[l][:, j].reshape(G, G)[::step, ::step]
        m = float(np.nanmax(np.abs(a[np.isfinite(a)]))) if np.isfinite(a).any() else 1.0
        m = m if m > 0 else 1.0
        x0, y0 = col * (T + gap), int(round((tallest - 1 - row) * (T + gap)))   # unit 0 on top, as in the graph
        z[y0:y0 + T, x0:x0 + T] = np.clip(a / m, -1, 1)
        raw[y0:y0 + T, x0:x0 + T] = a
        cx.append(x0 + (T - 1) / 2)
        cy.append(y0 + (T - 1) / 2)
        ids.append(f"L{l}:N{j}")
        texts.append(labels[node])
        scales.append(m)
        node += 1
    data = []
    # float32: 7 significant digits where the colour needs 3 and the hover prints 3 (half the bytes of a
    # paused page: the maps were 350 kB of its JSON for the default network)
    data.append(dict(type="heatmap", z=z.astype(np.float32), customdata=raw.astype(np.float32),
                     colorscale=style.DIVERGING, zmin=-1, zmax=1, hoverongaps=False,
                     hovertemplate="a %{customdata:.3g}<extra></extra>", name="a",
                     colorbar=dict(title=dict(text="a / max|a| (own scale)", side="right"),
                                   thickness=14, len=0.8, tickvals=[-1, 0, 1])))
    data.append(dict(
        type="scatter",
        x=cx, y=cy, mode="markers", name="neurons", customdata=np.array(ids)[:, None],
        marker=dict(size=max(8, T), color="rgba(0,0,0,0)", symbol="square"),
        unselected=dict(marker=dict(opacity=1)), selected=dict(marker=dict(opacity=1)),
        text=[f"{t}: max|a| {style.fmt(s, 3)}" for t, s in zip(texts, scales)],
        hovertemplate="%{text}<br>click to enlarge<extra></extra>", showlegend=False))
    shapes = []
    if selected in ids:
        i = ids.index(selected)
        shapes.append(dict(type="rect", x0=cx[i] - T / 2 - 0.8, x1=cx[i] + T / 2 + 0.8, y0=cy[i] - T / 2 - 0.8,
                           y1=cy[i] + T / 2 + 0.8, line=dict(color=style.SELECTED, width=3)))
    layer_names = ["in"] + [f"h{style.sup(l)}" for l in range(1, cols - 1)] + ["out"]
    # one text trace for every label (annotations are validated one by one: slow to redraw); tile
    # names only while they fit (hover names every tile)
    named = tallest <= 8
    data.append(dict(
        type="scatter",
        x=np.concatenate([cx if named else [], [l * (T + gap) + (T - 1) / 2 for l in range(cols)]]),
        y=np.concatenate([np.asarray(cy) - T / 2 - 0.5 if named else [], np.full(cols, H + 4.5)]),
        text=(texts if named else []) + layer_names, mode="text", textposition="bottom center", hoverinfo="skip",
        showlegend=False,
        textfont=dict(size=13 if T < 30 else 15, color="#222222"), name="labels"))
    if height is None:
        height = int(np.clip(70 * tallest + 110, 260, 900))
    layout = dict(
        font=FONT, height=height, margin=dict(l=10, r=10, t=40, b=10), shapes=shapes,
        xaxis=dict(visible=False, range=[-1.5, W + 0.5]),
        yaxis=dict(visible=False, range=[-7, H + 5], scaleanchor="x"), plot_bgcolor="#ffffff",
        title=dict(text="Every neuron's output a (click one)", font=dict(size=16)))
    return plain.figure(data, layout)


def neuron_figure(maps: Sequence[np.ndarray], node_id: str, label: str, xs, ys, dataset=None,
                  height: int = 440) -> go.Figure:
    """The output a of one neuron ("L{l}:N{j}") over the plane, large, with its own colour bar."""
    _, l, j = parse_id(node_id)
    G = len(xs)
    a = maps[l][:, j].reshape(G, G)
    finite = a[np.isfinite(a)]
    m = float(np.max(np.abs(finite))) if finite.size else 1.0
    data = [dict(type="heatmap", x=xs, y=ys, z=a, colorscale=style.DIVERGING, zmin=-m or -1, zmax=m or 1,
                 customdata=format_numbers(a), hovertemplate="x₁ %{x:.3g}<br>x₂ %{y:.3g}<br>a "
                 "%{customdata}<extra></extra>",   # the one formatter: 1.74·10⁷, not 1.74e+7
                 colorbar=dict(title=dict(text=f"a of {label}", side="right"), thickness=18))]
    if dataset is not None:
        X = dataset.X_train
        data.append(dict(type="scatter", x=X[:, 0], y=X[:, 1], mode="markers", hoverinfo="skip", showlegend=False,
                         marker=dict(size=5, color="rgba(0,0,0,0)", line=dict(color="#333333", width=1))))
    kind = "input" if l == 0 else "hidden" if l < len(maps) - 1 else "output"
    layout = dict(font=FONT, height=height, margin=dict(l=45, r=10, t=45, b=30),
                  title=dict(text=f"{label} ({kind}): a over the plane", font=dict(size=17)),
                  xaxis=dict(title=dict(text="x₁", standoff=2), constrain="domain", range=[xs[0], xs[-1]]),
                  yaxis=dict(title=dict(text="x₂", standoff=2), scaleanchor="x", constrain="domain",
                             range=[ys[0], ys[-1]]))
    return plain.figure(data, layout)
