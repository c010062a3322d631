"""The playground's player: a custom component (``st.components.v2``, player.js + player.css shipped in
this package) that plays frames in the browser at the display's rate, and the server side that feeds it.

The server trains ahead in chunks of ``CHUNK_SECONDS`` of frames (``engine.playback.Producer``); the
browser asks for the next chunk (trigger ``need_more``) when less than ``LOW_SECONDS`` of frames is left,
and reports the step it froze on (state ``paused_at``). ``layout_payload`` (what does not change while
playing: points, colour scales, the graph's geometry) and ``chunk_payload`` are plain data, testable
without Streamlit.

Server budget: every playing session's chunk may use at most ``SERVER_SHARE × CHUNK_SECONDS / n`` seconds
of CPU, n = sessions playing in this process. With few players that cap never binds; with a class it
lowers the frame rate the chunk is played at (said on the page), so training + encoding stay within
``SERVER_SHARE`` of one core.
"""
import threading
import time
import zlib
from importlib import resources
from typing import Optional

import numpy as np

from components.drawing import style
from components.drawing.layout import layered_layout
from components.shell import priority
from components.playground.figures import CLASS_COLORS, CLASS_SYMBOLS, CLASS_TINTS, GRID, THUMB
from engine.features import FEATURES, transform
from engine.playback import Chunk, Producer, encode_levels, grid_inputs, pack

MAX_FPS = 30
CHUNK_SECONDS = 1.5          # each chunk holds this much play at the full frame rate …
FIRST_CHUNK_SECONDS = 0.5    # … the first one (trained in the Play click's own run) less: Play answers sooner
MAX_CHUNK_SECONDS = 4.0      # … up to this much when many play (0.1 s per playing session): fewer reruns
SPREAD = 0.4                 # … each session's chunks stretched by its own factor in [1 - SPREAD/2,
                             # 1 + SPREAD/2) (``phase_of``): with one length for all, a class that pressed
                             # Play together kept asking together, in waves (25 requests within 0.5 s, each
                             # then waiting ~1 s for the others); with a period of its own, each drifts off
LOW_SECONDS = 1.0            # the browser asks for the next chunk when less than this is left (more when
                             # its last request took longer: 1.3 × that round trip)
WALL_BUDGET = 0.5            # a chunk is answered within about this much wall time, however busy the machine
SERVER_SHARE = 0.4           # cores for training + encoding, shared by every playing session (the rest of
                             # the core answers clicks and page reruns)
PLAYER_IDLE_SECONDS = 4.0    # a session that has asked nothing for this long no longer counts as playing
DETAIL_EVERY = 3             # neuron maps and edge colours every this many frames
KEEP_CHUNKS = 2              # checkpoints of the chunk on screen and the one sent after it (a pause lands
                             # in one of them); ≤ 2 × 144 frames × (parameters + optimizer memory)
SPEEDS = {"1 step": 1, "5 steps": 5, "30 steps": 30, "100 steps": 100, "500 steps": 500}
DEFAULT_SPEED = "30 steps"   # 900 steps/s at 30 frames/s (TensorFlow Playground ≈ 1,500)


def _asset(name: str) -> str:
    return resources.files("components.playground").joinpath(name).read_text(encoding="utf-8")


_component = None


def component():
    """The registered component (created on first use: registering needs Streamlit's runtime)."""
    global _component
    if _component is None:
        import streamlit as st
        _component = st.components.v2.component("backprop_lens.player", html="<div class='blp-root'></div>",
                                                css=_asset("player.css"), js=_asset("player.js"),
                                                isolate_styles=False)
    return _component


# ---------------------------------------------------------------- sharing the server
class Players:
    """Sessions currently playing in this process (by id, with the time of their last chunk)."""

    def __init__(self):
        self._last = {}
        self._lock = threading.Lock()

    def touch(self, session_id: str) -> int:
        """Mark ``session_id`` as playing now; returns how many sessions are playing."""
        now = time.monotonic()
        with self._lock:
            self._last[session_id] = now
            for sid in [s for s, t in self._last.items() if now - t > PLAYER_IDLE_SECONDS]:
                del self._last[sid]
            return len(self._last)

    def leave(self, session_id: str) -> None:
        with self._lock:
            self._last.pop(session_id, None)


PLAYERS = Players()


def chunk_seconds(n_players: int, rtt: float = 0.0, phase: float = 0.5) -> float:
    """Seconds of play in one chunk: CHUNK_SECONDS, longer with many players (fewer reruns per second)
    and when the browser's last request took long (1.5 × its round trip ``rtt``), up to MAX_CHUNK_SECONDS;
    then stretched by the session's own factor ``1 + SPREAD × (phase - 0.5)`` (``phase_of``)."""
    base = min(MAX_CHUNK_SECONDS, max(CHUNK_SECONDS, 0.1 * n_players, 1.5 * rtt))
    return float(base * (1 + SPREAD * (min(max(phase, 0.0), 1.0) - 0.5)))


LONGEST_CHUNK_SECONDS = MAX_CHUNK_SECONDS * (1 + SPREAD / 2)


def phase_of(session_id: str) -> float:
    """A session's own place in [0, 1), fixed by its id (the spread of its chunk lengths)."""
    return zlib.crc32(session_id.encode("utf-8")) / 2 ** 32


def cpu_budget(n_players: int, seconds: float) -> float:
    """CPU seconds a chunk of ``seconds`` of play may take when ``n_players`` sessions play."""
    return SERVER_SHARE * seconds / max(1, n_players)


# ---------------------------------------------------------------- producer and payloads
def producer_for(run) -> Producer:
    """The run's producer (one per trainer and display setting)."""
    s = run.settings
    key = (id(run.trainer), s.features, s.discretize)
    prod = run.extras.get("producer")
    if prod is None or run.extras.get("producer_key") != key:
        d = run.dataset
        y_range = 1.0
        if d.task == "regression":
            y_range = float(max(np.max(np.abs(np.concatenate([d.y_train, d.y_test]))), 1e-9))
        prod = Producer(run.trainer, grid_inputs(d.extent, GRID, lambda X: transform(X, s.features)), d.task,
                        n_classes=d.n_classes, y_range=y_range, thumb_step=thumb_step(run.net.sizes),
                        detail_every=DETAIL_EVERY, discretize=s.discretize, keep_chunks=KEEP_CHUNKS,
                        detail_extra=gradient_levels)
        run.extras["producer"], run.extras["producer_key"] = prod, key
    return prod


def gradient_levels(trainer) -> dict:
    """The last step's |∂L/∂w| for the graph's gradient colouring, as the paused graph colours them:
    ``grads`` one byte per weight (``style.log_position`` on [10^lo, 10^hi], ``style.log_range``) and
    ``grad_range`` [lo, hi]; before any step ``grad_range`` is None (the player colours by w then)."""
    last = trainer.last_pass
    n = sum(W.size for W in trainer.net.weights)
    if last is None or last.dW is None:
        return {"grads": bytes(n), "grad_range": None}
    g = np.concatenate([np.asarray(d, dtype=np.float64).ravel() for d in last.dW])
    lo, hi = style.log_range(g)
    return {"grads": encode_levels(style.log_position(g, lo, hi), 0.0, 1.0), "grad_range": [lo, hi]}


def note_showing(run, step) -> None:
    """The player asks for more with the step of the frame on its screen: keep that frame's step and
    parameters (from the producer's checkpoint) for the address bar, which while playing holds what the
    student sees, not the frames trained ahead (``run.extras["shown"]``: (step, weights, biases))."""
    if not isinstance(step, int) or isinstance(step, bool):
        return
    cp = producer_for(run).checkpoint(step)
    if cp is not None:
        n = run.net.n_layers
        run.extras["shown"] = (cp.step, [cp.parameters[2 * l] for l in range(n)],
                               [cp.parameters[2 * l + 1] for l in range(n)])


def thumb_step(sizes) -> int:
    """Grid stride of the neuron maps: as in ``figures.thumbnails_figure`` (smaller tiles beyond 8 units)."""
    return max(1, GRID // (THUMB if max(sizes) <= 8 else THUMB // 2))


def next_chunk(run, steps_per_frame: int, n_players: int = 1, seconds_left: Optional[float] = None,
               rtt: float = 0.0, first: bool = False, phase: float = 0.5) -> dict:
    """Train the next chunk and return its payload (``chunk_payload``). ``first``: the chunk Play starts
    with (FIRST_CHUNK_SECONDS). ``phase``: the session's ``phase_of``, which sets its chunk lengths apart. A
    chunk asked for ahead steps aside between its frames while other students' clicks run
    (components/shell/priority.py); one trained inside a click does not."""
    prod = producer_for(run)
    seconds = FIRST_CHUNK_SECONDS if first else chunk_seconds(n_players, rtt, phase)
    ahead = not priority.in_click()
    chunk = prod.chunk(int(round(seconds * MAX_FPS)), steps_per_frame, epoch_limit=run.settings.epoch_limit,
                       cpu_budget=cpu_budget(n_players, seconds), seconds_left=seconds_left, fps=MAX_FPS,
                       wall_budget=WALL_BUDGET, between=priority.stepper() if ahead else None)
    return chunk_payload(chunk, n_players, seconds)


def chunk_payload(chunk: Chunk, n_players: int = 1, seconds: float = CHUNK_SECONDS) -> dict:
    """A chunk as the player reads it; ``fps`` spreads a short (budget-capped) chunk over its seconds."""
    full = int(round(seconds * MAX_FPS))
    n = len(chunk.frames)
    fps = MAX_FPS if n >= full or chunk.stop else max(1.0, n / seconds)
    note = ""
    if fps < MAX_FPS and chunk.cpu_seconds >= 0.9 * cpu_budget(n_players, seconds):
        note = (f"{fps:.0f} frames/s: training is capped at {SERVER_SHARE:g} core for all playing sessions "
                f"on this server ({n_players} now)")
    elif fps < MAX_FPS:   # the CPU share did not bind: the wall-time limit did (other programs, a slow machine)
        note = (f"{fps:.0f} frames/s: the server's machine is busy (each chunk of frames is answered within "
                f"{WALL_BUDGET:g} s of its clock)")
    return {"seq": chunk.seq, **pack(chunk.frames), "stop": chunk.stop, "fps": round(fps, 2), "note": note,
            "cpu_ms": round(1000 * chunk.cpu_seconds, 1)}


def layout_payload(run, selected: Optional[str] = None, curve_upto: Optional[int] = None) -> dict:
    """What the player needs besides frames: points, scales, legends, the network's geometry and the
    curve points up to step ``curve_upto`` (where play started: the frames bring the rest)."""
    d, s = run.dataset, run.settings
    sizes = tuple(run.net.sizes)
    lay = layered_layout(sizes)
    labels = [FEATURES[f].label for f in s.features] + [style.node_label(l, j, sizes)
                                                        for l, n in enumerate(sizes) for j in range(n)][sizes[0]:]
    points = {"train": _points(d.X_train, d.y_train, d.task)}
    if len(d.y_test):
        points["test"] = _points(d.X_test, d.y_test, d.task)
    y_range = 1.0
    legend = []
    if d.task == "binary":
        scale, opacity, title = style.DIVERGING, 1.0, "ŷ = P(class 1)"
        ticks = [[0, "0"], [0.5, "0.5"], [1, "1"]]
    elif d.task == "multiclass":
        k = d.n_classes
        scale = []
        for c in range(k):
            scale += [[c / k, CLASS_TINTS[c]], [(c + 1) / k - 1e-6, CLASS_COLORS[c]]]
        scale[-1][0] = 1.0
        opacity, title = 0.75, "class (pale: unsure)"
        ticks = [[(c + 0.5) / k, f"class {c}"] for c in range(k)]
    else:
        y_range = float(max(np.max(np.abs(np.concatenate([d.y_train, d.y_test]))), 1e-9))
        scale, opacity, title = style.DIVERGING, 1.0, "ŷ (prediction)"
        ticks = [[0, style.fmt(-y_range, 3)], [0.5, "0"], [1, style.fmt(y_range, 3)]]
    if d.task == "regression":
        legend.append({"symbol": "circle", "color": "#bdbdbd", "text": "train points"})
        if s.show_test and len(d.y_test):
            legend.append({"symbol": "diamond", "color": "#bdbdbd", "test": True, "text": "test points"})
    else:
        for c in range(d.n_classes):
            legend.append({"symbol": CLASS_SYMBOLS[c], "color": CLASS_COLORS[c], "text": f"class {c} (train)"})
            if s.show_test and len(d.y_test):
                legend.append({"symbol": CLASS_SYMBOLS[c], "color": CLASS_COLORS[c], "test": True,
                               "text": f"class {c} (test)"})
        if d.task == "binary" and not s.discretize:
            legend.append({"line": True, "text": "ŷ = 0.5 boundary"})
    curve = [[p.epoch, p.train_loss, p.test_loss, p.train_acc, p.test_acc] for p in run.trainer.curve
             if curve_upto is None or p.step <= curve_upto]
    return {
        "task": d.task, "n_classes": int(d.n_classes), "sizes": list(sizes), "labels": labels,
        "extent": [float(v) for v in d.extent], "G": GRID, "T": len(range(0, GRID, thumb_step(sizes))),
        "y_range": y_range, "show_test": bool(s.show_test), "discretize": bool(s.discretize),
        "title": "Decision boundary" if d.task != "regression" else "Regression surface",
        "heat_scale": scale, "heat_opacity": opacity, "heat_title": title, "heat_ticks": ticks,
        "diverging": style.DIVERGING, "class_colors": CLASS_COLORS, "class_symbols": CLASS_SYMBOLS,
        "legend": legend, "points": points, "curve": [[_n(v) for v in p] for p in curve],
        "edge_widths": list(style.EDGE_WIDTHS), "selected": selected, "edge_mode": s.edge_mode,
        "sequential": style.SEQUENTIAL,
        "nodes": {"x": np.round(lay.x, 4).tolist(), "y": np.round(lay.y, 4).tolist(), "ids": list(lay.node_ids),
                  "src": lay.edge_src.tolist(), "dst": lay.edge_dst.tolist()},
    }


def _points(X, y, task) -> dict:
    c = np.round(np.asarray(y, dtype=float), 3).tolist() if task == "regression" else np.asarray(y).astype(int).tolist()
    return {"x": np.round(X[:, 0], 3).tolist(), "y": np.round(X[:, 1], 3).tolist(), "c": c}


def _n(v):
    return None if v is None or not np.isfinite(v) else float(v)
