"""A student's session holds a bounded amount of memory, however long it trains (AppTest, headless).

Thirty students share one server's memory: each page's session state must stay within a budget
with the largest network the page allows and after far more training than a lesson does.
"""
import sys
import types
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")

MB = 1e6


def deep_bytes(obj, seen=None) -> int:
    """Bytes held by ``obj`` and everything it references (arrays by their buffers, each object once)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, (types.ModuleType, types.FunctionType, type, types.MethodType)):
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return sys.getsizeof(obj) + (obj.nbytes if obj.base is None else deep_bytes(obj.base, seen))
    n = sys.getsizeof(obj)
    if isinstance(obj, dict):
        n += sum(deep_bytes(k, seen) + deep_bytes(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        n += sum(deep_bytes(v, seen) for v in obj)
    elif hasattr(obj, "__dict__"):
        n += deep_bytes(vars(obj), seen)
    elif hasattr(obj, "__slots__"):
        n += sum(deep_bytes(getattr(obj, s, None), seen) for s in obj.__slots__)
    return n


def session_bytes(at: AppTest) -> int:
    return deep_bytes({k: at.session_state[k] for k in at.session_state})


def test_the_step_page_with_the_largest_network_stays_under_8_mb():
    at = AppTest.from_file(APP, default_timeout=120).run()
    box = next(t for t in at.sidebar.text_input if t.key.startswith("step_hidden"))
    box.input(", ".join(["32"] * 20)).run()  # the page's limit: 20 hidden layers of 32 units
    at.button(key="step_end").click().run()
    assert not at.exception
    assert len(at.session_state["step_page"].weights) == 21
    assert session_bytes(at) < 8 * MB, f"step page session holds {session_bytes(at) / MB:.1f} MB"


def test_a_playground_that_trains_for_long_keeps_a_capped_thinned_history():
    from components.playground.session import KEY
    from engine.training import CURVE_MAX_POINTS
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("components/playground/page.py").run()
    trainer = at.session_state[KEY].run.trainer
    trainer.run(steps=20_000)
    after_20k = session_bytes(at)
    trainer.run(steps=100_000)
    after_120k = session_bytes(at)
    assert len(trainer.history.snapshots) <= trainer.history.limit
    assert trainer.history.stride > 1, "the history was never thinned"
    assert len(trainer.curve) <= CURVE_MAX_POINTS
    assert after_120k < 12 * MB, f"playground session holds {after_120k / MB:.1f} MB"
    assert after_120k - after_20k < 2 * MB, (
        f"memory grows with training: {after_20k / MB:.2f} MB after 20k steps, {after_120k / MB:.2f} MB after 120k")


def test_a_gradient_lab_run_played_to_its_step_limit_stays_under_8_mb():
    from engine.lab import MAX_STEPS
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("components/lab/page.py").run()
    run = at.session_state["lab"].run
    run.advance(MAX_STEPS)
    assert session_bytes(at) < 8 * MB, f"lab session holds {session_bytes(at) / MB:.1f} MB"


def test_the_app_collects_garbage_now_and_then_not_after_every_rerun(monkeypatch):
    import gc

    from components.shell import housekeeping
    runs = []
    monkeypatch.setattr(housekeeping, "_last_collect", 100.0)
    monkeypatch.setattr(gc, "collect", lambda *a: runs.append(1) or 0)
    assert not housekeeping.collect_garbage_now_and_then(now=lambda: 100.0 + housekeeping.COLLECT_EVERY_S / 2)
    assert housekeeping.collect_garbage_now_and_then(now=lambda: 100.0 + housekeeping.COLLECT_EVERY_S)
    assert not housekeeping.collect_garbage_now_and_then(now=lambda: 100.5 + housekeeping.COLLECT_EVERY_S)
    assert runs == [1]
