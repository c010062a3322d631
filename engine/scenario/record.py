"""The ``Scenario`` record: one frozen record of a page's whole state, its JSON reader/writer and the bridge
to the engine (``to_network``, ``inputs``, ``from_network``).

The JSON reader walks the field table (``engine.scenario.fields``): each field's ``check`` validates
its value and names it by its JSON path; ``validate`` then checks the fields against each other.
"""
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from engine.datasets import DATASETS
from engine.features import DEFAULT_FEATURES
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.network import Network
from engine.checks import _fail
from engine.scenario.checks import MAX_BATCH
from engine.scenario.fields import CSV_DATASET, FIELDS, FORMAT, SECTIONS, TOP_LEVEL, VERSION
from engine.scenario.points import Points
from engine.settings import SETTINGS

MAX_PARAMS = 300_000       # weights + biases of the whole network
_D = {name: setting.default for name, setting in SETTINGS.items()}   # defaults: the field table's
MAX_FILE_BYTES = 1_048_576  # 1 MB, the same as server.maxUploadSize in .streamlit/config.toml


@dataclass(frozen=True)
class Scenario:
    """The whole state of a page (see ``engine.scenario``'s docstring for the JSON layout and limits).

    Build one with ``Scenario.from_dict`` / ``from_json`` (validated), ``from_network`` or
    ``dataclasses.replace``; ``validate()`` checks a hand-built one.
    """

    page: str = "step"
    lesson: Optional[str] = None
    title: Optional[str] = None
    explanation: Optional[str] = None
    sizes: Tuple[int, ...] = (2, 3, 1)
    activation: Any = _D["activation"]
    output_activation: str = _D["output_activation"]
    loss: str = _D["loss"]
    init: str = _D["init"]
    init_gain: float = _D["init_gain"]
    init_param: Optional[float] = _D["init_param"]
    seed: int = _D["seed"]
    residual: bool = _D["residual"]
    norm: Optional[str] = _D["norm"]
    weights: Optional[Tuple] = None
    biases: Optional[Tuple] = None
    gammas: Optional[Tuple] = None
    betas: Optional[Tuple] = None
    lr: float = _D["lr"]
    optimizer: str = _D["optimizer"]
    momentum: float = _D["momentum"]
    beta1: float = _D["beta1"]
    beta2: float = _D["beta2"]
    eps: float = _D["eps"]
    clip_norm: Optional[float] = _D["clip_norm"]
    clip_value: Optional[float] = _D["clip_value"]
    l1: float = _D["l1"]
    l2: float = _D["l2"]
    batch_size: int = _D["batch_size"]
    x: Optional[Tuple] = None
    y: Optional[Tuple] = None
    dataset: Optional[str] = None
    n_samples: int = _D["n_samples"]
    noise: float = _D["noise"]
    test_ratio: float = _D["test_ratio"]
    n_classes: int = _D["n_classes"]
    data_seed: int = _D["data_seed"]
    features: Tuple[str, ...] = DEFAULT_FEATURES
    points: Optional[Points] = None
    expression: Optional[str] = None
    values: Optional[Dict[str, float]] = None
    step: int = _D["step"]
    presenter: bool = _D["presenter"]
    hide: Tuple[str, ...] = ()
    quiz: bool = _D["quiz"]
    options: Dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ dict / JSON
    @classmethod
    def from_dict(cls, doc) -> "Scenario":
        """Validate a parsed JSON document; raise one ValueError naming the first bad field."""
        if not isinstance(doc, Mapping):
            raise _fail("scenario", "a JSON object", type(doc).__name__)
        if doc.get("format") != FORMAT:
            raise _fail("format", f'"{FORMAT}"', doc.get("format"))
        version = doc.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise _fail("version", f"the integer {VERSION}", version)
        if version > VERSION:
            raise ValueError(f"version: this app reads scenario versions 1 to {VERSION}; the file is version "
                             f"{version} (made by a newer Backprop Lens)")
        if version == 1:
            doc = from_version_1(doc)
        for key in doc:
            if key not in TOP_LEVEL:
                raise ValueError(f"{key}: unknown field; expected one of {', '.join(TOP_LEVEL)}")
        values = {}
        for section in SECTIONS:
            part = doc.get(section, {})
            if not isinstance(part, Mapping):
                raise _fail(section, "a JSON object", part)
            known = [f.name for f in FIELDS if f.section == section]
            for key in part:
                if key not in known:
                    raise ValueError(f"{section}.{key}: unknown field; expected one of {', '.join(known)}")
        for f in FIELDS:
            part = doc.get(f.section, {}) if f.section else doc
            label = f.path
            if f.name not in part:
                if f.required and not (values.get("page") == "sandbox" and f.section in ("network", "training")):
                    raise ValueError(f"{label}: missing; every scenario needs it")
                continue
            values[f.name] = f.check(part[f.name], label)
        return cls(**values).validate()

    def to_dict(self) -> dict:
        """The JSON document (plain lists and numbers), every field written out."""
        doc = {"format": FORMAT, "version": VERSION}
        for f in FIELDS:
            value = _plain(getattr(self, f.name))
            if f.section:
                doc.setdefault(f.section, {})[f.name] = value
            else:
                doc[f.name] = value
        return doc

    @classmethod
    def from_json(cls, text) -> "Scenario":
        """Parse and validate a JSON file's text or bytes (at most ``MAX_FILE_BYTES``)."""
        if isinstance(text, (bytes, bytearray)):
            if len(text) > MAX_FILE_BYTES:
                raise ValueError(f"file: expected at most {MAX_FILE_BYTES:,} bytes, got {len(text):,}")
            try:
                text = bytes(text).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValueError("file: expected UTF-8 JSON text; this looks like a binary file") from None
        if not isinstance(text, str):
            raise _fail("file", "JSON text", type(text).__name__)
        if len(text) > MAX_FILE_BYTES:
            raise ValueError(f"file: expected at most {MAX_FILE_BYTES:,} bytes, got {len(text):,} characters")
        try:
            doc = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as e:
            raise ValueError(f"file: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
        except RecursionError:
            raise ValueError("file: not a scenario (JSON nested too deeply)") from None
        except ValueError as e:  # NaN/Infinity constants, integers of thousands of digits
            raise ValueError(f"file: not valid JSON ({e})") from None
        return cls.from_dict(doc)

    def to_json(self) -> str:
        """Indented JSON text; ``Scenario.from_json(s.to_json()) == s`` exactly."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    # ------------------------------------------------------------------ consistency
    def validate(self) -> "Scenario":
        """Check the fields against each other (shapes, loss/output pairing, limits); return self."""
        sizes, n_hidden = self.sizes, len(self.sizes) - 2
        if isinstance(self.activation, tuple) and len(self.activation) != n_hidden:
            raise ValueError(f"network.activation: expected one name per hidden layer ({n_hidden}), "
                             f"got {len(self.activation)}")
        need = LOSSES[self.loss].output
        if need is not None and self.output_activation != need:
            raise ValueError(f"network.loss: '{self.loss}' expects output_activation '{need}', "
                             f"got '{self.output_activation}'")
        if self.output_activation == "softmax" and sizes[-1] < 2:
            raise ValueError("network.output_activation: softmax needs at least 2 output units, got 1")
        n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        if n_params > MAX_PARAMS:
            raise ValueError(f"network.sizes: expected at most {MAX_PARAMS:,} parameters in total, "
                             f"got {n_params:,}")
        if (self.weights is None) != (self.biases is None):
            raise ValueError("network.weights: weights and biases go together (both given or both null)")
        if self.weights is not None:
            if len(self.weights) != len(sizes) - 1 or len(self.biases) != len(sizes) - 1:
                raise ValueError(f"network.weights: expected {len(sizes) - 1} layers for sizes "
                                 f"{list(sizes)}, got {len(self.weights)} weights / {len(self.biases)} biases")
            for l, (W, b) in enumerate(zip(self.weights, self.biases)):
                shape = (len(W), len(W[0]))
                if shape != (sizes[l + 1], sizes[l]) or any(len(r) != sizes[l] for r in W):
                    raise ValueError(f"network.weights[{l}]: expected shape ({sizes[l + 1]}, {sizes[l]}) "
                                     f"for sizes {list(sizes)}, got {shape}")
                if len(b) != sizes[l + 1]:
                    raise ValueError(f"network.biases[{l}]: expected {sizes[l + 1]} numbers, got {len(b)}")
        if self.x is not None and len(self.x[0]) != sizes[0]:
            raise ValueError(f"data.x: expected rows of {sizes[0]} inputs (sizes[0]), got {len(self.x[0])}")
        if (self.x is None) != (self.y is None):
            raise ValueError("data.y: inputs x and targets y go together (both given or both null)")
        if self.y is not None:
            if len(self.y) != len(self.x):
                raise ValueError(f"data.y: expected {len(self.x)} rows to match data.x, got {len(self.y)}")
            if len(self.y[0]) != sizes[-1]:
                raise ValueError(f"data.y: expected rows of {sizes[-1]} targets (sizes[-1]), got {len(self.y[0])}")
        if self.dataset == CSV_DATASET and self.points is None:
            raise ValueError('data.dataset: "csv" means uploaded points; expected them in data.points, got null')
        if self.points is not None:
            if self.dataset != CSV_DATASET:
                raise ValueError(f'data.points: uploaded points go with dataset "csv"; got dataset {self.dataset!r}')
            if sizes[-1] != self.points.n_outputs:
                raise ValueError(f"network.sizes: expected {self.points.n_outputs} output(s) for the uploaded "
                                 f"points ({self.points.task}, {self.points.n_classes} classes), got {sizes[-1]}")
        if self.dataset is not None and sizes[0] != len(self.features):
            raise ValueError(f"network.sizes: expected {len(self.features)} inputs (one per feature: "
                             f"{', '.join(self.features)}), got sizes[0] = {sizes[0]}")
        if self.dataset in DATASETS:
            task = DATASETS[self.dataset].task
            n_out = self.n_classes if task == "multiclass" else 1
            if sizes[-1] != n_out:
                raise ValueError(f"network.sizes: expected {n_out} output(s) for dataset {self.dataset!r} "
                                 f"({task}), got sizes[-1] = {sizes[-1]}")
        n_norm = len(sizes) - 2 if self.norm is not None else 0
        for name in ("gammas", "betas"):
            value = getattr(self, name)
            if value is None:
                continue
            if self.weights is None:
                raise ValueError(f"network.{name}: given without weights; expected null")
            if len(value) != n_norm or any(len(v) != n for v, n in zip(value, sizes[1:-1])):
                raise ValueError(f"network.{name}: expected one vector per normalised hidden layer "
                                 f"({n_norm}, sizes {list(sizes[1:1 + n_norm])}), got lengths "
                                 f"{[len(v) for v in value]}")
        if self.weights is not None and n_norm and (self.gammas is None or self.betas is None):
            raise ValueError("network.gammas: with norm and saved weights, expected gammas and betas too")
        if self.page == "lab":
            from engine.scenario.lab_adapter import to_lab_settings
            to_lab_settings(self)
        if self.page == "sandbox":
            from engine.scenario.sandbox_adapter import sandbox_graph
            sandbox_graph(self)
        return self

    # ------------------------------------------------------------------ engine
    @property
    def n_params(self) -> int:
        return sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def network_arguments(self) -> dict:
        """The keyword arguments of ``Network`` this scenario sets."""
        kw = dict(sizes=list(self.sizes), activation=_activation_list(self.activation, len(self.sizes) - 2),
                  output_activation=self.output_activation, loss=self.loss, init=self.init,
                  init_gain=self.init_gain, init_param=self.init_param, seed=self.seed,
                  optimizer=self.optimizer, momentum=self.momentum, beta1=self.beta1, beta2=self.beta2,
                  eps=self.eps, clip_norm=self.clip_norm, clip_value=self.clip_value, l1=self.l1, l2=self.l2)
        if self.residual:
            kw["residual"] = True
        if self.norm is not None:
            kw["norm"] = self.norm
        return kw

    def to_network(self) -> Network:
        """A fresh ``Network`` with these settings: the saved weights, or drawn from init and seed."""
        if self.page == "lab":
            from engine.lab import build_network
            from engine.scenario.lab_adapter import to_lab_settings
            return build_network(to_lab_settings(self))
        net = Network(**self.network_arguments())
        if self.weights is not None:
            net.set_parameters(self.weights, self.biases, self.gammas, self.betas)
        return net

    def flat_parameters(self) -> List[float]:
        """Every saved parameter in ``Network.parameters()`` order: W0 (row by row), b0, W1, b1, …, γ0, β0, …"""
        if self.weights is None:
            return []
        flat = [v for W, b in zip(self.weights, self.biases) for v in (*(x for r in W for x in r), *b)]
        for g, b in zip(self.gammas or (), self.betas or ()):
            flat += [*g, *b]
        return flat

    def inputs(self) -> Tuple[np.ndarray, np.ndarray]:
        """(X, Y) as float64 arrays: the saved x and y, or a seeded batch of ``batch_size`` rows.

        The seeded batch: X ~ U(−1, 1) from ``data_seed``; Y one-hot random classes for a softmax
        output, random 0/1 for sigmoid, U(−1, 1) otherwise.
        """
        if self.x is not None:
            return np.array(self.x, dtype=np.float64), np.array(self.y, dtype=np.float64)
        if self.page == "lab":
            from engine.lab import make_batch
            from engine.scenario.lab_adapter import to_lab_settings
            return make_batch(to_lab_settings(self))
        if self.dataset is not None:
            return self.dataset_arrays()[:2]
        rng = np.random.default_rng(self.data_seed)
        n, n_in, n_out = min(self.batch_size, MAX_BATCH), self.sizes[0], self.sizes[-1]
        X = rng.uniform(-1.0, 1.0, (n, n_in))
        if self.output_activation == "softmax":
            Y = np.eye(n_out)[rng.integers(0, n_out, n)]
        elif self.output_activation == "sigmoid":
            Y = rng.integers(0, 2, (n, n_out)).astype(np.float64)
        else:
            Y = rng.uniform(-1.0, 1.0, (n, n_out))
        return X, Y

    def dataset_arrays(self):
        """(X_train, Y_train, X_test, Y_test) of ``dataset`` (or the uploaded ``points``) through ``features``;
        Y one-hot for softmax."""
        from engine.datasets import make_dataset
        from engine.features import transform
        d = self.points.to_dataset() if self.dataset == CSV_DATASET else \
            make_dataset(self.dataset, self.n_samples, self.noise, self.test_ratio, self.data_seed, self.n_classes)

        def targets(y):
            if self.output_activation == "softmax":
                return np.eye(self.sizes[-1])[y.astype(np.int64)]
            return np.asarray(y, dtype=np.float64).reshape(-1, 1)
        return (transform(d.X_train, self.features), targets(d.y_train),
                transform(d.X_test, self.features), targets(d.y_test))

    @classmethod
    def from_network(cls, net: Network, **settings) -> "Scenario":
        """The scenario of ``net`` (settings and every weight and bias) plus the given fields."""
        names = net.activation_names[:-1]
        values = {f.name: getattr(_DEFAULT, f.name) for f in FIELDS}
        values.update(sizes=tuple(net.sizes), activation=tuple(names) if names else "relu",
                      output_activation=net.activation_names[-1], loss=net.loss_name, init=net.init,
                      init_gain=net.init_gain, init_param=_none_if_default(net), seed=net.seed,
                      optimizer=net.optimizer, clip_norm=net.clip_norm, clip_value=net.clip_value,
                      l1=net.l1, l2=net.l2, **net.hyper,
                      weights=[W.tolist() for W in net.weights], biases=[b.tolist() for b in net.biases])
        if net.residual:
            values["residual"] = True
        if net.norm:
            values.update(norm=net.norm, gammas=[g.tolist() for g in net.gammas],
                          betas=[b.tolist() for b in net.betas])
        values.update(settings)
        return cls.from_dict(_as_document(values))

    def replace(self, **changes) -> "Scenario":
        """A validated copy with some fields changed (values are checked like JSON fields)."""
        values = {f.name: getattr(self, f.name) for f in FIELDS}
        values.update(changes)
        return Scenario.from_dict(_as_document(values))


_DEFAULT = Scenario()


def from_version_1(doc: Mapping) -> dict:
    """A version-1 document in version 2's words (a copy; ``doc`` is not changed).

    Version 1 wrote no normalisation as ``"norm": "none"`` (version 2: null, as every "off" is) and
    kept the lab's clipping threshold while clipping was off as ``view.options.clip_threshold``
    (version 2 has one setting, ``training.clip_norm``, null when off: the remembered threshold was
    a slider's position, not a number of the network, and is dropped).
    """
    doc = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in doc.items()}
    doc["version"] = VERSION
    network, view = doc.get("network"), doc.get("view")
    if isinstance(network, dict) and network.get("norm") == "none":
        network["norm"] = None
    if doc.get("page") == "lab" and isinstance(view, dict) and isinstance(view.get("options"), Mapping):
        view["options"] = {k: v for k, v in view["options"].items() if k != "clip_threshold"}
    return doc


def _reject_constant(name):
    raise ValueError(f"{name} is not a number a scenario may hold (every number must be finite)")


def _plain(value):
    if isinstance(value, Points):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _as_document(values: dict) -> dict:
    doc = {"format": FORMAT, "version": VERSION}
    by_name = {f.name: f for f in FIELDS}
    for key, value in values.items():
        if key not in by_name:
            raise ValueError(f"{key}: unknown field; expected one of {', '.join(by_name)}")
        f = by_name[key]
        value = _plain(value.tolist() if isinstance(value, np.ndarray) else value)
        if f.section:
            doc.setdefault(f.section, {})[key] = value
        else:
            doc[key] = value
    return doc


def _activation_list(activation, n_hidden):
    return [activation] * n_hidden if isinstance(activation, str) else list(activation)


def _none_if_default(net):
    return None if net.init_param == INITIALIZERS[net.init].param else net.init_param


def default_scenario(page: str = "step") -> Scenario:
    """The scenario a page starts from (the lab's is its default ``LabSettings``)."""
    if page == "lab":
        from engine.lab import LabSettings
        from engine.scenario.lab_adapter import from_lab_settings
        return from_lab_settings(LabSettings())
    if page == "sandbox":
        from engine.scenario.sandbox_adapter import SANDBOX_DEFAULT, sandbox_scenario
        return sandbox_scenario(*SANDBOX_DEFAULT)
    return Scenario(page=page)

