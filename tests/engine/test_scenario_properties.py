"""Property tests: thousands of mutated scenarios, files and links through the loaders.

Every input ends in a valid scenario (one that builds its network) or in a ValueError; nothing else
is ever raised. Links never raise at all: they fall back with notices.
"""
import json

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.scenario import FIELDS, Scenario, from_query, lesson_ids, load_lesson, to_query
import engine.settings

LESSONS = lesson_ids()
SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(), st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["relu", "sigmoid", "softmax", "mse", "cross_entropy", "bce", "step", "lab", "xor",
                     "batch", "layer", "adam", "he_normal", "x1", "architecture"]),
)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=20)


def paths(doc, prefix=()):
    """Every path into the document (object keys and list indices)."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:4]):
            yield from paths(v, prefix + (i,))


def set_path(doc, path, value, delete):
    if not path:
        return value
    target = doc
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


def must_be_valid_or_value_error(load):
    try:
        s = load()
    except ValueError as e:
        assert str(e), "the error says something"
        return None
    assert isinstance(s, Scenario)
    assert s.validate() is s
    if s.n_params <= 20_000:
        net = s.to_network()
        X, Y = s.inputs()
        assert np.isfinite(X).all()
        net.backward(X[:8], Y[:8])
    return s


@SETTINGS
@given(st.sampled_from(LESSONS), st.data(), json_values, st.booleans())
def test_mutated_scenario_is_valid_or_a_clean_value_error(name, data, value, delete):
    doc = load_lesson(name).to_dict()
    path = data.draw(st.sampled_from(list(paths(doc))))
    doc = set_path(doc, path, value, delete)
    must_be_valid_or_value_error(lambda: Scenario.from_dict(doc))


@SETTINGS
@given(st.sampled_from(LESSONS), st.data())
def test_mutated_file_text_is_valid_or_a_clean_value_error(name, data):
    text = load_lesson(name).to_json()
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, min(len(text), i + 20)))
    insert = data.draw(st.text(alphabet='{}[],:"0123456789.-eE truefalsnNaI\\', max_size=8))
    mutated = text[:i] + insert + text[j:]
    must_be_valid_or_value_error(lambda: Scenario.from_json(mutated))
    must_be_valid_or_value_error(lambda: Scenario.from_json(mutated.encode("utf-8", "surrogatepass")))


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_are_valid_or_a_clean_value_error(blob):
    must_be_valid_or_value_error(lambda: Scenario.from_json(blob))


QUERY_KEYS = sorted({f.query for f in FIELDS} | {"v", "lesson", "v.colour_by", "zz", ""})
query_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789.,;-xe+", max_size=40),
    st.sampled_from(["nan", "inf", "-", "seed", "reinit", "1e999", "2-3-1", "4-32x20-1", "relu.tanh",
                     "x1.x2", "architecture.inputs", "1", "0", "true"] + LESSONS),
)


@SETTINGS
@given(st.dictionaries(st.sampled_from(QUERY_KEYS), query_text, max_size=8))
def test_garbage_link_never_raises(params):
    s, notices = from_query(params)
    assert isinstance(s, Scenario) and s.validate() is s
    assert all(isinstance(n, str) and n for n in notices)
    if s.n_params <= 20_000:
        s.to_network()


@SETTINGS
@given(st.sampled_from(LESSONS), st.data())
def test_mutated_preset_link_never_raises(name, data):
    params = to_query(load_lesson(name).replace(lr=0.25, step=3, presenter=True))
    key = data.draw(st.sampled_from(sorted(params)))
    text = params[key]
    i = data.draw(st.integers(0, len(text)))
    params[key] = text[:i] + data.draw(query_text) + text[i + data.draw(st.integers(0, 3)):]
    s, notices = from_query(params)
    assert isinstance(s, Scenario) and s.validate() is s


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LESSONS), st.floats(0, engine.settings.SETTINGS["lr"].hi),
       st.integers(0, engine.settings.SETTINGS["seed"].hi), st.booleans())
def test_valid_edits_survive_file_and_link_exactly(name, lr, seed, presenter):
    try:
        s = load_lesson(name).replace(lr=lr, seed=seed, presenter=presenter)
    except ValueError as e:  # the lab refuses what its page cannot hold
        assert str(e).startswith("lab settings:")
        assume(False)
    assert Scenario.from_json(s.to_json()) == s
    assert json.loads(s.to_json()) == s.to_dict()
    assert from_query(to_query(s)) == (s, [])


# ---------------------------------------------------------------------------- uploaded CSV points
coordinates = st.floats(-1000, 1000)  # subnormals and −0.0 included


def csv_playground(text, test_ratio=0.5, seed=0) -> Scenario:
    """A playground scenario on the points of a CSV upload (the page's own path: parse_csv, then save)."""
    from engine.datasets import parse_csv
    from engine.scenario import Points
    d = parse_csv(text, test_ratio=test_ratio, seed=seed)
    out, loss = {"binary": ("sigmoid", "bce"), "multiclass": ("softmax", "cross_entropy"),
                 "regression": ("linear", "mse")}[d.task]
    return Scenario(page="playground").replace(sizes=(2, 3, d.n_outputs), activation="tanh", output_activation=out,
                                               loss=loss, dataset="csv", points=Points.from_dataset(d)), d


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["binary", "multiclass", "regression"]), st.integers(10, 60), st.floats(0, 0.9),
       st.integers(0, 2**32 - 2), st.data())
def test_uploaded_points_survive_the_file_exactly(task, n, test_ratio, seed, data):
    xs = data.draw(st.lists(st.tuples(coordinates, coordinates), min_size=n, max_size=n))
    if task == "regression":
        labels = [0.5] + data.draw(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=n - 1,
                                            max_size=n - 1))
    else:
        k = 2 if task == "binary" else data.draw(st.integers(3, 6))
        labels = list(range(k)) + data.draw(st.lists(st.integers(0, k - 1), min_size=n - k, max_size=n - k))
    text = "\n".join(f"{a!r},{b!r},{y!r}" for (a, b), y in zip(xs, labels))
    s, d = csv_playground(text, test_ratio, seed)
    again = Scenario.from_json(s.to_json())
    assert again == s and again.points.task == task
    rebuilt = again.points.to_dataset()
    for name in ("X_train", "y_train", "X_test", "y_test"):
        got, want = getattr(rebuilt, name), getattr(d, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name
        assert np.array_equal(np.signbit(got), np.signbit(want)), f"{name}: the sign of −0.0"
    assert rebuilt.extent == d.extent


CSV_DOC = csv_playground("\n".join(f"{i * 0.37 - 3},{3 - i * 0.21},{i % 3}" for i in range(12)), 0.25)[0].to_dict()


@SETTINGS
@given(st.data(), json_values, st.booleans())
def test_mutated_csv_scenario_is_valid_or_a_clean_value_error(data, value, delete):
    doc = json.loads(json.dumps(CSV_DOC))
    path = data.draw(st.sampled_from(list(paths(doc))))
    doc = set_path(doc, path, value, delete)
    must_be_valid_or_value_error(lambda: Scenario.from_dict(doc))
