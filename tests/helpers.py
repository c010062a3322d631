"""Small shared test helpers."""
import numpy as np


def assert_close(name, got, want, rtol=1e-9, atol=1e-12):
    """Assert arrays are close, naming the quantity and the largest difference on failure."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{name}: shape {got.shape} != expected {want.shape}"
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        diff = np.max(np.abs(got - want))
        raise AssertionError(f"{name}: max |difference| {diff:.3e}\n got  {got}\n want {want}")


def textbook_network():
    """The textbook example's network (issue 2): x = 2, y = 1; one ReLU neuron W1 = 0.5, b1 = 0.1,
    then one sigmoid neuron W2 = 0.8, b2 = 0.2; MSE."""
    from engine import Network

    net = Network([1, 1, 1], activation="relu", output_activation="sigmoid", loss="mse")
    net.weights[0][:] = 0.5
    net.biases[0][:] = 0.1
    net.weights[1][:] = 0.8
    net.biases[1][:] = 0.2
    return net
