"""Backprop Lens: the thin entry. `streamlit run app.py`."""
import streamlit as st

from components.shell import housekeeping
from components.shell.navigation import DEFAULT_PAGE, PAGES

st.set_page_config(page_title="Backprop Lens", page_icon="🔎", layout="wide")

# Collects now and then instead of after every rerun (config.toml); gives memory back once the class is quiet.
housekeeping.on_rerun()
st.navigation([st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path, default=p.key == DEFAULT_PAGE)
               for p in PAGES]).run()
