"""The link codec: a scenario as short query parameters and back, reading the field table's link columns.

``to_query`` writes only what differs from the base (the lesson named, or the defaults), each field
under its ``Field.query`` key in its ``Field.show`` text; ``from_query`` reads them back through
``Field.parse`` and ``Field.check`` and never raises: a bad parameter is skipped and named in a notice.
A link carries every weight up to ``LINK_MAX_PARAMS`` parameters; beyond that it carries the settings
and seed and says the weights are re-initialised. It cannot carry uploaded points.
"""
import dataclasses
import json
from typing import Dict, List, Mapping, Optional, Tuple

from engine.checks import _number
from engine.scenario.checks import MAX_ABS, _options
from engine.scenario.fields import CSV_DATASET, FIELD, FIELDS, VERSION, _fmt
from engine.scenario.lessons import load_lesson
from engine.scenario.record import _DEFAULT, Scenario, _as_document, _plain, _reject_constant, default_scenario

LINK_MAX_PARAMS = 64       # a link carries every weight up to this many parameters
NO_LINK_FOR_POINTS = "a link cannot carry uploaded points; save the scenario file instead"


def _option_text(value) -> str:
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return value  # plain text needs no quotes; the reader falls back to text
    return json.dumps(_plain(value), separators=(",", ":"), ensure_ascii=False)



def link_carries_weights(s: Scenario) -> bool:
    """Whether ``to_query(s)`` holds every weight (at most ``LINK_MAX_PARAMS`` parameters)."""
    return s.weights is None or len(s.flat_parameters()) <= LINK_MAX_PARAMS


def to_query(s: Scenario) -> Dict[str, str]:
    """Compact link parameters: only what differs from the base (the lesson named, or the defaults).

    Always holds ``v`` (the format version). Weights go in ``w`` as all parameters in the order
    W0 (row by row), b0, W1, b1, … when the network has at most ``LINK_MAX_PARAMS`` of them; for a
    bigger network ``w=seed`` says the link re-initialises the weights from the seed.

    Raises ValueError for uploaded points (``data.points``): a link cannot carry them.
    """
    if s.points is not None:
        raise ValueError(f"data.points: {NO_LINK_FOR_POINTS}")
    base = _link_base(s.lesson)
    q = {"v": str(VERSION)}
    if s.lesson is not None:
        q["lesson"] = s.lesson
    for f in FIELDS:
        if f.name in _NOT_IN_LOOP:
            continue
        value = getattr(s, f.name)
        if value != getattr(base, f.name):
            q[f.query] = "-" if value is None else f.show(value)
    for key, value in s.options.items():
        if base.options.get(key, _MISSING) != value:
            q["v." + key] = _option_text(value)
    for key in base.options:
        if key not in s.options:
            q["v." + key] = "-"
    if s.flat_parameters() != base.flat_parameters() or s.sizes != base.sizes:
        if s.weights is None:
            q["w"] = "seed"
        elif link_carries_weights(s):
            q["w"] = ",".join(_fmt(v) for v in s.flat_parameters())
        elif _weights_are_the_seeds(s):
            q["w"] = "seed"
        else:
            q["w"] = "reinit"
    if s.title != base.title and s.title is not None:
        q["title"] = s.title
    if s.explanation != base.explanation and s.explanation is not None:
        q["expl"] = s.explanation
    return q


def _weights_are_the_seeds(s: Scenario) -> bool:
    fresh = dataclasses.replace(s, weights=None, biases=None, gammas=None, betas=None).to_network()
    return Scenario.from_network(fresh).flat_parameters() == s.flat_parameters()


_MISSING = object()
_POINTS_KEY = FIELD["points"].query
_NOT_IN_LOOP = ("lesson", "title", "explanation", "weights", "biases", "gammas", "betas", "options", "points")


def _link_base(lesson: Optional[str]) -> Scenario:
    if lesson is not None:
        try:
            return load_lesson(lesson)
        except ValueError:
            pass
    return Scenario()


def from_query(params: Mapping, ignore=()) -> Tuple[Scenario, List[str]]:
    """Rebuild a scenario from link parameters; never raises on bad input.

    Returns ``(scenario, notices)``: every unknown or malformed parameter is skipped (the base value
    stays) and named in a notice; if the parameters do not fit together the parts that clash are
    dropped, and as a last resort the default scenario is returned, each time with a notice.
    ``ignore`` names parameters that belong to someone else (skipped silently).
    """
    notices: List[str] = []
    params = {str(k): (v[-1] if isinstance(v, (list, tuple)) and v else v) for k, v in dict(params).items()}
    params = {k: v for k, v in params.items() if isinstance(v, str) and k not in set(ignore)}
    if params.get("v") == "1":
        params = _from_version_1(params)
    lesson = params.get("lesson")
    base = Scenario()
    if lesson is not None:
        try:
            base = load_lesson(lesson)
        except ValueError as e:
            notices.append(f"link: {e}; using the defaults")
    values = {f.name: getattr(base, f.name) for f in FIELDS}
    values["options"] = dict(base.options)
    by_key = {f.query: f for f in FIELDS if f.parse is not None}
    weights_text = None
    for key, text in params.items():
        if key in ("v", "lesson"):
            if key == "v" and text not in ("1", str(VERSION)):
                notices.append(f"link parameter v={text!r}: this app reads link versions 1 to {VERSION}; "
                               f"reading it as version {VERSION}")
            continue
        if key == "w":
            weights_text = text
            continue
        if key.startswith("v."):
            name = key[2:]
            if text == "-":
                values["options"].pop(name, None)
                continue
            try:
                value = json.loads(text, parse_constant=_reject_constant)
            except (ValueError, RecursionError):
                value = text  # plain text travels without quotes
            try:
                values["options"].update(_options({name: value}, "view.options"))
            except ValueError as e:
                notices.append(f"link parameter {key}: {e}; ignored")
            continue
        f = by_key.get(key)
        if key == _POINTS_KEY or (f is not None and f.name == "dataset" and text == CSV_DATASET):
            notices.append(f"link parameter {key}: a link cannot carry uploaded points; ignored (the points "
                           "travel in a saved scenario file)")
            continue
        if f is None:
            notices.append(f"link parameter {key!r} is unknown; ignored")
            continue
        label = f.path
        try:
            raw = f.parse(text)
            values[f.name] = f.check(raw, label)
        except (ValueError, TypeError, OverflowError) as e:
            detail = str(e) if str(e).startswith(label) else f"{label}: could not read {text[:40]!r}"
            notices.append(f"link parameter {key}: {detail}; using {_fmt_default(values[f.name])}")
    if values["page"] == "sandbox":
        from engine.scenario.sandbox_adapter import SANDBOX_DEFAULT, sandbox_problem
        problem = None if values.get("expression") is None else sandbox_problem(values["expression"], values["values"])
        if problem:
            notices.append(f"link: {problem}; the sandbox opens its first example instead")
        if problem or values.get("expression") is None:   # a bad one, or a link naming only the page
            values["expression"], values["values"] = SANDBOX_DEFAULT[0], dict(SANDBOX_DEFAULT[1])
    if weights_text is not None:
        _weights_from_link(weights_text, values, notices)
    elif values["sizes"] != base.sizes or values["norm"] != base.norm:
        values.update(weights=None, biases=None, gammas=None, betas=None)
    fallbacks = ((("weights", "biases", "gammas", "betas"), "weights re-initialised from the seed"),
                 (("x", "y"), "inputs and targets reset to the defaults"),
                 (("options",), "display options reset"))
    for names, remedy in fallbacks:
        try:
            return Scenario.from_dict(_as_document(values)), notices
        except ValueError as e:
            notices.append(f"link: {e}; {remedy}")
            for name in names:
                values[name] = getattr(_DEFAULT, name)
    try:
        return Scenario.from_dict(_as_document(values)), notices
    except ValueError as e:
        notices.append(f"link: {e}; using the default scenario")
        return default_scenario(values["page"]), notices


def _from_version_1(params: dict) -> dict:
    """Version-1 link parameters in version 2's words (see ``record.from_version_1``): norm=none is
    norm=- (null), and the lab's remembered v.clip_threshold is dropped."""
    params = {k: v for k, v in params.items() if k != "v.clip_threshold"}
    if params.get("norm") == "none":
        params["norm"] = "-"
    params["v"] = str(VERSION)
    return params


def _fmt_default(value) -> str:
    """How a kept value is named in a notice."""
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]" if len(value) < 8 else "the previous value"
    return _fmt(value)


def _weights_from_link(text: str, values: dict, notices):
    """Fill weights, biases (and γ, β) from the flat ``w`` parameter; on any problem leave them null."""
    for name in ("weights", "biases", "gammas", "betas"):
        values[name] = None
    if text == "seed":
        return
    if text == "reinit":
        notices.append(f"This link carries the settings and the seed, not the weights (links carry every "
                       f"weight up to {LINK_MAX_PARAMS} parameters): the weights are re-initialised.")
        return
    sizes = values["sizes"]
    hidden = sizes[1:-1] if values["norm"] is not None else ()
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) + 2 * sum(hidden)
    try:
        parts = text.split(",")
        if len(parts) != n_params:
            raise ValueError(f"expected {n_params} numbers for sizes {list(sizes)}, got {len(parts)}")
        check = _number(-MAX_ABS, MAX_ABS)
        flat = [check(float(v), "network.weights") for v in parts]
    except ValueError as e:
        detail = str(e) if str(e).startswith(("expected", "network")) else "expected comma-separated numbers"
        notices.append(f"link parameter w: {detail}; weights re-initialised from the seed")
        return
    weights, biases, i = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append([flat[i + j * n_in: i + (j + 1) * n_in] for j in range(n_out)])
        i += n_in * n_out
        biases.append(flat[i: i + n_out])
        i += n_out
    gammas, betas = [], []
    for n in hidden:
        gammas.append(flat[i: i + n])
        betas.append(flat[i + n: i + 2 * n])
        i += 2 * n
    values.update(weights=weights, biases=biases, gammas=gammas or None, betas=betas or None)

