"""Playground figures: what is drawn is the network's own output, cell for cell."""
import json

import numpy as np
import pytest

from components.playground.figures import (GRID, boundary_figure, curves_figure, neuron_figure, neuron_maps,
                                           plane_grid, thumbnails_figure)
from components.playground.settings import PlaygroundSettings, new_run
from tests.helpers import assert_close


def trained(dataset="circles", **kw):
    run = new_run(PlaygroundSettings(dataset=dataset, n_samples=100, **kw))
    run.trainer.run(steps=30)
    return run


def test_plane_grid_covers_the_extent_row_major():
    xs, ys, P = plane_grid((-6, 6, -3, 3), 5)
    assert P.shape == (25, 2) and xs[0] == -6 and xs[-1] == 6 and ys[-1] == 3
    assert tuple(P[1]) == (xs[1], ys[0]) and tuple(P[5]) == (xs[0], ys[1]), "x₁ varies fastest"


def test_neuron_maps_are_the_forward_pass_on_the_features():
    run = trained(features=("x1", "x2", "x1x2"), hidden=(3,))
    xs, ys, P = plane_grid(run.dataset.extent, 7)
    maps = neuron_maps(run.net, run.settings.features, P)
    assert [m.shape for m in maps] == [(49, 3), (49, 3), (49, 1)]
    assert_close("input map x₁x₂", maps[0][:, 2], P[:, 0] * P[:, 1])
    assert_close("output map", maps[-1], run.net.predict(np.column_stack([P, P[:, 0] * P[:, 1]])))


def test_binary_boundary_heatmap_is_the_predicted_probability_with_the_half_line_and_points():
    run = trained()
    xs, ys, P = plane_grid(run.dataset.extent)
    out = neuron_maps(run.net, run.settings.features, P)[-1]
    fig = boundary_figure(run.dataset, xs, ys, out)
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (GRID, GRID)
    assert_close("heatmap = ŷ", np.asarray(heat.z), out[:, 0].reshape(GRID, GRID))
    names = [t.name for t in fig.data]
    assert {"class 0 (train)", "class 1 (train)", "class 0 (test)", "class 1 (test)"} <= set(names)
    assert heat.colorbar.title.text == "ŷ = P(class 1)" and heat.zmin == 0 and heat.zmax == 1
    assert any(t.type == "contour" and t.contours.start == 0.5 for t in fig.data), "the ŷ = 0.5 line is drawn"
    train0 = next(t for t in fig.data if t.name == "class 0 (train)")
    mask = run.dataset.y_train == 0
    assert_close("class 0 x₁", train0.x, run.dataset.X_train[mask, 0])
    assert train0.marker.symbol != next(t for t in fig.data if t.name == "class 1 (train)").marker.symbol, \
        "classes differ by symbol too, not by colour alone"
    hidden_test = boundary_figure(run.dataset, xs, ys, out, show_test=False)
    assert not any("(test)" in (t.name or "") for t in hidden_test.data)


def test_discretised_binary_output_has_two_levels():
    run = trained()
    xs, ys, P = plane_grid(run.dataset.extent)
    out = neuron_maps(run.net, run.settings.features, P)[-1]
    z = np.asarray(boundary_figure(run.dataset, xs, ys, out, discretize=True).data[0].z)
    assert set(np.unique(z)) <= {0.15, 0.85}
    assert np.array_equal(z > 0.5, out[:, 0].reshape(GRID, GRID) > 0.5)


def test_multiclass_boundary_colours_the_argmax_class():
    run = trained("blobs", n_classes=4)
    xs, ys, P = plane_grid(run.dataset.extent, 20)
    out = neuron_maps(run.net, run.settings.features, P)[-1]
    heat = boundary_figure(run.dataset, xs, ys, out).data[0]
    cls = np.floor(np.asarray(heat.z) * 4).astype(int)
    assert np.array_equal(cls.ravel(), np.argmax(out, axis=1))
    assert list(heat.colorbar.ticktext) == ["class 0", "class 1", "class 2", "class 3"]


def test_regression_surface_is_centred_on_zero():
    run = trained("sine")
    xs, ys, P = plane_grid(run.dataset.extent, 20)
    out = neuron_maps(run.net, run.settings.features, P)[-1]
    heat = boundary_figure(run.dataset, xs, ys, out).data[0]
    assert heat.zmin == -heat.zmax and heat.zmax > 0
    assert_close("surface", np.asarray(heat.z), out[:, 0].reshape(20, 20))


def test_overflowed_output_is_shown_as_a_message_not_gaps():
    run = trained()
    xs, ys, P = plane_grid(run.dataset.extent, 10)
    out = np.full((100, 1), np.nan)
    fig = boundary_figure(run.dataset, xs, ys, out)
    assert np.isfinite(np.asarray(fig.data[0].z)).all()
    assert any("overflowed" in a.text for a in fig.layout.annotations)


def test_curves_have_train_and_test_loss_on_a_log_axis_and_accuracy():
    run = trained()
    run.trainer.run(steps=200)
    fig = curves_figure(run.trainer.curve, "binary", current_epoch=2.0)
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"train loss", "test loss", "train accuracy", "test accuracy"}
    assert fig.layout.yaxis.type == "log" and fig.layout.hovermode == "x unified"
    assert_close("train loss", by_name["train loss"].y, [p.train_loss for p in run.trainer.curve])
    assert_close("test accuracy %", by_name["test accuracy"].y, [100 * p.test_acc for p in run.trainer.curve])
    assert by_name["test loss"].line.dash != by_name["train loss"].line.dash
    reg = trained("plane")
    assert {t.name for t in curves_figure(reg.trainer.curve, "regression").data} == {"train loss", "test loss"}


def test_curves_right_after_a_reset_or_csv_upload_have_sensible_axes():
    """One curve point (epoch 0): the x axis runs 0 … 1 epoch, the log axis ± half a decade around the loss
    (it was left to plotly's autorange around a single point)."""
    run = new_run(PlaygroundSettings())
    (point,) = run.trainer.curve
    fig = curves_figure(run.trainer.curve, "binary")
    assert tuple(fig.layout.xaxis.range) == (-0.02, 1.02)
    lo, hi = fig.layout.yaxis.range
    assert_close("log axis centre", (lo + hi) / 2, np.log10(point.train_loss) if point.test_loss is None else
                 (np.log10(min(point.train_loss, point.test_loss)) + np.log10(max(point.train_loss, point.test_loss))) / 2)
    assert hi - lo >= 1.0


def test_curves_follow_a_loss_that_spans_decades_and_mark_the_diverging_step():
    run = new_run(PlaygroundSettings(dataset="plane", activation="relu", init_gain=10.0, lr=10.0))
    t = run.trainer
    t.run(steps=100)
    d = t.divergence
    steps, epochs, losses = t.history.losses()
    fig = curves_figure(t.curve, "regression", steps=(epochs, losses), divergence=d, steps_per_epoch=t.steps_per_epoch)
    lo, hi = fig.layout.yaxis.range
    assert fig.layout.yaxis.type == "log" and hi >= np.log10(d.loss) and lo <= np.log10(d.healthy_loss)
    (rise,) = [tr for tr in fig.data if tr.name == "diverging (undone)"]
    assert_close("rise", rise.y, [v for _, v in d.rise])
    assert any(f"diverging: step {d.step:,}" in a.text for a in fig.layout.annotations)


def test_thumbnails_show_every_neuron_on_its_own_scale_and_carry_node_ids():
    run = trained(hidden=(4, 2))
    xs, ys, P = plane_grid(run.dataset.extent)
    maps = neuron_maps(run.net, run.settings.features, P)
    labels = [f"n{i}" for i in range(sum(run.net.sizes))]
    fig = thumbnails_figure(maps, labels, run.net.sizes, selected="L1:N2")
    heat = fig.data[0]
    targets = next(t for t in fig.data if t.name == "neurons")
    assert list(next(t for t in fig.data if t.name == "labels").text[:9]) == labels, "every tile is named"
    ids = [c[0] for c in targets.customdata]
    assert ids == ["L0:N0", "L0:N1", "L1:N0", "L1:N1", "L1:N2", "L1:N3", "L2:N0", "L2:N1", "L3:N0"]
    z = np.asarray(heat.z, dtype=float)
    assert np.nanmax(np.abs(z)) <= 1.0 + 1e-12
    # the tile of L1:N2 is that neuron's map, every 2nd grid point, divided by its max |a|
    a = maps[1][:, 2].reshape(GRID, GRID)[::2, ::2]
    x, y = targets.x[4], targets.y[4]
    T = a.shape[0]
    tile = z[int(y - (T - 1) / 2):int(y - (T - 1) / 2) + T, int(x - (T - 1) / 2):int(x - (T - 1) / 2) + T]
    # sent as float32 (half the bytes): exactly the float32 rounding of the engine's value
    assert np.array_equal(tile, np.clip(a / np.max(np.abs(a)), -1, 1).astype(np.float32).astype(float))
    raw = np.asarray(heat.customdata, dtype=float)[int(y - (T - 1) / 2):int(y - (T - 1) / 2) + T,
                                                   int(x - (T - 1) / 2):int(x - (T - 1) / 2) + T]
    assert np.array_equal(raw, a.astype(np.float32).astype(float)), "hover: a itself"
    assert len(fig.layout.shapes) == 1, "the selected neuron is framed"


def test_neuron_figure_is_that_neurons_map():
    run = trained()
    xs, ys, P = plane_grid(run.dataset.extent)
    maps = neuron_maps(run.net, run.settings.features, P)
    fig = neuron_figure(maps, "L2:N1", "h²₂", xs, ys, run.dataset)
    assert_close("a of h²₂", np.asarray(fig.data[0].z), maps[2][:, 1].reshape(GRID, GRID))
    assert "h²₂" in fig.layout.title.text
    json.loads(fig.to_json())


def test_neuron_hover_writes_huge_values_whole():
    run = trained()
    xs, ys, P = plane_grid(run.dataset.extent)
    maps = [m * 1e216 for m in neuron_maps(run.net, run.settings.features, P)]
    fig = neuron_figure(maps, "L2:N1", "h²₂", xs, ys, run.dataset)
    texts = np.asarray(fig.data[0].customdata).ravel()
    assert "%{customdata}" in fig.data[0].hovertemplate
    assert all("e+" not in t for t in texts) and any("·10²¹⁶" in t or "·10²¹⁵" in t for t in texts)
