"""The lab: settings round-trip and validate, each preset does what its explanation promises on the
engine's own numbers, training records per-layer norms and reports divergence without raising."""
import functools
import json
import warnings

import numpy as np
import pytest

from engine import Network
from engine.lab import (FIELDS, MAX_PINS, PRESETS, LabRun, LabSettings, add_pin, analyse, build_network,
                        distinct_units, make_batch, matched_init, pin)
from tests.helpers import assert_close


@functools.lru_cache(maxsize=None)
def trained(name) -> LabRun:
    """The preset's run trained for its step count (shared by the tests: training deep networks is slow)."""
    s = preset(name)
    run = LabRun(s)
    run.advance(s.steps)
    return run


def preset(name):
    matches = [p for key, p in PRESETS.items() if key.startswith(name)]
    assert len(matches) == 1, name
    return matches[0].settings


# --------------------------------------------------------------------------- settings
def test_settings_round_trip_through_json():
    s = LabSettings(depth=7, width=12, activation="tanh", init_gain=0.03, residual=True, norm="layer", clip_norm=1.0)
    assert LabSettings.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert LabSettings.from_dict({"depth": "7", "residual": "true"}) == LabSettings(depth=7, residual=True)


@pytest.mark.parametrize("changes, field", [({"depth": 0}, "depth"), ({"depth": 51}, "depth"), ({"width": 65}, "width"),
                                            ({"init_gain": 1000.0}, "init_gain"), ({"batch_size": 513}, "batch_size"),
                                            ({"activation": "swish"}, "activation"), ({"depth": 2.5}, "depth"),
                                            ({"norm": "group"}, "norm"), ({"init_gain": float("nan")}, "init_gain")])
def test_bad_settings_name_the_field_and_the_expected_range(changes, field):
    with pytest.raises(ValueError, match=rf"^{field} \("):
        LabSettings(**changes)


def test_unknown_field_is_refused():
    with pytest.raises(ValueError, match="unknown field"):
        LabSettings.from_dict({"depht": 3})


def test_every_preset_has_a_two_line_explanation_and_valid_settings():
    assert len(PRESETS) == 7
    for name, p in PRESETS.items():
        assert p.name == name and len(p.explanation.split("\n")) == 2
        assert LabSettings.from_dict(p.settings.to_dict()) == p.settings


def test_batch_is_reproducible_from_the_seed():
    s = LabSettings(batch_size=9, seed=3, target="sine")
    X1, Y1 = make_batch(s)
    X2, Y2 = make_batch(s)
    assert X1.shape == (9, s.inputs) and Y1.shape == (9, 1)
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)
    assert_close("sine target", Y1, 0.5 + 0.5 * np.sin(X1.sum(axis=1, keepdims=True)))
    assert not np.array_equal(make_batch(s.with_(seed=4))[0], X1)


def test_network_follows_the_settings():
    s = LabSettings(depth=3, width=5, activation="relu", init="he_uniform", init_gain=2.0, loss="bce", seed=4)
    net = build_network(s)
    assert net.sizes == (4, 5, 5, 5, 1) and net.activation_names == ["relu"] * 3 + ["sigmoid"]
    ref = Network([4, 5, 5, 5, 1], activation="relu", output_activation="sigmoid", loss="bce", init="he_uniform",
                  init_gain=2.0, seed=4)
    for l in range(4):
        assert_close(f"W{l}", net.weights[l], ref.weights[l])


def test_matched_init_replaces_the_init_and_the_multiplier():
    s = LabSettings(activation="tanh", init="normal", init_gain=30.0, matched_init=True)
    assert s.effective_init == "xavier_normal" and s.effective_init_gain == 1.0
    assert matched_init("relu") == "he_normal" and matched_init("sigmoid") == "xavier_normal"


def test_lab_numbers_equal_the_engines():
    s = LabSettings(depth=5, width=6, activation="tanh", batch_size=11)
    p, d = analyse(s)
    net = build_network(s)
    q = net.backward(*make_batch(s))
    for l in range(6):
        assert_close(f"‖∂L/∂W_{l + 1}‖", d.grad_norm[l], np.linalg.norm(q.dW[l]))
        assert_close(f"mean |δ_{l + 1}|", d.delta_mean[l], np.abs(q.delta[l]).mean())


# --------------------------------------------------------------------------- presets
def test_deep_sigmoid_preset_vanishes():
    p, d = analyse(preset("Deep sigmoid"))
    assert d.delta_ratio[0] < 1e-4 and d.ratio[0] < 1e-4
    assert d.state == "vanishing" and d.verdict().endswith("of the gradient of layer 20: vanishing")
    # the gradient shrinks layer after layer on the way back
    assert (np.diff(np.log10(d.delta_mean[:-1])) > 0).mean() > 0.9


def test_tanh_large_init_preset_explodes():
    s = preset("tanh with too-large")
    p, d = analyse(s)
    assert d.delta_ratio[0] > 1e2 and d.state == "exploding"
    assert (np.diff(np.log10(d.delta_mean[:-1])) < 0).mean() > 0.8, "δ grows layer after layer going back"
    # the cause: the same network at Xavier's scale does not explode
    assert analyse(s.with_(matched_init=True))[1].state == "healthy"


def test_relu_he_preset_is_healthy_within_ten_times():
    for seed in range(3):
        p, d = analyse(preset("ReLU with He").with_(seed=seed))
        assert d.state == "healthy"
        hidden = d.delta_ratio[:-1]  # every hidden layer against the last hidden layer
        assert (0.1 <= hidden).all() and (hidden <= 10).all(), hidden


def test_zero_init_preset_keeps_rows_identical_after_training():
    s = preset("Zero init")
    run = LabRun(s)
    run.advance(s.steps)
    assert run.step == s.steps and run.divergence is None
    assert run.losses[-1] < run.losses[0], "it does learn (the output layer does)"
    for l, W in enumerate(run.net.weights):
        assert np.abs(W).max() > 1e-3, f"W{l} moved away from 0"
        for j in range(1, W.shape[0]):
            assert_close(f"row {j} of W{l} equals row 0", W[j], W[0], rtol=1e-12, atol=1e-14)


def test_dead_relu_preset_kills_units_and_a_small_rate_does_not():
    s = preset("Dead ReLUs")
    run = LabRun(s)
    before = np.nanmean(run.diagnose().dead)
    run.advance(s.steps)
    after = run.diagnose()
    assert run.divergence is None
    assert np.nanmean(after.dead) >= 0.4 and np.nanmean(after.dead) > before + 0.3
    calm = LabRun(s.with_(lr=0.5))
    calm.advance(s.steps)
    assert np.nanmean(calm.diagnose().dead) < 0.1
    assert calm.losses[-1] < run.losses[-1] / 10, "with live units the loss falls far lower"


def test_residual_preset_rescues_the_deep_sigmoid_network():
    vanishing = analyse(preset("Deep sigmoid"))[1]
    rescued = analyse(preset("Residual connections"))[1]
    assert preset("Residual connections") == preset("Deep sigmoid").with_(residual=True)
    assert vanishing.state == "vanishing" and rescued.state == "healthy"
    assert rescued.delta_ratio[0] > 1e8 * vanishing.delta_ratio[0]


def test_clipping_preset_keeps_training_finite_where_plain_steps_diverge():
    s = preset("Clipping tames")
    plain = LabRun(s.with_(clip_norm=None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.advance(s.steps)
    assert plain.divergence is not None and plain.divergence.step == 3, "as the explanation says"
    assert "diverged at step" in plain.divergence.message
    clipped = LabRun(s)
    clipped.advance(s.steps)
    assert clipped.divergence is None and clipped.step == s.steps
    assert np.isfinite(clipped.losses).all() and clipped.losses[-1] < clipped.losses[0] / 100
    assert all(clipped.clipped[:10]), "the first steps were clipped"


def test_norm_remedies_fix_the_vanishing_network():
    s = preset("Deep sigmoid")
    assert analyse(s.with_(norm="batch"))[1].state == "healthy"


# --------------------------------------------------------------------------- training record
def test_training_records_loss_and_per_layer_norms_equal_to_the_engines_steps():
    s = LabSettings(depth=3, width=4, activation="tanh", lr=0.05, steps=5, batch_size=8)
    run = LabRun(s)
    assert run.advance(3) == 3 and run.advance(10) == 2 and run.done
    net = build_network(s)
    X, Y = make_batch(s)
    for t in range(5):
        p = net.step(X, Y, s.lr)
        assert_close(f"loss at step {t + 1}", run.losses[t], p.loss)
        assert_close(f"norms at step {t + 1}", run.history()[t], [np.linalg.norm(g) for g in p.dW])
    assert run.history().shape == (5, 4)


def test_divergence_stops_the_run_and_names_step_and_layer_without_warnings():
    s = LabSettings(depth=6, width=16, activation="linear", init="he_normal", init_gain=3.0, lr=1.0, steps=50)
    run = LabRun(s)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.advance(50)
        d = run.diagnose()
    assert run.divergence is not None and run.step < 50
    assert run.divergence.step == run.step and 1 <= run.divergence.layer <= 7
    assert run.advance(5) == 0, "a diverged run takes no more steps"
    assert all(np.isfinite(W).all() for W in run.net.weights), "the network keeps its last finite weights"
    assert isinstance(d.verdict(), str)


def test_pins_keep_at_most_three_runs():
    pins = []
    for depth in (2, 3, 4, 5):
        s = LabSettings(depth=depth, width=4)
        pins = add_pin(pins, pin(f"depth {depth}", s, analyse(s)[1]))
    assert len(pins) == MAX_PINS == 3 and [p.label for p in pins] == ["depth 3", "depth 4", "depth 5"]
    assert len(pins[-1].ratio) == 6 and pins[-1].settings["depth"] == 5


def test_fields_table_covers_every_setting():
    assert set(FIELDS) == set(LabSettings().to_dict())


@pytest.mark.parametrize("residual, norm", [(True, None), (False, "batch"), (False, "layer"), (True, "layer"),
                                            (True, "batch")])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_the_labs_remedy_networks_pass_the_finite_difference_check(residual, norm, activation):
    from engine.gradcheck import gradient_check
    s = LabSettings(depth=3, width=4, activation=activation, residual=residual, norm=norm, batch_size=5, seed=2,
                    target="sine", init=matched_init(activation))
    net = build_network(s)
    assert net.residual == residual and net.norm == (None if norm == "none" else norm)
    # floor 1e-4: under batch norm ∂L/∂b is exactly 0 and the central difference is rounding noise (~1e-10)
    check = gradient_check(net, *make_batch(s), floor=1e-4)
    assert check.ok, f"max relative error {check.max_rel_error:.2e} at {check.worst}"
    # the lab's per-layer numbers come from the same pass the check verified
    p, d = analyse(s, net)
    assert_close("‖∂L/∂W‖ of the checked pass", d.grad_norm, [np.linalg.norm(g) for g in p.dW])


def test_distinct_units_counts_copies_of_the_zero_init_network():
    s = preset("Zero init")
    run = LabRun(s)
    assert distinct_units(run.net) == [1, 1]
    run.advance(s.steps)
    assert distinct_units(run.net) == [1, 1], "training never breaks the symmetry"
    assert distinct_units(build_network(s.with_(init="xavier_normal"))) == [8, 8]


def test_residual_preset_learns_where_the_plain_deep_sigmoid_network_is_stuck():
    plain, skip = trained("Deep sigmoid"), trained("Residual connections")
    assert plain.divergence is None and skip.divergence is None
    assert plain.losses[-1] > 0.5 * plain.losses[0], "the plain network barely learns"
    assert skip.losses[-1] < 0.1 * skip.losses[0] and skip.losses[-1] < plain.losses[-1]


@pytest.mark.parametrize("name", [n for n in PRESETS if "Clipping" not in n])
def test_presets_train_without_diverging_at_their_learning_rate(name):
    run = trained(name)
    assert run.divergence is None and run.step == run.settings.steps


def test_a_diverged_network_is_not_mistaken_for_copies():
    s = preset("ReLU with He").with_(lr=0.3)
    run = LabRun(s)
    run.advance(20)
    assert run.divergence is not None
    assert distinct_units(run.net) == [32] * 20
