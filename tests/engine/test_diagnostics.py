"""Per-layer diagnostics: the numbers equal the engine's, the flags follow the documented thresholds,
and overflow is a reported state, never an exception or a RuntimeWarning."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as hs

from engine import Network
from engine.activations import ACTIVATIONS
from engine.diagnostics import (EXPLODING_ABOVE, SATURATED_BELOW, VANISHING_BELOW, diagnose, format_sci,
                                histograms, locate_nonfinite)
from tests.helpers import assert_close


def _pass(activation="tanh", sizes=(3, 5, 5, 2), seed=0, gain=1.0, init="xavier_normal", batch=7, **kw):
    net = Network(list(sizes), activation=activation, output_activation="linear", loss="mse", init=init,
                  init_gain=gain, seed=seed, **kw)
    rng = np.random.default_rng(seed + 1)
    X, Y = rng.normal(size=(batch, sizes[0])), rng.normal(size=(batch, sizes[-1]))
    return net, net.backward(X, Y)


def test_per_layer_numbers_equal_the_engines_pass():
    net, p = _pass()
    d = diagnose(p, net.activation_names)
    for l in range(net.n_layers):
        assert_close(f"‖∂L/∂W_{l + 1}‖", d.grad_norm[l], np.sqrt((p.dW[l] ** 2).sum()))
        assert_close(f"mean |δ_{l + 1}|", d.delta_mean[l], np.abs(p.delta[l]).mean())
        assert_close(f"mean a_{l + 1}", d.a_mean[l], p.a[l + 1].mean())
        assert_close(f"std a_{l + 1}", d.a_std[l], p.a[l + 1].std())
    # the yardstick is the last hidden layer (layer 2 of 3)
    assert d.reference == 1
    assert_close("ratio", d.ratio, d.grad_norm / d.grad_norm[1])
    assert_close("delta ratio", d.delta_ratio, d.delta_mean / d.delta_mean[1])
    assert d.loss == p.loss and d.finite


def test_flags_follow_the_documented_thresholds():
    net, p = _pass()
    # scale δ of layer 1 so its mean |δ| ratio sits just below / above the thresholds
    for factor, want_v, want_e in ((VANISHING_BELOW * 0.9, True, False), (VANISHING_BELOW * 1.1, False, False),
                                   (EXPLODING_ABOVE * 1.1, False, True), (EXPLODING_ABOVE * 0.9, False, False)):
        delta = list(p.delta)
        delta[0] = p.delta[0] / np.abs(p.delta[0]).mean() * np.abs(p.delta[1]).mean() * factor
        p2 = type(p)(**{**p.__dict__, "delta": delta})
        d = diagnose(p2, net.activation_names)
        assert d.vanishing[0] == want_v and d.exploding[0] == want_e, factor
        assert not d.vanishing[1] and not d.exploding[1]


def test_saturated_fraction_counts_small_derivatives_of_sigmoid_and_tanh():
    net, p = _pass("sigmoid", gain=8.0)
    d = diagnose(p, net.activation_names)
    for l in range(2):
        a = p.a[l + 1]
        assert_close(f"saturated {l + 1}", d.saturated[l], np.mean(a * (1 - a) < SATURATED_BELOW))
    assert d.saturated[0] > 0.2, "a ×8 init must saturate some sigmoid units"
    assert np.isnan(d.saturated[2]) and np.isnan(d.dead).all()


def test_dead_fraction_counts_relu_units_off_for_the_whole_batch():
    net, p = _pass("relu", sizes=(2, 4, 1), init="he_normal", batch=5)
    net.biases[0][:] = [-100.0, -100.0, 0.0, 0.0]  # units 1 and 2 can never fire
    p = net.backward(p.a[0], np.zeros((5, 1)))
    d = diagnose(p, net.activation_names)
    assert_close("dead fraction", d.dead[0], np.mean(np.all(p.z[0] <= 0, axis=0)))
    assert d.dead[0] >= 0.5
    assert np.isnan(d.saturated).all()


def test_vanishing_and_exploding_verdicts_read_as_a_sentence():
    net, p = _pass("sigmoid", sizes=[4] + [16] * 12 + [1])
    d = diagnose(p, net.activation_names)
    assert d.state == "vanishing"
    assert d.verdict().startswith("layer 1 receives ")
    assert d.verdict().endswith("of the gradient of layer 12: vanishing")
    assert format_sci(d.delta_ratio[0]) in d.verdict()


@pytest.mark.parametrize("x, text", [(3e-9, "3·10⁻⁹"), (1.38e3, "1.4·10³"), (0.125, "0.12"), (42, "42"),
                                     (-2.5e-7, "−2.5·10⁻⁷"), (0, "0"), (float("inf"), "∞"), (float("nan"), "NaN"),
                                     (9.99e-5, "1·10⁻⁴")])
def test_scientific_formatting(x, text):
    assert format_sci(x) == text


def test_overflow_is_a_state_with_its_location_not_an_exception():
    net, p = _pass("linear", sizes=[3] + [8] * 6 + [1], gain=1.0)
    net.weights[2][:] = 1e200  # z of layer 3 ~ 1e200, finite
    net.weights[3][:] = 1e200  # z of layer 4 ~ 1e400: overflows in the forward pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = net.backward(p.a[0], np.zeros((7, 1)))
        d = diagnose(p, net.activation_names, step=12)
        h = histograms(p, "delta")
    assert not d.finite and d.state == "diverged"
    assert d.divergence.layer == 4 and d.divergence.phase == "forward"  # 1e200² overflows in layer 4
    assert "diverged at step 12, layer 4" in d.verdict()
    assert h.nonfinite.sum() > 0


def test_backward_overflow_is_located_in_the_backward_pass():
    net, p = _pass("tanh", sizes=[3, 8, 8, 8, 1])
    p.delta[1][0, 0] = np.inf
    where = locate_nonfinite(p)
    assert where.phase == "backward" and where.layer == 2


def test_histograms_share_edges_and_count_every_finite_value():
    net, p = _pass("relu", sizes=(3, 6, 6, 1), init="he_normal", batch=20)
    h = histograms(p, "a", bins=10)
    assert h.counts.shape == (3, 10) and h.edges.shape == (11,)
    assert (h.counts.sum(axis=1) == [20 * 6, 20 * 6, 20]).all()
    g = histograms(p, "delta", bins=10)
    # log10|δ| bins plus exact zeros (units with relu′ = 0) account for every value
    assert ((g.counts.sum(axis=1) + g.zeros) == [20 * 6, 20 * 6, 20]).all()
    assert g.zeros[0] == np.sum(p.delta[0] == 0)
    with pytest.raises(ValueError, match="kind"):
        histograms(p, "weights")


def test_normalised_layers_are_judged_on_what_enters_f():
    net, p = _pass("tanh", sizes=(3, 6, 6, 1), norm="layer", gain=50.0)
    d = diagnose(p, net.activation_names)
    u = p.extras["u"]
    assert_close("saturated with layer norm", d.saturated[0], np.mean(1 - np.tanh(u[0]) ** 2 < SATURATED_BELOW))
    assert d.saturated[0] < 0.5, "layer norm keeps u near N(0, 1): few saturated units despite ×50 weights"


def test_mean_derivative_is_the_factor_on_delta():
    net, p = _pass("sigmoid", sizes=(3, 6, 6, 1))
    d = diagnose(p, net.activation_names)
    for l in range(2):
        a = p.a[l + 1]
        assert_close(f"mean σ′ of layer {l + 1}", d.fprime_mean[l], np.mean(a * (1 - a)))
        assert d.fprime_mean[l] <= 0.25
    assert_close("linear output f′", d.fprime_mean[2], 1.0)


def test_zero_init_is_flagged_as_vanishing_with_no_gradient():
    net, p = _pass("sigmoid", sizes=(3, 5, 5, 1), init="zeros")
    d = diagnose(p, net.activation_names)
    assert d.delta_mean[0] == 0 and d.delta_mean[1] == 0 and d.delta_mean[2] > 0
    assert d.state == "vanishing" and list(d.vanishing) == [True, True, False]
    assert "receives no gradient at all" in d.verdict()


def test_factor_per_layer_compounds_to_the_ratio_of_layer_one():
    net, p = _pass("sigmoid", sizes=[4] + [16] * 12 + [1])
    d = diagnose(p, net.activation_names)
    f = d.factor_per_layer
    assert_close("factor^11", f ** 11, d.delta_ratio[0])
    assert_close("geometric mean of per-layer ratios",
                 f, np.exp(np.mean(np.log(d.delta_mean[:11] / d.delta_mean[1:12]))))
    assert 0 < f < 0.25, "each sigmoid layer shrinks δ: σ′ ≤ 0.25 and Xavier weights keep ‖W‖ near 1"
    assert d.compounding().endswith(f"{format_sci(f, 3)}¹¹ ≈ {format_sci(d.delta_ratio[0])}")


def test_a_single_hidden_layer_has_nothing_to_compare():
    net, p = _pass("tanh", sizes=(3, 5, 1))
    d = diagnose(p, net.activation_names)
    assert d.reference == 0 and d.state == "healthy" and d.compounding() is None
    assert d.verdict().startswith("one hidden layer only: its mean |δ| is ")


@hyp_settings(max_examples=60, deadline=None)
@given(sizes=hs.lists(hs.integers(1, 6), min_size=2, max_size=7), activation=hs.sampled_from(sorted(ACTIVATIONS)),
       log_gain=hs.floats(-2, 3), batch=hs.integers(1, 6), seed=hs.integers(0, 10_000))
def test_any_network_is_diagnosed_without_raising_and_matches_the_engine(sizes, activation, log_gain, batch, seed):
    sizes = [3] + sizes + [1]
    net = Network(sizes, activation=activation, output_activation="linear", loss="mse", init="he_normal",
                  init_gain=10.0 ** log_gain, seed=seed)
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = net.backward(rng.normal(size=(batch, 3)), rng.normal(size=(batch, 1)))
        d = diagnose(p, net.activation_names)
        histograms(p, "a")
        histograms(p, "delta")
        text = d.verdict()
    assert isinstance(text, str) and text
    assert d.finite == p.finite
    if d.finite:
        assert_close("‖∂L/∂W‖", d.grad_norm, [np.linalg.norm(g) for g in p.dW], rtol=1e-12)
        assert d.state in ("vanishing", "exploding", "healthy")
    else:
        assert d.state == "diverged" and 1 <= d.divergence.layer <= len(sizes) - 1
