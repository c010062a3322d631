"""One field table: the widgets, the scenario file, the links and the pages' records accept and refuse
the same values for every setting, at each end of its range and just outside it.

Every range comes from ``engine.settings.SETTINGS``; nothing here restates a limit.
"""
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.playground.settings import PlaygroundSettings
from components.step import config as sc
from engine.lab import FIELDS as LAB_FIELDS
from engine.lab import LabSettings
from engine.scenario import FIELD, Scenario, from_lab_settings, from_query
from engine.settings import SETTINGS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
NUMERIC = [s for s in SETTINGS.values() if s.kind in (int, float)]
IN_A_FILE = [s for s in NUMERIC if s.name in FIELD]                 # a field of its own in a scenario
LAB_OPTIONS = [s for s in NUMERIC if s.path.startswith("view.options.") and s.name in LAB_FIELDS]
PLAYGROUND = {f.name for f in dataclasses.fields(PlaygroundSettings)}


def probes(setting):
    """(value, accepted?) at both ends of the range and just outside them."""
    lo, hi = setting.lo, setting.hi
    if setting.kind is int:
        return [(int(lo), True), (int(hi), True), (int(lo) - 1, False), (int(hi) + 1, False)]
    below, above = float(np.nextafter(lo, -math.inf)), float(np.nextafter(hi, math.inf))
    return [(float(lo), not setting.lo_open), (float(hi), not setting.hi_open), (below, False), (above, False),
            (float(np.nextafter(lo, math.inf)), True), (float(np.nextafter(hi, -math.inf)), True)]


CASES = [(s, v, ok) for s in NUMERIC for v, ok in probes(s)]
FILE_CASES = [(s, v, ok) for s, v, ok in CASES if s.name in FIELD]


def case_id(case):
    s, v, ok = case
    return f"{s.name}={v!r}-{'ok' if ok else 'refused'}"


def accepted(build) -> bool:
    try:
        build()
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("case", CASES, ids=map(case_id, CASES))
def test_the_table_itself_accepts_its_range_and_refuses_just_outside(case):
    setting, value, ok = case
    assert setting.accepts(value) == ok


@pytest.mark.parametrize("case", FILE_CASES, ids=map(case_id, FILE_CASES))
def test_the_json_reader_and_the_link_reader_agree_with_the_table(case):
    setting, value, ok = case
    doc = Scenario().to_dict()
    section, name = setting.path.split(".")
    doc[section][name] = value
    assert accepted(lambda: Scenario.from_dict(doc)) == ok, "JSON reader"
    s, notices = from_query({"v": "2", setting.link: FIELD[name].show(value)})
    assert (not notices and getattr(s, name) == value) == ok, f"link reader: {notices}"
    if not ok:
        assert notices and notices[0].startswith(f"link parameter {setting.link}: {setting.path}: expected")


@pytest.mark.parametrize("case", [c for c in CASES if c[0].name in LAB_FIELDS], ids=case_id)
def test_the_labs_record_and_its_scenario_agree_with_the_table(case):
    setting, value, ok = case
    assert accepted(lambda: LabSettings(**{setting.name: value})) == ok, "LabSettings"
    if setting in LAB_OPTIONS:      # a lab option travels in view.options (file) and v.<name> (link)
        doc = from_lab_settings(LabSettings()).to_dict()
        doc["view"]["options"][setting.name] = value
        assert accepted(lambda: Scenario.from_dict(doc)) == ok, "JSON reader"
        s, notices = from_query({"v": "2", "p": "lab", "s": "4-32x20-1", "a": "sigmoid", "o": "linear",
                                 "init": "xavier_normal", "bs": "64", setting.link: repr(value)})
        assert (not notices and s.options.get(setting.name) == value) == ok, f"link reader: {notices}"


@pytest.mark.parametrize("case", [c for c in CASES if c[0].name in PLAYGROUND], ids=case_id)
def test_the_playgrounds_record_agrees_with_the_table(case):
    setting, value, ok = case
    assert accepted(lambda: PlaygroundSettings(**{setting.name: value})) == ok


@pytest.mark.parametrize("case", [c for c in CASES if c[0].name in ("seed", "lr", "init_gain")], ids=case_id)
def test_the_step_pages_record_agrees_with_the_table(case):
    setting, value, ok = case
    assert accepted(lambda: sc.validate(dataclasses.replace(sc.DEFAULT, **{setting.name: value}))) == ok


@pytest.mark.parametrize("setting", [s for s in SETTINGS.values() if s.optional], ids=lambda s: s.name)
def test_none_is_off_in_the_table_the_file_and_the_link(setting):
    assert setting.accepts(None)
    doc = Scenario().to_dict()
    section, name = setting.path.split(".")
    doc[section][name] = None
    assert getattr(Scenario.from_dict(doc), name) is None
    assert from_query({"v": "2", setting.link: "-"}) == (Scenario(), [])


# ---------------------------------------------------------------------------- the widgets
def _page(path):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _assert_range(widget, name):
    setting = SETTINGS[name]
    assert (widget.min, widget.max) == (setting.lo, setting.hi), f"{name}: widget {widget.label!r}"


def test_the_playgrounds_widgets_take_their_ranges_from_the_table():
    at = _page("components/playground/page.py")
    for name in ("seed", "batch_size", "epoch_limit"):
        _assert_range(at.number_input(key=f"pg_{name}"), name)
    for name in ("n_samples", "noise", "test_ratio"):
        slider = at.slider(key=f"pg_{name}")
        assert (slider.proto.min, slider.proto.max) == (SETTINGS[name].lo, SETTINGS[name].hi), name
    for key, name in (("pg_lr", "lr"), ("pg_init_gain", "init_gain"), ("pg_reg_rate", "l1")):
        assert all(SETTINGS[name].accepts(float(v)) for v in at.select_slider(key=key).options), key
    clip = [float(v) for v in at.select_slider(key="pg_clip_norm").options]
    assert all(SETTINGS["clip_norm"].accepts(v or None) for v in clip), "0 on the slider is None: off"


def test_the_labs_widgets_take_their_ranges_from_the_table():
    at = _page("components/lab/page.py")
    for name in ("seed", "batch_size"):
        _assert_range(at.number_input(key=f"lab_{name}"), name)
    for name in ("depth", "width"):
        slider = at.slider(key=f"lab_{name}")
        assert (slider.proto.min, slider.proto.max) == (SETTINGS[name].lo, SETTINGS[name].hi), name
    from components.lab import state   # the ladders the lab's select sliders show (their options are formatted)
    for ladder, name in ((state.SCALES, "init_gain"), (state.LRS, "lr"), (state.STEPS, "steps"),
                         (state.CLIPS, "clip_norm")):
        assert all(SETTINGS[name].accepts(v) for v in ladder), name
        assert len(at.select_slider(key=f"lab_{name}" if name != "clip_norm" else state.CLIP_THRESHOLD).options) \
            == len(ladder)


def test_the_step_pages_widgets_take_their_ranges_from_the_table():
    at = _page("components/step/page.py")
    seed = next(w for w in at.number_input if w.label == "Seed")
    _assert_range(seed, "seed")
    assert all(SETTINGS["lr"].accepts(v) for v in sc.LR_CHOICES)
    assert all(SETTINGS["init_gain"].accepts(v) for v in sc.GAIN_CHOICES)
