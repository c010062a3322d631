"""The gradient lab's settings as a scenario and back (``to_lab_settings`` / ``from_lab_settings``)."""
from engine.checks import _fail
from engine.scenario.record import Scenario, _as_document

LAB_OPTIONS = ("target", "steps", "matched_init")


def to_lab_settings(s: Scenario):
    """The gradient lab's ``LabSettings`` for a lab scenario; ValueError naming the field otherwise.

    The lab's network is ``inputs → width × depth → 1`` with weights drawn from the seed, so the
    scenario must have equal hidden widths, one output and null weights. ``target``, ``steps`` and
    ``matched_init`` live in ``view.options``.
    """
    from engine.lab import LAB_LOSSES, LabSettings
    sizes = s.sizes
    if len(sizes) < 3 or len(set(sizes[1:-1])) != 1 or sizes[-1] != 1:
        raise ValueError(f"network.sizes: the lab needs inputs, equal-width hidden layers and 1 output "
                         f"(like [4, 32, 32, 1]), got {list(sizes)}")
    if not isinstance(s.activation, str):
        raise _fail("network.activation", "one activation for every hidden layer in the lab", s.activation)
    if s.loss not in LAB_LOSSES or s.output_activation != LAB_LOSSES[s.loss]:
        raise ValueError(f"network.loss: the lab uses {' or '.join(f'{k} with a {v} output' for k, v in LAB_LOSSES.items())}, "
                         f"got {s.loss} with a {s.output_activation} output")
    if s.weights is not None:
        raise ValueError("network.weights: the lab draws its weights from the seed; expected null")
    for key in s.options:
        if key not in LAB_OPTIONS:
            raise ValueError(f"view.options.{key}: unknown lab option; expected one of {', '.join(LAB_OPTIONS)}")
    extra = {k: s.options[k] for k in LAB_OPTIONS if k in s.options}
    try:
        return LabSettings(depth=len(sizes) - 2, width=sizes[1], inputs=sizes[0], activation=s.activation,
                           init=s.init, init_gain=s.init_gain, batch_size=s.batch_size, seed=s.seed, loss=s.loss,
                           lr=s.lr, residual=s.residual, clip_norm=s.clip_norm, norm=s.norm, **extra)
    except (ValueError, TypeError) as e:
        raise ValueError(f"lab settings: {e}") from None


def from_lab_settings(settings, **fields) -> Scenario:
    """The lab scenario of ``settings`` (a ``LabSettings``), plus the given scenario fields."""
    from engine.lab import LAB_LOSSES
    options = {"target": settings.target, "steps": settings.steps, "matched_init": settings.matched_init}
    values = dict(page="lab", sizes=settings.sizes, activation=settings.activation,
                  output_activation=LAB_LOSSES[settings.loss], loss=settings.loss, init=settings.init,
                  init_gain=settings.init_gain, seed=settings.seed, batch_size=settings.batch_size, lr=settings.lr,
                  residual=settings.residual, norm=settings.norm, clip_norm=settings.clip_norm, options=options)
    values.update(fields)
    return Scenario.from_dict(_as_document(values))

