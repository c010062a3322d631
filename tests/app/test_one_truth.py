"""One truth: after every action, the saved file, the address bar and the page are the same state (AppTest).

Each test walks a page through its actions in orders where every action follows every other (steps,
sliders, selections, settings, training), and after each one checks three things:

1. the address bar opened on the page's path (with the page's own defaults for what it leaves out)
   gives the scenario of the file Save would write now (weights included: the playground replays them);
2. a fresh session opened on that address renders the same numbers (equations, metrics, headings);
3. the file Save would write now is the page's state now (not the state of the last full rerun).
"""
import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from components.shell import sharing
from engine.scenario import Scenario

APP = str(Path(__file__).resolve().parents[2] / "app.py")
FILES = {"step": None, "playground": "components/playground/page.py", "lab": "components/lab/page.py"}


@pytest.fixture
def deferred(monkeypatch):
    """The Save button's file builders by id (the browser calls one at the click)."""
    held = {}
    add = MediaFileManager.add_deferred

    def record(self, data_callable, *args, **kwargs):
        file_id = add(self, data_callable, *args, **kwargs)
        held[file_id] = data_callable
        return file_id
    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return held


def open_page(page, params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if FILES[page]:
        at.run()   # AppTest starts on the default page; a browser opens the address's path directly
    for k, v in (params or {}).items():
        at.query_params[k] = v
    if FILES[page]:
        at.switch_page(FILES[page])
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def address(at) -> dict:
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}


def saved(at, deferred) -> Scenario:
    data = deferred[at.download_button(key="share_save").proto.deferred_file_id]()
    return Scenario.from_json(data)


def numbers(at) -> list:
    """What the page shows in its main area: equations, headings, metrics, captions (no notices)."""
    out = [("latex", e.value) for e in at.main.latex]
    out += [("md", e.value) for e in at.main.markdown if "Link for class" not in e.value]
    out += [("metric", e.label, e.value) for e in at.main.metric]
    out += [("caption", e.value) for e in at.main.caption]
    return out


def plain(s: Scenario) -> dict:
    doc = json.loads(s.to_json())
    doc.pop("title", None)
    doc.pop("explanation", None)
    return doc


def check(at, page, deferred, what):
    assert not at.exception, (what, [e.message for e in at.exception])
    q = address(at)
    file = saved(at, deferred)
    from_link, notices = sharing.link_scenario(q, page) if q else (sharing.page_state(page).default_scenario(), [])
    assert not notices, (what, notices)
    fresh = open_page(page, q)
    again = saved(fresh, deferred)
    assert plain(again) == plain(file), f"after {what}: the address {q} restores another state than Save writes"
    assert numbers(fresh) == numbers(at), f"after {what}: the page opened from {q} shows other numbers"
    assert address(fresh) == q, f"after {what}: the restored page rewrote its address"
    for name in ("sizes", "lr", "seed", "step", "options", "dataset", "n_samples"):
        assert getattr(from_link, name) == getattr(file, name), (what, name)


def walk(actions, seed=0):
    """An order of the actions in which each one follows every other at least once."""
    rng = random.Random(seed)
    pairs = list(itertools.permutations(actions, 2))
    rng.shuffle(pairs)
    return [a for pair in pairs for a in pair]


def _slider(at, label_part):
    return next(s for s in at.slider if label_part in s.label)


def _select_slider(at, label_part):
    return next(s for s in at.select_slider if label_part in s.label)


STEP_ACTIONS = {
    "step forward": lambda at: at.button(key="step_forward").click().run()
    if not at.button(key="step_forward").disabled else at.button(key="step_reset").click().run(),
    "step back": lambda at: at.button(key="step_back").click().run()
    if not at.button(key="step_back").disabled else at.button(key="step_end").click().run(),
    "weight slider": lambda at: _slider(at, "(W1:0:0)").set_value(
        round(float(_slider(at, "(W1:0:0)").value) + 0.2, 2) if float(_slider(at, "(W1:0:0)").value) < 2.5
        else -0.5).run(),
    "input slider": lambda at: _slider(at, "Input x").set_value(
        round(float(_slider(at, "Input x").value) - 0.3, 1) if float(_slider(at, "Input x").value) > -2.5
        else 1.0).run(),
    "learning rate": lambda at: _select_slider(at, "Learning rate").set_value(
        0.2 if _select_slider(at, "Learning rate").value != 0.2 else 0.05).run(),
    "apply the update": lambda at: at.button(key="step_train").click().run(),
    "edge colours": lambda at: at.selectbox(key="step_edge_mode").set_value(
        "gradient" if at.selectbox(key="step_edge_mode").value != "gradient" else "auto").run(),
    "select a node": lambda at: _select(at),
}


def _select(at):
    """What a click on a graph node does (the chart's on_select callback), on the next node each time."""
    from components.step import session
    run = at.session_state["step_page"]
    nodes = [f"L{l}:N{j}" for l, n in enumerate(run.sizes) for j in range(n)]
    run.selected = nodes[(nodes.index(run.selected) + 1) % len(nodes)] if run.selected in nodes else nodes[0]
    return at.run()


def test_step_page_save_link_and_page_agree_after_every_action(deferred):
    at = open_page("step")
    check(at, "step", deferred, "opening the page")
    for i, name in enumerate(walk(list(STEP_ACTIONS))[:40]):
        STEP_ACTIONS[name](at)
        check(at, "step", deferred, f"action {i}: {name}")


PLAYGROUND_ACTIONS = {
    "step": lambda at: at.button(key="pg_step").click().run(),
    "epoch": lambda at: at.button(key="pg_epoch").click().run(),
    "learning rate": lambda at: at.select_slider(key="pg_lr").set_value(
        0.1 if at.select_slider(key="pg_lr").value != 0.1 else 0.03).run(),
    "batch size": lambda at: at.number_input(key="pg_batch_size").set_value(
        7 if at.number_input(key="pg_batch_size").value != 7 else 10).run(),
    "dataset": lambda at: at.selectbox(key="pg_dataset").set_value(
        "xor" if at.selectbox(key="pg_dataset").value != "xor" else "plane").run(),
    "hidden layers": lambda at: at.text_input(key="pg_hidden").input(
        "3" if at.text_input(key="pg_hidden").value != "3" else "4, 2").run(),
    "noise": lambda at: at.slider(key="pg_noise").set_value(
        0.1 if at.slider(key="pg_noise").value != 0.1 else 0.0).run(),
    "edge colours": lambda at: at.radio(key="pg_edge_mode").set_value(
        "gradient" if at.radio(key="pg_edge_mode").value != "gradient" else "weight").run(),
    "reset": lambda at: at.button(key="pg_reset").click().run(),
    "rewind": lambda at: _rewind_early(at),
}


def _rewind_early(at):
    """Continue training from a recorded step a quarter of the way in, before the later live changes (or train,
    with nothing to go back to)."""
    steps = at.session_state["playground"].run.trainer.history.steps
    if len(steps) < 3:
        return at.button(key="pg_step").click().run()
    return _rewind_to(at, steps[len(steps) // 4])


def test_playground_save_link_and_page_agree_after_every_action(deferred):
    at = open_page("playground")
    check(at, "playground", deferred, "opening the page")
    # training, a live change, more training: the address must replay the run with each setting in force
    first = ["step", "learning rate", "step", "batch size", "epoch", "learning rate", "epoch", "edge colours", "step",
             "rewind", "learning rate", "epoch"]
    for i, name in enumerate(first + walk(list(PLAYGROUND_ACTIONS), seed=1)[:30]):
        PLAYGROUND_ACTIONS[name](at)
        check(at, "playground", deferred, f"action {i}: {name}")


LAB_ACTIONS = {
    "preset": lambda at: at.button(key=f"lab_preset_{random.Random(len(address(at))).randrange(4)}").click().run(),
    "depth": lambda at: at.slider(key="lab_depth").set_value(
        6 if at.slider(key="lab_depth").value != 6 else 3).run(),
    "learning rate": lambda at: at.select_slider(key="lab_lr").set_value(
        0.1 if at.select_slider(key="lab_lr").value != 0.1 else 0.01).run(),
    "run all": lambda at: _run_all(at),
    "view": lambda at: at.button_group(key="lab_view").set_value(
        "Histograms" if at.button_group(key="lab_view").value != "Histograms" else "Forward pass").run(),
}


def _run_all(at):
    """Run all (or reset a finished run), in the Training view where the player is."""
    if at.button_group(key="lab_view").value not in (None, "Training"):
        at.button_group(key="lab_view").set_value("Training").run()
    done = at.button(key="lab_run_all").disabled
    return at.button(key="lab_reset" if done else "lab_run_all").click().run()


def test_lab_save_link_and_page_agree_after_every_action(deferred):
    at = open_page("lab")
    check(at, "lab", deferred, "opening the page")
    for i, name in enumerate(walk(list(LAB_ACTIONS), seed=2)):
        LAB_ACTIONS[name](at)
        check(at, "lab", deferred, f"action {i}: {name}")


def test_a_partial_link_means_the_pages_own_defaults():
    step = open_page("step", {"v": "1", "present": "1"})
    run = step.session_state["step_page"]
    assert (run.config.x, run.config.y, run.config.lr) == ((1.0, -0.5), (1.0,), 0.5)
    assert not step.warning and not step.error
    pg = open_page("playground", {"v": "1", "ds": "plane"})
    page = pg.session_state["playground"]
    assert (page.settings.dataset, page.settings.n_samples, page.run.dataset.task) == ("plane", 500, "regression")
    assert page.run.net.sizes[-1] == 1 and not pg.error and not pg.warning
    assert np.isfinite(page.run.trainer.evaluate(page.run.net).train_loss)


def test_a_page_the_address_cannot_restore_says_so_while_it_is_the_case():
    """Weights moved by hand on a network over the link's 64 parameters: the page says the address cannot
    restore it; the address keeps the rest (the sizes and the step); back on the seed's weights, no notice."""
    at = open_page("step")
    hidden = next(t for t in at.text_input if t.label.startswith("Hidden layer sizes"))
    hidden.input("8, 8").run()
    assert not any("cannot be restored" in w.value for w in at.warning)
    slider = next(s for s in at.slider if "(W" in s.label)   # the selected output node's first weight
    slider.set_value(round(float(slider.value) + 0.5, 2)).run()
    notes = [w.value for w in at.warning if "cannot be restored after a restart: save the scenario file" in w.value]
    assert len(notes) == 1 and "links carry every weight up to 64" in notes[0], [w.value for w in at.warning]
    q = address(at)
    assert q["s"] == "2-8-8-1" and q["w"] == "reinit", q
    at.button(key="step_reinit").click().run()
    assert not any("cannot be restored" in w.value for w in at.warning)


def test_an_address_the_page_wrote_a_moment_ago_is_not_applied_as_a_link():
    """A rerun carries the address the browser has; while a timer's fragment writes newer ones, that can be
    one the page itself wrote a moment earlier. It is the page's own, not a link: applying it would set a
    playing run back and stop it (the lab's Play stopped a few steps short of its end under load)."""
    at = open_page("step")
    at.button(key="step_forward").click().run()
    earlier = address(at)
    at.button(key="step_forward").click().run()
    now = address(at)
    assert earlier != now and at.session_state["step_page"].step == 2
    at.query_params.clear()
    for k, v in earlier.items():   # the browser had not caught up with the newest address
        at.query_params[k] = v
    at.run()
    assert at.session_state["step_page"].step == 2, "the page went back to an address it had written itself"
    assert not at.exception


def _rewind_to(at, step):
    """Scrub the history to ``step`` and press "Continue training from step …"."""
    at.select_slider(key="pg_scrub").set_value(step).run()
    return at.button(key="pg_rewind").click().run()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_rewound_run_replays_from_its_seed_to_the_weights_the_page_shows(deferred, optimizer):
    """Continue training from step 10 of a run whose α changed at step 25, then train and change α again:
    the address (which replays the run from its seed) and the saved file give the page's weights bit for bit.
    The rewind drops the α change recorded after step 10 and, with Adam, the optimizer's memory, which the
    replay must drop at step 10 too."""
    at = open_page("playground")
    at.selectbox(key="pg_optimizer").set_value(optimizer).run()
    at.button(key="pg_epoch").click().run()                       # steps 0-25 at α = 0.03
    at.select_slider(key="pg_lr").set_value(0.1).run()            # α = 0.1 from step 25
    at.button(key="pg_epoch").click().run()                       # to step 50
    _rewind_to(at, 10)
    assert at.session_state["playground"].run.trainer.step_count == 10
    check(at, "playground", deferred, "continue from step 10")
    at.button(key="pg_epoch").click().run()                       # steps 10-25 at α = 0.1
    check(at, "playground", deferred, "the rest of the epoch after the rewind")
    at.button(key="pg_epoch").click().run()                       # steps 25-50, still α = 0.1
    at.select_slider(key="pg_lr").set_value(0.3).run()            # α = 0.3 from step 50
    at.button(key="pg_step").click().run()
    check(at, "playground", deferred, "a live change after the rewind")
    page = at.session_state["playground"].run
    restored = open_page("playground", address(at)).session_state["playground"].run
    assert restored.trainer.step_count == page.trainer.step_count == 51
    for name, got, want in (("W", restored.net.weights, page.net.weights), ("b", restored.net.biases, page.net.biases)):
        for l, (g, w) in enumerate(zip(got, want)):
            assert np.array_equal(g, w), f"{name}{l}: the replay differs by {np.max(np.abs(g - w)):.3g}"


def test_a_run_whose_live_settings_changed_more_often_than_a_link_replays_keeps_its_weights(deferred):
    """More than 64 live changes (a schedule too long for a scenario): Save still writes the page, and the
    address carries the weights instead of the schedule (a small network) or says it cannot restore the page
    (a network over the link's 64 parameters). Before, Save was unavailable and the address fell back to the
    page's defaults."""
    from engine.scenario.checks import MAX_OPTION_LIST

    def change_often(at):
        for i in range(MAX_OPTION_LIST + 1):
            at.button(key="pg_step").click().run()
            at.select_slider(key="pg_lr").set_value(0.1 if i % 2 == 0 else 0.03).run()

    at = open_page("playground")
    change_often(at)
    assert address(at)["step"] == str(MAX_OPTION_LIST + 1) and "w" in address(at), address(at)
    assert not any("cannot be restored" in w.value for w in at.warning), [w.value for w in at.warning]
    check(at, "playground", deferred, f"{MAX_OPTION_LIST + 1} changes of α during the run")

    at.text_input(key="pg_hidden").input("8, 8").run()
    change_often(at)
    file = saved(at, deferred)
    net = at.session_state["playground"].run.net
    assert file.step == MAX_OPTION_LIST + 1 and np.array_equal(np.asarray(file.weights[1]), net.weights[1])
    notes = [w.value for w in at.warning if "cannot be restored after a restart" in w.value]
    assert len(notes) == 1 and f"changed more than {MAX_OPTION_LIST} times" in notes[0], [w.value for w in at.warning]


def test_while_playing_the_address_holds_the_frame_on_screen_and_restores_it_paused():
    """The player asks for more frames with the step it shows; the address then holds that frame (step,
    weights), not the frames trained ahead, and a session opened on it (a restart) is paused there with
    exactly those weights, as a replay from the seed."""
    from tests.app.test_playground import chunk, player_event
    at = open_page("playground")
    at.button(key="pg_play").click().run()
    first = chunk(at)
    on_screen = first["frames"][len(first["frames"]) // 2]["step"]
    player_event(at, trigger=("need_more", {"have": first["seq"], "showing": on_screen}))
    run = at.session_state["playground"].run
    assert run.playing and run.trainer.step_count > on_screen, "the server trained ahead"
    q = address(at)
    assert int(q["step"]) == on_screen, q
    fresh = open_page("playground", q)
    restored = fresh.session_state["playground"].run
    assert not restored.playing and restored.trainer.step_count == on_screen
    want = run.trainer.weights_at(on_screen)
    assert all(np.array_equal(a, b) for a, b in zip(restored.net.weights, want[0])), "the frame's weights"
