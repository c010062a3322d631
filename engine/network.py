"""The network: parameters, the forward/backward pass as a record, and one optimizer step.

See the package docstring for the vocabulary (z, a, delta, dW, db) and the shapes.
"""
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Union

import numpy as np

from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS

MAX_LAYERS = 64
MAX_UNITS = 1024


@dataclass
class Pass:
    """Every number of one forward and backward pass (and, after ``step``, of the update).

    Attributes
    ----------
    loss : float
        Batch loss: data loss plus the L1/L2 weight penalty.
    data_loss : float
        Mean over the batch of the per-sample loss.
    a : list of (batch, n_l) arrays, len(sizes)
        a[0] is X, a[-1] the output ŷ.
    z : list of (batch, n_{l+1}) arrays, len(sizes) - 1
    delta : list of (batch, n_{l+1}) arrays
        δ = ∂L/∂z of each sample's loss.
    dW, db : lists aligned with ``Network.weights`` / ``Network.biases``
        ∂L/∂W and ∂L/∂b of the batch loss (penalty included).
    dL_dyhat : (batch, n_out) array
        ∂L/∂ŷ per sample.
    sample_loss : (batch,) array
    finite : bool
        False when any loss or gradient is inf or NaN (the pass overflowed).
    update_W, update_b : lists or None
        The change applied to each parameter by ``step`` (None after ``backward``, or when the step
        was skipped because the gradients were not finite).
    grad_norm : float or None
        Global L2 norm of the gradients before clipping (``step`` only).
    clipped : bool
        Whether clipping changed the gradients (``step`` only).
    """

    loss: float
    data_loss: float
    a: List[np.ndarray]
    z: List[np.ndarray]
    delta: List[np.ndarray]
    dW: List[np.ndarray]
    db: List[np.ndarray]
    dL_dyhat: np.ndarray
    sample_loss: np.ndarray
    finite: bool
    update_W: Optional[List[np.ndarray]] = None
    update_b: Optional[List[np.ndarray]] = None
    grad_norm: Optional[float] = None
    clipped: bool = False
    extras: dict = field(default_factory=dict)


class Network:
    """A fully connected network z = W a + b, a = f(z), trained by backpropagation.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first: ``[2, 3, 1]`` is 2 inputs, 3 hidden units, 1 output.
    activation : str or list of str
        Hidden-layer activation (a key of ``ACTIVATIONS``), or one name per hidden layer.
    output_activation : str
        A key of ``OUTPUT_ACTIVATIONS`` (the hidden ones plus ``softmax``).
    loss : str
        A key of ``LOSSES``. ``bce`` needs a sigmoid output, ``cross_entropy`` a softmax output.
    init : str
        A key of ``INITIALIZERS``; ``init_gain`` multiplies the draw; ``init_param`` is the value /
        std / limit of ``constant`` / ``normal`` / ``uniform`` (default: the table's).
    seed : int
        Seed of every random draw (``np.random.default_rng(seed)``).
    optimizer : str
        A key of ``OPTIMIZERS``; ``momentum``, ``beta1``, ``beta2``, ``eps`` are its settings.
    clip_norm, clip_value : float or None
        Clip the gradients by global L2 norm / elementwise by value before the update.
    l1, l2 : float
        Weight penalty added to the loss: l1·Σ|W| + (l2/2)·ΣW² (weights only, not biases).
    """

    def __init__(self, sizes: Sequence[int], activation: Union[str, Sequence[str]] = "relu",
                 output_activation: str = "sigmoid", loss: str = "mse", init: str = "xavier_uniform",
                 seed: int = 0, init_gain: float = 1.0, init_param: Optional[float] = None,
                 optimizer: str = "sgd", momentum: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, clip_norm: Optional[float] = None, clip_value: Optional[float] = None,
                 l1: float = 0.0, l2: float = 0.0):
        self.sizes = _check_sizes(sizes)
        n_hidden = len(self.sizes) - 2
        names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(names) != n_hidden:
            raise ValueError(f"activation: expected one name per hidden layer ({n_hidden}), got {len(names)}")
        for name in names:
            _check_key("activation", name, ACTIVATIONS)
        _check_key("output_activation", output_activation, OUTPUT_ACTIVATIONS)
        _check_key("loss", loss, LOSSES)
        _check_key("init", init, INITIALIZERS)
        _check_key("optimizer", optimizer, OPTIMIZERS)
        need = LOSSES[loss].output
        if need is not None and output_activation != need:
            raise ValueError(f"loss: '{loss}' expects output_activation '{need}', got '{output_activation}'")
        if output_activation == "softmax" and self.sizes[-1] < 2:
            raise ValueError("output_activation: softmax needs at least 2 output units, got 1")
        for key, value in (("init_gain", init_gain), ("l1", l1), ("l2", l2), ("momentum", momentum)):
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{key}: expected a finite number ≥ 0, got {value!r}")
        for key, value in (("clip_norm", clip_norm), ("clip_value", clip_value)):
            if value is not None and (not np.isfinite(value) or value <= 0):
                raise ValueError(f"{key}: expected None or a finite number > 0, got {value!r}")
        self.activation_names = names + [output_activation]
        self.activations = [ACTIVATIONS[n] for n in names] + [OUTPUT_ACTIVATIONS[output_activation]]
        self.loss_name = loss
        self.loss = LOSSES[loss]
        self.init = init
        self.init_gain = float(init_gain)
        self.init_param = INITIALIZERS[init].param if init_param is None else float(init_param)
        self.seed = int(seed)
        self.optimizer = optimizer
        self.hyper = {"momentum": float(momentum), "beta1": float(beta1), "beta2": float(beta2), "eps": float(eps)}
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.l1, self.l2 = float(l1), float(l2)
        self.reinitialize(self.seed)

    # ------------------------------------------------------------------ parameters
    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + output)."""
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    def reinitialize(self, seed: Optional[int] = None) -> None:
        """Draw fresh weights from ``seed`` (default: the network's seed); biases zero; optimizer reset."""
        if seed is not None:
            self.seed = int(seed)
        rng = np.random.default_rng(self.seed)
        draw = INITIALIZERS[self.init].draw
        self.weights = [self.init_gain * np.asarray(draw(rng, n_out, n_in, self.init_param), dtype=np.float64)
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]
        self.biases = [np.zeros(n, dtype=np.float64) for n in self.sizes[1:]]
        self.optimizer_state = {}

    def parameters(self) -> List[np.ndarray]:
        """[W0, b0, W1, b1, …]: the arrays themselves (writing to them changes the network)."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    def set_parameters(self, weights: Sequence, biases: Sequence) -> None:
        """Copy values into the parameters, checking every shape."""
        if len(weights) != self.n_layers or len(biases) != self.n_layers:
            raise ValueError(f"weights/biases: expected {self.n_layers} layers, got {len(weights)}/{len(biases)}")
        for l, (W, b) in enumerate(zip(weights, biases)):
            W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
            if W.shape != self.weights[l].shape:
                raise ValueError(f"weights[{l}]: expected shape {self.weights[l].shape}, got {W.shape}")
            if b.shape != self.biases[l].shape:
                raise ValueError(f"biases[{l}]: expected shape {self.biases[l].shape}, got {b.shape}")
            if not (np.isfinite(W).all() and np.isfinite(b).all()):
                raise ValueError(f"weights[{l}]/biases[{l}]: expected finite numbers, got NaN or inf")
        for l, (W, b) in enumerate(zip(weights, biases)):
            self.weights[l][...] = W
            self.biases[l][...] = b

    def copy(self) -> "Network":
        """An independent copy: same settings, parameters and optimizer state."""
        twin = object.__new__(Network)
        twin.__dict__.update(self.__dict__)
        twin.sizes = tuple(self.sizes)
        twin.activation_names = list(self.activation_names)
        twin.activations = list(self.activations)
        twin.hyper = dict(self.hyper)
        twin.weights = [W.copy() for W in self.weights]
        twin.biases = [b.copy() for b in self.biases]
        twin.optimizer_state = {k: ([x.copy() for x in v] if isinstance(v, list) else v)
                                for k, v in self.optimizer_state.items()}
        return twin

    # ------------------------------------------------------------------ passes
    def prepare(self, X, Y=None):
        """Coerce X (and Y) to float64 (batch, n) arrays, accepting one sample as 1-D X / scalar Y.

        Integer class labels of shape (batch,) are accepted as Y for a multi-output network and become
        one-hot rows. Raises ValueError naming the argument and the expected shape.
        """
        X = np.asarray(X, dtype=np.float64)
        n_in, n_out = self.sizes[0], self.sizes[-1]
        if X.ndim == 0 and n_in == 1:
            X = X.reshape(1, 1)
        elif X.ndim == 1 and X.shape[0] == n_in:
            X = X.reshape(1, n_in)
        elif X.ndim == 1 and n_in == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2 or X.shape[1] != n_in or X.shape[0] == 0:
            raise ValueError(f"X: expected shape (batch, {n_in}) with batch ≥ 1, got {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X: expected finite numbers, got NaN or inf")
        if Y is None:
            return X, None
        Y = np.asarray(Y)
        batch = X.shape[0]
        is_labels = Y.ndim == 1 and n_out > 1 and Y.shape[0] == (batch if batch > 1 else 1)
        if is_labels:
            labels = Y.astype(np.int64)
            if not np.array_equal(labels, Y) or labels.min() < 0 or labels.max() >= n_out:
                raise ValueError(f"Y: class labels must be integers in 0…{n_out - 1}")
            Y = np.eye(n_out)[labels]
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 0:
            Y = Y.reshape(1, 1)
        elif Y.ndim == 1:
            Y = Y.reshape(1, -1) if Y.shape[0] == n_out and batch == 1 else Y.reshape(-1, 1)
        if Y.shape != (batch, n_out):
            raise ValueError(f"Y: expected shape ({batch}, {n_out}) to match X, got {Y.shape}")
        if not np.isfinite(Y).all():
            raise ValueError("Y: expected finite numbers, got NaN or inf")
        return X, Y

    def forward(self, X):
        """Return (z, a) lists for X; a[0] is X, a[-1] the output ŷ."""
        X, _ = self.prepare(X)
        a, z = [X], []
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            for W, b, act in zip(self.weights, self.biases, self.activations):
                zl = a[-1] @ W.T + b
                z.append(zl)
                a.append(act.f(zl))
        return z, a

    def predict(self, X) -> np.ndarray:
        """The output ŷ for X, shape (batch, n_out)."""
        return self.forward(X)[1][-1]

    def backward(self, X, Y) -> Pass:
        """Forward and backward pass for the batch (X, Y); no parameter changes."""
        X, Y = self.prepare(X, Y)
        W_, b_, acts = self.weights, self.biases, self.activations
        L = len(W_)
        n = X.shape[0]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            a, z = [X], []
            for W, b, act in zip(W_, b_, acts):
                zl = a[-1] @ W.T + b
                z.append(zl)
                a.append(act.f(zl))
            yhat = a[-1]
            sample_loss = self.loss.per_sample(yhat, z[-1], Y)
            data_loss = float(np.mean(sample_loss))
            dL_dyhat = self.loss.grad(yhat, Y)
            if self.loss.delta is not None:
                d = self.loss.delta(yhat, Y)
            else:
                d = acts[-1].backprop(z[-1], yhat, dL_dyhat)
            delta = [d] * L
            dW, db = [None] * L, [None] * L
            for l in range(L - 1, -1, -1):
                d = delta[l]
                dW[l] = (d.T @ a[l]) / n
                db[l] = d.sum(axis=0) / n
                if l:
                    delta[l - 1] = acts[l - 1].backprop(z[l - 1], a[l], d @ W_[l])
            loss = data_loss
            if self.l1 or self.l2:
                for l, W in enumerate(W_):
                    loss += self.l1 * float(np.abs(W).sum()) + 0.5 * self.l2 * float((W * W).sum())
                    dW[l] = dW[l] + self.l1 * np.sign(W) + self.l2 * W
            finite = bool(np.isfinite(loss) and all(np.isfinite(g).all() for g in dW) and
                          all(np.isfinite(g).all() for g in db))
        return Pass(loss=loss, data_loss=data_loss, a=a, z=z, delta=delta, dW=dW, db=db,
                    dL_dyhat=dL_dyhat, sample_loss=sample_loss, finite=finite)

    def step(self, X, Y, lr: float) -> Pass:
        """``backward``, then one optimizer update of every parameter (in place).

        Gradients are clipped (``clip_value`` elementwise, then ``clip_norm`` by global norm) before
        the optimizer sees them. When the pass is not finite no parameter changes and
        ``update_W`` stays None: the network keeps its last finite state.
        """
        if not np.isfinite(lr) or lr < 0:
            raise ValueError(f"lr: expected a finite learning rate ≥ 0, got {lr!r}")
        r = self.backward(X, Y)
        if not r.finite:
            return r
        grads = [g for pair in zip(r.dW, r.db) for g in pair]
        r.grad_norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
        if self.clip_value is not None:
            clipped = [np.clip(g, -self.clip_value, self.clip_value) for g in grads]
            r.clipped = any(not np.array_equal(c, g) for c, g in zip(clipped, grads))
            grads = clipped
        if self.clip_norm is not None:
            norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
            if norm > self.clip_norm:
                grads = [g * (self.clip_norm / norm) for g in grads]
                r.clipped = True
        steps = OPTIMIZERS[self.optimizer].update(grads, self.optimizer_state, float(lr), self.hyper)
        for p, s in zip(self.parameters(), steps):
            p += s
        r.update_W, r.update_b = steps[0::2], steps[1::2]
        return r


def _check_sizes(sizes) -> tuple:
    try:
        sizes = tuple(int(s) for s in sizes)
    except (TypeError, ValueError):
        raise ValueError(f"sizes: expected a list of positive integers, got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least 2 layers (input and output), got {len(sizes)}")
    if len(sizes) - 1 > MAX_LAYERS:
        raise ValueError(f"sizes: expected at most {MAX_LAYERS} weight layers, got {len(sizes) - 1}")
    for i, s in enumerate(sizes):
        if s <= 0 or s > MAX_UNITS:
            raise ValueError(f"sizes[{i}]: expected a layer size from 1 to {MAX_UNITS}, got {s}")
    return sizes


def _check_key(argument: str, name, table: dict) -> None:
    if name not in table:
        raise ValueError(f"{argument}: unknown name {name!r}; expected one of {', '.join(table)}")
