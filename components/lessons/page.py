"""Lessons: every preset with its explanation; one click opens it on its page, exactly as saved."""
import streamlit as st

from components.shell import sharing
from engine.scenario import load_lessons

URL_PATHS = {"step": "", "lab": "lab", "playground": "playground", "sandbox": "sandbox"}  # step is served at /
KIND = {"step": ":material/footprint: Step through", "lab": ":material/monitoring: Gradient lab",
        "playground": ":material/model_training: Training playground",
        "sandbox": ":material/function: Chain-rule sandbox"}


@st.cache_data(show_spinner=False)
def _lessons() -> dict:
    """name → scenario JSON (text: cached values are copied per session, never shared mutable objects)."""
    return {name: s.to_json() for name, s in load_lessons().items()}


def _open(name: str) -> None:
    s = sharing.Scenario.from_json(_lessons()[name])
    sharing.request(s)
    st.session_state["lessons_open"] = s.page


def page() -> None:
    target = st.session_state.pop("lessons_open", None)
    if target:  # the chosen lesson waits in the session; its page applies it before drawing a widget
        st.switch_page(sharing.PAGE_FILES[target])
    sharing.page_start("lessons")
    st.title("Lessons")
    st.caption("Each lesson opens its page with every setting, weight and input in place, and says what to "
               "look at. Its claim is checked on the engine's numbers by the test suite. Share one with a "
               "link: open it, then “Copy link to this state” in the sidebar.")
    lessons = {name: sharing.Scenario.from_json(text) for name, text in _lessons().items()}
    root = (st.context.url or "").rsplit("/lessons", 1)[0]
    for i, (name, s) in enumerate(lessons.items(), start=1):
        with st.container(border=True, key=f"lesson_{name}"):
            left, right = st.columns([5, 1.3], vertical_alignment="center")
            left.markdown(f"**{i}. {s.title}**  \n{KIND[s.page]}")
            right.button("Open", key=f"open_{name}", on_click=_open, args=(name,), icon=":material/play_arrow:",
                         type="primary", width="stretch")
            st.markdown(s.explanation)
            st.caption(f"Link for class: `{root}/{URL_PATHS[s.page]}?v=1&lesson={name}`")
    with st.sidebar:
        sharing.presenter_controls()


page()
