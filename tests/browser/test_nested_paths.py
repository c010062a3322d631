"""Nested unknown addresses (``/a/b``) under ``streamlit run app.py`` (its st.App): the step-through page with a
"No page at …" notice, no dialog, no blank page; the notice and the visitor's query parameters survive
the page's first reruns. (Without the st.App middleware such an address was a blank page: README.)
"""
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import assert_no_exception, screenshot, wait_ready

pytestmark = pytest.mark.browser
TRANSPORT = ".st-key-step_transport"
CHART = '.st-key-step_graph [data-testid="stPlotlyChart"] .main-svg'


def _notice(page, asked):
    return page.locator('[data-testid="stAlert"]', has_text=f"No page at “{asked}”").first


@pytest.mark.parametrize("asked, query", [("/a/b", ""), ("/a/b", "?x=1"), ("/step/extra", ""),
                                          ("/lab/x/y", "?v=1&step=2")],
                         ids=["a-b", "a-b-query", "step-extra", "lab-x-y-link"])
def test_a_nested_unknown_address_opens_the_step_page_with_a_notice(browser, app_url, asked, query):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{app_url}{asked}{query}", timeout=90_000)
        wait_ready(page, timeout=90_000)
        page.wait_for_selector(TRANSPORT, timeout=90_000)
        page.wait_for_selector(CHART, timeout=90_000)
        _notice(page, asked).wait_for(timeout=20_000)
        time.sleep(1.0)   # a dialog would be up by now; the size watcher's rerun has run
        assert page.locator('[role="dialog"]').count() == 0, f"{asked}{query}: a dialog covers the page"
        assert page.title() == "Step through · Backprop Lens", page.title()
        assert _notice(page, asked).is_visible(), f"{asked}{query}: the notice went away after a rerun"
        assert_no_exception(page)
        params = parse_qs(urlsplit(page.url).query)
        assert params.get("nopage") == [asked], page.url
        if "step=2" in query:   # the link was applied (step=2 counts from 0: the third step)
            page.locator("h3", has_text="Step 3 of 7").first.wait_for(timeout=30_000)
        before = page.locator("h3").filter(has_text="Step ").first.inner_text()
        page.locator(".st-key-step_forward button").first.click()
        page.wait_for_function("t => ![...document.querySelectorAll('h3')].some(h => h.innerText === t)",
                               arg=before, timeout=60_000)
        wait_ready(page, timeout=60_000)
        assert _notice(page, asked).is_visible(), f"{asked}{query}: the notice went away after a step"
        screenshot(page, f"nested_path_{asked.strip('/').replace('/', '_')}")
        assert not errors, errors
    finally:
        ctx.close()
