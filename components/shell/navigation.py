"""The page table: every page of the app, declared once.

``app.py`` builds ``st.navigation`` from it; sharing finds a page's file and title here; tests open
pages by these files. A new page is one row.
"""
from typing import NamedTuple


class PageEntry(NamedTuple):
    key: str          # the scenario's ``page`` name (``engine.scenario.PAGES``), or a page without scenarios
    file: str         # the page's script, relative to the app's folder
    title: str
    icon: str
    url_path: str


PAGES = (
    PageEntry("step", "components/step/page.py", "Step through", ":material/footprint:", "step"),
    PageEntry("sandbox", "components/sandbox/page.py", "Chain-rule sandbox", ":material/function:", "sandbox"),
    PageEntry("playground", "components/playground/page.py", "Training playground", ":material/model_training:",
              "playground"),
    PageEntry("lab", "components/lab/page.py", "Gradient lab", ":material/monitoring:", "lab"),
    PageEntry("lessons", "components/lessons/page.py", "Lessons", ":material/school:", "lessons"),
)
DEFAULT_PAGE = "step"
PAGE_FILES = {p.key: p.file for p in PAGES}
PAGE_TITLES = {p.key: p.title for p in PAGES}
