"""Browser latency: from moving a slider to the redrawn network graph, in a real Chromium.

For the default page and for a 20 × 32 network, a student's move is replayed 20 times: focus a
slider, press an arrow key (alternately → and ←, so the value stays in range), and time until plotly
has redrawn the step page's graph with the new numbers (the ``plotly_afterplot`` event of the graph,
then one animation frame, so the time includes the paint), and until it is settled (Streamlit draws
a new chart twice). Two sliders per network: a weight of the selected neuron (the page reruns only
its stepping fragment) and the input x₁ in the sidebar (a full rerun). Prints median, p90 and max per
case; target: median ≤ 500 ms to the redrawn graph on this machine.

    python benchmarks/browser_latency.py                 # starts `streamlit run app.py` on a free port
    python benchmarks/browser_latency.py --url http://127.0.0.1:8501 --moves 20
"""
import argparse
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadtest  # noqa: E402  (server start/stop helpers, loopback check)
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GRAPH_BOX = ".st-key-step_graph"
GRAPH = GRAPH_BOX + " .js-plotly-plot"
READY = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
TARGET_MS = 500
DEEP_HIDDEN = ", ".join(["32"] * 20)

# Records when plotly has redrawn the step page's graph. plotly gives every graph div its own `emit`
# (lib/events.js assigns `gd.emit = …`); an accessor on HTMLElement.prototype, installed before the
# page loads, wraps each one the moment it is assigned, so no afterplot is missed. (Hooking with
# `gd.on(...)` from a requestAnimationFrame poll missed the first draw of a div that Streamlit had
# just replaced whenever plotly drew it before the next frame: 1–4 moves of 20 looked "lost".)
HOOK = """(() => {
  window.__drawn = [];
  Object.defineProperty(HTMLElement.prototype, 'emit', {
    configurable: true,
    get() { return this.__plotlyEmit; },
    set(fn) {
      this.__plotlyEmit = function (event, data) {
        const out = fn.apply(this, arguments);
        if (event === 'plotly_afterplot' && this.closest(%r)) {
          requestAnimationFrame(() => { window.__drawn.push(performance.now()); });
        }
        return out;
      };
    },
  });
})();""" % GRAPH_BOX


def wait_idle(page, timeout=120_000):
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_selector(f"{GRAPH} .main-svg", timeout=timeout)


def measure(page, slider, moves: int, label: str):
    """Per move of `slider` (one arrow key): ms until the graph is redrawn with the new numbers, and ms
    until it is settled. A new chart is drawn twice: Streamlit hands plotly a themed copy of the same
    figure right after the first draw, and plotly redraws it whole (same picture, busy page)."""
    first, settled, lost = [], [], 0
    for i in range(moves):
        wait_idle(page)
        page.wait_for_timeout(150)  # let the last redraw settle: each move starts from a quiet page
        slider.focus()  # a rerun may have replaced the slider's element (the locator finds the new one)
        t0 = page.evaluate("() => { window.__t0 = performance.now(); return window.__t0; }")
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        try:
            page.wait_for_function("() => window.__drawn.some(t => t > window.__t0)", timeout=60_000)
        except PlaywrightTimeout:
            lost += 1
            print(f"  {label}: move {i + 1:2d}/{moves}: no redraw within 60 s", flush=True)
            continue
        wait_idle(page)
        page.wait_for_timeout(600)  # the second draw follows the first within a few hundred ms
        drawn = page.evaluate("() => window.__drawn.filter(t => t > window.__t0)")
        first.append(drawn[0] - t0)
        settled.append(drawn[-1] - t0)
        print(f"  {label}: move {i + 1:2d}/{moves}: {first[-1]:6.0f} ms redrawn, {settled[-1]:6.0f} ms settled "
              f"({len(drawn)} draws)", flush=True)
    wait_idle(page)
    if lost:
        print(f"  {label}: {lost} of {moves} moves produced no redraw within 60 s", flush=True)
    return first, settled, lost


def weight_slider(page):
    return page.locator('[class*="st-key-step_sel_W"] input[type="range"]').first


def input_slider(page):
    return page.locator('[class*="st-key-step_x0_"] input[type="range"]').first


def make_deep(page):
    """20 hidden layers of 32 units, typed into the sidebar as a teacher would."""
    box = page.locator('[class*="st-key-step_hidden_"] input').first
    box.fill(DEEP_HIDDEN)
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('[class*=\"st-key-step_sel_W\"]').length >= 32", timeout=180_000)
    wait_idle(page, timeout=180_000)


def summary(name, result, moves):
    first, settled, lost = result
    if not first:
        return f"  {name:<44} no move was redrawn"
    ms = sorted(first)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    ok = "✓" if statistics.median(ms) <= TARGET_MS else "✗"
    return (f"  {name:<44} redrawn: median {statistics.median(ms):5.0f} ms   p90 {p90:5.0f} ms   "
            f"min {ms[0]:5.0f}   max {ms[-1]:5.0f}   {ok} (≤ {TARGET_MS} ms)   "
            f"settled: median {statistics.median(settled):5.0f} ms   no redraw: {lost} of {moves}")


def run(url: str, moves: int, screenshot_dir=None):
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(HOOK)
        page.goto(url + "/", timeout=120_000)
        wait_idle(page)
        print("default page (2 → 3 → 1)", flush=True)
        results["default page: weight slider (fragment rerun)"] = measure(page, weight_slider(page), moves, "weight")
        results["default page: input x₁ slider (full rerun)"] = measure(page, input_slider(page), moves, "input")
        print("20 × 32 network (2 → 32 × 20 → 1)", flush=True)
        make_deep(page)
        results["20 × 32: weight slider (fragment rerun)"] = measure(page, weight_slider(page), moves, "weight")
        results["20 × 32: input x₁ slider (full rerun)"] = measure(page, input_slider(page), moves, "input")
        if screenshot_dir:
            Path(screenshot_dir).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(screenshot_dir) / "latency_20x32.png"))
        browser.close()
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running app (loopback only); default: start one on a free port")
    ap.add_argument("--moves", type=int, default=20, help="slider moves per case (1–100)")
    ap.add_argument("--screenshot-dir", help="save a screenshot of the 20 × 32 page here")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a `kill` still stops the server it started
    if not 1 <= args.moves <= 100:
        ap.error(f"--moves: expected 1–100, got {args.moves}")
    proc = None
    if args.url:
        loadtest.check_loopback(args.url)
        url = args.url.rstrip("/")
    else:
        port = loadtest.free_port()
        proc = loadtest.start_server(port)
        url = f"http://127.0.0.1:{port}"
    t0 = time.time()
    try:
        results = run(url, args.moves, args.screenshot_dir)
    finally:
        if proc is not None:
            loadtest.stop_server(proc)
    print(f"\nBrowser latency, slider move → graph redrawn (Chromium headless, {args.moves} moves each, "
          f"{time.time() - t0:.0f} s)")
    for name, ms in results.items():
        print(summary(name, ms, args.moves))
    return results


if __name__ == "__main__":
    main()
