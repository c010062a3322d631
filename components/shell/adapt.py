"""Small pure helpers the pages' scenario adapters share (no Streamlit, no session state)."""
import numpy as np

from components.shell.navigation import PAGE_TITLES
from engine.scenario import Scenario


def plain_weights(weights):
    """Arrays as nested lists of floats (the scenario's JSON form)."""
    return [np.asarray(W, dtype=np.float64).tolist() for W in weights]


def expect_page(s: Scenario, page: str) -> None:
    """ValueError naming ``page`` when ``s`` is for another page."""
    if s.page != page:
        raise ValueError(f"page: this scenario is for the {PAGE_TITLES[s.page]} page, not the {PAGE_TITLES[page]}")


def plain_training_only(s: Scenario, where: str) -> None:
    """ValueError naming the first field that asks for more than plain gradient descent."""
    checks = (("training.optimizer", s.optimizer == "sgd", "plain gradient descent (sgd)"),
              ("training.clip_norm", s.clip_norm is None, "no clipping"),
              ("training.clip_value", s.clip_value is None, "no clipping"),
              ("training.l1", s.l1 == 0, "no L1 penalty"), ("training.l2", s.l2 == 0, "no L2 penalty"),
              ("network.residual", not s.residual, "no residual connections"),
              ("network.norm", s.norm is None, "no normalisation"))
    for name, ok, expected in checks:
        if not ok:
            raise ValueError(f"{name}: {where} uses {expected}")
