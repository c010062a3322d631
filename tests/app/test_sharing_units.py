"""The pure parts of sharing, presenter and quiz: page adapters, the stylesheet, questions and grading."""
import ast
from pathlib import Path

import numpy as np
import pytest

from components.shell import presenter
from components.step import quiz
from components.shell import sharing
from components.lab.scenario import lab_scenario, lab_state
from components.playground.scenario import playground_scenario, playground_state
from components.step.scenario import step_scenario, step_state
from components.playground.settings import PlaygroundSettings, new_run
from components.step.config import DEFAULT, TEXTBOOK
from components.step.session import new_run as new_step_run
from engine.datasets import parse_csv
from engine.lab import PRESETS
from engine.scenario import HIDE_FLAGS, Scenario, from_query, load_lesson, to_query
from engine.timeline import build_timeline

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------- adapters
@pytest.mark.parametrize("cfg", [DEFAULT, TEXTBOOK], ids=["default", "textbook"])
def test_step_page_round_trip_is_exact(cfg):
    run = new_step_run(cfg)
    run.weights[0][0, 0] = -1.2345678901234567
    run.step, run.edge_mode, run.trained = 3, "gradient", 2
    s = step_scenario(run)
    again = Scenario.from_json(s.to_json())
    cfg2, weights, biases, step, options = step_state(again)
    assert (cfg2.sizes, cfg2.x, cfg2.y, cfg2.lr, cfg2.seed) == (cfg.sizes, cfg.x, cfg.y, cfg.lr, cfg.seed)
    for a, b in zip(weights + biases, run.weights + run.biases):
        assert np.array_equal(a, b)
    assert step == 3 and options["edge_mode"] == "gradient" and options["trained"] == 2
    assert from_query(to_query(s)) == (s, [])


@pytest.mark.parametrize("change,message", [
    ({"x": [[1.0], [2.0]], "y": [[1.0], [0.0]]}, "data.x: the step-through page shows one sample"),
    ({"optimizer": "adam"}, "training.optimizer: the step-through page uses plain gradient descent"),
    ({"lr": 0.3}, "training.lr: the step-through page offers"),
    ({"x": [[7.0]]}, "data.x: the input sliders go from −5 to 5"),
    ({"page": "lab"}, "network.loss: the lab uses mse with a linear output"),
])
def test_step_page_refuses_what_it_cannot_show(change, message):
    with pytest.raises(ValueError, match=message):
        s = load_lesson("textbook").replace(**change)
        step_state(s)


def test_a_scenario_for_another_page_is_refused_by_name():
    with pytest.raises(ValueError, match="page: this scenario is for the Gradient lab page, not the Step through"):
        step_state(load_lesson("vanishing"))


def test_playground_round_trip_replays_to_the_same_weights():
    settings = PlaygroundSettings(dataset="moons", hidden=(4, 3), n_samples=200, optimizer="adam", lr=0.03)
    run = new_run(settings)
    run.trainer.run(steps=37)
    s = Scenario.from_json(playground_scenario(settings, run).to_json())
    assert s.step == 37
    settings2, weights, biases, step, selected, uploaded, schedule = playground_state(s)
    assert settings2 == settings and uploaded is None
    replay = new_run(settings2)
    replay.trainer.run(steps=step)
    for a, b in zip(replay.net.parameters(), run.net.parameters()):
        assert np.array_equal(a, b), "replaying from the seed reproduces the weights bit for bit"
    assert np.array_equal(np.array(weights[0]), run.net.weights[0])


@pytest.mark.parametrize("labels,task", [(lambda i: i % 2, "binary"), (lambda i: i % 4, "multiclass"),
                                         (lambda i: i / 7 - 1.5, "regression")])
def test_playground_on_uploaded_points_round_trip_replays_to_the_same_points_and_weights(labels, task):
    rng = np.random.default_rng(3)
    text = "x1,x2,label\n" + "\n".join(f"{float(a)!r},{float(b)!r},{labels(i)!r}"
                                       for i, (a, b) in enumerate(rng.uniform(-8, 8, (60, 2))))
    settings = PlaygroundSettings(dataset="csv", hidden=(3,), test_ratio=0.3, lr=0.1)
    run = new_run(settings, parse_csv(text, test_ratio=0.3, seed=settings.data_seed))
    run.trainer.run(steps=23)
    s = Scenario.from_json(playground_scenario(settings, run).to_json())
    assert s.dataset == "csv" and s.points.task == task
    settings2, weights, biases, step, selected, uploaded, schedule = playground_state(s)
    assert settings2 == settings and step == 23
    for name in ("X_train", "y_train", "X_test", "y_test"):
        got, want = getattr(uploaded, name), getattr(run.dataset, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name
    replay = new_run(settings2, uploaded)
    replay.trainer.run(steps=step)
    for a, b in zip(replay.net.parameters(), run.net.parameters()):
        assert np.array_equal(a, b), "the same points and seed replay to the same weights bit for bit"
    with pytest.raises(ValueError, match="data.points: a link cannot carry uploaded points; save the scenario"):
        to_query(s)


def test_playground_refuses_csv_without_points_and_mismatched_outputs():
    with pytest.raises(ValueError, match="data.dataset: csv needs the uploaded points; upload a CSV file first"):
        playground_scenario(PlaygroundSettings().with_(dataset="csv"))
    s = load_lesson("xor-hidden-layer")
    with pytest.raises(ValueError, match="network.loss: the playground pairs xor with a sigmoid output and bce"):
        playground_state(s.replace(loss="mse"))
    with pytest.raises(ValueError, match="network.sizes: expected 3 inputs"):
        playground_state(s.replace(features=["x1", "x2", "x1x2"]))


def test_lab_refuses_values_its_sliders_cannot_hold():
    with pytest.raises(ValueError, match="network.init_gain: the gradient lab offers 0.01, .*; got 3.3"):
        lab_state(load_lesson("vanishing").replace(init_gain=3.3))
    with pytest.raises(ValueError, match="training.lr: the gradient lab offers .*; got 0.02"):
        lab_state(load_lesson("vanishing").replace(lr=0.02))


def test_lab_round_trip_for_every_preset():
    for preset in PRESETS.values():
        s = lab_scenario(preset.settings)
        assert lab_state(Scenario.from_json(s.to_json())) == (preset.settings, 0, {}, [])


# ---------------------------------------------------------------------------- presenter
def test_presenter_stylesheet_literal_matches_the_tables():
    """The literal in ``apply`` (no markup built at run time) is exactly what the tables say."""
    tree = ast.parse((ROOT / "components" / "shell" / "presenter.py").read_text())
    literals = [n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call)
                and getattr(n.func, "attr", "") == "html" and isinstance(n.args[0], ast.Constant)
                and "<style>" in n.args[0].value]
    assert literals == [f"<style>\n{presenter.stylesheet()}\n</style>"]


def test_every_hide_flag_hides_something_on_some_page():
    css = presenter.stylesheet()
    for flag in HIDE_FLAGS:
        assert f"body:has(.st-key-presenter_flag_{flag})" in css, flag
    assert '[class*="st-key-step_lr_"]' in css and '[class*="st-key-pg_lr"]' in css


def test_chart_config_names_the_png():
    cfg = presenter.chart_config("network")
    assert cfg["toImageButtonOptions"] == {"format": "png", "filename": "backprop-lens-network", "scale": 2}


# ---------------------------------------------------------------------------- quiz
def textbook_steps():
    s = load_lesson("textbook")
    return build_timeline(s.to_network(), *s.inputs(), s.lr)


def test_quiz_asks_only_before_backward_steps_about_the_largest_gradient():
    steps = textbook_steps()
    asked = {i: quiz.question_for(steps, i) for i in range(len(steps))}
    assert [i for i, q in asked.items() if q] == [i for i in range(len(steps) - 1)
                                                  if steps[i + 1].kind == "backward"]
    q = asked[3]
    assert q.param == "W1:0:0" and round(q.value, 4) == -0.1055 and q.reveal == 4
    assert (q.sign, quiz.SIZES[q.size][2]) == ("−", "0.1 – 1")
    assert quiz.grade(q, "−", 3) == (True, True) and quiz.grade(q, "+", 2) == (False, False)


def test_quiz_size_buckets_cover_every_magnitude():
    assert [quiz.size_of(v) for v in (0.0, 5e-4, -0.005, 0.05, -0.5, 3.0, 1e300)] == [0, 0, 1, 2, 3, 4, 4]
    assert quiz.sign_of(0.0) == "0" and quiz.sign_of(-1e-300) == "−"
    assert quiz.Score().add(True, False).add(False, False) == quiz.Score(2, 1, 0)
