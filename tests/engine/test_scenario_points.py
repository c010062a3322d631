"""Uploaded CSV points in a playground scenario (``data.points``): exact round trips, one clear error
per bad field, the CSV limits, and links that refuse to carry points."""
import copy

import numpy as np
import pytest

from engine.datasets import CSV_MAX_ROWS, parse_csv
from engine.features import transform
from engine.scenario import MAX_FILE_BYTES, Points, Scenario, from_query, to_query

SPLIT = ("X_train", "y_train", "X_test", "y_test")


def csv_text(n, label, seed=0, scale=8.0):
    """n points of the CSV format, coordinates with all 17 significant digits (``repr``)."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-scale, scale, (n, 2))
    rows = [f"{float(a)!r},{float(b)!r},{label(i, rng)!r}" for i, (a, b) in enumerate(points)]
    return "x1,x2,label\n" + "\n".join(rows)


UPLOADS = {
    "binary": lambda i, rng: i % 2,
    "multiclass": lambda i, rng: i % 5,
    "regression": lambda i, rng: float(rng.normal(0.0, 3.0)),
}
OUTPUTS = {"binary": ("sigmoid", "bce", 1), "multiclass": ("softmax", "cross_entropy", 5),
           "regression": ("linear", "mse", 1)}


def scenario_of(d, features=("x1", "x2")):
    out, loss, n_out = OUTPUTS[d.task]
    return Scenario(page="playground").replace(sizes=(len(features), 3, n_out), activation="tanh",
                                               output_activation=out, loss=loss, dataset="csv",
                                               features=features, points=Points.from_dataset(d))


def assert_same_dataset(got, want):
    for name in SPLIT:
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and a.shape == b.shape, f"{name}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        assert np.array_equal(a, b), f"{name}: max |difference| {np.max(np.abs(a - b))}"
    assert (got.task, got.n_classes, got.extent, got.name) == (want.task, want.n_classes, want.extent, want.name)


# ---------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("task", list(UPLOADS))
@pytest.mark.parametrize("test_ratio", [0.0, 0.3])
def test_uploaded_points_survive_the_file_bit_for_bit(task, test_ratio):
    d = parse_csv(csv_text(150, UPLOADS[task]), test_ratio=test_ratio, seed=7)
    assert d.task == task
    s = scenario_of(d)
    again = Scenario.from_json(s.to_json().encode())
    assert again == s
    assert_same_dataset(again.points.to_dataset(), d)


@pytest.mark.parametrize("task", list(UPLOADS))
def test_scenario_inputs_are_the_uploaded_training_points_through_the_features(task):
    d = parse_csv(csv_text(40, UPLOADS[task]), test_ratio=0.25, seed=1)
    s = Scenario.from_json(scenario_of(d, ("x1", "x2", "x1x2")).to_json())
    X_train, Y_train, X_test, Y_test = s.dataset_arrays()
    assert np.array_equal(X_train, transform(d.X_train, ("x1", "x2", "x1x2")))
    assert np.array_equal(X_test, transform(d.X_test, ("x1", "x2", "x1x2")))
    if task == "multiclass":  # one-hot rows of the labels
        assert np.array_equal(Y_train.argmax(axis=1), d.y_train) and Y_train.shape == (len(d.y_train), 5)
    else:
        assert np.array_equal(Y_train[:, 0], d.y_train)
    assert np.array_equal(s.inputs()[0], X_train)
    r = s.to_network().backward(X_train, Y_train)
    assert np.isfinite(r.loss)


def test_extreme_floats_keep_every_bit():
    values = [-1000.0, 1000.0, -0.0, 5e-324, 2.2250738585072014e-308, 0.1 + 0.2, -123.45678901234568]
    rows = [(values[i % 7], values[(i + 3) % 7], v) for i, v in
            enumerate([1.7976931348623157e308, -5e-324, 0.1, 1e-300, -2.5, 3.0, 7.0, 8.0, 9.0, 10.0])]
    d = parse_csv("\n".join(f"{a!r},{b!r},{c!r}" for a, b, c in rows), test_ratio=0.2)
    again = Scenario.from_json(scenario_of(d).to_json()).points.to_dataset()
    assert_same_dataset(again, d)
    assert np.signbit(again.X_train).tolist() == np.signbit(d.X_train).tolist(), "−0.0 stays −0.0"


def test_two_thousand_points_fit_the_file_cap_with_room_to_spare():
    """Worst case: every number written with its longest shortest-repr (≈ 24 characters)."""
    long_x = -0.00012345678901234568  # 23 characters
    d = parse_csv("\n".join(f"{long_x!r},{long_x * (1 + i * 1e-9)!r},{-1.7976931348623157e308 + i * 1e292!r}"
                            for i in range(CSV_MAX_ROWS)), test_ratio=0.5)
    text = scenario_of(d).to_json()
    size = len(text.encode())
    assert size < MAX_FILE_BYTES / 2, f"{size:,} bytes"
    assert_same_dataset(Scenario.from_json(text.encode()).points.to_dataset(), d)


# ---------------------------------------------------------------------------- links
def test_a_link_cannot_carry_points_and_says_so():
    s = scenario_of(parse_csv(csv_text(20, UPLOADS["binary"])))
    with pytest.raises(ValueError, match="^data.points: a link cannot carry uploaded points; save the scenario "
                                         "file instead$"):
        to_query(s)


def test_a_link_naming_csv_data_keeps_its_dataset_and_says_why():
    s, notices = from_query({"v": "1", "p": "playground", "ds": "csv", "pts": "1,2,0", "lr": "0.3"})
    assert s.dataset is None and s.points is None and s.lr == 0.3
    assert len(notices) == 2 and all("a link cannot carry uploaded points" in n for n in notices)


# ---------------------------------------------------------------------------- one clear error
def good_doc():
    return scenario_of(parse_csv(csv_text(12, UPLOADS["binary"]), test_ratio=0.25)).to_dict()


def with_points(change):
    doc = good_doc()
    change(doc["data"]["points"])
    return doc


def put(*path_value):
    *path, value = path_value

    def change(p):
        for key in path[:-1]:
            p = p[key]
        p[path[-1]] = value
    return change


def drop(key):
    return lambda p: p.pop(key)


BAD_POINTS = [
    (put("task", "clustering"), "data.points.task: expected one of binary, multiclass, regression, got 'clustering'"),
    (drop("test"), "data.points.test: missing; uploaded points need it"),
    (put("colour", "red"), "data.points.colour: unknown field; expected task, n_classes, train, test"),
    (put("n_classes", 3), "data.points.n_classes: expected 2 for a binary task, got 3"),
    (lambda p: p.update(task="multiclass", n_classes=7),
     "data.points.n_classes: expected an integer from 3 to 6 for a multiclass task, got 7"),
    (lambda p: p.update(task="regression"), "data.points.n_classes: expected 1 for a regression task, got 2"),
    (put("train", "x", [[1.0, 2.0]] * 3), "data.points.train.y: expected a list of 3 labels (one per point of "
                                         "data.points.train.x), got '9 labels'"),
    (put("train", "x", 0, [1.0]), "data.points.train.x[0]: expected a point [x1, x2], got [1.0]"),
    (put("train", "x", 2, [1.0, 1000.5]), "data.points.train.x[2][1]: expected a finite number in [-1000, 1000], "
                                          "got 1000.5"),
    (put("test", "x", 0, ["1", 2.0]), "data.points.test.x[0][0]: expected a finite number"),
    (put("train", "y", 4, 2), "data.points.train.y[4]: expected a class label: an integer from 0 to 1, got 2"),
    (put("train", "y", 4, 0.5), "data.points.train.y[4]: expected a class label: an integer from 0 to 1, got 0.5"),
    (put("test", "y", 0, True), "data.points.test.y[0]: expected a class label"),
    (lambda p: p.update(task="regression", n_classes=1, train=dict(p["train"], y=["a"] * 9)),
     "data.points.train.y[0]: expected a finite number (a regression target), got 'a'"),
    (put("train", {"x": [], "y": []}), "data.points.train.x: expected at least 1 point"),
    (put("train", "x", [[0.0, 0.0]] * 3000), "data.points.train.x: expected a list of at most 2,000 points"),
    (lambda p: p.update(train={"x": p["train"]["x"][:5], "y": p["train"]["y"][:5]}),
     "data.points: expected 10 to 2,000 points (train + test), got 8"),
    (put("train", [1, 2]), "data.points.train: expected an object {x, y} (a split)"),
]


@pytest.mark.parametrize("change,message", BAD_POINTS, ids=[m.split(":")[0] + ":" + m.split(": ")[1][:30]
                                                            for _, m in BAD_POINTS])
def test_bad_points_give_one_error_naming_the_field(change, message):
    with pytest.raises(ValueError) as e:
        Scenario.from_dict(with_points(change))
    assert message in str(e.value) and "\n" not in str(e.value)


def test_too_many_points_in_train_and_test_together():
    d = parse_csv(csv_text(CSV_MAX_ROWS, UPLOADS["binary"]), test_ratio=0.5)
    doc = scenario_of(d).to_dict()
    doc["data"]["points"]["test"]["x"].append([0.0, 0.0])
    doc["data"]["points"]["test"]["y"].append(1)
    with pytest.raises(ValueError, match="^data.points: expected 10 to 2,000 points \\(train \\+ test\\), got 2,001$"):
        Scenario.from_dict(doc)


@pytest.mark.parametrize("change,message", [
    (lambda d: d["data"].update(points=None), 'data.dataset: "csv" means uploaded points; expected them in '
                                              'data.points, got null'),
    (lambda d: d["data"].update(dataset="xor"), 'data.points: uploaded points go with dataset "csv"; got dataset'),
    (lambda d: d["network"].update(sizes=[2, 3, 2], output_activation="softmax", loss="cross_entropy",
                                   weights=None, biases=None),
     "network.sizes: expected 1 output(s) for the uploaded points (binary, 2 classes), got 2"),
])
def test_points_and_the_rest_of_the_scenario_must_agree(change, message):
    doc = copy.deepcopy(good_doc())
    change(doc)
    with pytest.raises(ValueError, match=message.replace("(", "\\(").replace(")", "\\)")):
        Scenario.from_dict(doc)
