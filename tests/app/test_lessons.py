"""Every lesson preset opens from the Lessons page in its page, exactly, and shows what it claims."""
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.shell import sharing
from components.drawing.style import fmt
from engine.scenario import Scenario, lesson_ids, load_lesson
from tests.helpers import assert_close

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_lesson(name):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("components/lessons/page.py").run()
    assert not at.exception
    assert load_lesson(name).title in " ".join(m.value for m in at.markdown)
    at.button(key=f"open_{name}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    s = load_lesson(name)
    assert any(s.title in m.value for m in at.info), "the lesson's title and explanation are shown"
    # st.switch_page moved the app; AppTest keeps rerunning the page it was told, so follow it there
    at.switch_page(sharing.PAGE_FILES[s.page]).run()
    assert not at.exception and not at.error
    return at


def same_parameters(got, want):
    for l, (g, w) in enumerate(zip(got, want)):
        assert np.array_equal(np.asarray(g), np.asarray(w)), f"parameter {l} differs"


@pytest.mark.parametrize("name", lesson_ids())
def test_lesson_opens_its_page_exactly(name):
    s = load_lesson(name)
    at = open_lesson(name)
    if s.page == "step":
        run = at.session_state["step_page"]
        assert run.sizes == s.sizes and run.config.lr == s.lr
        assert run.config.x == s.x[0] and run.config.y == s.y[0]
        want = s.to_network()
        same_parameters(run.weights, want.weights)
        same_parameters(run.biases, want.biases)
        back = sharing.step_scenario(run)   # and saving the page gives the lesson's numbers back
        assert back.flat_parameters() == Scenario.from_network(want).flat_parameters()
        assert (back.x, back.y, back.lr, back.sizes) == (s.x, s.y, s.lr, s.sizes)
        # the page's numbers are the engine's: run to the end of the timeline and compare the loss shown
        at.button(key="step_end").click().run()
        r = want.backward(*s.inputs())
        loss = next(m for m in at.metric if m.label == "Loss L")
        assert loss.value == fmt(r.loss)
    elif s.page == "lab":
        from engine.lab import analyse
        settings = sharing.lab_state(s)[0]
        assert at.session_state["lab_last_valid"] == settings
        _, d = analyse(settings)
        verdict = next(m.value for m in at.markdown if m.value.startswith("### "))
        assert d.state in verdict.lower() or d.verdict()[:20].lower() in verdict.lower()
    elif s.page == "sandbox":
        from engine.expression import evaluate, number, parse
        run = at.session_state["sandbox"]
        assert (run.text, run.values, run.step) == (s.expression, s.values, s.step)
        assert sharing.sandbox_scenario(run).expression == s.expression
        at.button(key="sandbox_end").click().run()   # the page's gradients are the engine's
        ev = evaluate(parse(s.expression), s.values)
        shown = {m.label: m.value for m in at.metric}
        y = run.graph.output_name
        assert all(shown[f"∂{y}/∂{v}"] == number(ev.gradient[v]) for v in run.graph.variables)
    else:
        settings = at.session_state["playground_settings"]
        assert settings == sharing.playground_state(s)[0]
        run = at.session_state["playground_run"]
        same_parameters(run.net.weights, s.to_network().weights)
        assert run.trainer.step_count == s.step


def test_claims_are_visible_on_the_page_after_stepping_the_textbook():
    at = open_lesson("textbook")
    at.button(key="step_end").click().run()
    run = at.session_state["step_page"]
    last = run.steps()[-1]
    assert [round(v, 5) for v in (last.weights[0].item(), last.biases[0].item(), last.weights[1].item(),
                                  last.biases[1].item())] == [0.51535, 0.10768, 0.81055, 0.20959]
    assert last.loss_after < last.loss


def test_every_lesson_card_gives_its_class_link():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("components/lessons/page.py").run()
    captions = " ".join(c.value for c in at.caption)
    for name in lesson_ids():
        page = {"step": "", "lab": "lab", "playground": "playground", "sandbox": "sandbox"}[load_lesson(name).page]
        assert f"/{page}?v=1&lesson={name}`" in captions


def test_vanishing_lesson_shows_the_vanishing_verdict():
    at = open_lesson("vanishing")
    verdict = next(m.value for m in at.markdown if m.value.startswith("### "))
    assert "vanish" in verdict.lower()


def test_momentum_lesson_opens_with_momentum_on_the_playground():
    at = open_lesson("momentum-adam")
    assert at.session_state["playground_settings"].optimizer == "momentum"
    assert at.session_state["playground_run"].net.optimizer == "momentum"
    assert_close("lr", at.session_state["playground_run"].trainer.lr, 0.01)
