"""The operations of the sandbox: one table, each entry the function beside its local derivatives.

``OPS[name] = Op(...)``: ``f(*args, p)`` computes the value, ``df(*args, out, p)`` returns the partial
derivative of the result with respect to each argument (a tuple, one per argument), and ``domain``
returns a sentence when an argument is outside where the value *and* its slope are finite (``None``
inside). ``p`` is the constant exponent of ``powc`` (``x**2``) and unused elsewhere. Every function works
on floats and on NumPy arrays alike (the contour evaluates a whole grid at once).

Kinks take the convention PyTorch takes, so the PyTorch script prints the same gradients:
relu′(0) = 0, abs′(0) = 0, and max/min of two equal numbers send half the gradient to each.
"""
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Optional

import numpy as np


@dataclass(frozen=True)
class Op:
    """One operation: value, local derivatives, domain, and how it is written (plain text and LaTeX).

    ``text``/``tex`` are format strings over the argument names ``{0}``, ``{1}`` (and ``{p}``);
    ``dtext``/``dtex`` give each local derivative in terms of the arguments and the result ``{out}``.
    """
    name: str
    arity: int
    f: Callable
    df: Callable
    text: str
    tex: str
    dtext: tuple
    dtex: tuple
    label: str
    domain: Callable = lambda *args: None


def _sigmoid(a):
    a = np.asarray(a, dtype=np.float64)
    e = np.exp(-np.abs(a))                      # never overflows: exp of a non-positive number
    out = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out[()] if out.ndim == 0 else out


def _step(a):
    """1 where a > 0, else 0 (relu′ with relu′(0) = 0)."""
    return np.where(np.asarray(a) > 0, 1.0, 0.0)[()]


def _pick(a, b, first_wins):
    """∂max(a, b)/∂a: 1 where a wins, 0 where b wins, ½ on a tie (PyTorch's convention)."""
    return np.where(first_wins, 1.0, np.where(np.asarray(a) == np.asarray(b), 0.5, 0.0))[()]


def _positive(what):
    def check(a, *_):
        return None if a > 0 else f"{what} needs an argument above 0"
    return check


def _sqrt_domain(a, *_):
    if a < 0:
        return "√ needs an argument of at least 0"
    if a == 0:
        return "√ has an infinite slope at 0, so no gradient exists there"
    return None


def _div_domain(a, b, *_):
    return "÷ needs a divisor other than 0" if b == 0 else None


def _pow_domain(a, b, *_):
    return None if a > 0 else "a ** b with an exponent that is not a plain number needs a base above 0"


def _powc_domain(a, p):
    if float(p).is_integer():
        return f"** {p:g} needs a base other than 0" if a == 0 and p < 0 else None
    if a < 0:
        return f"** {p:g} (not a whole number) needs a base of at least 0"
    if a == 0 and p < 1:
        return f"** {p:g} has an infinite slope at 0, so no gradient exists there"
    return None


def _log_safe(a):
    return np.log(np.where(np.asarray(a) > 0, a, np.nan))[()]


OPS = MappingProxyType({op.name: op for op in (
    Op("add", 2, lambda a, b, p=None: a + b, lambda a, b, out, p=None: (1.0, 1.0),
       "{0} + {1}", "{0} + {1}", ("1", "1"), ("1", "1"), "+"),
    Op("sub", 2, lambda a, b, p=None: a - b, lambda a, b, out, p=None: (1.0, -1.0),
       "{0} − {1}", "{0} - {1}", ("1", "−1"), ("1", "-1"), "−"),
    Op("mul", 2, lambda a, b, p=None: a * b, lambda a, b, out, p=None: (b, a),
       "{0} · {1}", r"{0} \cdot {1}", ("{1}", "{0}"), ("{1}", "{0}"), "×"),
    Op("div", 2, lambda a, b, p=None: a / b, lambda a, b, out, p=None: (1.0 / b, -a / (b * b)),
       "{0} / {1}", r"\frac{{{0}}}{{{1}}}", ("1/{1}", "−{0}/{1}²"),
       (r"\frac{{1}}{{{1}}}", r"-\frac{{{0}}}{{{1}^2}}"), "÷", _div_domain),
    Op("pow", 2, lambda a, b, p=None: a ** b,
       lambda a, b, out, p=None: (b * a ** (b - 1.0), out * _log_safe(a)),
       "{0} ** {1}", "{{{0}}}^{{{1}}}", ("{1} · {0} ** ({1} − 1)", "{out} · log {0}"),
       (r"{1} \cdot {{{0}}}^{{{1} - 1}}", r"{out} \cdot \log {0}"), "**", _pow_domain),
    Op("powc", 1, lambda a, p: a ** p, lambda a, out, p: (p * a ** (p - 1.0) if p != 0 else 0.0 * a,),
       "{0} ** {p}", "{{{0}}}^{{{p}}}", ("{p} · {0} ** {pm1}",), (r"{p} \cdot {{{0}}}^{{{pm1}}}",),
       "**", _powc_domain),
    Op("neg", 1, lambda a, p=None: -a, lambda a, out, p=None: (-1.0,),
       "−{0}", "-{0}", ("−1",), ("-1",), "−"),
    Op("exp", 1, lambda a, p=None: np.exp(a), lambda a, out, p=None: (out,),
       "exp({0})", r"e^{{{0}}}", ("exp({0}) = {out}",), (r"e^{{{0}}} = {out}",), "exp"),
    Op("log", 1, lambda a, p=None: _log_safe(a), lambda a, out, p=None: (1.0 / a,),
       "log({0})", r"\log {0}", ("1/{0}",), (r"\frac{{1}}{{{0}}}",), "log", _positive("log")),
    Op("sqrt", 1, lambda a, p=None: np.sqrt(np.where(np.asarray(a) >= 0, a, np.nan))[()],
       lambda a, out, p=None: (0.5 / out,), "√{0}", r"\sqrt{{{0}}}", ("1/(2√{0})",),
       (r"\frac{{1}}{{2\sqrt{{{0}}}}}",), "√", _sqrt_domain),
    Op("sin", 1, lambda a, p=None: np.sin(a), lambda a, out, p=None: (np.cos(a),),
       "sin({0})", r"\sin {0}", ("cos({0})",), (r"\cos {0}",), "sin"),
    Op("cos", 1, lambda a, p=None: np.cos(a), lambda a, out, p=None: (-np.sin(a),),
       "cos({0})", r"\cos {0}", ("−sin({0})",), (r"-\sin {0}",), "cos"),
    Op("tanh", 1, lambda a, p=None: np.tanh(a), lambda a, out, p=None: (1.0 - out * out,),
       "tanh({0})", r"\tanh {0}", ("1 − {out}²",), (r"1 - {out}^2",), "tanh"),
    Op("sigmoid", 1, lambda a, p=None: _sigmoid(a), lambda a, out, p=None: (out * (1.0 - out),),
       "sigmoid({0})", r"\sigma({0})", ("{out} · (1 − {out})",), (r"{out} \cdot (1 - {out})",), "σ"),
    Op("relu", 1, lambda a, p=None: np.maximum(a, 0.0), lambda a, out, p=None: (_step(a),),
       "relu({0})", r"\operatorname{{relu}}({0})", ("1 if {0} > 0 else 0",),
       (r"[{0} > 0]",), "relu"),
    Op("abs", 1, lambda a, p=None: np.abs(a), lambda a, out, p=None: (np.sign(a),),
       "abs({0})", r"|{0}|", ("sign({0})",), (r"\operatorname{{sign}}({0})",), "|·|"),
    Op("max", 2, lambda a, b, p=None: np.maximum(a, b),
       lambda a, b, out, p=None: (_pick(a, b, np.asarray(a) > b), _pick(b, a, np.asarray(b) > a)),
       "max({0}, {1})", r"\max({0}, {1})", ("1 if {0} > {1} else 0", "1 if {1} > {0} else 0"),
       (r"[{0} > {1}]", r"[{1} > {0}]"), "max"),
    Op("min", 2, lambda a, b, p=None: np.minimum(a, b),
       lambda a, b, out, p=None: (_pick(a, b, np.asarray(a) < b), _pick(b, a, np.asarray(b) < a)),
       "min({0}, {1})", r"\min({0}, {1})", ("1 if {0} < {1} else 0", "1 if {1} < {0} else 0"),
       (r"[{0} < {1}]", r"[{1} < {0}]"), "min"),
)})

# Functions a student can call, by the name typed: name → (op, number of arguments).
FUNCTIONS = MappingProxyType({
    "exp": "exp", "log": "log", "ln": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tanh": "tanh",
    "sigmoid": "sigmoid", "relu": "relu", "abs": "abs", "max": "max", "min": "min",
})


def domain_error(op: Op, args, p=None) -> Optional[str]:
    """The sentence saying why ``op`` has no finite value or slope at ``args``, or None."""
    if op.name == "powc":
        return op.domain(*args, p)
    return op.domain(*args)
