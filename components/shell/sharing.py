"""Save, load and share a page as a scenario (``engine.scenario``); lessons; presenter and quiz flags.

The shell never touches a page's session keys: each page package answers ``scenario()`` ("give me your
scenario"), ``apply(s)`` ("take this scenario"), ``playing()`` and ``link_problem(s)`` (``PAGE_STATE``).
A scenario for another page waits under the shell's ``PENDING`` key until that page draws.

Every page calls ``page_start(page)`` first (applies a scenario waiting for it: a lesson, an uploaded
file or a shared link, before any widget is drawn; injects presenter CSS) and ``panel(page)`` last (the
sidebar's "Lesson, save, load, share" section). Bad input is reported by a message naming the field;
the page's state is left exactly as it was.
"""
import dataclasses
import importlib
import json
from typing import Optional
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.shell import presenter
from components.shell.navigation import PAGE_FILES
from components.step import quiz
from engine.scenario import (HIDE_FLAGS, LINK_MAX_PARAMS, MAX_FILE_BYTES, NO_LINK_FOR_POINTS, Scenario,
                             from_query, link_carries_weights, load_lesson, to_query)

PENDING = "share_pending"        # a Scenario waiting for its page
NOTICES = "share_notices"        # messages to show once on the next page draw
APPLIED_LINK = "share_link_applied"
LINK_SHOWN = "share_link_shown"
PRESENTER_ON, PRESENTER_HIDE = "share_presenter_state", "share_hide_state"   # the truth, kept across pages
PRESENTER_WIDGET, HIDE_WIDGET = "share_presenter", "share_hide"
UPLOAD_KEY = "share_upload"
SWITCH = "share_switch"
LESSON_OF = "share_lesson_of"    # page → the lesson it was opened from (None: not from a lesson)
FOREIGN_PARAMS = ()  # query parameters other parts of the app own (none yet): skipped without a notice
EAGER_SAVE_NUMBERS = 2_000       # up to this many numbers (parameters, 3 per uploaded point) the Save
                                 # button carries the file itself
PAGE_STATE = {"step": "components.step.session", "playground": "components.playground.session",
              "lab": "components.lab.state"}


def page_state(page: str):
    """The module through which the shell talks to ``page`` (see the module docstring)."""
    return importlib.import_module(PAGE_STATE[page])


def link_query(s: Scenario) -> str:
    """The query string of a share link (without the leading "?")."""
    return urlencode(to_query(s))


# ============================================================================ the page layer
def _view_flags() -> dict:
    return dict(presenter=bool(st.session_state.get(PRESENTER_ON, False)),
                hide=tuple(st.session_state.get(PRESENTER_HIDE, ())),
                quiz=quiz.is_on())


def _with_lesson(s: Scenario, name: Optional[str]) -> Scenario:
    """Name the lesson the page was opened from while its network is still the lesson's: the saved
    file keeps its title and explanation, and a link only carries what changed since the lesson."""
    if name is None:
        return s
    try:
        lesson = load_lesson(name)
    except ValueError:
        return s
    if lesson.sizes != s.sizes:
        return s
    return dataclasses.replace(s, lesson=name, title=lesson.title, explanation=lesson.explanation)


def current_scenario(page: str, link: bool = False) -> Scenario:
    """The scenario of the page as it is now (ValueError when it cannot be saved)."""
    lesson = st.session_state.get(LESSON_OF, {}).get(page)
    return _with_lesson(page_state(page).scenario(link=link, **_view_flags()), lesson)


def save_builder(page: str):
    """A zero-argument function returning the page's scenario file as it is *when called*.

    It reads the session's state object directly, so it can run off the script thread (the Save button's
    deferred download) and still see what the last fragment rerun changed (a step, a click, a weight).
    The view flags (presenter, quiz, lesson) change on full reruns only and are taken now.
    """
    ctx = get_script_run_ctx()
    live = ctx.session_state if ctx is not None else st.session_state
    view, lesson, mod = _view_flags(), st.session_state.get(LESSON_OF, {}).get(page), page_state(page)
    return lambda: _with_lesson(mod.scenario(state=live, **view), lesson).to_json()


def apply(s: Scenario) -> None:
    """Put the page of ``s`` exactly in that state (call before its widgets are drawn, or in a callback).

    Raises ValueError naming the field when ``s`` does not fit its page; nothing is changed then.
    """
    page_state(s.page).apply(s)
    set_presenter(s.presenter, s.hide)
    quiz.set_on(s.quiz)
    st.session_state.setdefault(LESSON_OF, {})[s.page] = s.lesson


def set_presenter(on: bool, hide=()) -> None:
    st.session_state[PRESENTER_ON] = bool(on)
    st.session_state[PRESENTER_HIDE] = tuple(hide)
    st.session_state[PRESENTER_WIDGET] = bool(on)
    st.session_state[HIDE_WIDGET] = list(hide)


def _on_presenter_widgets() -> None:
    st.session_state[PRESENTER_ON] = bool(st.session_state.get(PRESENTER_WIDGET))
    st.session_state[PRESENTER_HIDE] = tuple(st.session_state.get(HIDE_WIDGET) or ())


def presenter_controls() -> None:
    """The presenter toggle and hide list (their values survive page switches)."""
    # the widgets are rebuilt from the truth on every page (a page switch drops widget state)
    st.session_state[PRESENTER_WIDGET] = bool(st.session_state.get(PRESENTER_ON, False))
    st.session_state[HIDE_WIDGET] = list(st.session_state.get(PRESENTER_HIDE, ()))
    st.toggle("Presenter mode (large, for a projector)", key=PRESENTER_WIDGET, on_change=_on_presenter_widgets)
    st.multiselect("Hide in presenter mode", HIDE_FLAGS, key=HIDE_WIDGET, on_change=_on_presenter_widgets,
                   format_func=presenter.LABELS.get, placeholder="controls to hide")


def request(s: Scenario) -> None:
    """Ask the page of ``s`` to apply it on its next draw (then ``st.switch_page`` there)."""
    st.session_state[PENDING] = s


def _notify(message: str, kind: str = "warning") -> None:
    st.session_state.setdefault(NOTICES, []).append((kind, message))


def _link_params() -> dict:
    try:
        return {k: st.query_params.get_all(k)[-1] for k in st.query_params.keys()}
    except Exception:  # noqa: BLE001 — a malformed URL must never break the page
        return {}


def page_start(page: str) -> None:
    """First line of every page: apply a waiting scenario or a newly opened link; presenter CSS; notices."""
    waiting = st.session_state.get(PENDING)
    pending: Optional[Scenario] = st.session_state.pop(PENDING) if waiting is not None and waiting.page == page \
        else None
    params = _link_params()
    signature = json.dumps(sorted(params.items()))
    from_link = False
    if pending is None and "v" in params and st.session_state.get(APPLIED_LINK) != signature:
        from_link = True
        st.session_state[APPLIED_LINK] = signature
        s, notices = from_query(params, ignore=FOREIGN_PARAMS)
        for n in notices:
            _notify(n)
        if s.page != page:  # the link names its page: go there and restore it
            request(s)
            st.switch_page(PAGE_FILES[s.page])
        pending = s
    if pending is not None:
        try:
            try:
                apply(pending)
            except ValueError as e:
                if not (from_link and pending.options):
                    raise
                apply(dataclasses.replace(pending, options={}))  # a link's display options are optional
                _notify(f"link: {e}; the display options were left as they are")
            if pending.title:
                _notify(f"**{pending.title}** — {pending.explanation or ''}", "lesson")
        except ValueError as e:
            _notify(f"Could not load this scenario: {e}. The page is unchanged.", "error")
    flags = _view_flags()
    presenter.apply(flags["presenter"], flags["hide"])
    for kind, message in st.session_state.pop(NOTICES, []):
        {"error": st.error, "warning": st.warning, "info": st.info,
         "lesson": lambda m: st.info(m, icon=":material/school:")}[kind](message)


def _on_upload(page: str) -> None:
    f = st.session_state.get(UPLOAD_KEY)
    if f is None:
        return
    try:
        s = Scenario.from_json(f.getvalue())
        if s.page == page:
            apply(s)
            _notify(f"Loaded {f.name!r}." + (f" **{s.title}** — {s.explanation or ''}" if s.title else ""), "info")
        else:
            request(s)
            st.session_state[SWITCH] = s.page
    except ValueError as e:
        _notify(f"Could not load {f.name!r}: {e}. Nothing was changed.", "error")


def _make_link(page: str) -> None:
    try:
        s = current_scenario(page)
        params = to_query(s)  # ValueError for uploaded points: a link cannot carry them
    except ValueError as e:
        st.session_state[LINK_SHOWN] = ("error", f"No link: {e}")
        return
    st.query_params.from_dict(params)
    st.session_state[APPLIED_LINK] = json.dumps(sorted(params.items()))
    note = "" if link_carries_weights(s) else (
        f" This network has {len(s.flat_parameters()):,} parameters (links carry every weight up to "
        f"{LINK_MAX_PARAMS}): the link carries the settings and the seed, and weights you moved are "
        "re-initialised. Save the JSON file to keep them.")
    st.session_state[LINK_SHOWN] = ("ok", urlencode(params), note)


def panel(page: str) -> None:
    """Last line of every page: the sidebar section for lessons, save, load, share and presenter mode."""
    if st.session_state.get(SWITCH):
        target = st.session_state.pop(SWITCH)
        st.switch_page(PAGE_FILES[target])
    with st.sidebar.container(key="share_panel"):
        st.divider()
        st.subheader("Lesson, save, load, share")
        presenter_controls()
        try:
            s = current_scenario(page)
            # small pages: the file itself (cheap, and identical for identical sessions); big ones: built
            # only when clicked (a 20 × 32 network is ~0.5 MB of JSON and ~60 ms to write)
            small = len(s.flat_parameters()) + (3 * (len(s.points.x_train) + len(s.points.x_test)) if s.points is not None else 0) \
                <= EAGER_SAVE_NUMBERS
            st.download_button("Save this page (scenario JSON)", s.to_json() if small else save_builder(page),
                               icon=":material/download:", file_name=f"backprop-lens-{page}.json",
                               mime="application/json", key="share_save", on_click="ignore", width="stretch")
        except ValueError as e:
            st.caption(f"Save unavailable: {e}")
        st.file_uploader(f"Load a scenario (.json, at most {MAX_FILE_BYTES // 1_048_576} MB: "
                         "server.maxUploadSize)", type=["json"], key=UPLOAD_KEY, on_change=_on_upload,
                         args=(page,), max_upload_size=1)
        try:
            no_link = page_state(page).link_problem(current_scenario(page))
        except ValueError:
            no_link = None
        if no_link == NO_LINK_FOR_POINTS:
            st.info(f"No link: {no_link}.", icon=":material/link_off:")
            return
        st.button("Copy link to this state", key="share_link", on_click=_make_link, args=(page,),
                  icon=":material/link:", width="stretch")
        shown = st.session_state.get(LINK_SHOWN)
        if shown and shown[0] == "error":
            st.error(shown[1])
        elif shown:
            base = st.context.url or ""
            st.code(f"{base}?{shown[1]}", language=None, wrap_lines=True)
            st.caption("The address bar holds it too. Opening it restores this page." + shown[2])
