"""The gradient lab in a real browser: every preset loads and draws, play trains live, the graph
aggregates a deep network, divergence is shown as a message. Screenshots go to tests/screenshots/."""
import re

import pytest

from engine.lab import PRESETS
from tests.browser.conftest import assert_no_exception, screenshot, wait_ready

pytestmark = pytest.mark.browser
CHART = '[data-testid="stPlotlyChart"] .main-svg'


def open_lab(page, app_url, height=1500):
    page.set_viewport_size({"width": 1500, "height": height})
    page.goto(f"{app_url}/lab", timeout=60_000)
    wait_ready(page, timeout=60_000)
    page.wait_for_selector("text=Gradient lab: vanishing and exploding gradients", timeout=30_000)
    page.wait_for_selector(CHART, timeout=30_000)


def verdict(page):
    return page.locator("h3").filter(has_text="receives").first.inner_text()


def choose_preset(page, name):
    """Open the "Presets" button's list and pick ``name``."""
    button = page.get_by_role("button", name=name, exact=True)
    if not button.is_visible():              # (the list stays open after a pick until clicked away)
        page.get_by_role("button", name=re.compile("^Presets")).click()
    button.click()


def click_and_wait(page, preset, expect_text, timeout=30_000):
    choose_preset(page, preset)
    page.wait_for_selector(f"text={expect_text}", timeout=timeout)
    wait_ready(page)


def test_every_preset_loads_draws_and_gives_its_verdict(page, app_url):
    open_lab(page, app_url)
    expected = ["vanishing", "exploding", "healthy", "vanishing", "healthy", "healthy", "exploding"]
    for i, (name, want) in enumerate(zip(PRESETS, expected)):
        choose_preset(page, name)
        page.wait_for_selector(f'[data-testid="stAlert"]:has-text("{PRESETS[name].explanation.splitlines()[0][:40]}")',
                               timeout=30_000)
        wait_ready(page)
        page.wait_for_selector(CHART)
        assert_no_exception(page)
        text = page.locator("h3").filter(has_text="receives").first.inner_text()
        assert want in text, (name, text)
        screenshot(page, f"lab_preset_{i}")


def test_play_trains_live_and_a_diverging_run_says_where(page, app_url):
    open_lab(page, app_url)
    choose_preset(page, "Clipping tames an explosion")
    page.wait_for_selector('text=Clipping the global norm at 1', timeout=30_000)
    wait_ready(page)
    page.get_by_role("button", name=re.compile("Play")).click()
    # the fragment advances the run on a timer: the progress text moves on its own
    page.wait_for_selector("text=/step ([1-9][0-9]*) of 100/", timeout=30_000)
    page.wait_for_selector("text=step 100 of 100", timeout=90_000)
    wait_ready(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 3   # profile, heatmap, loss
    assert_no_exception(page)
    screenshot(page, "lab_clipping_trained")
    # the same network without clipping diverges: paused at its healthy weights, the step named, α tried
    page.get_by_text("Gradient clipping (global norm)").click()
    wait_ready(page)
    page.get_by_role("button", name=re.compile("Run all")).click()
    page.wait_for_selector("text=/Diverging at step \\d+ \\(α = 0.01\\)/", timeout=30_000)
    wait_ready(page)
    assert page.locator("text=/Paused with the weights of step \\d+ \\(loss .*\\), the last healthy ones/").count() >= 1
    # no smaller α helps from those weights (tried): the page says so and names clipping, this preset's point
    assert page.locator("text=/Reset: these weights are already too large .* turn on gradient clipping/").count() >= 1
    assert_no_exception(page)
    screenshot(page, "lab_diverged")


def test_deep_network_graph_is_aggregated_and_views_switch(page, app_url):
    open_lab(page, app_url)
    for view, marker in (("Network graph", "text=/Aggregated view: .* weights are too many/"),
                         ("Forward pass", "text=activations a: mean ± standard deviation"),
                         ("Histograms", "text=/per layer — 12 of 21 layers|activations a per layer/"),
                         ("Compare", "text=Pin this run")):
        page.locator('[data-testid="stButtonGroup"] button', has_text=view).click()
        page.wait_for_selector(marker, timeout=30_000)
        wait_ready(page)
        assert_no_exception(page)
        screenshot(page, "lab_view_" + view.lower().replace(" ", "_"))


def test_dead_relu_training_small_graph_and_pinned_overlay(page, app_url):
    open_lab(page, app_url, height=1900)
    click_and_wait(page, "Dead ReLUs after a large learning rate", "half the units die")
    page.get_by_role("button", name=re.compile("Run all")).click()
    page.wait_for_selector("text=after 50 training steps", timeout=30_000)
    wait_ready(page)
    page.locator('[data-testid="stButtonGroup"] button', has_text="Forward pass").click()
    page.wait_for_selector("text=units that pass (almost) no gradient back", timeout=30_000)
    wait_ready(page)
    assert_no_exception(page)
    screenshot(page, "lab_dead_relu_forward")
    # 4 → 32 → 32 → 1 has 1,184 weights: every one is drawn, coloured by |∂L/∂w|
    page.locator('[data-testid="stButtonGroup"] button', has_text="Network graph").click()
    page.wait_for_selector("text=Every weight drawn", timeout=30_000)
    wait_ready(page)
    assert page.locator("text=Aggregated view").count() == 0
    screenshot(page, "lab_small_graph")
    page.locator('[data-testid="stButtonGroup"] button', has_text="Compare").click()
    page.wait_for_selector("text=Pin this run", timeout=30_000)
    wait_ready(page)
    page.get_by_role("button", name=re.compile("Pin this run")).click()
    page.wait_for_selector("text=/relu 2×32, he_normal ×1 @ step 50 —/", timeout=30_000)
    wait_ready(page)
    click_and_wait(page, "Deep sigmoid network — vanishing", "After 20 layers the first layer gets almost nothing")
    page.get_by_role("button", name=re.compile("Pin this run")).click()
    page.wait_for_selector("text=/sigmoid 20×32, xavier_normal ×1 @ step 0 —/", timeout=30_000)
    wait_ready(page)
    assert_no_exception(page)
    screenshot(page, "lab_compare_two_pins")


def _progress_step(page):
    text = page.locator("text=/step \\d+ of 2000/").first.inner_text()
    return int(re.search(r"step (\d+) of 2000", text).group(1))


def test_pause_stops_the_live_run_and_play_resumes_it(page, app_url):
    open_lab(page, app_url)
    click_and_wait(page, "ReLU with He init — healthy", "He init (variance 2/fan_in)")
    steps = page.get_by_role("slider", name="Steps")
    steps.focus()
    for _ in range(5):   # 100 → 200 → 300 → 500 → 1000 → 2000 on the ladder
        steps.press("ArrowRight")
    page.wait_for_selector("text=step 0 of 2000", timeout=30_000)
    wait_ready(page)
    page.get_by_role("button", name=re.compile("Play")).click()
    page.wait_for_function("() => /step ([1-9]\\d*) of 2000/.test(document.body.innerText)", timeout=30_000)
    page.get_by_role("button", name=re.compile("Pause")).click()
    page.get_by_role("button", name=re.compile("Play")).wait_for(timeout=30_000)
    wait_ready(page)
    paused = _progress_step(page)
    assert 0 < paused < 2000
    page.wait_for_timeout(2000)
    assert _progress_step(page) == paused, "nothing advances while paused"
    page.get_by_role("button", name=re.compile("Play")).click()
    page.wait_for_function(f"() => {{ const m = /step (\\d+) of 2000/.exec(document.body.innerText); "
                           f"return m && +m[1] > {paused}; }}", timeout=30_000)
    assert_no_exception(page)
    screenshot(page, "lab_playing")
    page.get_by_role("button", name=re.compile("Pause")).click()
