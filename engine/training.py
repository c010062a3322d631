"""A minibatch trainer for the playground: epochs from a seed, curves, a bounded step history,
and divergence detection.

``Trainer`` owns a ``Network`` and the data (already through the input features). One ``step`` is
one minibatch update; an epoch is one pass over the shuffled training set. The order of the points
in epoch e comes from ``np.random.default_rng([seed, e])``, so a run is reproducible and does not
depend on how the steps were grouped into calls (step-by-step or an epoch at a time).

Live settings (take effect at the next step, weights kept): ``lr``, ``batch_size``, ``l1``, ``l2``,
``optimizer``. Everything structural (data, features, architecture, initializer, seed) means a new
Trainer.

History: ``History`` keeps a ``Snapshot`` (weights after the step, and the gradients that step used)
of every step until it holds ``limit`` of them, then drops every second one and from then on keeps
only every 2nd (4th, 8th, …) step: memory stays bounded, any recorded step is returned exactly.

Divergence (``engine.divergence``, the model every page uses): a ``Watch`` follows every step; at the
first diverging step (a non-finite number, the loss past 10⁶ × the first loss, or a steady ×10³ rise over
5 steps) the trainer goes back to the weights of the last healthy step (``rewind``), tries the smaller
learning rates of ``lr_choices`` from there (``suggest_lr``) and stops: ``divergence`` holds the step, the
rule, where it began, the healthy step and the checked advice; ``step`` returns None until the learning
rate is changed (``set_lr``) or the run is rewound.
"""
import time
from dataclasses import dataclass, replace
from typing import List, Optional, Sequence, Tuple

import numpy as np

from engine.divergence import TRIAL_STEPS, Divergence, Watch, suggest_lr, trial_on, with_suggestion
from engine.network import Network
from engine.passes import Pass
from engine.optimizers import OPTIMIZERS

HISTORY_MAX_STEPS = 1000
HISTORY_MAX_BYTES = 8_000_000
HISTORY_MIN_STEPS = 50
CURVE_MAX_POINTS = 1000
LR_CHOICES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


@dataclass(frozen=True)
class Snapshot:
    """The state after ``step`` updates (step 0: the initial weights, no gradients).

    ``dW``/``db`` are the gradients of the minibatch of that step (the ones that moved the weights
    from step−1 to step); ``loss`` that minibatch's loss; ``lr`` the learning rate used;
    ``delta_mean`` the mean |δ| of each unit over that minibatch.
    """

    step: int
    epoch: float
    weights: Tuple[np.ndarray, ...]
    biases: Tuple[np.ndarray, ...]
    dW: Optional[Tuple[np.ndarray, ...]]
    db: Optional[Tuple[np.ndarray, ...]]
    loss: Optional[float]
    lr: float
    delta_mean: Optional[Tuple[np.ndarray, ...]] = None   # mean |δ| = |∂L/∂z| per unit over the minibatch


@dataclass(frozen=True)
class CurvePoint:
    """Loss (data loss, no penalty) and accuracy on the whole train and test sets after ``step``."""

    step: int
    epoch: float
    train_loss: float
    test_loss: Optional[float]
    train_acc: Optional[float]
    test_acc: Optional[float]


class History:
    """Snapshots of every step up to ``limit``, then thinned by halves (see the module docstring).

    Stored packed: one float64 row per snapshot (step, epoch, lr, loss, which optional fields are
    there, then every array of the snapshot flattened) in one array that grows by doubling up to
    ``limit`` rows. A playing session used to keep ≈ 15 small NumPy arrays and tuples per step,
    thousands per student, in Python's small-object heap, where a class of 30 left 20 MB of
    half-empty pools behind after it had gone (benchmarks/memory_profile.py); a few large blocks
    go back to the system when the session ends. ``at`` rebuilds a ``Snapshot`` whose arrays are
    views of its own copy of the row, so it stays valid whatever the history does next.
    """

    META = ("step", "epoch", "lr", "loss", "has")   # the first columns of a row
    _HAS_DW, _HAS_DB, _HAS_LOSS, _HAS_DELTA = 1, 2, 4, 8
    FIRST_ROWS = 64

    def __init__(self, limit: int = HISTORY_MAX_STEPS):
        if limit < 2:
            raise ValueError(f"limit: expected at least 2 snapshots, got {limit}")
        self.limit = int(limit)
        self.stride = 1
        self._rows: Optional[np.ndarray] = None   # (capacity, width); the first ``_n`` rows are used
        self._n = 0
        self._shapes: Optional[Tuple[Tuple[int, ...], ...]] = None   # weights' shapes, then biases'

    @staticmethod
    def row_width(weight_shapes, bias_shapes) -> int:
        """Floats in one packed snapshot: the META columns, weights and dW, biases, db and mean |δ|."""
        n_w = sum(int(np.prod(s)) for s in weight_shapes)
        n_b = sum(int(np.prod(s)) for s in bias_shapes)
        return len(History.META) + 2 * n_w + 3 * n_b

    def wants(self, step: int) -> bool:
        """Whether ``record`` keeps a snapshot of ``step`` (it is on the current stride)."""
        return step % self.stride == 0

    def record(self, snap: Snapshot, always: bool = False) -> None:
        """Keep ``snap`` if its step is on the current stride (``always``: whatever its step, e.g. the
        step a paused run stopped on; the next thinning may drop it)."""
        if snap.step % self.stride and not always:
            return
        row = self._pack(snap)
        if self._rows is None:
            self._rows = np.empty((min(self.FIRST_ROWS, self.limit), row.size))
        elif self._n == len(self._rows):
            grown = np.empty((min(2 * len(self._rows), self.limit), self._rows.shape[1]))
            grown[:self._n] = self._rows[:self._n]
            self._rows = grown
        self._rows[self._n] = row
        self._n += 1
        if self._n >= self.limit:
            self.stride *= 2
            kept = self._rows[:self._n][self._rows[:self._n, 0] % self.stride == 0]
            self._n = len(kept)
            self._rows[:self._n] = kept

    def truncate(self, step: int) -> None:
        """Drop the snapshots after ``step``."""
        self._n = int(np.searchsorted(self._step_column(), step, side="right"))

    @property
    def steps(self) -> List[int]:
        return self._step_column().astype(np.int64).tolist()

    @property
    def snapshots(self) -> List[Snapshot]:
        """Every recorded snapshot, oldest first (rebuilt from the packed rows on each access)."""
        return [self._unpack(i) for i in range(self._n)]

    def latest(self) -> Snapshot:
        if not self._n:
            raise ValueError("step: nothing is recorded yet")
        return self._unpack(self._n - 1)

    def at(self, step: int) -> Snapshot:
        """The snapshot of ``step``; ValueError naming the nearest recorded steps otherwise."""
        steps = self._step_column()
        i = int(np.searchsorted(steps, step))
        if i < len(steps) and steps[i] == step:
            return self._unpack(i)
        near = [int(steps[j]) for j in (i - 1, i) if 0 <= j < len(steps)]
        raise ValueError(f"step: {step} is not recorded (every {self.stride} step(s) kept); nearest: {near}")

    def losses(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps, epochs, minibatch losses) of the recorded steps that have a loss (step 0 has none)."""
        rows = np.empty((0, len(self.META))) if self._rows is None else self._rows[:self._n, :len(self.META)]
        has = (rows[:, 4].astype(np.int64) & self._HAS_LOSS) > 0
        return rows[has, 0].astype(np.int64), rows[has, 1], rows[has, 3]

    @property
    def nbytes(self) -> int:
        """Bytes held by the packed rows (allocated, used or not)."""
        return 0 if self._rows is None else self._rows.nbytes

    # ------------------------------------------------------------------ packing
    def _step_column(self) -> np.ndarray:
        return np.empty(0) if self._rows is None else self._rows[:self._n, 0]

    def _pack(self, s: Snapshot) -> np.ndarray:
        shapes = tuple(np.shape(W) for W in s.weights) + tuple(np.shape(b) for b in s.biases)
        if self._shapes is None:
            self._shapes = shapes
        elif shapes != self._shapes:
            raise ValueError(f"snapshot: expected weight and bias shapes {self._shapes}, got {shapes}")
        n_w = len(s.weights)
        has = ((s.dW is not None) * self._HAS_DW | (s.db is not None) * self._HAS_DB
               | (s.loss is not None) * self._HAS_LOSS | (s.delta_mean is not None) * self._HAS_DELTA)
        meta = np.array([s.step, s.epoch, s.lr, np.nan if s.loss is None else s.loss, has], dtype=np.float64)
        w_shapes, b_shapes = self._shapes[:n_w], self._shapes[n_w:]
        parts = [meta, *s.weights, *(s.dW if s.dW is not None else (np.full(sh, np.nan) for sh in w_shapes)),
                 *s.biases, *(s.db if s.db is not None else (np.full(sh, np.nan) for sh in b_shapes)),
                 *(s.delta_mean if s.delta_mean is not None else (np.full(sh, np.nan) for sh in b_shapes))]
        return np.concatenate([np.ravel(np.asarray(p, dtype=np.float64)) for p in parts])

    def _unpack(self, i: int) -> Snapshot:
        row = self._rows[i].copy()
        n_w = len(self._shapes) // 2
        w_shapes, b_shapes = self._shapes[:n_w], self._shapes[n_w:]
        at = len(self.META)

        def take(shapes):
            nonlocal at
            out = []
            for sh in shapes:
                size = int(np.prod(sh))
                out.append(row[at:at + size].reshape(sh))
                at += size
            return tuple(out)

        weights, dW, biases, db, delta = take(w_shapes), take(w_shapes), take(b_shapes), take(b_shapes), take(b_shapes)
        step, epoch, lr, loss, has = row[:len(self.META)]
        has = int(has)
        return Snapshot(step=int(step), epoch=float(epoch), weights=weights, biases=biases,
                        dW=dW if has & self._HAS_DW else None, db=db if has & self._HAS_DB else None,
                        loss=float(loss) if has & self._HAS_LOSS else None, lr=float(lr),
                        delta_mean=delta if has & self._HAS_DELTA else None)


class Trainer:
    """Minibatch training of ``net`` on (X_train, Y_train), evaluated on (X_test, Y_test).

    Parameters
    ----------
    net : Network
        Trained in place.
    X_train, X_test : (n, sizes[0]) arrays
        Network inputs (after the feature transform). ``X_test`` may have 0 rows.
    y_train, y_test : (n,) arrays
        Class labels (binary: 0/1; multiclass: 0 … k−1) or regression targets.
    task : "binary", "multiclass" or "regression"
    lr, batch_size, seed : the learning rate, the minibatch size (clipped to the train set), the seed
        of the epoch order.
    history_bytes : int
        Memory budget of the step history; its step limit is
        clip(history_bytes // bytes per snapshot, HISTORY_MIN_STEPS, HISTORY_MAX_STEPS).
    lr_choices : the learning rates the page offers; after a divergence the smaller ones are tried.
    """

    def __init__(self, net: Network, X_train, y_train, X_test, y_test, task: str, lr: float = 0.03,
                 batch_size: int = 10, seed: int = 0, history_bytes: int = HISTORY_MAX_BYTES,
                 lr_choices: Sequence[float] = LR_CHOICES):
        if task not in ("binary", "multiclass", "regression"):
            raise ValueError(f"task: expected 'binary', 'multiclass' or 'regression', got {task!r}")
        self.net, self.task, self.seed = net, task, int(seed)
        self.X_train, self.Y_train = net.prepare(X_train, self._targets(y_train))
        self.y_train = np.asarray(y_train)
        self.X_test = np.asarray(X_test, dtype=np.float64).reshape(-1, net.sizes[0])
        self.y_test = np.asarray(y_test)
        self.Y_test = self._targets(y_test) if len(self.y_test) else None
        self.lr = self._check_lr(lr)
        self.batch_size = self._check_batch(batch_size)
        self.step_count = 0
        self.epoch_count = 0
        self.cursor = 0  # points of the current epoch already used
        self._order = self._epoch_order(0)
        self.divergence: Optional[Divergence] = None
        self.watch = Watch()
        self.lr_choices = tuple(float(v) for v in lr_choices)
        self.last_pass: Optional[Pass] = None
        self.steps_per_second = 0.0
        per_snapshot = 8 * History.row_width([W.shape for W in net.weights], [b.shape for b in net.biases])
        self.history = History(int(np.clip(history_bytes // per_snapshot, HISTORY_MIN_STEPS, HISTORY_MAX_STEPS)))
        self.curve: List[CurvePoint] = []
        self._curve_stride = 1
        self.history.record(self._snapshot(None))
        self._record_curve()

    # ------------------------------------------------------------------ live settings
    def set_lr(self, lr: float) -> None:
        """Change the learning rate; weights and optimizer state are kept. Clears a divergence stop:
        the run continues from the last healthy weights it was paused at."""
        self.lr = self._check_lr(lr)
        if self.divergence is not None:
            self.divergence = None
            self.watch.restart()

    def set_batch_size(self, batch_size: int) -> None:
        self.batch_size = self._check_batch(batch_size)

    def set_regularization(self, l1: float, l2: float) -> None:
        for key, value in (("l1", l1), ("l2", l2)):
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{key}: expected a finite number ≥ 0, got {value!r}")
        self.net.l1, self.net.l2 = float(l1), float(l2)

    def set_optimizer(self, name: str) -> None:
        """Switch optimizer, keeping the weights; its memory (velocity, moments) starts fresh."""
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer: unknown name {name!r}; expected one of {', '.join(OPTIMIZERS)}")
        if name != self.net.optimizer:
            self.net.optimizer = name
            self.net.optimizer_state = {}

    # ------------------------------------------------------------------ running
    @property
    def n_train(self) -> int:
        return self.X_train.shape[0]

    @property
    def epoch(self) -> float:
        """Epochs done, with the fraction of the current one."""
        return self.epoch_count + self.cursor / self.n_train

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n_train // self.batch_size)

    def step(self) -> Optional[Pass]:
        """One minibatch update. Returns the Pass, or None when stopped by a divergence."""
        if self.divergence is not None:
            return None
        idx = self._order[self.cursor: self.cursor + self.batch_size]
        r = self.net.step(self.X_train[idx], self.Y_train[idx], self.lr)
        self.last_pass = r
        d = self.watch.observe(self.step_count + 1, r, self.lr, self.net)
        if d is not None:
            self._pause(d)
            return r
        self.step_count += 1
        self.cursor += len(idx)
        if self.cursor >= self.n_train:
            self.epoch_count += 1
            self.cursor = 0
            self._order = self._epoch_order(self.epoch_count)
            self._record_curve()
        if self.history.wants(self.step_count):   # (a thinned history skips most steps: no copy for those)
            self.history.record(self._snapshot(r, copy=False))
        return r

    def run(self, steps: Optional[int] = None, seconds: Optional[float] = None,
            epoch_limit: Optional[int] = None) -> int:
        """Step until ``steps`` steps, ``seconds`` of wall time, ``epoch_limit`` epochs or a divergence,
        whichever comes first. Returns the number of steps taken; updates ``steps_per_second``."""
        start = time.perf_counter()
        done = 0
        while steps is None or done < steps:
            if epoch_limit is not None and self.epoch_count >= epoch_limit:
                break
            if self.step() is None or self.divergence is not None:
                break
            done += 1
            if seconds is not None and time.perf_counter() - start >= seconds:
                break
        elapsed = time.perf_counter() - start
        if done and elapsed > 0:
            self.steps_per_second = done / elapsed
        return done

    def run_epoch(self, epoch_limit: Optional[int] = None) -> int:
        """Step to the end of the current epoch (a full epoch from an epoch boundary)."""
        target = self.epoch_count + 1
        done = 0
        while self.epoch_count < target and self.divergence is None:
            if epoch_limit is not None and self.epoch_count >= epoch_limit:
                break
            self.step()
            done += 1
        return done

    def rewind(self, step: int) -> None:
        """Continue from a recorded step: its exact weights and its place in its epoch (the same
        minibatches follow); the history and curve points after it are dropped and the optimizer's
        memory (velocity, moments) starts fresh."""
        snap = self.history.at(step)
        self.net.set_parameters(list(snap.weights), list(snap.biases))
        self.step_count = snap.step
        self.epoch_count = int(snap.epoch)
        self.cursor = int(round((snap.epoch - self.epoch_count) * self.n_train))
        self._order = self._epoch_order(self.epoch_count)
        self.history.truncate(step)
        self.curve = [p for p in self.curve if p.step <= step]
        self.start_fresh()

    def start_fresh(self) -> None:
        """Go on from the current weights as after a rewind: the optimizer's memory (velocity, moments)
        starts fresh and the divergence watch starts over. A replay of a rewound run calls it at the
        step the run was rewound to, so it takes the same path."""
        self.net.optimizer_state = {}
        self.divergence = None
        self.last_pass = None
        self.watch.restart()

    def _pause(self, d: Divergence) -> None:
        """Stop at a diverging step: back to the last healthy weights kept in the history, then try the
        smaller learning rates from there (``engine.divergence.suggest_lr``)."""
        if d.healthy_step is None:
            self.divergence = d
            return
        steps = self.history.steps
        healthy = max(s for s in steps if s <= d.healthy_step)
        self.rewind(healthy)
        before = self.evaluate().train_loss
        upcoming = self._upcoming(TRIAL_STEPS)
        trial = trial_on(self.net, lambda i: (self.X_train[upcoming[i]], self.Y_train[upcoming[i]]),
                         lambda net: self._measure(net, self.X_train, self.Y_train, self.y_train)[0], TRIAL_STEPS)
        suggestion = suggest_lr(trial, before, self.lr, self.lr_choices, TRIAL_STEPS,
                                offer_clipping=self.net.clip_norm is None)
        self.divergence = with_suggestion(replace(d, healthy_step=healthy, healthy_loss=before), suggestion)

    def _upcoming(self, n: int) -> List[np.ndarray]:
        """The indices of the next ``n`` minibatches (across epoch ends), without moving the run."""
        cursor, epoch, order, out = self.cursor, self.epoch_count, self._order, []
        for _ in range(n):
            idx = order[cursor: cursor + self.batch_size]
            out.append(idx)
            cursor += len(idx)
            if cursor >= self.n_train:
                epoch, cursor = epoch + 1, 0
                order = self._epoch_order(epoch)
        return out

    # ------------------------------------------------------------------ measuring
    def evaluate(self, net: Optional[Network] = None) -> CurvePoint:
        """Data loss and accuracy of ``net`` (default: the trained one) on the train and test sets."""
        net = net or self.net
        train_loss, train_acc = self._measure(net, self.X_train, self.Y_train, self.y_train)
        test_loss = test_acc = None
        if self.Y_test is not None:
            test_loss, test_acc = self._measure(net, self.X_test, self.Y_test, self.y_test)
        return CurvePoint(self.step_count, self.epoch, train_loss, test_loss, train_acc, test_acc)

    def weights_at(self, step: int):
        """Exact (weights, biases) after ``step`` updates, for any recorded step."""
        snap = self.history.at(step)
        return [W.copy() for W in snap.weights], [b.copy() for b in snap.biases]

    def network_at(self, step: int) -> Network:
        """A copy of the network holding the weights of ``step`` (for drawing a rewound state)."""
        twin = self.net.copy()
        twin.set_parameters(*self.weights_at(step))
        return twin

    # ------------------------------------------------------------------ internals
    def _targets(self, y) -> np.ndarray:
        y = np.asarray(y)
        if self.task == "multiclass":
            return np.eye(self.net.sizes[-1])[y.astype(np.int64)]
        return y.astype(np.float64).reshape(-1, 1)

    def _epoch_order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch]).permutation(self.n_train)

    def _measure(self, net, X, Y, y):
        z, a = net.forward(X)
        with np.errstate(all="ignore"):
            loss = float(np.mean(net.loss.per_sample(a[-1], z[-1], Y)))
        yhat = a[-1]
        if self.task == "binary":
            acc = float(np.mean((yhat[:, 0] > 0.5) == (y > 0.5)))
        elif self.task == "multiclass":
            acc = float(np.mean(np.argmax(yhat, axis=1) == y))
        else:
            acc = None
        return loss, acc

    def _snapshot(self, r: Optional[Pass], copy: bool = True) -> Snapshot:
        """The current state; ``copy=False`` shares the live arrays (only for ``History.record``, which
        packs them into its own row at once)."""
        net = self.net
        c = np.copy if copy else (lambda a: a)
        return Snapshot(
            step=self.step_count, epoch=self.epoch,
            weights=tuple(c(W) for W in net.weights), biases=tuple(c(b) for b in net.biases),
            dW=None if r is None else tuple(c(g) for g in r.dW),
            db=None if r is None else tuple(c(g) for g in r.db),
            loss=None if r is None else float(r.loss), lr=self.lr,
            delta_mean=None if r is None else tuple(np.abs(d).mean(axis=0) for d in r.delta))

    def _record_curve(self) -> None:
        if self.epoch_count % self._curve_stride:
            return
        self.curve.append(self.evaluate())
        if len(self.curve) >= CURVE_MAX_POINTS:
            self._curve_stride *= 2
            self.curve = [p for p in self.curve if round(p.epoch) % self._curve_stride == 0]

    def _check_lr(self, lr) -> float:
        if not (np.isfinite(lr) and lr >= 0):
            raise ValueError(f"lr: expected a finite learning rate ≥ 0, got {lr!r}")
        return float(lr)

    def _check_batch(self, batch_size) -> int:
        if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
            raise ValueError(f"batch_size: expected an integer ≥ 1, got {batch_size!r}")
        return int(min(batch_size, self.n_train))

