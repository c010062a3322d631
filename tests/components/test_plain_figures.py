"""The playground's figures and the network graph are built unvalidated (components/drawing/plain.py): here every builder runs with
plotly's schema check on, for every task and option, so a misspelt or wrong property fails a test instead of
going unseen; and the figure Streamlit sends is the same JSON either way."""
import json

import numpy as np
import plotly.io as pio
import pytest
from plotly.tools import return_figure_from_figure_or_data

from components.drawing import plain
from components.drawing.graph import network_figure
from components.playground.figures import (boundary_figure, curves_figure, neuron_figure, neuron_maps, plane_grid,
                                           thumbnails_figure)
from components.playground.settings import PlaygroundSettings, new_run
from engine.network import Network


def sent(fig) -> dict:
    """What ``st.plotly_chart`` sends for this figure (streamlit/elements/plotly_chart.py)."""
    return json.loads(pio.to_json(return_figure_from_figure_or_data(fig, validate_figure=True), validate=False))


def both(build):
    """The builder's figure unvalidated (as the app draws it) and validated (raises on a bad property)."""
    fast = build()
    plain.VALIDATE = True
    try:
        checked = build()
    finally:
        plain.VALIDATE = False
    return fast, checked


def cases():
    """(name, builder) for every figure of the playground, over the tasks and display options."""
    out = []
    for dataset, kw in (("circles", {}), ("blobs", dict(n_classes=3)), ("plane", {}),
                        ("plane", dict(activation="relu", init_gain=10.0, lr=10.0))):
        run = new_run(PlaygroundSettings(dataset=dataset, n_samples=100, hidden=(4, 2), **kw))
        t = run.trainer
        t.run(steps=60)
        xs, ys, P = plane_grid(run.dataset.extent)
        maps = neuron_maps(t.net, run.settings.features, P)
        name = f"{dataset}{'-diverging' if kw.get('lr') else ''}"
        labels = [f"n{i}" for i in range(sum(t.net.sizes))]
        for show_test in (True, False):
            for discretize in (False, True):
                out.append((f"{name} boundary test={show_test} discrete={discretize}",
                            lambda r=run, m=maps, s=show_test, d=discretize, g=(xs, ys):
                            boundary_figure(r.dataset, *g, m[-1], show_test=s, discretize=d, title="x")))
        out.append((f"{name} boundary overflowed",
                    lambda r=run, g=(xs, ys): boundary_figure(r.dataset, *g, np.full((len(g[0]) ** 2, 1), np.nan))))
        _, epochs, losses = t.history.losses()
        out.append((f"{name} curves", lambda t=t, r=run, e=epochs, l=losses: curves_figure(
            t.curve, r.dataset.task, current_epoch=0.5, steps=(e, l), divergence=t.divergence,
            steps_per_epoch=t.steps_per_epoch)))
        out.append((f"{name} thumbnails", lambda m=maps, lb=labels, t=t: thumbnails_figure(
            m, lb, t.net.sizes, selected="L1:N0")))
        out.append((f"{name} neuron", lambda m=maps, r=run, g=(xs, ys): neuron_figure(m, "L1:N2", "h", *g, r.dataset)))
    fresh = new_run(PlaygroundSettings())
    out.append(("curves at step 0", lambda: curves_figure(fresh.trainer.curve, "binary")))
    # the network graph (every page's): numbers shown or not, every edge and node colouring, a selection,
    # a measured size that hides numbers, the playground's feature names
    net = Network([2, 3, 2], output_activation="softmax", loss="cross_entropy", seed=3)
    r = net.backward([[0.3, -1.0]], [1])
    for edge in ("gradient", "weight", "update"):
        for node in ("a", "z", "delta"):
            out.append((f"graph {edge}/{node}", lambda e=edge, n=node: network_figure(
                net.sizes, net.weights, net.biases, z=r.z, a=r.a, delta=r.delta, dW=r.dW, db=r.db, lr=0.1,
                edge_mode=e, node_mode=n, highlight_layer=1, selected="W1:0:2", title="t")))
    wide = Network([2, 4, 4, 1], seed=1)
    rw = wide.backward([[0.3, -1.0]], [[1.0]])
    out.append(("graph crowded, measured small", lambda: network_figure(
        wide.sizes, wide.weights, wide.biases, a=rw.a, z=rw.z, delta=rw.delta, dW=rw.dW, db=rw.db, px=(420, 300),
        selected="L1:N0")))
    big = Network([7] + [16] * 8 + [1], seed=0)
    out.append(("graph 8 × 16, no numbers, features", lambda: network_figure(
        big.sizes, big.weights, big.biases, edge_mode="weight", narrow=True,
        input_labels=["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"])))
    return out


CASES = cases()


MISSING = "(missing)"


def differences(a, b, path=""):
    """The paths where two JSON trees differ, with both values (a key set to null differs from no key)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in differences(a.get(k, MISSING), b.get(k, MISSING), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [(path, str(a)[:120], str(b)[:120])]


@pytest.mark.parametrize("build", [b for _, b in CASES], ids=[n for n, _ in CASES])
def test_every_playground_figure_passes_plotlys_schema_and_sends_the_same_json(build):
    fast, checked = both(build)
    assert differences(sent(fast), sent(checked)) == []


def test_a_bad_property_is_caught_when_validating():
    """The check the tests rely on is real: an unknown property raises with validation on, not without."""
    plain.figure([dict(type="scatter", x=[1], colour="red")], {})
    plain.VALIDATE = True
    try:
        with pytest.raises(ValueError, match="colour"):
            plain.figure([dict(type="scatter", x=[1], colour="red")], {})
    finally:
        plain.VALIDATE = False


def test_the_divergence_case_really_diverges():
    """The curves case above covers the red rise and the step marker only if that run diverged."""
    run = new_run(PlaygroundSettings(dataset="plane", n_samples=100, hidden=(4, 2), activation="relu", init_gain=10.0,
                                     lr=10.0))
    run.trainer.run(steps=60)
    assert run.trainer.divergence is not None


def test_arrays_go_out_as_plotlys_own_encoder_writes_them():
    """``plain`` encodes numpy arrays itself (plotly's walk was most of the send): the same typed arrays for
    every dtype plotly.js knows, int64 narrowed as plotly narrows it, other arrays and skipped keys as they are."""
    import copy

    from _plotly_utils.utils import convert_to_base64
    rng = np.random.default_rng(0)
    tree = {"a": rng.normal(size=7), "b": rng.normal(size=(3, 4)).astype(np.float32),
            "c": np.arange(5, dtype=np.int64), "d": np.array([0, 40_000], dtype=np.int64),
            "e": np.array([0, 2 ** 40], dtype=np.int64), "f": np.array(["L1:N0", "L1:N1"])[:, None],
            "g": np.zeros(0), "range": np.array([0.0, 1.0]), "h": [{"z": rng.normal(size=(2, 2))[:, ::-1]}],
            "i": (np.arange(3, dtype=np.uint8), "text"), "j": np.array([True, False])}
    theirs = copy.deepcopy(tree)
    convert_to_base64(theirs)
    ours = plain._sent(tree)
    assert json.dumps(ours, default=lambda v: v.tolist(), sort_keys=True) == \
        json.dumps(theirs, default=lambda v: v.tolist(), sort_keys=True)


def test_a_plain_figure_changed_as_a_plotly_figure_sends_the_change():
    """Whoever reads or changes a builder's figure as a go.Figure (update_layout, a trace's text) gets what
    a go.Figure gives, and the change is what st.plotly_chart sends."""
    fig = plain.figure([dict(type="scatter", x=np.arange(3), y=np.ones(3), name="a")], dict(height=300))
    assert fig.data[0].name == "a" and fig.layout.height == 300
    fig.update_layout(height=None, title=dict(text="changed"))
    fig.data[0].name = "b"
    out = sent(fig)
    assert out["layout"].get("height") is None and out["layout"]["title"]["text"] == "changed"   # unset
    assert out["data"][0]["name"] == "b" and out["layout"]["template"] == plain.default_template()
