"""Every activation: its derivative against central differences, its special values, its stability."""
import warnings

import numpy as np
import pytest

from engine import ACTIVATIONS, OUTPUT_ACTIVATIONS
from tests.helpers import assert_close

H = 1e-6
# Points away from the kinks of relu / leaky_relu / elu at 0 (central differences straddle a kink there).
Z = np.array([[-30.0, -5.0, -1.3, -0.2, -1e-3, 1e-3, 0.3, 0.9, 2.5, 30.0]])
ELEMENTWISE = sorted(ACTIVATIONS)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    numeric = (act.f(Z + H) - act.f(Z - H)) / (2 * H)
    assert_close(f"{name}'(z)", act.df(Z, act.f(Z)), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backprop_is_the_chain_rule(name):
    act = ACTIVATIONS[name]
    g = np.linspace(-1.0, 2.0, Z.size).reshape(Z.shape)
    assert_close(f"{name} backprop", act.backprop(Z, act.f(Z), g), g * act.df(Z, act.f(Z)))
    out = g.copy()
    assert act.backprop(Z, act.f(Z), out, out=out) is out


def test_relu_derivative_at_zero_is_zero():
    z = np.array([[-1.0, 0.0, 1.0]])
    assert ACTIVATIONS["relu"].df(z, ACTIVATIONS["relu"].f(z)).tolist() == [[0.0, 0.0, 1.0]]


def test_leaky_relu_slope_is_one_hundredth():
    leaky = ACTIVATIONS["leaky_relu"]
    z = np.array([[-3.0, 0.0, 2.0]])
    assert_close("leaky_relu(z)", leaky.f(z), [[-0.03, 0.0, 2.0]])
    assert_close("leaky_relu'(z)", leaky.df(z, leaky.f(z)), [[0.01, 0.01, 1.0]])


def test_elu_alpha_is_one():
    elu = ACTIVATIONS["elu"]
    z = np.array([[-2.0, -0.5, 0.5]])
    assert_close("elu(z)", elu.f(z), [[np.exp(-2.0) - 1, np.exp(-0.5) - 1, 0.5]])
    assert_close("elu'(z)", elu.df(z, elu.f(z)), [[np.exp(-2.0), np.exp(-0.5), 1.0]])
    assert elu.f(np.array([[-1e3]]))[0, 0] == -1.0


def test_textbook_values():
    z = np.array([[0.0, 1.08]])
    assert_close("sigmoid", ACTIVATIONS["sigmoid"].f(z), [[0.5, 1 / (1 + np.exp(-1.08))]])
    assert round(float(ACTIVATIONS["sigmoid"].f(z)[0, 1]), 4) == 0.7465  # ŷ of the worked example
    assert_close("softplus(0) = ln 2", ACTIVATIONS["softplus"].f(np.zeros((1, 1))), [[np.log(2.0)]])
    assert_close("silu(1) = σ(1)", ACTIVATIONS["silu"].f(np.ones((1, 1))), [[1 / (1 + np.exp(-1.0))]])
    assert_close("sigmoid(−40) keeps its digits", ACTIVATIONS["sigmoid"].f(np.array([[-40.0]])),
                 [[4.248354255291589e-18]], rtol=1e-12, atol=0)


def test_softmax_jacobian_matches_central_differences():
    softmax = OUTPUT_ACTIVATIONS["softmax"]
    z = np.array([[0.3, -1.2, 2.0, 0.5]])
    a = softmax.f(z)
    assert_close("softmax sums to 1", a.sum(axis=1), [1.0])
    jac = np.zeros((4, 4))
    for k in range(4):
        e = np.zeros_like(z)
        e[0, k] = H
        jac[:, k] = ((softmax.f(z + e) - softmax.f(z - e)) / (2 * H))[0]
    assert_close("∂ŷ_j/∂z_k", jac, np.diag(a[0]) - np.outer(a[0], a[0]), rtol=1e-6, atol=1e-10)
    g = np.array([[0.5, -1.0, 2.0, 0.25]])
    assert_close("softmax backprop = gᵀ J", softmax.backprop(z, a, g), g @ jac, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name", sorted(OUTPUT_ACTIVATIONS))
def test_no_warning_and_finite_for_large_inputs(name):
    act = OUTPUT_ACTIVATIONS[name]
    z = np.array([[-1e3, -700.0, -50.0, 0.0, 50.0, 700.0, 1e3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.f(z)
        d = act.backprop(z, a, np.ones_like(z))
    assert np.isfinite(a).all() and np.isfinite(d).all(), f"{name}: a={a}, delta={d}"


def test_saturated_values_are_exact_limits():
    z = np.array([[-1e3, 1e3]])
    assert ACTIVATIONS["sigmoid"].f(z)[0, 1] == 1.0
    assert ACTIVATIONS["sigmoid"].f(z)[0, 0] < 1e-300
    assert ACTIVATIONS["tanh"].f(z).tolist() == [[-1.0, 1.0]]
    assert ACTIVATIONS["softplus"].f(z).tolist() == [[0.0, 1e3]]
