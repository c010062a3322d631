"""Parameter storage for ``engine.network.Network``: every parameter in one flat float64 array.

Every parameter is a view into one flat array (``parameters()`` order), and so is every gradient and
every update of a pass: clipping, the global norm, the finiteness check and the optimizer then take one
NumPy call each instead of one per array (the hot path of a small net). ``weights[l]`` etc. are ordinary
arrays to their users; if one is replaced by a new array (or the network was deep-copied), the next pass
copies the values back into one flat array. The optimizer's memory is kept flat the same way.
"""
from typing import List, Optional, Sequence

import numpy as np


class FlatParameters:
    """The storage half of ``Network``: ``weights``, ``biases``, ``gammas``, ``betas`` as views of one
    flat array, the optimizer's memory beside them, and the checked ways in and out of both.

    The subclass sets the four lists (then calls ``_adopt_parameters``) and provides ``n_layers`` and
    ``n_params``."""

    def _adopt_parameters(self) -> None:
        """(Re)build the flat storage from the current parameter arrays; the lists become its views."""
        arrays = self._parameter_arrays()
        self._layout, start = [], 0
        for p in arrays:
            self._layout.append((slice(start, start + p.size), p.shape if p.ndim != 1 else None))
            start += p.size
        self._flat = np.concatenate([np.ravel(p) for p in arrays]).astype(np.float64)
        views = self._views(self._flat)
        L = len(self.weights)
        self.weights, self.biases = views[0:2 * L:2], views[1:2 * L:2]
        self.gammas, self.betas = views[2 * L::2], views[2 * L + 1::2]

    def _parameter_arrays(self) -> List[np.ndarray]:
        params = [p for pair in zip(self.weights, self.biases) for p in pair]
        return params + [p for pair in zip(self.gammas, self.betas) for p in pair]

    def _views(self, flat: np.ndarray) -> List[np.ndarray]:
        """Views of a flat array shaped like the parameters, in ``parameters()`` order."""
        return [flat[part] if shape is None else flat[part].reshape(shape) for part, shape in self._layout]

    def _flat_parameters(self) -> np.ndarray:
        """The flat storage, rebuilt first if a parameter array no longer views it."""
        flat = self._flat
        for p in self.weights:
            if p.base is not flat:
                self._adopt_parameters()
                return self._flat
        for p in self.biases:
            if p.base is not flat:
                self._adopt_parameters()
                return self._flat
        if self.gammas and any(p.base is not flat for p in self.gammas + self.betas):
            self._adopt_parameters()
        return self._flat

    @property
    def optimizer_state(self) -> dict:
        """The optimizer's memory: ``"v"`` (momentum), ``"m"``, ``"v"``, ``"t"`` (Adam); each array entry
        is a list aligned with ``parameters()``. Assign ``{}`` to reset it."""
        return {k: (self._views(v[0]) if isinstance(v, list) else v) for k, v in self._opt.items()}

    @optimizer_state.setter
    def optimizer_state(self, state: dict) -> None:
        n = self.n_params
        flat = {}
        for k, v in dict(state).items():
            if isinstance(v, list):
                v = np.concatenate([np.ravel(np.asarray(x, dtype=np.float64)) for x in v]) if v else np.zeros(0)
                if v.size != n:
                    raise ValueError(f"optimizer_state[{k!r}]: expected arrays shaped like the parameters "
                                     f"({n} numbers), got {v.size}")
                v = [v]
            flat[k] = v
        self._opt = flat

    def parameters(self) -> List[np.ndarray]:
        """[W0, b0, W1, b1, …, γ0, β0, γ1, β1, …]: the arrays themselves (writing to them changes
        the network). γ, β appear only with ``norm``; the optimizer and clipping see them all."""
        self._flat_parameters()
        return self._parameter_arrays()

    def parameter_names(self) -> List[str]:
        """Names aligned with ``parameters()``: "W0", "b0", …, "gamma0", "beta0", …"""
        names = [f"{kind}{l}" for l in range(self.n_layers) for kind in ("W", "b")]
        return names + [f"{kind}{l}" for l in range(len(self.gammas)) for kind in ("gamma", "beta")]

    def set_parameters(self, weights: Sequence, biases: Sequence, gammas: Optional[Sequence] = None,
                       betas: Optional[Sequence] = None) -> None:
        """Copy values into the parameters, checking every shape (γ, β only when given)."""
        if len(weights) != self.n_layers or len(biases) != self.n_layers:
            raise ValueError(f"weights/biases: expected {self.n_layers} layers, got {len(weights)}/{len(biases)}")
        pairs = [(f"weights[{l}]", self.weights[l], W) for l, W in enumerate(weights)]
        pairs += [(f"biases[{l}]", self.biases[l], b) for l, b in enumerate(biases)]
        for argument, target, given in (("gammas", self.gammas, gammas), ("betas", self.betas, betas)):
            if given is None:
                continue
            if len(given) != len(target):
                raise ValueError(f"{argument}: expected {len(target)} arrays (one per normalised layer), "
                                 f"got {len(given)}")
            pairs += [(f"{argument}[{l}]", t, g) for l, (t, g) in enumerate(zip(target, given))]
        values = []
        for argument, target, given in pairs:
            value = np.asarray(given, dtype=np.float64)
            if value.shape != target.shape:
                raise ValueError(f"{argument}: expected shape {target.shape}, got {value.shape}")
            if not np.isfinite(value).all():
                raise ValueError(f"{argument}: expected finite numbers, got NaN or inf")
            values.append(value)
        for (_, target, _), value in zip(pairs, values):
            target[...] = value
