"""Backprop Lens components: pure figure builders (engine data → plotly figures) and thin Streamlit
wrappers. Pages live in ``components/views/`` (not ``pages/``: see STREAMLIT_NOTES)."""
