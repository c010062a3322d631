"""Figures of the loss view (pure, no Streamlit): L(w) with its tangent, the update's landing point and
the secant; the secant's error against h on log axes. The two-parameter surface uses the shared
``components.drawing.contour.contour_figure``."""
import math
from typing import List, Optional

import numpy as np
import plotly.graph_objects as go

from components.drawing.style import FONT, TICK_SIZE, fmt
from engine.surface import Secant, Slope

CURVE = "#08519c"
TANGENT = "#d94801"
SECANT = "#6a51a3"
LANDING = "#238b45"


def slope_figure(s: Slope, label: str, sec: Optional[Secant] = None) -> go.Figure:
    """L(w) over the window, the point, the tangent (slope = ∂L/∂w), the landing point w − α ∂L/∂w and
    (optionally) the secant through w ± h. Each is named in the legend, with its number."""
    fig = go.Figure()
    finite = s.L[np.isfinite(s.L)]
    # drawn in this order so the landing diamond lies on top of the point when the update is tiny
    fig.add_trace(go.Scatter(x=s.w, y=np.where(np.isfinite(s.L), s.L, np.nan), mode="lines", name=f"L({label}), all other parameters held",
                             line=dict(color=CURVE, width=4),
                             hovertemplate=f"{label} = %{{x:.4g}}<br>L = %{{y:.4g}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=s.w, y=s.tangent(s.w), mode="lines", name=f"tangent: slope = ∂L/∂{label} = {fmt(s.grad)}",
                             line=dict(color=TANGENT, width=3, dash="dash"), hoverinfo="skip"))
    if sec is not None:
        xs = np.array([sec.w_minus, sec.w_plus])
        ext = np.array([s.w[0], s.w[-1]])
        fig.add_trace(go.Scatter(x=ext, y=sec.L_minus + sec.slope * (ext - sec.w_minus), mode="lines",
                                 name=f"secant through {label} ± h (h = {sec.h:.0e}): slope = {fmt(sec.slope)}",
                                 line=dict(color=SECANT, width=2, dash="dot"), hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=xs, y=[sec.L_minus, sec.L_plus], mode="markers", name="L(w − h), L(w + h)",
                                 marker=dict(size=11, color=SECANT, symbol="square"),
                                 hovertemplate=f"{label} = %{{x:.6g}}<br>L = %{{y:.6g}}<extra>secant</extra>"))
    fig.add_trace(go.Scatter(x=[s.value], y=[s.loss], mode="markers+text", name=f"now: {label} = {fmt(s.value)}, L = {fmt(s.loss)}",
                             marker=dict(size=16, color="#ffffff", line=dict(color="#111111", width=3)),
                             text=["now"], textposition="top center",
                             hovertemplate=f"{label} = %{{x:.4g}}<br>L = %{{y:.4g}}<extra>now</extra>"))
    fig.add_trace(go.Scatter(x=[s.landing], y=[s.landing_loss], mode="markers+text",
                             name=f"after one update: {label} − α·∂L/∂{label} = {fmt(s.landing)}, L = {fmt(s.landing_loss)}",
                             marker=dict(size=16, color=LANDING, symbol="diamond", line=dict(color="#111111", width=2)),
                             text=["after the update"], textposition="bottom center",
                             hovertemplate=f"{label} = %{{x:.4g}}<br>L = %{{y:.4g}}<extra>after one update</extra>"))
    if s.landing != s.value:
        fig.add_annotation(x=s.landing, y=s.landing_loss, ax=s.value, ay=s.loss, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=2, arrowwidth=2.5, arrowcolor=LANDING, text="")
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        lo, hi = min(lo, s.landing_loss) if math.isfinite(s.landing_loss) else lo, hi
        pad = 0.08 * (hi - lo) or 0.1 * abs(hi) or 0.1
        yrange = [lo - pad, hi + pad]
    else:
        yrange = None
    fig.update_layout(
        font=FONT, height=520, margin=dict(l=70, r=20, t=150 if sec is not None else 120, b=60), plot_bgcolor="#ffffff",
        xaxis=dict(title=dict(text=f"{label} (the parameter; all others held)"), tickfont=dict(size=TICK_SIZE),
                   gridcolor="#e5e5e5", range=[float(s.w[0]), float(s.w[-1])]),
        yaxis=dict(title=dict(text="loss L"), tickfont=dict(size=TICK_SIZE), gridcolor="#e5e5e5", range=yrange),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=TICK_SIZE)),
        meta=dict(grad=s.grad, landing=s.landing, landing_loss=s.landing_loss))
    return fig


def secant_error_figure(sweep: List[Secant], h_now: float, label: str) -> go.Figure:
    """|secant slope − ∂L/∂w| against h, both on log axes: it falls like h² (truncation), then rises
    again as h gets tiny (rounding: L(w + h) and L(w − h) agree in almost every digit)."""
    hs = np.array([s.h for s in sweep])
    err = np.array([abs(s.difference) for s in sweep])
    exact = err == 0
    shown = np.where(exact, 1e-17, err)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=hs, y=shown, mode="lines+markers", name="|secant slope − ∂L/∂w|",
                             line=dict(color=SECANT, width=3), marker=dict(size=9, symbol="square"),
                             customdata=err, hovertemplate="h = %{x:.0e}<br>|difference| = %{customdata:.3g}<extra></extra>"))
    now = [s for s in sweep if s.h == h_now]
    if now:
        fig.add_trace(go.Scatter(x=[h_now], y=[max(abs(now[0].difference), 1e-17)], mode="markers",
                                 name=f"h now = {h_now:.0e}", marker=dict(size=18, color="#ffffff", symbol="circle",
                                                                          line=dict(color="#111111", width=3))))
    fig.update_layout(
        font=FONT, height=360, margin=dict(l=80, r=20, t=60, b=60), plot_bgcolor="#ffffff",
        xaxis=dict(type="log", title=dict(text="h (log scale)"), tickfont=dict(size=TICK_SIZE), gridcolor="#e5e5e5",
                   exponentformat="power", autorange="reversed"),
        yaxis=dict(type="log", title=dict(text=f"|difference| for {label} (log)"), tickfont=dict(size=TICK_SIZE),
                   gridcolor="#e5e5e5", exponentformat="power"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=TICK_SIZE)))
    if exact.any():
        fig.add_annotation(x=0, y=0, xref="paper", yref="paper", showarrow=False, xanchor="left", yanchor="bottom",
                           text="points at 10⁻¹⁷: the difference is exactly 0 there", font=dict(size=TICK_SIZE - 2))
    return fig
