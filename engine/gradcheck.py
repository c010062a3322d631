"""Finite-difference gradient check: does backpropagation give the slope the loss really has?

For every parameter entry θ, the numeric gradient is the central difference
(L(θ + ε) − L(θ − ε)) / 2ε of the batch loss (penalty included, as ``Pass.loss``), compared with the
analytic ∂L/∂θ of ``Network.backward``. The relative error is |numeric − analytic| /
max(|numeric|, |analytic|, ``floor``): the floor keeps gradients that are zero up to rounding (a dead
ReLU, the bias under batch norm) from dividing by nothing. Defaults (ε = 1e-5, pass at 1e-5, floor
1e-5) are measured: truncation error ~ε² ≈ 1e-10, rounding noise ~1e-16·L/ε ≈ 1e-11 absolute, while
a wrong formula gives errors of order 1e-2 to 1.
"""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np


@dataclass
class GradCheck:
    """Numeric vs analytic gradient of every parameter, as lists aligned with ``Network.parameters()``.

    Attributes
    ----------
    names : list of str
        "W0", "b0", …, "gamma0", "beta0", … (``Network.parameter_names()``).
    numeric, analytic, rel_error : lists of arrays shaped like each parameter
        Entries not checked (when ``max_entries`` sampled a subset) are NaN in all three; a checked
        entry whose numeric or analytic value is not finite has relative error inf.
    checked : int
        Number of parameter entries compared.
    max_rel_error : float
        Largest relative error over the checked entries.
    worst : str
        Where it occurs, e.g. "W1[2, 0]".
    eps, tol : float
        Step of the central difference; relative error accepted as a pass.
    """

    names: List[str]
    numeric: List[np.ndarray]
    analytic: List[np.ndarray]
    rel_error: List[np.ndarray]
    checked: int
    max_rel_error: float
    worst: str
    eps: float
    tol: float

    @property
    def ok(self) -> bool:
        """True when every checked entry agrees within ``tol`` (a non-finite value never does)."""
        return bool(self.max_rel_error <= self.tol)

    def rows(self) -> List[dict]:
        """One dict per checked entry, worst first: parameter name, index, numeric, analytic, rel_error."""
        out = []
        for name, num, ana, err in zip(self.names, self.numeric, self.analytic, self.rel_error):
            for idx in zip(*np.nonzero(~np.isnan(err))):
                out.append({"parameter": name, "index": tuple(int(k) for k in idx), "numeric": float(num[idx]),
                            "analytic": float(ana[idx]), "rel_error": float(err[idx])})
        return sorted(out, key=lambda row: -row["rel_error"])


def gradient_check(net, X, Y, eps: float = 1e-5, tol: float = 1e-5, floor: float = 1e-5,
                   max_entries: Optional[int] = None, seed: int = 0) -> GradCheck:
    """Compare ``net.backward(X, Y)`` with central differences over every parameter entry.

    Parameters
    ----------
    net : Network
        Left unchanged (every perturbed entry is restored).
    X, Y : array-like
        A batch, as ``Network.backward`` accepts it.
    eps : float
        Step of the central difference.
    tol : float
        Largest relative error that counts as agreement (``GradCheck.ok``).
    floor : float
        Smallest denominator of the relative error.
    max_entries : int or None
        Check at most this many entries, drawn without replacement from ``seed`` (all when None).

    Returns
    -------
    GradCheck
    """
    if not (eps > 0 and np.isfinite(eps)):
        raise ValueError(f"eps: expected a finite step > 0, got {eps!r}")
    if max_entries is not None and max_entries < 1:
        raise ValueError(f"max_entries: expected None or an integer ≥ 1, got {max_entries!r}")
    X, Y = net.prepare(X, Y)
    r = net.backward(X, Y)
    params = net.parameters()
    analytic = [np.asarray(g, dtype=np.float64).copy() for g in _gradients(r, net)]
    names = net.parameter_names()
    where = [(i, idx) for i, p in enumerate(params) for idx in np.ndindex(p.shape)]
    if max_entries is not None and max_entries < len(where):
        pick = np.random.default_rng(seed).choice(len(where), size=max_entries, replace=False)
        where = [where[k] for k in sorted(pick)]
    numeric = [np.full(p.shape, np.nan) for p in params]
    checked = [np.zeros(p.shape, dtype=bool) for p in params]
    with np.errstate(all="ignore"):
        for i, idx in where:
            p = params[i]
            keep = p[idx]
            p[idx] = keep + eps
            up = net.backward(X, Y).loss
            p[idx] = keep - eps
            down = net.backward(X, Y).loss
            p[idx] = keep
            numeric[i][idx] = (up - down) / (2.0 * eps)
            checked[i][idx] = True
        rel_error, worst, max_err = [], "", 0.0
        for i, (num, ana, mask) in enumerate(zip(numeric, analytic, checked)):
            err = np.abs(num - ana) / np.maximum(np.maximum(np.abs(num), np.abs(ana)), floor)
            err = np.where(mask, np.where(np.isnan(err), np.inf, err), np.nan)  # non-finite: a failure
            rel_error.append(err)
            analytic[i] = np.where(mask, ana, np.nan)
            if mask.any() and np.nanmax(err) >= max_err:
                max_err = float(np.nanmax(err))
                at = np.unravel_index(np.nanargmax(err), err.shape)
                worst = f"{names[i]}[{', '.join(str(int(k)) for k in at)}]"
    return GradCheck(names=names, numeric=numeric, analytic=analytic, rel_error=rel_error, checked=len(where),
                     max_rel_error=max_err, worst=worst, eps=float(eps), tol=float(tol))


def _gradients(r, net) -> list:
    grads = [g for pair in zip(r.dW, r.db) for g in pair]
    if net.norm:
        grads += [g for pair in zip(r.dgamma, r.dbeta) for g in pair]
    return grads
