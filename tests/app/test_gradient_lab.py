"""The gradient lab driven headless as a teacher would: presets, sliders, training, views, pins."""
import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.lab import HINTS, PRESETS, LabRun, analyse

PAGE = "components/lab/page.py"


@pytest.fixture
def at():
    app = AppTest.from_file("../../app.py", default_timeout=60)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def verdict(at):
    heads = [m.value for m in at.markdown if m.value.startswith("### ")]
    assert len(heads) == 1, heads
    return heads[0]


def values(v):
    """A plotly JSON array: a list, or plotly 7's base64 {"dtype", "bdata", "shape"} record."""
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return arr.reshape([int(n) for n in str(v.get("shape", len(arr))).split(",")])
    return np.array(v, dtype=float)


def charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_with_title(at, text):
    for fig in charts(at):
        title = fig.get("layout", {}).get("title", {}).get("text") or ""
        if text in title:
            return fig
    raise AssertionError(f"no chart titled {text!r}")


def test_opens_on_the_deep_sigmoid_preset_with_its_verdict(at):
    assert at.title[0].value.startswith("Gradient lab")
    assert "of the gradient of layer 20: vanishing" in verdict(at)
    assert any("σ′(z) ≤ 0.25" in i.value for i in at.info)
    why = [m.value for m in at.markdown if m.value.startswith("**Why:** on the way back each layer multiplies")]
    assert len(why) == 1 and "by ×0.2" in why[0] and "¹⁹ ≈ 6.3·10⁻¹³" in why[0]
    profile = charts(at)[0]
    d = analyse(PRESETS["Deep sigmoid network — vanishing"].settings)[1]
    ys = {t["name"]: t["y"] for t in profile["data"] if t.get("name")}
    got = values(ys["mean |δ_l|, δ = ∂L/∂z"])
    np.testing.assert_allclose(got, d.delta_mean, rtol=1e-12)
    assert profile["layout"]["yaxis"]["type"] == "log"


@pytest.mark.parametrize("index, name", list(enumerate(PRESETS)))
def test_each_preset_loads_without_exception_and_shows_its_explanation(at, index, name):
    at.button(key=f"lab_preset_{index}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    preset = PRESETS[name]
    assert any(preset.explanation.splitlines()[0] in i.value for i in at.info)
    for field, value in preset.settings.to_dict().items():
        assert at.session_state[f"lab_{field}"] == value, field
    assert analyse(preset.settings)[1].state in verdict(at)


def test_sliders_change_the_network_and_the_verdict(at):
    at.slider(key="lab_depth").set_value(8).run()
    assert "of the gradient of layer 8" in verdict(at)
    at.selectbox(key="lab_activation").set_value("relu").run()
    at.selectbox(key="lab_init").set_value("he_normal").run()
    assert "healthy" in verdict(at)
    assert not any("σ′(z)" in i.value for i in at.info), "the preset explanation goes once settings differ"


def test_matched_init_remedy_fixes_the_exploding_preset(at):
    at.button(key="lab_preset_1").click().run()
    assert "exploding" in verdict(at)
    at.toggle(key="lab_matched_init").set_value(True).run()
    assert "healthy" in verdict(at)


def test_residual_and_normalisation_toggles_fix_the_vanishing_network(at):
    at.toggle(key="lab_residual").set_value(True).run()
    assert "healthy" in verdict(at)
    at.toggle(key="lab_residual").set_value(False).run()
    at.radio(key="lab_norm").set_value("batch").run()
    assert not at.exception and "healthy" in verdict(at)


def test_run_all_records_the_heatmap_and_loss_equal_to_the_engine(at):
    at.slider(key="lab_depth").set_value(4).run()
    at.select_slider(key="lab_steps").set_value(20).run()
    at.button(key="lab_run_all").click().run()
    assert not at.exception
    heat = chart_with_title(at, "gradient flow")
    z = values(heat["data"][0]["z"])
    run = LabRun(PRESETS["Deep sigmoid network — vanishing"].settings.with_(depth=4, steps=20))
    run.advance(20)
    assert z.shape == (5, 20)
    np.testing.assert_allclose(z, np.log10(run.history().T), rtol=1e-9)
    assert "after 20 training steps" in " ".join(c.value for c in at.caption)
    at.button(key="lab_reset").click().run()
    assert "at initialisation" in " ".join(c.value for c in at.caption)


def test_divergence_is_reported_with_step_layer_and_advice_not_raised(at):
    at.button(key="lab_preset_6").click().run()
    at.toggle(key="lab_clip").set_value(False).run()
    at.button(key="lab_run_all").click().run()
    assert not at.exception
    assert "Diverged at step 3, layer 4" in verdict(at)
    assert_advice_once(at, "Training stopped at step 3: the weights are those of step 2")
    # the per-layer profile shows the last finite step instead of an empty chart
    before = [t for fig in charts(at) for t in fig["data"] if t.get("name", "").startswith("‖∂L/∂W_l‖ at step")]
    assert len(before) == 1 and "at step 2, the last finite one" in before[0]["name"]
    heat = chart_with_title(at, "gradient flow")
    assert any(t.get("mode") == "markers+text" and "diverged" in t["text"][0] for t in heat["data"])


def test_extreme_scale_overflows_into_a_message_not_a_traceback(at):
    at.selectbox(key="lab_loss").set_value("mse").run()
    at.selectbox(key="lab_activation").set_value("linear").run()
    at.selectbox(key="lab_init").set_value("he_normal").run()
    at.slider(key="lab_depth").set_value(50).run()
    at.select_slider(key="lab_init_gain").set_value(100.0).run()
    assert not at.exception
    # ×100 per layer over 50 layers: the output-layer gradient is beyond 10¹⁵⁴ already at initialisation
    assert ":red[:material/error:]" in verdict(at) and "Diverged at layer 51 (backward pass)" in verdict(at)
    assert_advice_once(at, "These settings overflow before any training step")
    at.button(key="lab_run_all").click().run()
    assert not at.exception
    assert "Diverged at step 1, layer 51" in verdict(at)
    assert_advice_once(at, "Training stopped at step 1")


def assert_advice_once(at, what):
    """A diverged run is explained in one error box (what happened + what to try), not three times."""
    boxes = [e.value for e in at.error if HINTS["diverged"] in e.value]
    assert len(boxes) == 1 and boxes[0].startswith(what), boxes
    said = [w.value for w in (*at.markdown, *at.caption, *at.error, *at.warning, *at.info)]
    assert sum(HINTS["diverged"] in v for v in said) == 1, said


@pytest.mark.parametrize("view", ["Forward pass", "Histograms", "Network graph", "Compare"])
def test_every_view_draws_without_exception(at, view):
    at.segmented_control(key="lab_view").set_value(view).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(charts(at)) >= 2


def test_small_networks_get_the_full_graph_and_deep_ones_the_aggregated_view(at):
    at.segmented_control(key="lab_view").set_value("Network graph").run()
    deep = charts(at)[1]
    assert "Aggregated view" in deep["layout"]["annotations"][0]["text"]
    at.slider(key="lab_depth").set_value(2).run()
    at.slider(key="lab_width").set_value(6).run()
    full = charts(at)[1]
    ids = [row[0] for t in full["data"] if t.get("name") == "nodes" for row in t["customdata"]]
    assert ids[:2] == ["L0:N0", "L0:N1"] and len(ids) == 4 + 6 + 6 + 1


def test_histograms_one_layer_mode(at):
    at.segmented_control(key="lab_view").set_value("Histograms").run()
    at.radio(key="lab_hist_kind").set_value("delta").run()
    at.radio(key="lab_hist_mode").set_value("one layer").run()
    at.slider(key="lab_hist_layer").set_value(3).run()
    assert not at.exception
    assert "layer 3: gradients δ" in charts(at)[1]["layout"]["title"]["text"]


def test_pins_keep_three_runs_and_overlay_them(at):
    at.segmented_control(key="lab_view").set_value("Compare").run()
    for depth in (5, 10, 15, 20):
        at.slider(key="lab_depth").set_value(depth).run()
        at.button(key="lab_pin").click().run()
    assert len(at.session_state["lab_pins"]) == 3
    assert any("Up to 3 pinned runs" in w.value for w in at.warning)
    overlay = charts(at)[1]
    names = [t["name"] for t in overlay["data"] if t.get("name")]
    assert len(names) == 3 and names[0].startswith("sigmoid 10×32")
    at.button(key="lab_clear_pins").click().run()
    assert at.session_state["lab_pins"] == []


def test_the_verdict_comes_with_a_remedy_hint(at):
    captions = " ".join(c.value for c in at.caption)
    assert "Try a remedy: residual connections" in captions
    at.button(key="lab_preset_2").click().run()
    assert "Every layer gets a gradient of the same order" in " ".join(c.value for c in at.caption)


def test_zero_init_shows_the_symmetry_before_and_after_training(at):
    at.button(key="lab_preset_3").click().run()
    assert any("layer 1 has 1 distinct unit of 8" in w.value for w in at.warning)
    assert "a random initializer (the init matched to the activation) breaks the symmetry" in " ".join(
        c.value for c in at.caption)
    at.button(key="lab_run_all").click().run()
    assert any("layer 2 has 1 distinct unit of 8" in w.value for w in at.warning)
    at.toggle(key="lab_matched_init").set_value(True).run()
    assert not any("Symmetry" in w.value for w in at.warning)


def test_a_bad_setting_is_named_and_the_previous_settings_stay(at):
    before = verdict(at)
    # a value no widget can produce (e.g. from an edited link): the number of inputs
    at.session_state["lab_inputs"] = 0
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "inputs (inputs): expected an integer from 1 to 64, got 0" in errors and "Keeping the previous settings" in errors
    assert verdict(at) == before
