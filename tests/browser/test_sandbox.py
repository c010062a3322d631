"""The chain-rule sandbox in a real Chromium at a classroom's 1280×720: type, step with the keys, read
every gradient; a bad expression shows its column and the last graph stays."""
import re
import time

import pytest

from engine.expression import evaluate, number, parse
from tests.browser.conftest import assert_no_exception, screenshot, wait_ready
from tests.browser.test_room import box

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


def open_with_expression(page, url, expression, query=""):
    """Open the sandbox at ``url`` (+ ``query``), type ``expression`` and wait until its graph is drawn and
    the app is idle (the graph's text alternative names the expression: the typed one, not the example)."""
    page.goto(f"{url}/sandbox{query}", timeout=60_000)
    wait_ready(page, timeout=60_000)
    page.wait_for_selector(f"{CHART} .main-svg", timeout=60_000)
    type_expression(page, expression)
    page.wait_for_function("want => [...document.querySelectorAll('.st-key-sandbox_graph [aria-label], "
                           ".st-key-sandbox_graph [role=img]')].some(e => (e.getAttribute('aria-label') || "
                           "e.textContent).startsWith(want))", arg=f"Graph of {expression}: ", timeout=30_000)
    wait_ready(page)


def test_type_step_with_keys_read_gradients_and_survive_a_bad_expression(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        open_with_expression(page, app_url, EXPRESSION)
        assert heading(page).startswith("Step 0 of 22")
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
        # (a crowded card puts the value on its own line: compare without spaces)
        assert f"∂L/∂w₁={number(ev.gradient['w1'])}" in graph_text(page).replace(" ", "")
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
        page.locator(".st-key-sandbox_play button:visible").first.click()
        wait_heading(page, r"^Step [2-9] of 9", timeout=45_000)      # the timer fragment stepped on its own
        page.locator(".st-key-sandbox_play button:visible").first.click()  # Pause
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


# ------------------------------------------------------------------------------------------ made for the room
# Bounding-box checks as tests/browser/test_room.py does them for the step page: "inside" means the
# element's box lies within the window without scrolling (1 px of rounding allowed).
from tests.browser.test_room import assert_inside, assert_no_sideways_overflow, box  # noqa: E402

TRANSPORT = ".st-key-sandbox_transport"
WORDS = ("Reset", "Back", "Step", "End", "Play")


def _open_sandbox(browser, width, height, query="", touch=False):
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{app_url_of(browser)}/sandbox{query}", timeout=90_000)
    return context, page


def app_url_of(browser):
    return browser._sandbox_app_url


@pytest.fixture
def room(browser, app_url):
    browser._sandbox_app_url = app_url
    return browser


def _ready(page):
    wait_ready(page, timeout=90_000)
    page.wait_for_selector(f"{CHART} .main-svg", timeout=90_000)
    page.wait_for_function("() => [...document.querySelectorAll('style')]"
                           ".some(s => s.textContent.includes('st-key-sandbox_graph'))", timeout=60_000)
    # the graph-size watcher reports once the first run has drawn (a fragment rerun): let it land, as a
    # person's first keystroke would (CI once read the example's "Step 0 of 9" after typing the 22-step
    # expression here; see _shown)
    time.sleep(0.6)
    wait_ready(page, timeout=60_000)


def _shown(page):
    """What the page shows, for a failure message: every step caption, the expression box, the address."""
    return page.evaluate("""() => ({captions: [...document.querySelectorAll('h3')].map(h => h.textContent.slice(0, 40)),
        box: (document.querySelector('.st-key-sandbox_text input') || {}).value,
        examples: [...document.querySelectorAll('[data-testid=stSelectbox]')].map(s => s.textContent.slice(0, 60)),
        address: location.search})""")


def _graph_alt(page):
    return page.evaluate("() => { const e = document.querySelector('.st-key-sandbox_graph [aria-label], "
                         ".st-key-sandbox_graph [role=img]'); return e ? (e.getAttribute('aria-label') || "
                         "e.textContent) : null; }")


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_sandbox_fits_a_projector_at_every_step(room, size, presenter):
    w, h = size
    context, page = _open_sandbox(room, w, h, "?v=1&present=1" if presenter else "")
    tag = f"{w}x{h}{'_presenter' if presenter else ''}"
    try:
        _ready(page)
        type_expression(page, EXPRESSION)
        wait_heading(page, r"^Step 0 of 22")
        wait_ready(page)
        for i in range(23):
            what = f"{tag}, step {i}"
            assert heading(page).startswith(f"Step {i} of 22"), (what, _shown(page))
            assert_inside(page, TRANSPORT, "step controls", what)
            assert_inside(page, ".st-key-sandbox_head h3", "step caption", what)
            g = assert_inside(page, ".st-key-sandbox_graph", "graph", what)
            assert g["height"] >= 240, f"the graph is squeezed to {g['height']:.0f} px ({what})"
            assert_inside(page, ".st-key-sandbox_graph .main-svg", "graph's drawing", what)
            eq = box(page, ".st-key-sandbox_equations")     # the chain-rule sentence beside the graph
            assert eq and eq["top"] < g["bottom"] and eq["left"] >= g["right"] - 1, f"sentence not beside ({what})"
            alt = _graph_alt(page)
            assert alt and alt.startswith(f"Graph of {EXPRESSION}: ") and f"step {i} of 22" in alt, (what, alt)
            bar = page.locator(TRANSPORT)
            tops = page.evaluate(f"() => [...document.querySelectorAll('{TRANSPORT} button')].filter(b => b.checkVisibility())"
                                 ".map(b => Math.round(b.getBoundingClientRect().top))")
            assert len(tops) == 5 and len(set(tops)) == 1, f"the transport is not one row ({what}): {tops}"
            for word in WORDS:      # the word stays the accessible name
                assert bar.get_by_role("button", name=re.compile(rf"^{word}\b")).count() == 1, f"{word} ({what})"
            if not presenter:
                cut = page.evaluate(f"() => [...document.querySelectorAll('{TRANSPORT} button p')]"
                                    ".filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent)")
                assert not cut, f"button words cut off ({what}): {cut}"
            assert_no_sideways_overflow(page, what)
            if i in (0, 5, 22):
                page.mouse.move(2, h - 2)
                screenshot(page, f"sandbox_room_{tag}_step{i}")
            if i == 22:    # the backward sweep's last gradient is named in the sentence
                assert "backward: ∂L/∂" in alt, alt
            if i < 22:
                page.locator(".st-key-sandbox_step button:visible").first.click()
                wait_heading(page, rf"^Step {i + 1} of 22")
                page.wait_for_selector(f"{CHART} .main-svg", timeout=30_000)
                page.wait_for_timeout(250)    # old and new chart coexist for a moment
        assert_no_exception(page)
        assert not page.errors, page.errors
    finally:
        context.close()


@pytest.mark.parametrize("size", [(390, 844), (820, 1180)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_sandbox_on_handhelds_one_row_of_controls_and_the_graph_in_the_first_screen(room, size):
    w, h = size
    context, page = _open_sandbox(room, w, h, touch=True)
    try:
        _ready(page)
        if w >= 800:      # a tablet shows the sidebar open: open it if Streamlit collapsed it
            toggle = page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button')
            if toggle.count() and toggle.first.is_visible():
                toggle.first.tap()
                page.wait_for_timeout(800)
        for i in range(3):
            what = f"{w}×{h}, step {i}"
            row = assert_inside(page, TRANSPORT, "step controls", what)
            sizes = page.evaluate(f"() => [...document.querySelectorAll('{TRANSPORT} button')].filter(b => b.checkVisibility())"
                                  ".map(b => [b.offsetWidth, b.offsetHeight, Math.round(b.getBoundingClientRect().top), "
                                  "Math.round(b.getBoundingClientRect().right)])")
            assert len(sizes) == 5 and len({t for _, _, t, _ in sizes}) == 1, f"not one row ({what}): {sizes}"
            assert all(bw >= 40 and bh >= 36 for bw, bh, _, _ in sizes), f"touch targets too small ({what}): {sizes}"
            assert all(r <= w + 1 for _, _, _, r in sizes), f"a button is cut off ({what}): {sizes}"
            assert row["height"] < 70, f"the control row is {row['height']} px tall ({what})"
            g = box(page, ".st-key-sandbox_graph")
            assert g["top"] < h - 150, f"the graph does not start in the first screen ({what}): {g}"
            assert_no_sideways_overflow(page, what)
            if i == 0:
                screenshot(page, f"sandbox_room_{w}x{h}")
            page.locator(".st-key-sandbox_step button:visible").first.tap()
            wait_heading(page, rf"^Step {i + 1} of")
        assert_no_exception(page)
        assert not page.errors, page.errors
    finally:
        context.close()


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_sandbox_axe_finds_no_serious_violation(room, size):
    from axe_playwright_python.sync_playwright import Axe
    w, h = size
    context, page = _open_sandbox(room, w, h, touch=w < 800)
    try:
        _ready(page)
        page.wait_for_timeout(1500)
        violations = Axe().run(page).response["violations"]
        serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in violations
                   if v["impact"] in ("serious", "critical")]
        print(f"\naxe-core sandbox {w}x{h}: {len(serious)} / {len(violations)} "
              f"{sorted({v['id'] + ':' + v['impact'] for v in violations})}")
        assert not serious, serious
    finally:
        context.close()


CARDS_JS = """() => {
  const svg = [...document.querySelectorAll('.st-key-sandbox_graph [data-testid="stPlotlyChart"]')].pop();
  return [...svg.querySelectorAll('.annotation')].filter(a => a.textContent.trim())
    .map(a => { const b = (a.querySelector('.bg') || a).getBoundingClientRect();
                return {text: a.textContent.slice(0, 30), box: [b.left, b.top, b.right, b.bottom]}; });
}"""
PANEL_JS = """() => { const p = document.querySelector('.st-key-sandbox_equations');
  return {panel: p.scrollWidth - p.clientWidth,
          lines: [...p.querySelectorAll('.katex-display')].map(e => e.scrollWidth - e.clientWidth),
          outside: [...p.querySelectorAll('.katex')].filter(k => k.getBoundingClientRect().right >
                                                      p.getBoundingClientRect().right + 1).length}; }"""


# the cards are checked up to this step (all 22: at 1280 × 720 the graph is 607 × 370 px, nine columns 65 px
# apart, narrower than a card at 11 px: the crowded cards slide sideways and move further out)
@pytest.mark.parametrize("size, presenter, cards_until", [((1920, 1080), True, 22), ((1280, 720), False, 22)],
                         ids=["1920x1080_presenter", "1280x720"])
def test_sandbox_equations_wrap_and_number_cards_do_not_overlap(browser, app_url, size, presenter, cards_until):
    """Every step of the two-layer example: the chain-rule equations wrap inside their panel (nothing scrolls
    sideways in it) and no two number cards under the graph's nodes touch (placed for the graph's measured
    size: slid sideways, the other side, further out, smaller type, the value on its own line); none is
    left off and every card lies inside the chart."""
    w, h = size
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    try:
        open_with_expression(page, app_url, EXPRESSION, "?v=1&present=1" if presenter else "")
        assert heading(page).startswith("Step 0 of 22")
        chart = box(page, ".st-key-sandbox_graph .main-svg")
        print(f"sandbox graph at {w}x{h}: {chart['width']:.0f} × {chart['height']:.0f} px")
        for i in range(23):
            what = f"{w}x{h}, step {i}"
            page.wait_for_timeout(300)
            got = page.evaluate(PANEL_JS)
            assert got["panel"] <= 1 and all(d <= 1 for d in got["lines"]) and not got["outside"], (what, got)
            if i <= cards_until:    # (while plotly redraws, the cards' boxes are empty for a moment)
                page.wait_for_function(f"() => ({CARDS_JS})().every(c => c.box[2] > c.box[0])", timeout=30_000)
            cards = page.evaluate(CARDS_JS) if i <= cards_until else []
            if i <= cards_until:
                assert not any(c["text"].startswith(("1 card", "2 cards")) or "hidden (no room)" in c["text"]
                               for c in cards), (what, "a card was left off")
                svg = box(page, ".st-key-sandbox_graph .main-svg")
            for k, a in enumerate(cards):
                assert a["box"][0] >= svg["left"] - 1 and a["box"][2] <= svg["right"] + 1, (what, "off the chart", a)
                for b in cards[k + 1:]:
                    ov = (min(a["box"][2], b["box"][2]) - max(a["box"][0], b["box"][0]),
                          min(a["box"][3], b["box"][3]) - max(a["box"][1], b["box"][1]))
                    assert not (ov[0] > -1 and ov[1] > -1), (what, "cards touch (less than 1 px apart)", a, b)
            if i in (12, 22):
                page.mouse.move(2, h - 2)
                screenshot(page, f"sandbox_wrap_{w}x{h}_step{i}")
            if i < 22:
                page.locator(".st-key-sandbox_step button:visible").first.click()
                wait_heading(page, rf"^Step {i + 1} of 22")
                page.wait_for_selector(f"{CHART} .main-svg", timeout=30_000)
    finally:
        context.close()
