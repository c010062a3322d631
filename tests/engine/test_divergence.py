"""The one divergence model (engine.divergence) on constructed runs: steady growth, a single spike that
recovers, NaN in the forward and in the backward pass, saturation without growth; and the advice it gives
(a smaller α is tried before it is suggested)."""
import copy
import math

import numpy as np
import pytest

from engine import Network
from engine.divergence import (GROWTH_FACTOR, GROWTH_WINDOW, LOSS_FLOOR, START_MULTIPLE, Suggestion, Watch,
                               saturation, smaller_rates, suggest_lr, trial_on)

NET = Network([2, 3, 3, 1], activation="tanh", output_activation="linear", loss="mse", seed=0)
X, Y = np.array([[0.5, -1.0], [1.0, 0.3]]), np.array([[1.0], [0.0]])


def pass_with(loss):
    """A real pass of NET whose loss is replaced by ``loss`` (the model reads the loss and the arrays)."""
    p = copy.deepcopy(NET.backward(X, Y))
    p.loss = float(loss)
    return p


def first_verdict(losses):
    w = Watch()
    for step, loss in enumerate(losses, start=1):
        d = w.observe(step, pass_with(loss), lr=0.1)
        if d is not None:
            return d
    return None


def test_steady_growth_is_caught_after_the_stated_window_at_the_stated_factor():
    losses = [10.0 ** k for k in range(12)]          # ×10 per step: 1, 10, 100, …
    d = first_verdict(losses)
    # the loss rose on steps 2 … 6 (GROWTH_WINDOW = 5 rises) and step 6 is 10⁵ × step 1 ≥ 10³
    assert (GROWTH_WINDOW, GROWTH_FACTOR) == (5, 1e3)
    assert d.rule == "growth" and d.step == 1 + GROWTH_WINDOW
    assert d.healthy_step == 0 and d.healthy_loss == 1.0, "the weights before the rise: the initial ones"
    assert d.reference == 1.0 and d.loss == 1e5
    assert [s for s, _ in d.rise] == list(range(1, 7))
    assert "rose 5 steps in a row" in d.message and "weights of step 0" in d.message


def test_the_multiple_of_the_first_loss_catches_it_no_later_than_the_threshold_step():
    losses = [2.0, 1.0, 3.0, 2.5e6, 2.0e7]   # step 5 passes 10⁶ × 2 = 2·10⁶ … step 4 already does
    d = first_verdict(losses)
    assert START_MULTIPLE == 1e6
    assert d.rule == "multiple" and d.step == 4 and d.reference == 2.0
    assert d.healthy_step == 1 and d.healthy_loss == 1.0, "step 2's loss was the last that did not rise"
    assert "passed 10⁶ × the first loss (2)" in d.message


def test_a_first_loss_near_zero_is_floored():
    d = first_verdict([1e-9, 1e-4, 1e-3, 1e-3, 1e-3])
    assert d is None, f"a loss of 10⁻³ after 10⁻⁹ is not divergence (floor {LOSS_FLOOR})"


def test_a_single_spike_that_recovers_is_not_divergence():
    losses = [1.0, 0.9, 0.8, 90.0, 0.7, 0.6] + [0.5] * 10
    assert first_verdict(losses) is None
    # rises that total less than ×10³ over 5 steps are noise, not a trend
    assert first_verdict([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 1.0]) is None


def test_nan_in_the_forward_pass_is_named_with_its_layer():
    p = pass_with(1.0)
    p.z[1][0, 0] = np.nan
    p.a[2][0, 0] = np.nan
    p.loss, p.finite = float("nan"), False
    w = Watch()
    assert w.observe(1, pass_with(1.0), 0.1) is None
    d = w.observe(2, p, 0.1)
    assert d.rule == "nonfinite" and (d.phase, d.layer) == ("forward", 2)
    assert d.healthy_step == 0, "step 1's pass was finite: its weights (the initial ones) are healthy"
    assert "z/a of layer 2 (forward pass)" in d.message and "stopped being finite" in d.message


def test_nan_in_the_backward_pass_is_named_at_the_first_layer_the_pass_reaches():
    p = pass_with(1.0)
    p.delta[1][0, 0] = np.nan
    p.delta[0][0, 0] = np.nan
    p.finite = False
    d = Watch().observe(1, p, 0.1)
    assert d.rule == "nonfinite" and (d.phase, d.layer) == ("backward", 2), "δ of layer 3 is fine, layer 2's not"
    assert d.healthy_step is None, "even the first step overflowed"
    assert "Reset: these weights are already too large" in d.message


def test_saturation_without_growth_is_frozen_not_diverging():
    net = Network([2, 8, 8, 1], activation="tanh", output_activation="linear", init_gain=60.0, seed=1)
    Xs = np.random.default_rng(0).normal(size=(32, 2))
    w = Watch()
    for step in range(1, 30):
        p = net.step(Xs, np.zeros((32, 1)), 1e-6)
        assert w.observe(step, p, 1e-6, net.parameters()) is None
    s = saturation(p, net.activation_names)
    assert s.layers == [1, 2], s.share        # ×60 Xavier: |z| of tens, tanh′ = 1 − a² < 0.01 for > 90 %
    assert "layer 2 is saturated: f′ < 0.01 for 96% of its values" in s.message, s.message
    assert "Frozen, not diverging" in s.message
    # exact zeros are named as such
    p.delta[1][...] = 0.0
    assert "every unit of layer 2 is saturated: δ is exactly 0" in saturation(p, net.activation_names).message


def test_a_smaller_rate_is_suggested_only_after_it_made_progress():
    net = Network([1, 4, 1], activation="linear", output_activation="linear", init_gain=3.0, seed=2)
    Xd, Yd = np.array([[3.0], [-2.0]]), np.array([[1.0], [0.0]])
    before = net.backward(Xd, Yd).loss
    trial = trial_on(net, lambda i: (Xd, Yd), lambda n: n.backward(Xd, Yd).loss)
    s = suggest_lr(trial, before, 5.0, (0.001, 0.01, 0.1, 1.0, 5.0))
    assert s.lr is not None and s.lr < 5.0 and s.after <= 0.9 * before
    diverged, after = trial(s.lr)
    assert not diverged and after == s.after, "the trial is reproducible: what it promised happens"
    bigger = [r for r in s.tried if r > s.lr]
    assert all(trial(r)[0] or trial(r)[1] > 0.9 * before for r in bigger), "every larger rate failed the trial"
    assert "Continue with α" in s.text(3)


def test_when_no_rate_helps_the_advice_is_reset():
    s = suggest_lr(lambda rate: (True, math.inf), 1.0, 1.0, (0.1, 0.01, 1.0))
    assert s == Suggestion(None, 1.0, None, 25, (0.1, 0.01)) and s.text(4).startswith("Reset: these weights are")
    assert "clipping" not in s.text(4), "a page without clipping (or with it on) is not told to turn it on"
    offered = suggest_lr(lambda rate: (True, math.inf), 1.0, 1.0, (0.1,), offer_clipping=True)
    assert offered.text(4).endswith("Lower the initial weight scale or turn on gradient clipping, then reset.")
    assert smaller_rates(0.3, (1e-5, 1e-4, 0.1, 0.3, 1.0)) == (0.1, 1e-4, 1e-5)


@pytest.mark.parametrize("steps", [1, 3, 7])
def test_restart_keeps_the_first_loss_as_the_yardstick(steps):
    w = Watch()
    for s in range(1, steps + 1):
        w.observe(s, pass_with(2.0), 0.1)
    w.restart()
    assert w.threshold == START_MULTIPLE * 2.0
    d = w.observe(steps + 1, pass_with(3e6), 0.1)
    assert d is not None and d.rule == "multiple"
