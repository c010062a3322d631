"""The playground's state as a scenario and back (pure: no Streamlit, no session state).

``playground_scenario(settings, run)`` writes the settings (and the run: the trainer's step, the
selected neuron, weights, uploaded points); ``playground_state(s)`` checks a scenario against what
the page offers and returns the parts to rebuild the run from, or raises one ValueError naming the field.
"""
from components.playground import settings as ps
from components.playground.settings import OUTPUT_FOR_TASK
from components.shell.adapt import expect_page, plain_weights
from engine.datasets import DATASETS
from engine.scenario import CSV_DATASET, Points, Scenario
from engine.scenario.checks import MAX_OPTION_LIST


def playground_scenario(settings, run=None, **view) -> Scenario:
    """The playground's settings (and its run: weights, the trainer's step and, on CSV data, the
    uploaded points split as the run uses them) as a scenario."""
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
                  l1=settings.l1, l2=settings.l2, clip_norm=settings.clip_norm, dataset=settings.dataset,
                  n_samples=settings.n_samples,
                  noise=settings.noise, test_ratio=settings.test_ratio, n_classes=settings.n_classes,
                  data_seed=settings.data_seed, features=settings.features, points=points)
    if run is not None:
        options["selected"] = run.selected
        step, weights, biases = run.trainer.step_count, run.net.weights, run.net.biases
        if run.playing and run.extras.get("shown"):   # while playing: the frame on the student's screen, not
            step, weights, biases = run.extras["shown"]   # the frames trained ahead (player.note_showing)
        live = [e for e in run.extras.get("live", ()) if e[0] <= step]
        if live and schedule_fits(run):   # live settings changed during the run: "step:values from then on"
            options["live"] = [schedule_text(*entry) for entry in live]
        values.update(weights=plain_weights(weights), biases=plain_weights(biases), step=step)
    values.update(options=options, **view)
    return Scenario().replace(**values)


def playground_state(s: Scenario):
    """(PlaygroundSettings, weights or None, biases or None, step, selected, uploaded) for the playground,
    or ValueError; ``uploaded`` is the Dataset of the scenario's CSV points (None for a built-in dataset)."""
    expect_page(s, "playground")
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
    schedule = read_schedule(opts.pop("live", []))
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
    return settings, s.weights, s.biases, s.step, selected, uploaded, schedule


LIVE = ("lr", "batch_size", "optimizer", "l1", "l2", "clip_norm")


def schedule_fits(run) -> bool:
    """Whether the run's schedule of live changes fits a scenario (at most ``MAX_OPTION_LIST`` entries).
    Beyond, the scenario leaves it out and the run's weights stand for it: a restore replays the steps
    with today's settings, then puts the weights back (the optimizer's memory and the curves differ)."""
    return len(run.extras.get("live", ())) <= MAX_OPTION_LIST


FRESH = "fresh"   # the last word of an entry where the run was rewound: the optimizer's memory starts fresh


def schedule_text(step: int, values: dict, fresh: bool = False) -> str:
    """One entry of ``view.options.live``: ``"step:lr,batch_size,optimizer,l1,l2,clip_norm"``, the live
    settings in force from that training step on (``-`` for no clipping; e.g. ``"3:0.3,10,sgd,0.0,0.0,-"``),
    with ``,fresh`` at the end where the run was rewound to that step ("Continue training from step …"):
    there the optimizer's memory starts fresh."""
    return f"{int(step)}:" + ",".join("-" if values[n] is None else f"{values[n]!r}" if isinstance(values[n], float)
                                      else str(values[n]) for n in LIVE) + (f",{FRESH}" if fresh else "")


def read_schedule(entries) -> list:
    """``[[step, {live setting: value}, fresh], …]`` from ``view.options.live``; ValueError naming the entry."""
    if not isinstance(entries, (list, tuple)):
        raise ValueError("view.options.live: expected a list of \"step:lr,batch_size,optimizer,l1,l2,"
                         "clip_norm[,fresh]\" entries")
    out, last = [], -1
    for i, text in enumerate(entries):
        try:
            step, rest = str(text).split(":", 1)
            parts = rest.split(",")
            fresh = len(parts) == len(LIVE) + 1 and parts[-1] == FRESH
            if len(parts) != len(LIVE) + fresh or int(step) <= last or (fresh and int(step) == 0):
                raise ValueError
            values = dict(zip(LIVE, (float(parts[0]), int(parts[1]), parts[2], float(parts[3]), float(parts[4]),
                                     None if parts[5] == "-" else float(parts[5]))))
            ps.PlaygroundSettings(**values)
        except (ValueError, TypeError) as e:
            detail = f": {e}" if str(e) else ""
            raise ValueError(f"view.options.live[{i}]: expected \"step:lr,batch_size,optimizer,l1,l2,"
                             f"clip_norm[,fresh]\" with rising steps (fresh after step 0), got "
                             f"{str(text)[:60]!r}{detail}") from None
        last = int(step)
        out.append([last, values, fresh])
    return out
