"""Page layer: the step page's loss view — the gradient as a slope, as a direction, and checked by hand.

Three views of the loss of the page's one sample, all other parameters held:

- slope: L(w) of the selected edge or bias, the tangent (slope = ∂L/∂w, the number the graph shows),
  where one update w − α ∂L/∂w lands, and the secant through w ± h with h on a log slider;
- surface: L over two parameters (default: the two largest |∂L/∂w| now), −∇L, the path of the updates
  applied so far, and on demand the next N steps of SGD, momentum or Adam;
- check: every parameter's ∂L/∂w against its central difference (``engine.gradcheck``).

Only the view on screen is computed, and its result is kept until the parameters, α or its own
settings change (the page's rerun stays cheap while stepping).
"""
import numpy as np
import streamlit as st

from components.drawing.contour import contour_figure
from components.drawing.style import fmt
from components.shell.presenter import chart_config
from components.step import session
from components.step.loss_figures import secant_error_figure, slope_figure
from engine import surface as S
from engine.optimizers import OPTIMIZERS
from engine.ids import node_label, parse_id

VIEWS = {"slope": "Slope of one parameter", "surface": "Surface of two parameters",
         "check": "Check every gradient"}
H_CHOICES = tuple(float(f"1e-{k}") for k in range(0, 16))            # 1 … 1e-15
HALF_CHOICES = (None, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
GRID_CHOICES = (21, 41, 61, 81, 101, 121, 151)
LIST_ALL = 200     # up to this many parameters every one is offered for the surface's axes
TOP_K = 40         # beyond: the 40 largest |∂L/∂w|, the pair shown and the one selected on the graph
OPTIMIZER_NAMES = {"sgd": "SGD (plain gradient descent)", "momentum": "momentum (μ = 0.9)",
                   "adam": "Adam (β₁ = 0.9, β₂ = 0.999)"}


def _key(run, name: str) -> str:
    return f"step_loss_{name}_{run.generation}"


def _cached(run, kind: str, inputs: tuple, compute, uses_lr: bool = True):
    """The last result of ``kind`` if its inputs (the run's version, and α when it ``uses_lr``) are the same."""
    key = (run.version, run.config.lr if uses_lr else None) + inputs
    hit = run._loss_cache.get(kind)
    if hit is None or hit[0] != key:
        run._loss_cache[kind] = hit = (key, compute())
    return hit[1]


def slope_param(run):
    """(parameter id, note): the selected edge or bias; for a selected neuron, its bias."""
    item, sizes = run.selected, run.sizes
    if item and item[0] in "Wb":
        return item, ""
    if item and item.startswith("L") and not item.startswith("L0:"):
        _, l, j = parse_id(item)
        pid = f"b{l - 1}:{j}"
        return pid, f"A neuron is selected: showing its bias {node_label(sizes, pid)}. Click an edge to see a weight."
    return "W0:0:0", "Click an edge or a bias square on the graph to choose the parameter."


def view(run) -> None:
    cfg = run.config
    names = list(VIEWS)
    choice = st.radio("Loss view", names, index=names.index(run.loss_view), format_func=VIEWS.get,
                      horizontal=True, key=_key(run, "view"), label_visibility="collapsed")
    session.set_view(loss_view=choice)
    xs = ", ".join(fmt(v) for v in cfg.x)
    ys = ", ".join(fmt(v) for v in cfg.y)
    st.caption(f"L is the loss of the page's one sample (x = ({xs}), y = ({ys})), with α = {cfg.lr:g} from the "
               "sidebar. Move α, a weight slider or apply an update: everything here follows.")
    net = run.network()
    X, Y = np.array([cfg.x]), np.array([cfg.y])
    if choice == "slope":
        _slope(run, net, X, Y)
    elif choice == "surface":
        _surface(run, net, X, Y)
    else:
        _check(run, net, X, Y)


# ---------------------------------------------------------------------- slope
def _slope(run, net, X, Y) -> None:
    pid, note = slope_param(run)
    label = node_label(run.sizes, pid)
    if note:
        st.info(note)
    c1, c2 = st.columns(2)
    h = c1.select_slider("Secant step h (log scale)", H_CHOICES, value=min(H_CHOICES, key=lambda v: abs(v - run.slope_h)),
                         format_func=lambda v: f"{v:.0e}", key=_key(run, "h"),
                         help=f"h from {H_CHOICES[-1]:.0e} to {H_CHOICES[0]:g}: watch the secant slope converge "
                              "to ∂L/∂w, then break down when h is far too small")
    half = c2.select_slider("Window: w ± (auto: wide enough to show where the update lands)", HALF_CHOICES,
                            value=run.half_width, format_func=lambda v: "auto" if v is None else f"± {v:g}",
                            key=_key(run, "half"))
    session.set_view(slope_h=h, half_width=half)
    s, sec, sweep = _cached(run, "slope", (pid, h, half), lambda: (
        S.slope(net, X, Y, pid, run.config.lr, half_width=half),
        S.secant(net, X, Y, pid, h),
        S.secant_sweep(net, X, Y, pid, H_CHOICES)))
    st.markdown(f"**L as a function of {label} (`{pid}`) alone**: every other parameter held at its current value.")
    if not (np.isfinite(s.L).all() and np.isfinite(s.landing_loss)):
        st.warning("The loss overflows (∞ or NaN) in part of this window: the curve has a gap there. "
                   "Narrow the window or lower α.", icon="⚠️")
    st.plotly_chart(slope_figure(s, label, sec), width="stretch", key="step_loss_slope",
                    config=chart_config("slope"))
    cols = st.columns(4)
    cols[0].metric(f"∂L/∂{label}: tangent slope", fmt(s.grad),
                   help="From backpropagation: the same number the graph shows on this edge from the backward step on")
    cols[1].metric(f"Secant slope, h = {h:.0e}", fmt(sec.slope))
    cols[2].metric("Secant − ∂L/∂w", f"{sec.difference:.2e}".replace("-", "−"))
    cols[3].metric(f"L after one update", fmt(s.landing_loss), delta=f"{s.landing_loss - s.loss:+.4g}",
                   delta_color="inverse", help=f"At {label} − α·∂L/∂{label} = {fmt(s.landing)}")
    st.latex(rf"{label} - \alpha \frac{{\partial L}}{{\partial {label}}} = {s.value:.6g} - {run.config.lr:g} \cdot "
             rf"({s.grad:.6g}) = {s.landing:.6g}, \qquad L = {s.landing_loss:.6g}")
    st.latex(rf"\frac{{L(w + h) - L(w - h)}}{{2h}} = \frac{{{sec.L_plus:.15g} - {sec.L_minus:.15g}}}{{2 \cdot {h:.0e}}}"
             rf" = {sec.slope:.10g}")
    st.caption(f"∂L/∂w from backpropagation: {s.grad:.10g}. The two L values above are printed to 15 digits: "
               "for tiny h they agree in almost all of them, and the secant is built from what is left.")
    st.plotly_chart(secant_error_figure(sweep, h, label), width="stretch", key="step_loss_secant",
                    config=chart_config("secant-error"))
    st.caption("Finite differences converge: the error falls like h² (two decades per decade of h) … until h is so "
               "small that L(w + h) − L(w − h) loses its digits to rounding (float64 keeps about 16), and the "
               "error grows again. Around h = 1e-5 … 1e-6 the two methods agree best.")


# ---------------------------------------------------------------------- surface
def _axis_choices(run, net, X, Y, pair) -> list:
    ids = S.param_ids(run.sizes)
    if len(ids) <= LIST_ALL:
        return ids
    r = _cached(run, "grad", (), lambda: net.backward(X, Y), uses_lr=False)
    g = np.abs(np.nan_to_num(np.concatenate([np.concatenate([dW.ravel(), db]) for dW, db in zip(r.dW, r.db)])))
    top = [ids[i] for i in np.argsort(-g, kind="stable")[:TOP_K]]
    extra = [p for p in (*pair, slope_param(run)[0]) if p not in top]
    return top + extra


def _use_top_pair():
    session.set_view(surface=None)
    session.get_run().generation += 1


def _surface(run, net, X, Y) -> None:
    top = _cached(run, "top", (), lambda: S.top_pair(net, X, Y), uses_lr=False)
    pair = run.surface if run.surface is not None else top
    choices = _axis_choices(run, net, X, Y, pair)
    label = lambda p: f"{node_label(run.sizes, p)}  ({p})"
    c1, c2, c3, c4 = st.columns([1.2, 1.2, 1.1, 1.1])
    px = c1.selectbox("x-axis parameter", choices, index=choices.index(pair[0]), format_func=label,
                      key=_key(run, "px"))
    py = c2.selectbox("y-axis parameter", choices, index=choices.index(pair[1]), format_func=label,
                      key=_key(run, "py"))
    half = c3.select_slider("Window: each axis ±", HALF_CHOICES, value=run.half_width,
                            format_func=lambda v: "auto" if v is None else f"± {v:g}", key=_key(run, "shalf"))
    grid = c4.select_slider("Grid points per side", GRID_CHOICES, value=min(GRID_CHOICES, key=lambda v: abs(v - run.grid)),
                            key=_key(run, "grid"), help=f"{S.MIN_GRID} … {S.MAX_GRID} points per side")
    session.set_view(surface=None if (px, py) == top and run.surface is None else (px, py), half_width=half, grid=grid)
    if len(S.param_ids(run.sizes)) > LIST_ALL:
        st.caption(f"{len(S.param_ids(run.sizes)):,} parameters: the lists offer the {TOP_K} with the largest "
                   "|∂L/∂w| now, the pair shown and the one selected on the graph (all are listed up to "
                   f"{LIST_ALL}).")
    if px == py:
        st.warning("Choose two different parameters for the two axes.")
        return
    equal = st.checkbox("Same scale on both axes (true angles: −∇L crosses the contour lines at right angles, "
                        "a narrow valley looks narrow)", value=run.equal_axes, key=_key(run, "equal"))
    session.set_view(equal_axes=bool(equal))
    c1, c2, c3 = st.columns([2.2, 1, 1.2], vertical_alignment="bottom")
    compare = c1.multiselect("Draw the next N steps from here with", list(OPTIMIZERS), default=list(run.compare),
                             format_func=OPTIMIZER_NAMES.get, key=_key(run, "compare"),
                             placeholder="choose optimizers to compare their paths")
    ahead = c2.number_input(f"N steps (1–{S.MAX_AHEAD})", 1, S.MAX_AHEAD, int(run.ahead), key=_key(run, "ahead"))
    c3.button("Use the two largest |∂L/∂w|", key="step_loss_top", on_click=_use_top_pair, width="stretch",
              disabled=run.surface is None)
    session.set_view(compare=tuple(compare), ahead=int(ahead))
    lr = run.config.lr
    predicted = _cached(run, "paths", (px, py, tuple(compare), int(ahead)), lambda: {
        name: S.descent_path(net, X, Y, (px, py), lr, int(ahead), name) for name in compare})
    applied = S.param_path(session.path_snapshots(run), (px, py)) if run.path else None
    centre = np.array([S.get_value(run.weights, run.biases, p) for p in (px, py)])
    halves = half
    if half is None:
        r = _cached(run, "grad", (), lambda: net.backward(X, Y), uses_lr=False)
        halves = [S.auto_half_width(lr * S.gradient_of(r, p)) for p in (px, py)]
        for pts in [applied] + [p.points for p in predicted.values()]:
            if pts is not None and len(pts):
                reach = 1.1 * np.max(np.abs(pts - centre), axis=0)
                halves = [min(max(h, v), S.MAX_HALF_WIDTH) for h, v in zip(halves, reach)]
        if equal:
            halves = [max(halves)] * 2
    sf = _cached(run, "surface", (px, py, tuple(np.round(np.atleast_1d(halves), 12)), grid),
                 lambda: S.surface(net, X, Y, (px, py), half_widths=halves, grid=grid, lr=lr))
    lx, ly = node_label(run.sizes, px), node_label(run.sizes, py)
    n_other = len(S.param_ids(run.sizes)) - 2
    st.markdown(f"**A 2-D slice of the loss:** L over {lx} and {ly}, with all {n_other} other parameters held at "
                "their current values. The arrow is −∇L in this plane: the direction one gradient-descent step "
                "moves the point.")
    paths = {}
    for name, p in predicted.items():
        paths[f"next {len(p.points) - 1} steps, {OPTIMIZER_NAMES[name].split(' (')[0]}"
              f"{' (diverged)' if p.diverged else ''}"] = p.points
    Z = sf.Z
    if not np.isfinite(Z).all():
        Z = np.where(np.isfinite(Z), Z, np.nan)
        st.warning("The loss overflows (∞ or NaN) in part of this window: those points are left blank. "
                   "Narrow the window or lower α.", icon="⚠️")
    fig = contour_figure(sf.xs, sf.ys, Z, point=sf.centre, gradient=sf.grad, x_label=lx, y_label=ly,
                         z_label="L", paths=paths or None, descent=True, path=applied, equal_axes=equal,
                         path_name=f"updates applied ({0 if applied is None else len(applied) - 1}; all parameters "
                                   "moved, shown in this plane)")
    st.plotly_chart(fig, width="stretch", key="step_loss_surface", config=chart_config("loss-surface"))
    gx, gy = sf.grad
    st.markdown(f"−∇L = (−∂L/∂{lx}, −∂L/∂{ly}) = ({fmt(-gx)}, {fmt(-gy)}); its length |∇L| = "
                f"√(({fmt(gx)})² + ({fmt(gy)})²) = **{fmt(sf.length)}**. One step with α = {lr:g} moves the point "
                f"by α·|∇L| = {fmt(lr * sf.length)} in this plane.")
    if not run.path:
        st.caption("No updates applied yet: press “Apply update → next step” above to draw the path.")
    if predicted:
        rows = [{"optimizer": OPTIMIZER_NAMES[name], "steps": len(p.points) - 1, "L now": fmt(p.losses[0]),
                 "L at the end": fmt(p.losses[-1]), "diverged": "yes (stopped at the last finite point)" if p.diverged
                 else "no"} for name, p in predicted.items()]
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(f"Predicted paths move only {lx} and {ly} (the others held), so they stay on this slice; each "
                   "optimizer starts with empty memory. The applied path is real training: every parameter moved.")


# ---------------------------------------------------------------------- gradient check
def _check(run, net, X, Y) -> None:
    rows, check = _cached(run, "check", (), lambda: S.gradient_table(net, X, Y), uses_lr=False)
    n = len(S.param_ids(run.sizes))
    verdict = (f"All {check.checked} agree: largest relative error {check.max_rel_error:.1e} ≤ {check.tol:g}."
               if check.ok else f"Largest relative error {check.max_rel_error:.1e} at {check.worst}: above {check.tol:g}.")
    (st.success if check.ok else st.warning)(verdict)
    st.caption(f"Each ∂L/∂w from backpropagation next to the central difference (L(w + ε) − L(w − ε)) / 2ε with "
               f"ε = {check.eps:g}; relative error = |difference| / max(|the two|, 1e-5)."
               + (f" {n:,} parameters: a seeded sample of {check.checked} is checked (at most {S.MAX_CHECKED})."
                  if check.checked < n else ""))
    table = [{"parameter": node_label(run.sizes, r["id"]), "id": r["id"], "∂L/∂w (backprop)": r["backprop"],
              "central difference": r["central_difference"], "relative error": r["rel_error"],
              "agrees": "✓ yes" if r["rel_error"] <= check.tol else "✗ no"} for r in rows]
    st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 600),
                 column_config={"∂L/∂w (backprop)": st.column_config.NumberColumn(format="%.6g"),
                                "central difference": st.column_config.NumberColumn(format="%.6g"),
                                "relative error": st.column_config.NumberColumn(format="%.1e")})
