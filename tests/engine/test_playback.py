"""engine/playback.py: the 8-bit encoding, frames trained ahead, and a pause that puts the trainer back
exactly on a frame (weights, optimizer memory, place in the epoch), without Streamlit."""
import time
import numpy as np
import pytest

from engine import Network
from engine.datasets import make_dataset
from engine.features import transform
from engine.playback import (LEVELS, Producer, capture, decode_levels, encode_levels, grid_inputs, heat_values,
                             pack, restore, unpack)
from engine.training import Trainer
from tests.helpers import assert_close


def make_trainer(optimizer="sgd", hidden=(4, 2), task="circles", seed=0, history_bytes=8_000_000):
    d = make_dataset(task, n_samples=200, noise=0.1, test_ratio=0.5, seed=0)
    out = {"binary": ("sigmoid", "bce"), "multiclass": ("softmax", "cross_entropy"),
           "regression": ("linear", "mse")}[d.task]
    net = Network([2, *hidden, d.n_outputs], activation="tanh", output_activation=out[0], loss=out[1],
                  seed=seed, optimizer=optimizer)
    t = Trainer(net, d.X_train, d.y_train, d.X_test, d.y_test, d.task, lr=0.1, batch_size=10, seed=seed,
                history_bytes=history_bytes)
    return t, d


def make_producer(t, d, **kw):
    return Producer(t, grid_inputs(d.extent, 20, lambda X: transform(X, ("x1", "x2"))), d.task,
                    n_classes=d.n_classes, **kw)


def test_levels_round_trip_within_half_a_level_and_clip_outside_the_range():
    v = np.linspace(-0.3, 1.3, 1001)
    got = decode_levels(encode_levels(v, 0.0, 1.0), 0.0, 1.0)
    inside = (v >= 0) & (v <= 1)
    assert np.max(np.abs(got[inside] - v[inside])) <= 0.5 / LEVELS + 1e-12
    assert got[v < 0].max() == 0.0 and got[v > 1].min() == 1.0
    # hand-worked: 0.5 on [0, 1] → round(127.5) = 128 (half to even rounds 127.5 up to 128); −2 on [−4, 4] → 64
    assert encode_levels([0.5], 0.0, 1.0) == bytes([128]) and encode_levels([-2.0], -4.0, 4.0) == bytes([64])
    assert encode_levels([np.nan], 0.0, 1.0) == bytes([128]), "NaN is sent as the middle (flagged per frame)"


@pytest.mark.parametrize("lo, hi", [(1.0, 1.0), (0.0, np.inf), (2.0, 1.0)])
def test_a_bad_range_is_refused_naming_it(lo, hi):
    with pytest.raises(ValueError, match="lo, hi"):
        encode_levels([0.0], lo, hi)


def test_heat_values_match_the_boundary_figure_quantities():
    out = np.array([[0.2, 0.7, 0.1], [0.34, 0.33, 0.33]])
    z, lo, hi = heat_values(out, "multiclass", n_classes=3)
    # argmax 1, confidence (0.7 − 1/3) / (2/3) = 0.55 → (1 + 0.05 + 0.9 · 0.55) / 3 = 0.515
    assert (lo, hi) == (0.0, 1.0) and z[0] == pytest.approx(0.515)
    z, lo, hi = heat_values(np.array([[0.3], [0.8]]), "binary", discretize=True)
    assert_close("binary discretised", z, [0.15, 0.85])
    z, lo, hi = heat_values(np.array([[0.31]]), "regression", y_range=2.0, discretize=True)
    assert (lo, hi) == (-2.0, 2.0) and z[0] == pytest.approx(0.4)


def test_frames_follow_the_steps_and_carry_the_engine_prediction_within_one_level():
    t, d = make_trainer()
    p = make_producer(t, d)
    chunk = p.chunk(6, 7)
    assert [f["step"] for f in chunk.frames] == [7, 14, 21, 28, 35, 42] and chunk.stop is None
    want = t.net.predict(p.grid_inputs)[:, 0]
    got = decode_levels(chunk.frames[-1]["heat"], 0.0, 1.0)
    assert np.max(np.abs(got - want)) <= 1 / LEVELS
    point = t.evaluate()
    assert chunk.frames[-1]["train_loss"] == point.train_loss and chunk.frames[-1]["test_acc"] == point.test_acc
    assert [("maps" in f) for f in chunk.frames] == [True, False, False, True, False, True], \
        "detail on the first frame, every 3rd and the last"


def test_pack_and_unpack_give_back_every_byte():
    t, d = make_trainer()
    frames = make_producer(t, d).chunk(8, 3).frames
    back = unpack(pack(frames))
    for a, b in zip(frames, back):
        assert a["heat"] == b["heat"] and a.get("maps") == b.get("maps") and a.get("weights") == b.get("weights")
        assert a["step"] == b["step"]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_pause_on_a_frame_is_exact_and_training_goes_on_as_if_never_ahead(optimizer):
    t, d = make_trainer(optimizer)
    p = make_producer(t, d)
    p.chunk(5, 9)
    frames = p.chunk(5, 9).frames
    shown = frames[1]["step"]
    assert t.step_count == frames[-1]["step"] > shown
    assert p.pause_at(shown)
    assert t.step_count == shown and t.history.steps[-1] == shown and p.kept_steps == []
    twin, _ = make_trainer(optimizer)
    twin.run(steps=shown)
    for l, (W, W_at, W_twin) in enumerate(zip(t.net.weights, t.weights_at(shown)[0], twin.net.weights)):
        assert np.array_equal(W, W_at) and np.array_equal(W, W_twin), f"weights[{l}] at step {shown}"
    assert t.epoch == twin.epoch and [c.step for c in t.curve] == [c.step for c in twin.curve]
    t.run(steps=13)
    twin.run(steps=13)
    for W, W_twin in zip(t.net.weights, twin.net.weights):
        assert np.array_equal(W, W_twin), "the optimizer's memory was restored with the weights"


def test_pause_on_a_step_thinned_out_of_the_history_still_records_it():
    t, d = make_trainer(history_bytes=0)          # the smallest history: thinned from 50 steps on
    p = make_producer(t, d)
    for _ in range(4):
        p.chunk(10, 3)
    shown = p.kept_steps[-7]
    assert shown % t.history.stride, "the test needs a step the stride skips"
    assert p.pause_at(shown)
    assert t.history.steps[-1] == shown
    assert_close("weights_at", t.weights_at(shown)[0][0], t.net.weights[0], rtol=0, atol=0)


def test_a_step_no_longer_kept_leaves_the_trainer_alone():
    t, d = make_trainer()
    p = make_producer(t, d, keep_chunks=1)
    first = p.chunk(3, 2).frames[0]["step"]
    p.chunk(3, 2)
    at = t.step_count
    assert not p.pause_at(first) and t.step_count == at


def test_the_epoch_limit_and_divergence_end_the_chunk_on_their_frame():
    t, d = make_trainer()
    chunk = make_producer(t, d).chunk(50, 4, epoch_limit=1)
    assert chunk.stop == "epoch_limit" and chunk.frames[-1]["step"] == t.step_count == 10
    d = make_dataset("plane", n_samples=200, test_ratio=0.5, seed=0)
    net = Network([2, 8, 8, 1], activation="relu", output_activation="linear", loss="mse", init_gain=10.0, seed=0)
    t = Trainer(net, d.X_train, d.y_train, d.X_test, d.y_test, d.task, lr=10.0, batch_size=10)
    chunk = make_producer(t, d).chunk(50, 5)
    assert chunk.stop == "diverged" and t.divergence is not None
    assert chunk.frames[-1]["step"] == t.step_count == t.divergence.healthy_step, "the last healthy step"
    assert t.divergence.healthy_step < t.divergence.step


def test_the_cpu_budget_and_the_play_time_cut_a_chunk_short():
    t, d = make_trainer()
    p = make_producer(t, d)
    assert len(p.chunk(500, 1, cpu_budget=0.0).frames) == 1, "at least one frame, then the budget"
    assert len(p.chunk(500, 1, wall_budget=0.0).frames) == 1, "the same for the wall clock"
    chunk = p.chunk(30, 1, seconds_left=0.2, fps=30)
    assert chunk.stop == "time_limit" and len(chunk.frames) == 6


def test_capture_and_restore_round_trip_mid_epoch():
    t, _ = make_trainer("momentum")
    t.run(steps=4)
    cp = capture(t)
    before = [W.copy() for W in t.net.weights]
    t.run(steps=30)
    restore(t, cp)
    assert t.step_count == 4 and t.cursor == 40 and all(np.array_equal(a, b) for a, b in zip(before, t.net.weights))


def test_a_pause_after_switching_optimizer_does_not_hand_the_old_memory_to_the_new_one():
    t, d = make_trainer("momentum")
    p = make_producer(t, d)
    shown = p.chunk(4, 5).frames[1]["step"]
    t.set_optimizer("adam")              # a live change while playing: applies from the next chunk
    assert p.pause_at(shown)
    assert t.net.optimizer == "adam" and t.net.optimizer_state == {}


def test_between_frames_hook_runs_before_each_frame_after_the_first_and_is_not_wall_time():
    t, d = make_trainer()
    p = make_producer(t, d)
    calls = []
    chunk = p.chunk(5, 2, between=lambda: calls.append(t.step_count))
    assert [f["step"] for f in chunk.frames] == [2, 4, 6, 8, 10]
    assert calls == [2, 4, 6, 8], "called before frames 2…5, with the previous frame trained"
    # a hook that sleeps longer than the wall budget does not cut the chunk short: its time is not counted
    chunk = p.chunk(4, 1, wall_budget=0.05, between=lambda: time.sleep(0.06))
    assert len(chunk.frames) == 4
