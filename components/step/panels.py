"""Page layer: the stage of the step-through page (transport, graph, selection, equations, zoom, table).

``stage`` runs inside a fragment: stepping, clicking the graph or moving a parameter slider reruns only
it, never the sidebar. While playing, the fragment is registered with ``run_every`` and advances one
step per tick. ``run_every`` is read on full reruns only, so play, pause, a new speed and reaching the
end each trigger one full rerun that (re)sets the timer.
"""
import csv
import io

import numpy as np
import streamlit as st

from components.step import loss_view, quiz
from components.step import config as sc
from components.step import session
from components.drawing.chart_size import last_px
from components.drawing.graph import EDGE_MODES, NODE_MODES, network_figure, clicked_id
from components.step.neuron_zoom import neuron_figure
from components.shell import timer
from components.shell.presenter import chart_config
from components.step.pytorch_code import pytorch_code
from components.step.controls import param_sliders
from components.drawing.style import fmt
from engine.divergence import rules_text
from engine.ids import node_label
from engine.equations import node_equations
from engine.timeline import step_table

APPLY_LABEL = "Apply update → next training step"   # lesson 06 names the button this way (tested)
SPEEDS = {"slow: 2 s": 2.0, "normal: 1 s": 1.0, "fast: 0.5 s": 0.5}
EDGE_CHOICES = {"auto": "auto: w forward, ∂L/∂w backward, −α∂L/∂w at the update", **EDGE_MODES}
NODE_CHOICES = {"auto": "auto: a while forward, δ from the loss on", **NODE_MODES}
GRAPH_KEY = "step_graph"
PICK_KEY = "step_pick"
ABOUT = ("Forward: z = Σ w·a + b, a = f(z), layer by layer; then the loss; backward: δ = ∂L/∂z from the "
         "output to the input, ∂L/∂w = δ·a; then the update w ← w − α ∂L/∂w.")
# Only the chosen view is computed on a rerun (tabs would compute all four every time).
VIEWS = ("Equations of this step", "Neuron zoom", "Table of this step (CSV)", "Show the PyTorch equivalent",
         "Loss: slope, surface, gradient check")
PANELS = ("equations", "zoom", "table", "pytorch", "loss")   # the same views by the names links and lessons use


def resolved_modes(run, step):
    """The colourings actually drawn for this step ("auto" follows the sweep)."""
    edge = run.edge_mode
    if edge == "auto":
        edge = {"backward": "gradient", "update": "update"}.get(step.kind, "weight")
    node = run.node_mode
    if node == "auto":
        node = "a" if step.kind in ("start", "forward") else "delta"
    return edge, node


def highlight_of(step, n_layers):
    """Index in sizes of the layer this step computes (None at the update: every layer changes)."""
    if step.kind in ("forward", "backward"):
        return step.layer + 1
    return {"start": 0, "loss": n_layers}.get(step.kind)


# The graph's size before the browser has measured it: the page at 1280 × 720 with the sidebar open
# (measured 489 × 438 px; 877 × 798 at 1920 × 1080). The browser then reports the real size.
GRAPH_PX_ESTIMATE = (489, 438)


def step_figure(run, steps, i, px=GRAPH_PX_ESTIMATE):
    step = steps[i]
    edge, node = resolved_modes(run, step)
    return network_figure(run.sizes, step.weights, step.biases, z=step.z, a=step.a, delta=step.delta, dW=step.dW, db=step.db,
                          update_W=step.update_W, lr=run.config.lr, edge_mode=edge, node_mode=node,
                          highlight_layer=highlight_of(step, len(run.sizes) - 1), selected=run.selected,
                          narrow=True, px=px)


def _on_graph_select():
    item = clicked_id(session.widget_value(GRAPH_KEY))
    if item:
        session.select(item)


def _toggle_play():
    run = session.get_run()
    if not run.playing and run.step >= len(run.steps()) - 1:
        run.step = 0
    run.playing = not run.playing


TRANSPORT_HELP = "Keys: PageDown / PageUp step forward / back (a presenter clicker sends these), Home / End, P play / pause"


def transport(run, steps) -> None:
    """Reset, Back, Step, End, Play and the speed: one row of icon buttons.

    Each button's word stays its accessible name and its tooltip (with its key); below 1,000 px the
    word is hidden visually (``presenter.LAYOUT_CSS``) so the row fits a phone.
    """
    i, last = run.step, len(steps) - 1
    with st.container(horizontal=True, wrap=False, key="step_transport", gap="small", width="content"):
        _transport_buttons(run, i, last)
    speed = st.selectbox("Speed", list(SPEEDS), index=list(SPEEDS.values()).index(run.speed),
                         key="step_speed", label_visibility="collapsed", width=120)
    if SPEEDS[speed] != run.speed:
        session.set_view(speed=SPEEDS[speed])


def _move(by: int) -> None:
    """Back / Step relative to the step shown when the click arrives (while playing, the buttons are
    drawn once per full rerun and the step moves on under them)."""
    session.go_to(session.get_run().step + by)


def _transport_buttons(run, i, last) -> None:
    st.button("Reset", icon=":material/first_page:", key="step_reset", on_click=session.go_to, args=(0,),
              disabled=i == 0, shortcut="Home", help="Reset to step 1 (key: Home)")
    st.button("Back", icon=":material/chevron_left:", key="step_back", on_click=_move, args=(-1,),
              disabled=i == 0, shortcut="PageUp", help="Back one step (key: PageUp)")
    st.button("Step", icon=":material/chevron_right:", key="step_forward", on_click=_move, args=(1,),
              disabled=i == last, shortcut="PageDown", help=f"Step forward (key: PageDown). {TRANSPORT_HELP}",
              type="primary")
    st.button("End", icon=":material/last_page:", key="step_end", on_click=session.go_to, args=(last,),
              disabled=i == last, shortcut="End", help="Go to the last step (key: End)")
    st.button("Pause" if run.playing else "Play", key="step_play", on_click=_toggle_play, shortcut="P",
              icon=":material/pause:" if run.playing else ":material/play_arrow:",
              help=("Pause" if run.playing else "Play") + " (key: P)")
    paused = run.divergence is not None
    st.button(APPLY_LABEL, key="step_train", on_click=session.next_training_step,
              disabled=run.steps()[-1].update_W is None or paused, icon=":material/model_training:",
              help="Paused: the run diverged; change α (or reset) to go on" if paused else
              "Keep the updated weights and run the next forward/backward pass from them. "
              f"Training steps applied so far: {run.trained}")


def view_options(run) -> None:
    c1, c2 = st.columns(2)
    edge = c1.selectbox("Colour edges by", list(EDGE_CHOICES), format_func=lambda m: f"Edges: {EDGE_CHOICES[m]}",
                        index=list(EDGE_CHOICES).index(run.edge_mode), key="step_edge_mode",
                        label_visibility="collapsed")
    node = c2.selectbox("Colour nodes by", list(NODE_CHOICES), format_func=lambda m: f"Nodes: {NODE_CHOICES[m]}",
                        index=list(NODE_CHOICES).index(run.node_mode), key="step_node_mode",
                        label_visibility="collapsed")
    session.set_view(edge_mode=edge, node_mode=node)


def headline(run, steps) -> None:
    """The caption of the step, the loss and α in one row so the graph starts high on a projector."""
    step = steps[run.step]
    # one row whatever the width: the caption wraps inside its box rather than pushing the graph down
    with st.container(horizontal=True, vertical_alignment="center", key="step_head", gap="medium", wrap=False):
        st.markdown(f"### {step.caption}", width="stretch")
        st.metric("Loss L", fmt(step.loss) if step.loss is not None else "not yet", width="content")
        if step.kind == "update" and step.loss_after is not None:
            st.metric("Loss after the update", fmt(step.loss_after), width="content",
                      delta=("+" if step.loss_after >= step.loss else "-") + fmt(abs(step.loss_after - step.loss)),
                      delta_color="inverse")   # an ASCII sign: Streamlit reads it for the arrow
        st.metric("Learning rate α", f"{run.config.lr:g}", width="content")
    if run.divergence is not None:   # the same words as every page (engine.divergence)
        st.error(run.divergence.message, icon=":material/warning:")
        rate = run.divergence.suggestion.lr if run.divergence.suggestion is not None else None
        if rate is not None:
            st.button(f"Continue with α = {rate:g}", key="step_continue", on_click=session.continue_with,
                      args=(rate,), icon=":material/play_arrow:")
        st.caption(f"The divergence model: {rules_text()}.")
    elif step.status:
        st.warning(step.status, icon="⚠️")
    if run.error:
        st.error(run.error, icon="🚫")


def _on_pick():
    item = session.widget_value(PICK_KEY)
    run = session.get_run()
    nodes = {f"L{l}:N{j}" for l, n in enumerate(run.sizes) for j in range(n)}
    if item in nodes:   # (after an architecture change the browser may still send the old network's label)
        session.select(item)


def _pick_label(sizes, nid) -> str:
    """"ŷ  (L2:N0)"; a value that is no node id of this network (a stale one) is shown as it is."""
    try:
        return f"{node_label(sizes, nid)}  ({nid})"
    except (ValueError, TypeError):
        return str(nid)


def node_picker(run) -> None:
    """Choose the node whose equations are shown, from the keyboard (the graph needs a pointer)."""
    nodes = [f"L{l}:N{j}" for l, n in enumerate(run.sizes) for j in range(n)]
    current = run.selected if run.selected in nodes else None
    st.session_state[PICK_KEY] = current   # follows clicks on the graph
    st.selectbox("Equations of node", nodes, key=PICK_KEY, on_change=_on_pick,
                 placeholder="choose a node (or click the graph)",
                 format_func=lambda nid: _pick_label(run.sizes, nid),
                 help="Pick a node to see its equations; weights and biases: click them on the graph, or "
                      "use the sliders of a selected node")


def selection_panel(run, steps) -> None:
    item = run.selected
    if not item:
        st.info("Click a node, an edge or a bias square on the graph to see its numbers and sliders.")
        node_picker(run)
        return
    st.markdown(f"#### Selected: {node_label(run.sizes, item)} `{item}`")
    with st.container(key="step_equations"):
        for line in node_equations(steps, run.step, item):
            st.latex(line)
    node_picker(run)
    pids = sc.params_of(run.sizes, item)
    if pids:
        st.caption("Move a weight or bias: everything is recomputed, the step is kept.")
        param_sliders(run, pids, "sel")
    elif item.startswith("L0:"):
        st.caption("An input: move it with its slider in the sidebar.")


def step_equations(steps, i) -> None:
    for line in steps[i].equations:
        st.latex(line)


def table_csv(rows) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [])
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
    return out.getvalue()


def table_view(steps, i) -> None:
    rows = step_table(steps, i)
    # the CSV is written only when the button is pressed (20 × 32: ~0.3 s for 20,000 rows)
    st.download_button("Download this step as CSV", lambda: table_csv(rows), file_name=f"backprop_step_{i + 1}.csv",
                       mime="text/csv", key="step_csv", on_click="ignore")
    st.dataframe(rows[:2000], width="stretch", hide_index=True, height=360)
    if len(rows) > 2000:
        st.caption(f"Showing the first 2,000 of {len(rows):,} rows; the CSV has all of them.")


def zoom_view(run, steps) -> None:
    item = run.selected if run.selected and run.selected.startswith("L") else f"L{len(run.sizes) - 1}:N0"
    if item.startswith("L0:"):
        st.info("The zoom shows a computed neuron: select a hidden or output node.")
        return
    st.caption(f"Every scalar operation of {node_label(run.sizes, item)}: value, and its gradient once the "
               "backward sweep reaches it.")
    st.plotly_chart(neuron_figure(steps, run.step, item), width="stretch", key="step_zoom")


def pytorch_view(run) -> None:
    cfg = run.config
    st.code(pytorch_code(run.network(), np.array([cfg.x]), np.array([cfg.y]), lr=cfg.lr), language="python")


def all_sliders(run) -> None:
    n = sum(W.size + b.size for W, b in zip(run.weights, run.biases))
    if n <= sc.MAX_SLIDER_PARAMS:
        with st.expander(f"All {n} weights and biases"):
            param_sliders(run, sc.all_params(run.sizes), "all")
    else:
        st.caption(f"{n} parameters: select a node to get its sliders (all of them are listed up to "
                   f"{sc.MAX_SLIDER_PARAMS}).")


def control_bar(run, steps) -> None:
    """The page's title, the step and play buttons, the speed and the quiz switch, in one row.

    Drawn in the stage fragment while paused (a step reruns only the fragment), and by the page outside
    the fragment while playing: a key press or click on a button inside a fragment that a timer reruns
    was lost about once in six presses (the tick replaced the button under the click); outside it, the
    click is a full rerun that the server folds together with a pending tick.
    """
    with st.container(horizontal=True, vertical_alignment="center", key="step_bar", gap="small"):
        st.markdown("#### Step through one training step", width="content", help=ABOUT)
        transport(run, steps)
        quiz.toggle()


def summary(run, steps, i) -> str:
    """One sentence that says what the graph shows (the chart's text alternative for screen readers).

    >>> # "Network 2→3→1, step 5 of 7: backward through layer 2; largest |∂L/∂w| 0.41 on w from x₁ to h¹₁"
    """
    step = steps[i]
    text = f"Network {'→'.join(map(str, run.sizes))}, step {i + 1} of {len(steps)}: {step.title[0].lower()}{step.title[1:]}"
    known = [(l, g) for l, g in enumerate(step.dW or ()) if g is not None]
    if known:
        l, g = max(known, key=lambda lg: float(np.max(np.abs(lg[1]))) if lg[1].size else -1.0)
        j, k = np.unravel_index(int(np.argmax(np.abs(g))), g.shape)
        text += (f"; largest |∂L/∂w| {fmt(abs(float(g[j, k])))} on w from {node_label(run.sizes, f'L{l}:N{k}')} "
                 f"to {node_label(run.sizes, f'L{l + 1}:N{j}')}")
    elif step.loss is not None:
        text += f"; loss {fmt(step.loss)}"
    return text + ". Every number is in the table of this step (the “Table of this step” view below)."


def stage() -> None:
    """Everything that depends on the step and the parameters.

    Laid out for a projector: one row of controls, one row with the step's caption and the loss, then
    the graph (its height follows the window: ``presenter.LAYOUT_CSS``) with the selected node's
    equations beside it; views, options and sliders below the first screen.
    """
    run = session.get_run()
    steps = timer.tick(run, session.go_to)
    if not run.playing:
        control_bar(run, steps)
    quiz.panel(run, steps, session.go_to, session.select)
    headline(run, steps)
    left, right = st.columns([2, 1.3])
    with left:
        px = last_px(GRAPH_KEY, GRAPH_PX_ESTIMATE, st.session_state)     # numbers placed for the graph's real size (page._stage)
        st.plotly_chart(step_figure(run, steps, run.step, px), key=GRAPH_KEY, on_select=_on_graph_select,
                        selection_mode="points", width="stretch", height="stretch",
                        alt=summary(run, steps, run.step),
                        config={**chart_config("network"), "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
    with right:
        selection_panel(run, steps)
    view_options(run)
    if "step_view" not in session.state():
        session.state()["step_view"] = VIEWS[PANELS.index(run.panel)] if run.panel in PANELS else VIEWS[0]
    view = st.radio("Show", VIEWS, horizontal=True, key="step_view", label_visibility="collapsed")
    session.set_view(panel=PANELS[VIEWS.index(view)])
    if view == VIEWS[4]:
        loss_view.view(run)
    elif view == VIEWS[0]:
        step_equations(steps, run.step)
    elif view == VIEWS[1]:
        zoom_view(run, steps)
    elif view == VIEWS[2]:
        table_view(steps, run.step)
    else:
        st.caption("A script that builds this network with these weights in PyTorch, prints the same loss "
                   "and gradients and takes the same update: check the numbers outside the app.")
        pytorch_view(run)
    all_sliders(run)
