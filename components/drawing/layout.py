"""The layered layout of a network, built with networkx once per architecture and cached.

One node per neuron ("L{l}:N{j}"), one edge per weight ("W{l}:{j}:{k}" = weights[l][j, k], from
L{l}:N{k} to L{l+1}:N{j}). Node j = 0 is drawn at the top of its layer, the input layer on the left.
Everything returned is read-only: it is shared by every figure of that architecture.
"""
from dataclasses import dataclass
from functools import lru_cache
from typing import Tuple

import networkx as nx
import numpy as np

from engine.ids import node_label

EDGE_LABEL_AT = (0.2, 0.8)     # where along an edge (fraction from its source) its number sits: one place per edge of a layer


@dataclass(frozen=True)
class Layout:
    """Positions and ids of one architecture.

    Nodes are in layer order (layer 0 first, j ascending); edges in the order of
    ``np.concatenate([W.ravel() for W in weights])``, so an edge's values are read with one ravel.
    """

    sizes: Tuple[int, ...]
    graph: nx.DiGraph
    node_ids: Tuple[str, ...]
    node_labels: Tuple[str, ...]
    node_layer: np.ndarray      # (n_nodes,)
    node_unit: np.ndarray       # (n_nodes,)
    x: np.ndarray
    y: np.ndarray
    edge_ids: np.ndarray        # (n_edges,) str
    edge_layer: np.ndarray
    edge_j: np.ndarray
    edge_k: np.ndarray
    edge_src: np.ndarray        # node index of L{l}:N{k}
    edge_dst: np.ndarray        # node index of L{l+1}:N{j}
    edge_path: np.ndarray       # (n_edges,) "M x0,y0L x1,y1" SVG segments
    label_x: np.ndarray         # where the edge's number / click target sits
    label_y: np.ndarray
    layer_offset: Tuple[int, ...]   # index of each layer's first node

    @property
    def n_edges(self) -> int:
        return len(self.edge_ids)

    def node_index(self, l: int, j: int) -> int:
        return self.layer_offset[l] + j


@lru_cache(maxsize=16)
def layered_layout(sizes: Tuple[int, ...]) -> Layout:
    """The cached layout of ``sizes`` (a tuple: units per layer, input first)."""
    sizes = tuple(int(s) for s in sizes)
    graph = nx.DiGraph()
    node_ids = [f"L{l}:N{j}" for l, n in enumerate(sizes) for j in range(n)]
    graph.add_nodes_from((nid, {"layer": l}) for nid, l in zip(node_ids, _layers(sizes)))
    graph.add_edges_from((f"L{l}:N{k}", f"L{l + 1}:N{j}", {"id": f"W{l}:{j}:{k}"})
                         for l in range(len(sizes) - 1) for j in range(sizes[l + 1]) for k in range(sizes[l]))
    pos = nx.multipartite_layout(graph, subset_key="layer", align="vertical", scale=1.0)
    nx.freeze(graph)  # the cache hands this graph to every session: read-only
    node_layer = np.array(_layers(sizes), dtype=np.int64)
    node_unit = np.array([j for n in sizes for j in range(n)], dtype=np.int64)
    raw = np.array([pos[nid] for nid in node_ids], dtype=np.float64)
    # networkx spaces the units of a layer evenly but orders them as a set does (unstable): keep its
    # heights, hand them out in unit order (unit 0 on top), measure them in unit spacings, and make x
    # the layer index (so a highlight can be drawn around a layer).
    for l in range(len(sizes)):
        in_layer = node_layer == l
        raw[in_layer, 1] = np.sort(raw[in_layer, 1])[::-1]
    spacing = _unit_spacing(raw, node_layer, sizes)
    x = node_layer.astype(np.float64)
    y = raw[:, 1] / spacing
    offset = tuple(int(v) for v in np.concatenate([[0], np.cumsum(sizes)[:-1]]))

    edge_layer, edge_j, edge_k = [], [], []
    for l in range(len(sizes) - 1):
        jj, kk = np.meshgrid(np.arange(sizes[l + 1]), np.arange(sizes[l]), indexing="ij")
        edge_layer.append(np.full(jj.size, l))
        edge_j.append(jj.ravel())
        edge_k.append(kk.ravel())
    edge_layer, edge_j, edge_k = (np.concatenate(v).astype(np.int64) for v in (edge_layer, edge_j, edge_k))
    offs = np.array(offset, dtype=np.int64)
    src = offs[edge_layer] + edge_k
    dst = offs[edge_layer + 1] + edge_j
    edge_ids = np.char.add(np.char.add(np.char.add(np.char.add("W", edge_layer.astype(str)), ":"),
                                       np.char.add(edge_j.astype(str), ":")), edge_k.astype(str))
    seg = np.column_stack([x[src], y[src], x[dst], y[dst]]).round(3)
    path = np.array(["M%g,%gL%g,%g" % tuple(row) for row in seg.tolist()], dtype=str)
    # Stagger the numbers along the edges, each edge of a layer at its own fraction (by target unit,
    # then source unit), so neither the labels of a fan nor those of edges crossing mid-way overlap.
    n_src = np.array(sizes[:-1], dtype=np.float64)[edge_layer] if len(edge_layer) else np.zeros(0)
    n_dst = np.array(sizes[1:], dtype=np.float64)[edge_layer] if len(edge_layer) else np.zeros(0)
    t = EDGE_LABEL_AT[0] + (EDGE_LABEL_AT[1] - EDGE_LABEL_AT[0]) * (edge_j * n_src + edge_k + 0.5) / (n_dst * n_src)
    label_x = x[src] + t * (x[dst] - x[src])
    label_y = y[src] + t * (y[dst] - y[src])
    labels = tuple(node_label(sizes, nid) for nid in node_ids)      # the engine's labels: one spelling
    arrays = [node_layer, node_unit, x, y, edge_ids, edge_layer, edge_j, edge_k, src, dst, path,
              label_x, label_y]
    for arr in arrays:
        arr.setflags(write=False)
    return Layout(sizes, graph, tuple(node_ids), labels, node_layer, node_unit, x, y, edge_ids,
                  edge_layer, edge_j, edge_k, src, dst, path, label_x, label_y, offset)


def _layers(sizes):
    return [l for l, n in enumerate(sizes) for _ in range(n)]


def _unit_spacing(raw, node_layer, sizes) -> float:
    tallest = int(np.argmax(sizes))
    ys = np.sort(raw[node_layer == tallest, 1])
    return float(np.min(np.diff(ys))) if len(ys) > 1 else 1.0
