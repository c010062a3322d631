"""Input features: each column is its formula of (x₁, x₂), in the order asked."""
import numpy as np
import pytest

from engine.features import FEATURES, transform
from tests.helpers import assert_close

X = np.array([[1.0, 2.0], [-3.0, 0.5], [0.0, -1.5]])
EXPECTED = {
    "x1": X[:, 0], "x2": X[:, 1], "x1_sq": X[:, 0] ** 2, "x2_sq": X[:, 1] ** 2,
    "x1x2": X[:, 0] * X[:, 1], "sin_x1": np.sin(X[:, 0]), "sin_x2": np.sin(X[:, 1]),
}


def test_the_table_has_the_seven_playground_features_with_labels():
    assert set(FEATURES) == set(EXPECTED)
    assert [FEATURES[n].label for n in FEATURES] == ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_feature_is_its_formula(name):
    assert_close(name, transform(X, [name])[:, 0], EXPECTED[name], rtol=0, atol=0)


def test_columns_come_in_the_order_asked():
    out = transform(X, ["sin_x2", "x1", "x1x2"])
    assert out.shape == (3, 3) and out.dtype == np.float64
    assert_close("stack", out, np.column_stack([EXPECTED["sin_x2"], EXPECTED["x1"], EXPECTED["x1x2"]]))


@pytest.mark.parametrize("names, message", [([], "at least one"), (["x3"], "unknown feature 'x3'"),
                                            (["x1", "x1"], "each feature once")])
def test_bad_selection_is_refused_with_the_argument_named(names, message):
    with pytest.raises(ValueError, match=f"^features: .*{message}"):
        transform(X, names)


def test_points_must_be_two_dimensional():
    with pytest.raises(ValueError, match=r"^X: expected points of shape \(n, 2\)"):
        transform(np.zeros((3, 3)), ["x1"])
