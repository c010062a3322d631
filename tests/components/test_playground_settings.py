"""Playground settings and run: a round-tripping record; live changes keep weights, structural ones reset."""
import json

import numpy as np
import pytest

from components.playground.settings import PlaygroundSettings, new_run, update_run


def test_settings_round_trip_through_json():
    s = PlaygroundSettings(dataset="spiral", features=("x1", "sin_x2"), hidden=(8, 8, 3), lr=0.1, optimizer="adam")
    again = PlaygroundSettings.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s and again.hidden == (8, 8, 3)


@pytest.mark.parametrize("changes, field", [
    (dict(hidden=(4,) * 9), "hidden"), (dict(hidden=(17,)), "hidden"), (dict(dataset="nope"), "dataset"),
    (dict(lr=-1.0), "lr"), (dict(features=()), "features"), (dict(batch_size=0), "batch_size"),
    (dict(epoch_limit=0), "epoch_limit"), (dict(activation="cube"), "activation")])
def test_bad_settings_name_the_field(changes, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        PlaygroundSettings(**changes)


def test_unknown_key_in_a_dict_is_named():
    with pytest.raises(ValueError, match="^colour: unknown playground setting"):
        PlaygroundSettings.from_dict({"colour": "red"})


def test_output_and_loss_match_the_problem():
    assert new_run(PlaygroundSettings(dataset="xor")).net.activation_names[-1] == "sigmoid"
    multi = new_run(PlaygroundSettings(dataset="blobs", n_classes=5)).net
    assert multi.activation_names[-1] == "softmax" and multi.loss_name == "cross_entropy" and multi.sizes[-1] == 5
    reg = new_run(PlaygroundSettings(dataset="sine")).net
    assert reg.activation_names[-1] == "linear" and reg.loss_name == "mse"
    assert new_run(PlaygroundSettings(dataset="circles")).net.loss_name == "bce"


def test_live_changes_keep_the_run_and_its_weights():
    s = PlaygroundSettings(n_samples=100)
    run = new_run(s)
    run.trainer.run(steps=20)
    weights = [W.copy() for W in run.net.weights]
    for change in (dict(lr=0.3), dict(batch_size=3), dict(optimizer="adam"), dict(l2=0.01),
                   dict(clip_norm=1.0), dict(epoch_limit=5), dict(discretize=True)):
        s = s.with_(**change)
        same = update_run(run, s)
        assert same is run and run.trainer.step_count == 20, change
        assert all(np.array_equal(a, b) for a, b in zip(weights, run.net.weights)), change
    assert run.trainer.lr == 0.3 and run.trainer.batch_size == 3 and run.net.optimizer == "adam"
    assert run.net.l2 == 0.01 and run.net.l1 == 0.0 and run.net.clip_norm == 1.0


@pytest.mark.parametrize("change", [dict(hidden=(3,)), dict(activation="relu"), dict(noise=0.2), dict(seed=4),
                                    dict(features=("x1", "x2", "x1_sq")), dict(dataset="xor"), dict(data_seed=1)])
def test_structural_changes_start_a_fresh_run(change):
    s = PlaygroundSettings(n_samples=100)
    run = new_run(s)
    run.trainer.run(steps=20)
    fresh = update_run(run, s.with_(**change))
    assert fresh is not run and fresh.trainer.step_count == 0


def test_same_settings_same_start():
    a, b = new_run(PlaygroundSettings()), new_run(PlaygroundSettings())
    assert all(np.array_equal(x, y) for x, y in zip(a.net.weights, b.net.weights))
    assert np.array_equal(a.dataset.X_train, b.dataset.X_train)
