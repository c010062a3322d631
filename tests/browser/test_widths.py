"""Nothing cut off at any width from 1280 px up (issue 13): the step page at the widths between the two
projectors a class uses (1366 and 1440 laptops, 1536, 1600, 1760), presenter mode off and on, on the
last step (every number known, the longest equations): the loss, loss-after-update and learning-rate
metrics are not cut off, the step buttons keep their words (presenter
mode up to 1,600 px shows icons, each keeping its word as accessible name), every equation of the
selected node is drawn whole inside its panel, no two numbers on the graph overlap, and the page does
not scroll sideways. The window is resized in place, as a teacher dragging it would."""
import re

import pytest

from tests.browser.conftest import screenshot, wait_ready
from tests.browser.test_edge_labels import BOXES_JS, _overlap
from tests.browser.test_room import CHART, _context, _open, assert_no_sideways_overflow, equations_fit

pytestmark = pytest.mark.browser

WIDTHS = [1280, 1366, 1440, 1536, 1600, 1760, 1920]
HEIGHT = 800
WORDS = ("Reset", "Back", "Step", "End", "Play", "Apply update")


def _settle(page):
    """After a resize: the graph-size watcher reports (a fragment rerun) once the size has settled."""
    page.wait_for_timeout(1200)
    wait_ready(page, timeout=60_000)
    page.wait_for_selector(f".st-key-step_graph {CHART}", timeout=30_000)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_nothing_is_cut_off_at_any_width_from_1280(browser, app_url, presenter):
    ctx = _context(browser, (WIDTHS[0], HEIGHT))
    try:
        page = _open(ctx, f"{app_url}/step" + ("?v=1&present=1" if presenter else ""), CHART)
        page.locator(".st-key-step_end button").first.click()
        page.locator("h3", has_text=re.compile(r"^Step (\d+) of \1 ")).first.wait_for(timeout=30_000)
        for w in WIDTHS:
            page.set_viewport_size({"width": w, "height": HEIGHT})
            _settle(page)
            page.mouse.move(2, HEIGHT - 2)
            what = f"{w} px{' presenter' if presenter else ''}"
            bar = page.locator(".st-key-step_transport")
            for word in WORDS:
                assert bar.get_by_role("button", name=re.compile(rf"^{word}\b")).count() >= 1, f"{word} ({what})"
            shown = page.evaluate("""() => [...document.querySelectorAll('.st-key-step_transport button p')]
                .filter(p => p.checkVisibility() && getComputedStyle(p).position !== 'absolute')""" +
                                  ".map(p => [p.textContent, p.scrollWidth > p.clientWidth + 1])")
            cut = [t for t, over in shown if over]
            assert not cut, f"button words cut off ({what}): {cut}"
            if not presenter or w > 1600:
                assert len(shown) >= len(WORDS), f"button words hidden ({what}): {shown}"
            cut = page.evaluate("""() => { const head = document.querySelector('.st-key-step_head').getBoundingClientRect();
                return [...document.querySelectorAll('.st-key-step_head [data-testid="stMetric"]')]
                  .map(m => [m.textContent, m.getBoundingClientRect()])
                  .filter(([t, r]) => r.right > Math.min(head.right, window.innerWidth) + 1 || r.width < 20)
                  .map(([t, r]) => t); }""")
            assert not cut, f"metrics cut off beside the step caption ({what}): {cut}"
            bad = [e for e in equations_fit(page) if not e["ok"]]
            assert not bad, f"equations run out of their panel ({what}): {bad}"
            got = page.evaluate(BOXES_JS)
            texts = got["edges"] + got["others"]
            for i, a in enumerate(texts):
                for b in texts[i + 1:]:
                    assert not _overlap(a["box"], b["box"]), f"graph numbers overlap ({what}): {a} {b}"
            assert_no_sideways_overflow(page, what)
            if w in (1366, 1536):
                screenshot(page, f"widths_{w}{'_presenter' if presenter else ''}")
        assert not page.errors, page.errors
    finally:
        ctx.close()
