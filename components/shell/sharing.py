"""Save, load and share a page as a scenario (``engine.scenario``); lessons; presenter and quiz flags.

Two halves:

- Pure adapters (no Streamlit): each page's own state ↔ ``Scenario``. ``step_scenario`` /
  ``step_state`` (step-through: ``StepConfig`` + the run's weights and step), ``playground_scenario`` /
  ``playground_state`` (``PlaygroundSettings`` + weights, the trainer's step and uploaded CSV points),
  ``lab_scenario`` / ``lab_state`` (``LabSettings`` + the steps trained). A ``*_state`` function raises
  one ValueError naming the field when a scenario does not fit its page (e.g. two samples on the
  one-sample page).
- The page layer: every page calls ``page_start(page)`` first (applies a scenario waiting for it: a
  lesson, an uploaded file or a shared link, before any widget is drawn; injects presenter CSS) and
  ``panel(page)`` last (the sidebar's "Lesson, save, load, share" section). Bad input is reported
  by a message naming the field; the page's state is left exactly as it was.
"""
import dataclasses
import json
from typing import Optional
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from components.shell import presenter
from components.shell.navigation import PAGE_FILES, PAGE_TITLES
from components.step import quiz
from engine.scenario import (CSV_DATASET, HIDE_FLAGS, LINK_MAX_PARAMS, MAX_FILE_BYTES, NO_LINK_FOR_POINTS,
                             Points, Scenario, from_lab_settings, from_query, link_carries_weights, load_lesson,
                             sandbox_graph, to_lab_settings, to_query)
from engine.scenario import sandbox_scenario as _sandbox_document
from engine.settings import SETTINGS

PENDING = "share_pending"        # a Scenario waiting for its page
NOTICES = "share_notices"        # messages to show once on the next page draw
APPLIED_LINK = "share_link_applied"
LINK_SHOWN = "share_link_shown"
PRESENTER_ON, PRESENTER_HIDE = "share_presenter_state", "share_hide_state"   # the truth, kept across pages
PRESENTER_WIDGET, HIDE_WIDGET = "share_presenter", "share_hide"
UPLOAD_KEY = "share_upload"
LESSON_OF = "share_lesson_of"    # page → the lesson it was opened from (None: not from a lesson)
FOREIGN_PARAMS = ()  # query parameters other parts of the app own (none yet): skipped without a notice
PLAYGROUND_REPLAY_LIMIT = 20_000  # steps replayed to restore a playground run's position
EAGER_SAVE_NUMBERS = 2_000        # up to this many numbers (parameters, 3 per uploaded point) the Save
                                  # button carries the file itself


# ============================================================================ pure adapters
def _plain_weights(weights):
    return [np.asarray(W, dtype=np.float64).tolist() for W in weights]


def step_scenario(run, **view) -> Scenario:
    """The step-through page's run (``StepRun``) as a scenario."""
    cfg = run.config
    options = {k: v for k, v in (("edge_mode", run.edge_mode), ("node_mode", run.node_mode),
                                 ("selected", run.selected), ("trained", run.trained))
               if v != STEP_OPTION_DEFAULTS.get(k, _output_node(cfg.sizes))}  # defaults stay out of links
    for name, default in LOSS_OPTION_DEFAULTS.items():
        value = getattr(run, name, default)
        value = list(value) if isinstance(value, tuple) else value
        if value != default and not (name == "surface" and value is None):
            options[name] = value
    return Scenario().replace(
        page="step", sizes=cfg.sizes, activation=list(cfg.activations) if cfg.hidden else "relu",
        output_activation=cfg.output_activation, loss=cfg.loss, init=cfg.init, init_gain=cfg.init_gain,
        seed=cfg.seed, weights=_plain_weights(run.weights), biases=_plain_weights(run.biases), lr=cfg.lr,
        x=[list(cfg.x)], y=[list(cfg.y)], step=run.step, options=options, **view)


STEP_OPTION_DEFAULTS = {"edge_mode": "auto", "node_mode": "auto", "trained": 0}  # and selected: the output node
# The loss view (issue 16): which panel is open under the graph, which loss view, the surface's two
# parameters, the optimizers compared and how many steps ahead. Lessons name them.
LOSS_OPTION_DEFAULTS = {"panel": "equations", "loss_view": "slope", "surface": None, "compare": [], "ahead": 20}


def _output_node(sizes) -> str:
    return f"L{len(sizes) - 1}:N0"


def step_state(s: Scenario):
    """(StepConfig, weights, biases, step, options) for the step-through page, or ValueError."""
    from components.step import config as sc
    _expect_page(s, "step")
    _plain_training_only(s, "the step-through page")
    if s.x is not None and len(s.x) != 1:
        raise ValueError(f"data.x: the step-through page shows one sample; expected 1 row, got {len(s.x)}")
    n_in, n_out = s.sizes[0], s.sizes[-1]
    if s.x is None:
        x = (0.5,) * n_in
        y = (1.0,) + (0.0,) * (n_out - 1) if s.output_activation == "softmax" else (0.0,) * n_out
    else:
        x, y = tuple(s.x[0]), tuple(s.y[0])
    hidden = tuple(s.sizes[1:-1])
    acts = (s.activation,) * len(hidden) if isinstance(s.activation, str) else tuple(s.activation)
    if s.init_param is not None:
        raise ValueError("network.init_param: the step-through page uses each initializer's own parameter; "
                         "expected null (save explicit weights instead)")
    if s.lr not in sc.LR_CHOICES:
        raise ValueError(f"training.lr: the step-through page offers α in {', '.join(f'{v:g}' for v in sc.LR_CHOICES)}; "
                         f"got {s.lr:g}")
    if s.init_gain not in sc.GAIN_CHOICES:
        raise ValueError(f"network.init_gain: the step-through page offers {', '.join(map(str, sc.GAIN_CHOICES))}; "
                         f"got {s.init_gain:g}")
    if any(abs(v) > sc.INPUT_RANGE for v in x):
        raise ValueError(f"data.x: the input sliders go from −{sc.INPUT_RANGE:g} to {sc.INPUT_RANGE:g}; got {list(x)}")
    lo, hi = (0.0, 1.0) if s.output_activation == "sigmoid" else (-sc.INPUT_RANGE, sc.INPUT_RANGE)
    if any(not lo <= v <= hi for v in y):
        raise ValueError(f"data.y: targets of a {s.output_activation} output go from {lo:g} to {hi:g}; got {list(y)}")
    try:
        cfg = sc.validate(sc.StepConfig(n_inputs=n_in, hidden=hidden, n_outputs=n_out, activations=acts,
                                        output_activation=s.output_activation, loss=s.loss, init=s.init,
                                        init_gain=s.init_gain, seed=s.seed, lr=s.lr, x=x, y=y))
    except ValueError as e:
        raise ValueError(f"step-through page: {e}") from None
    if s.weights is None:
        net = sc.make_network(cfg)
        weights, biases = net.weights, net.biases
    else:
        weights = [np.array(W, dtype=np.float64) for W in s.weights]
        biases = [np.array(b, dtype=np.float64) for b in s.biases]
    options = dict(s.options)
    for key, allowed in (("edge_mode", None), ("node_mode", None), ("selected", None), ("trained", None)):
        options.setdefault(key, None)
    known = {"edge_mode", "node_mode", "selected", "trained", *LOSS_OPTION_DEFAULTS}
    unknown = set(options) - known
    if unknown:
        raise ValueError(f"view.options.{sorted(unknown)[0]}: unknown option of the step-through page; "
                         f"expected {', '.join(sorted(known))}")
    _check_loss_options(cfg.sizes, options)
    return cfg, weights, biases, s.step, options


def _check_loss_options(sizes, options) -> None:
    """The loss view's options (``LOSS_OPTION_DEFAULTS``), or ValueError naming the option."""
    from components.step.loss_view import VIEWS as LOSS_VIEWS
    from components.step.panels import PANELS
    from engine.optimizers import OPTIMIZERS
    from engine.surface import MAX_AHEAD, check_param
    panel = options.get("panel")
    if panel is not None and panel not in PANELS:
        raise ValueError(f"view.options.panel: expected one of {', '.join(PANELS)}; got {panel!r}")
    view = options.get("loss_view")
    if view is not None and view not in LOSS_VIEWS:
        raise ValueError(f"view.options.loss_view: expected one of {', '.join(LOSS_VIEWS)}; got {view!r}")
    pair = options.get("surface")
    if pair is not None:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"view.options.surface: expected two parameter ids, e.g. ['W0:0:0', 'b0:0']; got {pair!r}")
        for i, pid in enumerate(pair):
            check_param(sizes, pid, f"view.options.surface[{i}]")
        if pair[0] == pair[1]:
            raise ValueError(f"view.options.surface: expected two different parameters; got {pair[0]!r} twice")
    compare = options.get("compare")
    if compare is not None:
        if not isinstance(compare, (list, tuple)) or any(c not in OPTIMIZERS for c in compare):
            raise ValueError(f"view.options.compare: expected a list of names from {', '.join(OPTIMIZERS)}; "
                             f"got {compare!r}")
    ahead = options.get("ahead")
    if ahead is not None and not (isinstance(ahead, int) and not isinstance(ahead, bool) and 1 <= ahead <= MAX_AHEAD):
        raise ValueError(f"view.options.ahead: expected a whole number of steps from 1 to {MAX_AHEAD}; got {ahead!r}")


def playground_scenario(settings, run=None, **view) -> Scenario:
    """The playground's settings (and its run: weights, the trainer's step and, on CSV data, the
    uploaded points split as the run uses them) as a scenario."""
    from components.playground.settings import OUTPUT_FOR_TASK
    from engine.datasets import DATASETS
    points = None
    if settings.dataset == CSV_DATASET:
        if run is None or run.uploaded is None:
            raise ValueError("data.dataset: csv needs the uploaded points; upload a CSV file first")
        points = Points.from_dataset(run.uploaded)
        task, n_out = points.task, points.n_outputs
    else:
        task = DATASETS[settings.dataset].task
        n_out = settings.n_classes if task == "multiclass" else 1
    out, loss = OUTPUT_FOR_TASK[task]
    sizes = (len(settings.features), *settings.hidden, n_out)
    options = {"epoch_limit": settings.epoch_limit, "show_test": settings.show_test,
               "discretize": settings.discretize, "edge_mode": settings.edge_mode}
    values = dict(page="playground", sizes=sizes, activation=settings.activation if settings.hidden else "relu",
                  output_activation=out, loss=loss, init=settings.init, init_gain=settings.init_gain,
                  seed=settings.seed, optimizer=settings.optimizer, lr=settings.lr, batch_size=settings.batch_size,
                  l1=settings.l1, l2=settings.l2, clip_norm=settings.clip_norm, dataset=settings.dataset, n_samples=settings.n_samples,
                  noise=settings.noise, test_ratio=settings.test_ratio, n_classes=settings.n_classes,
                  data_seed=settings.data_seed, features=settings.features, points=points)
    if run is not None:
        options["selected"] = run.selected
        values.update(weights=_plain_weights(run.net.weights), biases=_plain_weights(run.net.biases),
                      step=run.trainer.step_count)
    values.update(options=options, **view)
    return Scenario().replace(**values)


def playground_state(s: Scenario):
    """(PlaygroundSettings, weights or None, biases or None, step, selected, uploaded) for the playground,
    or ValueError; ``uploaded`` is the Dataset of the scenario's CSV points (None for a built-in dataset)."""
    from components.playground import settings as ps
    from engine.datasets import DATASETS
    _expect_page(s, "playground")
    if s.dataset is None:
        raise ValueError("data.dataset: the playground needs a dataset name; expected one of "
                         + ", ".join(DATASETS))
    if s.x is not None:
        raise ValueError("data.x: the playground trains on its dataset; expected null")
    task = s.points.task if s.points is not None else DATASETS[s.dataset].task
    out, loss = ps.OUTPUT_FOR_TASK[task]
    if (s.output_activation, s.loss) != (out, loss):
        raise ValueError(f"network.loss: the playground pairs {s.dataset} with a {out} output and {loss}; "
                         f"got {s.output_activation} and {s.loss}")
    # sizes[0] and sizes[-1] against the features and the data: Scenario.validate checks them
    if not isinstance(s.activation, str):
        raise ValueError("network.activation: the playground uses one activation for every hidden layer")
    for field, ok in (("init_param", s.init_param is None), ("residual", not s.residual),
                      ("norm", s.norm is None), ("clip_value", s.clip_value is None),
                      ("l1", not (s.l1 and s.l2))):
        if not ok:
            raise ValueError(f"{'training' if field in ('clip_value', 'l1') else 'network'}.{field}: "
                             "not offered on the playground")
    opts = dict(s.options)
    selected = opts.pop("selected", "L1:N0")
    unknown = set(opts) - {"epoch_limit", "show_test", "discretize", "edge_mode"}
    if unknown:
        raise ValueError(f"view.options.{sorted(unknown)[0]}: unknown option of the playground")
    try:
        settings = ps.PlaygroundSettings(
            dataset=s.dataset, n_classes=s.n_classes, n_samples=s.n_samples, noise=s.noise,
            test_ratio=s.test_ratio, data_seed=s.data_seed, features=s.features, hidden=s.sizes[1:-1],
            activation=s.activation, init=s.init, init_gain=s.init_gain, seed=s.seed, optimizer=s.optimizer,
            lr=s.lr, batch_size=s.batch_size, l1=s.l1, l2=s.l2, clip_norm=s.clip_norm, **opts)
    except (ValueError, TypeError) as e:
        raise ValueError(f"playground settings: {e}") from None
    uploaded = s.points.to_dataset() if s.points is not None else None
    return settings, s.weights, s.biases, s.step, selected, uploaded


def lab_scenario(settings, run=None, **view) -> Scenario:
    """The gradient lab's settings (and how many steps its run has trained) as a scenario."""
    return from_lab_settings(settings, step=0 if run is None else run.step, **view)


def lab_state(s: Scenario):
    """(LabSettings, steps trained) for the gradient lab, or ValueError."""
    from components.lab.state import LADDERS
    _expect_page(s, "lab")
    settings = to_lab_settings(s)
    for field, ladder in LADDERS.items():  # the lab's sliders hold these values only: others would be moved
        value = getattr(settings, field)
        if value is not None and value not in ladder:
            raise ValueError(f"{SETTINGS[field].path}: the gradient lab offers {', '.join(f'{v:g}' for v in ladder)}; "
                             f"got {value:g}")
    return settings, s.step


def sandbox_scenario(run, **view) -> Scenario:
    """The chain-rule sandbox's expression, values, step and mode as a scenario."""
    options = {"mode": run.mode} | ({"wrt": run.wrt} if run.wrt is not None else {})
    return _sandbox_document(run.text, run.values, step=run.step, options=options, **view)


def sandbox_state(s: Scenario):
    """(expression, values, step, mode, wrt) for the sandbox, or ValueError naming the field."""
    _expect_page(s, "sandbox")
    graph, values = sandbox_graph(s)
    return s.expression, values, s.step, s.options.get("mode", "reverse"), s.options.get("wrt")


def _expect_page(s: Scenario, page: str) -> None:
    if s.page != page:
        raise ValueError(f"page: this scenario is for the {PAGE_TITLES[s.page]} page, not the {PAGE_TITLES[page]}")


def _plain_training_only(s: Scenario, where: str) -> None:
    checks = (("training.optimizer", s.optimizer == "sgd", "plain gradient descent (sgd)"),
              ("training.clip_norm", s.clip_norm is None, "no clipping"),
              ("training.clip_value", s.clip_value is None, "no clipping"),
              ("training.l1", s.l1 == 0, "no L1 penalty"), ("training.l2", s.l2 == 0, "no L2 penalty"),
              ("network.residual", not s.residual, "no residual connections"),
              ("network.norm", s.norm is None, "no normalisation"))
    for name, ok, expected in checks:
        if not ok:
            raise ValueError(f"{name}: {where} uses {expected}")


def link_query(s: Scenario) -> str:
    """The query string of a share link (without the leading "?")."""
    return urlencode(to_query(s))


# ============================================================================ the page layer
def _view_flags() -> dict:
    return dict(presenter=bool(st.session_state.get(PRESENTER_ON, False)),
                hide=tuple(st.session_state.get(PRESENTER_HIDE, ())),
                quiz=quiz.is_on())


def capture(page: str):
    """A zero-argument function that builds the page's scenario from the objects in force now.

    It touches no session state, so it can run later, off the script thread (deferred download).
    Raises ValueError at once when the page cannot be saved (e.g. "csv" chosen but nothing uploaded).
    """
    view = _view_flags()
    lesson = st.session_state.get(LESSON_OF, {}).get(page)
    if page == "step":
        from components.step import session as step_session
        run = step_session.get_run()
        return lambda: _with_lesson(step_scenario(run, **view), lesson)
    if page == "sandbox":
        from components.sandbox import state as sandbox_session
        run = sandbox_session.get()
        return lambda: _with_lesson(sandbox_scenario(run, **view), lesson)
    if page == "playground":
        from components.playground import session as playground_session
        settings, run = playground_session.settings(), playground_session.run()
        if settings.dataset == CSV_DATASET and run.uploaded is None:
            playground_scenario(settings)  # raises the message
        return lambda: _with_lesson(playground_scenario(settings, run, **view), lesson)
    from components.lab import state as ls
    ls.init_state()
    settings, _ = ls.read_settings()
    run = st.session_state.get(ls.RUN)
    return lambda: _with_lesson(lab_scenario(settings, run, **view), lesson)


def _with_lesson(s: Scenario, name: Optional[str]) -> Scenario:
    """Name the lesson the page was opened from while its network is still the lesson's: the saved
    file keeps its title and explanation, and a link only carries what changed since the lesson."""
    if name is None:
        return s
    try:
        lesson = load_lesson(name)
    except ValueError:
        return s
    if lesson.sizes != s.sizes or lesson.expression != s.expression:
        return s
    return dataclasses.replace(s, lesson=name, title=lesson.title, explanation=lesson.explanation)


def current_scenario(page: str) -> Scenario:
    """The scenario of the page as it is now (ValueError when it cannot be saved)."""
    return capture(page)()


def apply(s: Scenario) -> None:
    """Put the page of ``s`` exactly in that state (call before its widgets are drawn, or in a callback).

    Raises ValueError naming the field when ``s`` does not fit its page; nothing is changed then.
    """
    if s.page == "step":
        _apply_step(step_state(s))
    elif s.page == "playground":
        _apply_playground(playground_state(s))
    elif s.page == "sandbox":
        from components.sandbox import state as sandbox_session
        sandbox_session.restore(*sandbox_state(s))
    else:
        _apply_lab(lab_state(s))
    set_presenter(s.presenter, s.hide)
    quiz.set_on(s.quiz)
    st.session_state.setdefault(LESSON_OF, {})[s.page] = s.lesson


def set_presenter(on: bool, hide=()) -> None:
    st.session_state[PRESENTER_ON] = bool(on)
    st.session_state[PRESENTER_HIDE] = tuple(hide)
    st.session_state[PRESENTER_WIDGET] = bool(on)
    st.session_state[HIDE_WIDGET] = list(hide)


def _on_presenter_widgets() -> None:
    st.session_state[PRESENTER_ON] = bool(st.session_state.get(PRESENTER_WIDGET))
    st.session_state[PRESENTER_HIDE] = tuple(st.session_state.get(HIDE_WIDGET) or ())


def presenter_controls() -> None:
    """The presenter toggle and hide list (their values survive page switches)."""
    # the widgets are rebuilt from the truth on every page (a page switch drops widget state)
    st.session_state[PRESENTER_WIDGET] = bool(st.session_state.get(PRESENTER_ON, False))
    st.session_state[HIDE_WIDGET] = list(st.session_state.get(PRESENTER_HIDE, ()))
    st.toggle("Presenter mode (large, for a projector)", key=PRESENTER_WIDGET, on_change=_on_presenter_widgets)
    st.multiselect("Hide in presenter mode", HIDE_FLAGS, key=HIDE_WIDGET, on_change=_on_presenter_widgets,
                   format_func=presenter.LABELS.get, placeholder="controls to hide")


def _apply_step(state) -> None:
    from components.step import session as step_session
    cfg, weights, biases, step, options = state
    old = step_session.get_run()
    run = step_session.new_run(cfg, keep=old)
    run.weights = [np.array(W, dtype=np.float64) for W in weights]
    run.biases = [np.array(b, dtype=np.float64) for b in biases]
    run.network()  # shapes checked against the config before anything is stored
    run.version += 1
    run.generation = old.generation + 1
    for name, default in (*STEP_OPTION_DEFAULTS.items(), ("selected", _output_node(cfg.sizes))):
        setattr(run, name, default if options.get(name) is None else options[name])
    run.trained = int(run.trained)
    for name, default in LOSS_OPTION_DEFAULTS.items():
        value = options.get(name)
        value = default if value is None else value
        setattr(run, name, tuple(value) if isinstance(value, list) else value)
    run.step = int(min(step, len(run.steps()) - 1))
    st.session_state[step_session.KEY] = run
    st.session_state.pop("step_view", None)  # the panel radio is rebuilt from run.panel
    for name in ("edge_mode", "node_mode"):
        if f"step_{name}" in st.session_state:
            st.session_state[f"step_{name}"] = getattr(run, name)


def _apply_playground(state) -> None:
    from components.playground import session
    from components.playground.settings import new_run
    settings, weights, biases, step, selected, uploaded = state
    old = st.session_state.get(session.RUN_KEY)
    # points uploaded earlier in this session stay at hand ("csv" in the selector) unless the file brings its own
    run = new_run(settings, uploaded if uploaded is not None else getattr(old, "uploaded", None))
    if step:
        run.trainer.run(steps=min(step, PLAYGROUND_REPLAY_LIMIT))
    if weights is not None:
        run.net.set_parameters(weights, biases)
    run.selected = selected
    st.session_state[session.RUN_KEY] = run
    st.session_state[session.SETTINGS_KEY] = settings
    penalty = "l1" if settings.l1 else ("l2" if settings.l2 else "none")
    widgets = dict(settings.to_dict(), regularization=penalty, reg_rate=settings.l1 or settings.l2,
                   clip_norm=settings.clip_norm or 0.0)    # the widgets' words: a penalty and a rate, 0 = off
    for name, value in widgets.items():
        key = f"pg_{name}"
        if name == "data_seed" or key in st.session_state:
            st.session_state[key] = ", ".join(map(str, value)) if name == "hidden" else value


def _apply_lab(state) -> None:
    from components.lab import state as ls
    from engine.lab import PRESETS, LabRun
    settings, steps = state
    ls.apply_settings(settings)
    st.session_state[ls.PRESET] = next((n for n, p in PRESETS.items() if p.settings == settings), None)
    st.session_state[ls.PLAYING] = False
    run = LabRun(settings)
    if steps:
        run.advance(min(steps, settings.steps))
    st.session_state[ls.RUN] = run


def request(s: Scenario) -> None:
    """Ask the page of ``s`` to apply it on its next draw (then ``st.switch_page`` there)."""
    st.session_state[PENDING] = s


def _notify(message: str, kind: str = "warning") -> None:
    st.session_state.setdefault(NOTICES, []).append((kind, message))


def _link_params() -> dict:
    try:
        return {k: st.query_params.get_all(k)[-1] for k in st.query_params.keys()}
    except Exception:  # noqa: BLE001 — a malformed URL must never break the page
        return {}


def page_start(page: str) -> None:
    """First line of every page: apply a waiting scenario or a newly opened link; presenter CSS; notices."""
    waiting = st.session_state.get(PENDING)
    pending: Optional[Scenario] = st.session_state.pop(PENDING) if waiting is not None and waiting.page == page \
        else None
    params = _link_params()
    signature = json.dumps(sorted(params.items()))
    from_link = False
    if pending is None and "v" in params and st.session_state.get(APPLIED_LINK) != signature:
        from_link = True
        st.session_state[APPLIED_LINK] = signature
        s, notices = from_query(params, ignore=FOREIGN_PARAMS)
        for n in notices:
            _notify(n)
        if s.page != page:  # the link names its page: go there and restore it
            request(s)
            st.switch_page(PAGE_FILES[s.page])
        pending = s
    if pending is not None:
        try:
            try:
                apply(pending)
            except ValueError as e:
                if not (from_link and pending.options):
                    raise
                apply(dataclasses.replace(pending, options={}))  # a link's display options are optional
                _notify(f"link: {e}; the display options were left as they are")
            if pending.title:
                _notify(f"**{pending.title}** — {pending.explanation or ''}", "lesson")
        except ValueError as e:
            _notify(f"Could not load this scenario: {e}. The page is unchanged.", "error")
    flags = _view_flags()
    presenter.apply(flags["presenter"], flags["hide"])
    for kind, message in st.session_state.pop(NOTICES, []):
        {"error": st.error, "warning": st.warning, "info": st.info,
         "lesson": lambda m: st.info(m, icon=":material/school:")}[kind](message)


def _on_upload(page: str) -> None:
    f = st.session_state.get(UPLOAD_KEY)
    if f is None:
        return
    try:
        s = Scenario.from_json(f.getvalue())
        if s.page == page:
            apply(s)
            _notify(f"Loaded {f.name!r}." + (f" **{s.title}** — {s.explanation or ''}" if s.title else ""), "info")
        else:
            request(s)
            st.session_state["share_switch"] = s.page
    except ValueError as e:
        _notify(f"Could not load {f.name!r}: {e}. Nothing was changed.", "error")


def _make_link(page: str) -> None:
    try:
        s = current_scenario(page)
        params = to_query(s)  # ValueError for uploaded points: a link cannot carry them
    except ValueError as e:
        st.session_state[LINK_SHOWN] = ("error", f"No link: {e}")
        return
    st.query_params.from_dict(params)
    st.session_state[APPLIED_LINK] = json.dumps(sorted(params.items()))
    note = "" if link_carries_weights(s) else (
        f" This network has {len(s.flat_parameters()):,} parameters (links carry every weight up to "
        f"{LINK_MAX_PARAMS}): the link carries the settings and the seed, and weights you moved are "
        "re-initialised. Save the JSON file to keep them.")
    st.session_state[LINK_SHOWN] = ("ok", urlencode(params), note)


def _n_numbers(page: str) -> int:
    """How many numbers the page's file holds, roughly (weights and biases, 3 per uploaded point)."""
    if page == "step":
        from components.step import session as step_session
        run = step_session.get_run()
        return sum(W.size + b.size for W, b in zip(run.weights, run.biases))
    if page == "playground":
        from components.playground import session as playground_session
        r = playground_session.run()
        return r.net.n_params + (3 * _n_points(r.uploaded) if r.settings.dataset == CSV_DATASET else 0)
    return 0  # the lab saves settings only


def _n_points(d) -> int:
    return 0 if d is None else len(d.X_train) + len(d.X_test)


def _link_impossible(page: str) -> Optional[str]:
    """Why this page can have no link now (uploaded points), or None."""
    if page == "playground":
        from components.playground import session as playground_session
        if playground_session.settings().dataset == CSV_DATASET:
            return NO_LINK_FOR_POINTS
    return None


def panel(page: str) -> None:
    """Last line of every page: the sidebar section for lessons, save, load, share and presenter mode."""
    if st.session_state.get("share_switch"):
        target = st.session_state.pop("share_switch")
        st.switch_page(PAGE_FILES[target])
    with st.sidebar.container(key="share_panel"):
        st.divider()
        st.subheader("Lesson, save, load, share")
        presenter_controls()
        try:
            build = capture(page)
            # small pages: the file itself (cheap, and identical for identical sessions); big ones: built
            # only when clicked (a 20 × 32 network is ~0.5 MB of JSON and ~60 ms to write; 2,000 uploaded points
            # ~0.2 MB and ~20 ms)
            data = build().to_json() if _n_numbers(page) <= EAGER_SAVE_NUMBERS else (lambda: build().to_json())
            st.download_button("Save this page (scenario JSON)", data,
                               icon=":material/download:", file_name=f"backprop-lens-{page}.json",
                               mime="application/json", key="share_save", on_click="ignore", width="stretch")
        except ValueError as e:
            st.caption(f"Save unavailable: {e}")
        st.file_uploader(f"Load a scenario (.json, at most {MAX_FILE_BYTES // 1_048_576} MB: "
                         "server.maxUploadSize)", type=["json"], key=UPLOAD_KEY, on_change=_on_upload,
                         args=(page,), max_upload_size=1)
        no_link = _link_impossible(page)
        if no_link:
            st.info(f"No link: {no_link}.", icon=":material/link_off:")
            return
        st.button("Copy link to this state", key="share_link", on_click=_make_link, args=(page,),
                  icon=":material/link:", width="stretch")
        shown = st.session_state.get(LINK_SHOWN)
        if shown and shown[0] == "error":
            st.error(shown[1])
        elif shown:
            base = st.context.url or ""
            st.code(f"{base}?{shown[1]}", language=None, wrap_lines=True)
            st.caption("The address bar holds it too. Opening it restores this page." + shown[2])
