"""One model of a run that blows up or freezes, used by every page (step-through, gradient lab, playground).

Diverging — a step s is *diverging* when the first of these holds (checked in this order):

    nonfinite  any z, a, the loss, any δ = ∂L/∂z or gradient of the pass (a gradient too large to square,
               |g| ≳ 10¹⁵⁴, counts) or any parameter after the update is ∞ or NaN;
    multiple   the loss passes START_MULTIPLE (10⁶) × the first loss of the run (the first loss taken as
               at least LOSS_FLOOR = 0.01, so a run that starts near a perfect fit is not flagged for
               reaching 0.01);
    growth     the loss rose on each of the last GROWTH_WINDOW (5) steps and grew by GROWTH_FACTOR (10³)
               or more over them. A single spike that falls back is not a trend and is never flagged.

The *last healthy* state is the one before the rise: the weights used by the pass of the last step whose
loss did not rise (the lowest loss before the run-up), i.e. the weights after ``healthy_step`` updates.
A page pauses there, shows where the numbers first grew (in computation order: forward z/a of layer
1 … L, the loss, backward δ of layer L … 1) and what to try. "Continue with a smaller α" is checked, not
promised: ``suggest_lr`` tries the page's smaller learning rates from the healthy weights for
TRIAL_STEPS steps and names the largest one whose loss fell by PROGRESS (10 %) or more; when none does,
the advice is "Reset: these weights are already too large".

Saturated — a hidden layer is *saturated* when f′(u) < SATURATED_BELOW (0.01) for at least
SATURATED_SHARE (90 %) of its (sample, unit) values: δ = (δ_next W) ⊙ f′ is multiplied by almost 0 there
(exactly 0 where f′ underflows, e.g. tanh(u) = ±1 exactly), so the layers below it barely learn. A ReLU
layer with z ≤ 0 everywhere is the same state (relu′ = 0), named "dead".

Layers are numbered as on screen: layer l = 1 … L is ``weights[l-1]`` (L: the output layer).
"""
import math
from collections import deque
from dataclasses import dataclass, replace
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from engine.activations import ACTIVATIONS
from engine.formatting import format_number, sup

GROWTH_FACTOR = 1e3
GROWTH_WINDOW = 5
START_MULTIPLE = 1e6
LOSS_FLOOR = 1e-2
SATURATED_BELOW = 0.01
SATURATED_SHARE = 0.9
TRIAL_STEPS = 25
PROGRESS = 0.1
MAX_TRIALS = 10
KEEP_PASS_BELOW = 1 << 14   # z values: a pass this small is kept whole as the healthy reference (≤ ~0.4 MB)
GREW_NAMED = 10.0   # the first quantity (computation order) that grew this much is named as where it began

RULES = ("nonfinite", "multiple", "growth")
PHASES = ("forward", "loss", "backward", "update")


def fmt(x) -> str:
    """A number in the divergence words: the one formatter (``engine.formatting.format_number``), 3 digits."""
    return format_number(x, 3)


def rules_text() -> str:
    """The thresholds in words, as the pages and the README state them."""
    return (f"diverging = any z, a, loss, δ or weight is ∞/NaN, or the loss passes "
            f"10{sup(int(math.log10(START_MULTIPLE)))} × the first loss, or it rose {GROWTH_WINDOW} steps in a row "
            f"by ×10{sup(int(math.log10(GROWTH_FACTOR)))} or more; saturated = f′ < {SATURATED_BELOW:g} for "
            f"{SATURATED_SHARE:.0%} of a layer's values")


@dataclass(frozen=True)
class Where:
    """Where a pass first went wrong or grew: ``phase`` "forward" (z/a of ``layer``), "loss", "backward"
    (δ of ``layer``) or "update" (the parameters after the step); ``before``/``after`` the magnitudes
    (max |·|) at the healthy step and now, when known."""

    phase: str
    layer: int
    before: Optional[float] = None
    after: Optional[float] = None

    def text(self) -> str:
        what = {"forward": f"z/a of layer {self.layer} (forward pass)", "loss": "the loss",
                "backward": f"δ = ∂L/∂z of layer {self.layer} (backward pass)",
                "update": f"the weights of layer {self.layer} (update)"}[self.phase]
        if self.before is not None and self.after is not None:
            if not math.isfinite(self.after):
                return f"{what}: max |·| {fmt(self.before)} → {fmt(self.after)}"
            return f"{what}: max |·| grew {fmt(self.before)} → {fmt(self.after)}"
        return what


@dataclass(frozen=True)
class Suggestion:
    """The result of trying smaller learning rates from the healthy weights: ``lr`` the largest that made
    progress (None: none did), the loss before and after ``steps`` trial steps, and the rates tried."""

    lr: Optional[float]
    before: float
    after: Optional[float]
    steps: int
    tried: Tuple[float, ...]
    offer_clipping: bool = False   # the page has gradient clipping and it is off: name it as a way out

    def text(self, healthy_step: int) -> str:
        if self.lr is not None:
            return (f"Continue with α = {self.lr:g}: tried from step {healthy_step:,}'s weights, the loss fell "
                    f"{fmt(self.before)} → {fmt(self.after)} in {self.steps} steps.")
        if not self.tried:
            return "Reset: these weights are already too large, and this page offers no smaller α."
        return (f"Reset: these weights are already too large — no smaller α ({', '.join(f'{v:g}' for v in self.tried)}) "
                f"made the loss fall from step {healthy_step:,}'s weights in {self.steps} steps. Lower the initial "
                f"weight scale{' or turn on gradient clipping' if self.offer_clipping else ''}, then reset.")


@dataclass(frozen=True)
class Divergence:
    """The first diverging step of a run and what is known about it.

    ``step`` is the update count of the pass that diverged (1-based); ``rule`` one of RULES; ``loss`` its
    loss; ``reference`` the loss the rule compares with (the first loss, or the loss GROWTH_WINDOW steps
    before); ``where`` where the numbers first went wrong or grew; ``healthy_step`` the update count of
    the last healthy weights (None: even the first pass overflowed); ``healthy_loss`` their loss;
    ``rise`` the (step, loss) pairs from the healthy step to this one (drawn on the loss curve);
    ``suggestion`` the checked advice, filled in by the page's run after trying smaller rates.
    """

    step: int
    rule: str
    loss: float
    reference: float
    where: Where
    lr: float
    healthy_step: Optional[int]
    healthy_loss: Optional[float]
    rise: Tuple[Tuple[int, float], ...] = ()
    suggestion: Optional[Suggestion] = None

    @property
    def phase(self) -> str:
        return self.where.phase

    @property
    def layer(self) -> int:
        return self.where.layer

    def why(self) -> str:
        if self.rule == "nonfinite":
            return f"{self.where.text()} stopped being finite (∞ or NaN)"
        if self.rule == "multiple":
            return (f"the loss {fmt(self.loss)} passed 10{sup(int(math.log10(START_MULTIPLE)))} × the first loss "
                    f"({fmt(self.reference)}); it began in {self.where.text()}")
        return (f"the loss rose {GROWTH_WINDOW} steps in a row, {fmt(self.reference)} → {fmt(self.loss)} "
                f"(×{fmt(self.loss / self.reference) if self.reference > 0 else '∞'}; the limit is "
                f"×10{sup(int(math.log10(GROWTH_FACTOR)))}); it began in {self.where.text()}")

    @property
    def message(self) -> str:
        """The words every page shows for this state."""
        head = f"Diverging at step {self.step:,} (α = {self.lr:g}): {self.why()}."
        if self.healthy_step is None:
            return (head + " Even the first step overflowed: there are no healthy weights to go back to. "
                    "Reset: these weights are already too large — lower the initial weight scale, then reset.")
        paused = (f" Paused with the weights of step {self.healthy_step:,} (loss {fmt(self.healthy_loss)}), "
                  "the last healthy ones.")
        advice = (" " + self.suggestion.text(self.healthy_step)) if self.suggestion is not None else (
            " Try a smaller α, a smaller initial weight scale or gradient clipping.")
        return head + paused + advice


def _max_abs(x) -> float:
    with np.errstate(all="ignore"):
        x = np.asarray(x)
        return float(np.max(np.abs(x))) if x.size else 0.0


def locate_nonfinite(p, params: Optional[Sequence[np.ndarray]] = None) -> Optional[Where]:
    """Where the first inf/NaN of a pass appeared, in computation order (forward 1 … L, the loss, backward
    L … 1, then the parameters after the update when ``params`` is given); None when all is finite."""
    with np.errstate(all="ignore"):
        L = len(p.z)
        for l, z in enumerate(p.z):
            if not (np.isfinite(z).all() and np.isfinite(p.a[l + 1]).all()):
                return Where("forward", l + 1, after=_max_abs(np.nan_to_num(z, nan=np.inf)))
        if not np.isfinite(p.loss):
            return Where("loss", L)
        # like the engine's Pass.finite: a gradient whose square overflows (|g| > ~1e154) counts as diverged
        for l in range(L - 1, -1, -1):
            if not (np.isfinite(p.delta[l]).all() and np.isfinite(np.vdot(p.dW[l], p.dW[l]))
                    and np.isfinite(np.vdot(p.db[l], p.db[l]))):
                return Where("backward", l + 1)
        n_norm = len(getattr(p, "dgamma", []))
        for l, g in enumerate(list(getattr(p, "dgamma", [])) + list(getattr(p, "dbeta", []))):
            if not np.isfinite(np.vdot(g, g)):
                return Where("backward", l % max(1, n_norm) + 1)
        if params is not None:
            for i, w in enumerate(params):
                if not math.isfinite(float(np.add.reduce(np.ravel(w)))) and not np.isfinite(w).all():
                    return Where("update", min(i // 2, L - 1) + 1)
    return None


def profile(p) -> Tuple[float, ...]:
    """max |·| of what a pass computes, in computation order: z of layer 1 … L, the loss, δ of layer L … 1
    (2L + 1 numbers: what ``where_it_grew`` compares, kept instead of the pass's arrays)."""
    L = len(p.z)
    return (tuple(_max_abs(p.z[l]) for l in range(L)) + (abs(float(p.loss)),)
            + tuple(_max_abs(p.delta[l]) for l in range(L - 1, -1, -1)))


def where_it_grew(healthy, now) -> Where:
    """The first quantity, in computation order, whose max |·| grew GREW_NAMED× or more from the healthy
    pass (or its ``profile``) to this pass (else the one that grew most): forward z of layer 1 … L, the loss, backward δ
    L … 1."""
    L = len(now.z)
    names = ([("forward", l + 1) for l in range(L)] + [("loss", L)]
             + [("backward", l + 1) for l in range(L - 1, -1, -1)])
    if not isinstance(healthy, tuple):
        healthy = profile(healthy)
    best, best_ratio = None, -1.0
    for (phase, layer), before, after in zip(names, healthy, profile(now)):
        with np.errstate(all="ignore"):
            ratio = after / before if before > 0 else (np.inf if after > 0 else 1.0)
        w = Where(phase, layer, before, after)
        if ratio >= GREW_NAMED:
            return w
        if ratio > best_ratio:
            best, best_ratio = w, ratio
    return best


class Watch:
    """Follows a run step by step and says at which step it starts diverging (see the module docstring).

    ``observe(step, p)`` after every step, with the pass of that step (and the parameters after its
    update); returns a ``Divergence`` at the first diverging step, else None. O(1) memory: the last
    GROWTH_WINDOW + 1 losses and the last low point's pass when small, else its ``profile`` (2L + 1
    numbers; a 50 × 64 lab network's pass at batch 512 is ~40 MB). ``restart(step)`` after the run went back
    to the weights of ``step`` (the first loss is kept: it is the run's yardstick).
    """

    def __init__(self):
        self.first_loss: Optional[float] = None
        self._threshold = math.inf
        self._recent: deque = deque(maxlen=GROWTH_WINDOW + 1)   # (step, loss)
        self._low: Optional[Tuple[int, float, tuple]] = None   # (step, loss, profile) of the last non-rising step
        self._rise: List[Tuple[int, float]] = []

    @property
    def low_step(self) -> Optional[int]:
        """The step of the last loss that did not rise (its pass used the last healthy weights)."""
        return None if self._low is None else self._low[0]

    @property
    def threshold(self) -> Optional[float]:
        """The loss beyond which the run is diverging (START_MULTIPLE × the first loss, floored)."""
        return None if self.first_loss is None else self._threshold

    def restart(self) -> None:
        self._recent.clear()
        self._low = None
        self._rise = []

    def observe(self, step: int, p, lr: float, params: Optional[Sequence[np.ndarray]] = None) -> Optional[Divergence]:
        """The verdict after step ``step``: its pass ``p`` (a ``Pass`` or any record with z, a, delta, dW,
        db, loss, finite), its learning rate, and the parameters after its update ([W0, b0, W1, …], or
        the ``Network`` itself: the cheaper check on the trainer's hot path)."""
        loss = float(p.loss)
        if hasattr(params, "_flat_parameters"):   # a Network: one reduction over its flat storage, lists only if needed
            params_ok = _params_finite((params._flat_parameters(),))
            params = params.parameters() if not (p.finite and params_ok) else None
        else:
            params_ok = params is None or _params_finite(params)
        where = None if p.finite and params_ok else locate_nonfinite(p, params)
        if where is None and not p.finite:   # Pass.finite False but every array finite: the loss
            where = Where("loss", len(p.z))
        prev = self._recent[-1] if self._recent else None
        self._recent.append((step, loss))
        rising = prev is not None and not (loss <= prev[1])
        if where is None and self.first_loss is None:
            self.first_loss = loss
            self._threshold = START_MULTIPLE * max(loss, LOSS_FLOOR)
        if not rising and where is None and not loss > self._threshold:
            # a small pass is kept as it is (its profile is computed only if a divergence needs it: the
            # trainer's hot path); a large one (the deep lab networks) is reduced to its profile at once
            small = sum(z.size for z in p.z) <= KEEP_PASS_BELOW
            self._low = (step, loss, p if small else profile(p))
            self._rise = [(step, loss)]
            return None
        self._rise.append((step, loss))
        healthy = self._low
        base = dict(step=step, loss=loss, lr=float(lr),
                    healthy_step=None if healthy is None else healthy[0] - 1,
                    healthy_loss=None if healthy is None else healthy[1], rise=tuple(self._rise))
        if where is not None:
            return Divergence(rule="nonfinite", reference=np.nan, where=where, **base)
        if loss > self._threshold:
            return Divergence(rule="multiple", reference=self.first_loss,
                              where=where_it_grew(healthy[2], p) if healthy else Where("loss", len(p.z)), **base)
        if (len(self._recent) == GROWTH_WINDOW + 1 and healthy is not None and step - healthy[0] >= GROWTH_WINDOW
                and loss >= GROWTH_FACTOR * self._recent[0][1]):
            return Divergence(rule="growth", reference=self._recent[0][1], where=where_it_grew(healthy[2], p), **base)
        return None


def _params_finite(params) -> bool:
    """One sum per array: finite exactly when every value is (unless the sum itself passes 10³⁰⁸: diverged)."""
    with np.errstate(all="ignore"):
        return all(math.isfinite(np.add.reduce(w, None)) for w in params)


def smaller_rates(lr: float, choices: Sequence[float]) -> Tuple[float, ...]:
    """The page's learning rates below ``lr``, largest first, at most MAX_TRIALS of them."""
    return tuple(sorted((float(c) for c in choices if 0 < c < lr), reverse=True)[:MAX_TRIALS])


def suggest_lr(trial: Callable[[float], Tuple[bool, float]], before: float, lr: float,
               choices: Sequence[float], steps: int = TRIAL_STEPS, offer_clipping: bool = False) -> Suggestion:
    """Try the page's smaller rates, largest first: ``trial(rate)`` runs ``steps`` steps from the healthy
    weights and returns (diverged, loss after). The first rate whose loss fell to ≤ (1 − PROGRESS) ×
    ``before`` without diverging is the suggestion; None when no rate did."""
    tried = smaller_rates(lr, choices)
    for rate in tried:
        diverged, after = trial(rate)
        if not diverged and math.isfinite(after) and after <= (1.0 - PROGRESS) * before:
            return Suggestion(rate, before, after, steps, tried, offer_clipping)
    return Suggestion(None, before, None, steps, tried, offer_clipping)


def trial_on(net, batches: Callable[[int], tuple], evaluate: Callable[[object], float], steps: int = TRIAL_STEPS):
    """A ``trial`` for ``suggest_lr``: ``steps`` updates of a copy of ``net`` (the healthy weights) on
    ``batches(i)`` = (X, Y), watched by the same model; returns (diverged, ``evaluate(copy)``)."""
    def run(rate: float):
        twin = net.copy()
        twin.optimizer_state = {}
        watch = Watch()
        for i in range(steps):
            X, Y = batches(i)
            p = twin.step(X, Y, rate)
            if watch.observe(i + 1, p, rate, twin) is not None:
                return True, float("inf")
        with np.errstate(all="ignore"):
            return False, float(evaluate(twin))
    return run


# ---------------------------------------------------------------------- saturation
@dataclass(frozen=True)
class Saturation:
    """Per hidden layer (layer 1 … L−1): the share of (sample, unit) values with f′ < SATURATED_BELOW,
    whether its δ is exactly 0, and the activation's name. ``layers`` lists the saturated ones."""

    share: Tuple[float, ...]
    delta_zero: Tuple[bool, ...]
    activation: Tuple[str, ...]

    @property
    def layers(self) -> List[int]:
        return [l + 1 for l, s in enumerate(self.share) if s >= SATURATED_SHARE]

    @property
    def message(self) -> str:
        """"" when no layer is saturated; else one sentence naming the layers and the numbers."""
        parts = []
        for l in self.layers:
            i = l - 1
            word = "dead (z ≤ 0, relu′ = 0)" if self.activation[i] in ("relu",) else "saturated"
            if self.delta_zero[i]:
                parts.append(f"every unit of layer {l} is {word}: δ is exactly 0")
            else:
                parts.append(f"layer {l} is {word}: f′ < {SATURATED_BELOW:g} for {self.share[i]:.0%} of its values")
        if not parts:
            return ""
        return ("Frozen, not diverging: " + "; ".join(parts) + ". δ = (δ_next W) ⊙ f′ is multiplied by (almost) 0 "
                "there, so the layers below barely learn. Waiting does not unfreeze them: reset with a smaller initial "
                "weight scale or a smaller α.")


def saturation(p, activation_names: Sequence[str]) -> Saturation:
    """Saturation of the hidden layers of a finite pass (the output layer is the loss's business)."""
    share, zero = [], []
    u_list = (p.extras or {}).get("u") or [None] * len(p.z)
    f_list = (p.extras or {}).get("f") or [None] * len(p.z)
    with np.errstate(all="ignore"):
        for l, name in enumerate(activation_names[:-1]):
            act = ACTIVATIONS.get(name)
            u = p.z[l] if u_list[l] is None else u_list[l]
            fu = p.a[l + 1] if f_list[l] is None else f_list[l]
            share.append(float(np.mean(act.df(u, fu) < SATURATED_BELOW)) if act is not None and act.df else 0.0)
            zero.append(bool(np.all(p.delta[l] == 0)))
    return Saturation(tuple(share), tuple(zero), tuple(activation_names[:-1]))


def with_suggestion(d: Divergence, s: Suggestion) -> Divergence:
    return replace(d, suggestion=s)
