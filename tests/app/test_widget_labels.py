"""The step page's and the gradient lab's widgets take their labels from the one field table
(``engine.settings``): a label changes in one line of the table for every page that shows it."""
import pytest
from streamlit.testing.v1 import AppTest

from engine.settings import SETTINGS, widget_label

APP = "../../app.py"


def _labels(at):
    kinds = ("slider", "select_slider", "number_input", "selectbox", "toggle", "radio")
    return {w.label for kind in kinds for w in getattr(at.sidebar, kind)}


def test_widget_label_is_the_table_label_with_the_pages_note():
    assert widget_label("lr") == SETTINGS["lr"].label
    assert widget_label("lr", "log scale") == SETTINGS["lr"].label + " (log scale)"


def test_step_page_widgets_are_labelled_from_the_field_table():
    at = AppTest.from_file(APP, default_timeout=60).run()
    shown = _labels(at)
    for name, note in (("output_activation", ""), ("loss", "only those that fit the output"), ("init", ""),
                       ("init_gain", ""), ("seed", ""), ("lr", "log scale")):
        want = SETTINGS[name].label + (f" ({note})" if note else "")
        assert want in shown, (name, shown)
    seed = next(w for w in at.sidebar.number_input if w.label == SETTINGS["seed"].label)
    assert (seed.min, seed.max) == (SETTINGS["seed"].lo, SETTINGS["seed"].hi)


@pytest.mark.parametrize("name", ["depth", "width", "activation", "init", "init_gain", "seed", "loss", "target",
                                  "residual", "norm", "matched_init", "lr", "steps"])
def test_gradient_lab_widgets_are_labelled_from_the_field_table(name, lab_labels):
    assert SETTINGS[name].label in lab_labels


def test_gradient_lab_batch_size_carries_its_note(lab_labels):
    assert widget_label("batch_size", "random, seeded") in lab_labels


@pytest.fixture(scope="module")
def lab_labels():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("components/lab/page.py").run()
    return _labels(at)
