"""Keyboard: the first Tab on a page reaches "Skip to main content" (shown while focused); Enter and a Tab
or two reach the page's own controls instead of the sidebar's dozens of widgets.

The link is Streamlit's own (1.67 draws ``[data-testid="stSkipToContent"]`` before the sidebar, pointing at
``#stMain``); an app-made one before it would only duplicate it (and axe then flags Streamlit's as
content outside a landmark). This test keeps the promise checked."""
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_room import _context, _open

pytestmark = pytest.mark.browser

FOCUSED = """() => { const e = document.activeElement; const b = e.getBoundingClientRect();
  return {id: e.dataset.testid || e.id, side: !!e.closest('[data-testid="stSidebar"]'), text: e.textContent.trim().slice(0, 40), box: [b.left, b.top, b.right, b.bottom],
          key: [...(e.closest('[class*="st-key-"]')?.classList || [])].find(c => c.startsWith('st-key-')) || ''}; }"""


@pytest.mark.parametrize("path, marker, controls", [
    ("step", ".st-key-step_transport", ("st-key-step_",)),
    ("lab", ".st-key-lab_chart_profile", ("st-key-lab_",)),
])
def test_first_tab_skips_to_the_main_controls(browser, app_url, path, marker, controls):
    ctx = _context(browser, (1280, 720))
    try:
        page = _open(ctx, f"{app_url}/{path}", marker=marker)
        page.wait_for_selector('[data-testid="stSkipToContent"]', state="attached", timeout=30_000)
        page.keyboard.press("Tab")
        got = page.evaluate(FOCUSED)
        assert got["id"] == "stSkipToContent" and got["text"] == "Skip to main content", got
        left, top, right, bottom = got["box"]
        assert 0 <= left and 0 <= top and right <= 1280 and bottom <= 720 and right - left > 50, got   # shown
        screenshot(page, f"skip_link_{path}")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        got = page.evaluate(FOCUSED)
        assert not got["side"] and got["key"].startswith(controls), f"/{path}: Tab after the skip link reached {got}"
        if path == "step":    # the title's help icons, then Step (at step 1 Reset and Back are disabled)
            for _ in range(3):
                if got["key"].startswith("st-key-step_forward"):
                    break
                assert got["key"].startswith("st-key-step_bar"), got     # still the control bar's title
                page.keyboard.press("Tab")
                got = page.evaluate(FOCUSED)
            assert got["key"].startswith("st-key-step_forward"), got
            page.keyboard.press("Enter")
            page.locator("h3", has_text="Step 2 of").first.wait_for(timeout=60_000)
    finally:
        ctx.close()
