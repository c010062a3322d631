"""Felt speed of the playground in a real browser (Debian Chromium, headless, server on this machine).

For the default playground (circles, [4, 2] tanh, the default speed) and the largest network
(8 hidden layers × 16, all seven input features):

- frames shown per second and training steps per second shown, over ``--seconds`` of play (read from
  the player's own counters: ``data-shown``, ``data-step``);
- the time from a Pause click to a frozen display (the click event's time stamp → the first animation
  frame after the player froze; a frame drawn after that would fail the run), median and max over
  ``--pauses`` pauses, each after 1.5–3 s of play;
- the time from the click to the server agreeing (the paused page's "Step" metric shows the frozen step).

    python benchmarks/browser_playground.py                # both networks, 15 s of play, 10 pauses
    python benchmarks/browser_playground.py --seconds 5 --pauses 3 --only default
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.playground.player import DEFAULT_SPEED, SPEEDS  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS, free_port, start_streamlit  # noqa: E402
from tests.browser.frames import FRAME_WATCH  # noqa: E402

LARGEST = ("16, 16, 16, 16, 16, 16, 16, 16", "all seven features")
PLAYER = ".blp[data-mode=play]"

WATCH = """() => {
  // the click's time stamp (the frames: FRAME_WATCH, every player the page shows)
  window.__bench = {clicks: []};
  document.addEventListener('pointerdown', e => window.__bench.clicks.push(e.timeStamp), true);
}"""

FROZEN = """async () => {
  const b = window.__bench, p = window.__blpLastPause;
  await new Promise(r => requestAnimationFrame(() => r()));
  const painted = performance.now();
  return {click: b.clicks[b.clicks.length - 1], froze: p.at, painted, step: p.step};
}"""

AGREED = """(n) => {
  const ok = Array.from(document.querySelectorAll('[data-testid="stMetric"]'))
    .some(m => m.innerText.startsWith('Step') && m.innerText.replace(/,/g, '').trim().endsWith(String(n)));
  return ok ? performance.now() : false;
}"""


def counters(page):
    return page.evaluate(f"""() => {{ const p = document.querySelector('{PLAYER}');
        return p ? [performance.now(), Number(p.dataset.shown), Number(p.dataset.step)] : null; }}""")


def ready(page, timeout=90_000):
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


def play(page):
    page.locator(".st-key-pg_play button").first.click()
    page.wait_for_selector(f"{PLAYER}[data-state=playing]", timeout=60_000)


def set_epoch_limit(page, n=10_000):
    """The default limit (1,000 epochs) is ~35 s of play at 30 frames of one epoch each: raise it."""
    box = page.locator(".st-key-pg_epoch_limit input").first
    box.fill(str(n))
    box.press("Enter")
    time.sleep(2)
    ready(page)


def make_largest(page):
    box = page.locator(".st-key-pg_hidden input").first
    box.fill(LARGEST[0])
    box.press("Enter")
    page.wait_for_function("() => Array.from(document.querySelectorAll('[data-testid=\"stMetric\"]'))"
                           ".some(m => m.innerText.startsWith('Step'))", timeout=60_000)
    time.sleep(2)
    ready(page)
    for _ in range(7):
        off = page.locator('.st-key-pg_features [data-testid="stBaseButton-pills"]')
        if off.count() == 0:
            break
        off.first.click()
        time.sleep(1.5)
        ready(page)


def measure(page, seconds, pauses, rng):
    play(page)
    time.sleep(1.0)
    a = counters(page)
    time.sleep(seconds)
    b = counters(page)
    dt = (b[0] - a[0]) / 1000
    fps, sps = (b[1] - a[1]) / dt, (b[2] - a[2]) / dt
    frozen, agreed, late_frames = [], [], 0
    page.evaluate(FRAME_WATCH)
    page.evaluate(WATCH)
    for i in range(pauses):
        if i:
            play(page)
        time.sleep(rng.uniform(1.5, 3.0))
        page.locator(f"{PLAYER}[data-state=playing] .blp-play").first.click()
        page.wait_for_function("() => window.__blpLastPause && window.__bench.clicks.length > 0", timeout=30_000)
        f = page.evaluate(FROZEN)
        frozen.append(f["painted"] - f["click"])
        t_agree = page.wait_for_function(AGREED, arg=f["step"], timeout=60_000, polling="raf").json_value()
        agreed.append(t_agree - f["click"])
        late_frames += page.evaluate("(t) => window.__frames.filter(f => f[0] > t).length", f["froze"] + 0.5)
        page.wait_for_selector(".st-key-pg_play button:has-text('Play')", timeout=60_000)
        ready(page)
    return fps, sps, frozen, agreed, late_frames


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=15.0, help="seconds of play for the frame rate")
    ap.add_argument("--pauses", type=int, default=10)
    ap.add_argument("--only", choices=("default", "largest"))
    ap.add_argument("--width", type=int, default=1600)
    args = ap.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # served as the README advises (threads fight on 2 cores)
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    from playwright.sync_api import sync_playwright
    port = free_port()
    server = start_streamlit(port)
    rng = random.Random(0)
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            for name in ("default", "largest"):
                if args.only and args.only != name:
                    continue
                page = browser.new_page(viewport={"width": args.width, "height": 1400})
                page.goto(f"http://127.0.0.1:{port}/playground", timeout=90_000)
                ready(page)
                set_epoch_limit(page)
                if name == "largest":
                    make_largest(page)
                fps, sps, frozen, agreed, late = measure(page, args.seconds, args.pauses, rng)
                rows.append((name, fps, sps, frozen, agreed, late))
                page.close()
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    load = open("/proc/loadavg").read().split()[:3]
    print(f"Playground in headless Chromium, server on this machine (load average {' '.join(load)} on "
          f"{len(os.sched_getaffinity(0))} cores, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}), {args.seconds:g} s of play, {args.pauses} pauses")
    print("  network                     frames/s  steps/s shown  click→frozen median/max  click→server agrees "
          "median/max  frames after freeze")
    for name, fps, sps, frozen, agreed, late in rows:
        per = SPEEDS[DEFAULT_SPEED]
        label = f"circles [4, 2] tanh, {per}/frame" if name == "default" else f"8 × 16, 7 features, {per}/frame"
        print(f"  {label:28s}{fps:8.1f}  {sps:13,.0f}  {statistics.median(frozen):9.0f} / {max(frozen):4.0f} ms"
              f"        {statistics.median(agreed):9.0f} / {max(agreed):5.0f} ms      {late}")
    print("  targets: ≥ 20 frames/s, ≥ 750 steps/s shown at the default speed, click→frozen ≤ 200 ms median")
    return rows


if __name__ == "__main__":
    main()
