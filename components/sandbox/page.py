"""The chain-rule sandbox: type an expression, step through its graph forward then backward.

The stage (transport, the step's sentence, the graph, the gradients) runs inside a fragment: stepping
reruns only it. While playing, the fragment is registered with ``run_every`` (read on full reruns
only, so play, pause, a new speed and reaching the end each trigger one full rerun).
"""
import streamlit as st

from components.drawing.chart_size import chart_px, last_px
from components.sandbox import state
from components.sandbox.figures import expression_figure, sandbox_contour
from components.sandbox.pytorch import expected_lines, pytorch_script
from components.shell import fit_equations, sharing, timer
from components.shell.generations import current_widgets_only
from components.shell.presenter import chart_config
from engine.expression import (FUNCTIONS, MAX_DEPTH, MAX_LENGTH, MAX_NODES, MAX_NUMBER, MAX_VARIABLES,
                               display_name, number, reached, tangents)

SPEEDS = {"slow (2 s)": 2.0, "normal (1 s)": 1.0, "fast (0.5 s)": 0.5}
MODES = {"reverse": "Reverse", "forward": "Forward"}   # the help names them: backpropagation, one input
LIMITS = (f"Limits: at most {MAX_LENGTH} characters, brackets and functions nested at most {MAX_DEPTH} deep, "
          f"{MAX_NODES} graph nodes, {MAX_VARIABLES} variables; constants up to {MAX_NUMBER:g} in size, values from "
          f"−{state.VALUE_LIMIT:,.0f} to {state.VALUE_LIMIT:,.0f}.")
GRAMMAR = ("Write `+ - * /` (or × ÷ −), `**` for powers, unary minus, brackets, numbers, and the functions "
           f"{', '.join(f'`{f}`' for f in sorted(set(FUNCTIONS)) if f not in ('max', 'min'))} of one argument, "
           "`max(a, b)` and `min(a, b)`. A variable is letters then an optional subscript: `w2`, `w_2` and `w₂` "
           "are the same variable w₂. Start with `y = ` (or `L = `, `f = `) to name the output.")


INTRO = ("Any expression of scalars becomes a graph of operations: step forward (values), then backward from "
         "the output (each gradient = the consumer's gradient × the local derivative, summed over paths).")


def _on_text():
    state.set_text(state.widget(state.TEXT_KEY) or "")


# a callback of a box the page has since rebuilt is a replay of the old values: dropped (generations.py)
_current = current_widgets_only(lambda: state.get().generation)


@_current
def _on_preset(key):
    name = state.widget(key)
    if name in state.PRESETS:
        text, values = state.PRESETS[name]
        if state.set_text(text, values):
            state.put_widget(state.TEXT_KEY, text)


@_current
def _on_value(name, key):
    state.set_value(name, state.widget(key))


def _on_mode():
    mode = state.widget("sandbox_mode") or "reverse"
    state.set_mode(mode, state.widget("sandbox_wrt"))


def _on_speed():
    state.set_speed(SPEEDS.get(state.widget("sandbox_speed"), 1.0))


def _caret(text: str, column: int) -> str:
    """The refused text (a window of it when long) with a caret under the column."""
    start = max(0, column - 1 - 50)
    shown = text[start:start + 100]
    prefix = "…" if start else ""
    return f"{prefix}{shown}{'…' if start + 100 < len(text) else ''}\n{' ' * (len(prefix) + column - 1 - start)}^ column {column}"


def expression_box(run) -> None:
    left, right = st.columns([3, 1.4], vertical_alignment="bottom")
    if state.widget(state.TEXT_KEY) is None:      # widget state is dropped while another page is shown
        state.put_widget(state.TEXT_KEY, run.text)
    left.text_input(f"Expression (at most {MAX_LENGTH} characters)", key=state.TEXT_KEY, on_change=_on_text,
                    placeholder="Expression, e.g. y = sigmoid(w*x + b)", label_visibility="collapsed")
    names = list(state.PRESETS)
    current = next((n for n, (t, _) in state.PRESETS.items() if t == run.text), None)
    right.selectbox("Examples", names + ([] if current else ["(your own)"]),
                    index=names.index(current) if current else len(names), key=f"sandbox_preset_{run.generation}",
                    on_change=_on_preset, args=(f"sandbox_preset_{run.generation}",), label_visibility="collapsed",
                    format_func=lambda n: f"Example: {n}")
    if run.error:
        st.error(run.error, icon="🚫")
        if run.refused_column is not None and run.refused:
            st.code(_caret(run.refused, run.refused_column), language=None)


def variable_boxes(run) -> None:
    g = run.graph
    if not g.variables:
        st.caption("No variables: the expression is a constant.")
        return
    with st.container(horizontal=True, gap="small", key="sandbox_values"):
        for name in g.variables:
            key = state.value_key(run, name)
            st.number_input(f"{display_name(name)} =", -state.VALUE_LIMIT, state.VALUE_LIMIT, float(run.values[name]),
                             step=0.1, format="%.6g", key=key, on_change=_on_value, args=(name, key),
                            width=118, help=f"The value of {display_name(name)}, from −{state.VALUE_LIMIT:,.0f} to "
                                            f"{state.VALUE_LIMIT:,.0f}")


MODE_HELP = ("Reverse mode (backpropagation): forward sweep for the values, then one backward sweep from the "
             "output gives the gradient of every input. Forward mode: one sweep carries the tangent ∂/∂(one input) "
             "along with the values.")
TRANSPORT_HELP = ("Keys: PageDown / PageUp step forward / back (a presenter clicker sends these), Home / End, "
                  "P play / pause")


def mode_controls(run) -> None:
    """The mode, the input of forward mode and the play speed: compact, their labels kept as names."""
    g = run.graph
    state.put_widget("sandbox_mode", run.mode)
    st.radio("Mode", list(MODES), format_func=MODES.get, horizontal=True, key="sandbox_mode",
             on_change=_on_mode, label_visibility="collapsed", help=MODE_HELP, width="content")
    if run.mode == "forward" and g.variables:
        state.put_widget("sandbox_wrt", run.wrt)
        st.selectbox("Tangent of which input", list(g.variables), format_func=lambda v: f"∂/∂{display_name(v)}",
                     key="sandbox_wrt", on_change=_on_mode, label_visibility="collapsed", width=110)
    labels = list(SPEEDS)
    state.put_widget("sandbox_speed", labels[list(SPEEDS.values()).index(run.speed)])
    st.selectbox("Play speed", labels, key="sandbox_speed", on_change=_on_speed, label_visibility="collapsed",
                 width=135)


def why_reverse(run) -> None:
    n = len(run.graph.variables)
    st.caption(f"**Why reverse mode wins:** one backward sweep gives the gradient of every input ({n} here); "
               f"forward mode needs one sweep per input ({n} sweep{'s' if n != 1 else ''} here). A network has one "
               "output, the loss, and millions of inputs, its weights: that is why it is trained by backpropagation.")


def transport(run, steps) -> None:
    """Reset, Back, Step, End, Play: one row of icon buttons.

    Each button's word stays its accessible name and its tooltip (with its key); below 1,000 px the word
    is hidden visually (``presenter.LAYOUT_CSS``) so the row fits a phone.
    """
    i, last = run.step, len(steps) - 1
    with st.container(horizontal=True, wrap=False, key="sandbox_transport", gap="small", width="content"):
        st.button("Reset", icon=":material/first_page:", key="sandbox_reset", on_click=state.go_to, args=(0,),
                  disabled=i == 0, shortcut="Home", help="Reset to step 0 (key: Home)")
        st.button("Back", icon=":material/chevron_left:", key="sandbox_back", on_click=state.go_to, args=(i - 1,),
                  disabled=i == 0, shortcut="PageUp", help="Back one step (key: PageUp)")
        st.button("Step", icon=":material/chevron_right:", key="sandbox_step", on_click=state.go_to, args=(i + 1,),
                  disabled=i == last, shortcut="PageDown", type="primary",
                  help=f"Step forward (key: PageDown). {TRANSPORT_HELP}")
        st.button("End", icon=":material/last_page:", key="sandbox_end", on_click=state.go_to, args=(last,),
                  disabled=i == last, shortcut="End", help="Go to the last step (key: End)")
        st.button("Pause" if run.playing else "Play", key="sandbox_play", on_click=state.toggle_play, shortcut="P",
                  icon=":material/pause:" if run.playing else ":material/play_arrow:",
                  help=("Pause" if run.playing else "Play") + " (key: P)")


def summary(run, steps, step) -> str:
    """One sentence that says what the graph shows (the chart's text alternative for screen readers)."""
    ops = len(run.graph.operations)
    return (f"Graph of {run.text.strip()}: {ops} operation{'s' if ops != 1 else ''}, step {run.step} of "
            f"{len(steps) - 1}, {step.phase}: {step.text}")


def gradients(run, steps, grads_known) -> None:
    """Each variable's gradient (reverse) or the output's tangent (forward), written once reached."""
    g, ev = run.graph, run.ev
    y = display_name(g.output_name)
    if not g.variables:
        return
    if run.mode == "forward":
        t = tangents(ev, run.wrt)
        done = g.output in grads_known and run.step == len(steps) - 1
        st.metric(f"∂{y}/∂{display_name(run.wrt)} (forward mode)",
                  number(t[int(g.output[1:])]) if done else "not yet: step to the end")
        return
    per_row = 6
    for start in range(0, len(g.variables), per_row):
        cols = st.columns(per_row)
        for col, name in zip(cols, g.variables[start:start + per_row]):
            vid = g.variable_id(name)
            col.metric(f"∂{y}/∂{display_name(name)}",
                       number(ev.gradient[name]) if vid in grads_known else "not yet")


GRAPH_PX_ESTIMATE = (607, 370)   # the graph at 1280 × 720 (measured) before the browser reports its size


def stage() -> None:
    """Everything that depends on the step: transport, the sentence, the graph, the gradients."""
    run = state.get()
    steps = timer.tick(run, state.go_to)
    with st.container(horizontal=True, vertical_alignment="center", key="sandbox_bar", gap="small"):
        transport(run, steps)
        mode_controls(run)
    step = steps[run.step]
    st.container(key="sandbox_head").markdown(f"### Step {run.step} of {len(steps) - 1} — {step.title}")
    values_known, grads_known = reached(steps, run.step, run.ev, run.mode)
    left, right = st.columns([3, 1])
    with left:
        px = last_px("sandbox_graph", GRAPH_PX_ESTIMATE, st.session_state)      # cards placed for the real size (_stage)
        fig = expression_figure(run.ev, values_known, grads_known, current=step.node, edges=step.edges,
                                mode=run.mode, wrt=run.wrt, label_edges=step.phase in ("backward", "tangent"), px=px)
        fig.update_layout(height=None)          # the container's height (it follows the window: LAYOUT_CSS)
        st.plotly_chart(fig, key="sandbox_graph", width="stretch", height="stretch", alt=summary(run, steps, step),
                        config=chart_config("sandbox-graph"))
    with right.container(key="sandbox_equations"):
        for line in step.latex:
            st.latex(line)
        st.caption(step.text)     # the same sentence as text: read by a screen reader, copied into homework
    st.caption("□ variable, ◇ constant, ○ operation. Beside each node (below it, or above in every other column; slid sideways or further out where cards would overlap): "
               "its value once the forward sweep reaches it, then its gradient once the backward sweep does. Filled = value known; orange ring = gradient "
               "known; black ring and “◀ this step” = the node this step computes; the thick edges are the ones "
               "this step uses; in the backward sweep each is labelled with its local derivative, a factor of "
               "the product.")
    gradients(run, steps, grads_known)


def extras(run) -> None:
    g, ev = run.graph, run.ev
    why_reverse(run)
    if len(g.variables) == 2:
        st.subheader(f"The gradient of {display_name(g.output_name)} as a direction and a length")
        st.plotly_chart(sandbox_contour(ev), key="sandbox_contour", width="stretch",
                        config=chart_config("sandbox-contour"))
    else:
        st.caption(f"With exactly two variables the page also draws the contour of the function with its gradient "
                   f"arrow (this expression has {len(g.variables)}).")
    with st.expander("Show the PyTorch equivalent"):
        st.caption("The same expression in PyTorch: `backward()` runs reverse mode and prints the same gradients "
                   f"(the page rounds to 4 digits): {'; '.join(expected_lines(g, ev))}.")
        st.code(pytorch_script(g, run.values), language="python")
    st.caption(LIMITS)


def page() -> None:
    sharing.page_start("sandbox")
    fit_equations.mount()   # the chain-rule sentences scale to fit their panel
    st.title("Chain-rule sandbox", width="content", help=f"{INTRO}\n\n**The expression** (at most {MAX_LENGTH} "
             f"characters): {GRAMMAR}")
    # the step caption is an h3: this heading, for screen readers only, keeps the outline h1 → h2 → h3
    with st.container(key="sandbox_sr_heading"):
        st.html('<h2 class="bl-sr-only">The expression, step by step</h2>')
    run = state.get()
    expression_box(run)
    run = state.get()
    timer.timed_fragment(run, _stage)
    variable_boxes(run)     # below the graph: the graph and its controls fill the first screen
    extras(run)
    sharing.panel("sandbox")


def _stage() -> None:
    """The stage, then the address bar brought up to date (a step reruns this fragment only). The graph's
    size is watched inside the fragment: a report reruns only it (a full rerun could meet a click)."""
    chart_px("sandbox_graph", GRAPH_PX_ESTIMATE, st.session_state)
    stage()
    sharing.sync_address("sandbox")


page()
