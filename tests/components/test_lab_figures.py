"""The lab's figure builders: pure functions of the engine's diagnostics, checked on their data."""
import base64

import numpy as np
import pytest

from components.lab import figures as figs
from engine.diagnostics import EXPLODING_ABOVE, VANISHING_BELOW, format_sci, histograms
from engine.lab import PRESETS, LabRun, LabSettings, analyse, pin


def values(v):
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return arr.reshape([int(n) for n in str(v.get("shape", len(arr))).split(",")])
    return np.array([np.nan if x is None else x for x in v], dtype=float)


@pytest.fixture(scope="module")
def vanishing():
    return analyse(PRESETS["Deep sigmoid network — vanishing"].settings)


def test_profile_plots_both_measures_on_a_log_axis_with_named_bands(vanishing):
    p, d = vanishing
    fig = figs.gradient_profile_figure(d).to_plotly_json()
    by_name = {t["name"]: t for t in fig["data"]}
    np.testing.assert_allclose(values(by_name["‖∂L/∂W_l‖"]["y"]), d.grad_norm)
    np.testing.assert_allclose(values(by_name["mean |δ_l|, δ = ∂L/∂z"]["y"]), d.delta_mean)
    assert by_name["‖∂L/∂W_l‖"]["line"]["dash"] != by_name["mean |δ_l|, δ = ∂L/∂z"]["line"].get("dash", "solid")
    assert fig["layout"]["yaxis"]["type"] == "log"
    rects = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    ref = d.delta_mean[d.reference]
    assert any(np.isclose(s["y1"], ref * VANISHING_BELOW) for s in rects)
    assert any(np.isclose(s["y0"], ref * EXPLODING_ABOVE) for s in rects)
    texts = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert "vanishing" in texts and "exploding" in texts
    # the labels name the bands (short enough for a phone's chart); the hover card and the caption give the rule
    cards = {a["text"]: a.get("hovertext", "") for a in fig["layout"]["annotations"]}
    layer = f"layer {d.reference + 1}'s"
    assert cards["vanishing"] == f"vanishing: mean |δ| < {format_sci(VANISHING_BELOW)} × {layer}"
    assert cards["exploding"] == f"exploding: mean |δ| > {format_sci(EXPLODING_ABOVE)} × {layer}"
    assert figs.band_rule(d.reference + 1) == f"Shaded bands — {cards['vanishing']}; {cards['exploding']}."


def test_layer_axis_numbers_every_layer_up_to_ten_then_lets_plotly_space_whole_numbers():
    few = figs._layer_axis(10)
    assert few["tickmode"] == "array" and few["tickvals"] == list(range(1, 11))
    many = figs._layer_axis(20)
    assert many["tickmode"] == "auto" and many["tickformat"] == "d" and "tickvals" not in many
    assert many["range"] == [0.5, 20.5]


def test_profile_of_a_diverged_pass_draws_gaps_and_says_where():
    run = LabRun(LabSettings(depth=50, activation="linear", init="he_normal", init_gain=100.0))
    p, d = run.inspect()
    assert not d.finite
    fig = figs.gradient_profile_figure(d).to_plotly_json()
    assert any(f"overflow in {d.divergence.text()}" in a["text"] for a in fig["layout"]["annotations"])


def test_a_diverged_run_is_shown_at_its_last_healthy_weights_and_the_rise_is_drawn_on_the_loss_curve():
    run = LabRun(PRESETS["Clipping tames an explosion"].settings.with_(clip_norm=None))
    run.advance(100)
    dv = run.divergence
    assert dv is not None and run.step == dv.healthy_step
    p, d = run.inspect()
    assert d.finite, "the profile and the verdict are those of the healthy weights"
    fig = figs.loss_figure(run.losses, dv).to_plotly_json()
    (rise,) = [t for t in fig["data"] if t["name"] == "diverging (undone)"]
    assert list(rise["x"])[-1] == dv.step and fig["layout"]["yaxis"]["type"] == "log"
    assert any(f"diverging (step {dv.step})" in a["text"] for a in fig["layout"]["annotations"])


def test_forward_stats_show_mean_spread_derivative_and_unit_fractions():
    p, d = analyse(LabSettings(depth=6, width=8, activation="tanh", init_gain=4.0))
    fig = figs.forward_stats_figure(d).to_plotly_json()
    scatter = [t for t in fig["data"] if t["type"] == "scatter"]
    np.testing.assert_allclose(values(scatter[0]["y"]), d.a_mean)
    np.testing.assert_allclose(values(scatter[0]["error_y"]["array"]), d.a_std)
    np.testing.assert_allclose(values(scatter[1]["y"]), d.fprime_mean)
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert len(bars) == 1 and bars[0]["name"].startswith("saturated")
    np.testing.assert_allclose(values(bars[0]["y"])[:-1], 100 * d.saturated[:-1])


def test_histograms_grid_samples_at_most_twelve_layers_evenly():
    assert figs.panel_layers(5) == [1, 2, 3, 4, 5]
    layers = figs.panel_layers(51)
    assert len(layers) == 12 and layers[0] == 1 and layers[-1] == 51
    p, d = analyse(LabSettings(depth=30, width=8))
    fig = figs.small_multiples_figure(histograms(p, "delta")).to_plotly_json()
    assert len(fig["data"]) == 12 and "12 of 31 layers" in fig["layout"]["title"]["text"]
    one = figs.histogram_figure(histograms(p, "a"), 4).to_plotly_json()
    assert values(one["data"][0]["y"]).sum() == p.a[4].size


def test_aggregated_graph_has_one_node_per_layer_and_says_it_is_aggregated(vanishing):
    p, d = vanishing
    fig = figs.aggregated_graph_figure(d).to_plotly_json()
    layers = next(t for t in fig["data"] if t.get("name") == "layers")
    assert len(layers["customdata"]) == d.n_layers + 1
    weights = next(t for t in fig["data"] if t.get("name") == "weights")
    assert [c[0] for c in weights["customdata"]] == [f"W{l}" for l in range(d.n_layers)]
    assert len(fig["layout"]["shapes"]) == d.n_layers
    assert "Aggregated view" in fig["layout"]["annotations"][0]["text"]
    # dark = vanishing: the first weight matrix gets the darkest colour of the viridis scale
    assert fig["layout"]["shapes"][0]["line"]["color"] != fig["layout"]["shapes"][-1]["line"]["color"]


def test_heatmap_is_log_norm_over_layer_and_step_with_the_divergence_marked():
    s = PRESETS["Clipping tames an explosion"].settings.with_(clip_norm=None)
    run = LabRun(s)
    run.advance(s.steps)
    fig = figs.heatmap_figure(run.history(), run.divergence).to_plotly_json()
    z = values(fig["data"][0]["z"])
    assert z.shape == (s.depth + 1, run.step)
    finite = np.isfinite(run.history().T)
    np.testing.assert_allclose(z[finite], np.log10(run.history().T[finite]))
    marker = fig["data"][1]
    assert marker["x"] == [run.divergence.step] and marker["y"] == [run.divergence.layer]


def test_loss_curve_marks_divergence():
    fig = figs.loss_figure([1.0, 0.5, float("inf")], LabRun(LabSettings()).divergence).to_plotly_json()
    assert list(values(fig["data"][0]["y"])[:2]) == [1.0, 0.5] and np.isnan(values(fig["data"][0]["y"])[2])


def test_overlay_distinguishes_runs_by_dash_and_symbol_not_colour_alone():
    runs = []
    for act, init in (("sigmoid", "xavier_normal"), ("relu", "he_normal"), ("tanh", "xavier_normal")):
        s = LabSettings(depth=10, activation=act, init=init)
        runs.append(pin(act, s, analyse(s)[1]))
    fig = figs.overlay_figure(runs).to_plotly_json()
    lines = [t for t in fig["data"] if t.get("name")]
    assert [t["name"] for t in lines] == ["sigmoid", "relu", "tanh"]
    assert len({t["line"]["dash"] for t in lines}) == 3 and len({t["marker"]["symbol"] for t in lines}) == 3
    np.testing.assert_allclose(values(lines[1]["y"]), runs[1].delta_ratio)


def test_exact_zeros_are_marked_on_a_floor_strip_not_dropped():
    p, d = analyse(PRESETS["Zero init — symmetric neurons never differ"].settings)
    fig = figs.gradient_profile_figure(d).to_plotly_json()
    zeros = next(t for t in fig["data"] if t["name"].startswith("exactly 0"))
    assert list(zeros["x"]) == [1, 2] and list(zeros["text"]) == ["0", "0"]
    lo = fig["layout"]["yaxis"]["range"][0]
    assert all(lo < np.log10(y) < lo + 0.5 for y in zeros["y"])


def test_grid_domains_stay_inside_the_unit_interval():
    """Row heights summed in floating point ended at -5.6e-17 for some depths: plotly refused the figure."""
    from components.lab.figures import _grid
    for rows in range(1, 5):            # small multiples: at most MAX_PANELS = 12 panels, 3 rows of 4
        for cols in range(1, 5):
            layout = _grid(rows, cols, [])
            for name, axis in layout.items():
                if name.startswith(("xaxis", "yaxis")):
                    lo, hi = axis["domain"]
                    assert 0.0 <= lo <= hi <= 1.0, (rows, cols, name, axis["domain"])
