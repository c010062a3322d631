"""One number rule: format_number (text and TeX) and its array form give the same text for every value."""
import math

import numpy as np
import pytest

from engine.formatting import format_number, format_numbers, sub, sup, tex_number

EDGES = [0.0, -0.0, math.nan, math.inf, -math.inf, 9999.5, 9999.4, 0.00099995, 1e-3, 1e4, -1e4, 1.0, 5e-324,
         1.7976931348623157e308, 123456.5, 9.9995e-5, 100.0, 420.0, -1e-7]


@pytest.mark.parametrize("x, text, tex", [
    (0.10550, "0.1055", "0.1055"),                  # the textbook's ∂L/∂W2 magnitude, 4 significant digits
    (-0.15350, "−0.1535", "-0.1535"),               # a real minus sign on screen, ASCII in LaTeX
    (1.5e-5, "1.5·10⁻⁵", r"1.5 \times 10^{-5}"),    # below 1e-3: scientific
    (12345.0, "1.234·10⁴", r"1.234 \times 10^{4}"),  # from 1e4: scientific (12345 rounds half to even)
    (0.001, "0.001", "0.001"), (0.0, "0", "0"),
    (math.inf, "∞", r"\infty"), (-math.inf, "−∞", r"-\infty"), (math.nan, "NaN", r"\text{NaN}"),
])
def test_one_rule_in_text_and_in_tex(x, text, tex):
    assert format_number(x) == text
    assert tex_number(x) == tex


@pytest.mark.parametrize("digits", [1, 2, 4, 6])
def test_the_array_form_writes_every_value_as_format_number_does(digits):
    rng = np.random.default_rng(digits)
    values = np.concatenate([rng.normal(0, 1, 5000) * 10.0 ** rng.integers(-12, 12, 5000), EDGES])
    got = format_numbers(values.reshape(-1, 1), digits)
    assert got.shape == (values.size, 1)
    want = [format_number(v, digits) for v in values]
    bad = [(v, g, w) for v, g, w in zip(values, got[:, 0], want) if g != w]
    assert not bad, bad[:5]


def test_super_and_subscripts_come_from_one_table():
    assert sup(-12) == "⁻¹²" and sub(305) == "₃₀₅"
    assert format_number(2e-12, 1) == "2·10⁻¹²"
