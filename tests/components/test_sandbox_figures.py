"""The sandbox's graph of operations: every number written as text, reached nodes only, stable layout."""
import numpy as np

from components.sandbox.figures import expression_figure, layout, sandbox_contour
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
