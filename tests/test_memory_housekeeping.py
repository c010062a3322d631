"""The housekeeping that gives a class's memory back: idle release timing, what a release does, malloc settings."""
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from components.shell import housekeeping
from components.shell.housekeeping import IdleRelease


class Clock:
    def __init__(self, t=100.0):
        self.t = t

    def __call__(self):
        return self.t


class FakeLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad):
        self.calls.append(("malloc_trim", pad))
        return 1


def test_no_release_before_any_rerun():
    clock, runs = Clock(), []
    idle = IdleRelease(idle_s=5, release=lambda: runs.append(clock.t), now=clock, expire=lambda: 0)
    clock.t += 1000
    assert not idle.poll() and runs == []


def test_release_runs_once_after_the_quiet_spell_that_follows_a_rerun():
    clock, runs = Clock(), []
    idle = IdleRelease(idle_s=5, release=lambda: runs.append(clock.t), now=clock, expire=lambda: 0)
    idle.note_rerun()
    clock.t += 4.9
    assert not idle.poll(), "released while the class was still active"
    clock.t += 0.2
    assert idle.poll()
    clock.t += 60
    assert not idle.poll(), "released again with no rerun in between"
    assert runs == [pytest.approx(105.1)]


def test_a_rerun_during_the_quiet_spell_postpones_the_release():
    clock, runs = Clock(), []
    idle = IdleRelease(idle_s=5, release=lambda: runs.append(clock.t), now=clock, expire=lambda: 0)
    idle.note_rerun()
    clock.t += 4
    idle.note_rerun()
    clock.t += 4
    assert not idle.poll()
    clock.t += 1
    assert idle.poll() and runs == [109.0]


def test_the_idle_thread_releases_by_itself_and_starts_only_once():
    released = threading.Event()
    idle = IdleRelease(idle_s=0.05, release=released.set, expire=lambda: 0)
    idle.note_rerun()
    idle.start(poll_s=0.02)
    first = idle._thread
    idle.start(poll_s=0.02)
    assert idle._thread is first
    assert released.wait(5), "the idle thread never released"
    time.sleep(0.1)
    assert idle.releases == 1


def test_a_release_collects_cycles_then_trims_every_arena(monkeypatch):
    order, libc = [], FakeLibc()
    monkeypatch.setattr(housekeeping.gc, "collect", lambda *a: order.append("collect") or 0)
    housekeeping.release_memory(libc)
    order += [c[0] for c in libc.calls]
    assert order == ["collect", "malloc_trim"] and libc.calls == [("malloc_trim", 0)]


def test_malloc_is_told_two_arenas_and_a_fixed_mmap_threshold():
    libc = FakeLibc()
    assert housekeeping.tune_malloc(libc)
    assert ("mallopt", -8, 2) in libc.calls  # M_ARENA_MAX
    assert ("mallopt", -3, 16 * 1024) in libc.calls  # M_MMAP_THRESHOLD, which also fixes it


def test_a_full_rerun_notes_activity_without_collecting_each_time(monkeypatch):
    clock, runs = Clock(), []
    idle = IdleRelease(idle_s=5, release=lambda: runs.append(1), now=clock, expire=lambda: 0)
    monkeypatch.setattr(housekeeping, "IDLE_RELEASE", idle)
    monkeypatch.setattr(idle, "start", lambda *a: None)
    monkeypatch.setattr(housekeeping, "collect_garbage_now_and_then", lambda: False)
    housekeeping.on_rerun()
    assert idle._last_rerun == clock.t and runs == []


def test_sessions_dropped_after_their_ttl_are_given_back_once_the_server_is_quiet():
    clock, runs, drops = Clock(), [], [0, 0, 3, 0, 0]
    idle = IdleRelease(idle_s=5, release=lambda: runs.append(clock.t), now=clock, expire=lambda: drops.pop(0))
    assert not idle.poll() and not idle.poll()        # nobody connected, nothing expired: nothing to do
    clock.t += 1
    assert not idle.poll() and idle.expired == 3      # three sessions passed their TTL: dropped now
    clock.t += 5
    assert idle.poll() and runs == [101 + 5]          # their memory is released after the quiet spell
    assert not idle.poll() and idle.releases == 1


def test_expiring_closed_sessions_without_a_server_does_nothing():
    assert housekeeping.expire_closed_sessions() == -1


def test_a_real_server_drops_closed_sessions_after_their_ttl_with_nobody_connecting():
    """Streamlit alone keeps expired sessions until someone connects; the app's idle thread drops them."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "benchmarks/session_release.py", "--sessions", "4", "--no-probe"],
                         cwd=root, capture_output=True, text=True, timeout=180).stdout
    counts = [int(n) for n in re.findall(r":\s+(\d+) AppSession objects", out)]
    assert len(counts) == 4, out
    before, open_, kept, after = counts
    assert (before, open_, kept) == (0, 4, 4), out
    assert after <= 1, out



# ---------------------------------------------------------------- one BLAS thread
BLAS_PROBE = """
import ctypes, numpy
from components.shell import housekeeping
libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l.lower() and '/' in l})
lib = ctypes.CDLL(libs[0])
get = next(getattr(lib, n) for n in ('scipy_openblas_get_num_threads64_', 'openblas_get_num_threads64_',
                                      'openblas_get_num_threads') if hasattr(lib, n))
print(housekeeping.BLAS_THREADS, '|', get())
"""


def _probe_blas(env_extra):
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k not in housekeeping.BLAS_THREAD_VARS}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", BLAS_PROBE], env=env, capture_output=True, text=True, timeout=120,
                         cwd=str(Path(__file__).resolve().parents[1]))
    assert out.returncode == 0, out.stderr
    said, threads = out.stdout.strip().rsplit("|", 1)
    return said.strip(), int(threads)


def test_the_server_runs_one_blas_thread_when_the_teacher_set_none():
    said, threads = _probe_blas({})
    assert said.startswith("one thread (") and threads == 1


def test_a_thread_count_the_teacher_set_is_kept():
    import os
    said, threads = _probe_blas({"OPENBLAS_NUM_THREADS": "2"})
    assert said == "set by the environment" and threads == min(2, os.cpu_count()), "OpenBLAS's own choice"


def test_no_proc_no_change(tmp_path):
    assert housekeeping.one_blas_thread(environ={}, maps_path=str(tmp_path / "absent")) == "unchanged"
