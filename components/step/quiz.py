"""Predict, then reveal: before a backward step shows its numbers, the student guesses a gradient.

When the next step of the timeline is a backward step, the quiz picks the weight of that layer with
the largest |∂L/∂w| (the one the step matters most for), highlights it, and asks for its sign and its
rough size (an order of magnitude). "Check and reveal" grades the guess, keeps the session's score
and only then steps forward. Stepping (or playing) past an open question is refused: the page goes
back to the question and says so, so the numbers cannot be peeked at.

``question_for`` and ``grade`` are pure; ``panel`` is the Streamlit part the step page calls in its stage.
"""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
import streamlit as st

from engine.ids import node_label

SIGNS = ("+", "−", "0")
# |∂L/∂w| buckets: an order of magnitude each
SIZES = ((0.0, 1e-3, "below 0.001"), (1e-3, 1e-2, "0.001 – 0.01"), (1e-2, 1e-1, "0.01 – 0.1"),
         (1e-1, 1.0, "0.1 – 1"), (1.0, float("inf"), "1 or more"))
# widget keys only: what the quiz remembers is a ``QuizState`` in the step page's record (``StepRun.quiz``)
TOGGLE_KEY = "quiz_on"
SIGN_KEY, SIZE_KEY = "quiz_sign", "quiz_size"


@dataclass(frozen=True)
class Question:
    """Guess ∂L/∂w of ``param`` before step ``reveal`` (a backward step) shows it."""

    reveal: int
    param: str
    value: float

    @property
    def sign(self) -> str:
        return sign_of(self.value)

    @property
    def size(self) -> int:
        return size_of(self.value)


@dataclass(frozen=True)
class Score:
    asked: int = 0
    sign_right: int = 0
    size_right: int = 0

    def add(self, sign_ok: bool, size_ok: bool) -> "Score":
        return Score(self.asked + 1, self.sign_right + sign_ok, self.size_right + size_ok)

    def text(self) -> str:
        if not self.asked:
            return "No questions answered yet."
        return (f"Score this session: sign {self.sign_right}/{self.asked}, "
                f"size {self.size_right}/{self.asked}.")


@dataclass
class QuizState:
    """The quiz's memory for one session, kept in the step page's record (it survives a new network)."""

    on: bool = False                    # the truth; the toggle widget is rebuilt from it (page switches drop it)
    score: Score = Score()
    last: Optional[Tuple[str, str]] = None   # (kind, message) shown once on the next rerun
    open: Optional[Question] = None     # the question on screen: stepping past it without an answer is undone


def sign_of(v: float) -> str:
    return "0" if v == 0 else ("+" if v > 0 else "−")


def size_of(v: float) -> int:
    """Index of the order-of-magnitude bucket of |v| in ``SIZES``."""
    a = abs(v)
    return next(i for i, (lo, hi, _) in enumerate(SIZES) if lo <= a < hi)


def question_for(steps: List, i: int) -> Optional[Question]:
    """The question before step i + 1, when that step is a backward step; else None."""
    if i + 1 >= len(steps) or steps[i + 1].kind != "backward":
        return None
    nxt = steps[i + 1]
    l = nxt.layer
    dW = nxt.dW[l]
    j, k = np.unravel_index(int(np.argmax(np.abs(dW))), dW.shape)
    return Question(reveal=i + 1, param=f"W{l}:{j}:{k}", value=float(dW[j, k]))


def grade(q: Question, sign: str, size: int) -> Tuple[bool, bool]:
    return sign == q.sign, size == q.size


# ---------------------------------------------------------------------------- Streamlit part
# imported here, below QuizState: the page's session module keeps a QuizState in its record
from components.step import session  # noqa: E402
def is_on() -> bool:
    return session.quiz_on()


def set_on(on: bool) -> None:
    session.set_quiz_on(on)
    st.session_state[TOGGLE_KEY] = bool(on)


def _on_toggle() -> None:
    session.quiz().on = bool(st.session_state.get(TOGGLE_KEY))


def score() -> Score:
    return session.quiz().score


def _check(q: Question, go_to) -> None:
    mem = session.quiz()
    sign, size = st.session_state.get(SIGN_KEY), st.session_state.get(SIZE_KEY)
    if sign is None or size is None:
        mem.last = ("warn", "Choose a sign and a size first, then check.")
        return
    sign_ok, size_ok = grade(q, sign, size)
    mem.score = mem.score.add(sign_ok, size_ok)
    verdict = "Right on both" if sign_ok and size_ok else ("Sign right" if sign_ok else
                                                         ("Size right" if size_ok else "Not this time"))
    mem.last = ("ok" if sign_ok and size_ok else "info",
                f"{verdict}: ∂L/∂w = {q.value:.4g} (sign {q.sign}, size {SIZES[q.size][2]}).")
    st.session_state.pop(SIGN_KEY, None)
    st.session_state.pop(SIZE_KEY, None)
    mem.open = None
    go_to(q.reveal)


def _guard(run, go_to) -> None:
    """Undo a step past the open question (Step, End or Play pressed instead of answering)."""
    mem = session.quiz()
    open_q = mem.open
    if open_q is None:
        return
    if run.step >= open_q.reveal:
        if getattr(run, "playing", False):
            run.playing = False  # the page's own rule then switches its play timer off
        go_to(open_q.reveal - 1)
        mem.last = ("warn", "Answer the question first: the next step shows the gradient.")
    elif run.step < open_q.reveal - 1:
        mem.open = None  # went back: that question is no longer the next one


def toggle() -> None:
    """The quiz switch (in the step page's control row)."""
    st.session_state[TOGGLE_KEY] = is_on()  # rebuilt from the truth: a page switch drops widget state
    st.toggle("Quiz", key=TOGGLE_KEY, on_change=_on_toggle,
              help="Quiz mode: predict the gradient, then reveal. Before each backward step, guess the sign "
                   "and size of a highlighted ∂L/∂w.")


def panel(run, steps, go_to, select) -> None:
    """The open question (if any) and the score (after ``toggle``). Call it in the step page's stage."""
    mem = session.quiz()
    if not mem.on:
        mem.open = None
        return
    _guard(run, go_to)
    last, mem.last = mem.last, None
    if last:
        {"ok": st.success, "info": st.info, "warn": st.warning}[last[0]](last[1])
    q = question_for(steps, run.step)
    if q is None:
        st.caption("Quiz: step on; a question comes before each backward step. " + score().text())
        return
    mem.open = q
    if run.selected != q.param:
        select(q.param)
    label = node_label(run.sizes, q.param)
    with st.container(border=True, key="quiz_question"):
        st.markdown(f"**Predict before you step:** the next step computes ∂L/∂w for the highlighted weight "
                    f"**{label}** ({q.param}). What will it be?")
        c1, c2, c3 = st.columns([1.2, 2.6, 1.2])
        c1.radio("Sign", SIGNS, key=SIGN_KEY, index=None, horizontal=True)
        c2.radio("Size |∂L/∂w|", range(len(SIZES)), key=SIZE_KEY, index=None, horizontal=True,
                 format_func=lambda i: SIZES[i][2])
        c3.button("Check and reveal", key="quiz_check", type="primary", on_click=_check, args=(q, go_to),
                  width="stretch")
        st.caption(score().text())
