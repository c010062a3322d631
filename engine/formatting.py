"""How the app writes a number: one rule for every place a number appears, and the one superscript table.

``tex_number`` writes a value for LaTeX (equations); 4 significant digits, scientific below 1e-3 or
from 1e4, ∞ and NaN spelled out. ``sup``/``sub`` write digits as Unicode super-/subscripts (h¹₂, 10⁻⁵).
"""
import math

SIGNIFICANT = 4

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sup(n) -> str:
    """Digits (and a minus sign) as superscripts: sup(-5) == "⁻⁵"."""
    return str(n).translate(_SUP)


def sub(n) -> str:
    """Digits as subscripts: sub(12) == "₁₂"."""
    return str(n).translate(_SUB)


def tex_number(x, digits: int = SIGNIFICANT) -> str:
    """A number for LaTeX: 4 significant digits; scientific below 1e-3 or from 1e4; ∞ / NaN spelled out."""
    x = float(x)
    if math.isnan(x):
        return r"\text{NaN}"
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        s = f"{x:.{digits}g}"
        if "e" not in s:
            return s
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def tex_update(old, new) -> tuple:
    """(old, new) formatted with enough decimals that the change new − old shows 4 significant digits.

    An update is often tiny next to the weight (0.5 → 0.51535): 4 significant digits of the weight
    alone would hide it.
    """
    old, new = float(old), float(new)
    change = new - old
    if not (math.isfinite(old) and math.isfinite(new)) or change == 0 or max(abs(old), abs(new)) >= 1e4:
        return tex_number(old), tex_number(new)
    decimals = SIGNIFICANT - 1 - math.floor(math.log10(abs(change)))
    for v in (old, new):
        if v != 0:
            decimals = max(decimals, SIGNIFICANT - 1 - math.floor(math.log10(abs(v))))
    if decimals > 12:
        return tex_number(old), tex_number(new)
    return _fixed(old, max(decimals, 0)), _fixed(new, max(decimals, 0))


def _fixed(x: float, decimals: int) -> str:
    s = f"{x:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


