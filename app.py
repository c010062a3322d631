"""Backprop Lens: the thin entry. `streamlit run app.py`."""
import streamlit as st

from components import housekeeping

st.set_page_config(page_title="Backprop Lens", page_icon="🔎", layout="wide")

PAGES = [
    st.Page("components/views/step_through.py", title="Step through", icon=":material/footprint:",
            url_path="step", default=True),
    st.Page("components/views/playground.py", title="Training playground", icon=":material/model_training:",
            url_path="playground"),
    st.Page("components/views/gradient_lab.py", title="Gradient lab", icon=":material/monitoring:", url_path="lab"),
    st.Page("components/views/lessons.py", title="Lessons", icon=":material/school:", url_path="lessons"),
]

# Collects now and then instead of after every rerun (config.toml); gives memory back once the class is quiet.
housekeeping.on_rerun()
st.navigation(PAGES).run()
