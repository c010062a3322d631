"""Runaway training in a real browser (issue 18): the playground opened from a link with plane, ReLU,
init ×10, α = 10; a few Step clicks reach the first diverging step. The message is shown, the losses are
written whole (no ellipsis, no 'e+'), the loss chart's log axis reaches the diverging loss, and
"Continue with α" sets the tried rate (the link's 200 points give other numbers than the page's 500:
α = 0.3 is the rate that made progress there). Screenshots at a projector, a laptop and a phone size go to
tests/screenshots/divergence_*.png."""
import pytest

from tests.browser.conftest import assert_no_exception, screenshot, wait_ready

pytestmark = pytest.mark.browser
LINK = "/playground?v=1&p=playground&ds=plane&s=2-4-2-1&a=relu&o=linear&loss=mse&gain=10&lr=10"
CUT = """() => Array.from(document.querySelectorAll('[data-testid="stMetric"]'))
  .map(m => m.querySelector('[data-testid="stMetricValue"]')).filter(v => {
  const inner = v.querySelector('div') || v;
  return inner.scrollWidth > inner.clientWidth + 1 || v.scrollWidth > v.clientWidth + 1;
}).map(v => v.innerText)"""
LOSS_AXIS_TOP = """() => {
  const gd = Array.from(document.querySelectorAll('.js-plotly-plot'))
      .find(d => d.layout && d.layout.uirevision === 'curves');
  return gd ? gd._fullLayout.yaxis.range[1] : null;
}"""


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (390, 844)])
def test_playground_divergence_is_caught_shown_whole_and_continues(page, app_url, size):
    w, h = size
    page.set_viewport_size({"width": w, "height": max(h, 1400)})   # tall: Streamlit scrolls inside its main area
    page.goto(app_url + LINK, timeout=60_000)
    wait_ready(page, timeout=60_000)
    page.wait_for_selector("h1:has-text('Training playground')", timeout=30_000)
    for _ in range(8):
        if page.locator("text=Diverging at step").count():
            break
        page.locator(".st-key-pg_step button:visible").first.click()
        page.wait_for_timeout(300)
        wait_ready(page)
    error = page.locator('[data-testid="stAlert"]').filter(has_text="Diverging at step").first
    error.wait_for(timeout=30_000)
    text = error.inner_text()
    assert "Paused with the weights of step 0" in text and "Continue with α = " in text, text
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert not [v for v in values if "e+" in v or "…" in v], values
    cut = page.evaluate(CUT)
    screenshot(page, f"divergence_playground_{w}x{h}")
    assert cut == [], f"metric values cut off: {cut}"
    page.wait_for_function(f"() => ({LOSS_AXIS_TOP})() !== null", timeout=30_000)
    top = page.evaluate(LOSS_AXIS_TOP)
    loss = float(text.split("the loss ")[1].split(" passed")[0].split("·10")[1].translate(
        str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")))
    assert top is not None and top >= loss, f"the log loss axis reaches the diverging loss (10^{loss}): top 10^{top}"
    screenshot(page, f"divergence_playground_{w}x{h}")
    page.locator(".st-key-pg_continue button:visible").first.click()
    page.wait_for_function("() => !document.body.innerText.includes('Diverging at step')", timeout=30_000)
    wait_ready(page)
    assert_no_exception(page)
