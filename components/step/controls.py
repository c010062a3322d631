"""Page layer: the step-through page's sidebar (architecture, data, learning rate) and parameter sliders.

Widgets are keyed with the run's ``generation``: when values change elsewhere (a preset, an applied
update) the generation is bumped and every widget is rebuilt from the state, so no widget ever shows
a stale value. Callbacks go through ``step_session``; a refused value leaves the state unchanged and
shows a message naming the field.
"""
import streamlit as st

from components.shell.generations import current_widgets_only
from components.step import config as sc
from components.step import session
from engine import ACTIVATIONS, INITIALIZERS
from engine.formatting import sub
from engine.ids import node_label
from engine.settings import SETTINGS, widget_label


def _key(run, name: str) -> str:
    return f"step_{name}_{run.generation}"


# a callback of a widget the page has since rebuilt is a replay of the old values: dropped (generations.py)
_current = current_widgets_only(lambda: session.get_run().generation)


def _structural(run, **changes):
    try:
        session.apply_config(sc.with_architecture(run.config, **changes))
    except ValueError as e:
        session.refuse(str(e))


@_current
def _on_hidden(key):
    run = session.get_run()
    try:
        hidden = sc.parse_hidden(session.widget_value(key))
    except ValueError as e:
        session.refuse(str(e))
        return
    _structural(run, hidden=hidden)


@_current
def _on_field(field, key, cast=lambda v: v):
    run = session.get_run()
    _structural(run, **{field: cast(session.widget_value(key))})


@_current
def _on_activation(i, key):
    run = session.get_run()
    acts = list(run.config.activations)
    acts[i] = session.widget_value(key)
    _structural(run, activations=tuple(acts))


@_current
def _on_all_activations(key):
    run = session.get_run()
    _structural(run, activations=(session.widget_value(key),) * len(run.config.hidden))


@_current
def _on_preset(key):
    run = session.get_run()
    cfg = sc.PRESETS.get(session.widget_value(key))
    if cfg is not None:
        session.apply_config(cfg, rebuild_widgets=True)
        session.get_run().generation = run.generation + 1


@_current
def _on_live(field, index, key):
    run = session.get_run()
    values = list(getattr(run.config, field))
    values[index] = float(session.widget_value(key))
    session.set_live(**{field: tuple(values)})


@_current
def _on_class(key):
    run = session.get_run()
    c = int(session.widget_value(key)) - 1          # classes are shown 1-based
    session.set_live(y=tuple(1.0 if j == c else 0.0 for j in range(run.config.n_outputs)))


@_current
def _on_lr(key):
    session.set_live(lr=float(session.widget_value(key)))


def _on_param(pid, key):
    value = session.widget_value(key)
    if value is not None:  # a client can send a change for a slider the page no longer draws
        session.set_param(pid, float(value))


def sidebar(run) -> None:
    """Architecture, initialisation, the sample (x, y) and the learning rate."""
    cfg = run.config
    with st.sidebar:
        st.header("Network")
        names = list(sc.PRESETS)
        current = next((n for n, p in sc.PRESETS.items() if p == cfg), None)
        st.selectbox("Preset", names + ([] if current else ["(custom)"]),
                     index=names.index(current) if current else len(names), key=_key(run, "preset"),
                     on_change=_on_preset, args=(_key(run, "preset"),),
                     help="Textbook example: x = 2, y = 1, ReLU then sigmoid, MSE, α = 0.1")
        c1, c2 = st.columns(2)
        c1.number_input(f"Inputs (1–{sc.MAX_INPUTS})", 1, sc.MAX_INPUTS, cfg.n_inputs, key=_key(run, "n_in"),
                        on_change=_on_field, args=("n_inputs", _key(run, "n_in"), int))
        c2.number_input(f"Outputs (1–{sc.MAX_OUTPUTS})", 1, sc.MAX_OUTPUTS, cfg.n_outputs, key=_key(run, "n_out"),
                        on_change=_on_field, args=("n_outputs", _key(run, "n_out"), int))
        st.text_input(f"Hidden layer sizes (≤ {sc.MAX_HIDDEN_LAYERS} layers of 1–{sc.MAX_UNITS} units)",
                      ", ".join(map(str, cfg.hidden)), key=_key(run, "hidden"), on_change=_on_hidden,
                      args=(_key(run, "hidden"),), placeholder="e.g. 3, 2  (empty: no hidden layer)")
        acts = list(ACTIVATIONS)
        if cfg.hidden:
            with st.expander("Activation per hidden layer", expanded=len(cfg.hidden) <= 3):
                st.selectbox("Set all hidden layers to", acts, index=acts.index(cfg.activations[0]),
                             key=_key(run, "act_all"), on_change=_on_all_activations,
                             args=(_key(run, "act_all"),))
                for i, name in enumerate(cfg.activations):
                    st.selectbox(f"Hidden layer {i + 1}", acts, index=acts.index(name), key=_key(run, f"act{i}"),
                                 on_change=_on_activation, args=(i, _key(run, f"act{i}")))
        outs = list(sc.output_choices(cfg.n_outputs))
        st.selectbox(widget_label("output_activation"), outs, index=outs.index(cfg.output_activation), key=_key(run, "out"),
                     on_change=_on_field, args=("output_activation", _key(run, "out")),
                     help="softmax is offered with 2 or more outputs")
        losses = list(sc.loss_choices(cfg.output_activation))
        st.selectbox(widget_label("loss", "only those that fit the output"), losses, index=losses.index(cfg.loss),
                     key=_key(run, "loss"), on_change=_on_field, args=("loss", _key(run, "loss")))
        inits = list(INITIALIZERS)
        st.selectbox(widget_label("init"), inits, index=inits.index(cfg.init), key=_key(run, "init"),
                     on_change=_on_field, args=("init", _key(run, "init")), help=INITIALIZERS[cfg.init].doc)
        c1, c2 = st.columns(2)
        c1.select_slider(widget_label("init_gain"), sc.GAIN_CHOICES, value=cfg.init_gain, key=_key(run, "gain"),
                         on_change=_on_field, args=("init_gain", _key(run, "gain"), float))
        c2.number_input(widget_label("seed"), int(SETTINGS["seed"].lo), SETTINGS["seed"].hi, cfg.seed, key=_key(run, "seed"), on_change=_on_field,
                        args=("seed", _key(run, "seed"), int))
        c1, c2 = st.columns(2)
        c1.button("Re-initialise", key="step_reinit", on_click=session.reinitialize, width="stretch",
                  help="Draw the weights again from the seed (undoes moved sliders and applied updates)")
        c2.button("New seed", key="step_new_seed", on_click=lambda: session.reinitialize(cfg.seed + 1),
                  width="stretch")

        st.header("Sample and learning rate")
        for k in range(cfg.n_inputs):
            st.slider(f"Input x{sub(k + 1)}", -sc.INPUT_RANGE, sc.INPUT_RANGE, float(cfg.x[k]), 0.1,
                      key=_key(run, f"x{k}"), on_change=_on_live, args=("x", k, _key(run, f"x{k}")))
        if cfg.output_activation == "softmax":
            st.selectbox("Target class y", list(range(1, cfg.n_outputs + 1)), index=int(max(range(len(cfg.y)),
                         key=lambda j: cfg.y[j])), key=_key(run, "yc"), on_change=_on_class,
                         args=(_key(run, "yc"),), format_func=lambda c: f"class {c}")
        else:
            lo = 0.0 if cfg.output_activation == "sigmoid" else -sc.INPUT_RANGE
            hi = 1.0 if cfg.output_activation == "sigmoid" else sc.INPUT_RANGE
            for j in range(cfg.n_outputs):
                st.slider(f"Target y{sub(j + 1) if cfg.n_outputs > 1 else ''}", lo, hi,
                          float(min(max(cfg.y[j], lo), hi)), 0.05, key=_key(run, f"y{j}"), on_change=_on_live,
                          args=("y", j, _key(run, f"y{j}")))
        st.select_slider(widget_label("lr", "log scale"), sc.LR_CHOICES, value=cfg.lr, key=_key(run, "lr"),
                         on_change=_on_lr, args=(_key(run, "lr"),), format_func=lambda v: f"{v:g}")
        st.caption(f"Limits on this page: ≤ {sc.MAX_INPUTS} inputs, ≤ {sc.MAX_HIDDEN_LAYERS} hidden layers of "
                   f"≤ {sc.MAX_UNITS} units, ≤ {sc.MAX_OUTPUTS} outputs; α from {sc.LR_CHOICES[0]:g} to "
                   f"{sc.LR_CHOICES[-1]:g}; x, w, b sliders −{sc.INPUT_RANGE:g} … {sc.INPUT_RANGE:g}.")


def param_sliders(run, pids, prefix: str) -> None:
    """One slider per parameter id; moving it recomputes everything and keeps the step."""
    for pid in pids:
        value = sc.param_value(run.weights, run.biases, pid)
        bound = max(sc.WEIGHT_RANGE, abs(value))
        key = f"step_{prefix}_{pid}"
        # Two sliders can show one parameter (selected panel, full list): sync the state, not the default.
        if key in session.state():
            session.state()[key] = value
            default = {}
        else:
            default = {"value": value}
        st.slider(f"{node_label(run.sizes, pid)}  ({pid})", -bound, bound, step=0.01, key=key,
                  on_change=_on_param, args=(pid, key), format="%.4f", **default)

