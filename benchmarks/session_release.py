"""Are closed sessions really released? Counts live AppSession objects inside the server process.

Runs `app.py`'s Streamlit server in this process (loopback, a free port, disconnectedSessionTTL 3 s)
and, from a side thread: opens N protocol clients (benchmarks/loadtest.py), lets each press "Step",
closes them, waits past the TTL, opens one probe session (the session store drops expired sessions
when it is next written) and counts the AppSession objects after a full garbage collection.
Expected: N while open, N right after closing (kept for reconnects), 1 at the end (the probe's).
With ``--no-probe`` nobody connects after the TTL: the app's idle thread has Streamlit drop the expired
sessions itself (components/shell/housekeeping.py); ≤ 1 remains (Streamlit's handler of the last websocket).

    python benchmarks/session_release.py --sessions 10
"""
import argparse
import asyncio
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from streamlit.runtime.app_session import AppSession  # noqa: E402

import loadtest  # noqa: E402
from components.shell import housekeeping  # noqa: E402

TTL_S = 3


def live_sessions() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, AppSession))


def drive(url: str, n: int, probe: bool = True):
    loadtest.wait_healthy(url)

    async def clients():
        cs = [loadtest.StudentClient(url, f"s{i}") for i in range(n)]
        for c in cs:
            await c.connect(timeout=60)
            await c.open("")
            await c.press(c.find("button", "^step_forward$")[0])
        print(f"  {n} sessions open:                  {live_sessions():3d} AppSession objects", flush=True)
        for c in cs:
            await c.close()

    print(f"  before any session:                {live_sessions():3d} AppSession objects", flush=True)
    asyncio.run(clients())
    time.sleep(1)
    print(f"  closed (kept for reconnects):      {live_sessions():3d} AppSession objects", flush=True)
    if probe:
        time.sleep(TTL_S + 2)
        asyncio.run(loadtest._probe(url))
        time.sleep(1)
        print(f"  TTL passed, one probe came and went: {live_sessions():3d} AppSession objects "
              "(expected 1: the probe's)", flush=True)
    else:  # nobody connects: the app's idle thread has Streamlit drop them (components/shell/housekeeping.py)
        time.sleep(TTL_S + 2 * housekeeping.POLL_S + 1)
        print(f"  TTL passed, nobody connected:      {live_sessions():3d} AppSession objects "
              "(expected ≤ 1: Streamlit's handler of the last websocket still refers to its session)", flush=True)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10, help="1–50")
    ap.add_argument("--no-probe", action="store_true",
                    help="connect nobody after the TTL: the app itself must have the sessions dropped")
    args = ap.parse_args()
    if not 1 <= args.sessions <= 50:
        ap.error(f"--sessions: expected 1–50, got {args.sessions}")
    loadtest.serve_in_process(lambda url: drive(url, args.sessions, not args.no_probe), TTL_S, limit_s=300)

if __name__ == "__main__":
    main()
