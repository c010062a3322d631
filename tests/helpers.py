"""Small shared test helpers."""
import numpy as np


def assert_close(name, got, want, rtol=1e-9, atol=1e-12):
    """Assert arrays are close, naming the quantity and the largest difference on failure."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{name}: shape {got.shape} != expected {want.shape}"
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        diff = np.max(np.abs(got - want))
        raise AssertionError(f"{name}: max |difference| {diff:.3e}\n got  {got}\n want {want}")
