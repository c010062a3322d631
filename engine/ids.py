"""Stable ids of what the graph draws, their one parser, and their labels on screen.

Node ids "L{l}:N{j}" (unit j of layer l; layer 0 is the input), weight ids "W{l}:{j}:{k}"
(= weights[l][j, k], from L{l}:N{k} to L{l+1}:N{j}), bias ids "b{l}:{j}" (= biases[l][j]).
Every module that reads an id goes through ``parse_id``.
"""
import re

from engine.formatting import sub, sup

_NODE = re.compile(r"^L(\d+):N(\d+)$")
_WEIGHT = re.compile(r"^W(\d+):(\d+):(\d+)$")
_BIAS = re.compile(r"^b(\d+):(\d+)$")


def node_id(l: int, j: int) -> str:
    return f"L{l}:N{j}"


def weight_id(l: int, j: int, k: int) -> str:
    return f"W{l}:{j}:{k}"


def bias_id(l: int, j: int) -> str:
    return f"b{l}:{j}"


def parse_id(item_id: str):
    """("node", l, j) | ("weight", l, j, k) | ("bias", l, j) from an id; ValueError otherwise."""
    for kind, pattern in (("node", _NODE), ("weight", _WEIGHT), ("bias", _BIAS)):
        m = pattern.match(item_id)
        if m:
            return (kind,) + tuple(int(g) for g in m.groups())
    raise ValueError(f"node_id: expected 'L{{l}}:N{{j}}', 'W{{l}}:{{j}}:{{k}}' or 'b{{l}}:{{j}}', got {item_id!r}")


def node_label(sizes, node_id: str, latex: bool = False) -> str:
    """Display label of a node, weight or bias id, 1-based.

    >>> node_label([2, 3, 1], "L1:N1"), node_label([2, 3, 1], "L2:N0", latex=True)
    ('h¹₂', '\\\\hat y')
    """
    kind, *idx = parse_id(node_id)
    n_layers = len(sizes) - 1
    if kind == "node":
        l, j = idx
        _check_index(sizes, l, j, node_id)
        if l == 0:
            return f"x_{{{j + 1}}}" if latex else f"x{sub(j + 1)}"
        if l == n_layers:
            if sizes[-1] == 1:
                return r"\hat y" if latex else "ŷ"
            return rf"\hat y_{{{j + 1}}}" if latex else f"ŷ{sub(j + 1)}"
        return f"h^{{({l})}}_{{{j + 1}}}" if latex else f"h{sup(l)}{sub(j + 1)}"
    if kind == "weight":
        l, j, k = idx
        if not (0 <= l < n_layers and j < sizes[l + 1] and k < sizes[l]):
            raise ValueError(f"node_id: {node_id!r} is not a weight of a {list(sizes)} network")
        sep = "," if max(sizes[l], sizes[l + 1]) > 9 else ""  # w_{32,5}, not the ambiguous w_{325}
        return f"w^{{({l + 1})}}_{{{j + 1}{sep}{k + 1}}}" if latex else f"w{sup(l + 1)}{sub(j + 1)},{sub(k + 1)}"
    l, j = idx
    if not (0 <= l < n_layers and j < sizes[l + 1]):
        raise ValueError(f"node_id: {node_id!r} is not a bias of a {list(sizes)} network")
    return f"b^{{({l + 1})}}_{{{j + 1}}}" if latex else f"b{sup(l + 1)}{sub(j + 1)}"


def _check_index(sizes, l, j, node_id):
    if not (0 <= l < len(sizes) and j < sizes[l]):
        raise ValueError(f"node_id: {node_id!r} is not a node of a {list(sizes)} network")


