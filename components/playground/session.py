"""Page layer of the playground: the only module that reads or writes ``st.session_state`` for it.

One key, ``KEY``: a ``PlaygroundPage`` holding the last valid ``PlaygroundSettings`` (frozen), the
mutable ``Run`` (data, trainer, play status) and the messages of refused inputs. Widgets use keys
``pg_<field>``. The shell talks to the page through ``scenario()`` (give me your scenario),
``apply(s)`` (take this scenario), ``default_scenario()`` (the page's own defaults, the base of its
links), ``complete_link`` (what a link leaves out that the page derives), ``playing()`` and
``link_problem(s)``.
"""
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.playground.scenario import playground_scenario, playground_state, schedule_fits
from components.playground.settings import (OUTPUT_FOR_TASK, PlaygroundSettings, Run, apply_live, new_run,
                                            update_run)
from engine.datasets import DATASETS, parse_csv
from engine.scenario import CSV_DATASET, NO_LINK_FOR_POINTS, Scenario, link_carries_weights
from engine.scenario.checks import MAX_OPTION_LIST

KEY = "playground"
REPLAY_LIMIT = 20_000  # steps replayed from the seed to restore a run's position; beyond: the saved weights
OWN_WEIGHTS = "own_weights"   # a run's extras flag: its weights are not those its steps replayed from the seed give


@dataclass
class PlaygroundPage:
    settings: PlaygroundSettings = field(default_factory=PlaygroundSettings)
    run: Optional[Run] = None
    errors: dict = field(default_factory=dict)


def _page() -> PlaygroundPage:
    if KEY not in st.session_state:
        st.session_state[KEY] = PlaygroundPage()
    return st.session_state[KEY]


def settings() -> PlaygroundSettings:
    """The last valid settings of this session (defaults on the first visit)."""
    return _page().settings


def widget(field: str, default=None):
    """The widget value of a settings field, or ``default`` (the current setting) before it exists."""
    return st.session_state.get(f"pg_{field}", default)


def set_widget(field: str, value) -> None:
    st.session_state[f"pg_{field}"] = value


def errors() -> dict:
    return _page().errors


TRAINING_LIVE = ("lr", "batch_size", "optimizer", "l1", "l2", "clip_norm")


def _live(settings: PlaygroundSettings) -> dict:
    return {name: getattr(settings, name) for name in TRAINING_LIVE}


def commit(new: PlaygroundSettings) -> Run:
    """Store valid settings and bring the run in line with them (live change or reset).

    A live change after some training steps is written into the run's schedule (``extras["live"]``:
    ``[step, values in force from that step, optimizer memory starts fresh there]``), so the run can be
    replayed exactly from its seed.
    """
    page = _page()
    old = page.run
    page.settings = new
    page.run = update_run(old, new)
    if old is not None and page.run is old and old.trainer.step_count > 0:
        before = old.extras.get("live_now", None)
        now = _live(new)
        if before is not None and before != now:
            schedule = old.extras.setdefault("live", [[0, before, False]])
            step = old.trainer.step_count
            if schedule[-1][0] == step:
                schedule[-1][1] = now
            else:
                schedule.append([step, now, False])
    page.run.extras["live_now"] = _live(new)
    return page.run


def run() -> Run:
    page = _page()
    if page.run is None:
        page.run = new_run(page.settings)
    return page.run


def rewind(step: int) -> None:
    """Continue training from a recorded ``step``: the trainer drops the later steps and the optimizer's
    memory; the schedule drops the live changes made after ``step`` and says what holds from ``step`` on
    (the live settings now, with fresh optimizer memory), so a replay from the seed takes the same path."""
    r = run()
    r.trainer.rewind(step)
    r.extras.pop(OWN_WEIGHTS, None)   # the recorded weights of ``step`` are the replay's
    now = _live(r.settings)
    if step == 0:   # the run starts afresh with today's settings: nothing to replay differently
        r.extras.pop("live", None)
        return
    # without a schedule the live settings never changed after step 0: today's held from the start
    schedule = [e for e in r.extras.get("live", [[0, now, False]]) if e[0] < step]
    r.extras["live"] = schedule + [[step, now, True]]


def reset() -> None:
    old = run()
    fresh = new_run(old.settings, old.uploaded)
    fresh.selected = old.selected
    _page().run = fresh


def set_playing(playing: bool, notice: Optional[str] = None) -> None:
    r = run()
    r.playing = playing
    r.play_started = time.monotonic() if playing else None
    r.notice = notice
    if playing:
        r.view_step = None


def session_id() -> str:
    """This browser session's id (the player counts the sessions playing in this process)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def upload_csv(data: bytes) -> Optional[str]:
    """Parse an uploaded CSV; on success switch the dataset to it (a reset), on failure return the
    message and keep the current data and run untouched."""
    current = settings()
    try:
        dataset = parse_csv(data, test_ratio=current.test_ratio, seed=current.data_seed)
    except ValueError as e:
        return str(e)
    r = run()
    r.uploaded = dataset
    new = current.with_(dataset="csv")
    page = _page()
    page.run, page.settings = new_run(new, dataset), new
    set_widget("dataset", "csv")
    return None


# ---------------------------------------------------------------- the page's interface to the shell
def _in(state) -> PlaygroundPage:
    if state is None:
        run()
        return _page()
    page = state[KEY] if KEY in state else PlaygroundPage()
    return page if page.run is not None else PlaygroundPage(page.settings, new_run(page.settings), page.errors)


def scenario(state=None, link=False, **view) -> Scenario:
    """The page as it is now as a scenario (ValueError: "csv" chosen but nothing uploaded).

    ``state``: a session state read off the script thread (a deferred download), else this session's.
    ``link``: for the address bar: up to ``REPLAY_LIMIT`` steps the trainer's step, the seed and the
    schedule of live changes say it all (the restore replays them, optimizer state included), so the
    weights stay out of the link; past that limit or with a schedule too long for a link, they stay in.
    """
    page = _in(state)
    s = playground_scenario(page.settings, page.run, **view)
    if link and replayable(page.run):
        s = s.replace(weights=None, biases=None)
    return s


def replayable(r: Run) -> bool:
    """Whether a replay from the seed gives the run's weights: at most ``REPLAY_LIMIT`` steps, a schedule of
    live changes a scenario holds, weights not loaded from a file that a replay does not give."""
    return r.trainer.step_count <= REPLAY_LIMIT and schedule_fits(r) and not r.extras.get(OWN_WEIGHTS)


LINK_DERIVED = ("output_activation", "loss")   # a link leaves them out: ``complete_link`` derives them


def default_scenario() -> Scenario:
    """The page as a new visitor sees it: what a link leaves out means this."""
    s = playground_scenario(PlaygroundSettings())
    return s.replace(options={**s.options, "selected": "L1:N0"})


def playing(state=None) -> bool:
    page = _in(state)
    return bool(page.run.playing)


def link_problem(s: Scenario) -> Optional[str]:
    """Why a link cannot hold this page's state (None: it can)."""
    if s.dataset == CSV_DATASET:
        return NO_LINK_FOR_POINTS
    if s.weights is not None and not link_carries_weights(s):
        why = (f"the run is past {REPLAY_LIMIT:,} steps (the most a restore replays)" if s.step > REPLAY_LIMIT else
               f"its weights are not a replay from the seed (the live settings, α, batch size, optimizer, penalty "
               f"or clipping, changed more than {MAX_OPTION_LIST} times during the run, more than a link holds)")
        return f"{why} and its network has more weights than a link carries"
    return None


def complete_link(values: dict, named) -> None:
    """A link that leaves out the output, the loss or the layer sizes gets the ones the playground
    pairs with its dataset and features (``plane`` → a linear output and mse)."""
    dataset = values.get("dataset")
    if dataset not in DATASETS:
        return
    task = DATASETS[dataset].task
    if "output_activation" not in named and "loss" not in named:
        values["output_activation"], values["loss"] = OUTPUT_FOR_TASK[task]
    if "sizes" not in named:
        n_out = values["n_classes"] if task == "multiclass" else 1
        values["sizes"] = (len(values["features"]), *values["sizes"][1:-1], n_out)


def apply(s: Scenario) -> None:
    """Put the page exactly in the state of ``s`` (the run replayed from its seed to its step, at most
    ``REPLAY_LIMIT`` steps, then the saved weights); ValueError naming the field, nothing changed, if it
    does not fit the page."""
    new, weights, biases, step, selected, uploaded, schedule = playground_state(s)
    page = _page()
    old = page.run
    # points uploaded earlier in this session stay at hand ("csv" in the selector) unless the file brings its own
    fresh = new_run(new, uploaded if uploaded is not None else getattr(old, "uploaded", None))
    target = min(step, REPLAY_LIMIT)
    for (start, values, restarted), end in zip(schedule, [e[0] for e in schedule[1:]] + [target]):
        if start > target:
            break
        apply_live(fresh, new.with_(**values))       # the live settings as they were from ``start`` on
        if restarted:                                # the run was rewound to ``start``: what the rewind dropped
            fresh.trainer.start_fresh()
        if min(end, target) > fresh.trainer.step_count:
            fresh.trainer.run(steps=min(end, target) - fresh.trainer.step_count)
    apply_live(fresh, new)
    if target > fresh.trainer.step_count:
        fresh.trainer.run(steps=target - fresh.trainer.step_count)
    if schedule:
        fresh.extras["live"] = [list(e) for e in schedule]
    if weights is not None:
        replayed = all(np.array_equal(a, np.asarray(b, dtype=float)) for a, b in
                       zip([*fresh.net.weights, *fresh.net.biases], [*weights, *biases]))
        if not replayed:   # e.g. a file saved after more live changes than a scenario's schedule holds
            fresh.extras[OWN_WEIGHTS] = True
        fresh.net.set_parameters(weights, biases)
    fresh.selected = selected
    page.run, page.settings = fresh, new
    penalty = "l1" if new.l1 else ("l2" if new.l2 else "none")
    widgets = dict(new.to_dict(), regularization=penalty, reg_rate=new.l1 or new.l2,
                   clip_norm=new.clip_norm or 0.0)    # the widgets' words: a penalty and a rate, 0 = off
    for name, value in widgets.items():
        key = f"pg_{name}"
        if name == "data_seed" or key in st.session_state:
            st.session_state[key] = ", ".join(map(str, value)) if name == "hidden" else value
