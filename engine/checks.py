"""Check builders: each check is ``check(value, name) -> value`` (normalised) or one ValueError that
names the field and what was expected: ``network.seed: expected an integer from 0 to 4,294,967,295,
got -1``. ``engine.settings`` builds every setting's check from these; the scenario format builds
its structured checks on them.
"""
import math


def _fail(name: str, expected: str, value) -> ValueError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "…"
    return ValueError(f"{name}: expected {expected}, got {shown}")


def _number(lo: float, hi: float, lo_open=False, hi_open=False):
    lo_s, hi_s = ("(" if lo_open else "[", ")" if hi_open else "]")
    expected = f"a finite number in {lo_s}{lo:g}, {hi:g}{hi_s}"

    def check(value, name):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(name, expected, value)
        value = _float(value)
        if not math.isfinite(value) or value < lo or value > hi or (lo_open and value == lo) or \
                (hi_open and value == hi):
            raise _fail(name, expected, value)
        return value
    return check


def _float(value) -> float:
    """float(value), or inf for an integer too large for a float (a JSON file may hold 400 digits)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _integer(lo: int, hi: int):
    expected = f"an integer from {lo} to {hi:,}"

    def check(value, name):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(name, expected, value)
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise _fail(name, expected, value)
        if not lo <= value <= hi:
            raise _fail(name, expected, value)
        return int(value)
    return check


def _optional(check):
    def wrapped(value, name):
        return None if value is None else check(value, name)
    return wrapped


def _choice(options):
    options = tuple(options)

    def check(value, name):
        if not isinstance(value, str) or value not in options:
            raise _fail(name, f"one of {', '.join(options)}", value)
        return value
    return check


def _boolean(value, name):
    if not isinstance(value, bool):
        raise _fail(name, "true or false", value)
    return value
