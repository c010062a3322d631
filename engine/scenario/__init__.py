"""Scenarios: the whole state of a page as one versioned JSON document, a compact link, and lessons.

The package, one concept per module::

    checks.py       value checks: each returns the normalised value or one ValueError naming the field
    points.py       uploaded 2-D points (data.points) and their checks
    fields.py       the field table: JSON section, check, link key and link text of every field
    record.py       the Scenario record, its JSON reader/writer and the bridge to the engine
    link.py         the link codec (to_query / from_query), reading the field table
    lessons.py      the shipped lessons (engine/lessons/*.json)
    lab_adapter.py  the gradient lab's settings as a scenario and back
    sandbox_adapter.py  the chain-rule sandbox's expression and values as a scenario and back

A scenario records everything needed to put a page back exactly as it was: the page, the
architecture, activations, loss, initializer and seed, every weight and bias, the inputs and target,
the learning rate and optimizer, the dataset settings, the step position and the display options.
It is read and written here, independent of Streamlit, so a notebook can open a saved lesson too.

Format (version 1; every section optional except where marked *, missing fields take the defaults
of ``Scenario``)::

    {
      "format": "backprop-lens/scenario",   *
      "version": 1,                          *
      "page": "step" | "lab" | "playground" | "sandbox", *
      "lesson": "textbook", "title": "…", "explanation": "…",
      "network":  {"sizes"*: [1, 1, 1], "activation"*: "relu" | ["relu", …], "output_activation"*,
                   "loss"*, "init", "init_gain", "init_param", "seed"*, "residual", "norm",
                   "weights": [[[w00, w01, …], …], …] | null, "biases": [[b0, …], …] | null,
                   "gammas": [[γ, …], …] | null, "betas": [[β, …], …] | null},
      "training": {"lr"*, "optimizer", "momentum", "beta1", "beta2", "eps", "clip_norm",
                   "clip_value", "l1", "l2", "batch_size"},
      "data":     {"x": [[x1, x2], …] | null, "y": [[y1], …] | null, "dataset", "n_samples",
                   "noise", "test_ratio", "n_classes", "data_seed", "features",
                   "points": null | {"task": "binary" | "multiclass" | "regression", "n_classes",
                                     "train": {"x": [[x1, x2], …], "y": [label, …]}, "test": {…}},
                   "expression": "y = sigmoid(w*x + b)", "values": {"w": 0.5, "x": 2.0, "b": 0.1}},
      "view":     {"step", "presenter", "hide": […], "quiz", "options": {page-specific}}
    }

``weights[l][j][k]`` is W{l}:{j}:{k} (from node L{l}:N{k} to L{l+1}:N{j}), ``biases[l][j]`` is b{l}:{j};
null weights mean "drawn from init and seed". A ``"sandbox"`` scenario (the chain-rule sandbox) needs
no network or training section: it holds ``data.expression`` and ``data.values`` (see
``sandbox_adapter``). ``points`` holds a playground's uploaded CSV points
(``dataset`` "csv"), split exactly as the run used them, so ``Points.to_dataset()`` rebuilds the
``Dataset`` bit for bit (float64 through ``repr``); within the CSV reader's limits (``MIN_SAMPLES`` to
``CSV_MAX_ROWS`` points, |x1|, |x2| ≤ ``CSV_MAX_ABS``, class labels 0 … n_classes − 1 or finite targets);
a link cannot carry them (``to_query`` raises). Limits (each violation is one ``ValueError`` naming the
field and what was expected): at most ``MAX_LAYERS`` weight layers, ``MAX_UNITS`` units per layer,
``MAX_PARAMS`` parameters, ``MAX_BATCH`` input rows, ``MAX_FILE_BYTES`` bytes of JSON; every number
finite. A link (``to_query``) carries every weight up to ``LINK_MAX_PARAMS`` parameters; beyond that
it carries the settings and seed and says the weights are re-initialised.

Example
-------
>>> s = load_lesson("textbook")
>>> r = s.to_network().backward(*s.inputs())
>>> round(r.loss, 4), round(r.dW[0].item(), 4)
(0.0643, -0.1535)
>>> from_query(to_query(s))[0] == s
True
"""
from engine.scenario.checks import MAX_ABS, MAX_BATCH, MAX_LAYERS, MAX_TEXT, MAX_UNITS, parse_hidden
from engine.scenario.fields import (CSV_DATASET, FIELD, FIELDS, FORMAT, HIDE_FLAGS, NORMS, PAGES, SECTIONS,
                                    TOP_LEVEL, VERSION, Field)
from engine.scenario.lab_adapter import LAB_OPTIONS, from_lab_settings, to_lab_settings
from engine.scenario.lessons import LESSON_DIR, lesson_files, lesson_id, lesson_ids, load_lesson, load_lessons
from engine.scenario.link import LINK_MAX_PARAMS, NO_LINK_FOR_POINTS, from_query, link_carries_weights, to_query
from engine.scenario.points import TASKS, Points
from engine.scenario.record import MAX_FILE_BYTES, MAX_PARAMS, Scenario, default_scenario
from engine.scenario.sandbox_adapter import SANDBOX_DEFAULT, SANDBOX_OPTIONS, sandbox_graph, sandbox_scenario

__all__ = [
    "parse_hidden", "MAX_ABS", "MAX_BATCH", "MAX_LAYERS", "MAX_TEXT", "MAX_UNITS", "MAX_FILE_BYTES", "MAX_PARAMS",
    "CSV_DATASET", "FIELD", "FIELDS", "FORMAT", "HIDE_FLAGS", "NORMS", "PAGES", "SECTIONS", "TOP_LEVEL",
    "VERSION", "Field", "LAB_OPTIONS", "from_lab_settings", "to_lab_settings", "LESSON_DIR", "lesson_files",
    "lesson_id", "lesson_ids", "load_lesson", "load_lessons", "LINK_MAX_PARAMS", "NO_LINK_FOR_POINTS",
    "from_query", "link_carries_weights", "to_query", "TASKS", "Points", "Scenario", "default_scenario",
    "SANDBOX_DEFAULT", "SANDBOX_OPTIONS", "sandbox_graph", "sandbox_scenario",
]
