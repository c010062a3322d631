"""Gradient lab: make gradients vanish and explode on purpose, see where and why, then fix it."""
import math
import time

import streamlit as st

from components.lab import figures as figs
from components.lab import state
from components.shell import sharing
from components.drawing.graph import network_figure
from components.shell.presenter import chart_config
from engine.activations import ACTIVATIONS
from engine.diagnostics import histograms
from engine.initializers import INITIALIZERS
from engine.settings import widget_label
from engine.divergence import rules_text, saturation
from engine.lab import (FIELDS, LAB_LOSSES, MAX_PINS, MAX_STEPS, NORMS, PRESETS, TARGETS, describe, distinct_units,
                        hint, pin)

TICK_SECONDS = 0.3      # the player advances the run every TICK_SECONDS …
TICKS_PER_RUN = 40      # … by steps / TICKS_PER_RUN steps, so a run plays in about 12 s …
TICK_BUDGET = 0.2       # … unless that takes more than TICK_BUDGET seconds of server time per tick
STATE_ICONS = {"vanishing": ":blue[:material/trending_down:]", "exploding": ":orange[:material/trending_up:]",
               "healthy": ":green[:material/check_circle:]", "diverged": ":red[:material/error:]"}
VIEWS = state.VIEWS
LIMITS = (f"Limits: 1–{FIELDS['depth'].hi:.0f} hidden layers, 1–{FIELDS['width'].hi:.0f} units each, "
          f"batch 1–{FIELDS['batch_size'].hi:.0f}, weight scale ×0.01–×100, 1–{MAX_STEPS} training steps, "
          f"{MAX_PINS} pinned runs; graphs over {figs.MAX_DRAWN_EDGES:,} weights are aggregated, "
          f"histograms show at most {figs.MAX_PANELS} layers at once.")


def _range(name):
    """A widget's (min, max): the setting's range in the one field table."""
    return int(FIELDS[name].lo), int(FIELDS[name].hi)


def sidebar_controls():
    k = state.key
    sb = st.sidebar
    sb.header("Network")
    sb.slider(widget_label("depth"), *_range("depth"), key=k("depth"))
    sb.slider(widget_label("width"), *_range("width"), key=k("width"))
    sb.selectbox(widget_label("activation"), list(ACTIVATIONS), key=k("activation"))
    sb.selectbox(widget_label("init"), list(INITIALIZERS), key=k("init"),
                 help="\n\n".join(f"**{n}**: {i.doc}" for n, i in INITIALIZERS.items()))
    sb.select_slider(widget_label("init_gain"), options=state.SCALES, key=k("init_gain"),
                     format_func=lambda v: f"×{v:g}")
    sb.header("Data")
    sb.number_input(widget_label("batch_size", "random, seeded"), *_range("batch_size"), step=1, key=k("batch_size"))
    sb.number_input(widget_label("seed"), *_range("seed"), step=1, key=k("seed"))
    sb.selectbox(widget_label("loss"), list(LAB_LOSSES), key=k("loss"),
                 format_func=lambda n: {"mse": "mse (linear output)", "bce": "bce (sigmoid output)"}[n])
    sb.selectbox(widget_label("target"), TARGETS, key=k("target"), format_func=lambda t: {
        "sign": "y = [Σx > 0]", "sine": "y = (1 + sin Σx)/2", "random": "random y (nothing to learn)"}[t])
    sb.header("Remedies")
    sb.toggle(widget_label("residual"), key=k("residual"), help="a ← a + f(z) between equal-width hidden layers")
    sb.toggle("Gradient clipping (global norm)", key=state.CLIP)
    sb.select_slider("Clipping threshold ‖g‖ ≤", options=state.CLIPS, key=state.CLIP_THRESHOLD,
                     disabled=not st.session_state.get(state.CLIP), format_func=lambda v: f"{v:g}")
    sb.radio(widget_label("norm"), NORMS, key=k("norm"), horizontal=True, format_func=lambda n: n or "none")
    sb.toggle(widget_label("matched_init"), key=k("matched_init"),
              help="Xavier for sigmoid/tanh/linear, He for the ReLU family, at multiplier ×1")
    sb.header("Training")
    sb.select_slider(widget_label("lr"), options=state.LRS, key=k("lr"), format_func=lambda v: f"{v:g}")
    sb.select_slider(widget_label("steps"), options=state.STEPS, key=k("steps"))
    sb.caption(LIMITS)


def preset_buttons():
    """The presets behind one button (they cost two rows above the verdict and the profile otherwise)."""
    names = list(PRESETS)
    with st.popover("Presets", icon=":material/tune:", help="Start from a prepared network that vanishes, "
                    "explodes or is healthy, with its explanation"):
        for i, name in enumerate(names):
            st.button(name, key=f"lab_preset_{i}", on_click=state.load_preset, args=(name,), width="stretch")


def training_panel(settings):
    run = state.get_run(settings)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 3])
    if state.playing():
        c1.button("Pause", icon=":material/pause:", key="lab_pause", on_click=state.set_playing, args=(False,),
                  width="stretch")
    else:
        c1.button("Play", icon=":material/play_arrow:", key="lab_play", on_click=state.set_playing, args=(True,),
                  width="stretch", disabled=run.done)
    c2.button(f"Run all {settings.steps} steps", icon=":material/skip_next:", key="lab_run_all", disabled=run.done,
              on_click=state.run_all, width="stretch")
    c3.button("Reset", icon=":material/replay:", key="lab_reset", on_click=state.reset_run, width="stretch")
    c4.caption(f"Gradient descent on the batch, α = {settings.lr:g}. ‖∂L/∂W_l‖ of every layer is recorded "
               "at each step.")

    @st.fragment(run_every=TICK_SECONDS if state.playing() and not run.done else None)
    def live():
        r = state.get_run(state.read_settings()[0])
        if state.playing() and not r.done:
            # about steps / TICKS_PER_RUN steps per tick, but never more than TICK_BUDGET seconds of work
            target = r.step + max(1, math.ceil(r.settings.steps / TICKS_PER_RUN))
            deadline = time.perf_counter() + TICK_BUDGET
            while r.step < target and not r.done and time.perf_counter() < deadline:
                r.advance(1)
            if r.done:
                state.set_playing(False)
                st.rerun()  # a full rerun stops the timer and refreshes the per-layer views
        # a diverged run is explained once, at the top of the page (the full rerun above shows it)
        st.progress(min(r.step / r.settings.steps, 1.0),
                    text=f"step {r.step} of {r.settings.steps}" + (
                        f" — paused: diverging at step {r.divergence.step} (see above)" if r.divergence else ""))
        if r.step == 0 and r.divergence is None:
            st.info("Press Play (or Run all) to train and watch the gradient flow per layer and step.",
                    icon=":material/play_circle:")
            return
        # fixed-height boxes: a chart redrawn on the timer is re-created (blank for a moment), the page must
        # not jump under it
        left, right = st.columns([3, 2])
        left, right = left.container(height=460, border=False), right.container(height=460, border=False)
        left.plotly_chart(figs.heatmap_figure(r.history(), r.divergence), key="lab_chart_heatmap",
                          width="stretch", config=chart_config("gradient-flow"))
        right.plotly_chart(figs.loss_figure(r.losses, r.divergence), key="lab_chart_loss", width="stretch",
                           config=chart_config("lab-loss"))
        sharing.sync_address("lab")   # the steps trained, in the address bar

    live()


def forward_panel(d):
    st.plotly_chart(figs.forward_stats_figure(d), key="lab_chart_forward", width="stretch")
    st.caption("The cause behind the gradient: saturated sigmoid/tanh units (f′(z) < 0.01) and dead ReLU units "
               "(z ≤ 0 for every sample) pass (almost) nothing back.")


def histogram_panel(p, d):
    c1, c2 = st.columns([1, 1])
    kind = c1.radio("Values", ("a", "delta"), horizontal=True, key="lab_hist_kind",
                    format_func=lambda v: {"a": "activations a", "delta": "gradients δ = ∂L/∂z (log₁₀|δ|)"}[v])
    mode = c2.radio("Show", ("grid", "one layer"), horizontal=True, key="lab_hist_mode",
                    format_func=lambda v: {"grid": "small multiples", "one layer": "one layer"}[v])
    h = histograms(p, kind)
    if mode == "grid":
        st.plotly_chart(figs.small_multiples_figure(h), key="lab_chart_hist_grid", width="stretch")
    else:
        state.hist_layer_within(d.n_layers)
        layer = st.slider("Layer (1 = first hidden)", 1, max(d.n_layers, 2), key="lab_hist_layer",
                          disabled=d.n_layers < 2)
        st.plotly_chart(figs.histogram_figure(h, layer), key="lab_chart_hist_one", width="stretch")


def graph_panel(p, d, settings, net):
    n_weights = sum(W.size for W in net.weights)
    if n_weights <= figs.MAX_DRAWN_EDGES:
        fig = network_figure(net.sizes, net.weights, net.biases, z=p.z, a=p.a, delta=p.delta, dW=p.dW, db=p.db,
                             edge_mode="gradient", node_mode="delta", height=560)
        st.plotly_chart(fig, key="lab_chart_graph", width="stretch")
        st.caption("Every weight drawn, coloured by |∂L/∂w| on a log scale, nodes by |δ|: dark = vanishing, "
                   "bright = exploding.")
    else:
        st.plotly_chart(figs.aggregated_graph_figure(d), key="lab_chart_graph_agg", width="stretch")


def compare_panel(settings, d, run):
    c1, c2, c3 = st.columns([1, 1, 3])
    label = f"{describe(settings)} @ step {run.step}"
    if c1.button("Pin this run", icon=":material/push_pin:", key="lab_pin", width="stretch"):
        state.add(pin(label, settings, d))
    c2.button("Clear pins", key="lab_clear_pins", on_click=state.clear_pins, width="stretch")
    c3.caption(f"Pin up to {MAX_PINS} runs (e.g. sigmoid vs ReLU, Xavier vs ×10 init) and compare their "
               "per-layer gradient, each relative to its own last hidden layer.")
    message = state.pop_message()
    if message:
        st.warning(message)
    pinned = state.pins()
    now = pin(f"now: {label}", settings, d)
    runs = pinned + ([now] if all(p.label != label for p in pinned) else [])
    st.plotly_chart(figs.overlay_figure(runs), key="lab_chart_overlay", width="stretch")
    for p in pinned:
        st.markdown(f"- **{p.label}** — {p.verdict}")


def profile_summary(d) -> str:
    """The profile chart's text alternative: the verdict in one sentence (the numbers: the Forward pass view)."""
    return f"Per-layer gradient profile, mean |δ| = ∂L/∂z and ‖∂L/∂W‖ by layer: {d.verdict()}."


def page():
    sharing.page_start("lab")
    state.init_state()
    sidebar_controls()
    settings, error = state.read_settings()
    with st.container(horizontal=True, vertical_alignment="center", key="lab_bar"):
        st.title("Gradient lab: vanishing and exploding gradients", width="content",
                 help="Make the gradient vanish or explode on purpose, see in which layer and why, then fix it "
                      "with a remedy. Pick a preset, or change the network in the sidebar.")
        preset_buttons()
        # the verdict below is an h3 (lessons and the layout key on it): this heading, for screen readers
        # only, keeps the outline h1 → h2 → h3 (axe: heading-order)
        with st.container(key="lab_sr_heading"):
            st.html('<h2 class="bl-sr-only">Verdict and per-layer gradient profile</h2>')
    if error:
        st.error(f"{error}. Keeping the previous settings.", icon=":material/warning:")
    name = state.current_preset(settings)
    try:
        run = state.get_run(settings)
    except ValueError as e:
        st.error(f"{e}. Keeping the previous settings.", icon=":material/warning:")
        return
    p, d = run.inspect()
    icon = STATE_ICONS[d.state]
    when = "at initialisation" if run.step == 0 else f"after {run.step} training step{'s' if run.step > 1 else ''}"
    st.markdown(f"### {icon} {d.verdict()[0].upper() + d.verdict()[1:]}")
    copies = [(l + 1, n, w) for l, (n, w) in enumerate(zip(distinct_units(run.net), settings.sizes[1:-1])) if n < w]
    advice = hint(settings, "symmetric" if copies else d.state) if d.finite else ""
    st.caption(f"{describe(settings)} · {when} · loss {figs.format_sci(d.loss, 3)}")
    # the verdict's evidence (the profile) first, its explanation beside it: both in the first screen
    chart, notes = st.columns([3, 1.5])
    with notes:
        if name:
            st.info(f"**{name}**  \n" + PRESETS[name].explanation.replace("\n", "  \n"), icon=":material/lightbulb:")
        if advice:
            st.markdown(advice)
        if d.finite and d.compounding():
            st.markdown(f"**Why:** {d.compounding()}.")
        if copies:
            st.warning("Symmetry: " + "; ".join(f"layer {l} has {n} distinct unit{'s' if n > 1 else ''} of {w}"
                                                for l, n, w in copies[:4]) + (" …" if len(copies) > 4 else "")
                       + ". Units with identical incoming weights get identical gradients and stay copies: "
                         "random initialisation breaks the symmetry.", icon=":material/content_copy:")
        if run.divergence is not None:   # the same words as every page (engine.divergence)
            st.error(run.divergence.message, icon=":material/error:")
            rate = run.divergence.suggestion.lr if run.divergence.suggestion is not None else None
            if rate is not None:
                st.button(f"Continue with α = {rate:g}", key="lab_continue", on_click=state.set_lr, args=(rate,),
                          icon=":material/play_arrow:")
            st.caption(f"The divergence model: {rules_text()}.")
        elif not d.finite:
            st.error("These settings overflow before any training step: there are no healthy weights to start from. "
                     "Reset: these weights are already too large — lower the initial weight scale.",
                     icon=":material/error:")
        if d.finite and run.divergence is None and not d.zero_from_saturation():
            frozen = saturation(p, run.net.activation_names).message
            if frozen and run.step > 0:
                st.info(frozen, icon=":material/ac_unit:")
    chart.plotly_chart(figs.gradient_profile_figure(d), key="lab_chart_profile", width="stretch", height="stretch",
                       alt=profile_summary(d), config=chart_config("gradient-profile"))
    if d.finite and d.delta_mean[d.reference] > 0:   # the bands are drawn: their rule in words
        chart.caption(figs.band_rule(d.reference + 1))
    view = st.segmented_control("View", VIEWS, key="lab_view",
                                default=None if "lab_view" in st.session_state else "Training") or "Training"
    if view == "Training":
        training_panel(settings)
    elif view == "Forward pass":
        forward_panel(d)
    elif view == "Histograms":
        histogram_panel(p, d)
    elif view == "Network graph":
        graph_panel(p, d, settings, run.net)
    else:
        compare_panel(settings, d, run)


page()
sharing.panel("lab")
