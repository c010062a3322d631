"""The shared two-variable contour: colour bar always, log scale over ≥ 3 decades, the point, the gradient
arrow in the gradient's direction, its components and length in words, an optional path."""
import math

import numpy as np
import pytest

from components.drawing.contour import contour_figure, gradient_caption, wants_log


def grid(f, x=(-1.0, 3.0), y=(0.0, 4.0), n=41):
    xs, ys = np.linspace(*x, n), np.linspace(*y, n)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, f(X, Y)


def figure(Z_fn=lambda X, Y: X ** 2 + Y ** 2 + 1.0, **kw):
    xs, ys, Z = grid(Z_fn)
    args = dict(point=(1.0, 2.0), gradient=(10.0, 6.0), x_label="x", y_label="y", z_label="f")
    args.update(kw)
    return contour_figure(xs, ys, Z, **args)


def test_caption_gives_components_and_length():
    text = gradient_caption((10.0, 6.0), "x", "y", "f")
    assert "(10, 6)" in text and "√(10² + 6²) = 11.66" in text
    assert f"{math.hypot(10, 6):.4g}" == "11.66"
    assert "(−3)²" in gradient_caption((-3.0, 4.0), "x", "y", "f")


def test_colour_bar_always_and_linear_for_a_small_range():
    fig = figure()
    contour = fig.data[0]
    assert contour.type == "contour" and contour.colorbar.title.text == "f"
    assert fig.layout.meta["log_scale"] is False


def test_log_scale_when_positive_values_span_three_decades():
    xs, ys, Z = grid(lambda X, Y: np.exp(3 * X))           # e^-3 … e^9: about 5 decades
    assert wants_log(Z)
    fig = contour_figure(xs, ys, Z, point=(1, 2), gradient=(1, 0), x_label="x", y_label="y", z_label="f")
    c = fig.data[0]
    assert fig.layout.meta["log_scale"] is True and "log" in c.colorbar.title.text
    np.testing.assert_allclose(np.asarray(c.z), np.log10(Z))
    assert all(t.startswith("10") or t == "1" for t in c.colorbar.ticktext)
    assert not wants_log(Z - 1.0), "a sign cannot be shown on a log scale"
    assert not wants_log(Z, log_scale=False) and wants_log(np.ones((2, 2)), log_scale=True)


def test_point_and_arrow_point_along_the_gradient():
    fig = figure(gradient=(10.0, 6.0))
    point = [t for t in fig.data if t.name == "the point"][0]
    assert (point.x[0], point.y[0]) == (1.0, 2.0)
    arrow = [a for a in fig.layout.annotations if a.showarrow][0]
    assert (arrow.ax, arrow.ay) == (1.0, 2.0)
    direction = np.array([arrow.x - 1.0, arrow.y - 2.0])
    np.testing.assert_allclose(direction / np.linalg.norm(direction), np.array([10, 6]) / math.hypot(10, 6))
    assert fig.layout.meta["gradient_length"] == pytest.approx(11.661903789690601)
    assert any("|∇f| = √(10² + 6²) = 11.66" in (a.text or "") for a in fig.layout.annotations)


def test_flat_point_has_no_arrow_and_says_so():
    fig = figure(gradient=(0.0, 0.0))
    assert not any(a.showarrow for a in fig.layout.annotations)
    assert any("flat point" in (a.text or "") for a in fig.layout.annotations)


def test_path_is_a_line_with_markers_and_nan_is_left_blank():
    xs, ys, Z = grid(lambda X, Y: np.log(X))                # undefined for x ≤ 0
    fig = contour_figure(xs, ys, Z, point=(1, 2), gradient=(1, 0), x_label="x", y_label="y", z_label="f",
                         path=[(1, 2), (0.5, 1.5), (0.2, 1.0)])
    path = [t for t in fig.data if t.name == "path"][0]
    assert path.mode == "lines+markers" and list(path.x) == [1, 0.5, 0.2]
    assert np.isnan(np.asarray(fig.data[0].z, dtype=float)).any()


def test_wrong_shape_is_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"Z: expected shape .* \(3, 2\)"):
        contour_figure([0, 1], [0, 1, 2], np.zeros((2, 3)), point=(0, 0), gradient=(1, 1),
                       x_label="x", y_label="y", z_label="f")


def test_several_named_paths_differ_by_dash_and_marker_and_descent_arrow_points_downhill():
    fig = figure(gradient=(10.0, 6.0), descent=True,
                 paths={"SGD": [(1, 2), (0.5, 1.5)], "momentum": [(1, 2), (0.4, 1.0)], "Adam": [(1, 2), (0.9, 1.9)]})
    traces = {t.name: t for t in fig.data if t.type == "scatter" and t.name != "the point"}
    assert list(traces) == ["SGD", "momentum", "Adam"] and fig.layout.showlegend
    styles = {(t.line.dash, t.marker.symbol) for t in traces.values()}
    assert len(styles) == 3, "paths are told apart by dash and marker shape, not colour alone"
    assert ("solid", "circle") not in styles, "the first style is kept for the primary path"
    arrow = [a for a in fig.layout.annotations if a.showarrow][0]
    direction = np.array([arrow.x - 1.0, arrow.y - 2.0])
    np.testing.assert_allclose(direction / np.linalg.norm(direction), -np.array([10, 6]) / math.hypot(10, 6))
    texts = " ".join(a.text or "" for a in fig.layout.annotations)
    assert "−∇f" in texts and "(−10, −6)" in texts and fig.layout.meta["descent"] is True


def test_primary_path_keeps_its_style_and_name_and_axes_can_share_one_scale():
    fig = figure(path=[(1, 2), (0.5, 1.5)], path_name="applied", paths={"SGD": [(1, 2), (0, 0)]}, equal_axes=True)
    traces = {t.name: t for t in fig.data if t.type == "scatter"}
    assert (traces["applied"].line.dash, traces["applied"].marker.symbol) == ("solid", "circle")
    assert traces["SGD"].line.dash != "solid"
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert figure().layout.yaxis.scaleanchor is None
