"""``Pass``: the record a forward/backward pass returns, every number the pages draw (z, a, δ, ∂L/∂W …)."""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np


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
        a[0] is X, a[-1] the output ŷ. In a residual layer a[l+1] = f(u[l]) + a[l].
    z : list of (batch, n_{l+1}) arrays, len(sizes) - 1
        z = a_prev @ W.T + b, always before any normalisation.
    delta : list of (batch, n_{l+1}) arrays
        δ = ∂L/∂z of each sample's loss. Exactly: batch × ∂(data loss)/∂z_i, which is sample i's own
        gradient when samples are independent; under batch norm it also carries the influence of
        z_i on the other samples through the batch statistics. So dW = δᵀ a / batch always holds.
    dW, db : lists aligned with ``Network.weights`` / ``Network.biases``
        ∂L/∂W and ∂L/∂b of the batch loss (penalty included). Under batch norm db is 0 up to
        rounding: subtracting the batch mean cancels the bias.
    dgamma, dbeta : lists aligned with ``Network.gammas`` / ``Network.betas``
        ∂L/∂γ and ∂L/∂β of the batch loss (empty lists without normalisation).
    dL_dyhat : (batch, n_out) array
        ∂L/∂ŷ per sample.
    sample_loss : (batch,) array
    finite : bool
        False when the pass overflowed: the loss, a gradient or a normalisation variance is inf or
        NaN (or the squared gradient norm exceeds the float range, ~1e308).
    update_W, update_b, update_gamma, update_beta : lists or None
        The change applied to each parameter by ``step`` (None after ``backward``, or when the step
        was skipped because the gradients were not finite).
    grad_norm : float or None
        Global L2 norm of the gradients (γ, β included) before clipping (``step`` only).
    clipped : bool
        Whether clipping changed the gradients (``step`` only).
    extras : dict
        Only for normalised or residual networks, lists aligned with z (None where a layer lacks
        the feature): ``"z_hat"`` ẑ, ``"u"`` = γ ⊙ ẑ + β (what enters f), ``"mean"`` and ``"var"`` the
        statistics used ((n,) per unit for batch norm, (batch, 1) per sample for layer norm),
        ``"delta_u"`` = batch × ∂L/∂u, ``"f"`` = f(u) before a skip connection adds a[l].
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
    dgamma: List[np.ndarray] = field(default_factory=list)
    dbeta: List[np.ndarray] = field(default_factory=list)
    update_gamma: Optional[List[np.ndarray]] = None
    update_beta: Optional[List[np.ndarray]] = None
