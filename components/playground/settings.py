"""The playground's settings (one frozen record) and its run (data + trainer), without Streamlit.

``PlaygroundSettings`` holds names and numbers only (seed included), round-trips through
``to_dict``/``from_dict`` (for links and saved scenarios) and validates every field with a message
naming it: each setting by its row of the one field table (``engine.settings.SETTINGS``). ``STRUCTURAL`` lists the fields whose change means new data or a new network (a reset);
the others are live: ``apply_live`` changes them on a running trainer, weights kept.

``Run`` is the mutable state of one session: the dataset, the trainer, play status and the neuron /
history step being looked at. ``new_run`` builds it from settings (and an uploaded dataset).
"""
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Optional, Tuple

from engine import Network
from engine.datasets import DATASETS, Dataset, make_dataset
from engine.features import FEATURES, check_features, transform
from engine.ids import parse_id
from engine.settings import EDGE_MODES, SETTINGS  # noqa: F401  (EDGE_MODES: the page's choices)
from engine.training import Trainer

MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 16
MAX_EPOCH_LIMIT = int(SETTINGS["epoch_limit"].hi)
MAX_BATCH = int(SETTINGS["batch_size"].hi)
PLAY_SECONDS_LIMIT = 300          # a run left playing pauses itself after 5 minutes of play
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
OUTPUT_FOR_TASK = {"binary": ("sigmoid", "bce"), "multiclass": ("softmax", "cross_entropy"),
                   "regression": ("linear", "mse")}
OUTPUT_TEXT = {"binary": "sigmoid output + binary cross-entropy",
               "multiclass": "softmax output + cross-entropy",
               "regression": "linear output + mean squared error"}


@dataclass(frozen=True)
class PlaygroundSettings:
    """Everything a student chooses on the playground page; the defaults are the page's defaults."""

    dataset: str = "circles"        # a key of DATASETS, or "csv" for uploaded points
    n_classes: int = 3
    n_samples: int = 500
    noise: float = 0.0
    test_ratio: float = 0.5
    data_seed: int = 0
    features: Tuple[str, ...] = ("x1", "x2")
    hidden: Tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    init: str = "xavier_uniform"
    init_gain: float = 1.0
    seed: int = 0
    optimizer: str = "sgd"
    lr: float = 0.03
    batch_size: int = 10
    l1: float = 0.0                 # the playground offers one penalty at a time: L1 or L2
    l2: float = 0.0
    clip_norm: Optional[float] = None   # None: no clipping
    epoch_limit: int = 1000
    show_test: bool = True
    discretize: bool = False
    edge_mode: str = "weight"

    def __post_init__(self):
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        _check(self.dataset in DATASETS or self.dataset == "csv", "dataset",
               f"one of {', '.join(DATASETS)} or csv", self.dataset)
        check_features(self.features)
        _check(len(self.hidden) <= MAX_HIDDEN_LAYERS, "hidden", f"at most {MAX_HIDDEN_LAYERS} hidden layers",
               len(self.hidden))
        _check(all(1 <= h <= MAX_NEURONS for h in self.hidden), "hidden", f"1 to {MAX_NEURONS} neurons per layer",
               self.hidden)
        for f in fields(self):
            if f.name in SETTINGS:
                object.__setattr__(self, f.name, SETTINGS[f.name].check(getattr(self, f.name), f.name))
        _check(not (self.l1 and self.l2), "l2", "0 while l1 is set (one penalty at a time)", self.l2)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["features"], d["hidden"] = list(self.features), list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> "PlaygroundSettings":
        """Build from a dict (missing keys take the defaults); ValueError naming an unknown key."""
        known = {f.name: f for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ValueError(f"{key}: unknown playground setting; expected some of {', '.join(known)}")
        kwargs = {}
        for key, value in data.items():
            default = known[key].default
            kind = SETTINGS[key].kind if key in SETTINGS else str
            try:
                if key in ("features", "hidden"):
                    kwargs[key] = tuple(value)
                elif value is None:
                    kwargs[key] = None
                elif kind is bool:
                    kwargs[key] = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
                else:
                    kwargs[key] = kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"{key}: expected a value like {default!r}, got {value!r}") from None
        return cls(**kwargs)

    def structural(self) -> tuple:
        """The fields whose change needs new data or a new network."""
        return tuple(getattr(self, name) for name in STRUCTURAL)

    def with_(self, **changes) -> "PlaygroundSettings":
        return replace(self, **changes)


STRUCTURAL = ("dataset", "n_classes", "n_samples", "noise", "test_ratio", "data_seed", "features", "hidden",
              "activation", "init", "init_gain", "seed")


def _check(ok, name, expected, got):
    if not ok:
        raise ValueError(f"{name}: expected {expected}, got {got!r}")


@dataclass
class Run:
    """The mutable state of one session's playground."""

    settings: PlaygroundSettings
    dataset: Dataset
    trainer: Trainer
    playing: bool = False
    play_started: Optional[float] = None
    notice: Optional[str] = None          # why play stopped (epoch limit, time limit)
    selected: str = "L1:N0"
    view_step: Optional[int] = None       # None: the live network; else a recorded step
    uploaded: Optional[Dataset] = None
    extras: dict = field(default_factory=dict)

    @property
    def net(self) -> Network:
        return self.trainer.net


def make_data(settings: PlaygroundSettings, uploaded: Optional[Dataset] = None) -> Dataset:
    if settings.dataset == "csv":
        if uploaded is None:
            raise ValueError("dataset: 'csv' needs uploaded points; upload a CSV file first")
        return uploaded
    return make_dataset(settings.dataset, n_samples=settings.n_samples, noise=settings.noise,
                        test_ratio=settings.test_ratio, seed=settings.data_seed, n_classes=settings.n_classes)


def build_network(settings: PlaygroundSettings, dataset: Dataset) -> Network:
    out_act, loss = OUTPUT_FOR_TASK[dataset.task]
    sizes = [len(settings.features), *settings.hidden, dataset.n_outputs]
    return Network(sizes, activation=settings.activation, output_activation=out_act, loss=loss,
                   init=settings.init, init_gain=settings.init_gain, seed=settings.seed,
                   optimizer=settings.optimizer)


def new_run(settings: PlaygroundSettings, uploaded: Optional[Dataset] = None) -> Run:
    """Fresh data, a fresh network from the seed, and a trainer at step 0 (not playing)."""
    dataset = make_data(settings, uploaded)
    net = build_network(settings, dataset)
    trainer = Trainer(net, transform(dataset.X_train, settings.features), dataset.y_train,
                      transform(dataset.X_test, settings.features), dataset.y_test, dataset.task,
                      lr=settings.lr, batch_size=settings.batch_size, seed=settings.seed)
    run = Run(settings=settings, dataset=dataset, trainer=trainer, uploaded=uploaded)
    apply_live(run, settings)
    return run


def apply_live(run: Run, settings: PlaygroundSettings) -> None:
    """Apply the live settings (learning rate, batch size, optimizer, regularisation, clipping)."""
    t = run.trainer
    if settings.lr != t.lr:
        t.set_lr(settings.lr)
    t.set_batch_size(settings.batch_size)
    t.set_optimizer(settings.optimizer)
    t.set_regularization(settings.l1, settings.l2)
    t.net.clip_norm = settings.clip_norm
    run.settings = settings


def update_run(run: Optional[Run], settings: PlaygroundSettings) -> Run:
    """The run for new settings: the same run with live changes applied, or a new one (reset)
    when a structural setting changed."""
    if run is None or run.settings.structural() != settings.structural():
        fresh = new_run(settings, None if run is None else run.uploaded)
        if run is not None:
            fresh.selected = run.selected if _node_exists(run.selected, fresh.net.sizes) else "L1:N0"
        return fresh
    apply_live(run, settings)
    return run


def _node_exists(node_id: str, sizes) -> bool:
    try:
        kind, l, j, *_ = parse_id(node_id)
    except (ValueError, TypeError):
        return False
    if kind != "node":
        return False
    return 0 <= l < len(sizes) and 0 <= j < sizes[l]


def feature_labels(settings: PlaygroundSettings):
    return [FEATURES[name].label for name in settings.features]
