"""The scenario format: exact round trips (JSON, links, Network) and one clear error per bad input."""
import copy
import dataclasses
import json

import numpy as np
import pytest

from engine import Network
from engine.lab import PRESETS, LabSettings
from engine.scenario import (FORMAT, LINK_MAX_PARAMS, MAX_FILE_BYTES, MAX_LAYERS, MAX_UNITS, Scenario,
                             from_lab_settings, from_query, lesson_ids, link_carries_weights, load_lesson,
                             load_lessons, to_lab_settings, to_query)
from tests.helpers import assert_close

LESSONS = lesson_ids()


def textbook_doc():
    return load_lesson("textbook").to_dict()


# ---------------------------------------------------------------------------- round trips
def test_every_concept_of_the_issue_has_a_preset():
    assert len(LESSONS) >= 18
    for name in ("forward-pass", "loss", "chain-rule", "textbook", "delta-recursion", "lr-too-large",
                 "lr-too-small", "vanishing", "exploding", "dead-relu", "zero-init-symmetry",
                 "sigmoid-derivative", "softmax-cross-entropy", "clipping", "residual", "normalisation",
                 "momentum-adam", "xor-hidden-layer"):
        assert name in LESSONS, f"missing preset {name}"


@pytest.mark.parametrize("name", LESSONS)
def test_preset_has_title_and_explanation(name):
    s = load_lesson(name)
    assert s.title and len(s.title) < 80
    assert s.explanation.count(".") >= 2, "a few sentences of explanation"


@pytest.mark.parametrize("name", LESSONS)
def test_save_then_load_is_exact_for_every_preset(name):
    s = load_lesson(name)
    text = s.to_json()
    again = Scenario.from_json(text)
    assert again == s
    assert again.to_json() == text
    assert Scenario.from_json(text.encode("utf-8")) == s


@pytest.mark.parametrize("name", LESSONS)
def test_link_round_trip_is_exact_for_every_preset(name):
    s = load_lesson(name)
    params = to_query(s)
    assert params == {"v": "2", "lesson": name}, "an unchanged preset is a one-parameter link"
    assert from_query(params) == (s, [])


@pytest.mark.parametrize("name", LESSONS)
def test_edited_preset_link_carries_the_edit(name):
    s = load_lesson(name)
    edited = s.replace(lr=0.0123, step=2, presenter=True, hide=["architecture", "weights"])
    if edited.weights is not None:
        W = [np.array(w) for w in edited.weights]
        W[0][0, 0] = -0.123456789
        edited = edited.replace(weights=[w.tolist() for w in W])
    got, notices = from_query(to_query(edited))
    assert notices == []
    assert got == edited


def test_network_round_trip_is_exact_including_normalisation():
    for kw in ({}, {"norm": "layer"}, {"norm": "batch", "residual": True}):
        net = Network([3, 4, 4, 2], activation=["tanh", "relu"], output_activation="softmax",
                      loss="cross_entropy", seed=7, optimizer="adam", clip_norm=2.0, l2=0.01, **kw)
        net.gammas and net.gammas[0].__setitem__(1, 1.7)
        s = Scenario.from_network(net, lr=0.05)
        twin = Scenario.from_json(s.to_json()).to_network()
        for name, p, q in zip(net.parameter_names(), net.parameters(), twin.parameters()):
            assert np.array_equal(p, q), name
        assert (twin.optimizer, twin.clip_norm, twin.l2, twin.norm, twin.residual) == \
            (net.optimizer, net.clip_norm, net.l2, net.norm, net.residual)
        got, notices = from_query(to_query(s))
        if len(s.flat_parameters()) <= LINK_MAX_PARAMS:
            assert got == s and notices == []


def test_textbook_scenario_gives_the_textbook_numbers():
    s = load_lesson("textbook")
    r = s.to_network().backward(*s.inputs())
    assert round(r.loss, 4) == 0.0643
    assert round(r.dW[0].item(), 4) == -0.1535


def test_big_network_link_carries_settings_and_seed_and_says_so():
    net = Network([2, 8, 8, 1], seed=4)
    net.weights[0][0, 0] = 3.0  # an edit a link cannot carry at this size
    s = Scenario.from_network(net)
    assert not link_carries_weights(s)
    params = to_query(s)
    assert params["w"] == "reinit" and params["seed"] == "4"
    got, notices = from_query(params)
    assert got.weights is None and got.sizes == (2, 8, 8, 1) and got.seed == 4
    assert len(notices) == 1 and "re-initialised" in notices[0]


def test_unedited_big_network_link_is_silent_and_reproduces_the_weights():
    net = Network([2, 8, 8, 1], seed=4)
    got, notices = from_query(to_query(Scenario.from_network(net)))
    assert notices == []
    for p, q in zip(net.parameters(), got.to_network().parameters()):
        assert np.array_equal(p, q)


def test_link_is_compact():
    s = Scenario(page="lab", sizes=(4,) + (32,) * 20 + (1,), activation="sigmoid", output_activation="linear")
    params = to_query(s)
    assert params["s"] == "4-32x20-1"
    assert from_query(params)[0] == s
    fifty = Scenario.from_network(Network([3, 5, 5, 1], seed=1))  # 56 parameters
    assert len(fifty.flat_parameters()) == 56
    url = "&".join(f"{k}={v}" for k, v in to_query(fifty).items())
    assert len(url) < 1300, len(url)


def test_lab_settings_round_trip_for_every_lab_preset():
    for preset in PRESETS.values():
        s = from_lab_settings(preset.settings)
        assert to_lab_settings(s) == preset.settings
        assert from_query(to_query(s)) == (s, [])
        assert Scenario.from_json(s.to_json()) == s


def test_lab_scenario_builds_the_labs_network_and_batch():
    from engine.lab import build_network, make_batch
    settings = LabSettings(depth=3, width=5, activation="tanh", init_gain=2.0, seed=9, batch_size=7)
    s = from_lab_settings(settings)
    X, Y = s.inputs()
    X2, Y2 = make_batch(settings)
    assert_close("X", X, X2, rtol=0, atol=0)
    for p, q in zip(s.to_network().parameters(), build_network(settings).parameters()):
        assert np.array_equal(p, q)


def test_playground_scenario_inputs_come_from_the_seeded_dataset():
    s = load_lesson("xor-hidden-layer")
    X, Y = s.inputs()
    assert X.shape == (100, 2) and Y.shape == (100, 1)
    assert np.array_equal(X, s.inputs()[0])
    assert set(np.unique(Y)) == {0.0, 1.0}


# ---------------------------------------------------------------------------- one clear error
def mutate(path, value):
    doc = textbook_doc()
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


DELETE = object()

BAD_DOCUMENTS = [
    (["format"], "something-else", "format: expected"),
    (["version"], 3, "version: this app reads scenario versions 1 to 2"),
    (["version"], "1", "version: expected"),
    (["page"], "nowhere", "page: expected one of step, lab, playground"),
    (["page"], DELETE, "page: missing"),
    (["colour"], "red", "colour: unknown field"),
    (["network", "sizes"], DELETE, "network.sizes: missing"),
    (["network", "sizes"], "1,1,1", "network.sizes: expected a list"),
    (["network", "sizes"], [1, 0, 1], "network.sizes[1]: expected an integer from 1 to 256"),
    (["network", "sizes"], [1, 300, 1], "network.sizes[1]: expected an integer from 1 to 256"),
    (["network", "sizes"], [1, 2.5, 1], "network.sizes[1]: expected an integer"),
    (["network", "sizes"], [1] * (MAX_LAYERS + 2), "network.sizes: expected a list of 2 to 65 layer sizes"),
    (["network", "sizes"], [256, 256, 256, 256, 256, 256], "expected at most 300,000 parameters"),
    (["network", "activation"], "swish", "network.activation: expected one of linear, sigmoid"),
    (["network", "activation"], ["relu", "tanh"], "network.activation: expected one name per hidden layer (1)"),
    (["network", "loss"], "cross_entropy", "network.loss: 'cross_entropy' expects output_activation 'softmax'"),
    (["network", "seed"], True, "network.seed: expected an integer"),
    (["network", "seed"], -1, "network.seed: expected an integer from 0"),
    (["network", "weights"], [[[0.5]]], "network.weights: expected 2 layers"),
    (["network", "weights"], [[[0.5, 1.0]], [[0.8]]], "network.weights[0]: expected shape (1, 1)"),
    (["network", "weights"], [[["0.5"]], [[0.8]]], "network.weights[0][0][0]: expected a finite number"),
    (["network", "weights"], [[[1e300]], [[0.8]]], "network.weights[0][0][0]: expected a finite number in [-1e+06"),
    (["network", "biases"], None, "weights and biases go together"),
    (["network", "init"], "glorot", "network.init: expected one of zeros"),
    (["network", "frobnicate"], 1, "network.frobnicate: unknown field"),
    (["training", "lr"], -0.1, "training.lr: expected a finite number in [0, 10]"),
    (["training", "lr"], "fast", "training.lr: expected a finite number"),
    (["training", "lr"], DELETE, "training.lr: missing"),
    (["training", "momentum"], 1.0, "training.momentum: expected a finite number in [0, 1)"),
    (["training", "optimizer"], "lbfgs", "training.optimizer: expected one of sgd, momentum, adam"),
    (["data", "x"], [[2.0, 3.0]], "data.x: expected rows of 1 inputs"),
    (["data", "y"], [[1.0], [0.0]], "data.y: expected 1 rows"),
    (["data", "x"], [[2.0]] * 513, "data.x: expected at most 512 rows"),
    (["data", "dataset"], "mnist", "data.dataset: expected one of xor"),
    (["data", "features"], ["x1", "x1"], "data.features: expected each feature at most once"),
    (["data", "noise"], 2, "data.noise: expected a finite number in [0, 1]"),
    (["view", "hide"], ["everything"], "view.hide[0]: expected one of architecture"),
    (["view", "step"], -3, "view.step: expected an integer from 0"),
    (["view", "options"], {"bad key!": 1}, "view.options: expected option names"),
    (["network"], [1, 2], "network: expected a JSON object"),
]


@pytest.mark.parametrize("path,value,message", BAD_DOCUMENTS, ids=[m for _, _, m in BAD_DOCUMENTS])
def test_bad_field_gives_one_error_naming_it(path, value, message):
    with pytest.raises(ValueError) as e:
        Scenario.from_dict(mutate(path, value))
    assert message in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("text,message", [
    ("{", "file: not valid JSON (line 1, column 2"),
    ("", "file: not valid JSON"),
    ("[1, 2, 3]", "scenario: expected a JSON object"),
    ('{"format": "backprop-lens/scenario", "version": 1, "page": "step", "training": {"lr": NaN}}',
     "NaN is not a number a scenario may hold"),
    ('{"a": Infinity}', "Infinity is not a number"),
    ("[" * 100_000, "file: not"),
    ("1" * 5000, "file: not valid JSON"),
])
def test_bad_file_text_gives_one_clear_error(text, message):
    with pytest.raises(ValueError) as e:
        Scenario.from_json(text)
    assert message in str(e.value)


def test_huge_number_is_rejected_as_not_finite():
    text = json.dumps(textbook_doc()).replace('"lr": 0.1', '"lr": 1e999')
    with pytest.raises(ValueError, match=r"training.lr: expected a finite number"):
        Scenario.from_json(text)


def test_binary_and_oversized_files_are_rejected():
    with pytest.raises(ValueError, match="file: expected UTF-8 JSON text"):
        Scenario.from_json(b"\x89PNG\r\n\x1a\n\xff\xfe")
    big = b" " * (MAX_FILE_BYTES + 1)
    with pytest.raises(ValueError, match=r"file: expected at most 1,048,576 bytes"):
        Scenario.from_json(big)


def test_limits_are_the_documented_ones():
    assert (MAX_LAYERS, MAX_UNITS) == (64, 256)
    ok = mutate(["network", "sizes"], [1] * 65)
    ok["network"]["weights"] = ok["network"]["biases"] = None
    assert Scenario.from_dict(ok).sizes == (1,) * 65


def test_replace_validates_like_a_file():
    s = load_lesson("textbook")
    with pytest.raises(ValueError, match="training.lr"):
        s.replace(lr=float("nan"))
    assert s.replace(lr=0.2).lr == 0.2


# ---------------------------------------------------------------------------- links with garbage
def test_link_with_garbage_falls_back_with_notices():
    s, notices = from_query({"v": "1", "lr": "fast", "s": "2-x-1", "zz": "1", "w": "1,2", "x": "nan",
                             "p": "moon", "hide": "architecture.everything", "present": "yes"})
    assert s == Scenario()
    text = " | ".join(notices)
    for expected in ("lr: training.lr: could not read 'fast'", "s: network.sizes: could not read",
                     "'zz' is unknown", "data.x[0][0]: expected a finite number", "p: page: expected one of",
                     "view.hide[1]: expected one of", "present: view.presenter"):
        assert expected in text, expected


def test_link_with_clashing_parameters_drops_the_clash():
    s, notices = from_query({"v": "1", "lesson": "textbook", "s": "1-2-1"})
    assert s.sizes == (1, 2, 1) and s.weights is None and s.x == ((2.0,),)
    s, notices = from_query({"v": "1", "loss": "cross_entropy"})
    assert s == Scenario() and "expects output_activation 'softmax'" in notices[0]


def test_unknown_lesson_in_link_uses_defaults():
    s, notices = from_query({"v": "1", "lesson": "no-such"})
    assert s == Scenario() and "unknown name 'no-such'" in notices[0]


def test_link_parameters_of_other_owners_can_be_ignored():
    s, notices = from_query({"v": "1", "lr": "0.5", "selected": "L1:N0"}, ignore=("selected",))
    assert s.lr == 0.5 and notices == []


def test_link_options_and_presenter_flags_round_trip():
    s = Scenario().replace(options={"colour_by": "delta", "labels": True, "zoom": 1.5, "note": "true",
                                    "ids": ["a", "b"]}, presenter=True, hide=("inputs", "architecture"), quiz=True)
    params = to_query(s)
    assert params["present"] == "1" and params["hide"] == "architecture.inputs"
    assert params["v.colour_by"] == "delta"
    assert from_query(params) == (s, [])


def test_lessons_load_in_teaching_order():
    lessons = load_lessons()
    assert list(lessons) == LESSONS
    assert LESSONS[0] == "forward-pass"
    assert all(s.lesson == name for name, s in lessons.items())
    assert all(json.loads(s.to_json())["format"] == FORMAT for s in lessons.values())
    assert copy.deepcopy(lessons["textbook"]) == dataclasses.replace(lessons["textbook"])


def test_readme_scenario_example_prints_what_it_shows():
    import contextlib
    import io
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = text[text.index("## Scenario format"):]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    shown = "\n".join(line[2:] for line in code.splitlines() if line.startswith("# ")) + "\n"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == shown


def test_a_scenario_whose_layers_do_not_fit_its_dataset_is_refused():
    """Found by the file-mutation property test: sizes [2, 4, 1] cut to [2, 41] loaded, then broke in backward."""
    doc = load_lesson("xor-hidden-layer").to_dict()
    doc["network"]["sizes"] = [2, 41]
    with pytest.raises(ValueError, match=r"^network.sizes: expected 1 output\(s\) for dataset 'xor' \(binary\), "
                                         r"got sizes\[-1\] = 41$"):
        Scenario.from_dict(doc)
    doc["network"]["sizes"] = [3, 4, 1]
    with pytest.raises(ValueError, match=r"^network.sizes: expected 2 inputs \(one per feature: x1, x2\), "
                                         r"got sizes\[0\] = 3$"):
        Scenario.from_dict(doc)
    doc["network"]["sizes"] = [2, 4, 1]
    s = Scenario.from_dict(doc)
    X, Y = s.inputs()
    s.to_network().backward(X, Y)
