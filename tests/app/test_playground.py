"""The playground page as a student uses it, headless (AppTest). Timed play is in tests/browser.

While playing, the page mounts the player component; AppTest runs no JavaScript, so ``player_event``
sends what player.js sends (the ``paused_at`` state, the ``need_more`` and ``command`` triggers) and
``chunk`` reads the frames the server gave it."""
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
from streamlit.testing.v1 import AppTest

from components.playground.player import DEFAULT_SPEED, SPEEDS
from engine.playback import decode_levels, unpack

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def at():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("components/playground/page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def run_state(at):
    return at.session_state["playground"].run


def player_data(at):
    """The data the page gave the player component in the last run."""
    return json.loads(player_element(at).proto.json)


def player_element(at):
    """The player among the page's custom components (the shell mounts one of its own)."""
    els = [e for e in at.get("bidi_component") if e.key == "pg_player"]
    assert len(els) == 1, "one player on the page"
    return els[0]


def chunk(at):
    return player_data(at)["chunk"]


def player_event(at, state=None, trigger=None):
    """Rerun as player.js would after ``setStateValue(name, value)`` (state={name: value}) or
    ``setTriggerValue(name, value)`` (trigger=(name, value))."""
    comp_id = player_element(at).proto.id
    states = at._tree.get_widget_states()
    if state is not None:
        states.widgets.append(WidgetState(id=comp_id, json_value=json.dumps(state)))
    if trigger is not None:
        states.widgets.append(WidgetState(id=f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{comp_id}__events",
                                          json_trigger_value=json.dumps([{"event": trigger[0], "value": trigger[1]}])))
    return at._run(states)


def ask_more(at):
    return player_event(at, trigger=("need_more", {"have": chunk(at)["seq"]}))


def pause_on(at, step, reason="user", n=1):
    return player_event(at, state={"paused_at": {"step": step, "reason": reason, "n": n}})


def test_page_opens_at_step_zero_with_every_view(at):
    assert at.title[0].value == "Training playground"
    assert metric(at, "Epoch") == "0" and metric(at, "Step") == "0"
    figs = charts(at)
    assert len(figs) == 5, "boundary, network, thumbnails, curves, one neuron large"
    assert not at.error


def test_step_and_epoch_buttons_train_and_change_the_boundary(at):
    before = run_state(at).trainer.net.predict(np.zeros((1, 2))).copy()
    at.button(key="pg_step").click().run()
    assert metric(at, "Step") == "1"
    at.button(key="pg_epoch").click().run()
    assert metric(at, "Epoch") == "1" and metric(at, "Step") == "25"
    assert not np.array_equal(before, run_state(at).trainer.net.predict(np.zeros((1, 2))))


def test_play_sends_a_chunk_of_frames_and_the_next_one_when_asked(at):
    at.button(key="pg_play").click().run()
    assert run_state(at).playing and not at.exception
    first = chunk(at)
    steps = [f["step"] for f in first["frames"]]
    per_frame = SPEEDS[DEFAULT_SPEED]
    assert steps == [per_frame * (i + 1) for i in range(len(steps))], f"{per_frame} steps per frame by default"
    assert run_state(at).trainer.step_count == steps[-1], "the server trained exactly as far as it sent"
    assert player_data(at)["layout"]["sizes"] == [2, 4, 2, 1]
    at.run()
    assert chunk(at)["seq"] == first["seq"], "an ordinary rerun sends no new frames"
    ask_more(at)
    second = chunk(at)
    assert second["seq"] == first["seq"] + 1 and second["frames"][0]["step"] == steps[-1] + per_frame
    ask_more(at)
    assert run_state(at).trainer.step_count == chunk(at)["frames"][-1]["step"]


def test_pause_on_a_shown_frame_sets_the_trainer_to_exactly_that_step(at):
    from components.playground.settings import new_run
    at.button(key="pg_play").click().run()
    ask_more(at)
    shown = chunk(at)["frames"][3]["step"]
    assert run_state(at).trainer.step_count > shown, "trained ahead of the frame on screen"
    pause_on(at, shown)
    t = run_state(at).trainer
    assert not run_state(at).playing and t.step_count == shown and t.history.steps[-1] == shown
    assert metric(at, "Step") == f"{shown:,}" and at.button(key="pg_play").label == "Play"
    replay = new_run(run_state(at).settings).trainer
    replay.run(steps=shown)
    for got, want_at, want_replay in zip(t.net.weights, t.weights_at(shown)[0], replay.net.weights):
        assert np.array_equal(got, want_at) and np.array_equal(got, want_replay)
    at.button(key="pg_step").click().run()
    replay.step()
    assert metric(at, "Step") == f"{shown + 1:,}"
    assert all(np.array_equal(a, b) for a, b in zip(t.net.weights, replay.net.weights)), "goes on as if never ahead"


@pytest.mark.parametrize("then", ["step", "epoch"])
def test_step_or_epoch_clicked_while_playing_pauses_on_the_shown_frame_then_trains_on(at, then):
    """player.js turns a click on Step (Epoch) while playing into a pause on the frame shown with
    ``then``: the trainer ends one update (to the epoch's end) past the frame the student saw."""
    from components.playground.settings import new_run
    at.button(key="pg_play").click().run()
    ask_more(at)
    shown = chunk(at)["frames"][2]["step"]
    assert run_state(at).trainer.step_count > shown + 1, "trained ahead of the frame on screen"
    player_event(at, state={"paused_at": {"step": shown, "reason": "user", "then": then, "n": 7}})
    t = run_state(at).trainer
    replay = new_run(run_state(at).settings).trainer
    replay.run(steps=shown)
    if then == "step":
        replay.step()
    else:
        replay.run_epoch(epoch_limit=None)
    want = shown + 1 if then == "step" else -(-(shown + 1) // t.steps_per_epoch) * t.steps_per_epoch
    assert not run_state(at).playing and t.step_count == replay.step_count == want
    assert metric(at, "Step") == f"{want:,}" and at.button(key="pg_play").label == "Play"
    for got, again in zip(t.net.parameters(), replay.net.parameters()):
        assert np.array_equal(got, again), "the same run as a replay from the seed"
    pause_on(at, shown, n=8)           # a late repeat of a pause report changes nothing when paused
    assert run_state(at).trainer.step_count == want


def test_step_clicked_while_playing_without_the_player_pauses_on_the_last_frame_sent(at):
    """No JavaScript (the click reaches the server): pause on the last frame sent, then one step."""
    at.button(key="pg_play").click().run()
    last = chunk(at)["frames"][-1]["step"]
    assert not at.button(key="pg_step").disabled, "Step stays clickable while playing"
    at.button(key="pg_step").click().run()
    assert not run_state(at).playing and run_state(at).trainer.step_count == last + 1


def test_reset_while_playing_stops_at_step_zero_with_the_seeds_weights(at):
    from components.playground.settings import new_run
    at.button(key="pg_play").click().run()
    ask_more(at)
    at.button(key="pg_reset").click().run()
    t = run_state(at).trainer
    assert not run_state(at).playing and t.step_count == 0 and metric(at, "Step") == "0"
    fresh = new_run(run_state(at).settings).trainer
    assert all(np.array_equal(a, b) for a, b in zip(t.net.parameters(), fresh.net.parameters()))
    at.button(key="pg_step").click().run()
    assert run_state(at).trainer.step_count == 1, "Step works after the reset"


def test_a_chunk_boundary_decodes_to_the_engine_prediction_within_one_level(at):
    from components.playground.figures import GRID, plane_grid
    from engine.features import transform
    at.button(key="pg_play").click().run()
    frame = unpack(chunk(at))[-1]
    net = run_state(at).trainer.net      # the trainer is at the chunk's last frame
    _, _, P = plane_grid(run_state(at).dataset.extent, GRID)
    want = net.predict(transform(P, run_state(at).settings.features))[:, 0]
    got = decode_levels(frame["heat"], 0.0, 1.0)
    assert np.max(np.abs(got - want)) <= 1 / 255


def test_gradient_colouring_while_playing_sends_each_detail_frames_last_step_gradients(at):
    """'Colour edges by: gradient' while playing: the detail frames carry |∂L/∂w| of their last step on
    the paused graph's log scale (style.log_range / log_position), within one 8-bit level."""
    from components.drawing import style
    at.radio(key="pg_edge_mode").set_value("gradient").run()
    at.button(key="pg_play").click().run()
    assert player_data(at)["layout"]["edge_mode"] == "gradient"
    frames = unpack(chunk(at))
    last = frames[-1]                     # the trainer is at the chunk's last frame (a detail frame)
    assert last["detail"] and len(last["grads"]) == len(last["weights"]) == 8 + 8 + 2
    g = np.concatenate([d.ravel() for d in run_state(at).trainer.last_pass.dW])
    lo, hi = style.log_range(g)
    assert last["grad_range"] == [lo, hi] and hi - lo >= 1
    got = decode_levels(last["grads"], 0.0, 1.0)
    assert np.max(np.abs(got - style.log_position(g, lo, hi))) <= 0.5 / 255 + 1e-12
    assert all("grads" in f for f in frames if f["detail"]), "every detail frame brings its gradients"


def test_a_learning_rate_change_while_playing_applies_from_the_next_chunk(at):
    at.selectbox(key="pg_speed").set_value("1 step").run()   # every step stays in the history
    at.button(key="pg_play").click().run()
    before = chunk(at)
    at.select_slider(key="pg_lr").set_value(0.3).run()
    t = run_state(at).trainer
    assert run_state(at).playing and t.lr == 0.3
    assert chunk(at)["seq"] == before["seq"] and t.step_count == before["frames"][-1]["step"], \
        "frames already sent keep the old rate"
    assert t.history.at(before["frames"][-1]["step"]).lr == 0.03
    ask_more(at)
    first_new = chunk(at)["frames"][0]["step"]
    assert t.history.at(first_new).lr == 0.3, "the next chunk trains with the new rate"


def test_the_p_key_while_paused_plays(at):
    player_event(at, trigger=("command", "play"))
    assert run_state(at).playing and chunk(at)["frames"]


def test_learning_rate_change_keeps_the_weights(at):
    at.button(key="pg_epoch").click().run()
    weights = [W.copy() for W in run_state(at).trainer.net.weights]
    at.select_slider(key="pg_lr").set_value(0.3).run()
    t = run_state(at).trainer
    assert t.lr == 0.3 and t.step_count == 25
    assert all(np.array_equal(a, b) for a, b in zip(weights, t.net.weights))


def test_architecture_change_resets_and_bad_text_keeps_the_network(at):
    at.button(key="pg_epoch").click().run()
    at.text_input(key="pg_hidden").input("8, 8, 8").run()
    assert run_state(at).trainer.net.sizes == (2, 8, 8, 8, 1) and metric(at, "Step") == "0"
    at.text_input(key="pg_hidden").input("8, banana").run()
    assert any("Neurons per hidden layer: expected whole numbers" in e.value for e in at.sidebar.error)
    assert run_state(at).trainer.net.sizes == (2, 8, 8, 8, 1)
    at.text_input(key="pg_hidden").input("4, 17").run()
    assert any("1 … 16 neurons" in e.value for e in at.sidebar.error)
    at.button(key="pg_add_layer").click().run()
    assert run_state(at).trainer.net.sizes == (2, 8, 8, 8, 4, 1)


def test_features_and_dataset_switch_the_input_and_output(at):
    at.selectbox(key="pg_dataset").set_value("blobs").run()
    net = run_state(at).trainer.net
    assert net.sizes[-1] == 3 and net.activation_names[-1] == "softmax"
    assert "softmax output + cross-entropy" in " ".join(c.value for c in at.caption)
    at.selectbox(key="pg_dataset").set_value("sine").run()
    assert run_state(at).trainer.net.loss_name == "mse"


def test_divergence_pauses_early_at_healthy_weights_and_the_suggested_rate_makes_progress(at):
    at.selectbox(key="pg_dataset").set_value("plane").run()
    at.selectbox(key="pg_activation").set_value("relu").run()
    at.select_slider(key="pg_init_gain").set_value(10.0).run()
    at.select_slider(key="pg_lr").set_value(10.0).run()
    at.button(key="pg_play").click().run()
    for _ in range(5):
        if chunk(at)["stop"]:
            break
        ask_more(at)
    last = chunk(at)["frames"][-1]
    assert chunk(at)["stop"] == "diverged"
    pause_on(at, last["step"], "diverged")   # the player stops on the last frame and says why
    t = run_state(at).trainer
    d = t.divergence
    assert d is not None and not run_state(at).playing
    assert np.isfinite(d.loss) and d.loss < 1e20, "caught long before ∞ (it used to run to 10²⁶¹ and step 144)"
    assert t.step_count == d.healthy_step == last["step"], "the last frame shows the last healthy weights"
    message = " ".join(e.value for e in at.error)
    assert message == d.message and f"Diverging at step {d.step:,}" in message
    assert f"Paused with the weights of step {d.healthy_step:,}" in message
    # the loss chart bends up on a log axis, the diverging step marked
    (curves,) = [f for f in charts(at) if f["layout"]["xaxis"].get("title", {}).get("text") == "epoch"]
    assert curves["layout"]["yaxis"]["type"] == "log"
    assert any(tr.get("name") == "diverging (undone)" for tr in curves["data"])
    assert any(f"diverging: step {d.step:,}" in a["text"] for a in curves["layout"]["annotations"])
    lo, hi = curves["layout"]["yaxis"]["range"]
    assert hi >= np.log10(d.loss), "the axis follows the numbers up"
    # continue as the message says: the button sets α, the run goes on from the healthy weights and learns
    rate = d.suggestion.lr
    assert rate is not None and f"Continue with α = {rate:g}" in message
    before = t.evaluate().train_loss
    at.button(key="pg_continue").click().run()
    assert run_state(at).settings.lr == rate and t.divergence is None
    at.button(key="pg_epoch").click().run()
    assert t.divergence is None and t.evaluate().train_loss < 0.9 * before
    assert not at.exception


def test_saturated_units_are_named_when_the_boundary_freezes(at):
    at.select_slider(key="pg_init_gain").set_value(10.0).run()   # circles, tanh are the defaults
    at.select_slider(key="pg_lr").set_value(10.0).run()
    for _ in range(4):
        at.button(key="pg_epoch").click().run()
    assert run_state(at).trainer.divergence is None, "it never diverges: it freezes"
    said = " ".join(i.value for i in at.info)
    assert "Frozen, not diverging" in said and "saturated" in said


def test_huge_losses_are_written_whole_with_their_exponent(at):
    t = run_state(at).trainer
    for W in t.net.weights:
        W *= 1e50
    at.run()
    value = metric(at, "Train loss")
    assert "·10" in value and "…" not in value and "e+" not in value, value


def test_scrubber_shows_the_exact_weights_of_a_recorded_step(at):
    at.button(key="pg_epoch").click().run()
    at.button(key="pg_epoch").click().run()
    t = run_state(at).trainer
    at.select_slider(key="pg_scrub").set_value(10).run()
    assert metric(at, "Step") == "10 / 50"
    fig = next(f for f in charts(at) if f["layout"].get("uirevision") == "boundary")
    assert "step 10" in fig["layout"]["title"]["text"]
    assert np.array_equal(t.weights_at(10)[0][0], t.history.at(10).weights[0])


def test_continue_from_a_rewound_step_drops_the_later_steps(at):
    at.button(key="pg_epoch").click().run()
    at.select_slider(key="pg_scrub").set_value(10).run()
    at.button(key="pg_rewind").click().run()
    t = run_state(at).trainer
    assert t.step_count == 10 and t.history.steps[-1] == 10 and metric(at, "Step") == "10"
    at.button(key="pg_step").click().run()
    assert metric(at, "Step") == "11"


def test_play_stops_by_itself_at_the_epoch_limit(at):
    at.number_input(key="pg_epoch_limit").set_value(2).run()
    at.selectbox(key="pg_speed").set_value("100 steps").run()
    at.button(key="pg_play").click().run()
    for _ in range(4):
        if chunk(at)["stop"]:
            break
        ask_more(at)
    assert chunk(at)["stop"] == "epoch_limit" and chunk(at)["frames"][-1]["step"] == 50
    pause_on(at, 50, "epoch_limit")
    t = run_state(at).trainer
    assert t.epoch_count == 2 and not run_state(at).playing
    assert any("epoch limit (2)" in i.value for i in at.info)
    at.button(key="pg_play").click().run()
    assert not run_state(at).playing, "play refuses to go past the limit"


def test_a_forgotten_tab_pauses_after_the_play_time_limit(at):
    import time

    from components.playground.settings import PLAY_SECONDS_LIMIT
    at.button(key="pg_play").click().run()
    run_state(at).play_started = time.monotonic() - PLAY_SECONDS_LIMIT - 1
    ask_more(at)
    assert chunk(at)["stop"] == "time_limit"
    pause_on(at, chunk(at)["frames"][-1]["step"], "time_limit")
    assert not run_state(at).playing
    assert any(f"after {PLAY_SECONDS_LIMIT // 60} minutes of play" in i.value for i in at.info)


@pytest.mark.parametrize("dataset, hidden", [("xor", ""), ("blobs", "3"), ("sine", "8, 8"), ("moons", "2, 2, 2, 2"),
                                             ("spiral", "16, 16, 16, 16, 16, 16, 16, 16")])
def test_every_kind_of_problem_draws_without_error_in_both_edge_modes(at, dataset, hidden):
    at.selectbox(key="pg_dataset").set_value(dataset).run()
    at.text_input(key="pg_hidden").input(hidden).run()
    at.button(key="pg_step").click().run()
    at.radio(key="pg_edge_mode").set_value("gradient").run()
    at.checkbox(key="pg_discretize").check().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and not at.sidebar.error
    assert len(charts(at)) == 5


def test_choosing_csv_before_uploading_explains_and_keeps_the_data(at):
    at.button(key="pg_epoch").click().run()
    at.selectbox(key="pg_dataset").set_value("csv").run()
    assert not at.exception
    assert any("upload a CSV file first" in e.value for e in at.sidebar.error)
    assert run_state(at).dataset.name == "circles" and run_state(at).trainer.step_count == 25


def test_feature_toggles_set_the_network_inputs_and_none_is_refused(at):
    group = at.get("button_group")[0]
    assert group.key == "pg_features"
    group.set_value(["x1", "x2", "x1x2", "sin_x1"]).run()
    t = run_state(at).trainer
    assert t.net.sizes[0] == 4 and run_state(at).settings.features == ("x1", "x2", "x1x2", "sin_x1")
    assert np.allclose(t.X_train[:, 2], run_state(at).dataset.X_train.prod(axis=1)), "x₁x₂ column"
    at.get("button_group")[0].set_value([]).run()
    assert any("Input features: choose at least one" in e.value for e in at.sidebar.error)
    assert run_state(at).trainer.net.sizes[0] == 4, "the network keeps its inputs"
