"""The playground in a real browser: Play starts the player (components/playground/player.js), which
draws frames the server trained ahead — the counters and the boundary change many times a second —
Pause (button or P) freezes the frame on screen and the paused page, and the saved scenario, are at
exactly that step; CSV upload errors keep the data, and clicking a neuron thumbnail enlarges it.
Screenshots go to tests/screenshots/."""
import json
import re
import time

import pytest

from components.playground.player import DEFAULT_SPEED, SPEEDS
from tests.browser.conftest import assert_no_exception, screenshot, wait_ready
from tests.browser.frames import FRAME_WATCH

pytestmark = pytest.mark.browser
CHART = '[data-testid="stPlotlyChart"] .main-svg'
PLAYER = ".blp[data-mode=play]"

BOUNDARY_SUM = """() => {
  const gd = Array.from(document.querySelectorAll('.js-plotly-plot'))
      .find(d => d.layout && d.layout.uirevision === 'boundary');
  if (!gd) return null;
  const z = gd.data[0].z;   // plotly 7 ships arrays as {dtype, bdata, shape}
  return z && z.bdata ? z.bdata : JSON.stringify(z);
}"""


EPOCH_ABOVE = """(n) => Array.from(document.querySelectorAll('[data-testid="stMetric"]'))
  .some(m => m.innerText.startsWith('Epoch') &&
             parseInt(m.querySelector('[data-testid="stMetricValue"]').innerText.replace(/,/g, '')) > n)"""


def open_playground(page, app_url):
    page.set_viewport_size({"width": 1600, "height": 1400})
    page.goto(f"{app_url}/playground", timeout=60_000)
    wait_ready(page, timeout=60_000)
    page.wait_for_selector("h1:has-text('Training playground')", timeout=60_000)
    page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_function("() => (" + BOUNDARY_SUM + ")() !== null", timeout=60_000)


def metric(page, label):
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def count(text):
    return int(text.split("/")[0].replace(",", "").strip())


def button(page, key):
    return page.locator(f".st-key-{key} button").first


def player(page, key):
    return page.evaluate(f"() => {{ const p = document.querySelector('{PLAYER}'); return p && p.dataset['{key}']; }}")


def wait_step_metric(page, n, timeout=30_000):
    page.wait_for_function(
        "(n) => Array.from(document.querySelectorAll('[data-testid=\"stMetric\"]'))"
        ".some(m => m.innerText.startsWith('Step') && m.innerText.replace(/,/g, '').trim().endsWith(String(n)))",
        arg=n, timeout=timeout)


def test_play_shows_many_frames_then_pause_freezes_and_the_page_and_the_file_agree(page, app_url):
    open_playground(page, app_url)
    assert metric(page, "Epoch") == "0"
    button(page, "pg_play").click()
    page.wait_for_selector(f"{PLAYER}[data-state=playing]", timeout=30_000)
    shown0, step0 = int(player(page, "shown")), int(player(page, "step"))
    time.sleep(3)
    shown1, step1 = int(player(page, "shown")), int(player(page, "step"))
    # 30 frames/s at best; a loaded CI machine still shows several a second (the old page: ~2)
    assert shown1 - shown0 >= 9, f"{shown1 - shown0} frames in 3 s"
    per_frame = SPEEDS[DEFAULT_SPEED]
    assert step1 - step0 >= per_frame * (shown1 - shown0 - 1), f"{per_frame} steps per frame at the default speed"
    # the address bar holds a frame the student has seen (the one on screen when the player last asked
    # for frames), never the frames the server trained ahead
    address_step = page.evaluate("() => Number(new URLSearchParams(location.search).get('step'))")
    assert 0 < address_step <= int(player(page, "step")), (address_step, player(page, "step"))
    label = page.locator(".blp").first.get_attribute("aria-label")
    assert re.search(r"epoch [\d.]+, step [\d,]+, train loss", label), label
    screenshot(page, "playground_playing")
    assert_no_exception(page)

    page.locator(f"{PLAYER}[data-state=playing] .blp-play").first.click()
    paused = page.evaluate("() => window.__blpLastPause.step")
    time.sleep(0.5)
    assert page.evaluate("() => window.__blpLastPause.step") == paused
    wait_step_metric(page, paused)          # the server went back to exactly the frame shown
    page.wait_for_selector(".st-key-pg_play button:has-text('Play')", timeout=30_000)
    wait_ready(page)
    assert count(metric(page, "Step")) == paused
    time.sleep(1.0)
    assert count(metric(page, "Step")) == paused, "paused: no more steps"
    with page.expect_download(timeout=30_000) as download:
        page.locator(".st-key-share_save button").first.click()
    saved = json.loads(open(download.value.path()).read())
    assert saved["view"]["step"] == paused, "the saved scenario is at the step the student saw"

    button(page, "pg_step").click()
    wait_step_metric(page, paused + 1)
    wait_ready(page)
    screenshot(page, "playground_paused")
    assert_no_exception(page)


def test_after_a_pause_no_player_shows_another_frame_until_the_page_is_drawn_paused(page, app_url):
    """A pause's rerun re-creates the playing fragment's player for a moment (a new element, in play mode,
    with the last chunk): it must not start playing that chunk (it did, 1 pause in 2, a few frames from
    before or after the frozen one)."""
    open_playground(page, app_url)
    page.evaluate(FRAME_WATCH)
    for i in range(5):
        button(page, "pg_play").click()
        page.wait_for_selector(f"{PLAYER}[data-state=playing]", timeout=30_000)
        time.sleep(1.5 + 0.3 * i)
        page.locator(f"{PLAYER}[data-state=playing] .blp-play").first.click()
        page.wait_for_function("() => window.__blpLastPause", timeout=10_000)
        frozen = page.evaluate("() => window.__blpLastPause")
        wait_paused_page(page, frozen["step"])
        time.sleep(0.3)
        after = page.evaluate("(t) => window.__frames.filter(f => f[0] > t + 0.5)", frozen["at"])
        assert after == [], f"pause {i + 1} froze step {frozen['step']}, then frames were shown: {after}"
        page.evaluate("() => { window.__blpLastPause = null; }")


def start_playing(page, min_frames=5):
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("p")
    page.wait_for_selector(f"{PLAYER}[data-state=playing]", timeout=30_000)
    page.wait_for_function(f"(n) => Number(document.querySelector('{PLAYER}').dataset.shown) > n", arg=min_frames,
                           timeout=30_000)


def wait_paused_page(page, step):
    wait_step_metric(page, step)
    page.wait_for_selector(".st-key-pg_play button:has-text('Play')", timeout=30_000)
    wait_ready(page)
    assert count(metric(page, "Step")) == step


@pytest.mark.parametrize("key", ["pg_step", "pg_epoch"])
def test_step_or_epoch_while_playing_pauses_on_the_frame_shown_then_trains_on(page, app_url, key):
    open_playground(page, app_url)
    start_playing(page)
    shown_before = int(player(page, "step"))
    button(page, key).click()
    paused = page.evaluate("() => window.__blpLastPause.step")
    assert paused >= shown_before, "paused on the frame on screen when clicked"
    want = paused + 1 if key == "pg_step" else -(-(paused + 1) // 25) * 25   # 25 steps per epoch here
    wait_paused_page(page, want)
    time.sleep(1.0)
    assert count(metric(page, "Step")) == want, "paused after the step: no more training"
    assert_no_exception(page)


@pytest.mark.parametrize("what", ["save", "link"])
def test_save_and_copy_link_while_playing_hold_the_frame_shown(page, app_url, what):
    open_playground(page, app_url)
    start_playing(page)
    if what == "save":
        with page.expect_download(timeout=60_000) as download:
            page.locator(".st-key-share_save button").first.click()
        paused = page.evaluate("() => window.__blpLastPause.step")
        saved = json.loads(open(download.value.path()).read())
        assert saved["view"]["step"] == paused, "the file holds the step on screen when Save was clicked"
    else:
        page.locator(".st-key-share_link button").first.click()
        paused = page.evaluate("() => window.__blpLastPause.step")
        page.wait_for_function("(n) => Array.from(document.querySelectorAll('.st-key-share_panel code'))"
                               ".some(c => new RegExp('[?&]step=' + n + '(&|$)').test(c.innerText.trim()))",
                               arg=paused, timeout=60_000)
    wait_paused_page(page, paused)
    assert_no_exception(page)


def test_the_p_key_plays_and_pauses(page, app_url):
    open_playground(page, app_url)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("p")
    page.wait_for_selector(f"{PLAYER}[data-state=playing]", timeout=30_000)
    page.wait_for_function(f"() => Number(document.querySelector('{PLAYER}').dataset.shown) > 5", timeout=20_000)
    page.keyboard.press("p")
    paused = page.evaluate("() => window.__blpLastPause.step")
    wait_step_metric(page, paused)
    page.wait_for_selector(".st-key-pg_play button:has-text('Play')", timeout=30_000)
    page.keyboard.press("p")                 # and once more: plays again
    page.wait_for_selector(f"{PLAYER}[data-state=playing]", timeout=30_000)
    page.keyboard.press("p")
    wait_step_metric(page, page.evaluate("() => window.__blpLastPause.step"))
    assert_no_exception(page)


BOXES = """() => {
  const box = (sel) => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {screen: [document.documentElement.clientWidth, window.innerHeight],
          controls: box('.st-key-pg_transport'), pause: box('.blp[data-mode=play] .blp-play'),
          boundary: box('.blp[data-mode=play] .blp-boundary'), curves: box('.blp[data-mode=play] .blp-curves'),
          network: box('.blp[data-mode=play] .blp-graph')};
}"""

# how many pixels a canvas has drawn in its rightmost 2 columns: text or a colour bar title cut by the edge
EDGE_INK = """(sel) => { const c = document.querySelector(sel); const d = c.getContext('2d')
  .getImageData(c.width - 2, 0, 2, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n; }"""


def in_first_screen(page, names):
    """Assert the named boxes (BOXES) lie in the window as first shown (nothing scrolled)."""
    boxes = page.evaluate(BOXES)
    vw, vh = boxes["screen"]
    out = {n: boxes[n] for n in names if boxes[n] is None or boxes[n][0] < -1 or boxes[n][1] < -1
           or boxes[n][2] > vw + 1 or boxes[n][3] > vh + 1}
    assert not out, f"not in the first {vw}×{vh} screen: {out}"


def no_canvas_cut_at_the_edge(page):
    for view in ("boundary", "curves", "graph", "thumbs"):
        ink = page.evaluate(EDGE_INK, f"{PLAYER} .blp-{view}")
        assert ink == 0, f"the {view} canvas draws up to its right edge ({ink} px): a label is cut"


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 720), (1920, 1080)])
def test_the_player_fits_phone_and_projector_screens(page, app_url, width, height):
    """Phone: nothing runs off the screen. 1280×720 and 1920×1080: run controls, boundary, loss curves
    and network in the first screen while playing (as on the paused page), no label cut by a canvas edge."""
    open_playground(page, app_url)
    page.set_viewport_size({"width": width, "height": height})
    start_playing(page)
    time.sleep(1.5)
    widths = page.evaluate(f"() => Array.from(document.querySelectorAll('{PLAYER} canvas'))"
                           ".map(c => [c.getBoundingClientRect().right, document.documentElement.clientWidth])")
    assert widths and all(right <= vw + 1 for right, vw in widths), f"a canvas runs off the screen: {widths}"
    off = page.evaluate("() => Array.from(document.querySelectorAll('.st-key-pg_transport button'))"
                        ".filter(b => b.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
                        ".map(b => b.getAttribute('aria-label') || b.textContent)")
    assert not off, f"run controls off the screen while playing: {off}"
    if width >= 1280:
        in_first_screen(page, ["controls", "pause", "boundary", "curves", "network"])
    no_canvas_cut_at_the_edge(page)
    screenshot(page, f"playground_playing_{width}x{height}")
    page.keyboard.press("p")
    wait_step_metric(page, page.evaluate("() => window.__blpLastPause.step"))
    assert_no_exception(page)


def test_gradient_colouring_is_kept_while_playing(page, app_url):
    """'Colour edges by: gradient' chosen: the playing graph colours its edges by |∂L/∂w| (log colour bar)."""
    open_playground(page, app_url)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.locator(".st-key-pg_edge_mode label").filter(has_text="gradient").first.click()
    page.wait_for_function("() => Array.from(document.querySelectorAll('.st-key-pg_edge_mode input'))"
                           ".some(i => i.checked && i.closest('label').innerText.includes('gradient'))", timeout=30_000)
    time.sleep(0.5)
    wait_ready(page)
    start_playing(page)
    page.wait_for_function(f"() => (document.querySelector('{PLAYER} .blp-graph').getAttribute('aria-label') || '')"
                           ".includes('|∂L/∂w| of the last step, log scale')", timeout=30_000)
    no_canvas_cut_at_the_edge(page)
    screenshot(page, "playground_playing_gradient_edges")
    page.keyboard.press("p")
    wait_step_metric(page, page.evaluate("() => window.__blpLastPause.step"))
    assert_no_exception(page)


# drawn px = CSS px × the element's CSS zoom (presenter mode: 1.25); currentCSSZoom is exact, while
# rect.width / offsetWidth carries offsetWidth's rounding to whole px (17.517 for 17.5 on a short caption)
TEXT_PX = """(sel) => Array.from(document.querySelectorAll(sel)).filter(e => e.offsetWidth > 0).map(e =>
  parseFloat(getComputedStyle(e).fontSize) * (e.currentCSSZoom ?? e.getBoundingClientRect().width / e.offsetWidth))"""


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_the_player_in_presenter_mode_is_large_and_pauses_with_p(page, app_url, width, height):
    """Presenter mode (?present=1): the player's text is drawn as large as the page's own smallest text in
    presenter mode (its captions, zoomed 1.25×), the player is on screen with Exit presenter mode, P pauses;
    at 1920×1080 the boundary, curves and network are in the first screen."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/playground?v=1&present=1", timeout=60_000)
    wait_ready(page, timeout=60_000)
    page.wait_for_selector(CHART, timeout=60_000)
    exit_button = page.locator(".st-key-presenter_exit button").first
    assert exit_button.is_visible()
    start_playing(page)
    time.sleep(1.0)
    caption = min(page.evaluate(TEXT_PX, '.st-key-pg_bar [data-testid="stCaptionContainer"] p'))
    dom = page.evaluate(TEXT_PX, ", ".join(f"{PLAYER} .blp-{part}" for part in ("mlabel", "mvalue", "play", "status")))
    canvas = page.evaluate(f"""() => {{ const p = document.querySelector('{PLAYER}'), c = p.querySelector('canvas');
      return Number(p.dataset.minFont) * (c.currentCSSZoom ?? c.getBoundingClientRect().width / c.offsetWidth); }}""")
    assert caption >= 14 * 1.2, f"presenter mode zooms the page's text ({caption:.1f} px)"
    assert min(dom) >= caption - 0.01 and canvas >= caption - 0.01, \
        f"player text {min(dom):.1f} px (canvas {canvas:.1f} px) smaller than the page's {caption:.1f} px"
    names = ["pause", "boundary", "curves", "network"] if width >= 1920 else ["pause"]
    in_first_screen(page, names)
    boxes = page.evaluate(BOXES)
    assert boxes["boundary"][1] < boxes["screen"][1] - 200, "the boundary starts in the first screen"
    box = exit_button.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width
    no_canvas_cut_at_the_edge(page)
    screenshot(page, f"playground_playing_presenter_{width}x{height}")
    page.keyboard.press("p")
    paused = page.evaluate("() => window.__blpLastPause.step")
    wait_paused_page(page, paused)
    assert_no_exception(page)


def test_bad_csv_shows_the_line_and_keeps_the_data_then_a_good_one_is_used(page, app_url, tmp_path):
    open_playground(page, app_url)
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n1,2,0\n3,oops,1\n")
    page.locator(".st-key-pg_csv input[type=file]").set_input_files(str(bad))
    page.wait_for_selector("text=line 3, column x2: expected a number", timeout=20_000)
    wait_ready(page)
    assert page.locator("text=sigmoid output + binary cross-entropy").count() == 1, "still the circles data"
    assert_no_exception(page)
    screenshot(page, "playground_bad_csv")

    good = tmp_path / "good.csv"
    good.write_text("x1,x2,label\n" + "".join(f"{i - 10},{(i * 7) % 11 - 5},{i % 3}\n" for i in range(20)))
    page.locator(".st-key-pg_csv input[type=file]").set_input_files(str(good))
    page.wait_for_selector("text=softmax output + cross-entropy", timeout=20_000)   # 3 labels → 3 classes
    wait_ready(page)
    assert page.locator("text=line 3, column x2").count() == 0, "the old error is gone"
    assert_no_exception(page)


def test_clicking_a_neuron_thumbnail_shows_it_large(page, app_url):
    open_playground(page, app_url)
    point = page.evaluate("""() => {
      const gd = Array.from(document.querySelectorAll('.js-plotly-plot'))
          .find(d => d.data.some(t => t.name === 'neurons'));
      const tr = gd.data.find(t => t.name === 'neurons');
      const i = tr.customdata.findIndex(c => c[0] === 'L2:N1');
      const L = gd._fullLayout, box = gd.getBoundingClientRect();
      return {x: box.left + L.xaxis._offset + L.xaxis.l2p(tr.x[i]),
              y: box.top + L.yaxis._offset + L.yaxis.l2p(tr.y[i])};
    }""")
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector("text=h²₂ (hidden): a over the plane", timeout=20_000)
    wait_ready(page)
    screenshot(page, "playground_neuron_clicked")
    assert_no_exception(page)
