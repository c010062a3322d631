"""The PyTorch equivalent of a sandbox expression: a script whose ``torch.autograd`` prints the same gradients.

Pure function of the graph and the values (no Streamlit). Every node becomes one line named as on the page
(v1, v2, …), the values are written with ``repr`` (exact float64), and ``backward()`` fills ``.grad``.
"""
import keyword

from engine.expression import Graph, number

_TORCH = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}", "pow": "{0} ** {1}",
    "powc": "{0} ** {p}", "neg": "-{0}", "exp": "torch.exp({0})", "log": "torch.log({0})",
    "sqrt": "torch.sqrt({0})", "sin": "torch.sin({0})", "cos": "torch.cos({0})", "tanh": "torch.tanh({0})",
    "sigmoid": "torch.sigmoid({0})", "relu": "torch.relu({0})", "abs": "torch.abs({0})",
    "max": "torch.maximum({0}, {1})", "min": "torch.minimum({0}, {1})",
}
_RESERVED = {"torch", "print", "float", "t64", "grads"}


def _py(name: str) -> str:
    return f"{name}_" if name in _RESERVED or keyword.iskeyword(name) else name


def pytorch_script(graph: Graph, values) -> str:
    """Python source: the expression in PyTorch (float64), ``backward()``, then the output and ∂out/∂each variable."""
    out = _py(graph.output_name)
    lines = [f"# {graph.text.strip()}",
             "# PyTorch computes the same graph; .backward() runs reverse mode (backpropagation).",
             "import torch", "", "t64 = dict(dtype=torch.float64)"]
    for v in graph.variables:
        lines.append(f"{_py(v)} = torch.tensor({float(values[v])!r}, requires_grad=True, **t64)")
    names = {}
    for n in graph.nodes:
        if n.op == "var":
            names[n.id] = _py(n.name)
        elif n.op == "const":
            names[n.id] = f"torch.tensor({float(n.param)!r}, **t64)"
        else:
            expr = _TORCH[n.op].format(*(names[a] for a in n.inputs), p=repr(float(n.param or 0.0)))
            target = out if n.id == graph.output else _py(n.name)
            lines.append(f"{target} = {expr}")
            names[n.id] = target
    if graph.node(graph.output).op in ("var", "const"):
        lines.append(f"{out} = {names[graph.output]} * 1.0")
    lines += ["", f"{out}.backward()", f'print("{graph.output_name} =", {out}.item())']
    for v in graph.variables:
        lines.append(f'print("d{graph.output_name}/d{v} =", {_py(v)}.grad.item())')
    lines.append(f"# The page shows {graph.output_name} to 4 digits; this prints every digit.")
    return "\n".join(lines) + "\n"


def expected_lines(graph: Graph, ev) -> list:
    """The lines the script prints, as the page rounds them (for the caption under the code)."""
    return [f"{graph.output_name} = {number(ev.output)}"] + \
        [f"d{graph.output_name}/d{v} = {number(ev.gradient[v])}" for v in graph.variables]
