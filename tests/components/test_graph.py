"""The shared network graph: what it promises a student can read off the figure."""
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from components.drawing import style
from components.drawing.graph import HOVER_LABEL_EDGES, SMALL_EDGES, clicked_id, network_figure, selected_id
from components.drawing.layout import layered_layout
from engine import Network
from engine.ids import parse_id


def textbook():
    net = Network([1, 1, 1], activation="relu", output_activation="sigmoid", loss="mse")
    net.set_parameters([[[0.5]], [[0.8]]], [[0.1], [0.2]])
    return net


def full_figure(net, r, **kw):
    return network_figure(net.sizes, net.weights, net.biases, z=r.z, a=r.a, delta=r.delta, dW=r.dW, db=r.db,
                          lr=0.1, **kw)


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_figure_is_valid_plotly_json():
    # The builder skips plotly's per-rerun validation; validating the same dict here keeps it honest.
    net = Network([2, 3, 2], output_activation="softmax", loss="cross_entropy", seed=3)
    r = net.backward([[0.3, -1.0]], [1])
    for edge in ("gradient", "weight", "update"):
        for node in ("a", "z", "delta"):
            fig = full_figure(net, r, edge_mode=edge, node_mode=node, highlight_layer=1, selected="W1:0:2")
            go.Figure(json.loads(fig.to_json()))


def test_one_node_per_neuron_with_ids_and_display_labels():
    fig = network_figure((2, 3, 1), Network([2, 3, 1]).weights)
    nodes = trace(fig, "nodes")
    assert [row[0] for row in nodes.customdata] == ["L0:N0", "L0:N1", "L1:N0", "L1:N1", "L1:N2", "L2:N0"]
    assert list(nodes.text) == ["x₁", "x₂", "h¹₁", "h¹₂", "h¹₃", "ŷ"]


def test_edges_clickable_with_weight_ids_in_engine_order():
    net = Network([2, 3, 1], seed=1)
    fig = network_figure(net.sizes, net.weights)
    edges = trace(fig, "edges")
    ids = [row[0] for row in edges.customdata]
    assert ids[:3] == ["W0:0:0", "W0:0:1", "W0:1:0"] and ids[-1] == "W1:0:2" and len(ids) == 9
    # the card's w is weights[l][j, k] of that id
    row = edges.customdata[ids.index("W0:2:1")]
    assert row[2] == style.fmt(net.weights[0][2, 1])


def test_hover_cards_show_the_engine_numbers():
    net = textbook()
    r = net.backward([2.0], 1.0)
    fig = full_figure(net, r)
    nodes = {row[0]: row for row in trace(fig, "nodes").customdata}
    # ŷ: z = 0.8·1.1 + 0.2 = 1.08, a = σ(1.08) = 0.7465, δ = 2(ŷ − y)·σ'(z) = −0.09595
    assert nodes["L2:N0"][1:4] == ["1.08", "0.7465", "−0.09595"]
    assert nodes["L1:N0"][4] == "0.1" and nodes["L1:N0"][5] == "−0.07676"     # b1, ∂L/∂b1
    edges = {row[0]: row for row in trace(fig, "edges").customdata}
    assert edges["W1:0:0"][2:] == ["0.8", "−0.1055", "0.01055"]              # w, ∂L/∂w, −α∂L/∂w
    assert edges["W0:0:0"][3] == "−0.1535"


def test_unknown_values_are_grey_and_blank():
    net = textbook()
    r = net.backward([2.0], 1.0)
    fig = network_figure(net.sizes, net.weights, net.biases, a=[r.a[0], None, None], z=[None, None],
                         delta=[None, None], dW=[None, None], node_mode="a")
    nodes = trace(fig, "nodes")
    assert list(nodes.marker.color[1:]) == [style.UNKNOWN, style.UNKNOWN]
    assert nodes.customdata[2][1:4] == ["—", "—", "—"]
    edge_colors = {s.line.color for s in fig.layout.shapes if s.type == "path"}
    assert edge_colors == {style.UNKNOWN_EDGE}          # gradient colouring, nothing known yet
    assert trace(fig, "edges").customdata[0][3] == "not computed yet"


def test_gradient_colour_is_log_scaled_with_a_colour_bar():
    net = Network([2] + [8] * 6 + [1], activation="sigmoid", seed=0)
    r = net.backward([[1.0, -1.0]], [[1.0]])
    fig = full_figure(net, r, edge_mode="gradient")
    bars = [t.marker.colorbar for t in fig.data if t.marker and t.marker.showscale]
    edge_bar = next(b for b in bars if "∂L/∂w" in b.title.text)
    # ticks are powers of ten spanning the vanishing gradients (several decades)
    assert all(t.startswith("10") or t == "1" for t in edge_bar.ticktext)
    assert max(edge_bar.tickvals) - min(edge_bar.tickvals) >= 2
    lo, hi = style.log_range(*r.dW)
    mags = np.concatenate([np.abs(g).ravel() for g in r.dW])
    assert 10 ** lo <= mags.min() * 1.0001 and mags.max() <= 10 ** hi


def test_negative_weights_are_dashed_not_only_coloured():
    net = Network([1, 2, 1], seed=0)
    net.set_parameters([[[1.0], [-1.0]], [[0.5, -0.5]]], [[0, 0], [0]])
    fig = network_figure(net.sizes, net.weights, edge_mode="weight")
    dashes = {s.line.dash for s in fig.layout.shapes if s.type == "path"}
    assert dashes == {"solid", "dash"}
    neg_paths = "".join(s.path for s in fig.layout.shapes if s.type == "path" and s.line.dash == "dash")
    assert neg_paths.count("M") == 2


def test_edges_are_few_svg_paths_for_a_big_network():
    sizes = [2] + [32] * 20 + [1]
    net = Network(sizes, activation="sigmoid", seed=0)
    r = net.backward([[1.0, -1.0]], [[1.0]])
    fig = full_figure(net, r)
    paths = [s for s in fig.layout.shapes if s.type == "path"]
    n_edges = sum(W.size for W in net.weights)
    assert sum(p.path.count("M") for p in paths) == n_edges
    assert len(paths) <= style.N_COLOR_BINS * len(style.EDGE_WIDTHS) * 2
    assert len(fig.data) <= 8                      # not one trace per edge
    assert len(fig.to_json()) < 2_000_000
    # no hover/click target per edge at this size (~20,000 invisible SVG points were most of the
    # browser's time per slider move): nothing selected, no edge targets; the figure says what to do
    assert not [t for t in fig.data if t.name == "edges"]
    assert all(len(t.x) <= sum(sizes) for t in fig.data)
    assert "click a neuron to hover or click its weights" in fig.layout.annotations[0].text
    # solid, thin lines (dashes and stroke area made each browser redraw cost seconds); the legend says so
    assert {p.line.dash for p in paths} == {"solid"} and max(p.line.width for p in paths) < 1.0
    assert "no dashes for w < 0" in fig.layout.annotations[0].text
    assert len(fig.to_json()) < 500_000


def test_a_big_network_makes_the_selected_neurons_edges_hoverable_and_clickable():
    sizes = [2] + [32] * 20 + [1]
    net = Network(sizes, activation="sigmoid", seed=0)
    r = net.backward([[1.0, -1.0]], [[1.0]])
    for selected, ends in (("L3:N5", {"L3:N5"}), ("W3:7:5", {"L3:N5", "L4:N7"}), ("b2:5", {"L3:N5"})):
        fig = full_figure(net, r, selected=selected)
        (edges,) = [t for t in fig.data if t.name == "edges"]
        ids = [row[0] for row in edges.customdata]
        expected = {f"W{l}:{j}:{k}" for l in range(len(sizes) - 1) for j in range(sizes[l + 1])
                    for k in range(sizes[l]) if {f"L{l}:N{k}", f"L{l + 1}:N{j}"} & ends}
        assert set(ids) == expected and len(ids) == len(expected)
        lay = layered_layout(tuple(sizes))
        at = {e: i for i, e in enumerate(lay.edge_ids)}
        for row, x, y in zip(edges.customdata, edges.x, edges.y):   # each target sits on its own edge's label spot
            assert selected_id({"customdata": row}) == row[0]
            assert (x, y) == (lay.label_x[at[row[0]]], lay.label_y[at[row[0]]])
        w = float(edges.customdata[0][2].replace("−", "-"))
        _, l, j, k = parse_id(ids[0])
        assert abs(w - net.weights[l][j, k]) <= 1e-3 * max(1.0, abs(w))
    assert selected_id({"customdata": ["L1:N0", "—"]}) == "L1:N0" and selected_id({"x": 1}) is None


def test_clicked_id_reads_dict_and_attribute_events_and_filters_kinds():
    from types import SimpleNamespace
    points = [{"x": 0}, {"customdata": ["W1:0:0", "0.5"]}, {"customdata": ["L1:N0"]}]
    as_dict = {"selection": {"points": points}}
    as_attr = SimpleNamespace(selection=SimpleNamespace(points=points))
    for event in (as_dict, as_attr):
        assert clicked_id(event) == "W1:0:0"               # the first id of any kind
        assert clicked_id(event, kinds="L") == "L1:N0"     # the playground takes nodes only
    assert clicked_id(None) is None and clicked_id({"selection": {"points": []}}) is None


def test_edge_targets_all_drawn_with_text_cards_up_to_the_hover_label_limit():
    # just under HOVER_LABEL_EDGES: SVG points whose cards name both ends ("x₁ → h¹₁")
    sizes = (1, 43, 43, 1)
    n_edges = 43 + 43 * 43 + 43
    assert SMALL_EDGES < n_edges <= HOVER_LABEL_EDGES
    fig = network_figure(sizes, Network(list(sizes), seed=0).weights)
    edges = [t for t in fig.data if t.name == "edges"]
    assert len(edges) == 1 and len(edges[0].x) == n_edges and not edges[0].marker.maxdisplayed
    assert edges[0].customdata[0][:2] == ["W0:0:0", "x₁ → h¹₁"]
    # just over it: no targets until a neuron is selected, then its edges, with the same cards
    sizes = (1, 44, 44, 1)
    assert 44 + 44 * 44 + 44 > HOVER_LABEL_EDGES
    fig = network_figure(sizes, Network(list(sizes), seed=0).weights)
    assert not [t for t in fig.data if t.name == "edges"]
    fig = network_figure(sizes, Network(list(sizes), seed=0).weights, selected="L1:N0")
    (edges,) = [t for t in fig.data if t.name == "edges"]
    assert len(edges.x) == 1 + 44 and edges.customdata[0][:2] == ["W0:0:0", "x₁ → h¹₁"]
    go.Figure(json.loads(fig.to_json()))


def test_values_printed_only_for_small_networks():
    small = network_figure((2, 3, 1), Network([2, 3, 1]).weights)
    assert "w " in "".join(trace(small, "edges").text)
    sizes = (4, 6, 4)        # 48 edges > SMALL_EDGES
    assert 4 * 6 + 6 * 4 > SMALL_EDGES
    big = network_figure(sizes, Network(list(sizes)).weights)
    assert trace(big, "edges").text is None


def test_highlight_and_selection_are_drawn():
    net = Network([2, 3, 1])
    fig = network_figure(net.sizes, net.weights, highlight_layer=1, selected="L1:N2")
    rect = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rect) == 1 and rect[0].x0 < 1 < rect[0].x1
    ring = trace(fig, "selected")
    lay = layered_layout((2, 3, 1))
    assert (ring.x[0], ring.y[0]) == (lay.x[4], lay.y[4])


def test_overflow_is_shown_as_words_not_numbers():
    net = Network([1, 1, 1], activation="linear", output_activation="linear")
    z = [np.array([[np.inf]]), np.array([[np.nan]])]
    fig = network_figure(net.sizes, net.weights, z=z, a=[np.array([[1.0]]), z[0], z[1]], node_mode="z")
    cards = {row[0]: row for row in trace(fig, "nodes").customdata}
    assert cards["L1:N0"][1] == "∞" and cards["L2:N0"][1] == "NaN"
    go.Figure(json.loads(fig.to_json()))


@pytest.mark.parametrize("bad, message", [({"edge_mode": "size"}, "edge_mode"),
                                          ({"node_mode": "b"}, "node_mode")])
def test_bad_options_name_the_argument(bad, message):
    with pytest.raises(ValueError, match=message):
        network_figure((1, 1), [np.ones((1, 1))], **bad)


def test_layout_is_cached_and_stable():
    assert layered_layout((3, 4, 2)) is layered_layout((3, 4, 2))
    lay = layered_layout((3, 4, 2))
    for l, n in enumerate((3, 4, 2)):
        ys = [lay.y[lay.node_index(l, j)] for j in range(n)]
        assert ys == sorted(ys, reverse=True)          # unit 0 on top, every time
    assert lay.graph.number_of_edges() == 3 * 4 + 4 * 2


def test_the_legend_says_what_width_dashes_and_grey_mean_and_wraps_in_a_narrow_column():
    net = Network([2, 3, 1], seed=0)
    wide = network_figure(net.sizes, net.weights).layout
    narrow = network_figure(net.sizes, net.weights, narrow=True).layout
    for layout in (wide, narrow):
        text = layout.annotations[0].text
        assert "edge width = |w|" in text and "dashed = negative w" in text and "grey = not computed yet" in text
    assert "<br>" not in wide.annotations[0].text and narrow.annotations[0].text.count("<br>") == 1
    assert narrow.margin.t == wide.margin.t + 24      # room for the second line



# ------------------------------------------------------------------------- numbers that do not overlap
def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("px", [(489, 438), (877, 798), (358, 454)])     # the step graph at 1280×720, 1920×1080, a phone
@pytest.mark.parametrize("sizes", [(2, 3, 1), (2, 4, 4, 1), (1, 1, 1)])
@pytest.mark.parametrize("edge_mode", ["gradient", "weight", "update"])
def test_no_two_numbers_on_the_graph_overlap_and_the_hidden_are_counted(px, sizes, edge_mode):
    from components.drawing import graph
    net = Network(list(sizes), seed=1)
    r = net.backward([[0.7, -1.3][:sizes[0]]], [[1.0]])
    fig = full_figure(net, r, narrow=True, px=px, edge_mode=edge_mode, node_mode="delta", selected="L1:N0")
    lay = layered_layout(sizes)
    vals = graph._node_values(sizes, lay, r.a, r.z, r.delta, net.biases, r.db, 0)
    edges = graph._edge_values(net.weights, r.dW, None, 0.1, len(sizes) - 1)
    bottom = fig.layout.margin.b
    placed = graph._place(lay, vals, edges, edge_mode, "delta", trace(fig, "nodes").marker.size, "L1:N0", px,
                          fig.layout.margin.t, bottom)
    p = placed["placement"]
    texts = [b for k in ("nodes", "biases", "edges") for b in p.boxes[k]]
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            assert not _overlap(a, b), (sizes, px, a, b)
        for b in p.boxes["fixed"]:
            assert not _overlap(a, b), (sizes, px, a, b)
        assert a[0] >= 0 and a[2] <= px[0] - 20, (sizes, px, a)           # inside the plot area
    shown = trace(fig, "edges").text
    assert list(shown) == p.edge_text and sum(1 for t in shown if not t) == p.hidden_edges
    notes = [a.text for a in fig.layout.annotations if "hidden" in a.text]
    assert bool(notes) == (p.hidden > 0)
    if notes:
        assert str(p.hidden) in notes[0] and bottom == graph.BOTTOM + graph.NOTE_PX
    dW = np.concatenate([np.ravel(g) for g in r.dW])
    for i, row in enumerate(trace(fig, "edges").customdata):      # a number left off stays in its hover card
        assert row[3] == style.fmt(dW[i])


def test_a_large_chart_shows_every_edge_number_of_the_default_network():
    net = Network([2, 3, 1], seed=0)
    r = net.backward([[0.7, -1.3]], [[1.0]])
    for mode in ("gradient", "weight", "update"):
        fig = full_figure(net, r, narrow=True, px=(877, 798), edge_mode=mode)
        assert all(trace(fig, "edges").text), mode
        assert not [a for a in fig.layout.annotations if "hidden" in a.text]


def test_text_box_estimate_is_on_the_large_side_of_dejavu_sans():
    from components.drawing.labels import PAD, text_box
    w, h = text_box("w −0.261", 14)           # DejaVu Sans: w .818, space .318, − .838, 0 .636, . .318, 2 6 1
    assert w == pytest.approx((0.818 + 0.318 + 0.838 + 0.636 * 4 + 0.318) * 14 + 2 * PAD)
    assert text_box("a<br>b", 10)[1] > text_box("a", 10)[1] + 10
