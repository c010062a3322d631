"""Clicks before frames (components/shell/priority.py): a training thread steps aside while another
thread's full run is in progress, for a bounded time, and never for its own run."""
import threading
import time

from components.shell import priority


def _click_in_other_thread(seconds):
    started, done = threading.Event(), threading.Event()

    def run():
        with priority.clicking():
            started.set()
            time.sleep(seconds)
        done.set()
    threading.Thread(target=run, daemon=True).start()
    started.wait(5)
    return done


def test_no_click_no_wait():
    assert not priority.others_clicking()
    t0 = time.perf_counter()
    priority.stepper(max_wait=1.0)()
    assert time.perf_counter() - t0 < 0.05


def test_own_full_run_is_not_someone_elses_click():
    with priority.clicking():
        with priority.clicking():   # nested counts once
            assert priority.in_click() and not priority.others_clicking()
    assert not priority.in_click()


def test_steps_aside_while_another_thread_clicks_then_goes_on():
    done = _click_in_other_thread(0.2)
    assert priority.others_clicking()
    t0 = time.perf_counter()
    priority.stepper(max_wait=2.0)()
    waited = time.perf_counter() - t0
    assert done.is_set() and 0.1 < waited < 1.0, waited
    assert not priority.others_clicking()


def test_waits_at_most_max_wait_over_the_whole_chunk():
    done = _click_in_other_thread(1.0)
    between = priority.stepper(max_wait=0.1)
    t0 = time.perf_counter()
    for _ in range(5):      # five frames: the budget is for all of them together
        between()
    assert time.perf_counter() - t0 < 0.5 and not done.is_set()
    done.wait(5)


def test_a_run_that_raises_is_no_longer_counted():
    try:
        with priority.clicking():
            raise RuntimeError("st.rerun() raises out of a page run")
    except RuntimeError:
        pass
    assert not priority.in_click()
    done = _click_in_other_thread(0.05)
    done.wait(5)
    assert not priority.others_clicking()
