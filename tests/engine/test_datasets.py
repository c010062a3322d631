"""Datasets: seeded, split as asked, labels as documented; user CSV parsed or refused with the line."""
import numpy as np
import pytest

from engine.datasets import (CSV_MAX_BYTES, CSV_MAX_ROWS, DATASETS, MAX_SAMPLES, PLANE, make_dataset, parse_csv,
                             split)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_seed_same_points_other_seed_other_points(name):
    a = make_dataset(name, n_samples=100, noise=0.2, seed=3)
    b = make_dataset(name, n_samples=100, noise=0.2, seed=3)
    c = make_dataset(name, n_samples=100, noise=0.2, seed=4)
    for field in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_split_sizes_shapes_and_labels(name):
    d = make_dataset(name, n_samples=200, test_ratio=0.3, seed=1)
    assert d.X_train.shape == (140, 2) and d.X_test.shape == (60, 2)
    assert d.y_train.shape == (140,) and d.y_test.shape == (60,)
    assert d.task == DATASETS[name].task
    y = np.concatenate([d.y_train, d.y_test])
    if d.task == "regression":
        assert d.n_classes == 1 and y.dtype == np.float64
    else:
        assert y.dtype == np.int64
        assert set(np.unique(y)) == set(range(d.n_classes)), "every class present"
    X = np.concatenate([d.X_train, d.X_test])
    assert np.all((X >= PLANE[0]) & (X <= PLANE[1])), "noise-free points lie in the plane"


def test_noise_moves_points_but_keeps_labels():
    clean = make_dataset("circles", n_samples=300, noise=0.0, seed=5)
    noisy = make_dataset("circles", n_samples=300, noise=0.5, seed=5)
    assert np.array_equal(clean.y_train, noisy.y_train)
    assert not np.allclose(clean.X_train, noisy.X_train)


def test_labels_follow_their_rule_without_noise():
    d = make_dataset("xor", n_samples=400, seed=0)
    assert np.array_equal(d.y_train, (d.X_train[:, 0] * d.X_train[:, 1] > 0).astype(int))
    c = make_dataset("circles", n_samples=400, seed=0)
    r = np.hypot(*c.X_train.T)
    assert np.all(r[c.y_train == 1] <= 2.5) and np.all(r[c.y_train == 0] >= 3.5)
    p = make_dataset("plane", n_samples=100, seed=0)
    np.testing.assert_allclose(p.y_train, p.X_train.sum(axis=1) / 10)


@pytest.mark.parametrize("k", [3, 4, 6])
def test_blobs_has_the_asked_number_of_classes(k):
    d = make_dataset("blobs", n_samples=120, n_classes=k, seed=0)
    assert d.task == "multiclass" and d.n_classes == k == d.n_outputs
    assert set(np.unique(d.y_train)) == set(range(k))


@pytest.mark.parametrize("kwargs, argument", [
    (dict(name="nope"), "name"), (dict(n_samples=5), "n_samples"), (dict(n_samples=MAX_SAMPLES + 1), "n_samples"),
    (dict(noise=-0.1), "noise"), (dict(noise=1.5), "noise"), (dict(test_ratio=1.0), "test_ratio"),
    (dict(name="blobs", n_classes=2), "n_classes")])
def test_bad_arguments_name_the_argument(kwargs, argument):
    kwargs = {"name": "xor", **kwargs}
    with pytest.raises(ValueError, match=f"^{argument}:"):
        make_dataset(**kwargs)


def test_split_is_a_seeded_permutation():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    Xa, ya, Xb, yb = split(X, y, 0.4, seed=2)
    assert len(ya) == 6 and len(yb) == 4
    assert sorted(np.concatenate([ya, yb])) == list(range(10))
    assert np.array_equal(Xa[:, 0] / 2, ya)


# ---------------------------------------------------------------- CSV
def _csv(rows, header="x1,x2,label\n"):
    return header + "".join(f"{a},{b},{c}\n" for a, b, c in rows)


def test_csv_binary_with_header_and_comments():
    rows = [(i * 0.5, -i * 0.25, i % 2) for i in range(12)]
    d = parse_csv("# my points\n" + _csv(rows), test_ratio=0.25, seed=0)
    assert d.task == "binary" and d.n_classes == 2 and d.name == "csv"
    assert len(d.y_train) == 9 and len(d.y_test) == 3
    got = sorted(zip(*np.concatenate([d.X_train, d.X_test]).T, np.concatenate([d.y_train, d.y_test])))
    assert got == sorted(rows)


def test_csv_multiclass_regression_and_separators():
    multi = parse_csv(_csv([(i, i, i % 3) for i in range(12)], header=""))
    assert multi.task == "multiclass" and multi.n_classes == 3
    reg = parse_csv("\n".join(f"{i};{-i};{i / 7}" for i in range(12)).encode())
    assert reg.task == "regression" and reg.y_train.dtype == np.float64
    tab = parse_csv("\n".join(f"{i}\t{-i}\t{i % 2}" for i in range(12)))
    assert tab.task == "binary"


def test_csv_points_outside_the_plane_widen_the_view():
    d = parse_csv(_csv([(i * 2.0, -i, i % 2) for i in range(12)]))
    x_min, x_max, y_min, y_max = d.extent
    assert x_min < -6 and x_max > 22


@pytest.mark.parametrize("text, message", [
    (_csv([(1, 2, 0)] * 11) + "3,4\n", r"^line 13: expected 3 values \(x1, x2, label\), got 2"),
    (_csv([(1, 2, 0)] * 11) + "3,abc,1\n", r"^line 13, column x2: expected a number, got 'abc'"),
    (_csv([(1, 2, 0)] * 11) + "3,4,nan\n", r"^line 13, column label: expected a finite number"),
    (_csv([(1, 2, 0)] * 11) + "1e9,4,1\n", r"^line 13, column x1: expected a value within"),
    (_csv([(1, 2, 0)] * 3), r"^file: expected at least 10 points .* got 3"),
    (_csv([(1, 2, i % 2) for i in range(CSV_MAX_ROWS + 1)]), rf"^line {CSV_MAX_ROWS + 2}: expected at most"),
    (b"1,2,0\n" * (CSV_MAX_BYTES // 6 + 1), r"^file: expected at most"),
    (b"\xff\xfe1,2,3", r"^file: expected UTF-8 text"),
    ("", r"^file: expected at least 10 points"),
])
def test_bad_csv_names_line_and_column(text, message):
    with pytest.raises(ValueError, match=message):
        parse_csv(text)
