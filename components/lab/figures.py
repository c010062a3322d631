"""Figures of the gradient lab: pure builders from the engine's diagnostics to ``go.Figure``.

Magnitudes are on log axes (a vanishing gradient is invisible on a linear one), magnitudes coloured
with the shared viridis scale and a colour bar; series differ by dash and marker symbol as well as by
colour (Okabe–Ito palette), and the vanishing/exploding bands carry their names as text.
"""
from typing import List, Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from components.drawing import style
from engine.diagnostics import EXPLODING_ABOVE, VANISHING_BELOW, Diagnostics, Histograms, format_sci
from engine.divergence import Divergence

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up"]
VANISH_FILL = "rgba(86, 180, 233, 0.20)"
EXPLODE_FILL = "rgba(230, 159, 0, 0.22)"
MAX_DRAWN_EDGES = 2000   # beyond this many weights the graph is aggregated: one node per layer
MAX_PANELS = 12          # small multiples show at most this many layers (evenly spaced)


def _grid(rows: int, cols: int, titles: Sequence[str], vspace: float = 0.1, hspace: float = 0.05,
          row_heights: Optional[Sequence[float]] = None, match_x: bool = True) -> dict:
    """Layout of a rows × cols grid of axes ("x", "x2", …; row-major) with a title above each cell.

    Built by hand: ``make_subplots`` costs ~65 ms for a 3 × 4 grid, this well under 1 ms.
    """
    heights = np.asarray(row_heights if row_heights is not None else [1.0] * rows, dtype=float)
    heights = heights / heights.sum() * (1.0 - vspace * (rows - 1))
    tops = 1.0 - np.concatenate([[0.0], np.cumsum(heights[:-1] + vspace)])
    width = (1.0 - hspace * (cols - 1)) / cols
    layout, annotations = {}, []
    for n in range(rows * cols):
        r, c = divmod(n, cols)
        sfx = "" if n == 0 else str(n + 1)
        x0 = c * (width + hspace)
        layout["xaxis" + sfx] = dict(domain=_unit(x0, x0 + width), anchor="y" + sfx,
                                     **({"matches": "x"} if match_x and n else {}))
        layout["yaxis" + sfx] = dict(domain=_unit(tops[r] - heights[r], tops[r]), anchor="x" + sfx)
        if n < len(titles):
            annotations.append(dict(text=titles[n], x=x0 + width / 2, y=tops[r], xref="paper", yref="paper",
                                    xanchor="center", yanchor="bottom", showarrow=False,
                                    font=dict(size=style.TICK_SIZE + 1)))
    layout["annotations"] = annotations
    return layout


def _unit(lo, hi) -> list:
    """An axis domain inside [0, 1] (the sums above leave e.g. -5.6e-17, which plotly refuses)."""
    return [min(max(float(lo), 0.0), 1.0), min(max(float(hi), 0.0), 1.0)]


def _finite_positive(values) -> list:
    """Values for a log axis: None where a value is 0, negative, inf or NaN (plotly leaves a gap)."""
    v = np.asarray(values, dtype=np.float64)
    return [float(x) if np.isfinite(x) and x > 0 else None for x in v]


def _log_axis_range(*series, pad=0.6):
    vals = np.array([x for s in series for x in s if x is not None], dtype=np.float64)
    if not vals.size:
        return [-3.0, 1.0]
    return [float(np.log10(vals.min())) - pad, float(np.log10(vals.max())) + pad]


def _layer_axis(L, title="layer l (1 = first hidden, L = output)"):
    """Every layer numbered up to 10 layers; beyond, plotly picks whole-number ticks for the axis's drawn
    length (20 numbers on a phone's 220-px axis ran into one smear)."""
    if L <= 10:
        ticks = dict(tickmode="array", tickvals=list(range(1, L + 1)))
    else:
        ticks = dict(tickmode="auto", tick0=0, tickformat="d")
    return dict(title=title, **ticks, range=[0.5, L + 0.5], showgrid=False, tickfont=dict(size=style.TICK_SIZE))


def band_words(band: str, ref_layer: Optional[int]) -> str:
    """One band's rule ("vanishing: mean |δ| < 1·10⁻² × layer 20's"): its label's hover card, and with
    the other one the caption under the chart (``band_rule``)."""
    who = f" × layer {ref_layer}'s" if ref_layer else ""
    what = "mean |δ| " if ref_layer else ""
    sign, factor = ("<", VANISHING_BELOW) if band == "vanishing" else (">", EXPLODING_ABOVE)
    return f"{band}: {what}{sign} {format_sci(factor)}{who}"


def band_rule(ref_layer: Optional[int]) -> str:
    """The bands' rule in words, for under a chart that draws them (its labels name the bands only)."""
    return f"Shaded bands — {band_words('vanishing', ref_layer)}; {band_words('exploding', ref_layer)}."


def _band_shapes(lo, hi, reference_value, ref_layer, yref="y", xref="x domain") -> tuple:
    """Shapes and labels of the vanishing (below VANISHING_BELOW × reference) and exploding (above
    EXPLODING_ABOVE ×) bands, as plain dicts. ``lo``/``hi`` are the log₁₀ limits of the y axis;
    annotations on a log axis take log₁₀ positions, shapes data values. A label is the band's name (the
    whole rule ran out of a phone's chart); its hover card, and ``band_rule`` under the chart, give the rule."""
    shapes, notes = [], []
    if reference_value is None or not reference_value > 0:
        return shapes, notes
    vanish, explode = reference_value * VANISHING_BELOW, reference_value * EXPLODING_ABOVE
    if np.log10(vanish) > lo:
        shapes.append(dict(type="rect", xref=xref, yref=yref, x0=0, x1=1, y0=10 ** lo, y1=vanish,
                           fillcolor=VANISH_FILL, line=dict(width=0), layer="below"))
        notes.append(dict(text="vanishing", hovertext=band_words("vanishing", ref_layer),
                          x=0.01, xref=xref,
                          yref=yref, y=np.log10(vanish), yanchor="top", xanchor="left", showarrow=False,
                          font=dict(size=style.TICK_SIZE, color="#1b4f72"), bgcolor="rgba(255,255,255,0.75)"))
    if np.log10(explode) < hi:
        shapes.append(dict(type="rect", xref=xref, yref=yref, x0=0, x1=1, y0=explode, y1=10 ** hi,
                           fillcolor=EXPLODE_FILL, line=dict(width=0), layer="below"))
        notes.append(dict(text="exploding", hovertext=band_words("exploding", ref_layer),
                          x=0.01, xref=xref,
                          yref=yref, y=np.log10(explode), yanchor="bottom", xanchor="left", showarrow=False,
                          font=dict(size=style.TICK_SIZE, color="#7e4a00"), bgcolor="rgba(255,255,255,0.75)"))
    return shapes, notes


def _zero_text(delta_mean, grad_norm) -> str:
    if delta_mean == 0 and grad_norm == 0:
        return "0"
    return "|δ| = 0" if delta_mean == 0 else "‖∂L/∂W‖ = 0"


def _figure(data, layout, height, title=None, **kw) -> go.Figure:
    """One go.Figure from plain dicts: plotly validates once (each add_* call would validate again)."""
    kw.setdefault("margin", dict(l=70, r=30, t=60 if title else 20, b=60))
    layout.update(height=height, font=style.FONT, plot_bgcolor="white", paper_bgcolor="white",
                  title=dict(text=title or ""),
                  legend=dict(font=dict(size=style.TICK_SIZE + 1), bgcolor="rgba(255,255,255,0.8)",
                              **kw.pop("legend", {})), **kw)
    return go.Figure(data=data, layout=layout)


def gradient_profile_figure(d: Diagnostics, height: int = 460, title: Optional[str] = None,
                            last_finite: Optional[tuple] = None) -> go.Figure:
    """‖∂L/∂W_l‖ and mean |δ_l| per layer on a log axis, with the vanishing and exploding bands.

    The bands are relative to the reference layer's mean |δ| (what the flags judge). Exact zeros,
    which a log axis cannot show, are marked on a grey floor strip. When the numbers have overflowed,
    ``last_finite`` = (step, ‖∂L/∂W_l‖ per layer) of the last training step whose gradients were all
    finite is drawn instead (grey, dotted): the profile just before the explosion.
    """
    L = d.n_layers
    x = list(range(1, L + 1))
    g, m = _finite_positive(d.grad_norm), _finite_positive(d.delta_mean)
    before = _finite_positive(last_finite[1]) if last_finite is not None and not d.finite else None
    lo, hi = _log_axis_range(g, m, *([before] if before else []))
    ref = d.reference
    ref_val = m[ref]
    if ref_val is not None:
        lo = min(lo, np.log10(ref_val * VANISHING_BELOW) - 0.8)
        hi = max(hi, np.log10(ref_val * EXPLODING_ABOVE) + 0.8)
    zero_layers = [l for l in x if d.grad_norm[l - 1] == 0 or d.delta_mean[l - 1] == 0]
    if zero_layers:
        lo -= 0.8
    if hi - lo < 3:
        lo, hi = (lo + hi) / 2 - 1.5, (lo + hi) / 2 + 1.5
    shapes, notes = _band_shapes(lo, hi, ref_val, ref + 1)
    data = [
        dict(type="scatter", x=x, y=m, name="mean |δ_l|, δ = ∂L/∂z", mode="lines+markers",
             line=dict(color=OKABE_ITO[0], width=3), marker=dict(symbol="circle", size=9),
             customdata=[format_sci(v) for v in d.delta_mean],
             hovertemplate="layer %{x}<br>mean |δ| = %{customdata}<extra></extra>"),
        dict(type="scatter", x=x, y=g, name="‖∂L/∂W_l‖", mode="lines+markers",
             line=dict(color=OKABE_ITO[1], width=3, dash="dash"), marker=dict(symbol="square", size=9),
             customdata=[format_sci(v) for v in d.grad_norm],
             hovertemplate="layer %{x}<br>‖∂L/∂W‖ = %{customdata}<extra></extra>"),
    ]
    if zero_layers:
        shapes.append(dict(type="rect", xref="x domain", yref="y", x0=0, x1=1, y0=10 ** lo, y1=10 ** (lo + 0.5),
                           fillcolor="rgba(120,120,120,0.15)", line=dict(width=0), layer="below"))
        data.append(dict(type="scatter", x=zero_layers, y=[10 ** (lo + 0.25)] * len(zero_layers),
                         mode="markers+text", name="exactly 0 (no gradient at all)",
                         text=[_zero_text(d.delta_mean[l - 1], d.grad_norm[l - 1]) for l in zero_layers],
                         textposition="top center", textfont=dict(size=style.TICK_SIZE),
                         marker=dict(symbol="x-thin", size=14, line=dict(width=3, color="#333333")),
                         hovertemplate="layer %{x}: exactly 0<extra></extra>"))
    if before:
        data.append(dict(type="scatter", x=x, y=before, name=f"‖∂L/∂W_l‖ at step {last_finite[0]}, the last finite one",
                         mode="lines+markers", line=dict(color="#777777", width=3, dash="dot"),
                         marker=dict(symbol="diamond", size=9),
                         customdata=[format_sci(v) for v in last_finite[1]],
                         hovertemplate=f"step {last_finite[0]}, layer %{{x}}<br>‖∂L/∂W‖ = %{{customdata}}<extra></extra>"))
    if not d.finite:
        notes.append(dict(text=f"overflow in {d.divergence.text()}: inf/NaN are not drawn", xref="paper", yref="paper", x=0,
                          y=1.0, yanchor="bottom", xanchor="left", showarrow=False,
                          font=dict(size=style.TICK_SIZE, color="#B00000")))
        shapes.append(dict(type="line", xref="x", yref="paper", x0=d.divergence.layer, x1=d.divergence.layer,
                           y0=0, y1=1, line=dict(color="#B00000", width=3, dash="dot")))
    layout = dict(shapes=shapes, annotations=notes,
                  yaxis=dict(type="log", range=[lo, hi], title="magnitude (log scale)", exponentformat="power",
                             tickfont=dict(size=style.TICK_SIZE), gridcolor="#e5e5e5"),
                  xaxis=_layer_axis(L))
    return _figure(data, layout, height, title, legend=dict(orientation="h", y=-0.22, x=0))


def forward_stats_figure(d: Diagnostics, height: int = 700, title: Optional[str] = None) -> go.Figure:
    """The forward pass per layer: mean ± spread of a, mean f′ (the factor on δ), % saturated and dead units."""
    L = d.n_layers
    x = list(range(1, L + 1))
    layout = _grid(3, 1, ("activations a: mean ± standard deviation",
                          "mean f′(z): the factor each layer puts on δ on the way back",
                          "units that pass (almost) no gradient back"), vspace=0.09, row_heights=[0.36, 0.28, 0.36])
    mean = [float(v) if np.isfinite(v) else None for v in d.a_mean]
    std = [float(v) if np.isfinite(v) else 0.0 for v in d.a_std]
    fp = [float(v) if np.isfinite(v) else None for v in d.fprime_mean]
    data = [
        dict(type="scatter", x=x, y=mean, mode="markers+lines", name="mean a ± std", xaxis="x", yaxis="y",
             error_y=dict(type="data", array=std, thickness=2, width=4, color=OKABE_ITO[0]),
             line=dict(color=OKABE_ITO[0], width=2), marker=dict(size=8),
             customdata=[format_sci(v, 4) for v in d.a_mean],
             hovertemplate="layer %{x}<br>mean a = %{customdata}<extra></extra>"),
        dict(type="scatter", x=x, y=fp, mode="markers+lines", name="mean f′(z)", xaxis="x2", yaxis="y2",
             line=dict(color=OKABE_ITO[2], width=2, dash="dash"), marker=dict(symbol="diamond", size=9),
             hovertemplate="layer %{x}<br>mean f′ = %{y:.4g}<extra></extra>"),
    ]
    for values, name, color, pattern in ((d.saturated, "saturated: f′(z) < 0.01 (sigmoid/tanh)", OKABE_ITO[4], "/"),
                                          (d.dead, "dead: z ≤ 0 for the whole batch (ReLU)", OKABE_ITO[6], "x")):
        if np.isnan(values).all():
            continue
        pct = [100 * float(v) if np.isfinite(v) else None for v in values]
        data.append(dict(type="bar", x=x, y=pct, name=name, xaxis="x3", yaxis="y3",
                         marker=dict(color=color, pattern=dict(shape=pattern)),
                         text=[f"{p:.0f}%" if p is not None and L <= 25 else "" for p in pct],
                         textposition="outside", textfont=dict(size=style.TICK_SIZE - 2),
                         hovertemplate="layer %{x}<br>%{y:.1f}%<extra>" + name.split(":")[0] + "</extra>"))
    if np.isnan(d.saturated).all() and np.isnan(d.dead).all():
        layout["annotations"].append(dict(
            text=f"no saturation or dead-unit measure for {', '.join(sorted(set(d.activation[:-1])))}"
                 " (only sigmoid/tanh saturate, only ReLU dies)", xref="x3 domain", yref="y3 domain",
            x=0.5, y=0.5, showarrow=False, font=dict(size=style.TICK_SIZE, color="#444444")))
    layout["shapes"] = [dict(type="line", xref="x2 domain", yref="y2", x0=0, x1=1, y0=1, y1=1,
                             line=dict(color="#777777", width=1, dash="dot"))]
    top = max([v for v in fp if v is not None] + [1.0]) * 1.15
    layout["yaxis"].update(title="a", gridcolor="#e5e5e5", zerolinecolor="#999999")
    layout["yaxis2"].update(title="f′", range=[0, top], gridcolor="#e5e5e5")
    layout["yaxis3"].update(title="% of units", range=[0, 115], gridcolor="#e5e5e5")
    for ax in ("xaxis", "xaxis2"):
        layout[ax].update(range=[0.5, L + 0.5], showticklabels=False, showgrid=False)
    layout["xaxis3"].update(**_layer_axis(L))
    return _figure(data, layout, height, title, barmode="group", legend=dict(orientation="h", y=-0.12, x=0))


def _hist_axis_title(h: Histograms) -> str:
    return "activation a" if h.kind == "a" else "log₁₀ |δ|, δ = ∂L/∂z"


def _hist_note(h: Histograms, i: int) -> str:
    parts = []
    if h.zeros[i]:
        parts.append(f"{h.zeros[i]} exact zeros")
    if h.nonfinite[i]:
        parts.append(f"{h.nonfinite[i]} inf/NaN")
    return " · ".join(parts)


def histogram_figure(h: Histograms, layer: int, height: int = 380) -> go.Figure:
    """One layer's histogram (``layer`` is 1-based)."""
    i = layer - 1
    centers = 0.5 * (h.edges[:-1] + h.edges[1:])
    data = [dict(type="bar", x=centers, y=h.counts[i], width=np.diff(h.edges), marker_color=OKABE_ITO[0],
                 marker_line=dict(color="white", width=0.5), hovertemplate="%{x:.3g}: %{y} values<extra></extra>")]
    note = _hist_note(h, i)
    layout = dict(xaxis=dict(title=_hist_axis_title(h), tickfont=dict(size=style.TICK_SIZE)),
                  yaxis=dict(title="count", gridcolor="#e5e5e5", tickfont=dict(size=style.TICK_SIZE)))
    what = "activations" if h.kind == "a" else "gradients δ"
    return _figure(data, layout, height, f"layer {layer}: {what}" + (f" ({note})" if note else ""), bargap=0)


def panel_layers(L: int, max_panels: int = MAX_PANELS) -> List[int]:
    """The 1-based layers shown as small multiples: all when few, else evenly spaced incl. first and last."""
    if L <= max_panels:
        return list(range(1, L + 1))
    return sorted(set(int(round(v)) for v in np.linspace(1, L, max_panels)))


def small_multiples_figure(h: Histograms, height: Optional[int] = None) -> go.Figure:
    """A grid of per-layer histograms on a shared x axis (at most ``MAX_PANELS`` layers, evenly spaced)."""
    L = h.counts.shape[0]
    layers = panel_layers(L)
    cols = 4 if len(layers) > 6 else max(1, min(3, len(layers)))
    rows = int(np.ceil(len(layers) / cols))
    titles = [f"layer {l}" + (f" · {_hist_note(h, l - 1)}" if _hist_note(h, l - 1) else "") for l in layers]
    layout = _grid(rows, cols, titles, vspace=0.12 if rows > 1 else 0.1)
    centers = 0.5 * (h.edges[:-1] + h.edges[1:])
    widths = np.diff(h.edges)
    data = []
    for n, l in enumerate(layers):
        sfx = "" if n == 0 else str(n + 1)
        data.append(dict(type="bar", x=centers, y=h.counts[l - 1], width=widths, marker_color=OKABE_ITO[0],
                         showlegend=False, xaxis="x" + sfx, yaxis="y" + sfx,
                         hovertemplate=f"layer {l}<br>" + "%{x:.3g}: %{y}<extra></extra>"))
        layout["yaxis" + sfx].update(showticklabels=False, gridcolor="#eeeeee")
        layout["xaxis" + sfx].update(tickfont=dict(size=style.TICK_SIZE - 2), showticklabels=n >= len(layers) - cols)
    sampled = "" if len(layers) == L else f" — {len(layers)} of {L} layers, evenly spaced"
    what = "activations a" if h.kind == "a" else "log₁₀ |δ| (gradients)"
    return _figure(data, layout, height or 170 * rows + 110, f"{what} per layer{sampled}", bargap=0)


def aggregated_graph_figure(d: Diagnostics, height: int = 360) -> go.Figure:
    """The network as one node per layer and one edge per weight matrix, coloured by log₁₀ ‖∂L/∂W_l‖.

    Used when the network has too many weights to draw one by one (more than ``MAX_DRAWN_EDGES``).
    Node size follows the layer width, node colour log₁₀ mean |δ|; both on the shared viridis scale.
    """
    sizes = d.sizes
    L = len(sizes) - 1
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    with np.errstate(all="ignore"):
        edge_log = np.log10(d.grad_norm)
    lo, hi = style.log_range(d.grad_norm, d.delta_mean)
    t_edge = style.log_position(d.grad_norm, lo, hi)
    colors = style.colors_at(style.SEQUENTIAL, t_edge)
    shapes = []
    for l in range(L):
        finite = np.isfinite(edge_log[l])
        shapes.append(dict(type="line", x0=l, x1=l + 1, y0=0, y1=0, layer="below",
                           line=dict(color=colors[l] if finite else "#B00000", width=14,
                                     dash="solid" if finite else "dot")))
    node_t = style.log_position(d.delta_mean, lo, hi)
    node_colors = ["#ffffff"] + style.colors_at(style.SEQUENTIAL, node_t)
    widths = np.asarray(sizes, dtype=float)
    data = [
        dict(type="scatter", x=np.arange(L) + 0.5, y=np.zeros(L), mode="markers", showlegend=False, name="weights",
             marker=dict(size=18, color="rgba(0,0,0,0)"),
             customdata=[[f"W{l}", sizes[l + 1], sizes[l], format_sci(d.grad_norm[l])] for l in range(L)],
             hovertemplate="layer %{x:.0f}: %{customdata[0]} (%{customdata[1]}×%{customdata[2]})<br>"
                           "‖∂L/∂W‖ = %{customdata[3]}<extra></extra>"),
        dict(type="scatter", x=np.arange(L + 1), y=np.zeros(L + 1), mode="markers", showlegend=False, name="layers",
             marker=dict(symbol="square", size=10 + 22 * np.sqrt(widths / widths.max()), color=node_colors,
                         line=dict(color="#333333", width=1.5)),
             customdata=[[f"L{l}", sizes[l], "input" if l == 0 else format_sci(d.delta_mean[l - 1])]
                         for l in range(L + 1)],
             hovertemplate="%{customdata[0]}: %{customdata[1]} units<br>mean |δ| = %{customdata[2]}<extra></extra>"),
        dict(type="scatter", x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
             marker=dict(colorscale=style.SEQUENTIAL, cmin=lo, cmax=hi, color=[lo], showscale=True,
                         colorbar=style.log_colorbar(lo, hi, "‖∂L/∂W_l‖, mean |δ|", 1.0))),
    ]
    step = 1 if L <= 12 else (5 if L <= 60 else 10)
    note = dict(text=(f"<b>Aggregated view</b>: {n_weights:,} weights are too many to draw one by one "
                      f"(limit {MAX_DRAWN_EDGES:,}).<br>Each layer is one square (size = width, colour = "
                      "mean |δ|), each weight matrix one bar coloured by ‖∂L/∂W_l‖: dark = vanishing, "
                      "bright = exploding" + ("; dotted red = inf/NaN" if not np.isfinite(edge_log).all() else "")),
                xref="paper", yref="paper", x=0, y=1.02, xanchor="left", yanchor="bottom", showarrow=False,
                font=dict(size=style.TICK_SIZE), align="left")
    layout = dict(shapes=shapes, annotations=[note],
                  xaxis=dict(tickvals=list(range(0, L + 1, step)), showgrid=False, title="layer (0 = input)",
                             range=[-0.6, L + 0.6], zeroline=False),
                  yaxis=dict(visible=False, range=[-1, 1]))
    return _figure(data, layout, height, None, margin=dict(l=20, r=20, t=80, b=50))


def heatmap_figure(history: np.ndarray, divergence: Optional[Divergence] = None, height: int = 440) -> go.Figure:
    """log₁₀ ‖∂L/∂W_l‖ over (step, layer); a diverged run is marked where the overflow began."""
    steps, L = history.shape if history.size else (0, history.shape[1] if history.ndim == 2 else 0)
    with np.errstate(all="ignore"):
        z = np.log10(history.T) if history.size else np.zeros((L, 0))
    z = np.where(np.isfinite(z), z, np.nan)
    lo, hi = style.log_range(history[np.isfinite(history)] if history.size else None)
    data = [dict(type="heatmap", z=z, x=np.arange(1, steps + 1), y=np.arange(1, L + 1), colorscale=style.SEQUENTIAL,
                 zmin=lo, zmax=hi, colorbar=style.log_colorbar(lo, hi, "‖∂L/∂W_l‖", 1.0), hoverongaps=False,
                 hovertemplate="step %{x}, layer %{y}<br>log₁₀ ‖∂L/∂W‖ = %{z:.2f}<extra></extra>")]
    if divergence is not None:
        data.append(dict(type="scatter", x=[divergence.step], y=[divergence.layer], mode="markers+text",
                         showlegend=False, marker=dict(symbol="x", size=22, color="#B00000",
                                                       line=dict(width=2, color="white")),
                         text=[f"diverging: step {divergence.step}, {divergence.where.phase} layer {divergence.layer}"],
                         textposition="middle left", textfont=dict(color="#B00000", size=style.TICK_SIZE + 1)))
    last = max(steps, divergence.step if divergence is not None else 0, 1)
    layout = dict(xaxis=dict(title="training step", range=[0.5, last + 0.5],
                             tickfont=dict(size=style.TICK_SIZE)),
                  yaxis=_layer_axis(L, "layer l"))
    return _figure(data, layout, height, "gradient flow: log₁₀ ‖∂L/∂W_l‖ per layer and step (dark = vanishing)")


def loss_figure(losses: Sequence[float], divergence: Optional[Divergence] = None, height: int = 320) -> go.Figure:
    """The loss per step on a log axis. After a divergence the run is back at the healthy step; the rise it
    went through (``divergence.rise``) is drawn in red, dashed, with the diverging step marked."""
    y = _finite_positive(losses)
    data = [dict(type="scatter", x=np.arange(1, len(y) + 1), y=y, mode="lines+markers" if len(y) <= 60 else "lines",
                 line=dict(color=OKABE_ITO[0], width=3), name="loss",
                 customdata=[format_sci(v, 4) for v in losses],
                 hovertemplate="step %{x}<br>loss %{customdata}<extra></extra>")]
    shapes, notes = [], []
    last = len(y)
    if divergence is not None:
        rise = [(s, v) for s, v in divergence.rise if np.isfinite(v) and v > 0]
        if rise:
            data.append(dict(type="scatter", x=[s for s, _ in rise], y=[v for _, v in rise], mode="lines+markers",
                             name="diverging (undone)", line=dict(color="#B00000", width=3, dash="dash"),
                             marker=dict(symbol="x", size=9), customdata=[format_sci(v, 4) for _, v in rise],
                             hovertemplate="step %{x}<br>loss %{customdata} (undone)<extra></extra>"))
        last = max(last, divergence.step)
        shapes.append(dict(type="line", xref="x", yref="paper", x0=divergence.step, x1=divergence.step, y0=0, y1=1,
                           line=dict(color="#B00000", width=3, dash="dot")))
        notes.append(dict(text=f"diverging (step {divergence.step})", xref="x", yref="paper", x=divergence.step,
                          y=0, xanchor="right", yanchor="bottom", showarrow=False,
                          font=dict(color="#B00000", size=style.TICK_SIZE)))
    layout = dict(shapes=shapes, annotations=notes, showlegend=divergence is not None,
                  yaxis=dict(type="log", title="loss (log)", exponentformat="power", gridcolor="#e5e5e5"),
                  xaxis=dict(title="training step", range=[0.5, max(last, 1) + 0.5]))
    return _figure(data, layout, height, None)


def overlay_figure(runs: Sequence, height: int = 460) -> go.Figure:
    """Mean |δ_l| relative to each run's last hidden layer, for up to four runs (pinned + current).

    ``runs`` are ``PinnedRun`` records (label, delta_ratio); each differs by colour, dash and marker.
    """
    series = [_finite_positive(r.delta_ratio) for r in runs]
    lo, hi = _log_axis_range(*series) if runs else (-3.0, 1.0)
    lo, hi = min(lo, np.log10(VANISHING_BELOW) - 0.8), max(hi, np.log10(EXPLODING_ABOVE) + 0.8)
    shapes, notes = _band_shapes(lo, hi, 1.0, None)
    data = []
    L = 1
    for i, (r, y) in enumerate(zip(runs, series)):
        L = max(L, len(y))
        data.append(dict(type="scatter", x=list(range(1, len(y) + 1)), y=y, name=r.label, mode="lines+markers",
                         line=dict(color=OKABE_ITO[i % len(OKABE_ITO)], width=3, dash=DASHES[i % 4]),
                         marker=dict(symbol=SYMBOLS[i % 4], size=9),
                         customdata=[format_sci(v, 3) for v in y],
                         hovertemplate=r.label + "<br>layer %{x}: %{customdata}<extra></extra>"))
    layout = dict(shapes=shapes, annotations=notes,
                  yaxis=dict(type="log", range=[lo, hi], title="mean |δ_l| ÷ mean |δ| of the last hidden layer",
                             exponentformat="power", gridcolor="#e5e5e5"),
                  xaxis=_layer_axis(L))
    return _figure(data, layout, height, None, legend=dict(orientation="h", y=-0.22, x=0))
