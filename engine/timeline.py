"""One training step cut into the steps a student watches: forward, loss, backward, update.

``build_timeline(net, X, Y, lr)`` runs ``Network.step`` once on a copy of the network and slices its
record into ``2L + 3`` steps for L weight layers::

    start  ->  forward through layer 1 … L  ->  loss  ->  backward through layer L … 1  ->  update

Every step carries the values known after it (the others are None), a title, a caption and the
equations of that step with the actual numbers substituted (LaTeX, written by ``engine.equations``). Because the numbers are the very
arrays of ``net.step``, stepping through can never disagree with the vectorised pass.

Batches: X may hold up to ``MAX_BATCH`` samples. The arrays keep the whole batch (``z[l]`` is
(batch, n)); the equations and the table show one sample (``sample``, default 0) for z, a and δ,
and the batch gradients ∂L/∂W, ∂L/∂b (the mean over the batch, what the update uses).

Layer numbering on screen: weights[l] is "layer l + 1" (W^{(l+1)}), it computes the nodes "L{l+1}:N{j}".
Node ids "L{l}:N{j}", weight ids "W{l}:{j}:{k}" (= weights[l][j, k]), bias ids "b{l}:{j}" (``engine.ids``);
labels are 1-based. Numbers are written by ``engine.formatting.tex_number``.
"""
import functools
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from engine.equations import (_backward_equations, _forward_equations, _loss_equations, _quiet, _start_equations,
                              _update_equations)
from engine.formatting import sub, sup
from engine.ids import node_label

MAX_BATCH = 8
KINDS = ("start", "forward", "loss", "backward", "update")


@dataclass
class Step:
    """What is known after one step of the timeline.

    Attributes
    ----------
    index : int
        Position in the timeline, 0 … total - 1.
    kind : str
        "start" | "forward" | "loss" | "backward" | "update".
    layer : int or None
        Weight-layer index l (weights[l]) for forward/backward steps, None otherwise.
    title, caption : str
        "Backward through layer 2"; "Step 7 of 9 — backward through layer 2" (1-based step number).
    nodes : list of str
        Ids touched by this step: node ids first, then weight ids "W{l}:{j}:{k}" and bias ids "b{l}:{j}"
        (forward: the layer's nodes and the weights it uses; backward and update: the parameters whose
        gradient / value it computes).
    z, delta, dW, db : lists of len L; a : list of len L + 1
        Aligned like ``Pass``; an entry is the array when known after this step, else None.
        z[l], a[l+1], delta[l]: (batch, n); dW[l]: (n_out, n_in); db[l]: (n_out,).
    loss : float or None
        Batch loss (penalty included), known from the "loss" step on.
    dL_dyhat : (batch, n_out) array or None
    sample_loss : (batch,) array or None
    weights, biases : lists of arrays
        Parameters in force after this step: the old ones until "update", the new ones at "update".
    loss_after : float or None
        At "update": the loss of the same X, Y with the updated parameters.
    equations : list of str
        LaTeX lines of this step, numbers substituted.
    """

    index: int
    kind: str
    layer: Optional[int]
    title: str
    caption: str
    nodes: List[str]
    z: list
    a: list
    delta: list
    dW: list
    db: list
    loss: Optional[float]
    dL_dyhat: Optional[np.ndarray]
    weights: list
    biases: list
    loss_after: Optional[float] = None
    equations: List[str] = field(default_factory=list)
    sample_loss: Optional[np.ndarray] = None
    update_W: Optional[list] = None      # the change applied to each parameter (update step only)
    update_b: Optional[list] = None
    total: int = 0
    sample: int = 0                      # the sample the equations show
    status: str = ""                     # "" or a message for the student (e.g. diverged, update skipped)
    context: Optional["Context"] = field(default=None, repr=False)


@dataclass(frozen=True)
class Context:
    """What every step shares: the network's settings, the data and the learning rate."""

    sizes: tuple
    activation_names: tuple
    activations: tuple
    loss_name: str
    optimizer: str
    lr: float
    l1: float
    l2: float
    X: np.ndarray
    Y: np.ndarray
    old_weights: tuple
    old_biases: tuple
    clipped: bool
    finite: bool


@_quiet
def build_timeline(net, X, Y, lr: float, sample: int = 0) -> List[Step]:
    """The 2L + 3 steps of one training step of ``net`` on (X, Y), without changing ``net``.

    Parameters
    ----------
    net : engine.Network
        A plain MLP (residual connections and normalisation layers are refused).
    X : array, (batch, sizes[0]) with batch ≤ MAX_BATCH, or one sample as accepted by ``Network``
    Y : array, targets as accepted by ``Network.backward``
    lr : float
        Learning rate of the update step.
    sample : int
        Which sample of the batch the equations show (default the first).

    Returns
    -------
    list of Step
        start, forward 1 … L, loss, backward L … 1, update.
    """
    for option in ("residual", "norm"):
        if getattr(net, option, None):
            raise ValueError(f"net: the step-by-step timeline shows plain fully connected networks; "
                             f"'{option}' is set to {getattr(net, option)!r}")
    X, Y = net.prepare(X, Y)
    X, Y = X.copy(), Y.copy()
    batch = X.shape[0]
    if batch > MAX_BATCH:
        raise ValueError(f"X: the timeline shows at most {MAX_BATCH} samples, got a batch of {batch}")
    if not 0 <= sample < batch:
        raise ValueError(f"sample: expected 0 … {batch - 1}, got {sample}")
    twin = net.copy()
    old_W = [W.copy() for W in twin.weights]
    old_b = [b.copy() for b in twin.biases]
    r = twin.step(X, Y, lr)
    new_W, new_b = (twin.weights, twin.biases) if r.update_W is not None else (old_W, old_b)
    loss_after = None if r.update_W is None else float(twin.backward(X, Y).loss)

    L = len(old_W)
    total = 2 * L + 3
    ctx = Context(sizes=tuple(net.sizes), activation_names=tuple(net.activation_names),
                  activations=tuple(net.activations), loss_name=net.loss_name, optimizer=net.optimizer,
                  lr=float(lr), l1=net.l1, l2=net.l2, X=X, Y=Y, old_weights=tuple(old_W),
                  old_biases=tuple(old_b), clipped=bool(r.clipped), finite=bool(r.finite))

    z, a, delta, dW, db = [None] * L, [X] + [None] * L, [None] * L, [None] * L, [None] * L
    loss = dL_dyhat = sample_loss = None
    steps: List[Step] = []

    def add(kind, layer, title, nodes, **extra):
        index = len(steps)
        step = Step(index=index, kind=kind, layer=layer, title=title,
                    caption=f"Step {index + 1} of {total} — {title[0].lower()}{title[1:]}",
                    nodes=nodes, z=list(z), a=list(a), delta=list(delta), dW=list(dW), db=list(db),
                    loss=loss, dL_dyhat=dL_dyhat, sample_loss=sample_loss, weights=list(old_W),
                    biases=list(old_b), total=total, sample=sample, context=ctx, **extra)
        steps.append(step)
        return step

    sizes = ctx.sizes
    start = add("start", None, "Start: input set", [f"L0:N{k}" for k in range(sizes[0])])
    start.equations = _start_equations(start)
    for l in range(L):
        z[l], a[l + 1] = r.z[l], r.a[l + 1]
        nodes = ([f"L{l + 1}:N{j}" for j in range(sizes[l + 1])]
                 + list(_weight_ids(sizes, l)) + [f"b{l}:{j}" for j in range(sizes[l + 1])])
        s = add("forward", l, f"Forward through layer {l + 1}", nodes)
        s.equations = _forward_equations(s, l)
    loss, dL_dyhat, sample_loss = float(r.loss), r.dL_dyhat, r.sample_loss
    s = add("loss", None, "Loss", [f"L{L}:N{j}" for j in range(sizes[-1])])
    s.equations = _loss_equations(s)
    for l in range(L - 1, -1, -1):
        delta[l], dW[l], db[l] = r.delta[l], r.dW[l], r.db[l]
        nodes = ([f"L{l + 1}:N{j}" for j in range(sizes[l + 1])]
                 + list(_weight_ids(sizes, l)) + [f"b{l}:{j}" for j in range(sizes[l + 1])])
        s = add("backward", l, f"Backward through layer {l + 1}", nodes)
        s.equations = _backward_equations(s, l)
    nodes = [i for l in range(L)
             for i in _weight_ids(sizes, l) + tuple(f"b{l}:{j}" for j in range(sizes[l + 1]))]
    s = add("update", None, "Update", nodes, loss_after=loss_after, update_W=r.update_W, update_b=r.update_b)
    s.weights, s.biases = list(new_W), list(new_b)
    s.equations = _update_equations(s)
    for st in steps:
        st.status = _status(st)
    return steps


def _status(step) -> str:
    """A sentence for the student when a known value overflowed (inf or NaN), else ""."""
    known = ([(f"z of layer {l + 1}", x) for l, x in enumerate(step.z)]
             + [(f"a of layer {l}", x) for l, x in enumerate(step.a) if l]
             + [("the loss", None if step.loss is None else np.asarray(step.loss))]
             + [(f"δ of layer {l + 1}", x) for l, x in reversed(list(enumerate(step.delta)))]
             + [(f"∂L/∂W of layer {l + 1}", x) for l, x in reversed(list(enumerate(step.dW)))])
    for what, x in known:
        if x is not None and not np.isfinite(x).all():
            message = (f"Overflow: {what} is not finite (∞ or NaN), too large for float64. "
                       "Lower the learning rate or the init scale.")
            if step.kind == "update":
                message += " The update was skipped: the weights are unchanged."
            return message
    return ""


@functools.lru_cache(maxsize=256)
def _weight_ids(sizes: tuple, l: int) -> tuple:
    """Ids of weights[l], cached per architecture (a 20 × 32 network has 20,000 of them)."""
    return tuple(f"W{l}:{j}:{k}" for j in range(sizes[l + 1]) for k in range(sizes[l]))


TABLE_COLUMNS = ("layer", "id", "label", "kind", "z", "a", "delta", "b", "dL_db", "w", "dL_dW")


def step_table(steps: List[Step], step_index: int) -> List[dict]:
    """Rows of the step as plain dicts (keys ``TABLE_COLUMNS``), None where a value is not known yet.

    One row per node (layer = its layer in sizes; z, a, δ of the shown sample; its bias b and
    ∂L/∂b), then one row per weight (layer = the layer it feeds; w and ∂L/∂W). Parameters are those
    in force after the step (the new ones at "update").
    """
    if not 0 <= step_index < len(steps):
        raise ValueError(f"step_index: expected 0 … {len(steps) - 1}, got {step_index}")
    step = steps[step_index]
    ctx, s = step.context, step.sample
    sizes = ctx.sizes
    rows = []

    def val(arr, *i):
        return None if arr is None else float(arr[i])

    for l, n in enumerate(sizes):
        for j in range(n):
            nid = f"L{l}:N{j}"
            row = dict.fromkeys(TABLE_COLUMNS)
            row.update(layer=l, id=nid, label=node_label(sizes, nid), kind="input" if l == 0 else "node",
                       a=val(step.a[l], s, j))
            if l:
                row.update(z=val(step.z[l - 1], s, j), delta=val(step.delta[l - 1], s, j),
                           b=float(step.biases[l - 1][j]), dL_db=val(step.db[l - 1], j))
            rows.append(row)
    subs = [sub(i + 1) for i in range(max(sizes))]
    for l in range(len(sizes) - 1):
        W = step.weights[l].tolist()              # plain floats in one call: 20 × 32 × 32 rows stay fast
        n_out, n_in = sizes[l + 1], sizes[l]
        dW = step.dW[l].tolist() if step.dW[l] is not None else [[None] * n_in] * n_out
        ids, layer_sup = _weight_ids(tuple(sizes), l), sup(l + 1)
        rows += [{"layer": l + 1, "id": ids[j * n_in + k], "label": f"w{layer_sup}{subs[j]},{subs[k]}",
                  "kind": "weight", "z": None, "a": None, "delta": None, "b": None, "dL_db": None,
                  "w": W[j][k], "dL_dW": dW[j][k]}
                 for j in range(n_out) for k in range(n_in)]
    return rows
