"""Presenter mode: larger type and figures for a projector, and chosen controls hidden.

Like TensorFlow Playground's hide flags, a lesson (or a link: ``present=1&hide=architecture.weights``)
names groups of controls to hide (``engine.scenario.HIDE_FLAGS``). Streamlit gives every keyed widget
the CSS class ``st-key-<key>``, so a flag is a list of widget-key prefixes per page and hiding is one
static stylesheet: no page has to change how it draws its controls.

``stylesheet(on, hide)`` is pure (tested without Streamlit); ``apply()`` injects it on the page.
"""
from typing import Dict, Iterable, Tuple

import streamlit as st

from engine.scenario import HIDE_FLAGS

ZOOM = 1.25  # the main area is drawn 25 % larger: text, equations and figures alike

# flag → widget-key prefixes it hides (step-page keys end in a generation number, hence prefixes)
HIDE_KEYS: Dict[str, Tuple[str, ...]] = {
    "architecture": ("step_preset_", "step_n_in_", "step_n_out_", "step_hidden_", "step_act", "step_out_",
                     "step_loss_", "lab_depth", "lab_width", "lab_activation", "lab_loss", "lab_preset_",
                     "pg_hidden", "pg_add_layer", "pg_remove_layer", "pg_activation", "pg_features"),
    "initialization": ("step_init_", "step_gain_", "step_seed_", "step_reinit", "step_new_seed", "lab_init",
                       "lab_scale", "lab_seed", "lab_matched_init", "pg_init", "pg_seed"),
    "inputs": ("step_x", "step_y", "lab_batch", "lab_target"),
    "learning_rate": ("step_lr_", "lab_lr", "pg_lr"),
    "optimizer": ("lab_clip", "lab_norm", "lab_residual", "pg_optimizer", "pg_batch_size", "pg_regularization",
                  "pg_reg_rate", "pg_clip_norm"),
    "weights": ("step_sel_", "step_all_", "step_param_"),
    "dataset": ("pg_dataset", "pg_n_classes", "pg_n_samples", "pg_noise", "pg_test_ratio", "pg_regenerate",
                "pg_csv"),
    "step_controls": ("step_reset", "step_back", "step_forward", "step_end", "step_play", "step_speed",
                      "step_train", "lab_play", "lab_pause", "lab_run_all", "lab_reset", "lab_steps", "pg_play",
                      "pg_step", "pg_epoch", "pg_reset", "pg_speed", "pg_epoch_limit"),
    "display": ("step_edge_mode", "step_node_mode", "lab_view", "lab_hist_", "pg_show_test", "pg_discretize",
                "pg_edge_mode"),
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


def selectors(hide: Iterable[str]) -> list:
    """CSS selectors of every element the flags hide."""
    out = []
    for flag in hide:
        out += [f'[class*="st-key-{prefix}"]' for prefix in HIDE_KEYS[flag]]
        # an expander holding only such controls goes too (e.g. "Activation per hidden layer")
        out += [f'[data-testid="stExpander"]:has([class*="st-key-{prefix}"])' for prefix in
                EXPANDER_KEYS.get(flag, ())]
        if flag == "sidebar":
            out += ['[data-testid="stSidebar"]', '[data-testid="stSidebarCollapsedControl"]']
    return out


def stylesheet(on: bool, hide: Iterable[str] = ()) -> str:
    """The CSS of presenter mode ("" when off and nothing is hidden)."""
    rules = []
    hidden = selectors(hide)
    if hidden:
        rules.append(",\n".join(hidden) + " { display: none !important; }")
    if on:
        rules.append(f'[data-testid="stMainBlockContainer"] {{ zoom: {ZOOM}; }}')
        # plotly measures its box in zoomed pixels and would draw 25 % too wide (clipped): charts keep
        # scale 1 and fill the (wider, once the sidebar is hidden) main area instead
        rules.append(f'[data-testid="stMainBlockContainer"] [data-testid="stPlotlyChart"] {{ zoom: {1 / ZOOM:g}; }}')
        rules.append('[data-testid="stSidebar"] { font-size: 1.1rem; }')
    return "\n".join(rules)


def apply(on: bool, hide: Iterable[str] = ()) -> None:
    """Inject the stylesheet (static text built from the fixed tables above, never from user data)."""
    css = stylesheet(on, tuple(hide))
    if css:
        st.html(f"<style>\n{css}\n</style>")


def chart_config(name: str) -> dict:
    """plotly config for ``st.plotly_chart``: the modebar camera saves a 2× PNG named after the figure."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": f"backprop-lens-{name}", "scale": 2}}
