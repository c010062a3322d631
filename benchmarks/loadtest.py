"""Classroom load test: N simulated students on one running `streamlit run app.py`.

Each student is a client of Streamlit's own websocket protocol, exactly what the browser speaks:
it connects to ``/_stcore/stream`` (subprotocol ``streamlit``), sends protobuf ``BackMsg.rerun_script``
with its widget states and reads ``ForwardMsg``s until its run's ``script_finished``. It follows the
server's ``auto_rerun`` requests the way a browser tab does (``setInterval``: the first tick one interval
after the timer is set), so a playing playground costs the server what a real tab costs. One headless browser per student would need more CPU than the app itself on a
2-core laptop; this client costs about 1 CPU-second per 440 reruns.

A student: opens the app (default page, step-through), then once per ``--interval`` seconds (±50 %,
seeded) does one thing: ~35 % press "Step", ~40 % move a slider, ~10 % open the gradient lab, move one
of its sliders and come back, and ~15 % (at most every 15 s) open the playground, press play, watch it
train for ``--play-seconds`` (±25 %), pause and come back. Playing, the client does what the player's
JavaScript does (components/playground/player.js): it asks for each next chunk of frames in time and
pauses on the frame "on screen". ``--all-play``: every student opens the playground and plays for the
whole run (no witnesses); the report adds frames received, late chunks, and per student the share of
a core and the bytes per second. Each page change counts as an interaction. Every fifth session (at least one) is a *witness*: it only reruns its
untouched page, and every rerun must render exactly what its first run rendered; any difference
means another student's state leaked into it (an isolation violation).

Reports sessions, interactions, errors, p50/p95 latency (interaction sent → that run's
``script_finished``), server CPU and peak RSS (from ``/proc`` of the server pids), and RSS once the
sessions have closed and ``server.disconnectedSessionTTL`` has passed. Bounded: ≤ 200 sessions,
≤ 600 s, loopback addresses only; it stops by itself.

A Play or Pause click must also take effect (the page's timers start, or stop). ``--trace FILE`` writes
the last messages each failing session sent and received, for the report of a failed interaction.

    python benchmarks/loadtest.py --spawn --sessions 30 --duration 60 --ttl 10
    python benchmarks/loadtest.py --url http://127.0.0.1:8501 --pid 12345 --ttl 120
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import ipaddress
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_SESSIONS, MAX_DURATION_S = 200, 600
WARM_UP_STUDENTS, WARM_UP_SECONDS = 3, 10.0  # per server process, before the baseline is read
RUN_TIMEOUT_S = 60.0            # one rerun slower than this counts as an error
FINISHED = {"FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"}
# A full run that ended without its script_finished: Streamlit (1.67, AppSession.request_rerun) starts a
# new ScriptRunner for a fragment request that arrives after the running one has finished its script but
# before the event loop has handled that finish, and then drops the old runner's finish as coming from a
# "non-current ScriptRunner". The run did complete (a fragment request never stops a full run: the new
# runner exists only because the old one had run to its end); the browser shows its deltas as they
# arrive and carries on. The client counts such runs apart (``finish_lost``) instead of waiting forever.
ENDED_UNREPORTED = "ENDED_WITHOUT_SCRIPT_FINISHED"

# How a student finds the controls. Patterns are matched against the widget's key first, then its
# label (case-insensitive). Pages are the url paths of app.py's st.navigation.
STEP_PAGE, PLAYGROUND_PAGE = "step", "playground"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from components.playground.player import LOW_SECONDS  # noqa: E402  the player asks for more this early
STEP_FORWARD = r"step[_ -]?(fwd|forward|next)|^next|forward|⏭|▶\s*step|step\s*▶|^step$"
NOT_STEP = r"back|prev|reset|end|epoch|play|pause|◀|⏮"
AT_THE_END = r"^step_train$|next training step|^step_reset$"
PLAY = r"^(pg|step|lab)_play$|^play$|▶"
PAUSE = r"^pause$|^lab_pause$|⏸"
LAB_PAGE = "lab"
# Sliders a student moves on each page; sliders matching SKIP_SLIDERS are left alone (they resize
# the whole problem, which a real student does rarely and the load test would turn into a benchmark).
SKIP_SLIDERS = r"sample|count|depth|n_points|batch|speed|interval|epoch|limit|grid"


def _pb():
    """Streamlit's generated protobuf classes (imported late: `import streamlit` is slow)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    return BackMsg, ForwardMsg, WidgetState


# ---------------------------------------------------------------------------------------------
# One protocol client
# ---------------------------------------------------------------------------------------------

@dataclass
class Widget:
    id: str
    kind: str          # slider, button, checkbox, radio, selectbox, button_group
    label: str
    proto: object
    fragment_id: str

    @property
    def key(self) -> str:
        user_key = self.id.split("-", maxsplit=2)[-1]
        return "" if user_key == "None" else user_key

    def matches(self, pattern: str) -> bool:
        return bool(re.search(pattern, self.key, re.I) or re.search(pattern, self.label, re.I))


@dataclass
class Run:
    """One script run the client asked for, and what came back."""
    script_run_id: str = ""
    status: str = ""
    exceptions: list = field(default_factory=list)


class StudentClient:
    """A websocket client of Streamlit's protocol, holding what a browser tab would hold.

    ``widgets`` are the widgets of the last full run by id; ``states`` the values this student has
    set (sent with every rerun, as the browser does); ``snapshot`` the rendered elements of the last
    full run by delta path (for the isolation check).
    """

    WIDGET_KINDS = ("slider", "button", "checkbox", "radio", "selectbox", "button_group")

    def __init__(self, base_url: str, name: str = "student", trace: bool = False):
        self.base_url = base_url.rstrip("/")
        self.name = name
        # --trace: the last messages sent and received, kept for the report of a failed interaction.
        self.trace = collections.deque(maxlen=120) if trace else None
        self.failures: list[dict] = []
        self.ws = None
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, object] = {}
        self.pages: dict[str, str] = {}        # url path → page_script_hash
        self.page = ""                         # current url path
        self.query_string = ""                 # the address bar's query, as the app last wrote it
        self.page_hash = ""
        self.snapshot: dict[tuple, bytes] = {}
        self.view: dict[tuple, bytes] = {}     # snapshot + later fragment runs: what the tab shows now
        self.auto_reruns: dict[str, float] = {}  # fragment id → interval (s)
        self._timer_due: dict[str, float] = {}   # fragment id → when its timer fires next
        self.finish_lost = 0                     # full runs whose script_finished Streamlit dropped
        self._open_full_run = ""                 # id of a full run started and not yet finished
        self.auto_rerun_count = 0
        self.auto_rerun_failures = 0
        self.errors: list[str] = []
        self.cookies: str | None = None
        self.session_id = ""
        self._building: dict[tuple, bytes] = {}
        self._building_widgets: dict[str, Widget] = {}
        self._fragment_of: dict[tuple, str] = {}   # delta path → fragment id (for paths in the view)
        self._building_fragment_of: dict[tuple, str] = {}
        self._building_ids: set[str] = set()        # ids of the widgets the run being read draws
        self._events: asyncio.Queue = asyncio.Queue()
        self._reader_task = None
        self._auto_task = None
        self._send_lock = asyncio.Lock()
        self._current_fragments: tuple = ()
        self.player: dict | None = None          # the playground player: id, fragment id, its last data
        self.bytes_received = 0

    def _log(self, text: str):
        if self.trace is not None:
            self.trace.append(f"{time.perf_counter():.3f} {text}")

    def _failed(self, error: str):
        if self.trace is not None:
            self.failures.append({"session": self.name, "page": self.page, "error": error,
                                  "trace": list(self.trace)})

    # -- connection ----------------------------------------------------------------------------
    async def connect(self, timeout: float = 30, resume: str | None = None):
        """Open the websocket as a tab does: first GET the page (cookies, e.g. nginx's route cookie).

        ``resume``: a session id to reconnect to (the browser sends it after a dropped connection).
        """
        from websockets.asyncio.client import connect
        if self.cookies is None:
            self.cookies = await asyncio.to_thread(self._fetch_cookies, timeout)
        parts = urllib.parse.urlsplit(self.base_url)
        ws_url = f"ws://{parts.netloc}{parts.path}/_stcore/stream"
        protocols = ["streamlit", "xsrf", resume] if resume else ["streamlit"]
        headers = {"Cookie": self.cookies} if self.cookies else None
        self.ws = await connect(ws_url, subprotocols=protocols, max_size=None, open_timeout=timeout,
                                ping_interval=None, compression=None, additional_headers=headers)
        self._reader_task = asyncio.create_task(self._reader())
        self._auto_task = asyncio.create_task(self._auto_rerunner())

    def _fetch_cookies(self, timeout) -> str:
        with urllib.request.urlopen(self.base_url + "/", timeout=timeout) as r:
            r.read()
            return "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or [])

    async def close(self):
        for task in (self._auto_task, self._reader_task):
            if task:
                task.cancel()
        if self.ws is not None:
            await self.ws.close()

    # -- sending ---------------------------------------------------------------------------------
    def _widget_state_protos(self, triggers=(), json_triggers=()):
        _, _, WidgetState = _pb()
        out = [WidgetState(id=wid, json_trigger_value=value) for wid, value in json_triggers]
        for wid, value in list(self.states.items()) + [(t, True) for t in triggers]:
            ws = WidgetState(id=wid)
            kind = value[0] if isinstance(value, tuple) else None
            if wid in triggers:
                ws.trigger_value = True
            elif kind == "double_array":
                ws.double_array_value.data[:] = value[1]
            elif kind == "string_array":
                ws.string_array_value.data[:] = value[1]
            elif kind == "string":
                ws.string_value = value[1]
            elif kind == "bool":
                ws.bool_value = value[1]
            elif kind == "json":
                ws.json_value = value[1]
            out.append(ws)
        return out

    async def _send_rerun(self, *, triggers=(), fragment_id="", auto=False, page_name=None, page_hash=None,
                          json_triggers=()):
        BackMsg, _, _ = _pb()
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        cs.page_name = "" if page_name is None else page_name
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        cs.widget_states.widgets.extend(self._widget_state_protos(triggers, json_triggers))
        async with self._send_lock:
            await self.ws.send(msg.SerializeToString())
        self._log(f"→ rerun frag={fragment_id[:8] or '-'} auto={int(auto)} page={cs.page_name!r} "
                  f"hash={cs.page_script_hash[:8]} triggers={[t.split('-', 2)[-1] for t in triggers]}")

    async def rerun(self, *, triggers=(), fragment_id="", page_name=None, page_hash=None,
                    timeout=RUN_TIMEOUT_S, json_triggers=()) -> float:
        """Ask for a run and wait for its ``script_finished``; return the latency in seconds.

        The run is identified by the first ``new_session`` after the request whose fragment ids match
        (none for a full run; for a fragment request a full run counts too); a run ended early by a
        newer request (or by ``st.rerun``) hands over to the next one.
        """
        while not self._events.empty():
            self._events.get_nowait()
        t0 = time.perf_counter()
        await self._send_rerun(triggers=triggers, fragment_id=fragment_id, page_name=page_name,
                               page_hash=page_hash, json_triggers=json_triggers)
        want = (fragment_id,) if fragment_id else ()
        run_id = None
        deadline = t0 + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                self._failed(f"no script_finished within {timeout:.0f} s")
                raise TimeoutError(f"no script_finished within {timeout:.0f} s")
            try:
                kind, rid, frags, status = await asyncio.wait_for(self._events.get(), remaining)
            except (TimeoutError, asyncio.TimeoutError):
                what = "finished" if run_id else "started (the server ignored the request)"
                error = (f"no run {what} within {timeout:.0f} s"
                         + (f" for fragment {fragment_id}" if fragment_id else ""))
                self._failed(error)
                raise TimeoutError(error) from None
            if kind == "closed":
                self._failed(f"connection closed: {status}")
                raise ConnectionError(f"connection closed: {status}")
            # A fragment's callback may ask for a full run (st.rerun(scope="app")): that one counts.
            # A later run of the same kind that starts before ours finished supersedes it (Streamlit
            # folds the pending requests into it, and the superseded run may send no finish at all).
            if kind == "start" and (tuple(frags) == want or (want and not frags)):
                run_id = rid
            elif kind == "finish" and rid == run_id:
                if status == "FINISHED_EARLY_FOR_RERUN":
                    run_id = None
                    continue
                if status not in FINISHED | {ENDED_UNREPORTED}:
                    self._failed(f"run ended with {status}")
                    raise RuntimeError(f"run ended with {status}")
                return time.perf_counter() - t0

    # -- what a student does -----------------------------------------------------------------
    async def open(self, page: str = "") -> float:
        """Load a page by url path, as typing the address does ("" = the default page)."""
        self.page = page
        self.page_hash = ""
        return await self.rerun(page_name=page, page_hash="")

    async def go_to(self, page: str) -> float:
        """Switch page through the navigation, as clicking the sidebar link does."""
        if page not in self.pages:
            raise LookupError(f"no page '{page}' in the navigation (pages: {sorted(self.pages)})")
        self.page = page
        self.query_string = ""                 # a page switch drops the query, as Streamlit's frontend does
        self.page_hash = self.pages[page]
        return await self.rerun(page_hash=self.page_hash, page_name=page)

    def find(self, kind: str | tuple, pattern: str, exclude: str | None = None) -> list[Widget]:
        kinds = (kind,) if isinstance(kind, str) else kind
        return [w for w in self.widgets.values()
                if w.kind in kinds and w.matches(pattern) and not (exclude and w.matches(exclude))
                and not getattr(w.proto, "disabled", False)]

    async def press(self, widget: Widget) -> float:
        return await self.rerun(triggers=(widget.id,), fragment_id=widget.fragment_id)

    async def player_send(self, *, state: dict | None = None, trigger: tuple | None = None) -> float:
        """What player.js sends: ``setStateValue(name, value)`` (state={name: value}) or
        ``setTriggerValue(name, value)`` (trigger=(name, value)); a rerun of the player's fragment."""
        if self.player is None:
            raise LookupError("no player on the page")
        pid = self.player["id"]
        if state is not None:
            self.states[pid] = ("json", json.dumps(state))
        triggers = ()
        if trigger is not None:
            triggers = ((f"$$STREAMLIT_INTERNAL_KEY_{pid}__events",
                         json.dumps([{"event": trigger[0], "value": trigger[1]}])),)
        return await self.rerun(fragment_id=self.player["fragment_id"], json_triggers=triggers)

    @property
    def playing(self) -> bool:
        return bool(self.player and self.player["data"].get("mode") == "play")

    async def set_value(self, widget: Widget, value) -> float:
        self.states[widget.id] = value
        return await self.rerun(fragment_id=widget.fragment_id)

    def new_slider_value(self, widget: Widget, rng: random.Random):
        """A different value on the slider's grid, as a drag or an arrow key would give."""
        p = widget.proto
        if p.options:
            current = self.states.get(widget.id, ("string_array", [p.options[int(i)] for i in p.default]))[1]
            choices = [o for o in p.options if [o] != list(current)] or list(p.options)
            return ("string_array", [rng.choice(choices)])
        current = self.states.get(widget.id, ("double_array", list(p.default)))[1]
        n_steps = int(round((p.max - p.min) / p.step)) if p.step > 0 else 100
        value = list(current)
        for _ in range(10):
            i = rng.randint(0, n_steps)
            candidate = min(p.max, p.min + i * p.step) if p.step > 0 else p.min + (p.max - p.min) * i / 100
            if p.data_type == 0:
                candidate = float(int(round(candidate)))
            if candidate != value[0]:
                break
        value[0] = candidate
        if len(value) == 2:  # a range slider: keep it ordered
            value.sort()
        return ("double_array", value)

    def texts(self) -> list[str]:
        """The visible text of the page as the tab shows it now (markdown, headings, LaTeX, metrics)."""
        from streamlit.proto.Element_pb2 import Element
        out = []
        for path in sorted(self.view):
            data = self.view[path]
            if not data.startswith(b"E"):  # a block (container), not an element
                continue
            el = Element()
            el.ParseFromString(data[1:])
            kind = el.WhichOneof("type")
            if kind == "markdown":
                out.append(el.markdown.body)
            elif kind == "heading":
                out.append(el.heading.body)
            elif kind == "metric":
                out.append(f"{el.metric.label}: {el.metric.body}")
            elif kind in ("alert", "text", "code"):
                out.append(getattr(el, kind).body if kind != "code" else el.code.code_text)
        return out

    # -- reading -------------------------------------------------------------------------------
    async def _reader(self):
        _, ForwardMsg, _ = _pb()
        statuses = dict((v, k) for k, v in ForwardMsg.ScriptFinishedStatus.items())
        try:
            async for data in self.ws:
                self.bytes_received += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    if msg.new_session.initialize.session_id:
                        self.session_id = msg.new_session.initialize.session_id
                    frags = tuple(msg.metadata.run.fragment_ids)
                    if frags and self._open_full_run:
                        # A fragment run cannot start while a full run is still running (a fragment
                        # request waits for it, it does not stop it): the full run ended and its
                        # script_finished was dropped (see ENDED_UNREPORTED). Like the browser, keep
                        # what it drew.
                        ended = self._open_full_run
                        self._log(f"   run={ended[:8]} ended without script_finished")
                        self.finish_lost += 1
                        self._commit_full_run()
                        await self._events.put(("finish", ended, (), ENDED_UNREPORTED))
                    self._open_full_run = "" if frags else msg.metadata.run.script_run_id
                    self._current_fragments = frags
                    self._building, self._building_widgets, self._building_fragment_of = {}, {}, {}
                    self._building_ids = set()
                    if not frags:  # a full run: the browser drops its fragment timers, then re-learns them
                        self.auto_reruns.clear()
                        self._timer_due.clear()
                        self.page_hash = msg.new_session.page_script_hash or self.page_hash
                    self._log(f"← new_session run={msg.metadata.run.script_run_id[:8]} "
                              f"frags={[f[:8] for f in frags]}")
                    await self._events.put(("start", msg.metadata.run.script_run_id, frags, ""))
                elif kind == "page_info_changed":   # st.query_params written: the tab's address changes
                    self.query_string = msg.page_info_changed.query_string
                elif kind == "navigation":
                    for p in msg.navigation.app_pages:
                        self.pages[p.url_pathname] = p.page_script_hash
                elif kind == "delta":
                    self._on_delta(msg)
                elif kind == "script_finished":
                    status = statuses[msg.script_finished]
                    self._log(f"← script_finished run={msg.metadata.run.script_run_id[:8]} "
                              f"frags={[f[:8] for f in msg.metadata.run.fragment_ids]} {status}")
                    if msg.metadata.run.script_run_id == self._open_full_run:
                        self._open_full_run = ""
                    if status == "FINISHED_SUCCESSFULLY" and not self._current_fragments:
                        self._commit_full_run()
                    elif status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY":
                        self.widgets.update({k: w for k, w in self._building_widgets.items()
                                             if w.fragment_id})
                        # As the browser does: what the fragment drew before and not now is gone.
                        for path in [p for p, f in self._fragment_of.items() if f in self._current_fragments
                                     and p not in self._building]:
                            self.view.pop(path, None)
                            self._fragment_of.pop(path, None)
                        self.view.update(self._building)
                        self._fragment_of.update(self._building_fragment_of)
                    await self._events.put(("finish", msg.metadata.run.script_run_id,
                                            tuple(msg.metadata.run.fragment_ids), status))
                elif kind == "auto_rerun":
                    frag, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
                    self._log(f"← auto_rerun frag={frag[:8]} every {interval:g} s")
                    # As the browser's setInterval: the first tick one interval from now; the same
                    # timer registered again (by the fragment's own run) keeps its countdown.
                    if self.auto_reruns.get(frag) != interval:
                        self._timer_due[frag] = time.perf_counter() + interval
                    self.auto_reruns[frag] = interval
                elif kind == "stop_auto_rerun":
                    self._log(f"← stop_auto_rerun frags={[f[:8] for f in msg.stop_auto_rerun.fragment_ids]}")
                    for frag in msg.stop_auto_rerun.fragment_ids:
                        self.auto_reruns.pop(frag, None)
                        self._timer_due.pop(frag, None)
                elif kind == "page_not_found":
                    self.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        except asyncio.CancelledError:
            raise
        except Exception as e:  # connection dropped: every waiter learns it
            await self._events.put(("closed", "", (), repr(e)))
            return
        await self._events.put(("closed", "", (), "server closed the connection"))

    def _commit_full_run(self):
        """The full run just read is what the tab shows now."""
        self.snapshot, self.widgets = self._building, self._building_widgets
        # As the browser does: forget the values of widgets this run did not draw.
        self.states = {k: v for k, v in self.states.items() if k in self._building_ids}
        if self.player is not None and self.player["id"] not in self._building_ids:
            self.player = None
        self.view = dict(self.snapshot)
        self._fragment_of = dict(self._building_fragment_of)

    def _on_delta(self, msg):
        delta = msg.delta
        path = tuple(msg.metadata.delta_path)
        which = delta.WhichOneof("type")
        if which == "new_element":
            el = delta.new_element
            etype = el.WhichOneof("type")
            widget_id = getattr(getattr(el, etype), "id", "") if etype else ""
            if isinstance(widget_id, str) and widget_id:
                self._building_ids.add(widget_id)
            if etype == "bidi_component" and el.bidi_component.component_name.endswith("player"):
                proto = el.bidi_component   # the playground's player (not the shell's history helper)
                self.player = {"id": proto.id, "fragment_id": delta.fragment_id,
                               "data": json.loads(proto.json) if proto.json else {}}
            if etype == "exception":
                exc = el.exception
                self.errors.append(f"exception on page '{self.page}': {exc.type}: {exc.message[:200]}")
            if etype in self.WIDGET_KINDS or etype in ("number_input", "text_input", "text_area",
                                                        "multiselect", "file_uploader", "download_button"):
                proto = getattr(el, etype)
                if etype in self.WIDGET_KINDS:
                    w = Widget(proto.id, etype, getattr(proto, "label", ""), proto, delta.fragment_id)
                    self._building_widgets[w.id] = w
                # A value the server pushes into a widget (set_value) is a one-run instruction, not
                # what the page shows: compare pages without it.
                el = type(el).FromString(el.SerializeToString())
                el.ClearField("has_one_shot_effect")
                proto = getattr(el, etype)
                # A download's media URL or deferred-file id is minted per run (the file behind it is what counts).
                for name in ("set_value", "value", "raw_value", "raw_values", "url", "deferred_file_id"):
                    if name in proto.DESCRIPTOR.fields_by_name:
                        proto.ClearField(name)
            self._building[path] = b"E" + el.SerializeToString(deterministic=True)
            self._building_fragment_of[path] = delta.fragment_id
        elif which == "add_block":
            self._building[path] = b"B" + delta.add_block.SerializeToString(deterministic=True)
            self._building_fragment_of[path] = delta.fragment_id

    async def _auto_rerunner(self):
        """Send the fragment auto-reruns the server asked for, as the browser's timer does."""
        while True:
            await asyncio.sleep(0.05)
            now = time.perf_counter()
            for frag, interval in list(self.auto_reruns.items()):
                due = self._timer_due.setdefault(frag, now + interval)
                if now >= due:
                    self._timer_due[frag] = max(due + interval, now)
                    try:
                        await self._send_rerun(fragment_id=frag, auto=True)
                        self.auto_rerun_count += 1
                    except Exception:
                        self.auto_rerun_failures += 1


# ---------------------------------------------------------------------------------------------
# Server metrics from /proc
# ---------------------------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def proc_rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


class ServerMonitor:
    """Samples the summed RSS of the server pids every 0.2 s; CPU from utime+stime deltas."""

    def __init__(self, pids):
        self.pids = list(pids)
        self.peak_rss_mb = 0.0
        self._stop = threading.Event()
        self._thread = None

    def cpu(self) -> float:
        return sum(proc_cpu_seconds(p) for p in self.pids)

    def rss(self) -> float:
        return sum(proc_rss_mb(p) for p in self.pids)

    def __enter__(self):
        self.cpu0, self.t0 = self.cpu(), time.perf_counter()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.2):
            try:
                self.peak_rss_mb = max(self.peak_rss_mb, self.rss())
            except OSError:
                pass

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.cpu_s, self.wall_s = self.cpu() - self.cpu0, time.perf_counter() - self.t0
        self.peak_rss_mb = max(self.peak_rss_mb, self.rss())


# ---------------------------------------------------------------------------------------------
# Students
# ---------------------------------------------------------------------------------------------

@dataclass
class Tally:
    latencies: list = field(default_factory=list)     # (action, seconds)
    loads: list = field(default_factory=list)         # first page load, seconds
    errors: list = field(default_factory=list)
    isolation_violations: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)       # action → times its control was missing
    auto_reruns: int = 0
    connected: int = 0
    finish_lost: int = 0                              # full runs that ended without script_finished
    traces: list = field(default_factory=list)        # --trace: messages around each failed interaction
    frames: int = 0                                   # playground frames received
    stalls: int = 0                                   # chunks that arrived after the frames ran out
    pauses: int = 0
    bytes_received: int = 0                           # all-play mode: bytes the players received

    def skip(self, action):
        self.skipped[action] = self.skipped.get(action, 0) + 1


async def _timed(tally: Tally, action: str, coro):
    try:
        tally.latencies.append((action, await coro))
    except (TimeoutError, asyncio.TimeoutError, ConnectionError, RuntimeError, LookupError) as e:
        tally.errors.append(f"{action}: {e}")


async def student(base_url, index, end_time, interval, play_seconds, tally, seed, start_delay, trace=False):
    """One student's session: see the module docstring."""
    rng = random.Random(seed * 1_000_003 + index)
    await asyncio.sleep(start_delay)
    client = StudentClient(base_url, f"student-{index}", trace=trace)
    try:
        await client.connect()
        tally.loads.append(await client.open(""))
        tally.connected += 1
        home = client.page_hash
        last_play = time.perf_counter()
        while True:
            wait = interval * rng.uniform(0.5, 1.5)
            if time.perf_counter() + wait >= end_time:
                break
            await asyncio.sleep(wait)
            roll = rng.random()
            if (play_seconds > 0 and roll < 0.15 and PLAYGROUND_PAGE in client.pages
                    and time.perf_counter() - last_play > 15):
                last_play = time.perf_counter()
                await _play_playground(client, rng, end_time, play_seconds, tally, interval)
                if time.perf_counter() < end_time:
                    await _timed(tally, "page", client.rerun(page_hash=home, page_name=""))
                    client.page = ""
                continue
            if 0.15 <= roll < 0.25 and LAB_PAGE in client.pages:
                await _visit_lab(client, rng, tally)
                if time.perf_counter() < end_time:
                    await _timed(tally, "page", client.rerun(page_hash=home, page_name=""))
                    client.page = ""
                continue
            if roll < 0.6:
                # At the last step "Step" is disabled: the student applies the update (or starts over).
                buttons = (client.find("button", STEP_FORWARD, exclude=NOT_STEP)
                           or client.find("button", AT_THE_END))
                if buttons:
                    await _timed(tally, "step", client.press(buttons[0]))
                    continue
                tally.skip("step")
            sliders = client.find("slider", r".", exclude=SKIP_SLIDERS)
            if not sliders:
                tally.skip("slider")
                await _timed(tally, "rerun", client.rerun())
                continue
            w = rng.choice(sliders)
            await _timed(tally, "slider", client.set_value(w, client.new_slider_value(w, rng)))
    except Exception as e:
        tally.errors.append(f"student {index}: {type(e).__name__}: {e}")
    finally:
        tally.errors.extend(f"student {index}: {m}" for m in client.errors)
        tally.auto_reruns += client.auto_rerun_count
        tally.finish_lost += client.finish_lost
        tally.traces.extend(client.failures)
        await client.close()


async def _visit_lab(client, rng, tally):
    """Open the gradient lab, move one of its sliders (the teacher said: try a bigger init scale)."""
    await _timed(tally, "page", client.go_to(LAB_PAGE))
    sliders = client.find("slider", ".", exclude=SKIP_SLIDERS + "|width|steps")
    if not sliders:
        tally.skip("lab slider")
        return
    w = rng.choice(sliders)
    await _timed(tally, "lab slider", client.set_value(w, client.new_slider_value(w, rng)))


async def _play_playground(client, rng, end_time, play_seconds, tally, interval, stop_time=None):
    """Open the playground, press Play and play as player.js does: frames shown at the chunk's rate, the
    next chunk asked for (trigger ``need_more``) when less than LOW_SECONDS (or 1.3 × the last round trip)
    of frames is left, then Pause
    on the frame "on screen" (state ``paused_at``). A chunk that arrives after the frames ran out counts
    as a stall."""
    await _timed(tally, "page", client.go_to(PLAYGROUND_PAGE))
    play = client.find(("button", "checkbox"), PLAY, exclude=PAUSE + "|step|epoch|reset|speed")
    if not play:
        tally.skip("play")
        return
    errors_before = len(tally.errors)
    await _timed(tally, "play", client.press(play[0]))
    if len(tally.errors) > errors_before:
        return
    if not (client.playing and client.player["data"].get("chunk")):
        tally.errors.append("play: the page did not start playing (no player with frames after the click)")
        return
    # pause after play_seconds (±25 %) of play, or at the clock time stop_time (a class pausing as it came)
    if stop_time is None:
        stop_time = time.perf_counter() + play_seconds * rng.uniform(0.75, 1.25)
    stop_at = min(stop_time, end_time - 1)
    shown = []                      # (time the frame is on screen, step)
    seq = 0

    def take(now):
        nonlocal seq
        chunk = client.player["data"]["chunk"]
        if chunk["seq"] <= seq:
            return None
        seq = chunk["seq"]
        start = max(now, shown[-1][0] + 1 / chunk["fps"]) if shown else now
        if shown and now > shown[-1][0] + 1 / chunk["fps"]:
            tally.stalls += 1
        shown.extend((start + i / chunk["fps"], f["step"]) for i, f in enumerate(chunk["frames"]))
        tally.frames += len(chunk["frames"])
        return chunk

    chunk = take(time.perf_counter())
    rtt = 0.0
    while chunk is not None and not chunk["stop"]:
        # as player.js: ask 1.3 × the last round trip ahead (at least LOW_SECONDS, at most 0.9 of a chunk)
        low = min(max(LOW_SECONDS, 1.3 * rtt), 0.9 * len(chunk["frames"]) / chunk["fps"])
        ask = shown[-1][0] - low
        await asyncio.sleep(max(0.0, min(ask, stop_at) - time.perf_counter()))
        if time.perf_counter() >= stop_at:
            break
        errors_before = len(tally.errors)
        t_ask = time.perf_counter()
        await _timed(tally, "chunk", client.player_send(trigger=("need_more", {"have": seq, "rtt": rtt})))
        rtt = time.perf_counter() - t_ask
        if len(tally.errors) > errors_before or not client.playing:
            break
        chunk = take(time.perf_counter())
        if chunk is None:
            tally.errors.append("chunk: asked for the next chunk of frames and got none")
            break
    now = time.perf_counter()
    if not client.playing:
        return
    if chunk is not None and chunk["stop"]:     # the player stops on the last frame by itself
        await asyncio.sleep(max(0.0, min(shown[-1][0], end_time - 0.5) - now))
        step, reason = shown[-1][1], chunk["stop"]
    else:
        step, reason = next((st for t, st in reversed(shown) if t <= now), shown[0][1]), "user"
    tally.pauses += 1
    errors_before = len(tally.errors)
    await _timed(tally, "pause", client.player_send(
        state={"paused_at": {"step": step, "reason": reason, "n": tally.pauses}}))
    if len(tally.errors) == errors_before and client.playing:
        tally.errors.append("pause: the page still plays after the player reported its step")


async def all_play_student(base_url, index, end_time, tally, start_delay, trace=False, ramp=0.0):
    """A student who opens the playground and lets it play for the whole run, then pauses: the students
    arrive ``ramp`` seconds apart in all and pause as far apart (each plays as long as the others)."""
    await asyncio.sleep(start_delay)
    client = StudentClient(base_url, f"player-{index}", trace=trace)
    try:
        await client.connect()
        tally.loads.append(await client.open(""))
        tally.connected += 1
        rng = random.Random(index)
        # pause as they came: ramp seconds apart in all, the last one second before the end. (Until
        # 2026-12-05 this was a hold measured from before the page and Play had answered: in a burst
        # that pushed most pauses past end - 1, where they all landed at once.)
        await _play_playground(client, rng, end_time, 0, tally, 0, stop_time=end_time - 1 - ramp + start_delay)
    except Exception as e:
        tally.errors.append(f"player {index}: {type(e).__name__}: {e}")
    finally:
        tally.errors.extend(f"player {index}: {m}" for m in client.errors)
        tally.finish_lost += client.finish_lost
        tally.traces.extend(client.failures)
        tally.bytes_received += client.bytes_received
        await client.close()


async def witness(base_url, index, end_time, interval, tally, start_delay, trace=False):
    """A student who never touches anything: every rerun must render what the first one did."""
    await asyncio.sleep(start_delay)
    client = StudentClient(base_url, f"witness-{index}", trace=trace)
    try:
        await client.connect()
        tally.loads.append(await client.open(""))
        tally.connected += 1
        await client.rerun()  # widgets written from the state settle on the second run
        first = dict(client.snapshot)
        while time.perf_counter() + interval < end_time:
            await asyncio.sleep(interval)
            try:
                tally.latencies.append(("witness", await client.rerun()))
            except (TimeoutError, asyncio.TimeoutError, ConnectionError, RuntimeError) as e:
                tally.errors.append(f"witness {index}: {e}")
                continue
            if client.snapshot != first:
                changed = sorted(set(first) ^ set(client.snapshot)
                                 | {k for k in first if client.snapshot.get(k) != first[k]})
                tally.isolation_violations.append(
                    f"witness {index}: untouched page changed at delta paths {changed[:5]}")
    except Exception as e:
        tally.errors.append(f"witness {index}: {type(e).__name__}: {e}")
    finally:
        tally.errors.extend(f"witness {index}: {m}" for m in client.errors)
        tally.finish_lost += client.finish_lost
        tally.traces.extend(client.failures)
        await client.close()


async def warm_up(base_url):
    """Use every page and control a student will use once (first imports, plotly's validators, caches),
    as a teacher does while preparing the lesson; then close."""
    client = StudentClient(base_url, "warm-up")
    rng, tally = random.Random(0), Tally()
    await client.connect(timeout=60)
    try:
        await client.open("")
        home = client.page_hash
        for w in client.find("button", STEP_FORWARD, exclude=NOT_STEP)[:1] + client.find("slider", "step_x0")[:1]:
            await (client.press(w) if w.kind == "button" else client.set_value(w, client.new_slider_value(w, rng)))
        for page in list(client.pages):
            await client.go_to(page)
        if LAB_PAGE in client.pages:
            await _visit_lab(client, rng, tally)
        if PLAYGROUND_PAGE in client.pages:
            await _play_playground(client, rng, time.perf_counter() + 10, 2.0, tally, 0)
        await client.rerun(page_hash=home, page_name="")
    finally:
        await client.close()


async def run_sessions(base_url, sessions, duration, interval, play_seconds, seed, ramp, progress=True,
                       trace=False, all_play=False):
    tally = Tally()
    t_start = time.perf_counter()
    end_time = t_start + duration
    n_witness = max(1, sessions // 5) if sessions >= 2 and not all_play else 0
    tasks = []
    for i in range(sessions if not all_play else 0):
        delay = ramp * i / max(1, sessions)
        if i % 5 == 4 or (n_witness and i == sessions - 1 and not any(j % 5 == 4 for j in range(sessions))):
            tasks.append(witness(base_url, i, end_time, interval, tally, delay, trace))
        else:
            tasks.append(student(base_url, i, end_time, interval, play_seconds, tally, seed, delay, trace))
    if all_play:
        tasks = [all_play_student(base_url, i, end_time, tally, ramp * i / max(1, sessions), trace, ramp)
                 for i in range(sessions)]

    async def report_progress():
        while True:
            await asyncio.sleep(10)
            t = time.perf_counter() - t_start
            print(f"  … {t:4.0f} s: {tally.connected} connected, {len(tally.latencies)} interactions, "
                  f"{len(tally.errors)} errors", flush=True)

    reporter = asyncio.create_task(report_progress()) if progress else None
    await asyncio.wait_for(asyncio.gather(*tasks), duration + RUN_TIMEOUT_S + ramp + 30)
    if reporter:
        reporter.cancel()
    return tally


# ---------------------------------------------------------------------------------------------
# The run: server, phases, report
# ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base_url, timeout=60, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{base_url} did not become healthy within {timeout} s")


def start_server(port: int, ttl: float | None = None, extra=(), log_path=None):
    """`streamlit run app.py` on 127.0.0.1:port; returns the Popen once healthy.

    The server's own log (tracebacks the students do not see) goes to ``log_path`` when given.
    """
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false", *extra]
    if ttl is not None:
        cmd += ["--server.disconnectedSessionTTL", str(int(ttl))]
    # One BLAS thread per process, as the README advises for a classroom (threads fight on 2 cores).
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT if log_path else log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc=proc)
    except Exception:
        proc.kill()
        raise
    return proc


def serve_in_process(drive, ttl: float, limit_s: float) -> None:
    """Run `app.py`'s server in this process (loopback, a free port, ``server.disconnectedSessionTTL``
    ``ttl``) and ``drive(url)`` on a side thread, so the driver can look inside the server (objects,
    allocator). Never returns; the process exits after ``limit_s`` at the latest (bounded)."""
    from streamlit.web import bootstrap
    port = free_port()
    os.chdir(ROOT)
    threading.Thread(target=drive, args=(f"http://127.0.0.1:{port}",), daemon=True).start()
    flags = {"server.port": port, "server.address": "127.0.0.1", "server.headless": True,
             "server.disconnectedSessionTTL": ttl, "server.fileWatcherType": "none",
             "browser.gatherUsageStats": False}
    bootstrap.load_config_options(flag_options=flags)
    threading.Timer(limit_s, lambda: os._exit(1)).start()
    bootstrap.run("app.py", False, [], flags)


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def check_loopback(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        ok = ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise SystemExit(f"--url must point at this machine (loopback only), got {url!r}")


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run_load(url, pids, *, sessions=30, duration=60.0, interval=2.0, play_seconds=4.0, ttl=120.0,
             seed=0, ramp=None, measure_release=True, progress=True, trace=False, probe_urls=None,
             all_play=False) -> dict:
    """Warm up, baseline, load, close, wait the TTL, measure again. Returns the figures as a dict.

    ``probe_urls``: one URL per server process (default ``[url]``). Streamlit drops expired sessions
    when its session store is next written, so each process gets its own probe session; behind nginx
    a probe through ``url`` could land on one process twice and leave the other's sessions in place.
    """
    probe_urls = list(probe_urls or [url])
    if not 1 <= sessions <= MAX_SESSIONS:
        raise ValueError(f"sessions must be in 1..{MAX_SESSIONS}, got {sessions}")
    if not 1 <= duration <= MAX_DURATION_S:
        raise ValueError(f"duration must be in 1..{MAX_DURATION_S} s, got {duration}")
    check_loopback(url)
    ramp = min(5.0, duration / 4) if ramp is None else ramp
    monitor = ServerMonitor(pids)
    say = print if progress else (lambda *a, **k: None)

    say(f"warm-up: opening every page once, then {WARM_UP_STUDENTS * len(pids)} students for "
        f"{WARM_UP_SECONDS:g} s on {url}", flush=True)
    for _ in range(2 * len(pids)):  # behind nginx each warm-up tab lands on some process
        asyncio.run(warm_up(url))
    # A server that has served a few students (caches filled, every code path imported), as a teacher's
    # has by the time the class arrives: the baseline the class's memory is compared with.
    if measure_release:
        asyncio.run(run_sessions(url, WARM_UP_STUDENTS * len(pids), WARM_UP_SECONDS, interval, play_seconds,
                                 seed + 1, ramp=1.0, progress=False))
    if measure_release:
        say(f"waiting {ttl + 3:.0f} s for the warm-up sessions to pass disconnectedSessionTTL", flush=True)
        time.sleep(ttl + 3)
        _probe_all(probe_urls)
        time.sleep(1)
    baseline = monitor.rss()
    say(f"load: {sessions} sessions for {duration:.0f} s, one interaction per {interval:g} s each "
        f"(ramp-up {ramp:.1f} s)", flush=True)
    with monitor:
        tally = asyncio.run(run_sessions(url, sessions, duration, interval, play_seconds, seed, ramp, progress,
                                         trace, all_play))
    after = None
    if measure_release:
        say(f"sessions closed; waiting {ttl + 3:.0f} s (disconnectedSessionTTL {ttl:g} s) and one probe "
            f"session, then reading RSS", flush=True)
        time.sleep(ttl + 3)
        # The first probe's disconnect makes the session store drop the expired sessions; the app
        # collects garbage at most every 10 s (components/shell/housekeeping.py), on the second probe's rerun.
        _probe_all(probe_urls)
        time.sleep(11)
        _probe_all(probe_urls)
        time.sleep(2)
        after = monitor.rss()

    lat = [s for a, s in tally.latencies if a != "witness"]
    by_action_p = {}
    for action in sorted({a for a, _ in tally.latencies}):
        xs = [s for a, s in tally.latencies if a == action]
        by_action_p[action] = (percentile(xs, 50), percentile(xs, 95))
    counts = {}
    for a, _ in tally.latencies:
        counts[a] = counts.get(a, 0) + 1
    reruns = len(tally.latencies) + tally.auto_reruns + len(tally.loads)
    return {
        "url": url, "pids": list(pids), "sessions": sessions, "connected": tally.connected,
        "duration_s": duration, "interval_s": interval, "ramp_s": ramp, "ttl_s": ttl,
        "interactions": len(tally.latencies), "interactions_by_action": counts,
        "p50_p95_by_action_s": by_action_p,
        "auto_reruns": tally.auto_reruns, "skipped_actions": tally.skipped, "finish_lost": tally.finish_lost,
        "errors": len(tally.errors), "error_samples": tally.errors[:10], "error_traces": tally.traces,
        "isolation_violations": len(tally.isolation_violations),
        "isolation_samples": tally.isolation_violations[:5],
        "p50_s": percentile(lat, 50), "p95_s": percentile(lat, 95), "max_s": max(lat, default=float("nan")),
        "load_p50_s": percentile(tally.loads, 50), "load_p95_s": percentile(tally.loads, 95),
        "server_cpu_s": monitor.cpu_s, "wall_s": monitor.wall_s,
        "server_cpu_ms_per_rerun": 1000 * monitor.cpu_s / max(1, reruns),
        "rss_baseline_mb": baseline, "rss_peak_mb": monitor.peak_rss_mb, "rss_after_mb": after,
        "all_play": all_play, "frames": tally.frames, "stalls": tally.stalls, "pauses": tally.pauses,
        "bytes_per_player_s": tally.bytes_received / max(1, sessions) / max(1e-9, monitor.wall_s),
    }


def _probe_all(urls):
    for u in urls:
        asyncio.run(_probe(u))


async def _probe(url):
    """Open and close one session: the session store drops expired sessions when it is next written."""
    client = StudentClient(url, "probe")
    await client.connect()
    try:
        await client.open("")
    finally:
        await client.close()


def format_report(r: dict) -> str:
    n_proc = len(r["pids"])
    after = r["rss_after_mb"]
    growth = (after / r["rss_baseline_mb"] - 1) * 100 if after else None
    targets = [("0 errors", r["errors"] == 0), ("0 isolation violations", r["isolation_violations"] == 0),
               ("p95 ≤ 2 s", r["p95_s"] <= 2.0), ("peak RSS ≤ 1 GB", r["rss_peak_mb"] <= 1024)]
    if growth is not None:
        targets.append(("RSS back within 10 %", growth <= 10))
    by_action = ", ".join(f"{k} {v}" for k, v in sorted(r["interactions_by_action"].items()))
    lines = [
        f"Backprop Lens load test — Streamlit protocol clients on {r['url']}, {n_proc} server process(es)",
        f"  sessions                 {r['sessions']} ({r['connected']} connected; 1 in 5 is an isolation witness)",
        f"  duration, pace           {r['duration_s']:.0f} s, one interaction per {r['interval_s']:g} s ±50 % each; "
        f"arrivals{' and pauses' if r.get('all_play') else ''} spread over {r.get('ramp_s', 0):g} s",
        f"  interactions             {r['interactions']} ({by_action})",
        f"  auto-reruns (playing)    {r['auto_reruns']}",
        f"  errors                   {r['errors']}" + (f"  e.g. {r['error_samples'][:3]}" if r["errors"] else ""),
        f"  runs ended unreported    {r.get('finish_lost', 0)}  (full runs whose script_finished Streamlit "
        "dropped when a timer tick arrived as they ended; their deltas arrived, the click took effect)",
        f"  isolation violations     {r['isolation_violations']}"
        + (f"  e.g. {r['isolation_samples'][:2]}" if r["isolation_violations"] else ""),
        f"  latency p50 / p95 / max  {r['p50_s']:.3f} s / {r['p95_s']:.3f} s / {r['max_s']:.3f} s"
        "  (interaction sent → its run's script_finished)",
        "  p50/p95 by action        " + ", ".join(f"{k} {v[0]:.2f}/{v[1]:.2f} s"
                                                  for k, v in r.get("p50_p95_by_action_s", {}).items()),
        f"  first page load p50/p95  {r['load_p50_s']:.3f} s / {r['load_p95_s']:.3f} s",
        f"  server CPU               {r['server_cpu_s']:.1f} s over {r['wall_s']:.0f} s "
        f"({100 * r['server_cpu_s'] / r['wall_s']:.0f} % of one core), {r['server_cpu_ms_per_rerun']:.0f} ms per rerun",
        f"  RSS baseline / peak      {r['rss_baseline_mb']:.0f} MB / {r['rss_peak_mb']:.0f} MB",
    ]
    if after is not None:
        lines.append(f"  RSS after close + TTL    {after:.0f} MB ({growth:+.1f} % vs baseline; "
                     f"disconnectedSessionTTL {r['ttl_s']:g} s)")
    if r.get("all_play"):
        per = r["server_cpu_s"] / r["wall_s"] / max(1, r["sessions"])
        lines.append(f"  every student plays      {r['frames']:,} frames received, {r['stalls']} chunks late "
                     f"(frames ran out), {r['pauses']} pauses")
        lines.append(f"  per playing student      {100 * per:.1f} % of a core, "
                     f"{r['bytes_per_player_s'] / 1000:.0f} kB/s received")
        targets.append(("p95 ≤ 1 s (all play)", r["p95_s"] <= 1.0))
        targets.append(("server ≤ 1 core", r["server_cpu_s"] / r["wall_s"] <= 1.0))
    if r["skipped_actions"]:
        lines.append(f"  controls not found       {r['skipped_actions']} (those actions became plain reruns)")
    lines.append("  targets                  " + ", ".join(f"{n} {'✓' if ok else '✗'}" for n, ok in targets))
    return "\n".join(lines)


def start_cluster(n: int, ttl: float):
    """benchmarks/cluster.sh with n processes on free loopback ports; returns (url, pids, stop, app URLs).

    nginx listens on ``port``, the app processes on ``port + 1`` … ``port + n`` (cluster.sh)."""
    for _ in range(50):
        port = free_port()
        if port + n > 65000:
            continue
        try:
            for q in range(port, port + n + 1):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", q))
            break
        except OSError:
            continue
    env = {**os.environ, "CLUSTER_DIR": f"/tmp/backprop-lens-loadtest-cluster-{port}", "PYTHON": sys.executable}
    script = str(ROOT / "benchmarks" / "cluster.sh")
    subprocess.run(["bash", script, "start", "-n", str(n), "-p", str(port), "--ttl", str(int(ttl))], env=env,
                   check=True, timeout=300)
    pids = [int(p.read_text()) for p in sorted(Path(env["CLUSTER_DIR"], "pids").glob("*.pid"))]
    stop = lambda: subprocess.run(["bash", script, "stop"], env=env, timeout=120)  # noqa: E731
    return f"http://127.0.0.1:{port}", pids, stop, [f"http://127.0.0.1:{port + i}" for i in range(1, n + 1)]


def format_sweep(rows) -> str:
    lines = ["  processes  sessions  interactions/s  p50 s   p95 s   errors  leaks  server CPU  peak RSS",
             "  ---------  --------  --------------  ------  ------  ------  -----  ----------  --------"]
    for r in rows:
        lines.append(f"  {len(r['pids']):9d}  {r['sessions']:8d}  {r['interactions'] / r['wall_s']:14.1f}  "
                     f"{r['p50_s']:6.2f}  {r['p95_s']:6.2f}  {r['errors']:6d}  {r['isolation_violations']:5d}  "
                     f"{100 * r['server_cpu_s'] / r['wall_s']:8.0f} %  {r['rss_peak_mb']:5.0f} MB")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running app, e.g. http://127.0.0.1:8501 (loopback only)")
    ap.add_argument("--pid", type=int, action="append", default=[],
                    help="server process id to measure (repeat for several processes)")
    ap.add_argument("--pid-dir", help="read the server pids from *.pid files here (benchmarks/cluster.sh)")
    ap.add_argument("--spawn", action="store_true", help="start `streamlit run app.py` on a free port")
    ap.add_argument("--cluster", type=int, metavar="N",
                    help="start N processes behind nginx with benchmarks/cluster.sh (1–8), stop them after")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--sweep", help="several session counts in a row, e.g. 10,20,30 (no memory-release wait)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--interval", type=float, default=2.0, help="mean seconds between one student's actions")
    ap.add_argument("--play-seconds", type=float, default=4.0, help="how long a student lets the playground play (0: nobody plays)")
    ap.add_argument("--ramp", type=float, default=None,
                    help="seconds over which the students arrive (default: 5, or a quarter of a shorter run); "
                         "with --all-play they also pause this far apart")
    ap.add_argument("--all-play", action="store_true",
                    help="every student opens the playground and plays for the whole run (no witnesses)")
    ap.add_argument("--ttl", type=float, default=None,
                    help="server.disconnectedSessionTTL in s (with --spawn/--cluster it is set on the server; "
                         "default 10 there, 120 otherwise)")
    ap.add_argument("--no-release", action="store_true", help="skip the wait for memory release")
    ap.add_argument("--server-log", help="with --spawn: write the server's log here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--trace", metavar="FILE",
                    help="write, for every failed interaction, the session's last messages sent and received")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a `kill` still stops the servers it started
    counts = [int(c) for c in args.sweep.split(",")] if args.sweep else [args.sessions]
    if len(counts) > 10 or any(not 1 <= c <= MAX_SESSIONS for c in counts):
        ap.error(f"--sessions/--sweep: at most 10 counts, each 1..{MAX_SESSIONS}")
    if args.cluster is not None and not 1 <= args.cluster <= 8:
        ap.error(f"--cluster: expected 1..8 processes, got {args.cluster}")

    stop, probe_urls = None, None
    if args.spawn or args.cluster:
        ttl = 10.0 if args.ttl is None else args.ttl
        blas = os.environ.get("OPENBLAS_NUM_THREADS", "1")
        if args.cluster:
            print(f"starting {args.cluster} process(es) behind nginx (benchmarks/cluster.sh; "
                  f"server.disconnectedSessionTTL lowered to {ttl:g} s, OPENBLAS_NUM_THREADS={blas})", flush=True)
            url, pids, stop, probe_urls = start_cluster(args.cluster, ttl)
        else:
            port = free_port()
            print(f"starting streamlit on 127.0.0.1:{port} (server.disconnectedSessionTTL lowered to {ttl:g} s, "
                  f"OPENBLAS_NUM_THREADS={blas})", flush=True)
            log_path = Path(args.server_log or f"/tmp/backprop-lens-loadtest-{port}.log")
            proc = start_server(port, ttl, log_path=log_path)
            url, pids = f"http://127.0.0.1:{port}", [proc.pid]
            stop = lambda: stop_server(proc)  # noqa: E731
            print(f"server log (tracebacks the students do not see): {log_path}", flush=True)
    else:
        if not args.url:
            ap.error("give --url of a running app (with --pid/--pid-dir), --spawn or --cluster N")
        ttl = 120.0 if args.ttl is None else args.ttl
        url = args.url
        pids = list(args.pid) + ([int(p.read_text()) for p in sorted(Path(args.pid_dir).glob("*.pid"))]
                                 if args.pid_dir else [])
        if not pids:
            ap.error("give the server pid(s) with --pid or --pid-dir, so CPU and RSS can be read")
        wait_healthy(url)
    results = []
    try:
        for n in counts:
            result = run_load(url, pids, sessions=n, duration=args.duration, interval=args.interval,
                              play_seconds=args.play_seconds, ttl=ttl, seed=args.seed,
                              measure_release=not args.no_release and len(counts) == 1,
                              trace=bool(args.trace), probe_urls=probe_urls, all_play=args.all_play,
                              ramp=args.ramp)
            print(format_report(result), flush=True)
            results.append(result)
    finally:
        if stop is not None:
            stop()
    if len(results) > 1:
        print(f"\nsweep: {args.duration:.0f} s each, one interaction per {args.interval:g} s per student")
        print(format_sweep(results))
    if args.trace:
        with open(args.trace, "w") as f:
            for r in results:
                for failure in r["error_traces"]:
                    f.write(f"=== {r['sessions']} sessions: {failure['session']} on page "
                            f"{failure['page']!r}: {failure['error']}\n")
                    f.writelines(line + "\n" for line in failure["trace"])
        print(f"traces of {sum(len(r['error_traces']) for r in results)} failed interaction(s): {args.trace}")
    if args.json:
        Path(args.json).write_text(json.dumps(results if len(results) > 1 else results[0], indent=2))
    return results


if __name__ == "__main__":
    main()
