"""Save, load and share a page as a scenario (``engine.scenario``); the address bar; lessons; presenter.

The shell never touches a page's session keys: each page package answers four calls (``PAGE_STATE``):
``scenario()`` ("give me your scenario"), ``apply(s)`` ("take this scenario"), ``default_scenario()``
(the page's own defaults: a link means "this page with its defaults, except these") and ``playing()``;
plus ``complete_link`` (what a link leaves out that the page derives) and ``link_problem`` (why a link
cannot hold the page now). A scenario for another page waits under the shell's ``PENDING`` key until
that page draws.

Every page calls ``page_start(page)`` first (applies a waiting scenario or an address it did not write
itself: a lesson, a shared link, a tab reconnecting after a server restart; injects presenter CSS),
``sync_address(page)`` after each part of the page that can change its state (the full page and each
fragment: the address bar then always holds the page's state, written with ``history.replaceState`` so
Back goes to the previous page), and ``panel(page)`` last (the sidebar's "Lesson, save, load, share").
Bad input is reported by a message naming the field; the page's state is left exactly as it was.
"""
import dataclasses
import importlib
import json
import pathlib
from typing import Optional
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.shell import presenter
from components.shell.navigation import NO_PAGE_PARAM, PAGE_FILES
from components.step import quiz
from engine.scenario.fields import FIELD, VERSION
from engine.scenario import (HIDE_FLAGS, LINK_MAX_PARAMS, MAX_FILE_BYTES, Scenario, from_query,
                             load_lesson, to_query)

PENDING = "share_pending"        # a Scenario waiting for its page
NOTICES = "share_notices"        # messages to show once on the next page draw
WRITTEN = "share_address"        # page → the addresses (signatures) it lately wrote or applied, newest last
WRITTEN_KEPT = 64                # a rerun may carry an address the browser had before the newest write
STARTED = "share_started"        # set on a session's first run: a session without it is new (or the server restarted)
LINK_SHOWN = "share_link_shown"
PRESENTER_ON, PRESENTER_HIDE = "share_presenter_state", "share_hide_state"   # the truth, kept across pages
PRESENTER_WIDGET, HIDE_WIDGET = "share_presenter", "share_hide"
UPLOAD_KEY = "share_upload"
SWITCH = "share_switch"
LESSON_OF = "share_lesson_of"    # page → the lesson it was opened from (None: not from a lesson)
PLAY_MARKER = "play"             # in the address while a page plays: a reconnect after a restart says so
KEPT_PARAMS = (NO_PAGE_PARAM,)   # kept in the address as the page found it (``home.py`` reads it)
FOREIGN_PARAMS = (PLAY_MARKER, *KEPT_PARAMS)  # query parameters other parts of the app own: skipped without a notice
URL_LIMIT = 2_000                # characters: an address longer than this is not written (the state is
                                 # then kept in the scenario file only, and the page says so)
RESTARTED = ("The server restarted while this page was playing: it is back as it was, paused at the same "
             "step. Press Play to go on.")
NOT_RESTORABLE = "This page cannot be restored after a restart: save the scenario file"
PAGE_STATE = {"step": "components.step.session", "playground": "components.playground.session",
              "lab": "components.lab.state", "sandbox": "components.sandbox.state"}


def page_state(page: str):
    """The module through which the shell talks to ``page`` (see the module docstring)."""
    return importlib.import_module(PAGE_STATE[page])


def link_query(s: Scenario) -> str:
    """The query string of a share link (without the leading "?"), against the page's own defaults."""
    return urlencode(to_query(s, base=page_state(s.page).default_scenario()))


def link_scenario(params: dict, page: str):
    """``(scenario, notices)`` of link parameters opened on ``page`` (its defaults fill the rest)."""
    mod = page_state(page)
    return from_query(params, ignore=FOREIGN_PARAMS, base=mod.default_scenario(), complete=mod.complete_link)


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
    if lesson.sizes != s.sizes or lesson.expression != s.expression:
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


def _signature(params: dict) -> str:
    return json.dumps(sorted((k, v) for k, v in params.items() if k not in FOREIGN_PARAMS))


_STATE_PAGES = tuple(PAGE_STATE)
_BARE = {"v": str(VERSION)}   # an address with nothing but the format version


def page_start(page: str) -> None:
    """First line of every page: apply a waiting scenario or an address this page did not write itself
    (a shared link, a lesson link, a tab reconnecting after a restart); presenter CSS; notices."""
    new_session = STARTED not in st.session_state
    st.session_state[STARTED] = True
    waiting = st.session_state.get(PENDING)
    pending: Optional[Scenario] = st.session_state.pop(PENDING) if waiting is not None and waiting.page == page \
        else None
    params = _link_params()
    written = st.session_state.setdefault(WRITTEN, {})
    signature = _signature(params)
    from_link = False
    if pending is None and "v" in params and signature not in written.get(page, ()):
        from_link = True
        target = params.get("p") if params.get("p") in _STATE_PAGES else page
        if target not in _STATE_PAGES:
            target = "step"
        s, notices = link_scenario(params, target)
        for n in notices:
            _notify(n)
        if new_session and params.get(PLAY_MARKER):
            _notify(RESTARTED, "info")
        if s.page != page:  # an old link names its page (p=…) on another path: go there and restore it
            request(s)
            st.switch_page(PAGE_FILES[s.page])
        _remember(page, signature)
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
    presenter.apply(flags["presenter"], flags["hide"], on_exit=set_presenter, args=(False, flags["hide"]))
    address_writer()   # before any widget: a change made while the first run still draws adds no Back step
    for kind, message in st.session_state.pop(NOTICES, []):
        {"error": st.error, "warning": st.warning, "info": st.info, "lesson": _lesson_notice}[kind](message)


def _lesson_notice(message: str) -> None:
    """A lesson's title on one line, its explanation one click away (the graph stays in the first screen)."""
    title, _, explanation = message.partition(" — ")
    with st.expander(f"Lesson: {title}", icon=":material/school:", expanded=False):
        st.markdown(explanation or title)


# ---------------------------------------------------------------- the address bar
def address(page: str):
    """``(params, problem)``: the address of the page as it is now, and why it cannot restore the page
    (None: it can). Where a link cannot carry everything (uploaded points, hand-moved weights of a network
    over the link's limit, an address over ``URL_LIMIT``) it carries the rest."""
    mod = page_state(page)
    try:
        s = current_scenario(page, link=True)
    except ValueError as e:
        return dict(_BARE), str(e)
    problem = mod.link_problem(s)
    base = mod.default_scenario()
    if s.points is not None:  # the rest of the page on the page's own dataset (output and sizes to match)
        values = {name: getattr(s, name) for name in ("sizes", "features", "n_classes", "output_activation", "loss")}
        values["dataset"] = base.dataset
        mod.complete_link(values, set())
        try:
            s = s.replace(points=None, **values)
        except ValueError:
            return dict(_BARE), problem
    try:
        q = to_query(s, base=base)
    except ValueError as e:
        return dict(_BARE), str(e)
    if q.get("w") == "reinit" and problem is None:   # (a page's own reason names the cause: kept)
        problem = (f"this network has {len(s.flat_parameters()):,} parameters and links carry every weight up "
                   f"to {LINK_MAX_PARAMS}: weights you moved are not in the link")
    q.pop("p", None)  # the path names the page
    for name in getattr(mod, "LINK_DERIVED", ()):   # what the page derives from the rest
        q.pop(FIELD[name].query, None)
    if len(urlencode(q)) > URL_LIMIT:
        problem = f"its address would be over {URL_LIMIT:,} characters"
        q = to_query(s.replace(weights=None, biases=None, gammas=None, betas=None), base=base)
        q.pop("p", None)
        for name in getattr(mod, "LINK_DERIVED", ()):
            q.pop(FIELD[name].query, None)
        while len(urlencode(q)) > URL_LIMIT and any(k.startswith("v.") for k in q):
            q.pop(max((k for k in q if k.startswith("v.")), key=lambda k: len(q[k])))   # e.g. a long α schedule
    if mod.playing():
        q[PLAY_MARKER] = "1"
    return q, problem


def _remember(page: str, signature) -> None:
    """Note an address this session wrote (or applied) for ``page``. A rerun sends the address the browser
    has, which can be one written a moment earlier (a timer's fragment wrote a newer one while the rerun
    was on its way): such an address is the page's own, not a link to apply (that would stop a playing
    run and set it back a few steps)."""
    kept = st.session_state.setdefault(WRITTEN, {}).setdefault(page, [])
    if kept and kept[-1] == signature:
        return
    if signature in kept:
        kept.remove(signature)
    kept.append(signature)
    del kept[:-WRITTEN_KEPT]


def sync_address(page: str, show: bool = False) -> None:
    """Write the page's state into the address bar when it changed (no rerun, no history entry: see
    ``_address_writer``). ``show``: say here when the address cannot restore the page."""
    q, problem = address(page)
    if q == _BARE and not problem:
        q = {}  # the page's defaults: a clean address
    found = _link_params()
    q.update({k: v for k, v in found.items() if k in KEPT_PARAMS})
    if found != q:
        st.query_params.from_dict(q)
    _remember(page, _signature(q))
    if show and problem:
        st.warning(f"{NOT_RESTORABLE} ({problem}). The address keeps the rest.", icon=":material/link_off:")


_REPLACE_JS = (pathlib.Path(__file__).with_name("replace_history.js")).read_text(encoding="utf-8")
_replace_history = st.components.v2.component("backprop_lens_replace_history", js=_REPLACE_JS, html="<span></span>")


def address_writer() -> None:
    """Mount the few lines of JS that make Streamlit write a query-only address change with
    ``history.replaceState`` (otherwise every slider move would be a Back step); once per tab is enough.

    Mounted by ``page_start`` before any widget of the page, in the main area, hidden (presenter's CSS,
    drawn just before it): in the sidebar panel, drawn last, the playground's first run took 4-12 s to
    reach it, and a slider moved meanwhile added a Back step per move (tests/browser/test_address_bar.py)."""
    _replace_history(key="share_history_js")


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
    q, problem = address(page)
    q.pop(PLAY_MARKER, None)
    if q == _BARE and problem:
        st.session_state[LINK_SHOWN] = ("error", f"No link: {problem}")
        return
    note = f" {NOT_RESTORABLE} to keep everything ({problem})." if problem else ""
    st.session_state[LINK_SHOWN] = ("ok", urlencode(q), note)


def panel(page: str) -> None:
    """Last line of every page: the sidebar section for lessons, save, load, share and presenter mode."""
    if st.session_state.get(SWITCH):
        target = st.session_state.pop(SWITCH)
        st.switch_page(PAGE_FILES[target])
    sync_address(page)
    with st.sidebar.container(key="share_panel"):
        st.divider()
        st.subheader("Lesson, save, load, share")
        presenter_controls()
        try:
            current_scenario(page)   # raises the message when the page cannot be saved now
            # the file is built when clicked, from the state at that moment (a fragment rerun may have
            # changed it since this button was drawn)
            st.download_button("Save this page (scenario JSON)", save_builder(page),
                               icon=":material/download:", file_name=f"backprop-lens-{page}.json",
                               mime="application/json", key="share_save", on_click="ignore", width="stretch")
        except ValueError as e:
            st.caption(f"Save unavailable: {e}")
        st.file_uploader(f"Load a scenario (.json, at most {MAX_FILE_BYTES // 1_048_576} MB: "
                         "server.maxUploadSize)", type=["json"], key=UPLOAD_KEY, on_change=_on_upload,
                         args=(page,), max_upload_size=1)
        st.button("Copy link to this state", key="share_link", on_click=_make_link, args=(page,),
                  icon=":material/link:", width="stretch")
        shown = st.session_state.get(LINK_SHOWN)
        if shown and shown[0] == "error":
            st.error(shown[1])
        elif shown:
            base = (st.context.url or "").split("?")[0]
            st.code(f"{base}?{shown[1]}", language=None, wrap_lines=True)
            st.caption("The address bar holds it too: it is kept current on every change. Opening it restores "
                       "this page." + shown[2])
