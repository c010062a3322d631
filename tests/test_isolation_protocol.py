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
        assert a.playing, "Play did not start the player"
        for _ in range(2):   # the player asks for the next chunk of frames, as player.js does
            await a.player_send(trigger=("need_more", {"have": a.player["data"]["chunk"]["seq"]}))
        step = a.player["data"]["chunk"]["frames"][5]["step"]
        await a.player_send(state={"paused_at": {"step": step, "reason": "user", "n": 1}})
        assert not a.playing, "the reported pause did not stop the player"
        assert f"Step: {step:,}" in a.texts(), f"the page is not at the paused step {step}: {a.texts()}"
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


def test_play_and_pause_pressed_while_chunk_requests_are_in_flight_each_take_effect(server):
    """Play (a full run), chunk requests (fragment runs) and the player's pause report (a fragment run
    that asks for a full run) in quick succession, some sent before the previous answer came: every
    one must be answered and take effect — play plays, pause stops at the reported step."""
    url, _ = server

    async def scenario():
        student = await opened(url, "playground")
        rng = random.Random(1)
        try:
            for i in range(6):
                await student.press(student.find("button", "^pg_play$")[0])
                assert student.playing, f"press {i + 1} of Play did not start the player"
                seq = student.player["data"]["chunk"]["seq"]
                asked = asyncio.ensure_future(student.player_send(trigger=("need_more", {"have": seq})))
                await asyncio.sleep(rng.uniform(0.0, 0.3))   # the pause may overtake the chunk request
                await asked
                step = student.player["data"]["chunk"]["frames"][0]["step"]
                await student.player_send(state={"paused_at": {"step": step, "reason": "user", "n": i + 1}})
                assert not student.playing, f"pause {i + 1} left the player playing"
                await asyncio.sleep(rng.uniform(0.0, 0.3))
            assert not student.errors, student.errors
        finally:
            await student.close()

    asyncio.run(scenario())


# --- the client against scripted server messages (no server): what Streamlit really sends -------------

class ScriptedSocket:
    """A websocket whose server answers each rerun request with the next scripted list of ForwardMsgs."""

    def __init__(self, replies):
        self.replies, self.sent = list(replies), []
        self._inbox = asyncio.Queue()

    async def send(self, data):
        self.sent.append(data)
        for msg in self.replies.pop(0) if self.replies else []:
            await self._inbox.put(msg.SerializeToString())

    def __aiter__(self):
        return self

    async def __anext__(self):
        return await self._inbox.get()

    async def close(self):
        pass


def _fwd(run_id, fragments=(), **fields):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    msg = ForwardMsg()
    msg.metadata.run.script_run_id = run_id
    msg.metadata.run.fragment_ids[:] = list(fragments)
    if "new_session" in fields:
        msg.new_session.page_script_hash = "page"
    if "finished" in fields:
        msg.script_finished = getattr(ForwardMsg, fields["finished"])
    if "button" in fields:
        msg.metadata.delta_path[:] = [0, 0]
        msg.delta.new_element.button.id = f"$$ID-0-{fields['button']}"
        msg.delta.new_element.button.label = fields["label"]
    if "timer" in fields:
        msg.auto_rerun.fragment_id, msg.auto_rerun.interval = fields["timer"], 0.6
    return msg


def _scripted_client(replies):
    client = loadtest.StudentClient("http://127.0.0.1:1", trace=True)
    client.ws = ScriptedSocket(replies)
    client._reader_task = asyncio.create_task(client._reader())
    client._auto_task = asyncio.create_task(client._auto_rerunner())
    return client


def test_a_full_run_whose_script_finished_streamlit_dropped_ends_when_a_fragment_run_starts():
    """Streamlit 1.67 drops a full run's script_finished when a timer tick arrives as that run ends (it
    starts a new ScriptRunner and ignores the old one's events). The Play click's run did happen: its
    deltas came, and a fragment run can only start once it is over. The client must follow the server."""
    async def scenario():
        client = _scripted_client([[
            _fwd("A", new_session=True),
            _fwd("A", button="pg_play", label="Pause"),
            _fwd("A", timer="F"),
            # no script_finished for A: the tick's fragment run starts instead
            _fwd("B", ["F"], new_session=True),
            _fwd("B", ["F"], finished="FINISHED_FRAGMENT_RUN_SUCCESSFULLY"),
        ]])
        try:
            await client.rerun(timeout=3)
            assert client.finish_lost == 1
            assert [w.label for w in client.widgets.values()] == ["Pause"], "the run's page was not kept"
            assert list(client.auto_reruns) == ["F"], "the run's timer was not kept"
        finally:
            await client.close()

    asyncio.run(scenario())


def test_a_full_run_that_is_still_running_is_not_taken_for_ended():
    """The other way round: a full run that reports its finish is not counted as lost, and a client still
    waits for it (a fragment run never interleaves with a running full run)."""
    async def scenario():
        client = _scripted_client([[
            _fwd("A", new_session=True),
            _fwd("A", timer="F"),
        ]])
        try:
            with pytest.raises(TimeoutError):
                await client.rerun(timeout=1)
            assert client.finish_lost == 0
        finally:
            await client.close()

    asyncio.run(scenario())


def test_the_first_timer_tick_comes_one_interval_after_the_timer_is_set_as_in_the_browser():
    """The browser's setInterval fires first after one interval, not at once (an immediate tick would hit
    the run that set the timer just as it ends, far more often than a browser does)."""
    async def scenario():
        client = _scripted_client([[
            _fwd("A", new_session=True),
            _fwd("A", timer="F"),
            _fwd("A", finished="FINISHED_SUCCESSFULLY"),
        ]])
        try:
            await client.rerun(timeout=3)
            t_set = asyncio.get_running_loop().time()
            while client.auto_rerun_count == 0 and asyncio.get_running_loop().time() - t_set < 3:
                await asyncio.sleep(0.01)
            first_tick = asyncio.get_running_loop().time() - t_set
            assert client.auto_rerun_count > 0, "the timer never fired"
            assert 0.5 <= first_tick <= 0.9, f"first tick after {first_tick:.2f} s, interval 0.6 s"
        finally:
            await client.close()

    asyncio.run(scenario())
