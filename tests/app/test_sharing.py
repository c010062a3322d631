"""Save, load, links, presenter mode and the quiz, driven headless with AppTest as a teacher uses them."""
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.shell import presenter
from components.step import quiz, session
from components.shell import sharing
from components.lab.scenario import lab_scenario, lab_state
from components.playground.scenario import playground_scenario
from components.step.scenario import step_scenario
from engine.scenario import Scenario, load_lesson, to_query

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def app(query=None, page=None):
    at = AppTest.from_file(APP, default_timeout=60)
    if page:  # AppTest always starts on the default page; a browser opens the link's path directly
        at.run()
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def step_run(at):
    return at.session_state["step_page"]


def flags(at) -> set:
    """The presenter flags switched on in this page draw (their marker containers)."""
    keys = set()
    for flag in ("on",) + tuple(presenter.HIDE_KEYS):
        try:
            at.get_by_key(f"presenter_flag_{flag}")
            keys.add(flag)
        except (KeyError, ValueError):
            pass
    return keys


def upload(at, name, content):
    at.file_uploader(key="share_upload").set_value((name, content, "application/json")).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_uploading_a_saved_scenario_restores_the_page_exactly():
    s = load_lesson("delta-recursion").replace(step=4, lesson=None, title=None, explanation=None)
    at = upload(app(), "mine.json", s.to_json().encode())
    run = step_run(at)
    assert run.step == 4 and run.sizes == (2, 3, 2)
    assert step_scenario(run).flat_parameters() == s.flat_parameters()
    assert any("Loaded 'mine.json'" in m.value for m in at.info)


@pytest.mark.parametrize("content,message", [
    (b"{not json", "not valid JSON (line 1, column 2"),
    (b"\x89PNG\r\n\x1a\n\x00\xff", "expected UTF-8 JSON text"),
    (json.dumps({"format": "backprop-lens/scenario", "version": 1, "page": "step"}).encode(), "network.sizes: missing"),
    (load_lesson("textbook").to_json().replace('"lr": 0.1', '"lr": NaN').encode(), "NaN is not a number"),
    (load_lesson("textbook").to_json().replace('"sizes": [\n   1,', '"sizes": [\n   300,').encode(),
     "network.sizes[0]: expected an integer from 1 to 256"),
    (load_lesson("textbook").to_json().replace('"lr": 0.1', '"lr": 0.3').encode(),
     "training.lr: the step-through page offers"),
])
def test_bad_upload_gives_one_clear_error_and_changes_nothing(content, message):
    at = app()
    before = step_scenario(step_run(at))
    at = upload(at, "bad.json", content)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and message in errors[0] and "Nothing was changed" in errors[0], errors
    assert step_scenario(step_run(at)) == before


def test_upload_for_another_page_opens_that_page():
    s = load_lesson("vanishing")
    at = upload(app(), "lab.json", s.to_json().encode())
    at.switch_page("components/lab/page.py").run()
    assert at.session_state["lab"].last_valid == lab_state(s)[0]


def test_save_holds_the_current_state_after_a_slider_moves():
    at = app()
    at.slider(key="step_all_W0:0:0").set_value(1.25).run()
    assert step_run(at).weights[0][0, 0] == 1.25
    assert at.download_button(key="share_save").label == "Save this page (scenario JSON)"
    s = Scenario.from_json(step_scenario(step_run(at)).to_json())   # what the button's file holds
    assert s.weights[0][0][0] == 1.25 and s.page == "step"


def test_shared_link_restores_weights_and_step_in_a_fresh_session():
    at = app()
    run = step_run(at)
    at.button(key="step_forward").click().run()
    at.button(key="step_forward").click().run()
    at.session_state["step_page"].weights[0][0, 0] = 0.25   # a weight moved by hand: the link carries all
    at.session_state["step_page"].version += 1
    at.run()
    at.button(key="share_link").click().run()
    params = dict(at.query_params)
    params = {k: v[-1] if isinstance(v, list) else v for k, v in params.items()}
    assert params["v"] == "2" and "w" in params
    link = " ".join(c.value for c in at.code)
    assert "step=2" in link
    fresh = app(params)
    restored = step_run(fresh)
    assert restored.step == 2
    for a, b in zip(restored.weights, step_run(at).weights):
        assert np.array_equal(a, b)
    assert not fresh.warning


def test_link_with_garbage_falls_back_with_a_visible_notice():
    at = app({"v": "1", "lr": "fast", "s": "2-x-1", "zz": "1", "w": "1,2"})
    notices = " ".join(w.value for w in at.warning)
    assert "lr: training.lr: could not read 'fast'" in notices and "'zz' is unknown" in notices
    assert "w: expected 13 numbers for sizes [2, 3, 1], got 2" in notices
    assert step_run(at).config.sizes == (2, 3, 1)
    assert not at.error


def test_link_to_a_lesson_opens_it():
    at = app({"v": "1", "lesson": "textbook", "step": "3"})
    run = step_run(at)
    assert run.step == 3 and run.weights[0][0, 0] == 0.5 and run.config.x == (2.0,)


def test_presenter_link_hides_the_named_controls():
    at = app({"v": "1", "present": "1", "hide": "architecture.weights"})
    assert at.session_state[sharing.PRESENTER_ON] is True
    assert at.session_state[sharing.PRESENTER_HIDE] == ("architecture", "weights")
    assert flags(at) == {"on", "architecture", "weights"}
    css = " ".join(h.proto.body for h in at.get("html"))
    assert 'body:has(.st-key-presenter_flag_architecture) [class*="st-key-step_n_in_"]' in css
    assert 'body:has(.st-key-presenter_flag_weights) [class*="st-key-step_sel_"]' in css
    assert f'body:has(.st-key-presenter_flag_on) [data-testid="stMainBlockContainer"] {{ zoom: {presenter.ZOOM}; }}' in css


def test_presenter_toggle_and_hide_list_survive_a_page_switch():
    at = app()
    at.toggle(key=sharing.PRESENTER_WIDGET).set_value(True).run()
    at.multiselect(key=sharing.HIDE_WIDGET).set_value(["learning_rate"]).run()
    at.switch_page("components/lessons/page.py").run()
    at.switch_page("components/lab/page.py").run()
    assert at.toggle(key=sharing.PRESENTER_WIDGET).value is True
    assert flags(at) == {"on", "learning_rate"}


def test_quiz_asks_before_the_backward_step_and_keeps_score():
    at = app({"v": "1", "lesson": "textbook"})
    at.toggle(key=quiz.TOGGLE_KEY).set_value(True).run()
    for _ in range(3):                                  # start → forward 1 → forward 2 → loss
        at.button(key="step_forward").click().run()
    run = step_run(at)
    q = quiz.question_for(run.steps(), run.step)
    assert q is not None and q.param == "W1:0:0"
    assert run.selected == "W1:0:0", "the quizzed weight is highlighted"
    assert run.steps()[run.step].dW[1] is None, "its gradient is not shown yet"
    at.button(key="step_forward").click().run()         # stepping past the open question is undone
    assert step_run(at).step == q.reveal - 1
    assert any("Answer the question first" in w.value for w in at.warning)
    at.radio(key=quiz.SIGN_KEY).set_value("−").run()
    at.radio(key=quiz.SIZE_KEY).set_value(2).run()      # "0.01 – 0.1": wrong, ∂L/∂W2 = −0.1055 is in 0.1 – 1
    at.button(key="quiz_check").click().run()
    assert step_run(at).step == q.reveal
    assert at.session_state[session.KEY].quiz.score == quiz.Score(1, 1, 0)
    assert any("−0.1055" in m.value or "-0.1055" in m.value for m in at.info)


def test_lab_state_survives_save_and_link():
    at = app(page="components/lab/page.py")
    at.button(key="lab_preset_1").click().run()
    settings = at.session_state["lab"].last_valid
    link = to_query(lab_scenario(settings), base=sharing.page_state("lab").default_scenario())
    fresh = app(link, page="components/lab/page.py")
    assert fresh.session_state["lab"].last_valid == settings
    elsewhere = app({**link, "p": "lab"})  # a link naming its page (p=lab) on another path lands on the lab
    elsewhere.switch_page("components/lab/page.py").run()
    assert elsewhere.session_state["lab"].last_valid == settings


def test_playground_after_training_saves_and_loads_exactly():
    at = app(page="components/playground/page.py")
    for _ in range(3):
        at.button(key="pg_step").click().run()
    run = at.session_state["playground"].run
    assert run.trainer.step_count == 3
    text = playground_scenario(at.session_state["playground"].settings, run).to_json()
    fresh = app(page="components/playground/page.py")
    upload(fresh, "pg.json", text.encode())
    fresh.switch_page("components/playground/page.py").run()
    again = fresh.session_state["playground"].run
    assert again.trainer.step_count == 3
    for a, b in zip(again.net.parameters(), run.net.parameters()):
        assert np.array_equal(a, b)
    assert not fresh.exception and not fresh.error


def test_lab_after_training_saves_and_loads_exactly():
    at = app(page="components/lab/page.py")
    at.button(key="lab_run_all").click().run()
    run = at.session_state["lab"].run
    assert run.step > 0
    text = lab_scenario(at.session_state["lab"].last_valid, run).to_json()
    fresh = app(page="components/lab/page.py")
    upload(fresh, "lab.json", text.encode())
    again = fresh.session_state["lab"].run
    assert again.step == run.step and again.losses == run.losses
    for a, b in zip(again.net.parameters(), run.net.parameters()):
        assert np.array_equal(a, b)


def test_link_with_an_unknown_display_option_still_restores_the_rest():
    at = app({"v": "1", "lesson": "textbook", "step": "2", "v.sparkle": "1"})
    assert step_run(at).step == 2 and step_run(at).weights[0][0, 0] == 0.5
    assert any("view.options.sparkle: unknown option of the step-through page" in w.value for w in at.warning)
    assert not at.error


def test_link_made_after_opening_a_lesson_carries_only_the_changes():
    at = app({"v": "1", "lesson": "textbook"})
    at.button(key="step_forward").click().run()
    at.button(key="share_link").click().run()
    params = {k: v[-1] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}
    assert params == {"v": "2", "lesson": "textbook", "step": "1"}
    at.slider(key="step_all_W0:0:0").set_value(0.75).run()      # a change the lesson did not have
    at.button(key="share_link").click().run()
    params = {k: v[-1] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}
    assert params["lesson"] == "textbook" and params["w"] == "0.75,0.1,0.8,0.2"
    restored = step_run(app(params))
    assert restored.weights[0][0, 0] == 0.75 and restored.step == 1
