"""The chain-rule sandbox in a real Chromium at a classroom's 1280×720: type, step with the keys, read
every gradient; a bad expression shows its column and the last graph stays."""
import re

import pytest

from engine.expression import evaluate, number, parse
from tests.browser.conftest import assert_no_exception, screenshot, wait_ready

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"]'
EXPRESSION = "L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2"


def heading(page):
    return page.locator("h3").filter(has_text=re.compile(r"^Step \d+ of \d+")).first.inner_text()


def wait_heading(page, pattern, timeout=30_000):
    page.locator("h3").filter(has_text=re.compile(pattern)).first.wait_for(timeout=timeout)


def metrics(page):
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def graph_text(page):
    """Every text drawn in the graph (node symbols, and the annotation cards with values and gradients)."""
    return page.locator(CHART).first.evaluate(
        "e => [...e.querySelectorAll('.main-svg')].map(s => s.textContent).join(' ')")


def type_expression(page, text):
    box = page.locator(".st-key-sandbox_text input").first
    box.fill(text)
    box.press("Enter")


def test_type_step_with_keys_read_gradients_and_survive_a_bad_expression(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{app_url}/sandbox", timeout=60_000)
        wait_ready(page, timeout=60_000)
        page.wait_for_selector(f"{CHART} .main-svg", timeout=60_000)
        type_expression(page, EXPRESSION)
        wait_heading(page, r"^Step 0 of 22")
        wait_ready(page)
        page.locator("h1").first.click()                    # focus leaves the box: keys go to the page
        page.keyboard.press("PageDown")
        wait_heading(page, r"^Step 1 of 22")
        assert "v₁ = w₁ · x" in heading(page)
        page.keyboard.press("End")
        wait_heading(page, r"^Step 22 of 22")
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                               ".every(e => e.innerText.trim() !== 'not yet')", timeout=30_000)
        values = {"w2": 1.0, "w1": 1.0, "x": 2.0, "b1": 1.0, "b2": 1.0, "t": 1.0}   # x kept, new ones start at 1
        ev = evaluate(parse(EXPRESSION), values)
        shown = metrics(page)
        for name, label in (("w2", "w₂"), ("w1", "w₁"), ("x", "x"), ("b1", "b₁"), ("b2", "b₂"), ("t", "t")):
            assert shown.get(f"∂L/∂{label}") == number(ev.gradient[name]), (label, shown)
        assert f"∂L/∂w₁ = {number(ev.gradient['w1'])}" in graph_text(page)
        screenshot(page, "sandbox_1280x720_end")
        before = graph_text(page)

        type_expression(page, "x +* 2")
        page.locator('[data-testid="stAlert"]', has_text="column 4").first.wait_for(timeout=30_000)
        assert "expected a number, a variable" in page.locator('[data-testid="stAlert"]').first.inner_text()
        assert graph_text(page) == before, "the last good graph stays"
        assert metrics(page) == shown
        page.locator('[data-testid="stAlert"]').first.scroll_into_view_if_needed()
        screenshot(page, "sandbox_1280x720_refused")
        assert_no_exception(page)
    finally:
        context.close()
    assert not errors, errors


@pytest.mark.parametrize("width, height, name", [(1920, 1080, "1920x1080"), (820, 1180, "tablet_820x1180"),
                                                 (390, 844, "phone_390x844")])
def test_play_advances_on_its_timer_and_pauses_at_every_screen_size(browser, app_url, width, height, name):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/sandbox", timeout=60_000)
        wait_ready(page, timeout=60_000)
        page.wait_for_selector(f"{CHART} .main-svg", timeout=60_000)
        wait_heading(page, r"^Step 0 of 9")
        page.locator(".st-key-sandbox_play button").first.click()
        wait_heading(page, r"^Step [2-9] of 9", timeout=45_000)      # the timer fragment stepped on its own
        page.locator(".st-key-sandbox_play button").first.click()  # Pause
        wait_ready(page)
        page.wait_for_timeout(2_500)
        paused_at = heading(page)
        page.wait_for_timeout(2_500)
        assert heading(page) == paused_at, "Pause stops the timer"
        page.locator(CHART).first.scroll_into_view_if_needed()
        screenshot(page, f"sandbox_{name}_graph")
        assert_no_exception(page)
    finally:
        context.close()
