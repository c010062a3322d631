"""Training playground: pick a dataset and a network, press play, watch the boundary, the curves and
every neuron learn; rewind through the recorded steps.

While playing, the page shows the player (components/playground/player.py): the server trains ahead in
chunks of frames and the browser plays them; Pause freezes the frame on screen and the server goes back
to exactly that step. Paused, the page shows the full plotly views (hover, click, history)."""
import time

import numpy as np
import streamlit as st

from components.playground import player, session
from components.shell import sharing
from components.drawing.graph import clicked_id, network_figure
from components.shell.presenter import chart_config
from components.playground.figures import (GRID, boundary_figure, curves_figure, neuron_figure, neuron_maps,
                                           plane_grid, thumbnails_figure)
from components.playground.settings import (EDGE_MODES, LEARNING_RATES, MAX_BATCH, MAX_EPOCH_LIMIT,
                                            MAX_HIDDEN_LAYERS, MAX_NEURONS, OUTPUT_TEXT, PLAY_SECONDS_LIMIT,
                                            PlaygroundSettings)
from components.drawing.style import node_label
from engine.divergence import rules_text, saturation
from engine.formatting import format_number
from engine.activations import ACTIVATIONS
from engine.datasets import CSV_MAX_BYTES, CSV_MAX_ROWS, DATASETS, MAX_CLASSES, MAX_SAMPLES
from engine.features import FEATURES
from engine.ids import parse_id
from engine.scenario import parse_hidden as _parse_hidden
from engine.settings import SETTINGS
from engine.initializers import INITIALIZERS
from engine.optimizers import OPTIMIZERS
from engine.training import Snapshot

SPEEDS = player.SPEEDS
DATASET_NAMES = {**{name: f"{name} — {spec.doc}" for name, spec in DATASETS.items()},
                 "csv": "csv — your own points"}


# ---------------------------------------------------------------- settings from the widgets
def parse_hidden(text: str):
    """'4, 2' → (4, 2); ValueError naming the field and the limits."""
    return _parse_hidden(text, MAX_HIDDEN_LAYERS, MAX_NEURONS, "Neurons per hidden layer", "neurons")


def _edit_layers(delta_layers: int):
    cur = session.settings().hidden
    hidden = list(cur) + [4] if delta_layers > 0 else list(cur)[:-1]
    session.set_widget("hidden", ", ".join(str(h) for h in hidden[:MAX_HIDDEN_LAYERS]))


def _regenerate():
    session.set_widget("data_seed", int(session.widget("data_seed", 0)) + 1)


def _on_upload():
    f = session.widget("csv")
    if f is None:
        return
    message = session.upload_csv(f.getvalue())
    session.errors()["csv"] = (f"CSV file {f.name!r}: {message}. The current data is kept." if message else None)


def _range(name):
    """A widget's (min, max): the setting's range in the one field table."""
    setting = SETTINGS[name]
    return (type(setting.default)(setting.lo), type(setting.default)(setting.hi))


def _ladder(options, value):
    """The slider's values, plus the current one when it came from a link or a scenario."""
    return sorted(set(options) | {value})


def sidebar(current: PlaygroundSettings) -> PlaygroundSettings:
    sb = st.sidebar
    errs = session.errors()
    sb.header("Data")
    names = list(DATASET_NAMES)
    dataset = sb.selectbox("Dataset", names, index=names.index(current.dataset), key="pg_dataset",
                           format_func=DATASET_NAMES.get)
    n_classes = current.n_classes
    if dataset == "blobs":
        n_classes = sb.slider("Classes", *_range("n_classes"), current.n_classes, key="pg_n_classes")
    n_samples = sb.slider(f"Points (10 to {MAX_SAMPLES:,})", *_range("n_samples"), current.n_samples, step=10,
                          key="pg_n_samples", disabled=dataset == "csv")
    noise = sb.slider("Noise", *_range("noise"), current.noise, step=0.05, key="pg_noise", disabled=dataset == "csv")
    test_ratio = sb.slider("Test fraction (held out)", *_range("test_ratio"), current.test_ratio, step=0.1,
                           key="pg_test_ratio")
    data_seed = int(session.widget("data_seed", current.data_seed))
    sb.button("Regenerate data (new seed)", key="pg_regenerate", on_click=_regenerate, width="stretch")
    sb.caption(f"data seed {data_seed}")
    sb.file_uploader(f"Your own points: CSV with x1, x2, label per line (≤ {CSV_MAX_ROWS:,} points, "
                     f"≤ {CSV_MAX_BYTES // 1000} kB; integer labels 0…{MAX_CLASSES - 1} = classes, "
                     "other numbers = regression)", type=["csv", "txt"], key="pg_csv", on_change=_on_upload,
                     max_upload_size=1)
    if errs.get("csv"):
        sb.error(errs["csv"])

    sb.header("Input features")
    chosen = sb.pills("What the network sees of a point (x₁, x₂)", list(FEATURES), selection_mode="multi",
                      default=list(current.features), key="pg_features", format_func=lambda n: FEATURES[n].label)
    features = tuple(name for name in FEATURES if name in (chosen or []))
    if not features:
        sb.error("Input features: choose at least one; the network keeps its current inputs.")
        features = current.features

    sb.header("Network")
    c1, c2 = sb.columns(2)
    c1.button("layer", key="pg_add_layer", on_click=_edit_layers, args=(1,), width="stretch", icon=":material/add:",
              disabled=len(current.hidden) >= MAX_HIDDEN_LAYERS)
    c2.button("layer", key="pg_remove_layer", on_click=_edit_layers, args=(-1,), width="stretch",
              icon=":material/remove:",
              disabled=not current.hidden)
    hidden_text = sb.text_input(f"Neurons per hidden layer (up to {MAX_HIDDEN_LAYERS} layers × {MAX_NEURONS})",
                                ", ".join(map(str, current.hidden)), key="pg_hidden",
                                help="e.g. 4, 2 = two hidden layers of 4 and 2 neurons; empty = no hidden layer")
    try:
        hidden = parse_hidden(hidden_text)
    except ValueError as e:
        sb.error(f"{e}. The network is unchanged.")
        hidden = current.hidden
    acts = list(ACTIVATIONS)
    activation = sb.selectbox("Activation (hidden layers)", acts, index=acts.index(current.activation),
                              key="pg_activation")
    inits = list(INITIALIZERS)
    init = sb.selectbox("Initializer", inits, index=inits.index(current.init), key="pg_init")
    init_gain = sb.select_slider("Initial weight scale (× the initializer)",
                                 _ladder([0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0], current.init_gain),
                                 current.init_gain, key="pg_init_gain")
    seed = sb.number_input("Weight seed", *_range("seed"), current.seed, key="pg_seed")

    sb.header("Training (live: no reset)")
    lr = sb.select_slider("Learning rate α", _ladder(LEARNING_RATES, current.lr), current.lr, key="pg_lr")
    opts = list(OPTIMIZERS)
    optimizer = sb.selectbox("Optimizer", opts, index=opts.index(current.optimizer), key="pg_optimizer",
                             format_func={"sgd": "SGD", "momentum": "momentum (μ = 0.9)", "adam": "Adam"}.get)
    batch_size = sb.number_input(f"Batch size (1–{MAX_BATCH})", 1, MAX_BATCH, current.batch_size, key="pg_batch_size")
    regs = ["none", "l1", "l2"]
    penalty = "l1" if current.l1 else ("l2" if current.l2 else "none")
    regularization = sb.selectbox("Regularisation", regs, index=regs.index(penalty),
                                  key="pg_regularization", format_func={"none": "none", "l1": "L1", "l2": "L2"}.get)
    rate = current.l1 or current.l2
    reg_rate = sb.select_slider("Regularisation rate",
                                _ladder([0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0], rate),
                                rate, key="pg_reg_rate", disabled=regularization == "none")
    clip = current.clip_norm or 0.0
    clip_norm = sb.select_slider("Gradient clipping (global norm; 0 = off)",
                                 _ladder([0.0, 0.1, 0.5, 1.0, 5.0, 10.0], clip), clip, key="pg_clip_norm")
    epoch_limit = sb.number_input(f"Stop at epoch (1–{MAX_EPOCH_LIMIT:,})", 1, MAX_EPOCH_LIMIT, current.epoch_limit,
                                  key="pg_epoch_limit")
    return current.with_(
        dataset=dataset, n_classes=int(n_classes), n_samples=int(n_samples), noise=float(noise),
        test_ratio=float(test_ratio), data_seed=data_seed, features=features, hidden=hidden, activation=activation,
        init=init, init_gain=float(init_gain), seed=int(seed), optimizer=optimizer, lr=float(lr),
        batch_size=int(batch_size), l1=float(reg_rate) if regularization == "l1" else 0.0,
        l2=float(reg_rate) if regularization == "l2" else 0.0, clip_norm=float(clip_norm) or None,
        epoch_limit=int(epoch_limit))


# ---------------------------------------------------------------- controls
def _set_play(play: bool):
    """Play or pause as the button said when it was drawn (idempotent: a click delivered twice
    does not toggle back). Pausing from here (no step reported by the player) keeps the trainer at the
    last frame trained."""
    r = session.run()
    if not play:
        _stop_playing(r)
    elif r.trainer.epoch_count >= r.settings.epoch_limit:
        session.set_playing(False, f"Epoch limit {r.settings.epoch_limit:,} reached: raise “Stop at epoch” "
                                   "or reset.")
    elif not r.playing:
        session.set_playing(True)
        r.extras["play_id"] = r.extras.get("play_id", 0) + 1
        r.extras["play_from"] = r.trainer.step_count
        r.extras.pop("chunk", None)
        r.extras.pop("shown", None)
        player.producer_for(r).forget()


def _stop_playing(r, notice=None):
    player.producer_for(r).forget()
    r.extras.pop("chunk", None)
    r.extras.pop("shown", None)
    player.PLAYERS.leave(session.session_id())
    session.set_playing(False, notice)


STOP_NOTICES = {
    "epoch_limit": lambda r: f"Paused at the epoch limit ({r.settings.epoch_limit:,}): raise “Stop at epoch” to go on.",
    "time_limit": lambda r: (f"Paused after {PLAY_SECONDS_LIMIT // 60} minutes of play (a run left playing would "
                             "keep the server busy). Press play to continue."),
}


def pause_at(step: int, reason: str = "user") -> bool:
    """The player froze on ``step``: put the trainer exactly there and stop playing. Returns whether the
    step was one of the frames kept (else the trainer stays at the last frame trained)."""
    r = session.run()
    if not r.playing:
        return True
    exact = player.producer_for(r).pause_at(int(step))
    notice = STOP_NOTICES[reason](r) if reason in STOP_NOTICES else None
    if not exact:
        notice = f"Paused at step {r.trainer.step_count:,} (step {int(step):,} was no longer kept)."
    _stop_playing(r, notice)
    return exact


THEN = {"step": lambda t: t.step(), "epoch": lambda t: t.run_epoch(epoch_limit=None)}


def _on_paused_at():
    """The player froze on a frame (``{step, reason, then}``); ``then`` = "step" or "epoch": a click on
    Step or Epoch while playing, which player.js turned into a pause on the frame shown, then that."""
    value = (session.widget("player") or {}).get("paused_at")
    if isinstance(value, dict) and "step" in value:
        pause_at(value["step"], str(value.get("reason", "user")))
        action = THEN.get(value.get("then"))
        r = session.run()
        if action is not None and not r.playing:
            r.view_step = None
            action(r.trainer)


def _on_need_more():
    value = (session.widget("player") or {}).get("need_more")
    r = session.run()
    if r.playing and isinstance(value, dict) and value.get("have") == (r.extras.get("chunk") or {}).get("seq"):
        player.note_showing(r, value.get("showing"))
        rtt = value.get("rtt")
        r.extras["chunk"] = _next_chunk(r, float(rtt) if isinstance(rtt, (int, float)) and rtt >= 0 else 0.0)


def _on_command():
    if (session.widget("player") or {}).get("command") == "play":
        _set_play(True)


def _next_chunk(r, rtt: float = 0.0, first: bool = False) -> dict:
    n = player.PLAYERS.touch(session.session_id())
    left = None
    if r.play_started is not None:
        left = PLAY_SECONDS_LIMIT - (time.monotonic() - r.play_started) - player.LOW_SECONDS
    steps = SPEEDS.get(session.widget("speed"), SPEEDS[player.DEFAULT_SPEED])
    chunk = player.next_chunk(r, steps, n_players=n, seconds_left=left, rtt=rtt, first=first,
                              phase=player.phase_of(session.session_id()))
    r.extras["speed"] = r.trainer.steps_per_second
    return chunk


def _then(action: str):
    """Step or Epoch from a paused page. While playing, player.js takes the click (it pauses on the frame
    shown and reports ``then``: ``_on_paused_at``); a click that reaches the server while playing (no
    JavaScript) pauses on the last frame trained, then does the same."""
    r = session.run()
    if r.playing:
        _stop_playing(r)
    r.view_step = None
    THEN[action](r.trainer)


def _reset():
    _stop_playing(session.run())
    session.reset()


def _select_from(chart_key: str):
    node = clicked_id(session.widget(chart_key.removeprefix("pg_")), kinds="L")
    if node:
        session.run().selected = node


def controls(r):
    """Title, Play / Step / Epoch / Reset and the speed in one row (icon buttons on a phone).

    While playing, the player's own Pause button (and the P key) pause on the frame shown; a click on Step
    or Epoch (or Save, Copy link) is taken by the player, which pauses on the frame shown first (the
    server alone cannot know which frame is on screen)."""
    with st.container(horizontal=True, vertical_alignment="center", key="pg_bar"):
        st.title("Training playground", width="content",
                 help=f"Play trains for up to {PLAY_SECONDS_LIMIT // 60} minutes, then pauses itself; learning "
                      "rate, batch size, optimizer, regularisation and clipping change live (from the next chunk "
                      f"of frames: ≤ {player.CHUNK_SECONDS * (1 + player.SPREAD / 2):g} s ahead with few students "
                      f"playing, up to {player.LONGEST_CHUNK_SECONDS:g} s with a class or a slow connection).")
        now = " (while playing: pauses on the frame shown, then" if r.playing else ""
        if r.playing:   # beside the row, not in it: the row never wraps, and on a phone this pushed Reset off
            st.caption("Pause: the player's button (on a keyboard also **P**)", width="content")
        with st.container(horizontal=True, wrap=False, key="pg_transport", gap="small", width="content"):
            if not r.playing:
                st.button("Play", key="pg_play", on_click=_set_play, args=(True,), type="primary",
                          icon=":material/play_arrow:", help="Play: train continuously (key: P)")
            st.button("Step", key="pg_step", on_click=_then, args=("step",), icon=":material/skip_next:",
                      help="Step: one minibatch update" + (now and f"{now} one update)"))
            st.button("Epoch", key="pg_epoch", on_click=_then, args=("epoch",), icon=":material/fast_forward:",
                      help="Epoch: updates to the end of the current epoch" + (now and f"{now} to the epoch's end)"))
            st.button("Reset", key="pg_reset", on_click=_reset, icon=":material/restart_alt:",
                      help="Reset: fresh weights from the seed, step 0")
        st.selectbox("Speed (steps per frame)", list(SPEEDS), index=list(SPEEDS).index(player.DEFAULT_SPEED),
                     key="pg_speed", width=150, label_visibility="collapsed", format_func=lambda v: f"speed: {v}",
                     help=f"while playing, the page shows up to {player.MAX_FPS} frames a second, each this many "
                          "updates further on; a change applies from the next chunk")
        st.caption(OUTPUT_TEXT[r.dataset.task], width="content")


class _Metrics:
    """Metrics as wide as their text, so a phone shows two or three per row."""

    def __init__(self, box):
        self.box = box

    def metric(self, *args, **kwargs):
        self.box.metric(*args, width="content", **kwargs)


# ---------------------------------------------------------------- the views
def _metrics(r, shown_step, net):
    t = r.trainer
    point = t.evaluate(net)
    box = st.container(horizontal=True, key="pg_metrics", gap="medium")  # wraps on a phone, one row on a screen
    m = [_Metrics(box)] * 7
    m[0].metric("Epoch", f"{t.epoch_count:,}", help=f"{t.steps_per_epoch} steps per epoch")
    m[1].metric("Step", f"{t.step_count:,}" if shown_step is None else f"{shown_step:,} / {t.step_count:,}")
    m[2].metric("Train loss", format_number(point.train_loss, 3), help="mean loss over the training set")
    m[3].metric("Test loss", format_number(point.test_loss, 3), help="mean loss over the held-out points")
    if r.dataset.task != "regression":
        m[4].metric("Train accuracy", f"{point.train_acc:.1%}")
        m[5].metric("Test accuracy", "—" if point.test_acc is None else f"{point.test_acc:.1%}")
    m[6].metric("Steps / s", "paused", help=f"training alone ran {t.steps_per_second:,.0f} updates/s on the server "
                                            "while playing")


def _on_scrub():
    r = session.run()
    chosen = session.widget("scrub")
    r.view_step = None if chosen == r.trainer.step_count else chosen


def _rewind():
    r = session.run()
    if r.view_step is not None:
        session.rewind(r.view_step)   # the trainer and the run's schedule of live changes
        r.view_step = None


def _scrubber(r):
    """Pick a recorded step to look at (paused only); sets ``r.view_step`` (None = live)."""
    t = r.trainer
    steps = t.history.steps
    if r.playing or len(steps) < 2:
        r.view_step = None
        return None
    if steps[-1] != t.step_count:
        steps = steps + [t.step_count]
    if r.view_step not in steps:
        r.view_step = None
    session.set_widget("scrub", steps[-1] if r.view_step is None else r.view_step)
    kept = "every step" if t.history.stride == 1 else f"every {t.history.stride}th step"
    if r.view_step is not None:
        st.button(f"Continue training from step {r.view_step:,}", key="pg_rewind", on_click=_rewind,
                  icon=":material/history:", help="drops the later steps; the optimizer's memory starts fresh")
    st.select_slider(
        f"History: rewind to a recorded step ({len(t.history.steps):,} kept: {kept}; at most "
        f"{t.history.limit:,}, then thinned by halves)", options=steps, key="pg_scrub", on_change=_on_scrub,
        format_func=lambda s: f"step {s:,}")
    return r.view_step


def _shown(r):
    """(network, snapshot, step) to draw: the live ones, or those of the scrubbed step."""
    t = r.trainer
    shown = r.view_step
    if shown is not None:
        return t.network_at(shown), t.history.at(shown), shown
    if t.history.steps[-1] == t.step_count:
        return t.net, t.history.latest(), None
    last = t.last_pass   # the history skipped this step (thinned): its gradients are still at hand
    snap = Snapshot(t.step_count, t.epoch, tuple(t.net.weights), tuple(t.net.biases), tuple(last.dW),
                    tuple(last.db), float(last.loss), t.lr, tuple(np.abs(d).mean(axis=0) for d in last.delta))
    return t.net, snap, None


def _maps(r, net):
    xs, ys, P = plane_grid(r.dataset.extent, GRID)
    return xs, ys, neuron_maps(net, r.settings.features, P)


def _labels(r, sizes):
    labels = [node_label(l, j, sizes) for l, n in enumerate(sizes) for j in range(n)]
    labels[:sizes[0]] = [FEATURES[f].label for f in r.settings.features]
    return labels


def _data_view():
    """The counters, the boundary and the curves (paused)."""
    r = session.run()
    t, settings = r.trainer, r.settings
    if t.divergence is not None:   # the same words as every page (engine.divergence)
        st.error(t.divergence.message, icon=":material/warning:")
        rate = t.divergence.suggestion.lr if t.divergence.suggestion is not None else None
        if rate is not None:
            st.button(f"Continue with α = {rate:g}", key="pg_continue", on_click=session.set_widget,
                      args=("lr", rate), icon=":material/play_arrow:",
                      help=f"sets the learning rate to {rate:g}; training goes on from step "
                           f"{t.divergence.healthy_step:,}'s weights")
        st.caption(f"The divergence model: {rules_text()}.")
    elif r.notice:
        st.info(r.notice)
    elif not r.playing and t.step_count and t.last_pass is not None and t.last_pass.finite:
        frozen = saturation(t.last_pass, t.net.activation_names).message
        if frozen:
            st.info(frozen, icon=":material/ac_unit:")
    _scrubber(r)
    net, snap, shown = _shown(r)
    _metrics(r, shown, net)
    xs, ys, maps = _maps(r, net)
    left, right = st.columns([1, 1.1])
    left.plotly_chart(boundary_figure(r.dataset, xs, ys, maps[-1], show_test=settings.show_test,
                                      discretize=settings.discretize,
                                      title=None if shown is None else f"Boundary at step {shown:,}"),
                      key="pg_boundary", width="stretch", config=chart_config("boundary"))
    steps, epochs, losses = t.history.losses()
    right.plotly_chart(curves_figure(t.curve, r.dataset.task, current_epoch=None if shown is None else snap.epoch,
                                     height=480, steps=(epochs, losses), divergence=t.divergence,
                                     steps_per_epoch=t.steps_per_epoch), key="pg_curves", width="stretch", config=chart_config("curves"))
    sharing.sync_address("playground", show=True)   # the steps trained, in the address bar


def _graph_view():
    """The network graph, edges by weight or gradient (in the first screen, beside the boundary)."""
    r = session.run()
    net, snap, shown = _shown(r)
    sizes = net.sizes
    labels = _labels(r, sizes)
    mode = r.settings.edge_mode
    grads = snap.dW is not None
    if mode == "gradient" and not grads:
        mode = "weight"   # no gradient yet at step 0
    edges = "w" if mode == "weight" else "|∂L/∂w|"
    fig = network_figure(sizes, list(net.weights), list(net.biases), dW=list(snap.dW) if grads else None,
                         db=list(snap.db) if grads else None, lr=snap.lr,
                         delta=list(snap.delta_mean) if grads and snap.delta_mean is not None else None,
                         edge_mode=mode, node_mode="delta", selected=r.selected, show_values=False,
                         height=int(np.clip(55 * max(sizes) + 200, 380, 600)),
                         title=f"Edges {edges} · nodes mean |δ| (last step)", narrow=True,
                         input_labels=labels[:sizes[0]])   # the input nodes are the features (x₁², sin x₁, …)
    st.plotly_chart(fig, key="pg_graph", on_select=lambda: _select_from("pg_graph"), selection_mode="points",
                    width="stretch", config=chart_config("network"),
                    alt=f"Network {'→'.join(map(str, sizes))} at step {r.trainer.step_count:,}: edges coloured by "
                        f"{edges}, nodes by mean |δ|. The numbers: hover a node or edge, or the neuron maps below.")


def _maps_view():
    """Every neuron's map, and the chosen neuron large."""
    r = session.run()
    net, snap, shown = _shown(r)
    xs, ys, maps = _maps(r, net)
    sizes = net.sizes
    labels = _labels(r, sizes)
    cols = st.columns([1, 1])
    thumbs = thumbnails_figure(maps, labels, sizes, selected=r.selected)
    cols[0].plotly_chart(thumbs, key="pg_thumbs", on_select=lambda: _select_from("pg_thumbs"),
                         selection_mode="points", width="stretch")
    _, l, j = parse_id(r.selected)
    cols[1].plotly_chart(neuron_figure(maps, r.selected, labels[sum(sizes[:l]) + j], xs, ys, r.dataset),
                         key="pg_neuron", width="stretch")
    sharing.sync_address("playground")   # the selected neuron, in the address bar


def page():
    sharing.page_start("playground")
    current = session.settings()
    try:
        new = sidebar(current)
        r = session.commit(new)
    except ValueError as e:
        st.sidebar.error(f"{e}. The current data and network are kept.")
        r = session.commit(current)
    # the display options are drawn between the two views, but read first: both views use them
    r = session.commit(r.settings.with_(show_test=session.widget("show_test", r.settings.show_test),
                                        discretize=session.widget("discretize", r.settings.discretize),
                                        edge_mode=session.widget("edge_mode", r.settings.edge_mode)))
    # The run controls stay outside the timer fragments: a click is then a full-app rerun, which the
    # server folds together with any pending tick. (Inside a fragment, pausing needs st.rerun(scope=
    # "app") from the fragment; that interrupted run made Streamlit replay the click's trigger into the
    # next queued tick, calling the new Play button's callback: it restarted play behind a "Play" label.)
    controls(r)
    if r.playing:
        r.extras["layout_due"] = True
        st.fragment(_player_view)()
        _display_options(r)
    else:
        # first screen: counters, boundary and curves (2/3), the network (1/3); neuron maps below
        # (a narrow main area, e.g. a tablet with the sidebar open, stacks them: presenter.LAYOUT_CSS)
        with st.container(key="pg_views"):
            data, graph = st.columns([2.2, 1])
            with data, st.container(key="pg_data"):
                _data_view()
            with graph:
                _graph_view()
        _display_options(r)
        _maps_view()
        _mount_player({"mode": "paused"})   # hidden: the P key plays


def _mount_player(data):
    return player.component()(key="pg_player", data=data, default={"paused_at": None},
                              on_paused_at_change=_on_paused_at, on_need_more_change=_on_need_more,
                              on_command_change=_on_command, height="content")


def _player_view():
    """While playing: the player, fed one chunk of frames per rerun of this fragment."""
    r = session.run()
    if r.playing and "chunk" not in r.extras:
        r.extras["chunk"] = _next_chunk(r, first=True)
    if not r.playing:   # paused (or stopped) by the player: redraw the whole page as paused
        st.rerun(scope="app")
    full = r.extras.pop("layout_due", False)
    t = r.trainer
    layout_id = (f"{r.extras.get('play_id', 0)}:{id(t)}:{r.settings.show_test}:{r.settings.discretize}:{r.selected}:"
                 f"{r.settings.edge_mode}")
    _mount_player({"mode": "play", "play_id": r.extras.get("play_id", 0), "layout_id": layout_id,
                   "layout": player.layout_payload(r, r.selected, r.extras.get("play_from")) if full else None,
                   "chunk": r.extras.get("chunk"), "low_seconds": player.LOW_SECONDS})
    sharing.sync_address("playground")   # playing, and the steps trained so far, in the address bar


def _display_options(r):
    d1, d2, d3 = st.columns(3)
    d1.checkbox("Show test points (black rim)", r.settings.show_test, key="pg_show_test")
    d2.checkbox("Discretise output", r.settings.discretize, key="pg_discretize")
    d3.radio("Colour edges by", EDGE_MODES, index=EDGE_MODES.index(r.settings.edge_mode), key="pg_edge_mode",
             horizontal=True, format_func={"weight": "weight w", "gradient": "gradient |∂L/∂w| (log)"}.get)


page()
sharing.panel("playground")
