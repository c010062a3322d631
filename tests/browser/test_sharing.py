"""Lessons, links, presenter mode and uploads in a real Chromium, as a teacher and a student use them."""
import json
import re

import pytest

from tests.browser.conftest import assert_no_exception, screenshot, wait_ready

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"]'


def wait_caption(page, text, timeout=30_000):
    page.locator("h3", has_text=text).first.wait_for(timeout=timeout)


def graph_data(page):
    """Every trace's customdata of the step page's network graph (node and edge values, ids)."""
    page.wait_for_selector(f"{CHART} .main-svg", timeout=60_000)
    return page.locator(f"{CHART} .js-plotly-plot").first.evaluate(
        "e => JSON.stringify(e.data.map(t => [t.name, t.customdata]))")


def click_step(page):
    """Press the page's Step button (a button with a keyboard shortcut holds a second, inner button)."""
    page.locator(".st-key-step_forward button").first.click()


def open_url(page, url, height=1400):
    page.set_viewport_size({"width": 1600, "height": height})
    page.goto(url, timeout=60_000)
    wait_ready(page, timeout=60_000)
    assert page.get_by_text("Page not found").count() == 0, url


def test_shared_link_opens_the_same_weights_and_step_in_a_fresh_browser(browser, page, app_url):
    open_url(page, f"{app_url}/lessons")
    page.get_by_text("The δ recursion in a 2-3-2 network").first.wait_for(timeout=30_000)
    screenshot(page, "lessons_page")
    page.locator('[class*="st-key-open_delta-recursion"] button').click()
    wait_caption(page, "Step 1 of 7")
    for i in (2, 3, 4, 5):
        click_step(page)
        wait_caption(page, f"Step {i} of 7")
    page.wait_for_timeout(500)
    before = graph_data(page)
    page.locator('[class*="st-key-share_link"] button').click()
    code = page.locator('[class*="st-key-share_panel"] [data-testid="stCode"]').first
    code.wait_for(timeout=20_000)
    link = code.inner_text().strip()
    assert link.startswith(app_url) and "v=2" in link and "step=4" in link, link
    assert_no_exception(page)

    fresh = browser.new_context(viewport={"width": 1600, "height": 1400})
    other = fresh.new_page()
    try:
        other.goto(link, timeout=60_000)
        wait_ready(other, timeout=60_000)
        wait_caption(other, "Step 5 of 7")
        other.wait_for_timeout(500)
        assert graph_data(other) == before, "the same weights, values and gradients are drawn"
        assert other.locator('[data-testid="stException"]').count() == 0
        screenshot(other, "shared_link_restored")
    finally:
        fresh.close()


def test_presenter_link_hides_the_controls_it_names(page, app_url):
    open_url(page, f"{app_url}/?v=1&lesson=textbook&present=1&hide=architecture.initialization")
    wait_caption(page, "Step 1 of 7")
    page.wait_for_selector(f"{CHART} .main-svg", timeout=60_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert not sidebar.get_by_text("Hidden layer sizes", exact=False).first.is_visible()
    assert not sidebar.get_by_text("Initializer", exact=True).first.is_visible()
    assert not sidebar.get_by_text("Activation per hidden layer").first.is_visible()
    assert page.get_by_text("Page not found").count() == 0
    assert sidebar.get_by_text("Learning rate α", exact=False).first.is_visible(), "not named: still shown"
    zoom = page.locator('[data-testid="stMainBlockContainer"]').evaluate("e => getComputedStyle(e).zoom")
    assert float(zoom) >= 1.25
    assert_no_exception(page)
    screenshot(page, "presenter_mode")


def test_bad_upload_shows_one_error_and_keeps_the_page(page, app_url, tmp_path):
    open_url(page, f"{app_url}/?v=1&lesson=textbook&step=2")
    wait_caption(page, "Step 3 of 7")
    before = graph_data(page)
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "backprop-lens/scenario", "version": 1, "page": "step", "network": {"sizes": [1, 0]}}')
    page.locator('[class*="st-key-share_upload"] input[type="file"]').set_input_files(str(bad))
    error = page.locator('[data-testid="stAlertContentError"]').first
    error.wait_for(timeout=30_000)
    assert "network.sizes[1]: expected an integer from 1 to 256" in error.inner_text()
    wait_caption(page, "Step 3 of 7")
    assert graph_data(page) == before, "nothing changed"
    assert_no_exception(page)
    screenshot(page, "bad_upload")


def test_garbage_link_shows_notices_not_a_traceback(page, app_url):
    open_url(page, f"{app_url}/?v=1&lr=fast&s=2-x-1&w=1,2&zz=%00%ff")
    wait_caption(page, "Step 1 of 7")
    notices = " ".join(page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts())
    assert re.search(r"could not read 'fast'", notices) and "'zz' is unknown" in notices
    assert_no_exception(page)


def test_quiz_hides_stepping_until_the_guess_then_reveals_and_scores(page, app_url):
    open_url(page, f"{app_url}/?v=1&lesson=textbook&quiz=1")
    wait_caption(page, "Step 1 of 7")
    for i in (2, 3, 4):
        click_step(page)
        wait_caption(page, f"Step {i} of 7")
    question = page.locator('[class*="st-key-quiz_question"]')
    question.wait_for(timeout=20_000)
    page.wait_for_timeout(300)
    assert "w²₁,₁" in question.inner_text() or "W1:0:0" in question.inner_text()
    click_step(page)                                   # stepping past the question is refused
    page.get_by_text("Answer the question first").first.wait_for(timeout=20_000)
    wait_caption(page, "Step 4 of 7")
    question.get_by_text("−", exact=True).click()
    question.get_by_text("0.1 – 1", exact=True).click()
    screenshot(page, "quiz_question")
    question.get_by_role("button", name="Check and reveal").click()
    wait_caption(page, "Step 5 of 7")
    page.get_by_text("Right on both").first.wait_for(timeout=20_000)
    # step 5 → 6 is backward through layer 1: a second question (h¹₁'s weight), then the update
    question = page.locator('[class*="st-key-quiz_question"]')
    question.get_by_text("+", exact=True).click()
    question.get_by_text("below 0.001", exact=True).click()
    question.get_by_role("button", name="Check and reveal").click()
    wait_caption(page, "Step 6 of 7")
    page.get_by_text("Score this session: sign 1/2, size 1/2").first.wait_for(timeout=20_000)
    click_step(page)                                    # no question before the update: it just steps
    wait_caption(page, "Step 7 of 7")
    assert_no_exception(page)


def test_lesson_link_opens_the_lab_lesson_directly(page, app_url):
    open_url(page, f"{app_url}/lab?v=1&lesson=vanishing")
    page.get_by_text("Vanishing gradients: a deep sigmoid network").first.wait_for(timeout=60_000)
    page.locator("h3", has_text="vanishing").first.wait_for(timeout=60_000)
    assert_no_exception(page)
