"""Where the numbers of the network graph go so that no two overlap: pure geometry in px, no plotly.

The graph's figure builder names the chart's real size in px (measured in the browser, see
``components.drawing.chart_size``); every number is then a text box of known size:

1. the nodes (discs, the selection ring) and the bias squares are fixed;
2. each node's values (z, a, δ) go below it, else beside it, else only the value the nodes are
   coloured by (below, beside, above an input), else nowhere;
3. each bias's "b 0.12" goes right of its square, else left, else nowhere;
4. each edge's number, largest |coloured value| first, goes at the first place along its edge
   (``EDGE_FRACTIONS``, both ends included) where its box touches nothing placed. The whole pass is
   tried with the edge font at each of ``EDGE_FONTS``; the largest font that hides fewest numbers wins
   (one size on a chart reads better than a mix).

What finds no place is left off the chart and counted (its hover card and the step table keep it).
Text widths are estimated from DejaVu Sans (the graph's first font, the widest of its fallbacks), so
a box is never smaller than the text the browser draws.
"""
from dataclasses import dataclass, field
from typing import List, Sequence

import numpy as np

# advance widths in em of DejaVu Sans (the characters numbers on the graph use); others: DEFAULT_EM
CHAR_EM = {**{d: 0.636 for d in "0123456789"}, ".": 0.318, " ": 0.318, "·": 0.318, "−": 0.838, "-": 0.361,
           "+": 0.838, "=": 0.838, "w": 0.818, "b": 0.635, "z": 0.525, "a": 0.613, "δ": 0.612, "∂": 0.6,
           "Δ": 0.684, "∞": 0.833, "N": 0.748, "n": 0.634,
           **{s: 0.4 for s in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"}}
DEFAULT_EM = 0.7
LINE_EM = 1.3          # plotly's line spacing; one line's box is BOX_EM tall
BOX_EM = 1.2
PAD = 2.0              # px kept free around every box
# along an edge (fraction from its source), tried after the edge's own place: the middle first, out to
# both ends (a box that would touch a node is refused anyway)
EDGE_FRACTIONS = tuple(sorted(np.round(np.arange(0.08, 0.93, 0.04), 2).tolist(), key=lambda t: (abs(t - 0.5), t)))
EDGE_FONTS = (14, 12, 11)


def text_box(text: str, size: float) -> tuple:
    """(width, height) in px of a plotly text label ("<br>" = new line) at font ``size``, padding included."""
    lines = text.split("<br>") if text else []
    if not lines:
        return 0.0, 0.0
    width = max(sum(CHAR_EM.get(c, DEFAULT_EM) for c in line) for line in lines) * size
    return width + 2 * PAD, (BOX_EM + LINE_EM * (len(lines) - 1)) * size + 2 * PAD


def _boxes_at(cx, cy, w, h):
    """(n, 4) boxes x0, y0, x1, y1 of size w × h centred on the points (cx, cy)."""
    cx, cy = np.atleast_1d(cx), np.atleast_1d(cy)
    return np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


class _Taken:
    """The boxes placed so far; ``first_free`` finds the first candidate box that touches none of them."""

    def __init__(self, boxes=()):
        self.boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)

    def first_free(self, cand, width, height):
        free = np.flatnonzero(self._free(cand, width, height))
        return int(free[0]) if free.size else None

    def _free(self, cand, width, height):
        inside = (cand[:, 0] >= 0) & (cand[:, 2] <= width) & (cand[:, 1] >= 0) & (cand[:, 3] <= height)
        if len(self.boxes):
            b = self.boxes
            hit = ((b[None, :, 0] < cand[:, None, 2]) & (cand[:, None, 0] < b[None, :, 2]) &
                   (b[None, :, 1] < cand[:, None, 3]) & (cand[:, None, 1] < b[None, :, 3])).any(axis=1)
            inside &= ~hit
        return inside

    def count_free(self, cand, width, height):
        return int(self._free(cand, width, height).sum())

    def add(self, box):
        self.boxes = np.vstack([self.boxes, np.asarray(box, dtype=float).reshape(1, 4)])


@dataclass
class Placement:
    """Centres in px of the plot area (y up); an empty text = left off the chart."""

    node_text: List[str]
    node_xy: np.ndarray           # (n_nodes, 2)
    bias_text: List[str]
    bias_xy: np.ndarray           # (n_biases, 2)
    edge_text: List[str]
    edge_xy: np.ndarray           # (n_edges, 2)
    edge_font: int
    hidden_edges: int
    hidden_nodes: int
    hidden_biases: int
    boxes: dict = field(default_factory=dict)   # "fixed", "nodes", "biases", "edges": (n, 4) px, for tests

    @property
    def hidden(self) -> int:
        return self.hidden_edges + self.hidden_nodes + self.hidden_biases


def place(width: float, height: float, node_xy: np.ndarray, node_r: Sequence[float], node_full: Sequence[str],
          node_short: Sequence[str], node_is_input: Sequence[bool], node_font: float,
          bias_xy: np.ndarray, bias_floor: Sequence[float], bias_text: Sequence[str], bias_font: float,
          edge_src: np.ndarray, edge_dst: np.ndarray, edge_t0: np.ndarray, edge_long: Sequence[str],
          edge_short: Sequence[str], edge_order: np.ndarray) -> Placement:
    """Place every number on a plot area of ``width`` × ``height`` px (y up) so that no two overlap.

    node_xy : (n, 2) node centres in px; node_r : the radius each keeps free (its ring when selected).
    node_full / node_short : a node's values (lines joined by "<br>") / the one it is coloured by.
    bias_xy : (m, 2) centres of the 12-px bias squares; bias_floor : the top of each one's unit (its
        text stays above it); bias_text : their "b 0.12".
    edge_src, edge_dst : node indices; edge_t0 : each edge's own fraction, tried first;
    edge_long / edge_short : an edge's number in two lines (or one) / one line; edge_order : placing order.
    """
    node_xy = np.asarray(node_xy, dtype=float).reshape(-1, 2)
    bias_xy = np.asarray(bias_xy, dtype=float).reshape(-1, 2)
    r = np.asarray(node_r, dtype=float)
    fixed = [(x - q - PAD, y - q - PAD, x + q + PAD, y + q + PAD) for (x, y), q in zip(node_xy, r)]
    fixed += [(x - 7 - PAD, y - 7 - PAD, x + 7 + PAD, y + 7 + PAD) for x, y in bias_xy]
    taken = _Taken(fixed)
    n_fixed = len(taken.boxes)

    texts, centres = [""] * len(node_xy), node_xy.copy()

    def place_node_values(tries_full, tries_short):
        for i, (x, y) in enumerate(node_xy):
            if not node_full[i] or texts[i]:
                continue
            spots = []
            for text, tries in ((node_full[i], tries_full), (node_short[i], tries_short)):
                w, h = text_box(text, node_font)
                q = r[i] + PAD          # clear of the node's own box
                for where in tries:
                    if where == "above" and not node_is_input[i]:
                        continue        # a unit's bias sits above it
                    cx, cy = {"below": (x, y - q - h / 2), "above": (x, y + q + h / 2),
                              "right": (x + q + w / 2, y - h / 4), "left": (x - q - w / 2, y - h / 4)}[where]
                    spots.append((text, cx, cy, w, h))
            if not spots:
                continue
            cand = np.array([(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2) for _, cx, cy, w, h in spots])
            k = taken.first_free(cand, width, height)
            if k is not None:
                texts[i], centres[i] = spots[k][0], spots[k][1:3]
                taken.add(cand[k])
                node_boxes.append(cand[k])

    # a node's values below it first; beside it only where the edges' numbers left room (below)
    node_boxes = []
    place_node_values(("below",), ("below",))

    bias_out, bias_centres, hidden_biases = [""] * len(bias_xy), bias_xy.copy(), 0
    bias_boxes = []
    for i, (x, y) in enumerate(bias_xy):
        w, h = text_box(bias_text[i], bias_font)
        y = max(y, bias_floor[i] + PAD + h / 2)       # beside its square, clear of the unit's disc below
        cand = _boxes_at([x + 7 + PAD + w / 2, x - 7 - PAD - w / 2], [y, y], w, h)
        k = taken.first_free(cand, width, height)
        if k is None:
            hidden_biases += 1
            continue
        bias_out[i], bias_centres[i] = bias_text[i], ((cand[k, 0] + cand[k, 2]) / 2, y)
        taken.add(cand[k])
        bias_boxes.append(cand[k])

    best = None
    for font in EDGE_FONTS:
        # in the given order (largest value first), then the edges with the fewest free places first
        for order in (edge_order, _most_constrained_first(taken, width, height, node_xy, edge_src, edge_dst,
                                                          edge_short, edge_order, font)):
            trial = _place_edges(_Taken(taken.boxes), width, height, node_xy, edge_src, edge_dst, edge_t0,
                                 edge_long, edge_short, order, font)
            if best is None or trial[3] < best[3]:
                best = trial
            if trial[3] == 0:
                break
        if best[3] == 0:
            break
    edge_text, edge_xy, edge_boxes, hidden_edges, font = best
    for box in edge_boxes:
        taken.add(box)
    place_node_values(("right", "left"), ("right", "left", "above"))
    hidden_nodes = sum(1 for i in range(len(node_xy)) if node_full[i] and not texts[i])
    empty = np.zeros((0, 4))
    return Placement(texts, centres, bias_out, bias_centres, edge_text, edge_xy, font, hidden_edges, hidden_nodes,
                     hidden_biases, boxes=dict(fixed=taken.boxes[:n_fixed], nodes=np.array(node_boxes).reshape(-1, 4),
                                               biases=np.array(bias_boxes).reshape(-1, 4),
                                               edges=edge_boxes if len(edge_boxes) else empty))



def _most_constrained_first(taken, width, height, node_xy, src, dst, short, order, font):
    """``order`` re-sorted by how many places along its edge each one-line number has (fewest first)."""
    p0, p1 = node_xy[src], node_xy[dst]
    ts = np.array(EDGE_FRACTIONS)
    free = np.zeros(len(src))
    for e in order:
        w, h = text_box(short[e], font)
        cand = _boxes_at(p0[e, 0] + ts * (p1[e, 0] - p0[e, 0]), p0[e, 1] + ts * (p1[e, 1] - p0[e, 1]), w, h)
        free[e] = taken.count_free(cand, width, height)
    return np.asarray(order)[np.argsort(free[np.asarray(order)], kind="stable")]


def _place_edges(taken, width, height, node_xy, src, dst, t0, long, short, order, font):
    n = len(src)
    out, xy = [""] * n, np.full((n, 2), np.nan)
    first = len(taken.boxes)
    p0, p1 = node_xy[src], node_xy[dst]
    for e in order:
        ts = np.array((t0[e],) + EDGE_FRACTIONS)
        cx = p0[e, 0] + ts * (p1[e, 0] - p0[e, 0])
        cy = p0[e, 1] + ts * (p1[e, 1] - p0[e, 1])
        for text in dict.fromkeys((long[e], short[e])):
            w, h = text_box(text, font)
            cand = _boxes_at(cx, cy, w, h)
            k = taken.first_free(cand, width, height)
            if k is not None:
                out[e], xy[e] = text, (cx[k], cy[k])
                taken.add(cand[k])
                break
    hidden = sum(1 for t in out if not t)
    return out, xy, taken.boxes[first:], hidden, font
