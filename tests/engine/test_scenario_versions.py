"""Scenario files and links of format version 1 (before the vocabulary was unified) open exactly.

tests/fixtures/scenario_v1 holds what the app wrote in version 1: the shipped lessons, six saved
files (step page with trained weights, with batch norm and clipping; the lab with clipping off and a
remembered threshold, with clipping on; the playground with L2 and clipping, with uploaded points)
and 41 links; expected_numbers.json the loss and a SHA-256 of every parameter and of ∂L/∂W⁽¹⁾ that
version 1's code computed for each. Reading them now must give the same scenario and, bit for bit,
the same numbers.
"""
import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from engine.lab import LabSettings
from engine.scenario import Scenario, VERSION, from_query, lesson_id, load_lesson, to_lab_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenario_v1"
EXPECTED = json.loads((FIXTURES / "expected_numbers.json").read_text())
LINKS = json.loads((FIXTURES / "links.json").read_text())
LESSON_FILES = sorted((FIXTURES / "lessons").glob("*.json"))
SAVED = sorted((FIXTURES / "saved").glob("*.json"))


def numbers(s: Scenario) -> dict:
    """What expected_numbers.json holds for a scenario: its network's loss, parameters and dW[0]."""
    net = s.to_network()
    r = net.backward(*s.inputs())
    flat = np.concatenate([p.ravel() for p in net.parameters()]).astype(np.float64)
    return {"loss": repr(float(r.loss)), "n_parameters": int(flat.size),
            "parameters_sha256": hashlib.sha256(flat.tobytes()).hexdigest(),
            "dW0_sha256": hashlib.sha256(np.ascontiguousarray(r.dW[0].ravel(), dtype=np.float64).tobytes()).hexdigest()}


def in_version_2(name: str, section: str, value):
    """A version-1 value in version 2's words (the only two changes of the format)."""
    if (section, name) == ("network", "norm") and value == "none":
        return None
    if (section, name) == ("view", "options"):
        return {k: v for k, v in value.items() if k != "clip_threshold"}
    return value


def test_the_fixtures_are_version_1_and_the_app_writes_version_2():
    assert VERSION == 2
    assert len(LESSON_FILES) == 18 and len(SAVED) == 6 and len(LINKS) == 41
    for path in LESSON_FILES + SAVED:
        assert json.loads(path.read_text())["version"] == 1, path.name
    assert all(q["v"] == "1" for q in LINKS.values())
    assert load_lesson("textbook").to_dict()["version"] == 2


@pytest.mark.parametrize("path", LESSON_FILES, ids=[p.stem for p in LESSON_FILES])
def test_every_version_1_lesson_opens_as_the_shipped_lesson_with_the_same_numbers(path):
    name = lesson_id(path)
    old = dataclasses.replace(Scenario.from_json(path.read_bytes()), lesson=name)
    assert old == load_lesson(name)
    assert numbers(old) == EXPECTED["lesson-" + name]


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_saved_version_1_files_open_field_by_field_with_the_same_numbers(path):
    doc = json.loads(path.read_text())
    s = Scenario.from_json(path.read_bytes())
    now = s.to_dict()
    for section in ("network", "training", "data", "view"):
        for name, value in doc[section].items():
            assert now[section][name] == in_version_2(name, section, value), f"{section}.{name}"
    assert numbers(s) == EXPECTED[path.stem]
    assert Scenario.from_json(s.to_json()) == s, "and it saves again as version 2, exactly"


def test_the_labs_remembered_threshold_of_version_1_is_dropped_and_clipping_stays_off():
    s = Scenario.from_json((FIXTURES / "saved" / "lab-clip-off-threshold.json").read_bytes())
    settings = to_lab_settings(s)
    assert settings.clip_norm is None and settings.norm == "batch" and settings.init_gain == 2.0
    on = to_lab_settings(Scenario.from_json((FIXTURES / "saved" / "lab-clip-on.json").read_bytes()))
    assert on == LabSettings(depth=10, width=16, activation="relu", init="he_normal", init_gain=2.0, clip_norm=1.0,
                             lr=0.01, target="sine", loss="bce")


@pytest.mark.parametrize("name", sorted(LINKS), ids=sorted(LINKS))
def test_version_1_links_open_without_notices_as_their_files_and_lessons_do(name):
    s, notices = from_query(LINKS[name])
    assert notices == []
    if name.startswith("lesson-") and not name.endswith("-changed"):
        assert s == load_lesson(name[len("lesson-"):])
        assert numbers(s) == EXPECTED[name]
    elif name.endswith("-changed"):
        base = load_lesson(name[len("lesson-"):-len("-changed")])
        assert s == base.replace(seed=base.seed + 1, lr=base.lr / 2, weights=None, biases=None, gammas=None,
                                 betas=None)
    else:
        saved = Scenario.from_json((FIXTURES / "saved" / f"{name}.json").read_bytes())
        assert s == saved
        assert numbers(s) == EXPECTED[name]
