"""Backprop Lens: the thin entry. `streamlit run app.py`.

Streamlit runs this file as the script of every rerun (``__name__ == "__main__"``). ``streamlit run`` also
finds the ``st.App`` below and imports this file once, as a module, to serve it: the same app with one
address rule Streamlit's own server lacks (``components/shell/nested_paths.py``: a mistyped nested address
such as ``/a/b`` opens the step-through page with a notice instead of a blank page).
"""
import streamlit as st

if __name__ != "__main__":   # imported by `streamlit run` as the server (st.App, Streamlit's Starlette server)
    from starlette.middleware import Middleware   # (part of Streamlit: no new dependency)

    from components.shell.nested_paths import NestedPathRedirect

    app = st.App("app.py", middleware=[Middleware(NestedPathRedirect)])
else:
    from components.shell import housekeeping, priority
    from components.shell.navigation import HOME, PAGES, UNKNOWN, tab_title, unknown_path

    st.set_page_config(page_title="Backprop Lens", page_icon="🔎", layout="wide")

    # Collects now and then instead of after every rerun (config.toml); gives memory back once the class is quiet.
    housekeeping.on_rerun()
    pages = [st.Page(HOME.file, title=HOME.title, icon=HOME.icon, url_path=HOME.url_path, default=True,
                     visibility="hidden")]
    pages += [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path) for p in PAGES]
    stray = unknown_path(st.context.url, st.get_option("server.baseUrlPath"))
    if stray and "/" not in stray:  # (nested: the server redirects it to /?nopage=…; a url_path has no "/")
        pages.append(st.Page(UNKNOWN, title=HOME.title, url_path=stray, visibility="hidden"))
    current = st.navigation(pages)
    st.set_page_config(page_title=tab_title(current.title))
    with priority.clicking():   # a playing playground's training steps aside while a click is answered
        current.run()
