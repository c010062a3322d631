"""The step page's config record: limits, presets, round trips, the valid output/loss combinations."""
import json
from dataclasses import replace

import pytest

from components.step import config as sc
from engine import LOSSES


def test_config_round_trips_through_json():
    cfg = sc.with_architecture(sc.DEFAULT, hidden=(4, 3), activations=("relu", "sigmoid"), n_outputs=3,
                               output_activation="softmax", loss="cross_entropy")
    back = sc.StepConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert back == cfg and back.sizes == (2, 4, 3, 3)
    assert sc.StepConfig.from_dict(sc.TEXTBOOK.to_dict()) == sc.TEXTBOOK


@pytest.mark.parametrize("change, field", [
    ({"n_inputs": 9}, "Inputs"), ({"hidden": [40]}, "Hidden layer sizes"), ({"lr": 50}, "Learning rate"),
    ({"activations": ["swish"]}, "Activations"), ({"loss": "cross_entropy"}, "Loss"),
    ({"x": [1.0]}, "Inputs x"), ({"bogus": 1}, "unknown field"), ({"n_outputs": "two"}, "config"),
])
def test_from_dict_refuses_bad_values_naming_the_field(change, field):
    data = {**sc.DEFAULT.to_dict(), **change}
    with pytest.raises(ValueError, match=field):
        sc.StepConfig.from_dict(data)


def test_only_fitting_losses_and_outputs_are_offered():
    assert "softmax" not in sc.output_choices(1) and "softmax" in sc.output_choices(2)
    for out in sc.output_choices(3):
        for loss in sc.loss_choices(out):
            assert LOSSES[loss].output in (None, out)
    assert sc.loss_choices("softmax") == ("mse", "cross_entropy")


def test_architecture_change_fixes_what_no_longer_fits():
    cfg = sc.with_architecture(sc.DEFAULT, n_outputs=3, output_activation="softmax", loss="cross_entropy")
    assert cfg.y == (1.0, 0.0, 0.0)                      # one-hot target
    back = sc.with_architecture(cfg, n_outputs=1)
    assert back.output_activation == "sigmoid" and back.loss == "mse" and back.y == (1.0,)
    deeper = sc.with_architecture(sc.DEFAULT, hidden=(3, 5, 2))
    assert deeper.activations == ("tanh", "tanh", "tanh")


def test_structural_and_live_changes_are_told_apart():
    assert not sc.is_structural(sc.DEFAULT, replace(sc.DEFAULT, lr=0.01, x=(0.0, 0.0), y=(0.0,)))
    assert sc.is_structural(sc.DEFAULT, replace(sc.DEFAULT, seed=1))


@pytest.mark.parametrize("text, sizes", [("3", (3,)), (" 4, 2 ", (4, 2)), ("", ()), ("5;5", (5, 5))])
def test_hidden_sizes_parse(text, sizes):
    assert sc.parse_hidden(text) == sizes


def test_learning_rates_are_a_log_grid_from_1e_4_to_10():
    assert sc.LR_CHOICES[0] == 1e-4 and sc.LR_CHOICES[-1] == 10.0
    assert 0.1 in sc.LR_CHOICES and 0.5 in sc.LR_CHOICES and len(set(sc.LR_CHOICES)) == len(sc.LR_CHOICES)


def test_textbook_network_has_the_printed_weights():
    net = sc.make_network(sc.TEXTBOOK)
    assert [W.item() for W in net.weights] == [0.5, 0.8] and [b.item() for b in net.biases] == [0.1, 0.2]
    assert round(net.backward([2.0], 1.0).loss, 4) == 0.0643


def test_params_of_a_node_are_its_incoming_weights_and_bias():
    assert sc.params_of((2, 3, 1), "L2:N0") == ["W1:0:0", "W1:0:1", "W1:0:2", "b1:0"]
    assert sc.params_of((2, 3, 1), "L0:N1") == [] and sc.params_of((2, 3, 1), "b0:2") == ["b0:2"]
    assert len(sc.all_params((2, 3, 1))) == 13


def test_the_node_pickers_label_survives_a_value_of_another_network():
    from components.step.panels import _pick_label
    assert _pick_label((2, 3, 1), "L2:N0") == "ŷ  (L2:N0)"
    # the old network's formatted label, sent back by the browser after an architecture change
    assert _pick_label((2, 4, 4, 1), "ŷ  (L2:N0)") == "ŷ  (L2:N0)"
    assert _pick_label((2, 3, 1), "L7:N0") == "L7:N0"
