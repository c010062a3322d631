"""The playground in a real browser: play animates through st.fragment(run_every) — the epoch counter
and the boundary change while playing, pause stops them, step adds one update — CSV upload errors keep
the data, and clicking a neuron thumbnail enlarges it. Screenshots go to tests/screenshots/."""
import re
import time

import pytest

from tests.browser.conftest import assert_no_exception, screenshot, wait_ready

pytestmark = pytest.mark.browser
CHART = '[data-testid="stPlotlyChart"] .main-svg'

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
    page.wait_for_selector("text=Training playground", timeout=30_000)
    page.wait_for_selector(CHART, timeout=30_000)
    page.wait_for_function("() => (" + BOUNDARY_SUM + ")() !== null", timeout=30_000)


def metric(page, label):
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def count(text):
    return int(text.split("/")[0].replace(",", "").strip())


def button(page, key):
    return page.locator(f".st-key-{key} button").first


def test_play_for_three_seconds_then_pause_then_step(page, app_url):
    open_playground(page, app_url)
    assert metric(page, "Epoch") == "0"
    before = page.evaluate(BOUNDARY_SUM)
    button(page, "pg_play").click()
    page.wait_for_selector(".st-key-pg_play button:has-text('Pause')", timeout=15_000)
    time.sleep(3)
    # one tick of the default speed is one epoch; on a loaded machine a tick can take seconds, so wait
    page.wait_for_function(EPOCH_ABOVE, arg=0, timeout=20_000)
    epoch_playing = count(metric(page, "Epoch"))
    assert epoch_playing >= 1, f"epoch after 3 s of play: {epoch_playing}"
    page.wait_for_function("(before) => (" + BOUNDARY_SUM + ")() !== before", arg=before, timeout=20_000)
    page.wait_for_function(EPOCH_ABOVE, arg=epoch_playing, timeout=20_000)   # the timer keeps ticking
    speed = metric(page, "Steps / s")
    assert re.fullmatch(r"[\d,]+|…", speed), speed
    screenshot(page, "playground_playing")
    assert_no_exception(page)

    button(page, "pg_play").click()
    page.wait_for_selector(".st-key-pg_play button:has-text('Play')", timeout=30_000)
    wait_ready(page)
    page.wait_for_function("() => Array.from(document.querySelectorAll('[data-testid=\"stMetricValue\"]'))"
                           ".some(e => e.innerText.trim() === 'paused')", timeout=15_000)
    paused_step = count(metric(page, "Step"))
    time.sleep(1.5)
    assert count(metric(page, "Step")) == paused_step, "paused: no more steps"

    button(page, "pg_step").click()
    page.wait_for_function(
        "(n) => Array.from(document.querySelectorAll('[data-testid=\"stMetric\"]'))"
        ".some(m => m.innerText.startsWith('Step') && m.innerText.replace(/,/g, '').endsWith(String(n)))",
        arg=paused_step + 1, timeout=15_000)
    wait_ready(page)
    screenshot(page, "playground_paused")
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
