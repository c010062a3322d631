"""Playback of training in frames: the server trains ahead, the browser plays the frames.

A *frame* is what the playing page shows at one moment: the step and epoch, the train/test loss and
accuracy, the network's output over the plane (8-bit over a fixed scale) and, every few frames, every
neuron's map and the weights (for the graph's edge colours). ``Producer.chunk`` trains a ``Trainer``
ahead by ``frames × steps_per_frame`` steps and returns the frames; it keeps a ``Checkpoint`` (the
trainer's complete state) at every frame it produced lately, so a pause on any frame the browser
showed puts the trainer back exactly there (``Producer.pause_at``): weights, optimizer memory, place
in the epoch, history and curve, as if training had stopped at that step.

Encoding: ``encode_levels`` maps values on a fixed range [lo, hi] to 0…255 (``LEVELS`` = 255 steps);
``decode_levels`` is its inverse, exact to half a level (|decoded − value| ≤ (hi − lo) / 510 inside
the range). ``heat_values`` turns the network output into the number a heatmap colours, with its range
(the same quantities ``components.playground.figures.boundary_figure`` colours).

On the wire (``pack``): a chunk's boundary grids are stacked, each frame's bytes minus the previous
frame's (mod 256; consecutive frames differ little) and deflated (zlib level 1) into one base64
string; the neuron maps and the weights of the detail frames likewise (without the difference). About
3× smaller than base64 of the raw levels, for ≈ 6 ms of CPU per chunk of 45 frames.

NumPy and the standard library only.
"""
import base64
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from engine.training import Trainer

LEVELS = 255


# ---------------------------------------------------------------- 8-bit encoding
def encode_levels(values, lo: float, hi: float) -> bytes:
    """Values on [lo, hi] as one byte each: round((v − lo) / (hi − lo) · 255), clipped; NaN → the middle."""
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"lo, hi: expected finite numbers with lo < hi, got {lo!r}, {hi!r}")
    v = np.asarray(values, dtype=np.float64).ravel()
    t = np.clip((np.nan_to_num(v, nan=(lo + hi) / 2, posinf=hi, neginf=lo) - lo) / (hi - lo), 0.0, 1.0)
    return np.rint(t * LEVELS).astype(np.uint8).tobytes()


def decode_levels(data: bytes, lo: float, hi: float) -> np.ndarray:
    """The inverse of ``encode_levels``: (n,) float64 values lo + level / 255 · (hi − lo)."""
    return lo + np.frombuffer(data, dtype=np.uint8).astype(np.float64) / LEVELS * (hi - lo)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def heat_values(output: np.ndarray, task: str, n_classes: int = 2, y_range: float = 1.0,
                discretize: bool = False) -> Tuple[np.ndarray, float, float]:
    """(z, lo, hi): what the boundary heatmap colours at each grid point, and its fixed range.

    binary: ŷ = P(class 1) on [0, 1] (discretised: 0.15 / 0.85 by the 0.5 threshold);
    multiclass: (class + 0.05 + 0.9 · confidence) / k on [0, 1], confidence = (max P − 1/k) / (1 − 1/k)
    (discretised: confidence 1); regression: ŷ on [−y_range, y_range] (discretised: steps of 0.2).
    """
    out = np.nan_to_num(np.asarray(output, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if task == "binary":
        p = out[:, 0]
        return ((p > 0.5) * 0.7 + 0.15 if discretize else p), 0.0, 1.0
    if task == "multiclass":
        k = int(n_classes)
        cls = np.argmax(out, axis=1)
        conf = np.max(out, axis=1)
        level = np.ones_like(conf) if discretize else np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
        return (cls + 0.05 + 0.9 * level) / k, 0.0, 1.0
    v = out[:, 0]
    m = float(y_range) if y_range > 0 else 1.0
    return (np.round(v * 5) / 5 if discretize else v), -m, m


# ---------------------------------------------------------------- checkpoints
@dataclass
class Checkpoint:
    """Everything that decides how a trainer continues from ``step`` (see ``capture``/``restore``)."""

    step: int
    epoch_count: int
    cursor: int
    parameters: List[np.ndarray]
    optimizer_state: dict
    curve_len: int
    curve_stride: int
    last_pass: object
    steps_per_second: float
    optimizer: str = "sgd"


def capture(t: Trainer) -> Checkpoint:
    opt = {k: ([x.copy() for x in v] if isinstance(v, list) else v) for k, v in t.net.optimizer_state.items()}
    return Checkpoint(t.step_count, t.epoch_count, t.cursor, [p.copy() for p in t.net.parameters()], opt,
                      len(t.curve), t._curve_stride, t.last_pass, t.steps_per_second, t.net.optimizer)


def restore(t: Trainer, cp: Checkpoint) -> None:
    """Put ``t`` back to ``cp``: weights, optimizer memory, place in the epoch; history and curve points
    after ``cp.step`` are dropped. Live settings (learning rate, …) stay as they are now; when the
    optimizer was switched since, its memory starts fresh (as ``Trainer.set_optimizer`` does)."""
    for p, saved in zip(t.net.parameters(), cp.parameters):
        p[...] = saved
    same = t.net.optimizer == cp.optimizer
    t.net.optimizer_state = {k: ([x.copy() for x in v] if isinstance(v, list) else v)
                             for k, v in cp.optimizer_state.items()} if same else {}
    t.step_count, t.epoch_count, t.cursor = cp.step, cp.epoch_count, cp.cursor
    t._order = t._epoch_order(cp.epoch_count)
    t.history.truncate(cp.step)
    if not t.history.steps or t.history.steps[-1] != cp.step:   # thinned away: the paused step is kept
        t.history.record(t._snapshot(cp.last_pass), always=True)
    if t._curve_stride == cp.curve_stride:
        del t.curve[cp.curve_len:]
    t.curve = [p for p in t.curve if p.step <= cp.step]
    t.divergence = None
    t.last_pass = cp.last_pass
    t.steps_per_second = cp.steps_per_second


# ---------------------------------------------------------------- frames
@dataclass
class Chunk:
    """Frames computed ahead: ``frames`` (JSON-ready dicts, see ``Producer.frame``); ``stop`` is None,
    "diverged", "epoch_limit" or "time_limit" when the last frame is where play ends; ``cpu_seconds``
    the thread CPU time spent."""

    seq: int
    frames: List[dict]
    stop: Optional[str]
    cpu_seconds: float


@dataclass
class Producer:
    """Trains ``trainer`` ahead in frames of ``steps_per_frame`` steps and encodes them.

    Parameters
    ----------
    trainer : Trainer
    grid_inputs : (G*G, sizes[0]) array
        The grid points of the plane after the input features (row-major in x₂).
    task, n_classes, y_range : as in ``heat_values``
    thumb_step : int
        Neuron maps use every ``thumb_step``-th grid point in each direction.
    detail_every : int
        Neuron maps and weights are sent every this many frames (and on the first and last frame).
    keep_chunks : int
        Checkpoints of this many latest chunks are kept (the frames the browser may be showing).
    detail_extra : callable, optional
        ``trainer -> dict`` merged into every detail frame (the page's own encodings, e.g. the last
        step's gradients as ``grads`` bytes, which ``pack`` sends like the weights).
    """

    trainer: Trainer
    grid_inputs: np.ndarray
    task: str
    n_classes: int = 2
    y_range: float = 1.0
    thumb_step: int = 2
    detail_every: int = 3
    keep_chunks: int = 3
    discretize: bool = False
    detail_extra: Optional[Callable[[Trainer], dict]] = None
    seq: int = 0
    _checkpoints: Dict[int, Checkpoint] = field(default_factory=dict)
    _chunk_steps: List[List[int]] = field(default_factory=list)

    def chunk(self, frames: int, steps_per_frame: int, epoch_limit: Optional[int] = None,
              cpu_budget: Optional[float] = None, seconds_left: Optional[float] = None, fps: float = 30.0,
              wall_budget: Optional[float] = None, between: Optional[Callable[[], None]] = None) -> Chunk:
        """Train and encode up to ``frames`` frames of ``steps_per_frame`` steps each.

        Stops early at a divergence, at ``epoch_limit``, after ``cpu_budget`` seconds of this thread's
        CPU time or ``wall_budget`` seconds of wall time (a busy machine or BLAS threads; at least one
        frame is made), or after ``seconds_left`` of play at ``fps`` frames/s
        (the auto-pause); the last frame then carries the reason in ``Chunk.stop``.

        ``between`` is called before each frame after the first (a server lets other work go first
        there); the time it takes does not count against ``wall_budget``."""
        if frames < 1 or steps_per_frame < 1:
            raise ValueError(f"frames, steps_per_frame: expected ≥ 1, got {frames}, {steps_per_frame}")
        t = self.trainer
        start = time.thread_time()
        out, stop, steps = [], None, []
        if seconds_left is not None and seconds_left <= 0:
            stop = "time_limit"
        wall = time.perf_counter()
        while stop is None and len(out) < frames:
            if between is not None and out:
                waited = time.perf_counter()
                between()
                wall += time.perf_counter() - waited
            if epoch_limit is not None and t.epoch_count >= epoch_limit:
                stop = "epoch_limit"
                break
            before = t.step_count
            t.run(steps=steps_per_frame, epoch_limit=epoch_limit)
            if t.divergence is not None:
                stop = "diverged"
            elif epoch_limit is not None and t.epoch_count >= epoch_limit:
                stop = "epoch_limit"
            elif seconds_left is not None and (len(out) + 1) / fps >= seconds_left:
                stop = "time_limit"
            if t.step_count == before and out:
                break
            self._checkpoints[t.step_count] = capture(t)
            steps.append(t.step_count)
            last = stop is not None or len(out) + 1 == frames
            out.append(self.frame(detail=last or not out or len(out) % self.detail_every == 0))
            if cpu_budget is not None and time.thread_time() - start >= cpu_budget:
                break
            if wall_budget is not None and time.perf_counter() - wall >= wall_budget:
                break
        elapsed = time.perf_counter() - wall
        if elapsed > 0 and steps:
            t.steps_per_second = (steps[-1] - (steps[0] - steps_per_frame)) / elapsed
        if stop is not None and not out:
            self._checkpoints[t.step_count] = capture(t)
            steps.append(t.step_count)
            out.append(self.frame(detail=True))
        self.seq += 1
        self._chunk_steps.append(steps)
        while len(self._chunk_steps) > self.keep_chunks:
            for s in self._chunk_steps.pop(0):
                if s not in steps:
                    self._checkpoints.pop(s, None)
        return Chunk(self.seq, out, stop, time.thread_time() - start)

    def frame(self, detail: bool) -> dict:
        """The trainer's current state as one frame: step, epoch, train/test loss and accuracy (None when
        missing or not finite), ``finite`` (the output has no NaN/inf), ``heat`` (G² bytes: ``heat_values``
        8-bit, row-major in x₂); with ``detail`` also ``maps`` (every neuron's a / max|a| on the
        thumbnail grid, 8-bit over [−1, 1], layer by layer), ``map_scales`` (each max|a|), ``weights``
        (every weight, concatenated ``W.ravel()``s, 8-bit over [−m, m]) and ``weight_range`` m.
        ``pack`` makes frames JSON-ready."""
        t = self.trainer
        point = t.evaluate()
        _, a = t.net.forward(self.grid_inputs)
        z, lo, hi = heat_values(a[-1], self.task, self.n_classes, self.y_range, self.discretize)
        f = {"step": t.step_count, "epoch": round(t.epoch, 4), "train_loss": _num(point.train_loss),
             "test_loss": _num(point.test_loss), "train_acc": _num(point.train_acc),
             "test_acc": _num(point.test_acc), "finite": bool(np.isfinite(a[-1]).all()),
             "heat": encode_levels(z, lo, hi)}
        if detail:
            G = int(round(np.sqrt(len(self.grid_inputs))))
            maps, scales = [], []
            for layer in a:   # every unit of the layer at once: (n, T, T), unit by unit in the bytes
                m = layer.T.reshape(-1, G, G)[:, ::self.thumb_step, ::self.thumb_step]
                size = np.max(np.abs(np.where(np.isfinite(m), m, 0.0)), axis=(1, 2))
                size = np.where(np.isfinite(m).any(axis=(1, 2)) & (size > 0), size, 1.0)
                with np.errstate(invalid="ignore"):
                    maps.append(encode_levels(np.clip(m / size[:, None, None], -1, 1), -1.0, 1.0))
                scales += [_num(v) for v in size]
            f["maps"] = b"".join(maps)
            f["map_scales"] = scales
            flat = np.concatenate([W.ravel() for W in t.net.weights])
            finite = flat[np.isfinite(flat)]
            m = float(np.max(np.abs(finite))) if finite.size else 1.0
            f["weight_range"] = _num(m if m > 0 else 1.0)
            f["weights"] = encode_levels(flat, -f["weight_range"], f["weight_range"])
            if self.detail_extra is not None:
                f.update(self.detail_extra(t))
        return f

    def pause_at(self, step: int) -> bool:
        """Put the trainer at ``step`` (a frame produced lately) and forget what was trained beyond it.
        Returns False (trainer untouched) when no frame of that step is kept."""
        t = self.trainer
        if step == t.step_count:
            self.forget()
            return True
        cp = self._checkpoints.get(int(step))
        if cp is None:
            return False
        restore(t, cp)
        self.forget()
        return True

    def forget(self) -> None:
        """Drop the checkpoints (after a pause, a reset or any change of the trainer's course)."""
        self._checkpoints.clear()
        self._chunk_steps.clear()

    def checkpoint(self, step: int) -> Optional[Checkpoint]:
        """The kept checkpoint of a frame's step (None when that frame is no longer kept)."""
        return self._checkpoints.get(int(step))

    @property
    def kept_steps(self) -> List[int]:
        return sorted(self._checkpoints)


def pack(frames: List[dict]) -> dict:
    """Frames as sent: ``frames`` keep their numbers (``detail``: whether maps and weights came with
    it); ``heat``, ``maps``, ``weights`` are base64 of deflated bytes (see the module docstring)."""
    meta = [{k: v for k, v in f.items() if k not in ("heat", "maps", "weights", "grads")} | {"detail": "maps" in f}
            for f in frames]
    heat = np.stack([np.frombuffer(f["heat"], dtype=np.uint8) for f in frames]) if frames else np.zeros((0, 0))
    delta = np.diff(heat.astype(np.int16), axis=0, prepend=0).astype(np.uint8)
    detail = [f for f in frames if "maps" in f]
    return {"frames": meta, "heat": b64(zlib.compress(delta.tobytes(), 1)),
            "maps": b64(zlib.compress(b"".join(f["maps"] for f in detail), 1)),
            "weights": b64(zlib.compress(b"".join(f["weights"] for f in detail), 1)),
            "grads": b64(zlib.compress(b"".join(f.get("grads", b"") for f in detail), 1))}


def unpack(packed: dict) -> List[dict]:
    """The inverse of ``pack`` (what player.js does): frames with their ``heat``, ``maps``, ``weights`` bytes."""
    frames = [dict(f) for f in packed["frames"]]
    if not frames:
        return frames
    delta = np.frombuffer(zlib.decompress(base64.b64decode(packed["heat"])), dtype=np.uint8)
    heat = np.cumsum(delta.reshape(len(frames), -1).astype(np.int64), axis=0) % 256
    maps = zlib.decompress(base64.b64decode(packed["maps"]))
    weights = zlib.decompress(base64.b64decode(packed["weights"]))
    detail = [f for f in frames if f["detail"]]
    m, w = len(maps) // max(1, len(detail)), len(weights) // max(1, len(detail))
    for f, row in zip(frames, heat):
        f["heat"] = row.astype(np.uint8).tobytes()
    grads = zlib.decompress(base64.b64decode(packed["grads"])) if "grads" in packed else b""
    for i, f in enumerate(detail):
        f["maps"], f["weights"] = maps[i * m:(i + 1) * m], weights[i * w:(i + 1) * w]
        if grads:
            f["grads"] = grads[i * w:(i + 1) * w]     # one level per weight, as the weights
    return frames


def _num(x) -> Optional[float]:
    """A JSON number (None for missing or non-finite values)."""
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def thumb_size(grid: int, step: int) -> int:
    return len(range(0, grid, step))


def grid_inputs(extent: Sequence[float], resolution: int, transform_fn) -> np.ndarray:
    """The plane's resolution² grid points (row-major in x₂) through ``transform_fn`` (the features)."""
    x_min, x_max, y_min, y_max = extent
    gx, gy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    return transform_fn(np.column_stack([gx.ravel(), gy.ravel()]))
