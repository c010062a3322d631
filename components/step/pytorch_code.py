"""'Show the PyTorch equivalent': a self-contained script that rebuilds the current network in PyTorch.

``pytorch_code(net, X, Y)`` returns Python source that, run with torch installed, builds the network
with the current weights (float64, the exact values: floats are written with ``repr``, which
round-trips), runs forward and backward with the app's loss convention and prints the loss and every
∂L/∂W, ∂L/∂b. With ``lr`` it also takes one optimizer step with ``torch.optim`` (SGD, SGD with
momentum or Adam, carrying over the app's optimizer memory) and prints the new parameters, so a
student can check every number of the page outside the app.

Pure function of the network: no Streamlit here; the page shows the string with ``st.code``.
"""
import math

import numpy as np

from engine.activations import OUTPUT_ACTIVATIONS

MAX_CODE_PARAMETERS = 30_000   # every weight is written into the script; beyond this it is unreadable

_LOSS_CODE = {
    "mse": ("loss = ((yhat - Y) ** 2).sum(dim=1).mean()",
            "mean over the batch of the sum over outputs of (ŷ − y)²"),
    "bce": ("loss = F.binary_cross_entropy_with_logits(z{L}, Y, reduction='sum') / X.shape[0]",
            "mean over the batch of the sum over outputs of −[y ln ŷ + (1 − y) ln(1 − ŷ)], ŷ = σ(z)"),
    "cross_entropy": ("loss = -(Y * torch.log_softmax(z{L}, dim=1)).sum(dim=1).mean()",
                      "mean over the batch of −Σ_j y_j ln ŷ_j, ŷ = softmax(z)"),
}


def _num(x) -> str:
    x = float(x)
    if math.isnan(x):
        return "float('nan')"
    if math.isinf(x):
        return "float('inf')" if x > 0 else "-float('inf')"
    return repr(x)


def _tensor(arr, indent: str = "    ") -> str:
    """A torch.tensor literal with exact float values, one matrix row per line."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 1:
        return "[" + ", ".join(_num(v) for v in arr) + "]"
    rows = ["[" + ", ".join(_num(v) for v in row) + "]" for row in arr]
    if len(rows) == 1:
        return "[" + rows[0] + "]"
    return "[\n" + "".join(f"{indent}{r},\n" for r in rows) + "]"


def pytorch_code(net, X, Y, lr=None) -> str:
    """Python source rebuilding ``net`` in PyTorch and printing the loss and gradients for (X, Y).

    Parameters
    ----------
    net : engine.Network
        A plain fully connected network (no residual connections or normalisation).
    X, Y : arrays as accepted by ``Network.backward``
    lr : float or None
        When given, the script also takes one optimizer step (the network's optimizer, clipping and
        memory) and prints the updated parameters.

    Returns
    -------
    str
        A runnable script. Its parameters are named W1, b1, W2, b2, … (W1 = ``net.weights[0]``).
    """
    for option in ("residual", "norm"):
        if getattr(net, option, None):
            raise ValueError(f"net: the PyTorch equivalent covers plain fully connected networks; "
                             f"'{option}' is set to {getattr(net, option)!r}")
    if net.n_params > MAX_CODE_PARAMETERS:
        raise ValueError(f"net: the PyTorch code writes every weight out; at most {MAX_CODE_PARAMETERS:,} "
                         f"parameters, this network has {net.n_params:,}")
    if lr is not None and (not math.isfinite(lr) or lr < 0):
        raise ValueError(f"lr: expected a finite learning rate ≥ 0, got {lr!r}")
    X, Y = net.prepare(X, Y)
    L = net.n_layers
    acts = ", ".join(net.activation_names)
    out = [
        '"""Backprop Lens, the same step in PyTorch.',
        "",
        f"Network {list(net.sizes)}, activations ({acts}), loss {net.loss_name}, float64, the app's current weights.",
        "z = a @ W.T + b as in the app: W has shape (units out, units in). Run: python this_file.py",
        '"""',
        "import torch",
        "import torch.nn.functional as F",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        f"# data: {X.shape[0]} sample(s), X ({X.shape[0]}, {X.shape[1]}), Y ({Y.shape[0]}, {Y.shape[1]})",
        f"X = torch.tensor({_tensor(X)})",
        f"Y = torch.tensor({_tensor(Y)})",
        "",
        "# parameters (exact values of the app)",
    ]
    for l, (W, b) in enumerate(zip(net.weights, net.biases), start=1):
        out.append(f"W{l} = torch.tensor({_tensor(W)}, requires_grad=True)")
        out.append(f"b{l} = torch.tensor({_tensor(b)}, requires_grad=True)")
    out += ["", "# forward"]
    prev = "X"
    for l, name in enumerate(net.activation_names, start=1):
        a = "yhat" if l == L else f"a{l}"
        out.append(f"z{l} = {prev} @ W{l}.T + b{l}")
        out.append(f"{a} = {OUTPUT_ACTIVATIONS[name].torch.format(z=f'z{l}')}")
        prev = a
    code, text = _LOSS_CODE[net.loss_name]
    out += ["", f"# loss: {text}", code.format(L=L)]
    weights = " + ".join(f"W{l}" for l in range(1, L + 1))
    if net.l1:
        out.append(f"loss = loss + {_num(net.l1)} * sum(W.abs().sum() for W in [{weights.replace(' + ', ', ')}])")
    if net.l2:
        out.append(f"loss = loss + 0.5 * {_num(net.l2)} * sum((W ** 2).sum() for W in "
                   f"[{weights.replace(' + ', ', ')}])")
    params = ", ".join(f"W{l}, b{l}" for l in range(1, L + 1))
    names = ", ".join(f'"W{l}", "b{l}"' for l in range(1, L + 1))
    out += [
        "",
        "# backward",
        "loss.backward()",
        "",
        f"params = [{params}]",
        f"names = [{names}]",
        'print(f"loss = {loss.item():.10g}")',
        "for name, p in zip(names, params):",
        '    print(f"dL/d{name} =", p.grad.tolist())',
    ]
    if lr is not None:
        out += _update_code(net, float(lr))
    return "\n".join(out) + "\n"


def _update_code(net, lr: float) -> list:
    """One optimizer step with torch.optim, after the app's clipping; the app's memory carried over."""
    h = net.hyper
    out = ["", f"# one update, learning rate {_num(lr)}"]
    if net.clip_value is not None:
        out += [f"for p in params:  # clip each gradient to ±{_num(net.clip_value)} (as the app, before the norm)",
                f"    p.grad.clamp_(-{_num(net.clip_value)}, {_num(net.clip_value)})"]
    if net.clip_norm is not None:
        out += ["norm = torch.sqrt(sum((p.grad ** 2).sum() for p in params))",
                f"if norm > {_num(net.clip_norm)}:  # rescale to global norm {_num(net.clip_norm)}",
                "    for p in params:",
                f"        p.grad.mul_({_num(net.clip_norm)} / norm)"]
    state = net.optimizer_state
    if net.optimizer == "sgd":
        out.append(f"opt = torch.optim.SGD(params, lr={_num(lr)})")
    elif net.optimizer == "momentum":
        out.append(f"opt = torch.optim.SGD(params, lr={_num(lr)}, momentum={_num(h['momentum'])})")
        if state.get("v") and lr > 0:
            # the app keeps v (step = v ← μv − αg); torch keeps buf with step −α(μ buf + g): buf = −v/α
            out.append("# the app's momentum memory: torch's buffer is −v/α of the app's velocity v")
            for p, v in zip(_param_names(net), state["v"]):
                out.append(f"opt.state[{p}]['momentum_buffer'] = torch.tensor({_tensor(-np.asarray(v) / lr)})")
    else:
        out.append(f"opt = torch.optim.Adam(params, lr={_num(lr)}, betas=({_num(h['beta1'])}, {_num(h['beta2'])}), "
                   f"eps={_num(h['eps'])})")
        if state.get("t"):
            out.append(f"# the app's Adam memory after {state['t']} step(s)")
            for p, m, v in zip(_param_names(net), state["m"], state["v"]):
                out.append(f"opt.state[{p}] = {{'step': torch.tensor({_num(state['t'])}), "
                           f"'exp_avg': torch.tensor({_tensor(m)}), 'exp_avg_sq': torch.tensor({_tensor(v)})}}")
    out += [
        "opt.step()",
        "for name, p in zip(names, params):",
        '    print(f"new {name} =", p.detach().tolist())',
    ]
    return out


def _param_names(net) -> list:
    return [n for l in range(1, net.n_layers + 1) for n in (f"W{l}", f"b{l}")]
