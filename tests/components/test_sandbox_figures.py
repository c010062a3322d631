"""The sandbox's graph of operations: every number written as text, reached nodes only, stable layout."""
import re

import numpy as np

from components.drawing import labels
from components.sandbox.figures import NOTE_SIZE, _name, expression_figure, hidden_note, layout, sandbox_contour
from engine.expression import evaluate, parse, reached, timeline


def ev_of(text="y = sigmoid(w*x + b)", **values):
    return evaluate(parse(text), values or {"w": 0.5, "x": 2.0, "b": 0.1})


def annotation_text(fig):
    return [a.text or "" for a in fig.layout.annotations]


def test_layout_is_left_to_right_in_computation_order():
    g = ev_of().graph
    pos = layout(g)
    for n in g.nodes:
        for a in n.inputs:
            assert pos[a][0] < pos[n.id][0], "an argument sits left of its operation"
    assert pos[g.output][0] == max(x for x, _ in pos.values())


def test_start_shows_inputs_only_and_the_end_every_gradient_in_words():
    ev = ev_of()
    steps = timeline(ev)
    fig = expression_figure(ev, *reached(steps, 0, ev))
    text = " ".join(annotation_text(fig))
    assert "= 0.5" in text and "= 2" in text and "= ?" in text and "∂y/∂" not in text
    fig = expression_figure(ev, *reached(steps, len(steps) - 1, ev), current=steps[-1].node, edges=steps[-1].edges)
    text = " ".join(annotation_text(fig))
    for want in ("∂y/∂w = 0.3747", "∂y/∂x = 0.09368", "∂y/∂b = 0.1874", "= 0.7503", "◀ this step", "∂v₁/∂w = 2"):
        assert want in text, want
    nodes = fig.data[0]
    assert list(nodes.customdata) == [n.id for n in ev.graph.nodes]
    assert set(nodes.marker.symbol) == {"square", "circle"}


def test_forward_mode_shows_tangents():
    ev = ev_of()
    steps = timeline(ev, "forward", "w")
    fig = expression_figure(ev, *reached(steps, len(steps) - 1, ev, "forward"), mode="forward", wrt="w")
    assert any("∂y/∂w = 0.3747" in t for t in annotation_text(fig))


def test_contour_needs_two_variables_and_carries_the_gradient():
    ev = ev_of("f = 3*x**2 + 2*x*y + y**2", x=1.0, y=2.0)
    fig = sandbox_contour(ev)
    assert np.allclose(fig.layout.meta["gradient"], [10.0, 6.0])
    try:
        sandbox_contour(ev_of())
    except ValueError as e:
        assert "exactly two" in str(e)
    else:
        raise AssertionError("three variables must be refused")


# ------------------------------------------------------------------ cards of numbers placed for the chart's size
TWO_LAYERS = "L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2"


def _two_layer_cards_wide(ev, k):
    """(name, card text) of every node at step ``k`` with no size given (no card is left off then)."""
    steps = timeline(ev)
    fig = expression_figure(ev, *reached(steps, k, ev), current=steps[k].node, edges=steps[k].edges)
    cards = [a.text for a in fig.layout.annotations if a.name == "numbers"]
    return [(_name(ev.graph, n.id), c) for n, c in zip(ev.graph.nodes, cards)]


def _two_layer_figures(px):
    ev = ev_of(TWO_LAYERS, w2=1.0, w1=1.0, x=2.0, b1=1.0, b2=1.0, t=1.0)
    steps = timeline(ev)
    for k, step in enumerate(steps):
        fig = expression_figure(ev, *reached(steps, k, ev), current=step.node, edges=step.edges,
                                label_edges=step.phase == "backward", px=px)
        yield k, step, ev, fig


def _boxes(fig, px):
    """Each card's and edge label's box in px of the plot area, as ``_card_box`` estimates them
    (the browser test measures the drawn ones)."""
    from components.sandbox.figures import _card_box
    from components.drawing.style import VALUE_SIZE
    (x0, x1), (y0, y1) = fig.layout.xaxis.range, fig.layout.yaxis.range
    sx, sy = (px[0] - 20) / (x1 - x0), (px[1] - 20) / (y1 - y0)
    cards, fixed = [], []
    for a in fig.layout.annotations:
        if a.name == "numbers":
            w, h = _card_box(a.text, a.font.size)
            X, Y = (a.x - x0) * sx + (a.xshift or 0), (a.y - y0) * sy + a.yshift
            cards.append((a.text, (X - w / 2, Y, X + w / 2, Y + h) if a.yshift > 0 else (X - w / 2, Y - h, X + w / 2, Y)))
        elif a.name == "local":
            w, h = _card_box(a.text, VALUE_SIZE)
            X, Y = (a.x - x0) * sx, (a.y - y0) * sy
            fixed.append((X - w / 2, Y - h / 2, X + w / 2, Y + h / 2))
    nodes = fig.data[0]
    fixed += [((x - x0) * sx - 22, (y - y0) * sy - 22, (x - x0) * sx + 22, (y - y0) * sy + 22)
              for x, y in zip(nodes.x, nodes.y)]
    return cards, fixed


def _apart(a, b):
    return min(a[2], b[2]) - max(a[0], b[0]) <= 0 or min(a[3], b[3]) - max(a[1], b[1]) <= 0


def test_at_1280x720_every_card_of_every_step_has_its_own_place():
    """The graph at 1280 × 720 is 607 × 370 px (measured): nine columns 65 px apart, narrower than a card.
    On every step of the two-layer example no card touches another, a node or the step's edge label,
    every card lies on the chart and none is left off."""
    px = (607, 370)
    for k, step, ev, fig in _two_layer_figures(px):
        cards, fixed = _boxes(fig, px)
        assert len(cards) == len(ev.graph.nodes) and fig.layout.meta["hidden_cards"] == [], k
        for i, (text, box) in enumerate(cards):
            assert box[0] >= 0 and box[2] <= px[0] - 20 and box[1] >= 0 and box[3] <= px[1] - 20, (k, text, box)
            for other, b in cards[i + 1:]:
                assert _apart(box, b), (k, text, other)
            for b in fixed:
                assert _apart(box, b), (k, text, "a node or the edge label")


def test_where_cards_cannot_fit_the_fewest_are_left_off_and_the_graph_says_which():
    """A 360 × 300 px graph cannot hold the late backward steps' cards: some are left off, the rest still
    do not overlap, the line under the graph names them, this step's card is never the one left off,
    and a hidden card's numbers stay in its node's hover card."""
    px = (360, 300)
    hidden_somewhere = False
    for k, step, ev, fig in _two_layer_figures(px):
        hidden = fig.layout.meta["hidden_cards"]
        cards, fixed = _boxes(fig, px)
        assert len(cards) + len(hidden) == len(ev.graph.nodes)
        for i, (text, box) in enumerate(cards):
            for other, b in cards[i + 1:]:
                assert _apart(box, b), (k, text, other)
        notes = [a.text for a in fig.layout.annotations if a.name == "hidden"]
        if not hidden:
            assert notes == [], k
            continue
        hidden_somewhere = True
        assert notes and re.match(rf"{len(hidden)} cards? (of numbers )?hidden \(no room\): ", notes[0]), (k, notes)
        assert ", ".join(hidden) in notes[0] or notes[0].endswith("hover the nodes"), (k, notes)   # (360 px: room)
        assert labels.text_box(notes[0], NOTE_SIZE)[0] <= px[0] - 20, f"the note is wider than the graph: {notes[0]}"
        assert any("◀ this step" in text for text, _ in cards), f"step {k}: this step's card was left off"
        hover = {_name(ev.graph, n.id): h for n, h in zip(ev.graph.nodes, fig.data[0].hovertext)}
        for name in hidden:     # every number of a hidden card is in its node's hover card
            card = next(c for c in _two_layer_cards_wide(ev, k) if c[0] == name)[1]
            for number_text in re.findall(r"= ([^<?]+)", card):
                assert number_text.strip() in hover[name], (k, name, number_text, hover[name])
    assert hidden_somewhere, "360 × 300 px is expected to be too small for the late steps (the test lost its point)"


def test_the_hidden_note_names_the_cards_and_shortens_to_fit():
    names = ["v₁", "v₂", "b₂"]
    assert hidden_note(names) == "3 cards of numbers hidden (no room): v₁, v₂, b₂; hover their nodes"
    assert hidden_note(names[:1]) == "1 card of numbers hidden (no room): v₁; hover its node"
    for width in (600, 400, 300, 220):    # (a 390-px phone's graph is about 350 px wide)
        text = hidden_note(names, width)
        assert text.startswith("3 ") and "hidden (no room)" in text and labels.text_box(text, NOTE_SIZE)[0] <= width, \
            (width, text)
