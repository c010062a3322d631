"""Value checks of the scenario format's structured fields (sizes, weights, inputs, options …).

A check is ``check(value, name) -> value``; ``name`` is the field's JSON path ("network.seed"), so
every message names the field and what was expected: ``network.sizes[1]: expected an integer from 1
to 256, got 300``. The builders of scalar checks (``_number``, ``_integer``, ``_choice`` …) live in
``engine.checks``; the scalar settings' checks come from ``engine.settings``.
"""
import math
import re
from typing import Mapping

from engine.activations import ACTIVATIONS
from engine.checks import _choice, _fail, _integer, _number
from engine.features import FEATURES

MAX_LAYERS = 64            # weight layers (hidden layers + output)
MAX_OPTION_LIST = 64       # values in one view option that is a list (e.g. a schedule of α changes)
MAX_UNITS = 256            # units in any layer, input and output included
MAX_BATCH = 512            # rows of x / y
MAX_ABS = 1e6              # |value| of any weight, bias, input or target
MAX_TEXT = 4000            # characters of a title or an explanation
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def _text(value, name):
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise _fail(name, f"text of at most {MAX_TEXT} characters", value)
    return value


def _expression(value, name):
    """The sandbox's expression text (checked against the grammar by ``sandbox_adapter.sandbox_graph``)."""
    from engine.expression import MAX_LENGTH
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        raise _fail(name, f"an expression of at most {MAX_LENGTH} characters", value)
    return value


def _values(value, name):
    """The sandbox's variables: {name: finite number in ±MAX_ABS}, at most ``MAX_VARIABLES`` of them."""
    from engine.expression import MAX_VARIABLES
    if value is None:
        return None
    if not isinstance(value, Mapping) or len(value) > MAX_VARIABLES:
        raise _fail(name, f"an object of at most {MAX_VARIABLES} variables and their values", value)
    check = _number(-MAX_ABS, MAX_ABS)
    out = {}
    for key, v in value.items():
        if not isinstance(key, str) or not re.fullmatch(r"[^\W\d_]+\d*", key):
            raise _fail(name, "variable names of letters then digits (x, w2)", key)
        out[key] = check(v, f"{name}.{key}")
    return out


def _lesson_id(value, name):
    if value is None:
        return None
    if not isinstance(value, str) or not _NAME.match(value):
        raise _fail(name, "a lesson name (letters, digits, - _ .)", value)
    return value


def _sizes(value, name):
    if not isinstance(value, (list, tuple)) or not 2 <= len(value) <= MAX_LAYERS + 1:
        raise _fail(name, f"a list of 2 to {MAX_LAYERS + 1} layer sizes (≤ {MAX_LAYERS} weight layers)", value)
    return tuple(_integer(1, MAX_UNITS)(s, f"{name}[{i}]") for i, s in enumerate(value))


def _activation(value, name):
    if isinstance(value, str):
        return _choice(ACTIVATIONS)(value, name)
    if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS:
        raise _fail(name, "an activation name or a list of one name per hidden layer", value)
    names = tuple(_choice(ACTIVATIONS)(v, f"{name}[{i}]") for i, v in enumerate(value))
    return names[0] if names and all(n == names[0] for n in names) else names


def _matrix(value, name):
    """A list of rows of finite numbers (one row may be given flat), as a tuple of tuples."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [[value]]
    if not isinstance(value, (list, tuple)) or not value:
        raise _fail(name, "a non-empty list of rows of numbers", value)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        value = [value]
    if len(value) > MAX_BATCH:
        raise _fail(name, f"at most {MAX_BATCH} rows", f"{len(value)} rows")
    rows = _matrix_rows(value, name)
    if len({len(r) for r in rows}) != 1:
        raise _fail(name, "rows of equal length", [len(r) for r in rows])
    return tuple(rows)


def _per_layer(value, name, what, each):
    """null, or a list of 1 to ``MAX_LAYERS`` items, each checked by ``each(item, "name[l]")``."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_LAYERS:
        raise _fail(name, f"null or a list of 1 to {MAX_LAYERS} {what}", value)
    return tuple(each(item, f"{name}[{l}]") for l, item in enumerate(value))


def _weights(value, name):
    return _per_layer(value, name, "weight matrices", _weight_matrix)


def _weight_matrix(W, name):
    if not isinstance(W, (list, tuple)) or not 1 <= len(W) <= MAX_UNITS:
        raise _fail(name, f"a matrix of 1 to {MAX_UNITS} rows", W)
    return _matrix_rows(W, name)


def _matrix_rows(W, name):
    check = _number(-MAX_ABS, MAX_ABS)
    rows = []
    for j, row in enumerate(W):
        if not isinstance(row, (list, tuple)) or not 1 <= len(row) <= MAX_UNITS:
            raise _fail(f"{name}[{j}]", f"a row of 1 to {MAX_UNITS} numbers", row)
        rows.append(tuple(check(v, f"{name}[{j}][{k}]") for k, v in enumerate(row)))
    return tuple(rows)


def _biases(value, name):
    return _per_layer(value, name, "bias vectors", _vector)


def _vector(b, name):
    if not isinstance(b, (list, tuple)) or not 1 <= len(b) <= MAX_UNITS:
        raise _fail(name, f"a list of 1 to {MAX_UNITS} numbers", b)
    check = _number(-MAX_ABS, MAX_ABS)
    return tuple(check(v, f"{name}[{j}]") for j, v in enumerate(b))


def _subset(options):
    options = tuple(options)

    def check(value, name):
        if not isinstance(value, (list, tuple)) or len(value) > len(options):
            raise _fail(name, f"a list of names from {', '.join(options)}", value)
        names = [_choice(options)(v, f"{name}[{i}]") for i, v in enumerate(value)]
        return tuple(o for o in options if o in names)  # canonical order, no repeats
    return check


def _features(value, name):
    """Input features of the playground, in the order given (it is the order of the input columns)."""
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= len(FEATURES):
        raise _fail(name, f"a list of 1 to {len(FEATURES)} names from {', '.join(FEATURES)}", value)
    names = tuple(_choice(FEATURES)(v, f"{name}[{i}]") for i, v in enumerate(value))
    if len(set(names)) != len(names):
        raise _fail(name, "each feature at most once", value)
    return names


def _options(value, name):
    """Page-specific display options: a flat mapping of short names to JSON scalars or short lists."""
    if not isinstance(value, Mapping) or len(value) > 32:
        raise _fail(name, "an object of at most 32 display options", value)
    out = {}
    for key, v in value.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise _fail(name, "option names of letters, digits, - _ . (≤ 40 characters)", key)
        out[key] = _scalar_or_list(v, f"{name}.{key}")
    return dict(sorted(out.items()))


def _scalar_or_list(v, name):
    if isinstance(v, (list, tuple)):
        if len(v) > MAX_OPTION_LIST:
            raise _fail(name, f"a list of at most {MAX_OPTION_LIST} values", v)
        return tuple(_scalar(x, f"{name}[{i}]") for i, x in enumerate(v))
    return _scalar(v, name)


def _scalar(v, name):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        if not math.isfinite(v) or abs(v) > 1e12:
            raise _fail(name, "a finite number", v)
        return v
    if isinstance(v, str) and len(v) <= 200:
        return v
    raise _fail(name, "null, true/false, a finite number or text of ≤ 200 characters", v)



def parse_hidden(text: str, max_layers: int, max_units: int, label: str = "Hidden layer sizes",
                 noun: str = "units") -> tuple:
    """Hidden layer sizes typed by a student: '3, 2' → (3, 2); '' → (); ';' also separates.

    Raises ValueError starting with ``label`` (the widget's label) and saying what was expected.
    """
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    try:
        sizes = tuple(int(p) for p in parts if p)
    except ValueError:
        raise ValueError(f"{label}: expected whole numbers separated by commas (e.g. 3, 2), got {text!r}") from None
    if len(sizes) > max_layers:
        raise ValueError(f"{label}: expected at most {max_layers} layers, got {len(sizes)}")
    for i, n in enumerate(sizes):
        if not 1 <= n <= max_units:
            raise ValueError(f"{label}: layer {i + 1} must have 1 … {max_units} {noun}, got {n}")
    return sizes
