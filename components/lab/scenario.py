"""The gradient lab's state as a scenario and back (pure: no Streamlit, no session state).

Besides the settings and the steps trained, a lab scenario carries the lab's view in ``view.options``:
which view is open and the histogram's choices (``VIEW_OPTIONS``, the defaults left out).
"""
import dataclasses

from components.shell.adapt import expect_page
from engine.scenario import Scenario, from_lab_settings, to_lab_settings
from engine.settings import SETTINGS

VIEW_OPTIONS = {"view": "Training", "hist_kind": "a", "hist_mode": "grid", "hist_layer": 1}


def lab_scenario(settings, run=None, view_options=None, schedule=None, **view) -> Scenario:
    """The gradient lab's settings (how many steps its run has trained, the view open) as a scenario.

    ``schedule``: ``[[step, lr], …]`` when the learning rate changed during the run (the first entry
    from step 0): a restore retrains with each rate from its step, so the weights come back exactly.
    """
    s = from_lab_settings(settings, step=0 if run is None else run.step, **view)
    extra = {k: v for k, v in (view_options or {}).items() if k in VIEW_OPTIONS and v != VIEW_OPTIONS[k]}
    if schedule:
        extra["lr_schedule"] = [f"{int(k)}:{float(lr)!r}" for k, lr in schedule]
    if run is not None and run.divergence is not None:
        extra["diverged"] = True   # a restore trains on from the healthy step, so the run diverges there again
    return dataclasses.replace(s, options={**s.options, **extra}) if extra else s


def lab_state(s: Scenario):
    """(LabSettings, steps trained, view options, learning-rate schedule) for the gradient lab, or ValueError.

    ``view_options["diverged"]`` is True when the run had diverged right after its last step."""
    from components.lab.state import LADDERS, VIEWS
    expect_page(s, "lab")
    view_options = {k: s.options[k] for k in VIEW_OPTIONS if k in s.options}
    if "diverged" in s.options:
        if s.options["diverged"] is not True:
            raise ValueError(f"view.options.diverged: expected true (the run diverged after its last step); "
                             f"got {s.options['diverged']!r}")
        view_options["diverged"] = True
    schedule = _read_schedule(s.options.get("lr_schedule", []))
    settings = to_lab_settings(dataclasses.replace(
        s, options={k: v for k, v in s.options.items() if k not in VIEW_OPTIONS and k not in ("lr_schedule", "diverged")}))
    for field, ladder in LADDERS.items():  # the lab's sliders hold these values only: others would be moved
        value = getattr(settings, field)
        if value is not None and value not in ladder:
            raise ValueError(f"{SETTINGS[field].path}: the gradient lab offers {', '.join(f'{v:g}' for v in ladder)}; "
                             f"got {value:g}")
    checks = {"view": lambda v: v in VIEWS, "hist_kind": lambda v: v in ("a", "delta"),
              "hist_mode": lambda v: v in ("grid", "one layer"),
              "hist_layer": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= settings.depth}
    for key, ok in checks.items():
        if key in view_options and not ok(view_options[key]):
            raise ValueError(f"view.options.{key}: not a view of the gradient lab; got {view_options[key]!r}")
    return settings, s.step, view_options, schedule


def _read_schedule(entries) -> list:
    """``[[step, lr], …]`` from ``view.options.lr_schedule`` (``"step:lr"`` texts, rising steps)."""
    from components.lab.state import LADDERS
    out, last = [], -1
    for i, text in enumerate(entries if isinstance(entries, (list, tuple)) else [entries]):
        try:
            step, lr = str(text).split(":")
            step, lr = int(step), float(lr)
            if step <= last or lr not in LADDERS["lr"]:
                raise ValueError
        except ValueError:
            raise ValueError(f"view.options.lr_schedule[{i}]: expected \"step:lr\" with rising steps and a learning "
                             f"rate the lab offers, got {str(text)[:40]!r}") from None
        out.append([step, lr])
        last = step
    return out
