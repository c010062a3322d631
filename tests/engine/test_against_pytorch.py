"""The engine's loss and every gradient equal PyTorch autograd's (float64), when PyTorch is installed."""
import numpy as np
import pytest

from engine import OUTPUT_ACTIVATIONS, Network
from tests.helpers import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional



def torch_activation(name, z):
    """The activation through its PyTorch expression in the engine's one activation table."""
    return eval(OUTPUT_ACTIVATIONS[name].torch.format(z="z"), {"torch": torch, "F": F, "z": z})


def _torch_pass(net, X, Y):
    T = lambda x: torch.tensor(np.asarray(x), dtype=torch.float64, requires_grad=True)  # noqa: E731
    Ws, bs = [T(W) for W in net.weights], [T(b) for b in net.biases]
    gs, betas = [T(g) for g in net.gammas], [T(b) for b in net.betas]
    a, zs = torch.tensor(X), []
    L = net.n_layers
    for l in range(L):
        z = a @ Ws[l].T + bs[l]
        z.retain_grad()
        zs.append(z)
        u = z
        if net.norm and l < L - 1:
            if net.norm == "batch":
                u = F.batch_norm(z, None, None, gs[l], betas[l], training=True, eps=1e-5)
            else:
                u = F.layer_norm(z, (z.shape[1],), gs[l], betas[l], eps=1e-5)
        f = torch_activation(net.activation_names[l], u)
        a = f + a if l in net.residual_layers else f
    Yt = torch.tensor(Y)
    if net.loss_name == "mse":
        loss = ((a - Yt) ** 2).sum(dim=1).mean()
    elif net.loss_name == "bce":
        loss = F.binary_cross_entropy_with_logits(zs[-1], Yt, reduction="none").sum(dim=1).mean()
    else:
        loss = F.cross_entropy(zs[-1], Yt.argmax(dim=1))
    loss = loss + sum(net.l1 * W.abs().sum() + 0.5 * net.l2 * (W * W).sum() for W in Ws)
    loss.backward()
    return loss, Ws, bs, gs, betas, zs


CASES = [
    dict(activation="tanh"),
    dict(activation="relu", output_activation="softmax", loss="cross_entropy"),
    dict(activation="silu", output_activation="sigmoid", loss="bce", l1=0.01, l2=0.1),
    dict(activation="elu", residual=True),
    dict(activation="leaky_relu", norm="batch"),
    dict(activation="softplus", norm="layer", residual=True),
    dict(activation="sigmoid", norm="batch", residual=True, output_activation="softmax", loss="cross_entropy"),
]


@pytest.mark.parametrize("options", CASES, ids=lambda o: "-".join(f"{v}" for v in o.values()))
def test_gradients_equal_pytorch_autograd(options):
    options = {"output_activation": "linear", "loss": "mse", **options}
    net = Network([3, 5, 5, 4, 4, 3], seed=21, init="xavier_normal", **options)
    rng = np.random.default_rng(22)
    for p in net.biases + net.betas:
        p[:] = rng.normal(0.0, 0.3, p.shape)
    for g in net.gammas:
        g[:] = rng.uniform(0.5, 1.5, g.shape)
    X = rng.normal(size=(6, 3))
    Y = np.eye(3)[rng.integers(0, 3, 6)] if options["loss"] != "mse" else rng.normal(size=(6, 3))
    r = net.backward(X, Y)
    loss, Ws, bs, gs, betas, zs = _torch_pass(net, X, Y)
    assert_close("loss", r.loss, loss.item(), rtol=1e-12)
    for l in range(net.n_layers):
        assert_close(f"dW{l}", r.dW[l], Ws[l].grad.numpy(), rtol=1e-9, atol=1e-13)
        assert_close(f"db{l}", r.db[l], bs[l].grad.numpy(), rtol=1e-9, atol=1e-13)
        assert_close(f"delta{l} = batch·∂L/∂z", r.delta[l], 6 * zs[l].grad.numpy(), rtol=1e-9, atol=1e-13)
    for l in range(len(net.gammas)):
        assert_close(f"dgamma{l}", r.dgamma[l], gs[l].grad.numpy(), rtol=1e-9, atol=1e-13)
        assert_close(f"dbeta{l}", r.dbeta[l], betas[l].grad.numpy(), rtol=1e-9, atol=1e-13)
