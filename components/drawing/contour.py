"""A function of two variables as a contour map, with the point, the gradient arrow and its length.

Shared by the chain-rule sandbox (any f(x, y) a student types) and the loss surface of the step page:
a pure figure builder, no Streamlit. The gradient's components and its length
|∇f| = √(∂f/∂x² + ∂f/∂y²) are printed under the plot, so the arrow is never read by eye or colour alone.
"""
import math
from typing import Mapping, Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from components.drawing.style import FONT, SEQUENTIAL, TICK_SIZE, fmt, sup

LOG_DECADES_MIN = 3.0      # a colour scale turns logarithmic when Z's positive values span this many decades
ARROW_SHARE = 0.25         # the arrow's length as a share of the plot's smaller side (its direction is exact)
# Several paths on one map (e.g. optimizers compared): told apart by line dash and marker shape, not colour alone.
PATH_STYLES = (("#ffffff", "solid", "circle"), ("#fdae6b", "dash", "square"), ("#f768a1", "dot", "diamond"),
               ("#9ecae1", "dashdot", "triangle-up"), ("#c7e9c0", "longdash", "x"))


def wants_log(Z, log_scale: Optional[bool] = None) -> bool:
    """True for an explicit ``log_scale=True``; when None, True if Z's positive finite values span ≥ 3 decades
    and Z has no negative values (a log scale cannot show a sign)."""
    if log_scale is not None:
        return bool(log_scale)
    Z = np.asarray(Z, dtype=np.float64)
    finite = Z[np.isfinite(Z)]
    pos = finite[finite > 0]
    if not pos.size or (finite < 0).any():
        return False
    return math.log10(float(pos.max()) / float(pos.min())) >= LOG_DECADES_MIN


def gradient_caption(gradient: Sequence[float], x_label: str, y_label: str, z_label: str) -> str:
    """"∇f = (∂f/∂x, ∂f/∂y) = (10, 6), |∇f| = √(10² + 6²) = 11.66": the arrow in words."""
    gx, gy = (float(g) for g in gradient)
    length = math.hypot(gx, gy)
    return (f"∇{z_label} = (∂{z_label}/∂{x_label}, ∂{z_label}/∂{y_label}) = ({fmt(gx)}, {fmt(gy)}), "
            f"|∇{z_label}| = √({_sq(gx)} + {_sq(gy)}) = {fmt(length)}")


def _sq(v: float) -> str:
    s = fmt(v)
    return f"({s})²" if s.startswith("−") or "·10" in s else f"{s}²"


def contour_figure(x_values, y_values, Z, *, point, gradient, x_label: str, y_label: str, z_label: str,
                   path=None, log_scale: Optional[bool] = None, title: Optional[str] = None,
                   paths: Optional[Mapping[str, Sequence]] = None, descent: bool = False,
                   path_name: str = "path", equal_axes: bool = False) -> go.Figure:
    """Contour map of Z over the grid, the point, the gradient arrow and (optionally) a path.

    Parameters
    ----------
    x_values, y_values : (nx,), (ny,) grid coordinates.
    Z : (ny, nx) values; NaN where undefined (left blank).
    point : (x, y) where the gradient is taken.
    gradient : (∂z/∂x, ∂z/∂y) at the point; drawn as an arrow pointing uphill (steepest ascent),
        scaled to a quarter of the plot for visibility; the true components and length are in the caption.
    x_label, y_label, z_label : names of the axes and of the function (as students read them).
    path : optional (k, 2) sequence of points drawn as a line with markers (e.g. descent steps).
    log_scale : True/False forces the colour scale; None picks log when Z's positive range spans ≥ 3 decades.
    title : optional title above the plot.
    paths : optional mapping name → (k, 2) points: several named paths (legend shown), each with its own
        dash and marker shape (``PATH_STYLES[1:]``; the first style is kept for ``path``), drawn after it.
    descent : draw −∇ (steepest descent, where gradient descent moves the point) instead of ∇.
    path_name : the legend name of ``path``.
    equal_axes : one unit is as long on both axes, so angles and valley shapes are true (the gradient
        then crosses the contour lines at right angles).
    """
    xs = np.asarray(x_values, dtype=np.float64)
    ys = np.asarray(y_values, dtype=np.float64)
    Z = np.asarray(Z, dtype=np.float64)
    if Z.shape != (ys.size, xs.size):
        raise ValueError(f"Z: expected shape (len(y_values), len(x_values)) = {(ys.size, xs.size)}, got {Z.shape}")
    px, py = (float(v) for v in point)
    gx, gy = (float(v) for v in gradient)
    log = wants_log(Z, log_scale)
    fig = go.Figure()
    finite = Z[np.isfinite(Z)]
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            shown = np.where(Z > 0, np.log10(Z), np.nan)
        lo, hi = np.nanmin(shown), np.nanmax(shown)
        lo_i, hi_i = math.floor(lo), math.ceil(hi)
        step = max(1, math.ceil((hi_i - lo_i) / 6))
        ticks = list(range(lo_i, hi_i + 1, step))
        bar = dict(title=dict(text=f"{z_label} (log scale)", side="right"), tickvals=ticks,
                   ticktext=[f"10{sup(t)}" if t else "1" for t in ticks])
        hover = f"{x_label} = %{{x:.4g}}<br>{y_label} = %{{y:.4g}}<br>{z_label} = %{{customdata:.4g}}<extra></extra>"
        fig.add_trace(go.Contour(x=xs, y=ys, z=shown, customdata=Z, colorscale=SEQUENTIAL, ncontours=18,
                                 colorbar=dict(bar, tickfont=dict(size=TICK_SIZE)), hovertemplate=hover,
                                 contours=dict(showlabels=False), name=z_label))
    else:
        bar = dict(title=dict(text=z_label, side="right"), tickformat=".3~g")
        hover = f"{x_label} = %{{x:.4g}}<br>{y_label} = %{{y:.4g}}<br>{z_label} = %{{z:.4g}}<extra></extra>"
        fig.add_trace(go.Contour(x=xs, y=ys, z=Z, colorscale=SEQUENTIAL, ncontours=18,
                                 colorbar=dict(bar, tickfont=dict(size=TICK_SIZE)), hovertemplate=hover,
                                 contours=dict(showlabels=bool(finite.size),
                                               labelfont=dict(size=TICK_SIZE - 2, color="white")),
                                 name=z_label))
    named = ([(path_name, path, 0)] if path is not None and len(path) else [])
    named += [(name, points, 1 + i) for i, (name, points) in enumerate((paths or {}).items())]
    for name, points, style in named:
        P = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        colour, dash, symbol = PATH_STYLES[style % len(PATH_STYLES)]
        fig.add_trace(go.Scatter(x=P[:, 0], y=P[:, 1], mode="lines+markers", name=name,
                                 line=dict(color=colour, width=3, dash=dash),
                                 marker=dict(size=8, color=colour, symbol=symbol, line=dict(color="#111111", width=1.5)),
                                 hovertemplate=f"{x_label} = %{{x:.4g}}<br>{y_label} = %{{y:.4g}}<extra>{name}</extra>"))
    fig.add_trace(go.Scatter(x=[px], y=[py], mode="markers", name="the point",
                             marker=dict(size=14, color="#ffffff", symbol="circle", line=dict(color="#111111", width=3)),
                             hovertemplate=f"the point<br>{x_label} = %{{x:.4g}}<br>{y_label} = %{{y:.4g}}<extra></extra>"))
    length = math.hypot(gx, gy)
    span = min(float(np.ptp(xs)) if xs.size > 1 else 1.0, float(np.ptp(ys)) if ys.size > 1 else 1.0) or 1.0
    sign, arrow_name = (-1.0, f"−∇{z_label}") if descent else (1.0, f"∇{z_label}")
    if length > 0 and math.isfinite(length):
        ax = px + sign * gx / length * ARROW_SHARE * span
        ay = py + sign * gy / length * ARROW_SHARE * span
        fig.add_annotation(x=ax, y=ay, ax=px, ay=py, xref="x", yref="y", axref="x", ayref="y", text="",
                           showarrow=True, arrowhead=2, arrowsize=1.3, arrowwidth=4, arrowcolor="#d94801")
        fig.add_annotation(x=ax, y=ay, text=arrow_name, showarrow=False, xanchor="left", yanchor="bottom",
                           font=dict(size=FONT["size"], color="#111111"), bgcolor="rgba(255,255,255,0.85)")
    caption = gradient_caption((gx, gy), x_label, y_label, z_label)
    if length == 0:
        caption += " (a flat point: no arrow)"
    if descent:
        caption += (f"<br>The arrow is −∇{z_label} = ({fmt(-gx)}, {fmt(-gy)}): downhill (steepest descent),<br>where "
                    "gradient descent moves the point. Drawn length scaled to fit; the true length is |∇|.")
    else:
        caption += ("<br>The arrow points uphill (steepest ascent); its drawn length is "
                    "scaled to fit, the true length is |∇|.")
    fig.add_annotation(x=0, y=-0.2, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                       text=caption, align="left", font=dict(size=TICK_SIZE))
    fig.update_layout(
        font=FONT, title=dict(text=title) if title else None, showlegend=bool(paths) or path_name != "path",
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0, font=dict(size=TICK_SIZE)),
        xaxis=dict(title=dict(text=x_label), range=[float(xs.min()), float(xs.max())], tickfont=dict(size=TICK_SIZE),
                   constrain="domain" if equal_axes else None),
        yaxis=dict(title=dict(text=y_label), range=[float(ys.min()), float(ys.max())], tickfont=dict(size=TICK_SIZE),
                   scaleanchor="x" if equal_axes else None, scaleratio=1 if equal_axes else None,
                   constrain="domain" if equal_axes else None),
        margin=dict(l=70, r=30, t=50 if title else 20, b=170), height=580, plot_bgcolor="#ffffff",
        meta=dict(gradient=[gx, gy], gradient_length=length, log_scale=log, descent=bool(descent)))
    return fig
