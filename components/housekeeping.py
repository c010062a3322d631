"""Process-wide housekeeping for a server that a whole class shares. Holds no student's data.

`.streamlit/config.toml` turns off Streamlit's ``gc.collect()`` after every rerun (``runner.postScriptGC``):
it cost ≈ 50 ms of server CPU per rerun, more than a page itself. Closed sessions whose state sits in
reference cycles would then wait for Python's rare full collection, so the app collects here instead,
at most once every ``COLLECT_EVERY_S`` seconds, from whichever rerun comes first (≈ 0.5 % of a core).
"""
import gc
import threading
import time

COLLECT_EVERY_S = 10.0

_lock = threading.Lock()
_last_collect = time.monotonic()


def collect_garbage_now_and_then(now=time.monotonic) -> bool:
    """Run a full ``gc.collect()`` if the last one is ``COLLECT_EVERY_S`` old; True when it ran."""
    global _last_collect
    t = now()
    with _lock:
        if t - _last_collect < COLLECT_EVERY_S:
            return False
        _last_collect = t
    gc.collect()
    return True
