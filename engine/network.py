"""The network: its layers and settings, the forward/backward pass (returned as an ``engine.passes.Pass``), one
optimizer step. Where the parameters are stored (one flat array) is ``engine.parameters``.

See the package docstring for the vocabulary (z, a, delta, dW, db) and the shapes.

Two optional remedies for deep networks change the hidden layers (never the output layer):

- ``residual=True``: a skip connection a_{l+1} = f(u_l) + a_l on every weight layer l that maps a
  hidden layer to a hidden layer of the same width (1 ≤ l ≤ L−2 and sizes[l] == sizes[l+1]; the
  first layer, fed by the input, and the output layer never get one). ``Network.residual_layers``
  lists them.
- ``norm="batch"`` or ``"layer"``: every hidden layer normalises its pre-activation z before the
  activation, u = γ ⊙ ẑ + β with ẑ = (z − mean) / √(var + ε), ε = ``NORM_EPS``. Batch norm takes
  mean and variance over the batch (per unit), layer norm over the units (per sample); the
  variance is the biased one (divide by the count). γ (start 1) and β (start 0) are learnable, one
  per unit, in ``Network.gammas`` / ``Network.betas`` (one array per hidden layer).
"""
import math
from typing import Optional, Sequence, Union

import numpy as np

from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS
from engine.parameters import FlatParameters
from engine.passes import Pass

MAX_LAYERS = 64
MAX_UNITS = 1024
NORMS = (None, "batch", "layer")
NORM_EPS = 1e-5
NORM_MOMENTUM = 0.1  # running mean/var of batch norm: r ← (1 − m) r + m · batch value, at each step


class Network(FlatParameters):
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
        Weight penalty added to the loss: l1·Σ|W| + (l2/2)·ΣW² (weights only, not biases, γ or β).
    residual : bool
        Skip connections a_{l+1} = f(u_l) + a_l between equal-width hidden layers (module docstring).
    norm : None, "batch" or "layer"
        Normalise z before the activation in every hidden layer, with learnable γ, β per unit.

    Attributes
    ----------
    weights, biases : lists of arrays, (sizes[l+1], sizes[l]) and (sizes[l+1],)
        Editable in place; views of one flat array (see ``_adopt_parameters``).
    gammas, betas : lists of (sizes[l+1],) arrays, one per hidden layer (empty without ``norm``)
    running_mean, running_var : lists, batch norm only
        What ``predict`` normalises with; updated by ``step``.
    residual_layers : tuple of int
        The weight layers l with a skip connection a[l+1] = f(u[l]) + a[l].
    optimizer_state : dict
        The optimizer's memory, per parameter; assign ``{}`` to reset.
    """

    def __init__(self, sizes: Sequence[int], activation: Union[str, Sequence[str]] = "relu",
                 output_activation: str = "sigmoid", loss: str = "mse", init: str = "xavier_uniform",
                 seed: int = 0, init_gain: float = 1.0, init_param: Optional[float] = None,
                 optimizer: str = "sgd", momentum: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, clip_norm: Optional[float] = None, clip_value: Optional[float] = None,
                 l1: float = 0.0, l2: float = 0.0, residual: bool = False, norm: Optional[str] = None):
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
        if norm not in NORMS:
            raise ValueError(f"norm: expected None, 'batch' or 'layer', got {norm!r}")
        if not isinstance(residual, (bool, np.bool_)):
            raise ValueError(f"residual: expected True or False, got {residual!r}")
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
        self.residual = bool(residual)
        self.norm = norm
        self.residual_layers = tuple(l for l in range(1, n_hidden) if self.sizes[l] == self.sizes[l + 1]) \
            if self.residual else ()
        self.reinitialize(self.seed)

    # ------------------------------------------------------------------ parameters
    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + output)."""
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.parameters())

    def reinitialize(self, seed: Optional[int] = None) -> None:
        """Draw fresh weights from ``seed`` (default: the network's seed); biases zero; γ = 1, β = 0;
        batch-norm running statistics mean 0, variance 1; optimizer reset."""
        if seed is not None:
            self.seed = int(seed)
        rng = np.random.default_rng(self.seed)
        draw = INITIALIZERS[self.init].draw
        self.weights = [self.init_gain * np.asarray(draw(rng, n_out, n_in, self.init_param), dtype=np.float64)
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]
        self.biases = [np.zeros(n, dtype=np.float64) for n in self.sizes[1:]]
        hidden = self.sizes[1:-1] if self.norm else ()
        self.gammas = [np.ones(n) for n in hidden]
        self.betas = [np.zeros(n) for n in hidden]
        self.running_mean = [np.zeros(n) for n in hidden] if self.norm == "batch" else []
        self.running_var = [np.ones(n) for n in hidden] if self.norm == "batch" else []
        self._adopt_parameters()
        self._opt = {}
        self._ones = np.ones(1)

    def copy(self) -> "Network":
        """An independent copy: same settings, parameters and optimizer state."""
        twin = object.__new__(Network)
        twin.__dict__.update(self.__dict__)
        twin.sizes = tuple(self.sizes)
        twin.activation_names = list(self.activation_names)
        twin.activations = list(self.activations)
        twin.hyper = dict(self.hyper)
        for name in ("weights", "biases", "gammas", "betas", "running_mean", "running_var"):
            setattr(twin, name, [x.copy() for x in getattr(self, name)])
        twin._adopt_parameters()
        twin._opt = {k: ([x.copy() for x in v] if isinstance(v, list) else v) for k, v in self._opt.items()}
        return twin

    # ------------------------------------------------------------------ passes
    def prepare(self, X, Y=None):
        """Coerce X (and Y) to float64 (batch, n) arrays, accepting one sample as 1-D X / scalar Y.

        Integer class labels of shape (batch,) are accepted as Y for a multi-output network and become
        one-hot rows. Raises ValueError naming the argument and the expected shape.
        """
        return self._prepare(X, Y, True)

    def _prepare(self, X, Y, check_y: bool):
        """``prepare``; with ``check_y`` False, Y's values are not checked for NaN/inf: the passes
        check them only when the loss came out non-finite (a NaN or inf target always makes it so)."""
        X = np.asarray(X, dtype=np.float64)
        n_in, n_out = self.sizes[0], self.sizes[-1]
        if X.ndim != 2:
            if X.ndim == 0 and n_in == 1:
                X = X.reshape(1, 1)
            elif X.ndim == 1 and X.shape[0] == n_in:
                X = X.reshape(1, n_in)
            elif X.ndim == 1 and n_in == 1:
                X = X.reshape(-1, 1)
        if X.ndim != 2 or X.shape[1] != n_in or X.shape[0] == 0:
            raise ValueError(f"X: expected shape (batch, {n_in}) with batch ≥ 1, got {X.shape}")
        if not math.isfinite(np.add.reduce(X, None)) and not np.isfinite(X).all():
            raise ValueError("X: expected finite numbers, got NaN or inf")
        if Y is None:
            return X, None
        Y = np.asarray(Y)
        batch = X.shape[0]
        if Y.ndim == 1 and n_out > 1 and Y.shape[0] == (batch if batch > 1 else 1):
            labels = Y.astype(np.int64)
            if not np.array_equal(labels, Y) or labels.min() < 0 or labels.max() >= n_out:
                raise ValueError(f"Y: class labels must be integers in 0…{n_out - 1}")
            Y = np.eye(n_out)[labels]
        if Y.dtype != np.float64:
            Y = Y.astype(np.float64)
        if Y.ndim == 0:
            Y = Y.reshape(1, 1)
        elif Y.ndim == 1:
            Y = Y.reshape(1, -1) if Y.shape[0] == n_out and batch == 1 else Y.reshape(-1, 1)
        if Y.shape != (batch, n_out):
            raise ValueError(f"Y: expected shape ({batch}, {n_out}) to match X, got {Y.shape}")
        if check_y:
            _check_finite_targets(Y)
        return X, Y

    def forward(self, X, batch_stats: bool = True):
        """Return (z, a) lists for X; a[0] is X, a[-1] the output ŷ.

        Batch norm normalises with the statistics of this batch (as ``backward`` does) unless
        ``batch_stats`` is False: then with the running mean and variance kept by ``step``.
        """
        X, _ = self.prepare(X)
        with np.errstate(all="ignore"):
            z, a, _ = self._forward(X, batch_stats)
        return z, a

    def predict(self, X) -> np.ndarray:
        """The output ŷ for X, shape (batch, n_out); batch norm uses its running statistics, so each
        row's prediction does not depend on the other rows."""
        return self.forward(X, batch_stats=False)[1][-1]

    def _forward(self, X, batch_stats=True):
        """z, a and (for normalised/residual networks) the extras record; errors not checked."""
        a, z = [X], []
        if not (self.norm or self.residual_layers):
            al = X
            for W, b, act in zip(self.weights, self.biases, self.activations):
                zl = np.dot(al, W.T)
                zl += b
                z.append(zl)
                al = act.f(zl)
                a.append(al)
            return z, a, None
        L, norm = self.n_layers, self.norm
        u, z_hat, mean, var, f = ([None] * L for _ in range(5))
        for l, (W, b, act) in enumerate(zip(self.weights, self.biases, self.activations)):
            zl = a[l] @ W.T
            zl += b
            z.append(zl)
            ul = zl
            if norm and l < L - 1:
                if norm == "layer":
                    m = zl.mean(axis=1, keepdims=True)
                    v = np.square(zl - m).mean(axis=1, keepdims=True)
                elif batch_stats:
                    m = zl.mean(axis=0)
                    v = np.square(zl - m).mean(axis=0)
                else:
                    m, v = self.running_mean[l], self.running_var[l]
                zh = (zl - m) / np.sqrt(v + NORM_EPS)
                ul = self.gammas[l] * zh + self.betas[l]
                u[l], z_hat[l], mean[l], var[l] = ul, zh, m, v
            else:
                u[l] = zl
            fl = act.f(ul)
            f[l] = fl
            a.append(fl + a[l] if l in self.residual_layers else fl)
        return z, a, {"z_hat": z_hat, "u": u, "mean": mean, "var": var, "f": f}

    def backward(self, X, Y) -> Pass:
        """Forward and backward pass for the batch (X, Y); no parameter changes."""
        X, Y = self._prepare(X, Y, False)
        with np.errstate(all="ignore"):
            r = self._backward(X, Y)[0]
        if not r.finite:
            _check_finite_targets(Y)
        return r

    def _backward(self, X, Y) -> Pass:
        gflat = np.empty(self._flat_parameters().size)
        grads = self._views(gflat)
        W_, acts, loss_fn = self.weights, self.activations, self.loss
        L = len(W_)
        n = X.shape[0]
        inv_n = 1.0 / n
        z, a, ext = self._forward(X)
        yhat = a[-1]
        sample_loss, dL_dyhat = loss_fn.value_and_grad(yhat, z[-1], Y)
        data_loss = float(np.add.reduce(sample_loss)) * inv_n
        d = loss_fn.delta(yhat, Y) if loss_fn.delta is not None else acts[-1].backprop(z[-1], yhat, dL_dyhat)
        delta = [d] * L
        dW, db, dgamma, dbeta = grads[0:2 * L:2], grads[1:2 * L:2], grads[2 * L::2], grads[2 * L + 1::2]
        if ext is None:
            # the δ recursion: δ_l = (δ_{l+1} W_{l+1}) ⊙ f'(z_l); ∂L/∂W_l = δ_lᵀ a_l / batch, ∂L/∂b_l = Σ δ_l / batch
            ones = self._ones
            if ones.shape[0] != n:
                self._ones = ones = np.ones(n)
            for l in range(L - 1, -1, -1):
                d = delta[l]
                np.dot(d.T, a[l], out=dW[l])
                np.dot(ones, d, out=db[l])  # Σ over the batch (a BLAS call is faster than add.reduce)
                if l:
                    g = np.dot(d, W_[l])
                    delta[l - 1] = acts[l - 1].backprop(z[l - 1], a[l], g, out=g)
            gflat *= inv_n  # every dW, db at once: Σ over the batch → mean
        else:
            self._backward_extras(a, ext, acts, delta, dW, db, dgamma, dbeta, dL_dyhat, n)
        loss = data_loss
        if self.l1 or self.l2:
            for l, W in enumerate(W_):
                loss += self.l1 * float(np.abs(W).sum()) + 0.5 * self.l2 * float((W * W).sum())
                dW[l] += self.l1 * np.sign(W) + self.l2 * W
        # Σ g² is finite exactly when every gradient is, unless one exceeds ~1e154 (diverged anyway)
        sq = float(np.vdot(gflat, gflat))
        if dgamma:
            # a variance that overflowed would normalise finite z to 0 and hide the divergence
            sq += sum([float(np.add.reduce(v, None)) for v in ext["var"] if v is not None]) * 0.0
        r = Pass(loss=loss, data_loss=data_loss, a=a, z=z, delta=delta, dW=dW, db=db,
                 dL_dyhat=dL_dyhat, sample_loss=sample_loss, finite=math.isfinite(loss) and math.isfinite(sq),
                 extras=ext or {}, dgamma=dgamma, dbeta=dbeta)
        return r, gflat, sq

    def _backward_extras(self, a, ext, acts, delta, dW, db, dgamma, dbeta, dL_dyhat, n):
        """The δ recursion through skip connections and normalisation (fills delta and the gradients).

        g is ∂L/∂a[l+1] (times batch). Normalised layer: from δ_u = ∂L/∂u, ∂L/∂γ = Σ δ_u ẑ,
        ∂L/∂β = Σ δ_u, and with g_ẑ = γ δ_u the usual normalisation backward
        δ = (g_ẑ − mean(g_ẑ) − ẑ · mean(g_ẑ ẑ)) / √(var + ε), means over the normalised axis.
        """
        L, norm = len(delta), self.norm
        u, z_hat, var, f = ext["u"], ext["z_hat"], ext["var"], ext["f"]
        delta_u = [None] * L
        delta_u[-1] = delta[-1]
        g = dL_dyhat
        for l in range(L - 1, -1, -1):
            du = delta_u[l]
            if z_hat[l] is not None:
                zh = z_hat[l]
                dgamma[l][...] = (du * zh).sum(axis=0) / n
                dbeta[l][...] = du.sum(axis=0) / n
                gz = du * self.gammas[l]
                axis = 0 if norm == "batch" else 1
                d = (gz - gz.mean(axis=axis, keepdims=True)
                     - zh * (gz * zh).mean(axis=axis, keepdims=True)) / np.sqrt(var[l] + NORM_EPS)
            else:
                d = du
            delta[l] = d
            dW[l][...] = d.T @ a[l] / n
            db[l][...] = d.sum(axis=0) / n
            if l:
                g_prev = d @ self.weights[l]
                if l in self.residual_layers:
                    g_prev = g_prev + g
                delta_u[l - 1] = acts[l - 1].backprop(u[l - 1], f[l - 1], g_prev)
                g = g_prev
        ext["delta_u"] = delta_u

    def step(self, X, Y, lr: float) -> Pass:
        """``backward``, then one optimizer update of every parameter (in place).

        Gradients are clipped (``clip_value`` elementwise, then ``clip_norm`` by global norm) before
        the optimizer sees them. When the pass is not finite no parameter changes and
        ``update_W`` stays None: the network keeps its last finite state. Batch norm's running
        statistics move towards this batch's (``NORM_MOMENTUM``).
        """
        if not (lr >= 0 and lr < np.inf):
            raise ValueError(f"lr: expected a finite learning rate ≥ 0, got {lr!r}")
        X, Y = self._prepare(X, Y, False)
        with np.errstate(all="ignore"):
            r, grads, sq = self._backward(X, Y)
            if not r.finite:
                _check_finite_targets(Y)
                return r
            L = self.n_layers
            r.grad_norm = norm = sq ** 0.5
            if self.clip_value is not None:
                clipped = np.clip(grads, -self.clip_value, self.clip_value)
                r.clipped = not np.array_equal(clipped, grads)
                grads = clipped
                norm = float(np.vdot(grads, grads)) ** 0.5
            if self.clip_norm is not None and norm > self.clip_norm:
                grads = grads * (self.clip_norm / norm)
                r.clipped = True
            steps = OPTIMIZERS[self.optimizer].update([grads], self._opt, float(lr), self.hyper)[0]
            self._flat += steps
            steps = self._views(steps)
            r.update_W, r.update_b = steps[0:2 * L:2], steps[1:2 * L:2]
            if self.norm:
                r.update_gamma, r.update_beta = steps[2 * L::2], steps[2 * L + 1::2]
                if self.norm == "batch":
                    for l, (m, v) in enumerate(zip(r.extras["mean"][:-1], r.extras["var"][:-1])):
                        self.running_mean[l] += NORM_MOMENTUM * (m - self.running_mean[l])
                        self.running_var[l] += NORM_MOMENTUM * (v - self.running_var[l])
        return r


def _check_finite_targets(Y) -> None:
    if not math.isfinite(np.add.reduce(Y, None)) and not np.isfinite(Y).all():
        raise ValueError("Y: expected finite numbers, got NaN or inf")


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
