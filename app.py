"""Backprop Lens: the thin entry. `streamlit run app.py`."""
import streamlit as st

from components.shell import housekeeping, priority
from components.shell.navigation import HOME, PAGES, UNKNOWN, tab_title, unknown_path

st.set_page_config(page_title="Backprop Lens", page_icon="🔎", layout="wide")

# Collects now and then instead of after every rerun (config.toml); gives memory back once the class is quiet.
housekeeping.on_rerun()
pages = [st.Page(HOME.file, title=HOME.title, icon=HOME.icon, url_path=HOME.url_path, default=True,
                 visibility="hidden")]
pages += [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path) for p in PAGES]
stray = unknown_path(st.context.url, st.get_option("server.baseUrlPath"))
if stray and "/" not in stray:  # (a nested path cannot be a page's url_path: Streamlit's dialog remains)
    pages.append(st.Page(UNKNOWN, title=HOME.title, url_path=stray, visibility="hidden"))
current = st.navigation(pages)
st.set_page_config(page_title=tab_title(current.title))
with priority.clicking():   # a playing playground's training steps aside while a click is answered
    current.run()
