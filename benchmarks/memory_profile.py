"""Where does a class's memory sit once it has left? Runs the app's server in this process and looks.

Runs `app.py`'s Streamlit server in this process (loopback, a free port, disconnectedSessionTTL 3 s,
one BLAS thread) while the load client (benchmarks/loadtest.py) runs in a child process, so that the
client's own memory is not counted. Phases, as `loadtest.run_load` has them: warm-up (two tabs that
open every page, then 3 students for 10 s), TTL + probe → baseline; N students for D seconds; TTL +
two probes → after. At each phase it prints the process RSS split (anonymous / file), glibc's heap
(in use, free inside the heap, mmapped, arenas), pymalloc's arenas, the live AppSession objects and
the process caches' sizes; then, one at a time, what collecting, clearing the caches and trimming the
heap each give back.

    python benchmarks/memory_profile.py --sessions 30 --duration 60 [--classes 1] [--no-steps]
"""
import argparse
import ctypes
import gc
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from streamlit.runtime.app_session import AppSession  # noqa: E402

import loadtest  # noqa: E402

TTL_S = 3
_libc = ctypes.CDLL("libc.so.6")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


_libc.mallinfo2.restype = _Mallinfo2
_libc.fdopen.restype = ctypes.c_void_p
_libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
_libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
_libc.fclose.argtypes = [ctypes.c_void_p]


def _status_kb(field):
    m = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(m.group(1)) if m else 0


def _glibc_arenas() -> int:
    with tempfile.TemporaryFile("w+") as f:
        fp = _libc.fdopen(os.dup(f.fileno()), b"w")
        _libc.malloc_info(0, fp)
        _libc.fclose(fp)
        f.seek(0)
        return len(re.findall(r"<heap nr=", f.read()))


def _pymalloc_mb() -> tuple:
    """(arenas allocated now × 1 MiB, bytes in used blocks) from sys._debugmallocstats()."""
    with tempfile.TemporaryFile("w+") as f:
        saved = os.dup(2)
        sys.stderr.flush()
        os.dup2(f.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        f.seek(0)
        text = f.read()
    if "# arenas allocated current" not in text:  # under tracemalloc the stats are not pymalloc's
        return float("nan"), float("nan")
    arenas = int(re.search(r"# arenas allocated current\s*=\s*([\d,]+)", text).group(1).replace(",", ""))
    used = int(re.search(r"# bytes in allocated blocks\s*=\s*([\d,]+)", text).group(1).replace(",", ""))
    size = int(re.search(r"(\d+) arenas \* (\d+) bytes/arena", text).group(2))
    return arenas * size / 2**20, used / 2**20


def _caches() -> str:
    from components.drawing import graph
    from components.drawing import layout
    from engine import timeline
    parts = []
    for name, f in (("weight_ids", timeline._weight_ids), ("layered_layout", layout.layered_layout),
                    ("edge_index_of", graph._edge_index_of)):
        parts.append(f"{name} {f.cache_info().currsize}")
    return ", ".join(parts)


def snapshot(label, types_before=None):
    mi = _libc.mallinfo2()
    py_arenas, py_used = _pymalloc_mb()
    sessions = sum(1 for o in gc.get_objects() if isinstance(o, AppSession))
    mb = 2**20
    print(f"{label:34s} RSS {_status_kb('VmRSS') / 1024:6.1f} MB (anon {_status_kb('RssAnon') / 1024:6.1f}) | "
          f"glibc heap in use {mi.uordblks / mb:6.1f}, free in heap {mi.fordblks / mb:6.1f}, "
          f"mmapped {mi.hblkhd / mb:5.1f}, {_glibc_arenas()} arenas | "
          f"pymalloc {py_arenas:5.1f} MB arenas, {py_used:5.1f} used | "
          f"AppSessions {sessions} | threads {threading.active_count()} | caches: {_caches()}", flush=True)
    counts = Counter(type(o).__name__ for o in gc.get_objects())
    if types_before is not None:
        grown = sorted(((n - types_before.get(t, 0), t) for t, n in counts.items()), reverse=True)[:8]
        print("    objects grown since baseline: " + ", ".join(f"{t} +{d}" for d, t in grown if d > 0), flush=True)
    return counts


def client(url, code):
    """Runs loadtest code against url in a child process (its memory is not ours)."""
    subprocess.run([sys.executable, "-c", f"import asyncio, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
                    f"import loadtest as lt; url = {url!r}; {code}"], check=True, cwd=ROOT)


def drive(url, sessions, duration, classes, steps, trace):
    loadtest.wait_healthy(url)
    client(url, "[asyncio.run(lt.warm_up(url)) for _ in range(2)]; "
                f"asyncio.run(lt.run_sessions(url, {loadtest.WARM_UP_STUDENTS}, {loadtest.WARM_UP_SECONDS}, "
                "2.0, 4.0, 1, ramp=1.0, progress=False))")
    time.sleep(TTL_S + 3)
    client(url, "asyncio.run(lt._probe(url))")
    time.sleep(1)
    base = snapshot("baseline (warm-up expired)")
    if trace:
        tracemalloc.start(25)
    for c in range(classes):
        client(url, f"asyncio.run(lt.run_sessions(url, {sessions}, {duration}, 2.0, 4.0, {c}, ramp=5.0, "
                    "progress=False))")
        snapshot(f"class {c + 1}: {sessions} closed, in TTL")
        time.sleep(TTL_S + 3)
        client(url, "asyncio.run(lt._probe(url))")
        time.sleep(11)
        client(url, "asyncio.run(lt._probe(url))")
        time.sleep(2)
        snapshot(f"class {c + 1}: TTL + 2 probes", base)
    if trace:
        gc.collect()
        survivors = tracemalloc.take_snapshot()
        tracemalloc.stop()
        stats = survivors.statistics("traceback")
        print(f"    {sum(s.count for s in stats)} blocks ({sum(s.size for s in stats) / 2**20:.2f} MB) allocated "
              "during the class are still alive; the largest groups by count:", flush=True)
        for s in sorted(stats, key=lambda s: s.count, reverse=True)[:12]:
            frames = [f"{Path(f.filename).name}:{f.lineno}" for f in s.traceback if "tracemalloc" not in f.filename]
            print(f"      {s.count:6d} blocks {s.size / 1024:8.1f} KiB  " + " < ".join(frames[-6:][::-1]), flush=True)
    if steps:
        gc.collect()
        snapshot("+ gc.collect()")
        from components.drawing import graph
        from components.drawing import layout
        from engine import timeline
        for f in (timeline._weight_ids, layout.layered_layout, graph._edge_index_of):
            f.cache_clear()
        gc.collect()
        snapshot("+ process caches cleared")
        _libc.malloc_trim(0)
        snapshot("+ malloc_trim(0)")
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=30, help="1–60")
    ap.add_argument("--duration", type=float, default=60, help="seconds, 1–120")
    ap.add_argument("--classes", type=int, default=1, help="classes in a row, 1–5")
    ap.add_argument("--trace", action="store_true", help="tracemalloc: what the class left alive, by traceback")
    ap.add_argument("--no-steps", action="store_true", help="skip the collect / clear / trim steps at the end")
    args = ap.parse_args()
    if not 1 <= args.sessions <= 60 or not 1 <= args.duration <= 120 or not 1 <= args.classes <= 5:
        ap.error("--sessions 1–60, --duration 1–120, --classes 1–5")
    loadtest.serve_in_process(lambda url: drive(url, args.sessions, args.duration, args.classes, not args.no_steps,
                                                args.trace), TTL_S, limit_s=900)

if __name__ == "__main__":
    main()
