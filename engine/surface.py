"""The loss as a function of one or two parameters, all others held: slope, secant, surface and paths.

A derivative is the slope of the tangent; a gradient is a direction with a length; gradient descent
steps against it. This module computes the numbers behind those pictures for any plain network
(no residual connections, no normalisation), on the batch (X, Y) the caller gives:

- ``loss_at(net, X, Y, params, values)``: L for many values of one or two parameters at once. The
  values are an extra leading axis of the forward pass (layers before the first varied one are
  computed once; a varied weight W[j, k] ← v only adds (v − W[j, k])·a_k to z_j), so a 60 × 60 grid
  is one pass over 3,600 rows (one matrix product per layer), not 3,600 passes.
- ``slope(...)``: L(w) over a window, the tangent (slope = ∂L/∂w of ``Network.backward``) and where one
  update w − α ∂L/∂w lands, with its loss.
- ``secant(...)`` / ``secant_sweep(...)``: (L(w + h) − L(w − h)) / 2h and its difference to ∂L/∂w.
- ``surface(...)``: L over a grid of two parameters, ∇L = (∂L/∂w_i, ∂L/∂w_j) and −∇L in that plane.
- ``descent_path(...)``: the next N steps of SGD, momentum or Adam (``engine.optimizers``) moving only
  the two parameters (the others held), so the path lies exactly on the drawn slice.
- ``param_path(snapshots, params)``: the two parameters' values after each applied update.

Parameter ids are the engine's: "W{l}:{j}:{k}" = weights[l][j, k], "b{l}:{j}" = biases[l][j]
(``engine.ids.parse_id``). Bad input raises ValueError naming the field; nothing is changed.
"""
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from engine.optimizers import OPTIMIZERS
from engine.ids import parse_id

MAX_HALF_WIDTH = 100.0      # a window reaches at most this far from the current value, each side
MIN_HALF_WIDTH = 1e-6
DEFAULT_HALF_WIDTH = 1.0    # at least this far; wider when one update would land outside
MIN_CURVE_POINTS, MAX_CURVE_POINTS = 11, 2001
DEFAULT_CURVE_POINTS = 201
MIN_GRID, MAX_GRID = 5, 151  # points per side of a surface grid
DEFAULT_GRID = 60
MIN_H, MAX_H = 1e-15, 10.0   # secant step h
MAX_AHEAD = 200              # steps of a predicted path
MAX_POINTS = 40_000          # parameter values evaluated in one call (rows of the batched pass)


@dataclass(frozen=True)
class Slope:
    """L as a function of one parameter w, all others held.

    Attributes
    ----------
    param : str
        The parameter id, e.g. "W1:0:0".
    value, loss, grad : float
        w now, L(w) and ∂L/∂w from ``Network.backward`` (the tangent's slope).
    lr : float
        Learning rate α of the update shown.
    w, L : (n,) arrays
        The window's values of w and the loss at each.
    landing, landing_loss : float
        w − α ∂L/∂w (one plain gradient-descent update of this parameter) and the loss there.
    """

    param: str
    value: float
    loss: float
    grad: float
    lr: float
    w: np.ndarray
    L: np.ndarray
    landing: float
    landing_loss: float

    def tangent(self, w) -> np.ndarray:
        """The tangent line L(w₀) + ∂L/∂w · (w − w₀)."""
        with np.errstate(all="ignore"):
            return self.loss + self.grad * (np.asarray(w, dtype=np.float64) - self.value)


@dataclass(frozen=True)
class Secant:
    """The secant through w − h and w + h: slope (L(w + h) − L(w − h)) / 2h next to ∂L/∂w."""

    param: str
    h: float
    w_minus: float
    w_plus: float
    L_minus: float
    L_plus: float
    slope: float
    grad: float

    @property
    def difference(self) -> float:
        """secant slope − ∂L/∂w."""
        return self.slope - self.grad


@dataclass(frozen=True)
class Surface:
    """L over a grid of two parameters, all others held.

    Attributes
    ----------
    params : (str, str)
        x-axis and y-axis parameter ids.
    centre : (float, float)
        Their current values (the point).
    loss : float
        L at the point.
    grad : (float, float)
        ∇L in this plane = (∂L/∂w_x, ∂L/∂w_y) from ``Network.backward``.
    xs, ys : (nx,), (ny,) arrays
    Z : (ny, nx) array
        Z[r, c] = L with w_x = xs[c], w_y = ys[r]; inf/NaN where the pass overflowed.
    """

    params: Tuple[str, str]
    centre: Tuple[float, float]
    loss: float
    grad: Tuple[float, float]
    xs: np.ndarray
    ys: np.ndarray
    Z: np.ndarray

    @property
    def descent(self) -> Tuple[float, float]:
        """−∇L in this plane: the direction gradient descent moves the point."""
        return (-self.grad[0], -self.grad[1])

    @property
    def length(self) -> float:
        """|∇L| = √(∂L/∂w_x² + ∂L/∂w_y²)."""
        return math.hypot(*self.grad)


@dataclass(frozen=True)
class Path:
    """The next steps of one optimizer from the point, moving only ``params`` (the others held).

    ``points`` (k + 1, 2): the start, then the parameters after each step; ``losses`` (k + 1,) the loss
    at each. ``diverged``: the loss or a gradient overflowed; the path stops at the last finite point.
    """

    optimizer: str
    lr: float
    params: Tuple[str, str]
    points: np.ndarray
    losses: np.ndarray
    diverged: bool


# ---------------------------------------------------------------------- parameters
def check_param(sizes, pid, field: str = "parameter") -> tuple:
    """("weight", l, j, k) or ("bias", l, j) for a parameter id of a ``sizes`` network; ValueError naming
    ``field`` otherwise (a node id, a layer that does not exist, an index out of range)."""
    try:
        kind, *idx = parse_id(str(pid))
    except ValueError:
        raise ValueError(f"{field}: expected a parameter id 'W{{l}}:{{j}}:{{k}}' or 'b{{l}}:{{j}}', "
                         f"got {pid!r}") from None
    n_layers = len(sizes) - 1
    if kind == "node":
        raise ValueError(f"{field}: {pid!r} is a node, not a parameter; expected 'W{{l}}:{{j}}:{{k}}' or 'b{{l}}:{{j}}'")
    l = idx[0]
    if not 0 <= l < n_layers:
        raise ValueError(f"{field}: {pid!r} names weight layer {l}, but this {list(sizes)} network has "
                         f"layers 0 … {n_layers - 1}")
    j = idx[1]
    if j >= sizes[l + 1] or (kind == "weight" and idx[2] >= sizes[l]):
        shape = f"({sizes[l + 1]}, {sizes[l]})" if kind == "weight" else f"({sizes[l + 1]},)"
        raise ValueError(f"{field}: {pid!r} is outside layer {l}, whose {'weights' if kind == 'weight' else 'biases'} "
                         f"have shape {shape}")
    return (kind, *idx)


def param_ids(sizes) -> List[str]:
    """Every parameter id in ``Network.parameters()`` order: W0 row by row, b0, W1, b1, …"""
    out = []
    for l in range(len(sizes) - 1):
        out += [f"W{l}:{j}:{k}" for j in range(sizes[l + 1]) for k in range(sizes[l])]
        out += [f"b{l}:{j}" for j in range(sizes[l + 1])]
    return out


def get_value(weights, biases, pid: str) -> float:
    kind, l, j, *k = parse_id(pid)
    return float(weights[l][j, k[0]] if kind == "weight" else biases[l][j])


def gradient_of(r, pid: str) -> float:
    """∂L/∂(pid) from a ``Pass``."""
    kind, l, j, *k = parse_id(pid)
    return float(r.dW[l][j, k[0]] if kind == "weight" else r.db[l][j])


def top_pair(net, X, Y) -> Tuple[str, str]:
    """The two parameters with the largest |∂L/∂w| at this point (ties: the earlier first)."""
    r = net.backward(X, Y)
    ids = param_ids(net.sizes)
    g = np.concatenate([np.concatenate([dW.ravel(), db]) for dW, db in zip(r.dW, r.db)])
    with np.errstate(invalid="ignore"):
        order = np.argsort(-np.nan_to_num(np.abs(g), nan=-1.0, posinf=np.finfo(float).max), kind="stable")
    return ids[int(order[0])], ids[int(order[1])]


def _plain(net) -> None:
    for option in ("residual_layers", "norm"):
        if getattr(net, option, None):
            raise ValueError("net: the loss surface is drawn for plain fully connected networks; "
                             f"'{option}' is set")


# ---------------------------------------------------------------------- the batched pass
def loss_at(net, X, Y, params: Sequence[str], values) -> np.ndarray:
    """The loss (penalty included, as ``Pass.loss``) with ``params`` set to each row of ``values``.

    Parameters
    ----------
    net : Network
        Unchanged.
    X, Y : a batch, as ``Network.backward`` accepts it.
    params : sequence of m parameter ids (distinct).
    values : (P, m) array (or (P,) when m = 1): P settings of the m parameters.

    Returns
    -------
    (P,) array
    """
    _plain(net)
    params = list(params)
    refs = [check_param(net.sizes, p, f"params[{i}]") for i, p in enumerate(params)]
    if len(set(params)) != len(params):
        raise ValueError(f"params: expected different parameters, got {params}")
    V = np.asarray(values, dtype=np.float64)
    if V.ndim == 1 and len(params) == 1:
        V = V[:, None]
    if V.ndim != 2 or V.shape[1] != len(params):
        raise ValueError(f"values: expected shape (P, {len(params)}), got {V.shape}")
    if not 1 <= V.shape[0] <= MAX_POINTS:
        raise ValueError(f"values: expected 1 … {MAX_POINTS} settings, got {V.shape[0]}")
    X, Y = net.prepare(X, Y)
    P, B = V.shape[0], X.shape[0]
    first = min(ref[1] for ref in refs)
    with np.errstate(all="ignore"):
        a = X
        for l in range(first):
            a = net.activations[l].f(a @ net.weights[l].T + net.biases[l])
        batched = False               # a is (B, n) until the first varied layer, then (P·B, n): row p·B + s
        for l in range(first, net.n_layers):
            W, b = net.weights[l], net.biases[l]
            z = a @ W.T                                   # one 2-D product, not P small ones
            z += b
            if not batched:
                z = np.tile(z, (P, 1))
            z3 = z.reshape(P, B, -1)
            for i, ref in enumerate(refs):
                if ref[1] != l:
                    continue
                change = V[:, i] - (W[ref[2], ref[3]] if ref[0] == "weight" else b[ref[2]])
                if ref[0] == "bias":
                    z3[:, :, ref[2]] += change[:, None]
                else:
                    a_k = a[:, ref[3]] if not batched else a[:, ref[3]].reshape(P, B)
                    z3[:, :, ref[2]] += change[:, None] * a_k
            batched = True
            a = net.activations[l].f(z)
        per_sample = net.loss.per_sample(a, z, np.tile(Y, (P, 1)))
        loss = per_sample.reshape(P, B).mean(axis=1)
        if net.l1 or net.l2:
            base = sum(net.l1 * float(np.abs(W).sum()) + 0.5 * net.l2 * float((W * W).sum()) for W in net.weights)
            loss = loss + base
            for i, ref in enumerate(refs):
                if ref[0] == "weight":
                    w = net.weights[ref[1]][ref[2], ref[3]]
                    loss = loss + net.l1 * (np.abs(V[:, i]) - abs(w)) + 0.5 * net.l2 * (V[:, i] ** 2 - w * w)
    return loss


# ---------------------------------------------------------------------- one parameter
def _window(half, field) -> float:
    half = float(half)
    if not (math.isfinite(half) and MIN_HALF_WIDTH <= half <= MAX_HALF_WIDTH):
        raise ValueError(f"{field}: expected a half-width from {MIN_HALF_WIDTH:g} to {MAX_HALF_WIDTH:g}, got {half!r}")
    return half


def _lr(lr) -> float:
    lr = float(lr)
    if not (math.isfinite(lr) and lr >= 0):
        raise ValueError(f"lr: expected a finite learning rate ≥ 0, got {lr!r}")
    return lr


def auto_half_width(step: float) -> float:
    """DEFAULT_HALF_WIDTH, or 1.5 × |α ∂L/∂w| when one update would land further away (capped)."""
    step = abs(step) if math.isfinite(step) else MAX_HALF_WIDTH
    return float(min(max(DEFAULT_HALF_WIDTH, 1.5 * step), MAX_HALF_WIDTH))


def slope(net, X, Y, param: str, lr: float, half_width: Optional[float] = None,
          points: int = DEFAULT_CURVE_POINTS) -> Slope:
    """L(w) for w = the parameter ``param`` over [w − half_width, w + half_width], all others held.

    ``half_width`` None: ``auto_half_width(α ∂L/∂w)`` so the landing point is in view. ``points``: how
    many values of w (odd, so the current value is one of them).
    """
    _plain(net)
    check_param(net.sizes, param, "parameter")
    lr = _lr(lr)
    if not (isinstance(points, (int, np.integer)) and MIN_CURVE_POINTS <= points <= MAX_CURVE_POINTS):
        raise ValueError(f"points: expected a whole number from {MIN_CURVE_POINTS} to {MAX_CURVE_POINTS}, "
                         f"got {points!r}")
    X, Y = net.prepare(X, Y)
    r = net.backward(X, Y)
    grad = gradient_of(r, param)
    w0 = get_value(net.weights, net.biases, param)
    half = auto_half_width(lr * grad) if half_width is None else _window(half_width, "half_width")
    points = int(points) | 1
    w = w0 + half * np.linspace(-1.0, 1.0, points)
    w[points // 2] = w0
    landing = w0 - lr * grad
    L = loss_at(net, X, Y, [param], np.append(w, landing))
    return Slope(param=param, value=w0, loss=float(r.loss), grad=grad, lr=lr, w=w, L=L[:-1],
                 landing=float(landing), landing_loss=float(L[-1]))


def _h(h, field="h") -> float:
    h = float(h)
    if not (math.isfinite(h) and MIN_H <= h <= MAX_H):
        raise ValueError(f"{field}: expected a step from {MIN_H:g} to {MAX_H:g}, got {h!r}")
    return h


def secant_sweep(net, X, Y, param: str, hs: Sequence[float]) -> List[Secant]:
    """The central difference of L at ``param`` for each step h in ``hs`` (one batched pass)."""
    check_param(net.sizes, param, "parameter")
    hs = [_h(h, f"hs[{i}]") for i, h in enumerate(hs)]
    X, Y = net.prepare(X, Y)
    grad = gradient_of(net.backward(X, Y), param)
    w0 = get_value(net.weights, net.biases, param)
    plus = np.array([w0 + h for h in hs])
    minus = np.array([w0 - h for h in hs])
    L = loss_at(net, X, Y, [param], np.concatenate([minus, plus]))
    out = []
    with np.errstate(all="ignore"):
        for i, h in enumerate(hs):
            Lm, Lp = float(L[i]), float(L[len(hs) + i])
            out.append(Secant(param=param, h=h, w_minus=float(minus[i]), w_plus=float(plus[i]), L_minus=Lm,
                              L_plus=Lp, slope=(Lp - Lm) / (2.0 * h),
                              grad=grad))
    return out


def secant(net, X, Y, param: str, h: float) -> Secant:
    """The secant through w − h and w + h (see ``secant_sweep``)."""
    return secant_sweep(net, X, Y, param, [_h(h)])[0]


# ---------------------------------------------------------------------- two parameters
def surface(net, X, Y, params: Sequence[str], half_widths=None, grid=DEFAULT_GRID, lr: float = 0.0) -> Surface:
    """L over a grid of two parameters around their current values, all others held.

    Parameters
    ----------
    params : (x-axis id, y-axis id), different parameters.
    half_widths : None, a number or (hx, hy)
        How far the window reaches each side; None: ``auto_half_width(α ∂L/∂w)`` per axis.
    grid : int or (nx, ny)
        Points per side, MIN_GRID … MAX_GRID (odd counts put the current value on the grid).
    lr : float
        Only used for the automatic window.
    """
    _plain(net)
    params = tuple(params)
    if len(params) != 2:
        raise ValueError(f"params: expected two parameter ids, got {len(params)}")
    for i, p in enumerate(params):
        check_param(net.sizes, p, f"params[{i}]")
    if params[0] == params[1]:
        raise ValueError(f"params: expected two different parameters, got {params[0]!r} twice")
    lr = _lr(lr)
    nx, ny = (grid, grid) if np.isscalar(grid) else tuple(grid)
    for name, n in (("grid", nx), ("grid", ny)):
        if not (isinstance(n, (int, np.integer)) and MIN_GRID <= n <= MAX_GRID):
            raise ValueError(f"{name}: expected a whole number of points per side from {MIN_GRID} to {MAX_GRID}, "
                             f"got {n!r}")
    X, Y = net.prepare(X, Y)
    r = net.backward(X, Y)
    grad = tuple(gradient_of(r, p) for p in params)
    centre = tuple(get_value(net.weights, net.biases, p) for p in params)
    if half_widths is None:
        halves = tuple(auto_half_width(lr * g) for g in grad)
    else:
        hw = (half_widths, half_widths) if np.isscalar(half_widths) else tuple(half_widths)
        if len(hw) != 2:
            raise ValueError(f"half_widths: expected one number or two, got {len(hw)}")
        halves = tuple(_window(h, f"half_widths[{i}]") for i, h in enumerate(hw))
    xs = centre[0] + halves[0] * np.linspace(-1.0, 1.0, int(nx))
    ys = centre[1] + halves[1] * np.linspace(-1.0, 1.0, int(ny))
    GX, GY = np.meshgrid(xs, ys)
    Z = loss_at(net, X, Y, params, np.column_stack([GX.ravel(), GY.ravel()])).reshape(int(ny), int(nx))
    return Surface(params=params, centre=centre, loss=float(r.loss), grad=grad, xs=xs, ys=ys, Z=Z)


def descent_path(net, X, Y, params: Sequence[str], lr: float, steps: int, optimizer: str = "sgd",
                 hyper: Optional[Dict[str, float]] = None) -> Path:
    """The next ``steps`` updates of ``optimizer`` from here, moving only ``params`` (the others held).

    The optimizer starts with empty memory (no velocity, Adam's t = 0); ``hyper`` defaults to the
    network's (momentum μ, β₁, β₂, ε). Gradients are the engine's ∂L/∂w of the same batch.
    """
    _plain(net)
    params = tuple(params)
    for i, p in enumerate(params):
        check_param(net.sizes, p, f"params[{i}]")
    if len(set(params)) != len(params):
        raise ValueError(f"params: expected different parameters, got {list(params)}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer: unknown name {optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")
    if not (isinstance(steps, (int, np.integer)) and 1 <= steps <= MAX_AHEAD):
        raise ValueError(f"steps: expected a whole number from 1 to {MAX_AHEAD}, got {steps!r}")
    lr = _lr(lr)
    twin = net.copy()
    X, Y = twin.prepare(X, Y)
    refs = [parse_id(p) for p in params]
    hyper = dict(twin.hyper if hyper is None else hyper)
    state: dict = {}
    points, losses, diverged = [], [], False
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            r = twin.backward(X, Y)
            now = np.array([get_value(twin.weights, twin.biases, p) for p in params])
            g = np.array([gradient_of(r, p) for p in params])
            if not (r.finite and np.isfinite(g).all()):
                diverged = True
                break
            points.append(now)
            losses.append(float(r.loss))
            if t == steps:
                break
            new = now + OPTIMIZERS[optimizer].update([g], state, lr, hyper)[0]
            if not np.isfinite(new).all():
                diverged = True
                break
            for (kind, l, j, *k), v in zip(refs, new):
                if kind == "weight":
                    twin.weights[l][j, k[0]] = v
                else:
                    twin.biases[l][j] = v
    return Path(optimizer=optimizer, lr=lr, params=params, points=np.array(points).reshape(-1, len(params)),
                losses=np.array(losses), diverged=diverged)


def param_path(snapshots, params: Sequence[str]) -> np.ndarray:
    """(k, m): the values of ``params`` in each (weights, biases) snapshot, e.g. after each applied update."""
    return np.array([[get_value(W, b, p) for p in params] for W, b in snapshots]).reshape(-1, len(params))


MAX_CHECKED = 400  # the "check every gradient" table compares at most this many entries (sampled from seed 0)


def gradient_table(net, X, Y, max_entries: Optional[int] = MAX_CHECKED) -> Tuple[List[dict], object]:
    """Every parameter's ∂L/∂w (backprop), its central difference and their relative error, in
    ``Network.parameters()`` order, from ``engine.gradcheck.gradient_check``; rows keyed by parameter id.

    Returns (rows, GradCheck). With more entries than ``max_entries`` a seeded sample is checked.
    """
    from engine.gradcheck import gradient_check
    check = gradient_check(net, X, Y, max_entries=max_entries if net.n_params > (max_entries or 0) else None)
    rows = []
    for name, num, ana, err in zip(check.names, check.numeric, check.analytic, check.rel_error):
        l = int(name.lstrip("Wb"))
        for idx in zip(*np.nonzero(~np.isnan(err))):
            pid = f"W{l}:{idx[0]}:{idx[1]}" if name[0] == "W" else f"b{l}:{idx[0]}"
            rows.append({"id": pid, "backprop": float(ana[idx]), "central_difference": float(num[idx]),
                         "rel_error": float(err[idx])})
    order = {p: i for i, p in enumerate(param_ids(net.sizes))}
    rows.sort(key=lambda row: order[row["id"]])
    return rows, check
