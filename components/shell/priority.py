"""Clicks before frames: one server process answers every student's clicks and trains every playing
playground ahead (components/playground/player.py), all on one interpreter lock.

A chunk of frames is asked for at least a second before the browser needs it; a click (a full run of
any page: a button, a slider, Play, Pause, a page opened) is waited for by a student now. So while a
full run is in progress in this process, a training thread steps aside between frames (sleeps,
releasing the lock) for at most ``MAX_WAIT_S`` per chunk. (Tried and dropped: letting only one or
two chunks train at a time. A chunk's wall time on a busy machine is several times its CPU time, so
the turns, not the CPU, then limited how many chunks a second were made: with 40 students playing,
chunks waited 3–8 s in the queue.)

``clicking()`` wraps the page's run in app.py; ``others_clicking()`` is true while another thread's
full run is in progress. Holds no student's data.
"""
import contextlib
import threading
import time

MAX_WAIT_S = 0.15       # a chunk steps aside for clicks at most this long in all (its frames are due)
WAIT_STEP_S = 0.004     # one sleep while a click runs

_lock = threading.Lock()
_running = 0
_local = threading.local()


@contextlib.contextmanager
def clicking():
    """A full run of a page: counted while it runs (nested runs of the same thread count once)."""
    global _running
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    if depth == 0:
        with _lock:
            _running += 1
    try:
        yield
    finally:
        _local.depth = depth
        if depth == 0:
            with _lock:
                _running -= 1


def in_click() -> bool:
    """Whether this thread is running a full run of a page."""
    return getattr(_local, "depth", 0) > 0


def others_clicking() -> bool:
    """Whether a full run of another thread is in progress in this process."""
    return _running - (1 if getattr(_local, "depth", 0) else 0) > 0


def stepper(max_wait: float = MAX_WAIT_S):
    """A ``between`` hook for ``engine.playback.Producer.chunk``: sleeps while others click, up to
    ``max_wait`` seconds over the whole chunk."""
    left = [max_wait]

    def between():
        while left[0] > 0 and others_clicking():
            time.sleep(WAIT_STEP_S)
            left[0] -= WAIT_STEP_S
    return between
