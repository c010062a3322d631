"""The visual encoding, in one place: palettes, colour mapping (linear and log), widths, fonts, labels.

Every figure of the app takes its colours and sizes from here, so a student learns the code once:
blue = negative, orange = positive (a diverging, colour-blind-safe scale centred on 0) for signed
values (w, z, a, the update); viridis for magnitudes on a log scale (|∂L/∂w|, |δ|), because a
vanishing gradient is invisible on a linear one; light grey for a value not computed yet.
Sign is never carried by colour alone: negative weights are dashed, numbers carry their sign.
"""
import math

import numpy as np
from plotly.colors import get_colorscale, sample_colorscale

from engine.formatting import format_number as fmt, format_numbers as fmt_array, sub, sup  # noqa: F401  one rule
from engine.ids import node_label as engine_node_label

# Blue (negative) → near-white (0) → orange (positive); readable for red–green colour blindness.
DIVERGING = [[0.0, "#08519c"], [0.25, "#6baed6"], [0.5, "#f2f2f2"], [0.75, "#fdae6b"], [1.0, "#d94801"]]
# Viridis as plotly.py defines it, written out: the colour bars (drawn by plotly.js, whose own "Viridis" has
# other stops) then show exactly the colours colors_at gives nodes and edges
SEQUENTIAL = [[float(t), c] for t, c in get_colorscale("Viridis")]
UNKNOWN = "#cfcfcf"          # a value not computed yet at this step
UNKNOWN_EDGE = "#d9d9d9"
HIGHLIGHT_FILL = "rgba(255, 200, 0, 0.18)"
HIGHLIGHT_LINE = "rgba(200, 140, 0, 0.9)"
SELECTED = "#111111"

FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=18, color="#111111")   # projector-sized
LABEL_SIZE = 20        # node labels (x₁, h¹₂, ŷ)
VALUE_SIZE = 15        # numbers printed on nodes and edges
TICK_SIZE = 15

N_COLOR_BINS = 16      # edges are drawn as one SVG path per (colour, width, sign) bin
EDGE_WIDTHS = (1.2, 2.6, 4.4, 6.6)
LOG_DECADES = 12       # a log colour bar spans at most this many powers of ten

def node_label(l: int, j: int, sizes) -> str:
    """Display label of node L{l}:N{j}: x₁ for inputs, h¹₂ for hidden units, ŷ (ŷ₁, ŷ₂…) for outputs."""
    return engine_node_label(tuple(sizes), f"L{l}:N{j}")


def signed_range(*arrays) -> float:
    """Half-width m of the symmetric colour range [−m, m] covering the finite values given."""
    m = 0.0
    for arr in arrays:
        if arr is None:
            continue
        arr = np.asarray(arr, dtype=np.float64)
        finite = arr[np.isfinite(arr)]
        if finite.size:
            m = max(m, float(np.max(np.abs(finite))))
    return m if m > 0 else 1.0


def log_range(*arrays) -> tuple:
    """(lo, hi) whole powers of ten covering the finite non-zero magnitudes, at most LOG_DECADES apart."""
    mags = [np.abs(np.asarray(a, dtype=np.float64)).ravel() for a in arrays if a is not None]
    mags = np.concatenate(mags) if mags else np.zeros(0)
    mags = mags[np.isfinite(mags) & (mags > 0)]
    if not mags.size:
        return -3.0, 0.0
    hi = math.ceil(math.log10(float(mags.max())) - 1e-9)
    lo = math.floor(math.log10(float(mags.min())) + 1e-9)
    lo = max(lo, hi - LOG_DECADES)
    if lo >= hi:
        lo = hi - 1
    return float(lo), float(hi)


def log_position(values, lo: float, hi: float) -> np.ndarray:
    """Position 0…1 of |values| on the log scale [10^lo, 10^hi]; 0 and tiny values sit at 0."""
    mags = np.abs(np.asarray(values, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (np.log10(mags) - lo) / (hi - lo)
    return np.clip(np.nan_to_num(t, nan=0.0, neginf=0.0, posinf=1.0), 0.0, 1.0)


def signed_position(values, m: float) -> np.ndarray:
    """Position 0…1 of values on the symmetric scale [−m, m] (0 in the middle)."""
    t = 0.5 + 0.5 * np.asarray(values, dtype=np.float64) / m
    return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)


def colors_at(scale, t) -> list:
    """Colours (as 'rgb(…)' strings) of the scale at positions t in 0…1."""
    return sample_colorscale(scale, [float(x) for x in np.atleast_1d(t)])


_BIN_CACHE = {}


def bin_colors(scale) -> list:
    """The N_COLOR_BINS colours of a scale (cached: sampling is slow in plotly)."""
    key = scale if isinstance(scale, str) else id(scale)
    if key not in _BIN_CACHE:
        _BIN_CACHE[key] = colors_at(scale, np.linspace(0.0, 1.0, N_COLOR_BINS))
    return _BIN_CACHE[key]


def color_bin(t: np.ndarray) -> np.ndarray:
    """Index of the colour bin of positions t in 0…1."""
    return np.rint(np.asarray(t) * (N_COLOR_BINS - 1)).astype(np.int64)


def width_bin(abs_w: np.ndarray, w_max: float) -> np.ndarray:
    """Index into EDGE_WIDTHS for |w| relative to the largest |w| (square-root spacing)."""
    if not w_max > 0 or not np.isfinite(w_max):
        return np.zeros(np.shape(abs_w), dtype=np.int64)
    r = np.sqrt(np.clip(np.nan_to_num(np.asarray(abs_w) / w_max, nan=1.0), 0.0, 1.0))
    return np.minimum((r * len(EDGE_WIDTHS)).astype(np.int64), len(EDGE_WIDTHS) - 1)


def text_colors(fill: list) -> list:
    """Black or white text, whichever reads better on each fill colour."""
    out = []
    for c in fill:
        if c.startswith("#"):
            r, g, b = (int(c[i:i + 2], 16) for i in (1, 3, 5))
        else:
            r, g, b = (float(v) for v in c[c.index("(") + 1:c.index(")")].split(",")[:3])
        out.append("#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff")
    return out


def _bar(title: str, x: float) -> dict:
    """A horizontal colour bar under the plot (x = its centre, 0…1): the graph keeps its full width."""
    return dict(orientation="h", x=x, xanchor="center", y=-0.02, yanchor="top", len=0.44, thickness=14,
                title=dict(text=title, side="top", font=dict(size=TICK_SIZE + 1)), tickfont=dict(size=TICK_SIZE))


def log_colorbar(lo: float, hi: float, title: str, x: float) -> dict:
    """A colour bar with ticks at whole powers of ten (10⁻³ …), for values given as log10|v|."""
    step = max(1, int(math.ceil((hi - lo) / 6)))
    ticks = list(range(int(hi), int(lo) - 1, -step))
    return dict(_bar(title, x), tickvals=ticks, ticktext=[f"10{sup(t)}" if t else "1" for t in ticks])


def signed_colorbar(m: float, title: str, x: float) -> dict:
    return dict(_bar(title, x), tickformat=".3~g")
