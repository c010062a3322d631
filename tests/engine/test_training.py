"""The trainer: reaches the documented accuracies, keeps weights on live changes, replays exactly,
keeps a bounded history whose steps are exact, and stops with a diagnosis when numbers overflow."""
import numpy as np
import pytest

from engine import Network
from engine.datasets import make_dataset
from engine.features import FEATURES, transform
from engine.training import History, Snapshot, Trainer
from tests.helpers import assert_close

ALL_FEATURES = tuple(FEATURES)
OUTPUT = {"binary": ("sigmoid", "bce"), "multiclass": ("softmax", "cross_entropy"), "regression": ("linear", "mse")}


def make_trainer(dataset="xor", hidden=(4,), features=("x1", "x2"), activation="tanh", lr=0.03, batch_size=10,
                 optimizer="sgd", n_samples=500, seed=0, **net_kwargs):
    """The playground's defaults: 500 points, half held out, tanh, SGD, lr 0.03, batch 10, Xavier."""
    d = make_dataset(dataset, n_samples=n_samples, seed=seed)
    out_act, loss = OUTPUT[d.task]
    net = Network([len(features), *hidden, d.n_outputs], activation=activation, output_activation=out_act,
                  loss=loss, seed=seed, optimizer=optimizer, **net_kwargs)
    return Trainer(net, transform(d.X_train, features), d.y_train, transform(d.X_test, features), d.y_test,
                   d.task, lr=lr, batch_size=batch_size, seed=seed)


def epochs_to(trainer, accuracy, max_epochs):
    for epoch in range(1, max_epochs + 1):
        trainer.run_epoch()
        if trainer.curve[-1].train_acc >= accuracy:
            return epoch
    return None


def test_xor_with_one_hidden_layer_of_4_tanh_reaches_95_percent_within_500_epochs():
    t = make_trainer("xor", hidden=(4,))
    epochs = epochs_to(t, 0.95, 500)
    assert epochs is not None, f"train accuracy after 500 epochs: {t.curve[-1].train_acc}"


def test_circles_reaches_the_documented_99_percent_train_and_98_test_in_200_epochs():
    t = make_trainer("circles", hidden=(4, 2))
    t.run(epoch_limit=200)
    p = t.evaluate()
    assert t.epoch_count == 200
    assert p.train_acc >= 0.99 and p.test_acc >= 0.98, p


def test_spiral_reaches_the_documented_95_percent_train_and_90_test_with_all_features_and_adam():
    t = make_trainer("spiral", hidden=(8, 8), features=ALL_FEATURES, optimizer="adam", lr=0.01)
    t.run(epoch_limit=300)
    p = t.evaluate()
    assert p.train_acc >= 0.95 and p.test_acc >= 0.90, p


def test_steps_replay_by_hand_with_the_seeded_epoch_order():
    t = make_trainer("circles", n_samples=60, batch_size=7)
    twin = t.net.copy()
    t.run(steps=12)  # 30 train points, batch 7: steps of 7,7,7,7,2 per epoch
    for epoch in range(3):
        order = np.random.default_rng([0, epoch]).permutation(30)
        for start in range(0, 30, 7):
            if epoch * 5 + start // 7 >= 12:
                break
            idx = order[start:start + 7]
            twin.step(t.X_train[idx], t.Y_train[idx], 0.03)
    for l in range(2):
        assert_close(f"W{l}", t.net.weights[l], twin.weights[l], rtol=0, atol=0)
    assert t.step_count == 12 and t.epoch_count == 2 and t.cursor == 14


def test_grouping_of_steps_does_not_change_the_run():
    a, b = make_trainer("moons"), make_trainer("moons")
    a.run(steps=137)
    for _ in range(137):
        b.step()
    assert all(np.array_equal(x, y) for x, y in zip(a.net.weights, b.net.weights))


def test_learning_rate_change_keeps_the_weights_and_applies_from_the_next_step():
    t = make_trainer("xor")
    t.run(steps=25)
    before = [W.copy() for W in t.net.weights]
    twin = t.net.copy()
    t.set_lr(0.5)
    assert all(np.array_equal(W, V) for W, V in zip(t.net.weights, before)), "weights unchanged by set_lr"
    assert t.step_count == 25, "no reset"
    idx = t._order[t.cursor:t.cursor + t.batch_size]
    r = twin.step(t.X_train[idx], t.Y_train[idx], 0.5)
    t.step()
    assert_close("W0 after a step at the new rate", t.net.weights[0], twin.weights[0], rtol=0, atol=0)
    assert_close("update = -0.5 dW", r.update_W[0], -0.5 * r.dW[0], rtol=1e-15)


def test_batch_size_regularization_and_optimizer_are_live_too():
    t = make_trainer("xor")
    t.run(steps=5)
    w = [W.copy() for W in t.net.weights]
    t.set_batch_size(25)
    t.set_regularization(0.001, 0.01)
    t.set_optimizer("adam")
    assert all(np.array_equal(a, b) for a, b in zip(w, t.net.weights))
    r = t.step()
    assert r.a[0].shape[0] == 25 and t.net.l2 == 0.01 and t.net.optimizer == "adam"
    with pytest.raises(ValueError, match="^batch_size:"):
        t.set_batch_size(0)
    with pytest.raises(ValueError, match="^lr:"):
        t.set_lr(float("nan"))


def test_run_stops_at_the_epoch_limit():
    t = make_trainer("gaussian", n_samples=100)
    done = t.run(epoch_limit=3)
    assert t.epoch_count == 3 and t.cursor == 0 and done == 3 * 5
    assert t.run(steps=10, epoch_limit=3) == 0
    assert [p.epoch for p in t.curve] == [0, 1, 2, 3]


def test_curve_has_loss_and_accuracy_of_the_whole_sets():
    t = make_trainer("blobs", n_samples=90)
    t.run_epoch()
    p = t.curve[-1]
    z, a = t.net.forward(t.X_test)
    want = np.mean(-np.log(a[-1][np.arange(len(t.y_test)), t.y_test]))
    assert_close("test cross-entropy", p.test_loss, want, rtol=1e-12)
    assert p.test_acc == np.mean(np.argmax(a[-1], axis=1) == t.y_test)
    reg = make_trainer("plane", n_samples=40)
    assert reg.curve[0].train_acc is None and reg.curve[0].train_loss > 0


# ---------------------------------------------------------------- history / scrubber
def test_scrubber_returns_the_exact_weights_of_every_recorded_step():
    t = make_trainer("xor", n_samples=100)
    t.history = History(limit=64)
    t.history.record(t._snapshot(None))
    replay = t.net.copy()
    exact = {0: [W.copy() for W in replay.weights]}
    t.run(steps=300)
    for step in range(1, 301):
        epoch, pos = divmod(step - 1, 5)
        idx = np.random.default_rng([0, epoch]).permutation(50)[pos * 10:pos * 10 + 10]
        replay.step(t.X_train[idx], t.Y_train[idx], 0.03)
        exact[step] = [W.copy() for W in replay.weights]
    recorded = t.history.steps
    assert 0 in recorded and len(recorded) < 64, "bounded"
    assert t.history.stride == 8 and recorded == list(range(0, 301, 8))
    for step in recorded:
        weights, biases = t.weights_at(step)
        for l in range(2):
            assert np.array_equal(weights[l], exact[step][l]), f"W{l} of step {step}"
    with pytest.raises(ValueError, match=r"^step: 3 is not recorded .* nearest: \[0, 8\]"):
        t.weights_at(3)


def test_snapshot_gradients_are_the_ones_that_moved_the_weights():
    t = make_trainer("circles", n_samples=60)
    t.run(steps=4)
    s3, s4 = t.history.at(3), t.history.at(4)
    for l in range(len(s4.weights)):
        assert_close(f"W{l}(4) = W{l}(3) - lr dW{l}(4)", s4.weights[l], s3.weights[l] - 0.03 * s4.dW[l], rtol=1e-14)
    rewound = t.network_at(3)
    assert np.array_equal(rewound.weights[0], s3.weights[0]) and not np.array_equal(t.net.weights[0], s3.weights[0])


def test_rewind_continues_exactly_as_the_original_run():
    t = make_trainer("moons", n_samples=64, batch_size=5)   # 32 train points: epochs of 7 steps
    t.run(steps=30)
    final = [W.copy() for W in t.net.weights]
    t.rewind(12)
    assert t.step_count == 12 and t.epoch_count == 1 and t.cursor == 25 and t.history.steps[-1] == 12
    assert [p.epoch for p in t.curve] == [0, 1]
    assert np.array_equal(t.net.weights[0], t.history.at(12).weights[0])
    t.run(steps=18)
    assert all(np.array_equal(a, b) for a, b in zip(final, t.net.weights)), "SGD replays the same minibatches"


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_rewound_run_is_a_replay_that_starts_fresh_at_the_rewound_step(optimizer):
    """A rewind drops the optimizer's memory; a replay from the seed that calls ``start_fresh`` at the
    rewound step takes the same path, bit for bit (without it, the memory of steps 1-12 steers steps 13-30)."""
    t = make_trainer("moons", n_samples=64, batch_size=5, optimizer=optimizer)
    t.run(steps=30)
    t.rewind(12)
    t.run(steps=18)
    replay, carried = (make_trainer("moons", n_samples=64, batch_size=5, optimizer=optimizer) for _ in range(2))
    replay.run(steps=12)
    replay.start_fresh()
    replay.run(steps=18)
    carried.run(steps=30)
    assert all(np.array_equal(a, b) for a, b in zip(t.net.weights, replay.net.weights))
    assert not all(np.array_equal(a, b) for a, b in zip(t.net.weights, carried.net.weights))


def test_history_memory_budget_sets_the_limit():
    t = make_trainer("spiral", hidden=(16,) * 8, features=ALL_FEATURES, n_samples=40)
    assert 50 <= t.history.limit < 1000
    assert t.history.limit * 16 * t.net.n_params <= 8_000_000


def test_history_thins_by_halves_keeping_step_zero():
    h = History(limit=8)
    for step in range(40):
        h.record(Snapshot(step, 0.0, (), (), None, None, None, 0.1))
    assert len(h.snapshots) < 8 and h.steps[0] == 0
    assert h.steps == list(range(0, 40, h.stride))


def _objects_reachable(root) -> int:
    """How many Python objects ``root`` holds (following references, skipping modules and classes)."""
    import gc
    import types
    seen, stack = set(), [root]
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, (types.ModuleType, type, types.FunctionType)):
            continue
        seen.add(id(o))
        stack.extend(gc.get_referents(o))
    return len(seen)


def test_history_gives_back_every_field_of_every_step_exactly():
    t = make_trainer("spiral", hidden=(5, 3), n_samples=60)
    live = {0: t._snapshot(None)}
    for _ in range(40):
        r = t.step()
        live[t.step_count] = t._snapshot(r)
    assert t.history.steps == list(range(41))
    for step, want in live.items():
        got = t.history.at(step)
        assert (got.step, got.epoch, got.lr, got.loss) == (want.step, want.epoch, want.lr, want.loss), step
        for name in ("weights", "biases", "dW", "db", "delta_mean"):
            w, g = getattr(want, name), getattr(got, name)
            if w is None:
                assert g is None, f"{name} of step {step}: nothing was recorded, got arrays"
                continue
            assert len(g) == len(w) and all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(g, w)), \
                f"{name} of step {step}"
    assert t.history.latest().step == 40 and isinstance(t.history.at(0).epoch, float)


def test_a_snapshot_keeps_its_numbers_when_the_history_thins_or_rewinds():
    t = make_trainer("xor", n_samples=100)
    t.history = History(limit=16)
    t.history.record(t._snapshot(None))
    t.run(steps=10)
    kept = t.history.at(9)   # thinned away at step 16
    before = [W.copy() for W in kept.weights] + [g.copy() for g in kept.dW]
    t.run(steps=30)
    t.rewind(8)
    t.run(steps=5)
    assert t.history.steps == [0, 4, 8, 12] and t.step_count == 13
    assert all(np.array_equal(a, b) for a, b in zip(before, list(kept.weights) + list(kept.dW)))


def test_history_holds_a_fixed_number_of_objects_however_long_it_runs():
    """Thousands of small NumPy arrays per student left Python's small-object heap fragmented after a
    class (benchmarks/memory_profile.py); the packed history holds the same few objects at any length."""
    t = make_trainer("circles", hidden=(6, 6), n_samples=100)
    t.history = History(limit=1000)
    t.history.record(t._snapshot(None))
    t.run(steps=100)
    at_100 = _objects_reachable(t.history)
    t.run(steps=500)
    assert len(t.history.steps) == 601
    assert _objects_reachable(t.history) == at_100
    row = History.row_width([W.shape for W in t.net.weights], [b.shape for b in t.net.biases])
    assert t.history.nbytes <= 2 * 601 * 8 * row


def test_history_refuses_a_snapshot_of_another_shape():
    h = History(limit=8)
    h.record(Snapshot(0, 0.0, (np.zeros((2, 3)),), (np.zeros(3),), None, None, None, 0.1))
    with pytest.raises(ValueError, match=r"^snapshot: expected weight and bias shapes"):
        h.record(Snapshot(1, 0.0, (np.zeros((3, 3)),), (np.zeros(3),), None, None, None, 0.1))
    assert h.steps == [0]
    with pytest.raises(ValueError, match=r"^step: nothing is recorded"):
        History(limit=8).latest()


# ---------------------------------------------------------------- divergence
def test_divergence_pauses_at_the_last_healthy_weights_and_the_suggested_rate_makes_progress():
    t = make_trainer("plane", hidden=(8, 8), activation="relu", lr=5.0, init="normal", init_gain=10.0)
    t.run(steps=500)
    d = t.divergence
    assert d is not None, "a learning rate of 5 must blow up"
    assert t.step_count == d.healthy_step < d.step, "paused at the healthy step, before the diverging one"
    assert np.isfinite(d.loss) and d.loss < 1e154, "caught long before ∞"
    assert d.phase in ("forward", "loss", "backward") and 1 <= d.layer <= 3
    assert f"step {d.step:,}" in d.message and f"weights of step {d.healthy_step:,}" in d.message
    for W, kept in zip(t.net.weights, t.history.at(d.healthy_step).weights):
        assert np.array_equal(W, kept)
    assert t.run(steps=5) == 0 and t.step() is None, "stays paused"
    s = d.suggestion
    assert s is not None and s.lr is not None and s.lr < 5.0 and f"α = {s.lr:g}" in d.message
    before = t.evaluate().train_loss
    t.set_lr(s.lr)
    assert t.run(steps=25) == 25 and t.divergence is None
    assert t.evaluate().train_loss <= 0.9 * before, "the suggested α makes progress, as the message says"


