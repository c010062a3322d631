"""Every page driven into divergence as in issue 18, headless: the same words (engine.divergence) at the
first diverging step — never later than the step where the loss first passes the threshold — the run
paused at its last healthy weights, and continuing with the α the message names makes progress."""
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.divergence import START_MULTIPLE, TRIAL_STEPS
from engine.scenario.lessons import lesson_files

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app():
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    return at


def first_over_threshold(losses):
    """The 1-based step at which the loss first passes START_MULTIPLE × the first loss (None: never)."""
    limit = START_MULTIPLE * max(losses[0], 1e-2)
    return next((i + 1 for i, v in enumerate(losses) if not v <= limit), None)


def errors(at):
    return [e.value for e in at.error]


# ---------------------------------------------------------------- step-through page
def step_key(at, name):
    return f"step_{name}_{at.session_state['step_page'].generation}"


def test_step_page_linear_output_gain_10_alpha_10(app):
    at = app   # the step page is the default page
    at.selectbox(key=step_key(at, "out")).set_value("linear").run()
    at.select_slider(key=step_key(at, "gain")).set_value(10.0).run()
    at.select_slider(key=step_key(at, "lr")).set_value(10.0).run()
    run = at.session_state["step_page"]
    losses = []
    for _ in range(30):
        losses.append(run.steps()[-1].loss)
        at.button(key="step_train").click().run()
        run = at.session_state["step_page"]
        if run.divergence is not None:
            break
    d = run.divergence
    assert d is not None, f"α = 10 on a linear output must diverge; losses {losses}"
    assert d.step == len(losses) and d.step <= (first_over_threshold(losses) or d.step)
    assert np.isfinite(d.loss) and d.loss < 1e30, "caught before 3.3·10²⁶ (issue 18)"
    assert d.message in errors(at) and f"Diverging at step {d.step}" in d.message
    assert run.trained == d.healthy_step and run.steps()[-1].loss == d.healthy_loss, "back at the healthy weights"
    assert at.button(key="step_train").disabled, "paused until α changes"
    # continue as the message says
    rate = d.suggestion.lr
    assert rate is not None and f"Continue with α = {rate:g}" in d.message
    at.button(key="step_continue").click().run()
    run = at.session_state["step_page"]
    assert run.config.lr == rate and run.divergence is None
    for _ in range(TRIAL_STEPS):
        at.button(key="step_train").click().run()
    run = at.session_state["step_page"]
    assert run.divergence is None and run.steps()[-1].loss <= 0.9 * d.healthy_loss
    assert not at.exception


def test_lesson_06_names_the_button_as_the_page_draws_it(app):
    from components.step.panels import APPLY_LABEL
    text = next(p for p in lesson_files() if p.name.startswith("06-")).read_text(encoding="utf-8")
    assert f"“{APPLY_LABEL}”" in text
    at = app
    assert any(b.label == APPLY_LABEL for b in at.button), [b.label for b in at.button]


# ---------------------------------------------------------------- gradient lab
def test_lab_tanh_too_large_init_residual_50_steps(app):
    at = app
    at.switch_page("components/lab/page.py").run()
    at.button(key="lab_preset_1").click().run()           # tanh with too-large init
    at.toggle(key="lab_residual").set_value(True).run()
    at.select_slider(key="lab_steps").set_value(50).run()
    at.button(key="lab_run_all").click().run()
    run = at.session_state["lab"].run
    d = run.divergence
    assert d is not None, "the loss climbed to 4·10⁷⁵ with no word (issue 18)"
    rise = [v for _, v in d.rise]
    assert d.step <= (first_over_threshold([d.healthy_loss] + rise[1:]) or d.step)
    assert d.message in errors(at)
    heading = next(m.value for m in at.markdown if m.value.startswith("### "))
    assert "vanishing" not in heading and "residual connections" not in " ".join(m.value for m in at.markdown
                                                                                if "Try a remedy" in m.value), \
        "the verdict is the healthy state's and never suggests a remedy already on"
    rate = d.suggestion.lr
    assert rate is not None
    before = run.losses[-1] if run.losses else d.healthy_loss
    at.button(key="lab_continue").click().run()            # the button sets the α the message names
    assert at.session_state["lab_lr"] == rate
    at.button(key="lab_run_all").click().run()
    run = at.session_state["lab"].run
    assert run.divergence is None and run.step == 50
    assert run.losses[-1] <= 0.9 * before
    assert not at.exception


# ---------------------------------------------------------------- playground (the play scenario is in test_playground)
def test_playground_plane_relu_x10_lr10_says_the_same_words(app):
    at = app
    at.switch_page("components/playground/page.py").run()
    at.selectbox(key="pg_dataset").set_value("plane").run()
    at.selectbox(key="pg_activation").set_value("relu").run()
    at.select_slider(key="pg_init_gain").set_value(10.0).run()
    at.select_slider(key="pg_lr").set_value(10.0).run()
    losses = []
    t = at.session_state["playground"].run.trainer
    for _ in range(20):
        at.button(key="pg_step").click().run()
        if t.divergence is not None:
            break
        losses.append(t.last_pass.loss)
    d = t.divergence
    assert d is not None and d.step <= (first_over_threshold(losses + [d.loss]) or d.step)
    assert d.message in errors(at)
    assert d.rule in ("multiple", "growth", "nonfinite") and t.step_count == d.healthy_step
