"""The sandbox's PyTorch equivalent prints the engine's gradients (run against torch when it is installed)."""
import importlib.util
import subprocess
import sys

import pytest

from components.sandbox.pytorch import pytorch_script
from engine.expression import evaluate, parse

EXPRESSIONS = [
    ("y = sigmoid(w*x + b)", {"w": 0.5, "x": 2.0, "b": 0.1}),
    ("L = (sigmoid(w2*relu(w1*x + b1) + b2) - t)**2", {"w2": 0.8, "w1": 0.5, "x": 2.0, "b1": 0.1, "b2": 0.2, "t": 1.0}),
    ("f = x**2 * y + sin(x*y)", {"x": 1.0, "y": 2.0}),
    ("g = exp(a) / sqrt(b) - log(c) + cos(a*b) * tanh(c)", {"a": 0.3, "b": 2.0, "c": 1.5}),
    ("h = abs(p - 3) + max(p, q) - min(p, 2*q) + p ** q - -q", {"p": 1.5, "q": 0.7}),
    ("y = x", {"x": 3.0}),
    ("out = print * torch", {"print": 2.0, "torch": 3.0}),   # names that would shadow Python ones
    ("relu(x) + max(x, y)", {"x": 1.0, "y": 1.0}),          # the conventions at kinks: relu′(0)…, max ties ½ each
]


def printed(script):
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(line.split(" = ") for line in out.stdout.strip().splitlines())


@pytest.mark.parametrize("text, values", EXPRESSIONS, ids=[e[0][:24] for e in EXPRESSIONS])
def test_script_is_complete_python_with_exact_values(text, values):
    g = parse(text)
    script = pytorch_script(g, values)
    compile_ok = __import__("ast").parse(script)            # parses as Python (not run here)
    assert compile_ok and "backward()" in script
    for v in g.variables:
        assert f"torch.tensor({float(values[v])!r}, requires_grad=True" in script


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
@pytest.mark.parametrize("text, values", EXPRESSIONS, ids=[e[0][:24] for e in EXPRESSIONS])
def test_torch_prints_the_same_gradients(text, values):
    g = parse(text)
    ev = evaluate(g, values)
    got = printed(pytorch_script(g, values))
    assert float(got[g.output_name]) == pytest.approx(ev.output, rel=1e-12, abs=1e-15)
    for v in g.variables:
        assert float(got[f"d{g.output_name}/d{v}"]) == pytest.approx(ev.gradient[v], rel=1e-12, abs=1e-15), v
