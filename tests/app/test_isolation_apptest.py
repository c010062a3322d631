"""Two students, two sessions: what one does never shows up in the other's page (AppTest, headless).

Both sessions run in one process, as on the classroom server, so anything shared through module
globals or ``st.cache_resource`` and mutated by one student would change the other's page. Each test
lets student A change things (sliders, steps, training) and checks that student B's page, rerun
afterwards, is exactly what it was, element for element.
"""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def open_app(page=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page:
        at.switch_page(page).run()
    at.run()  # a second run: widgets written from the state (set_value) render as they will stay
    assert not at.exception, f"the page raised: {[e.message for e in at.exception]}"
    return at


def fingerprint(at: AppTest) -> list:
    """Every rendered element's protobuf (texts, equations, metrics, figures, widget values), in order."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            if getattr(proto, "deferred_file_id", ""):   # Save builds its file on click: the id is a fresh handle
                proto = type(proto).FromString(proto.SerializeToString())
                proto.deferred_file_id = "deferred"
            out.append((type(node).__name__, proto.SerializeToString(deterministic=True)))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    assert out, "nothing rendered"
    return out


def other_value(slider):
    """A different value on the slider's own grid."""
    options = getattr(slider, "options", None)
    if options:
        current = slider.value
        return next(o for o in reversed(slider.options) if str(o) != str(current))
    lo, hi, step = slider.min, slider.max, slider.step or 1
    return hi if slider.value != hi else hi - step


def test_two_sessions_on_the_step_page_keep_their_own_sliders_and_step():
    from components.step.session import KEY
    a, b = open_app(), open_app()
    b_before = fingerprint(b)
    assert fingerprint(a) == b_before, "two fresh sessions should render the same seeded page"
    x0 = next(s for s in a.sidebar.slider if s.label.startswith("Input"))
    a_x0 = other_value(x0)
    x0.set_value(a_x0).run()
    for _ in range(3):
        a.button(key="step_forward").click().run()
    assert not a.exception
    assert a.session_state[KEY].step == 3 and a.session_state[KEY].config.x[0] == pytest.approx(a_x0)

    b.run()
    assert b.session_state[KEY].step == 0, "student B's step moved with student A's"
    assert b.session_state[KEY].config.x[0] != pytest.approx(a_x0), "student B's input moved with A's"
    assert fingerprint(b) == b_before, "student B's page changed after student A acted"
    assert fingerprint(a) != b_before


def test_training_in_one_playground_session_leaves_the_other_untouched():
    from components.playground.session import KEY
    a, b = open_app("components/playground/page.py"), open_app("components/playground/page.py")
    b_before = fingerprint(b)
    b_weights = [W.copy() for W in b.session_state[KEY].run.trainer.net.weights]
    a.button(key="pg_epoch").click().run()
    a.button(key="pg_step").click().run()
    assert not a.exception
    assert a.session_state[KEY].run.trainer.epoch_count >= 1

    b.run()
    assert b.session_state[KEY].run.trainer.epoch_count == 0, "student B's epoch counter moved"
    for W, W0 in zip(b.session_state[KEY].run.trainer.net.weights, b_weights):
        assert (W == W0).all(), "student B's weights changed when student A trained"
    assert fingerprint(b) == b_before, "student B's playground changed after student A trained"


def test_settings_changed_in_one_gradient_lab_session_stay_in_it():
    a, b = open_app("components/lab/page.py"), open_app("components/lab/page.py")
    b_before = fingerprint(b)
    depth = a.slider(key="lab_depth")
    depth.set_value(3 if depth.value != 3 else 4).run()
    assert not a.exception

    b.run()
    assert b.slider(key="lab_depth").value != a.slider(key="lab_depth").value, "student B's depth moved"
    assert fingerprint(b) == b_before, "student B's lab changed after student A changed the depth"


def test_opening_a_lesson_changes_only_the_session_that_opened_it():
    from components.step.session import KEY
    a = open_app("components/lessons/page.py")
    b = open_app()
    b_before = fingerprint(b)
    b_weights = [W.copy() for W in b.session_state[KEY].weights]
    a.button(key="open_textbook").click().run()
    a.run()
    assert not a.exception
    assert [W.tolist() for W in a.session_state[KEY].weights] == [[[0.5]], [[0.8]]], \
        "the textbook lesson did not load in the session that opened it"

    b.run()
    for W, W0 in zip(b.session_state[KEY].weights, b_weights):
        assert (W == W0).all(), "student B's weights changed when student A opened a lesson"
    assert fingerprint(b) == b_before, "student B's page changed when student A opened a lesson"
