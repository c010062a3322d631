"""Backprop Lens components: everything the browser shows, one package per page plus a shell.

- ``step/``, ``sandbox/``, ``lab/``, ``playground/``, ``lessons/``: one package per page: ``page.py`` (the page
  script ``st.navigation`` runs), its settings/state module, ``scenario.py`` (its state as a scenario and
  back) and its pure figure builders.
- ``shell/``: what every page shares: the page table (``navigation``), save/load/share (``sharing``),
  presenter mode, memory housekeeping, the play timer.
- ``drawing/``: the shared drawing: the network graph, its layout, and the one visual encoding (``style``).

Page scripts are not in a folder named ``pages/`` (see STREAMLIT_NOTES: AppTest would fall back to the
legacy multipage mode).
"""
