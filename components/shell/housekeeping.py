"""Process-wide housekeeping for a server that a whole class shares. Holds no student's data.

`.streamlit/config.toml` turns off Streamlit's ``gc.collect()`` after every rerun (``runner.postScriptGC``):
it cost ≈ 50 ms of server CPU per rerun, more than a page itself. Closed sessions whose state sits in
reference cycles would then wait for Python's rare full collection, so the app collects here instead,
at most once every ``COLLECT_EVERY_S`` seconds, from whichever rerun comes first (≈ 0.5 % of a core).

Memory after a class (benchmarks/memory_profile.py, 30 students for 60 s): the sessions are freed, but
glibc kept the freed heap (+33 MB "free in heap", spread over 12 malloc arenas, one per script thread
that ran) and pymalloc kept 20 arenas of 1 MiB, each pinned by a few objects that outlived the class.
So the allocator is told, once, to keep fewer arenas and to hand blocks from 16 KiB up straight back
(``tune_malloc``), and once the server has been quiet for ``IDLE_S`` after a rerun a daemon thread
collects and asks glibc to return its free pages (``IdleRelease``). Nothing of this runs per rerun
but a clock read. (Most of pymalloc's share went away at its source: the playground's step history is
packed into one array per run, engine/training.py ``History``.)
"""
import ctypes
import gc
import logging
import os
import threading
import time

COLLECT_EVERY_S = 10.0
IDLE_S = 5.0   # quiet seconds after the last full rerun before memory is given back
POLL_S = 1.0   # how often the idle thread looks at the clock (one wake-up a second, no work)

# glibc mallopt parameters (malloc.h).
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8
ARENA_MAX = 2
MMAP_THRESHOLD = 16 * 1024

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


def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # glibc only (musl, macOS: no such functions)
        return libc
    except (OSError, AttributeError):
        return None


def tune_malloc(libc=None) -> bool:
    """Fewer malloc arenas and a fixed mmap threshold for this process; True when glibc took them.

    - ``M_ARENA_MAX`` 2: glibc gives each thread that allocates its own arena (up to 8 per core), and
      Streamlit runs every session's script on its own thread, so a class left 12 arenas, each
      holding freed memory the others cannot reuse. Two arenas measured no slower here.
    - ``M_MMAP_THRESHOLD`` 16 KiB, fixed: by default the threshold grows to the size of any mmapped
      block that is freed (a plotly figure's JSON, a NumPy array), after which such blocks come from
      the heap and stay there as fragmentation. Fixed, they are mmapped and unmapped when freed.
      Load test, 30 students for 60 s, RSS after close + TTL: 128 KiB +13.6 %, 32 KiB +10.5 %,
      16 KiB +9.2 % over the baseline, at 29–32 ms of server CPU per rerun in each case.
    Not ``benchmarks/bench_engine.py``'s ``keep_freed_memory()``, which does the opposite.
    """
    libc = _libc() if libc is None else libc
    if libc is None:
        return False
    arenas = libc.mallopt(M_ARENA_MAX, ARENA_MAX)
    threshold = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(arenas and threshold)


def release_memory(libc=None) -> None:
    """Collect cycles, then have glibc return the free pages of every arena to the OS (``malloc_trim``)."""
    gc.collect()
    libc = _libc() if libc is None else libc
    if libc is not None:
        libc.malloc_trim(0)


def expire_closed_sessions() -> int:
    """Have Streamlit drop the closed sessions whose ``server.disconnectedSessionTTL`` has passed, now.

    Streamlit drops them only when its session store is next written, i.e. when someone connects: after
    a class nobody may, and the class's sessions would hold their memory until then. This reaches into
    Streamlit's private session manager (its storage's TTL cache, under the lock Streamlit itself holds
    when it writes there); ``tests/test_memory_housekeeping.py`` checks it against the installed
    Streamlit. Returns how many sessions were dropped, or -1 when there is no running server or this
    Streamlit has no such internals (then nothing happens, as before).
    """
    try:
        from streamlit.runtime import Runtime
        if not Runtime.exists():
            return -1
        manager = Runtime.instance()._session_mgr
        lock, expire = manager._storage_lock, manager._session_storage._cache.expire
    except (ImportError, AttributeError, RuntimeError):
        return -1
    with lock:
        return len(expire())


class IdleRelease:
    """Runs ``release`` once the server has had no full rerun for ``idle_s`` seconds since the last one.

    ``note_rerun`` (per rerun) only stores a time; a daemon thread started by ``start`` polls
    ``poll`` every ``POLL_S``. Each poll also has Streamlit drop closed sessions whose
    ``server.disconnectedSessionTTL`` has passed (``expire``; Streamlit itself would wait for the next
    connection); when some were dropped, the next quiet spell gives their memory back.
    """

    def __init__(self, idle_s=IDLE_S, release=release_memory, now=time.monotonic, expire=expire_closed_sessions):
        self.idle_s, self._release, self._now, self._expire = idle_s, release, now, expire
        self.expired = 0
        self._last_rerun = None
        self._thread = None
        self._start_lock = threading.Lock()
        self.releases = 0

    def note_rerun(self) -> None:
        self._last_rerun = self._now()

    def poll(self) -> bool:
        """Drop expired sessions; release if there was a rerun (or a drop) since the last release and
        ``idle_s`` has passed since; True when the release ran."""
        dropped = self._expire()
        if dropped > 0:
            self.expired += dropped
            if self._last_rerun is None:
                self._last_rerun = self._now()
        last = self._last_rerun
        if last is None or self._now() - last < self.idle_s:
            return False
        self._last_rerun = None  # a rerun arriving during the release marks the process busy again
        self._release()
        self.releases += 1
        return True

    def start(self, poll_s=POLL_S) -> None:
        """Start the polling thread once (later calls do nothing)."""
        with self._start_lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, args=(poll_s,), name="lens-idle-release",
                                            daemon=True)
            self._thread.start()

    def _run(self, poll_s):
        while True:
            time.sleep(poll_s)
            try:
                self.poll()
            except Exception:  # never let housekeeping take the server down: log it, try again next time
                logging.getLogger(__name__).exception("memory housekeeping failed")


IDLE_RELEASE = IdleRelease()


def on_rerun() -> None:
    """Called by app.py at every full rerun: note the activity, collect now and then, start the idle thread."""
    IDLE_RELEASE.note_rerun()
    IDLE_RELEASE.start()
    collect_garbage_now_and_then()


BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# OpenBLAS builds' setter names: NumPy 2's wheels (scipy-openblas, 64-bit ints), then older builds
BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")


def one_blas_thread(environ=os.environ, maps_path="/proc/self/maps") -> str:
    """One BLAS thread for this server unless the teacher chose a number (one of BLAS_THREAD_VARS set).

    NumPy's OpenBLAS starts a thread per core; on a 2-core laptop those threads fight each other and
    the students' sessions: the largest playground network took 25 ms per frame of play with the
    default threads under load, 3.4 ms with one (its 2,500-point grid is a few small products per
    layer). The environment variable comes too late here (Streamlit has loaded NumPy before app.py
    runs), so the loaded OpenBLAS library is told directly, as threadpoolctl does. Returns what was
    done: "set by the environment", "one thread (<library>)", or "unchanged" (no OpenBLAS found:
    another BLAS, or a system without /proc, e.g. macOS or Windows)."""
    if any(environ.get(v) for v in BLAS_THREAD_VARS):
        return "set by the environment"
    try:
        with open(maps_path, encoding="utf-8", errors="replace") as f:
            libs = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    except OSError:
        return "unchanged"
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in BLAS_SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(1)
                return f"one thread ({os.path.basename(path)})"
    return "unchanged"


tune_malloc()
BLAS_THREADS = one_blas_thread()
