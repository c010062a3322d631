"""The 'PyTorch equivalent' script runs and reproduces the engine's loss, gradients and update."""
import subprocess
import sys

import numpy as np
import pytest

from components.step.pytorch_code import MAX_CODE_PARAMETERS, pytorch_code
from engine import ACTIVATIONS, Network
from tests.helpers import textbook_network

try:
    import torch
except ImportError:            # the check needs PyTorch; CI installs the CPU wheel when it is on the machine
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: `pip install` the CPU wheel "
                                                        "from /opt/wheels to run the comparison")
HEADS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse"),
         ("softmax", "mse"), ("tanh", "mse")]
TOL = 1e-10   # absolute, or relative to the largest gradient when that exceeds 1


@pytest.fixture
def run():
    """exec a generated script; return its namespace (restoring torch's default dtype afterwards)."""
    before = torch.get_default_dtype() if torch is not None else None

    def _run(code):
        namespace = {}
        exec(compile(code, "<pytorch_code>", "exec"), namespace)
        return namespace

    yield _run
    if torch is not None:
        torch.set_default_dtype(before)


def make(hidden, head, sizes=(3, 4, 3, 2), seed=0, **kw):
    out, loss = head
    net = Network(list(sizes), activation=hidden, output_activation=out, loss=loss, seed=seed, **kw)
    rng = np.random.default_rng(seed + 7)
    for b in net.biases:
        b[:] = rng.normal(0, 0.5, b.shape)
    return net


def data(net, batch=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1.5, size=(batch, net.sizes[0]))
    if net.loss_name == "cross_entropy":
        return X, rng.integers(0, net.sizes[-1], batch)          # class labels become one-hot rows
    if net.loss_name == "bce":
        return X, rng.integers(0, 2, size=(batch, net.sizes[-1])).astype(float)
    return X, rng.normal(size=(batch, net.sizes[-1]))


def assert_grads_match(ns, r, L):
    assert abs(float(ns["loss"].item()) - r.loss) <= TOL * max(1.0, abs(r.loss)), "loss"
    for l in range(L):
        for name, want in ((f"W{l + 1}", r.dW[l]), (f"b{l + 1}", r.db[l])):
            got = ns[name].grad.numpy()
            assert got.shape == want.shape, name
            diff = float(np.max(np.abs(got - want)))
            assert diff <= TOL * max(1.0, float(np.max(np.abs(want)))), \
                f"∂L/∂{name}: max |torch − engine| = {diff:.3e}"


@needs_torch
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_gradients_match_for_every_hidden_activation(hidden, run):
    net = make(hidden, ("sigmoid", "mse"))
    X, Y = data(net)
    ns = run(pytorch_code(net, X, Y))
    assert_grads_match(ns, net.backward(X, Y), net.n_layers)


@needs_torch
@pytest.mark.parametrize("head", HEADS, ids=lambda h: "+".join(h))
def test_gradients_match_for_every_output_and_loss(head, run):
    net = make("elu", head, l1=0.01, l2=0.05)
    X, Y = data(net, seed=3)
    ns = run(pytorch_code(net, X, Y))
    assert_grads_match(ns, net.backward(X, Y), net.n_layers)


@needs_torch
def test_softplus_matches_beyond_torch_threshold(run):
    # F.softplus turns into the identity above z = 20; the script must not, or ∂L/∂W differs by ~1e-9
    net = Network([1, 1, 1], activation="softplus", output_activation="linear", loss="mse")
    net.weights[0][:] = 3.0
    net.weights[1][:] = 1e4
    ns = run(pytorch_code(net, 9.0, 0.0))
    assert_grads_match(ns, net.backward(9.0, 0.0), 2)


@needs_torch
@pytest.mark.parametrize("optimizer,clip", [("sgd", {}), ("sgd", {"clip_norm": 0.05}),
                                            ("momentum", {"clip_value": 0.02}), ("adam", {}),
                                            ("adam", {"clip_norm": 0.1, "clip_value": 0.05})])
def test_update_matches_the_engine_step_with_optimizer_memory(optimizer, clip, run):
    net = make("tanh", ("softmax", "cross_entropy"), optimizer=optimizer, **clip)
    X, Y = data(net, seed=1)
    net.step(X, Y, 0.03)                      # give momentum/Adam some memory to carry over
    code = pytorch_code(net, X, Y, lr=0.05)
    ns = run(code)
    twin = net.copy()
    twin.step(X, Y, 0.05)
    for l in range(net.n_layers):
        for name, want in ((f"W{l + 1}", twin.weights[l]), (f"b{l + 1}", twin.biases[l])):
            diff = float(np.max(np.abs(ns[name].detach().numpy() - want)))
            assert diff <= TOL, f"new {name}: max |torch − engine| = {diff:.3e}"


@needs_torch
def test_textbook_script_runs_standalone_and_prints_its_numbers(tmp_path):
    net = textbook_network()
    path = tmp_path / "check.py"
    path.write_text(pytorch_code(net, 2.0, 1.0, lr=0.1))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "loss = 0.06426530048" in out
    assert "dL/dW2 = [[-0.10554205232" in out          # ∂L/∂W2 = −0.1055
    assert "dL/dW1 = [[-0.15351571247" in out          # ∂L/∂W1 = −0.1535
    assert "new W1 = [[0.51535157124" in out            # W1 ← 0.51535


def test_script_carries_exact_weights_and_names_the_conventions():
    net = make("relu", ("sigmoid", "bce"), sizes=(2, 3, 1))
    net.weights[0][1, 0] = 0.1 + 0.2                   # 0.30000000000000004 must survive exactly
    code = pytorch_code(net, [[0.5, -1.0]], [[1.0]])
    assert "0.30000000000000004" in code
    assert "binary_cross_entropy_with_logits" in code and "torch.float64" in code
    compile(code, "<pytorch_code>", "exec")


def test_refuses_what_it_cannot_write():
    net = Network([784, 64, 10], output_activation="softmax", loss="cross_entropy")
    assert net.n_params > MAX_CODE_PARAMETERS
    with pytest.raises(ValueError, match="net: the PyTorch code writes every weight out"):
        pytorch_code(net, np.zeros(784), [3])
    net = make("tanh", ("sigmoid", "mse"))
    with pytest.raises(ValueError, match="lr"):
        pytorch_code(net, *data(net), lr=float("nan"))
    with pytest.raises(ValueError, match="X"):
        pytorch_code(net, np.zeros(5), np.zeros(2))
    net.residual = True
    with pytest.raises(ValueError, match="residual"):
        pytorch_code(net, *data(net))
