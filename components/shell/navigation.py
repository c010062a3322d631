"""The page table: every page of the app, declared once.

``app.py`` builds ``st.navigation`` from it; sharing finds a page's file and title here; tests open
pages by these files. A new page is one row.

Addresses: every page has its own path (``/step``, ``/lab``, …) and ``/`` opens the step-through page
too, through ``HOME`` (a hidden default page that runs the same page). Streamlit serves its default
page at ``/`` only, and answers any other path it does not know with a "Page not found" dialog that
blocks every click; ``unknown_path`` names such a path so ``app.py`` can serve the step-through page
there as well, with a one-line notice instead of the dialog.
"""
from typing import NamedTuple, Optional
from urllib.parse import urlparse


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
HOME = PageEntry("home", "components/shell/home.py", "Step through", ":material/footprint:", "home")
UNKNOWN = "components/shell/unknown.py"   # the step-through page under an address no page has
PAGE_FILES = {p.key: p.file for p in PAGES}
PAGE_TITLES = {p.key: p.title for p in PAGES}
APP_NAME = "Backprop Lens"


def unknown_path(url: Optional[str], base_url_path: str = "") -> Optional[str]:
    """The path segment of ``url`` when no page is served there (None for ``/`` and known pages).

    >>> unknown_path("http://localhost:8501/stepp"), unknown_path("http://localhost:8501/lab")
    ('stepp', None)
    """
    path = urlparse(url or "").path.strip("/")
    base = base_url_path.strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):].strip("/")
    known = {p.url_path for p in PAGES} | {HOME.url_path, ""}
    return None if path in known else path


def tab_title(title: str) -> str:
    """The browser tab's title of a page: its own title first (the tab strip cuts the end)."""
    return f"{title} · {APP_NAME}"
