"""The loss view in a real Chromium, at the class's screen sizes: slope and surface open on the default and
the textbook networks, α moved, the landing point and the paths redrawn. Screenshots in tests/screenshots."""
import time

import pytest

from tests.browser.conftest import assert_no_exception, screenshot, wait_ready

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"]'
TRACE = """([prefix, field]) => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        const t = (gd._fullData || []).find(t => t.name && t.name.startsWith(prefix));
        if (t) return field === 'name' ? t.name : JSON.stringify([Array.from(t.x), Array.from(t.y)]);
    }
    return null;
}"""


def trace(page, prefix, field="name"):
    return page.evaluate(TRACE, [prefix, field])


def wait_trace(page, prefix, field="name", differs_from=None, timeout=30_000):
    """Wait until a drawn trace whose name starts with ``prefix`` exists (and differs from a value)."""
    page.wait_for_function(f"""args => {{ const v = ({TRACE})(args.slice(0, 2));
                                         return v !== null && v !== args[2]; }}""",
                           arg=[prefix, field, differs_from], timeout=timeout)
    return trace(page, prefix, field)


def show(page, prefix):
    """Scroll the chart holding the trace into the middle of the viewport (for the screenshot)."""
    page.evaluate("""prefix => { for (const gd of document.querySelectorAll('.js-plotly-plot'))
                       if ((gd._fullData || []).some(t => t.name && t.name.startsWith(prefix)))
                         gd.scrollIntoView({block: 'center'}); }""", prefix)
    page.wait_for_timeout(400)


def move_alpha(page, key, prefix, field, before):
    """Press an arrow key on the α slider until the trace changes (presses can be lost mid-rerun)."""
    slider = page.locator('[data-testid="stSlider"]', has_text="Learning rate α").get_by_role("slider")
    for attempt in range(3):
        slider.focus()
        page.keyboard.press(key)
        try:
            return wait_trace(page, prefix, field, differs_from=before, timeout=20_000)
        except Exception:
            assert attempt < 2, "moving α did not redraw the loss view"
    return None


def open_app(page, app_url, size, textbook):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(app_url, timeout=60_000)
    wait_ready(page, timeout=60_000)
    page.wait_for_selector(f"{CHART} .main-svg", timeout=60_000)
    if textbook:
        wait_ready(page)   # a rerun landing just after the click closes the list again
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
        page.get_by_role("option", name="Textbook example (x = 2, y = 1)").click()
        page.wait_for_function("""chart => { const e = document.querySelector(chart + ' .main-svg');
                                   return e && e.textContent.includes('= 2') && !e.textContent.includes('x₂'); }""",
                               arg=CHART, timeout=30_000)
        # the next click when the preset's run has ended and written its address, as a person's would come
        # (CI once saw the page back on the default network after a click made while that run still drew)
        page.wait_for_function("() => new URLSearchParams(location.search).get('s') === '1-1-1'", timeout=30_000)
    wait_ready(page)
    page.get_by_text("Loss: slope, surface, gradient check", exact=True).click()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
@pytest.mark.parametrize("network", ["default", "textbook"])
def test_slope_and_surface_follow_alpha_and_applied_updates(page, app_url, size, network):
    open_app(page, app_url, size, network == "textbook")
    name = f"loss_{network}_{size[0]}x{size[1]}"

    # slope view: the tangent is labelled with ∂L/∂w; α moves the landing point
    tangent = wait_trace(page, "tangent: slope = ∂L/∂")
    if network == "textbook":
        assert tangent.endswith("−0.09595"), (tangent, page.evaluate("location.href"))   # ∂L/∂b2 (−0.0959)
    landing = wait_trace(page, "after one update")
    show(page, "tangent")
    assert_no_exception(page)
    screenshot(page, f"{name}_slope")
    moved = move_alpha(page, "ArrowLeft", "after one update", "name", landing)
    assert moved != landing and trace(page, "tangent") == tangent, "α moves the landing point, not the tangent"
    show(page, "tangent")
    screenshot(page, f"{name}_slope_alpha_moved")

    # surface view: −∇L, then the path of two applied updates
    wait_ready(page)   # each click once the last one's run has ended (see open_app)
    page.get_by_text("Surface of two parameters", exact=True).click()
    wait_trace(page, "the point")
    assert page.get_by_text("A 2-D slice of the loss:").count() == 1
    for n in (1, 2):
        wait_ready(page)
        page.locator(".st-key-step_train button").first.click()
        wait_trace(page, f"updates applied ({n};", timeout=40_000)
    path = trace(page, "updates applied", "xy")
    assert path.count(",") >= 5, "three points: before, after update 1, after update 2"

    # the next 20 steps with SGD: α moves the predicted path
    wait_ready(page)
    option = page.get_by_role("option", name="SGD (plain gradient descent)")
    for attempt in range(3):     # a rerun that lands just after the click closes the list again
        page.get_by_role("combobox", name="Draw the next N steps from here with").click()
        try:
            option.wait_for(timeout=8_000)
            break
        except Exception:
            assert attempt < 2, "the optimizer list did not open"
    option.click()
    page.keyboard.press("Escape")
    predicted = wait_trace(page, "next 20 steps, SGD", "xy", timeout=40_000)
    show(page, "the point")
    assert_no_exception(page)
    screenshot(page, f"{name}_surface")
    moved = move_alpha(page, "ArrowRight", "next 20 steps, SGD", "xy", predicted)
    assert moved != predicted
    assert trace(page, "updates applied", "xy") == path, "the applied path is history: α does not move it"
    show(page, "the point")
    assert_no_exception(page)
    screenshot(page, f"{name}_surface_alpha_moved")
