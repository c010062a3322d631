"""Backprop Lens: the thin entry. `streamlit run app.py`."""
import streamlit as st

st.set_page_config(page_title="Backprop Lens", page_icon="🔎", layout="wide")

PAGES = [
    st.Page("components/views/step_through.py", title="Step through", icon=":material/footprint:",
            url_path="step", default=True),
    st.Page("components/views/playground.py", title="Training playground", icon=":material/model_training:",
            url_path="playground"),
    st.Page("components/views/gradient_lab.py", title="Gradient lab", icon=":material/monitoring:", url_path="lab"),
    st.Page("components/views/lessons.py", title="Lessons", icon=":material/school:", url_path="lessons"),
]

st.navigation(PAGES).run()
