"""Several app processes behind nginx (benchmarks/cluster.sh): each student stays on one process.

A Streamlit session lives in one process's memory. The test starts two processes behind nginx,
lets sixteen students (each with nginx's route cookie) step forward, drops every connection, and
reconnects each to its session id as the browser does after a network blip: every one must find its
own state again (a non-sticky proxy sends about half to the other process, where the session does
not exist). Both processes must have served students.
"""
import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("loadtest", ROOT / "benchmarks" / "loadtest.py")
loadtest = sys.modules.setdefault("loadtest", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(loadtest)

STUDENTS = 16


def three_free_ports() -> int:
    """A port p with p, p+1 and p+2 free on 127.0.0.1 (nginx, then one per app process)."""
    for _ in range(50):
        p = loadtest.free_port()
        if p > 65000:
            continue
        try:
            socks = []
            for q in (p, p + 1, p + 2):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", q))
            return p
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no three consecutive free ports")


def established(port: int) -> int:
    """Established TCP connections to 127.0.0.1:port (from /proc/net/tcp)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if int(local.split(":")[1], 16) == port and state == "01":
            count += 1
    return count


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("nginx is not installed (.ci/run installs it)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    port = three_free_ports()
    env = dict(os.environ, CLUSTER_DIR=str(tmp_path_factory.mktemp("cluster")), PYTHON=sys.executable)
    script = str(ROOT / "benchmarks" / "cluster.sh")
    started = subprocess.run(["bash", script, "start", "-n", "2", "-p", str(port), "--ttl", "60"], env=env,
                             capture_output=True, text=True, timeout=180)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield f"http://127.0.0.1:{port}", port
    finally:
        stopped = subprocess.run(["bash", script, "stop"], env=env, capture_output=True, text=True, timeout=60)
        assert "stopped" in stopped.stdout, stopped.stdout + stopped.stderr


def test_each_student_stays_on_one_process_and_both_processes_serve(cluster):
    url, port = cluster

    async def scenario():
        students = [loadtest.StudentClient(url, f"s{i}") for i in range(STUDENTS)]
        for s in students:
            await s.connect(timeout=60)
            await s.open("")
        per_process = [established(port + 1), established(port + 2)]
        steps_taken = {}
        for i, s in enumerate(students):
            for _ in range(1 + i % 3):
                await s.press(s.find("button", "^step_forward$")[0])
            steps_taken[s.name] = s.texts()
        for s in students:
            await s.close()
        await asyncio.sleep(0.5)

        lost = []
        for s in students:
            again = loadtest.StudentClient(url, s.name)
            again.cookies = s.cookies  # the same browser: the same route cookie
            await again.connect(timeout=60, resume=s.session_id)
            await again.rerun(page_hash=s.page_hash)
            if again.session_id != s.session_id or again.texts() != steps_taken[s.name]:
                lost.append(s.name)
            await again.close()
        return per_process, lost, [s.cookies for s in students]

    per_process, lost, cookies = asyncio.run(scenario())
    assert all("lens_route=" in c for c in cookies), f"nginx set no route cookie: {cookies[:2]}"
    assert not lost, f"students who lost their session on reconnecting through nginx: {lost}"
    assert min(per_process) > 0, f"one process got every student: connections per process {per_process}"
