"""Presenter mode: larger type and figures for a projector, and chosen controls hidden.

Like TensorFlow Playground's hide flags, a lesson (or a link: ``present=1&hide=architecture.weights``)
names groups of controls to hide (``engine.scenario.HIDE_FLAGS``). Streamlit gives every keyed widget
the CSS class ``st-key-<key>``, so a flag is a list of widget-key prefixes per page and hiding is one
static stylesheet: no page has to change how it draws its controls.

How: one static stylesheet (a literal: no markup is ever built at run time) holds every rule, each
gated by ``body:has(.st-key-presenter_flag_<flag>)``; ``apply`` turns a flag on by drawing an empty,
invisible container with that key. ``stylesheet()`` rebuilds the literal from the tables above and a
test checks they agree.
"""
from typing import Dict, Iterable, Tuple

import streamlit as st

from engine.scenario import HIDE_FLAGS

ZOOM = 1.25  # the main area is drawn 25 % larger: text, equations and figures alike

# flag → widget-key prefixes it hides (step-page keys end in a generation number, hence prefixes)
HIDE_KEYS: Dict[str, Tuple[str, ...]] = {
    "architecture": ("step_preset_", "step_n_in_", "step_n_out_", "step_hidden_", "step_act", "step_out_",
                     "step_loss_", "lab_depth", "lab_width", "lab_activation", "lab_loss", "lab_preset_",
                     "pg_hidden", "pg_add_layer", "pg_remove_layer", "pg_activation", "pg_features",
                     "sandbox_text", "sandbox_preset_"),
    "initialization": ("step_init_", "step_gain_", "step_seed_", "step_reinit", "step_new_seed", "lab_init",
                       "lab_init_gain", "lab_seed", "lab_matched_init", "pg_init", "pg_seed"),
    "inputs": ("step_x", "step_y", "lab_batch_size", "lab_target", "sandbox_val_"),
    "learning_rate": ("step_lr_", "lab_lr", "pg_lr"),
    "optimizer": ("lab_clip", "lab_norm", "lab_residual", "pg_optimizer", "pg_batch_size", "pg_regularization",
                  "pg_reg_rate", "pg_clip_norm"),
    "weights": ("step_sel_", "step_all_", "step_param_"),
    "dataset": ("pg_dataset", "pg_n_classes", "pg_n_samples", "pg_noise", "pg_test_ratio", "pg_regenerate",
                "pg_csv"),
    "step_controls": ("step_reset", "step_back", "step_forward", "step_end", "step_play", "step_speed",
                      "step_train", "lab_play", "lab_pause", "lab_run_all", "lab_reset", "lab_steps", "pg_play",
                      "pg_step", "pg_epoch", "pg_reset", "pg_speed", "pg_epoch_limit", "sandbox_reset", "sandbox_back",
                      "sandbox_step", "sandbox_end", "sandbox_play", "sandbox_speed"),
    "display": ("step_edge_mode", "step_node_mode", "lab_view", "lab_hist_", "pg_show_test", "pg_discretize",
                "pg_edge_mode", "sandbox_mode", "sandbox_wrt"),
    "sharing": ("share_",),
    "sidebar": (),
}
assert set(HIDE_KEYS) == set(HIDE_FLAGS), "every hide flag has its widget keys"

EXPANDER_KEYS = {"architecture": ("step_act",), "weights": ("step_all_",)}

LABELS = {
    "architecture": "architecture", "initialization": "initialisation and seed", "inputs": "inputs and targets",
    "learning_rate": "learning rate", "optimizer": "optimizer, clipping and remedies", "weights": "weight sliders",
    "dataset": "dataset", "step_controls": "step and play buttons", "display": "display options",
    "sharing": "save / load / share", "sidebar": "the whole sidebar",
}


def stylesheet() -> str:
    """Every presenter rule, built from ``HIDE_KEYS``, ``EXPANDER_KEYS`` and ``ZOOM`` (the literal in ``apply``)."""
    rules = ['[class*="st-key-presenter_flag_"], .st-key-share_history_js, .st-key-fit_equations_js { display: none !important; }']
    for flag, prefixes in HIDE_KEYS.items():
        gate = f"body:has(.st-key-presenter_flag_{flag})"
        sel = [f'{gate} [class*="st-key-{p}"]' for p in prefixes]
        sel += [f'{gate} [data-testid="stExpander"]:has([class*="st-key-{p}"])' for p in EXPANDER_KEYS.get(flag, ())]
        if flag == "sidebar":
            sel += [f'{gate} [data-testid="stSidebar"]', f'{gate} [data-testid="stSidebarCollapsedControl"]']
        rules.append(",\n".join(sel) + " { display: none !important; }")
    gate = "body:has(.st-key-presenter_flag_on)"
    rules.append(f'{gate} [data-testid="stMainBlockContainer"] {{ zoom: {ZOOM}; }}')
    # plotly measures its box in zoomed pixels and would draw 25 % too wide (clipped): charts keep
    # scale 1 and fill the (wider, once the sidebar is hidden) main area instead
    rules.append(f'{gate} [data-testid="stMainBlockContainer"] [data-testid="stPlotlyChart"] {{ zoom: {1 / ZOOM:g}; }}')
    rules.append(f'{gate} [data-testid="stSidebar"] {{ font-size: 1.1rem; }}')
    return "\n".join(rules)


# The layout every page gets (static, like the presenter rules): a compact header, icon buttons whose
# word stays the accessible name and the tooltip, charts whose height follows the window, a visible
# keyboard focus. Heights: the graph gets the window minus the rows above it (about 230 px of controls
# and caption at 100 % type; presenter mode's 1.25 zoom makes those rows taller, hence a larger share).
LAYOUT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.4rem; padding-bottom: 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem; padding: 0.25rem 0; }
[data-testid="stMainBlockContainer"] h3 { font-size: 1.35rem; padding: 0.2rem 0; }
[data-testid="stMainBlockContainer"] h4 { font-size: 1.15rem; padding: 0.2rem 0; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #636261 !important; }
:focus-visible { outline: 3px solid #1558d6 !important; outline-offset: 2px; }
button kbd { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.st-key-step_head [data-testid="stMetricValue"] { font-size: 1.5rem; }
.st-key-step_head [data-testid="stMetric"] > div { display: flex; flex-wrap: wrap; align-items: baseline; column-gap: 0.5rem; }
.st-key-step_head [data-testid="stMetricLabel"] { flex-basis: 100%; }
.st-key-step_head [data-testid="stElementContainer"]:has(h3) { min-width: 12rem; flex: 1 1 12rem !important; }
/* a row too narrow for the caption and every metric (presenter mode below ~1,700 px on the update step,
   a tablet, a phone): the metrics go under the caption instead of being cut at the right edge */
.st-key-step_head { flex-wrap: wrap !important; row-gap: 0.25rem; }
@media (max-width: 1720px) {   /* presenter mode's update step: its metrics take a second row, the graph gives it room */
  body:has(.st-key-presenter_flag_on):has(.st-key-step_head [data-testid="stMetricDelta"]) .st-key-step_graph { height: clamp(240px, calc(80vh - 290px), 900px); }
}
.st-key-step_head [data-testid="stMarkdownContainer"] { margin-bottom: 0 !important; }
.st-key-step_head [data-testid="stMetricLabel"], .st-key-pg_metrics [data-testid="stMetricLabel"] { min-height: 0; }
.st-key-step_graph_px, .st-key-sandbox_graph_px { display: none; }
.bl-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; margin: 0; padding: 0; }
.st-key-lab_sr_heading, .st-key-sandbox_sr_heading { position: absolute !important; width: 1px !important; height: 1px; overflow: hidden; }
.st-key-step_graph { height: clamp(300px, calc(100vh - 282px), 1100px); }
body:has(.st-key-presenter_flag_on) .st-key-step_graph { height: clamp(260px, calc(80vh - 230px), 900px); }
body:has(.st-key-presenter_flag_on) .st-key-step_bar [data-testid="stElementContainer"]:has(h4),
body:has(.st-key-presenter_flag_on) [data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]:has(h1) { display: none; }
.st-key-lab_chart_profile { height: clamp(300px, calc(100vh - 250px), 560px); }
body:has(.st-key-presenter_flag_on) .st-key-lab_chart_profile { height: clamp(280px, calc(80vh - 272px), 560px); }
.st-key-pg_metrics [data-testid="stMetricValue"] { font-size: 1.7rem; }
.st-key-step_equations { max-height: clamp(200px, calc(100vh - 330px), 1000px); overflow-y: auto; padding-bottom: 1rem; }
body:has(.st-key-presenter_flag_on) .st-key-step_equations { max-height: clamp(180px, calc(80vh - 280px), 800px); }
.st-key-step_equations > * { flex-shrink: 0; }
.st-key-step_equations .katex-display { margin: 0; padding: 0.4em 0; }
.st-key-step_equations .katex { font-size: 0.95em; }
.st-key-presenter_exit { position: fixed; top: 0.55rem; right: 3.5rem; z-index: 999990; width: auto !important; }
.st-key-sandbox_graph { height: clamp(280px, calc(100vh - 350px), 1100px); }
body:has(.st-key-presenter_flag_on) .st-key-sandbox_graph { height: clamp(240px, calc(80vh - 270px), 900px); }
.st-key-sandbox_equations { max-height: clamp(280px, calc(100vh - 350px), 1100px); overflow-y: auto; }
body:has(.st-key-presenter_flag_on) .st-key-sandbox_equations { max-height: clamp(240px, calc(80vh - 270px), 900px); }
.st-key-sandbox_equations > * { flex-shrink: 0; }
.st-key-sandbox_equations .katex-display { margin: 0; padding: 0.3em 0; }
.st-key-sandbox_equations .katex-display > .katex { white-space: normal; text-align: left; }
.st-key-sandbox_equations .katex { font-size: 0.95em; }
.st-key-sandbox_values [data-testid="stNumberInput"] input { min-width: 0; }
@media (max-width: 1600px) {
  body:has(.st-key-presenter_flag_on) .st-key-sandbox_transport button p { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
}
@media (max-width: 1000px) {
  .st-key-sandbox_transport button p { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  .st-key-sandbox_graph { height: clamp(300px, calc(100vh - 420px), 700px); }
}
@media (max-width: 1600px) {
  body:has(.st-key-presenter_flag_on) .st-key-step_reset button p, body:has(.st-key-presenter_flag_on) .st-key-step_back button p, body:has(.st-key-presenter_flag_on) .st-key-step_forward button p, body:has(.st-key-presenter_flag_on) .st-key-step_end button p, body:has(.st-key-presenter_flag_on) .st-key-step_play button p, body:has(.st-key-presenter_flag_on) .st-key-step_train button p, body:has(.st-key-presenter_flag_on) .st-key-pg_play button p, body:has(.st-key-presenter_flag_on) .st-key-pg_step button p, body:has(.st-key-presenter_flag_on) .st-key-pg_epoch button p, body:has(.st-key-presenter_flag_on) .st-key-pg_reset button p, body:has(.st-key-presenter_flag_on) .st-key-lab_play button p, body:has(.st-key-presenter_flag_on) .st-key-lab_pause button p, body:has(.st-key-presenter_flag_on) .st-key-lab_reset button p { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
}
@media (max-width: 1000px) {
  .st-key-step_reset button p, .st-key-step_back button p, .st-key-step_forward button p, .st-key-step_end button p, .st-key-step_play button p, .st-key-step_train button p, .st-key-pg_play button p, .st-key-pg_step button p, .st-key-pg_epoch button p, .st-key-pg_reset button p, .st-key-lab_play button p, .st-key-lab_pause button p, .st-key-lab_reset button p { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  .st-key-step_graph { height: clamp(300px, calc(100vh - 390px), 700px); }
  .st-key-lab_chart_profile { height: clamp(280px, calc(100vh - 420px), 500px); }
  .st-key-pg_metrics [data-testid="stMetricValue"], .st-key-step_head [data-testid="stMetricValue"] { font-size: 1.15rem; }
}
/* the playground's views in a narrow main area (a tablet with the sidebar open): the network under the
   boundary and curves, then the curves under the boundary; each keeps a readable width */
.st-key-pg_views, .st-key-pg_data { container-type: inline-size; }
@container (max-width: 700px) {
  .st-key-pg_views > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-pg_views > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { flex: 1 1 100% !important; width: 100% !important; min-width: 100%; }
}
@container (max-width: 520px) {
  .st-key-pg_data [data-testid="stHorizontalBlock"]:has(.st-key-pg_boundary) { flex-wrap: wrap; }
  .st-key-pg_data [data-testid="stHorizontalBlock"]:has(.st-key-pg_boundary) > [data-testid="stColumn"] { flex: 1 1 100% !important; width: 100% !important; min-width: 100%; }
}
@media (max-width: 480px) {  /* a phone: six icon buttons in one row, each still a 40-px touch target */
  .st-key-step_transport { gap: 0.3rem !important; }
  .st-key-step_transport button { padding-left: 0.55rem !important; padding-right: 0.55rem !important; min-width: 40px; }
  .modebar-container { display: none !important; }   /* plotly's toolbar would cover the chart's title */
}
</style>"""


def apply(on: bool, hide: Iterable[str] = (), on_exit=None, args=()) -> None:
    """Presenter mode on/off and the hidden groups, for this page draw.

    Hide flags take effect only while presenter mode is on (switching it off shows every control again).
    While on, a small "Exit presenter mode" button (key Esc) stays on screen whatever is hidden, even
    the whole sidebar; ``on_exit`` is its callback.
    """
    st.html(LAYOUT_CSS)
    st.html("""<style>
[class*="st-key-presenter_flag_"], .st-key-share_history_js, .st-key-fit_equations_js { display: none !important; }
body:has(.st-key-presenter_flag_architecture) [class*="st-key-step_preset_"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-step_n_in_"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-step_n_out_"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-step_hidden_"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-step_act"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-step_out_"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-step_loss_"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-lab_depth"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-lab_width"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-lab_activation"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-lab_loss"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-lab_preset_"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-pg_hidden"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-pg_add_layer"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-pg_remove_layer"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-pg_activation"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-pg_features"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-sandbox_text"],
body:has(.st-key-presenter_flag_architecture) [class*="st-key-sandbox_preset_"],
body:has(.st-key-presenter_flag_architecture) [data-testid="stExpander"]:has([class*="st-key-step_act"]) { display: none !important; }
body:has(.st-key-presenter_flag_initialization) [class*="st-key-step_init_"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-step_gain_"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-step_seed_"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-step_reinit"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-step_new_seed"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-lab_init"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-lab_init_gain"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-lab_seed"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-lab_matched_init"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-pg_init"],
body:has(.st-key-presenter_flag_initialization) [class*="st-key-pg_seed"] { display: none !important; }
body:has(.st-key-presenter_flag_inputs) [class*="st-key-step_x"],
body:has(.st-key-presenter_flag_inputs) [class*="st-key-step_y"],
body:has(.st-key-presenter_flag_inputs) [class*="st-key-lab_batch_size"],
body:has(.st-key-presenter_flag_inputs) [class*="st-key-lab_target"],
body:has(.st-key-presenter_flag_inputs) [class*="st-key-sandbox_val_"] { display: none !important; }
body:has(.st-key-presenter_flag_learning_rate) [class*="st-key-step_lr_"],
body:has(.st-key-presenter_flag_learning_rate) [class*="st-key-lab_lr"],
body:has(.st-key-presenter_flag_learning_rate) [class*="st-key-pg_lr"] { display: none !important; }
body:has(.st-key-presenter_flag_optimizer) [class*="st-key-lab_clip"],
body:has(.st-key-presenter_flag_optimizer) [class*="st-key-lab_norm"],
body:has(.st-key-presenter_flag_optimizer) [class*="st-key-lab_residual"],
body:has(.st-key-presenter_flag_optimizer) [class*="st-key-pg_optimizer"],
body:has(.st-key-presenter_flag_optimizer) [class*="st-key-pg_batch_size"],
body:has(.st-key-presenter_flag_optimizer) [class*="st-key-pg_regularization"],
body:has(.st-key-presenter_flag_optimizer) [class*="st-key-pg_reg_rate"],
body:has(.st-key-presenter_flag_optimizer) [class*="st-key-pg_clip_norm"] { display: none !important; }
body:has(.st-key-presenter_flag_weights) [class*="st-key-step_sel_"],
body:has(.st-key-presenter_flag_weights) [class*="st-key-step_all_"],
body:has(.st-key-presenter_flag_weights) [class*="st-key-step_param_"],
body:has(.st-key-presenter_flag_weights) [data-testid="stExpander"]:has([class*="st-key-step_all_"]) { display: none !important; }
body:has(.st-key-presenter_flag_dataset) [class*="st-key-pg_dataset"],
body:has(.st-key-presenter_flag_dataset) [class*="st-key-pg_n_classes"],
body:has(.st-key-presenter_flag_dataset) [class*="st-key-pg_n_samples"],
body:has(.st-key-presenter_flag_dataset) [class*="st-key-pg_noise"],
body:has(.st-key-presenter_flag_dataset) [class*="st-key-pg_test_ratio"],
body:has(.st-key-presenter_flag_dataset) [class*="st-key-pg_regenerate"],
body:has(.st-key-presenter_flag_dataset) [class*="st-key-pg_csv"] { display: none !important; }
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-step_reset"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-step_back"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-step_forward"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-step_end"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-step_play"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-step_speed"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-step_train"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-lab_play"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-lab_pause"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-lab_run_all"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-lab_reset"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-lab_steps"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-pg_play"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-pg_step"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-pg_epoch"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-pg_reset"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-pg_speed"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-pg_epoch_limit"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-sandbox_reset"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-sandbox_back"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-sandbox_step"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-sandbox_end"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-sandbox_play"],
body:has(.st-key-presenter_flag_step_controls) [class*="st-key-sandbox_speed"] { display: none !important; }
body:has(.st-key-presenter_flag_display) [class*="st-key-step_edge_mode"],
body:has(.st-key-presenter_flag_display) [class*="st-key-step_node_mode"],
body:has(.st-key-presenter_flag_display) [class*="st-key-lab_view"],
body:has(.st-key-presenter_flag_display) [class*="st-key-lab_hist_"],
body:has(.st-key-presenter_flag_display) [class*="st-key-pg_show_test"],
body:has(.st-key-presenter_flag_display) [class*="st-key-pg_discretize"],
body:has(.st-key-presenter_flag_display) [class*="st-key-pg_edge_mode"],
body:has(.st-key-presenter_flag_display) [class*="st-key-sandbox_mode"],
body:has(.st-key-presenter_flag_display) [class*="st-key-sandbox_wrt"] { display: none !important; }
body:has(.st-key-presenter_flag_sharing) [class*="st-key-share_"] { display: none !important; }
body:has(.st-key-presenter_flag_sidebar) [data-testid="stSidebar"],
body:has(.st-key-presenter_flag_sidebar) [data-testid="stSidebarCollapsedControl"] { display: none !important; }
body:has(.st-key-presenter_flag_on) [data-testid="stMainBlockContainer"] { zoom: 1.25; }
body:has(.st-key-presenter_flag_on) [data-testid="stMainBlockContainer"] [data-testid="stPlotlyChart"] { zoom: 0.8; }
body:has(.st-key-presenter_flag_on) [data-testid="stSidebar"] { font-size: 1.1rem; }
</style>""")
    if on:
        st.button("Exit presenter mode", key="presenter_exit", icon=":material/close_fullscreen:", on_click=on_exit, args=args,
                  shortcut="Escape", type="secondary", help="Back to the normal layout with every control (key: Esc)")
    for flag in ("on",) * bool(on) + tuple(f for f in HIDE_FLAGS if on and f in set(hide)):
        with st.sidebar.container(key=f"presenter_flag_{flag}"):  # (in the sidebar: no gap in the main area)
            st.html("<span></span>")  # an empty container is not drawn at all: the marker needs content


def chart_config(name: str) -> dict:
    """plotly config for ``st.plotly_chart``: the modebar camera saves a 2× PNG named after the figure."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": f"backprop-lens-{name}", "scale": 2}}
