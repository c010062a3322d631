"""Isolation and a short load test against a real `streamlit run app.py`, over Streamlit's own protocol.

The clients are those of ``benchmarks/loadtest.py``: each speaks the browser's websocket protocol, so
the server cannot tell them from browser tabs. A student acting must leave every other student's
page exactly as it was; five students for ten seconds must cause no error and no leak.
"""
import asyncio
import importlib.util
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("loadtest", ROOT / "benchmarks" / "loadtest.py")
loadtest = sys.modules.setdefault("loadtest", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(loadtest)


@pytest.fixture(scope="module")
def server():
    port = loadtest.free_port()
    proc = loadtest.start_server(port, ttl=5)
    yield f"http://127.0.0.1:{port}", proc
    loadtest.stop_server(proc)


async def opened(url, page=""):
    """A connected student on ``page``, after two full runs (the page as it stays)."""
    client = loadtest.StudentClient(url)
    await client.connect(timeout=60)
    await client.open("")
    if page:
        await client.go_to(page)
    await client.rerun()
    assert not client.errors, client.errors
    return client


def test_a_student_moving_sliders_and_stepping_leaves_the_others_page_unchanged(server):
    url, _ = server

    async def scenario():
        a, b = await opened(url), await opened(url)
        b_before = dict(b.view)
        rng = random.Random(0)
        sliders = a.find("slider", ".", exclude=loadtest.SKIP_SLIDERS)
        assert sliders, "no slider on the step page"
        for w in sliders[:3]:
            await a.set_value(w, a.new_slider_value(w, rng))
        for _ in range(3):
            await a.press(a.find("button", "^step_forward$")[0])
        assert not a.errors, a.errors
        await b.rerun()
        c = await opened(url)  # a student who arrives now
        try:
            assert b.view == b_before, "student B's page changed while student A worked"
            assert c.view == b.view, "a new student does not see the fresh page"
            assert a.view != b.view, "student A's actions changed nothing (the test would prove nothing)"
        finally:
            for client in (a, b, c):
                await client.close()

    asyncio.run(scenario())


def test_a_student_training_in_the_playground_leaves_the_others_unchanged(server):
    url, _ = server

    async def scenario():
        a, b = await opened(url, "playground"), await opened(url, "playground")
        b_before = dict(b.view)
        await a.press(a.find("button", "^pg_play$")[0])
        await asyncio.sleep(2.0)  # the playground trains on its fragment timer (auto-reruns)
        await a.press(a.find("button", "^pg_play$")[0])
        assert a.auto_rerun_count > 0, "playing sent no auto-rerun: the timer did not start"
        assert not a.errors, a.errors
        await b.rerun()
        try:
            assert b.view == b_before, "student B's playground changed while student A trained"
            assert a.view != b.view
            assert any("epoch" in t.lower() for t in b.texts() + [w.label for w in b.widgets.values()])
        finally:
            await a.close()
            await b.close()

    asyncio.run(scenario())


def test_five_students_for_ten_seconds_cause_no_error_and_no_leak(server):
    url, proc = server
    r = loadtest.run_load(url, [proc.pid], sessions=5, duration=10, interval=1.0, play_seconds=3, ttl=5,
                          measure_release=False, progress=False)
    print(loadtest.format_report(r))
    assert r["connected"] == 5
    assert r["errors"] == 0, r["error_samples"]
    assert r["isolation_violations"] == 0, r["isolation_samples"]
    assert "witness" in r["interactions_by_action"], "the isolation witness never reran"
    assert r["interactions_by_action"].get("step", 0) + r["interactions_by_action"].get("slider", 0) >= 10, \
        f"the students barely acted: {r['interactions_by_action']}, controls missing: {r['skipped_actions']}"
    assert r["server_cpu_s"] > 0 and r["rss_peak_mb"] > 0


@pytest.mark.parametrize("page, play_key, limit_s", [("", "^step_play$", 30), ("lab", "^lab_play$", 45)])
def test_a_tab_left_playing_stops_by_itself(server, page, play_key, limit_s):
    """Play pressed and the tab forgotten: the page's timer must stop (the run ends), not tick forever."""
    url, _ = server

    async def scenario():
        student = await opened(url, page)
        try:
            await student.press(student.find("button", play_key)[0])
            assert student.auto_reruns, "Play registered no timer"
            deadline = asyncio.get_running_loop().time() + limit_s
            while student.auto_reruns and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.5)
            assert not student.auto_reruns, f"still playing after {limit_s} s: the timer never stops"
            sent = student.auto_rerun_count
            await asyncio.sleep(2.0)
            assert student.auto_rerun_count == sent, "auto-reruns continue after the run stopped"
            assert not student.errors, student.errors
        finally:
            await student.close()

    asyncio.run(scenario())
