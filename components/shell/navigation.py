"""The page table: every page of the app, declared once.

``app.py`` builds ``st.navigation`` from it; sharing finds a page's file and title here; tests open
pages by these files. A new page is one row.

Addresses: every page has its own path (``/step``, ``/lab``, …) and ``/`` opens the step-through page
too, through ``HOME`` (a hidden default page that runs the same page). Streamlit serves its default
page at ``/`` only, and answers any other path it does not know with a "Page not found" dialog that
blocks every click; ``unknown_path`` names such a path so ``app.py`` can serve the step-through page
there as well, with a one-line notice instead of the dialog. A nested path (``/a/b``) never reaches
the script (Streamlit's server answers it with a blank page: README, "Addresses"); the server ``app.py``
starts (its st.App, with ``nested_paths.NestedPathRedirect``) sends it to ``/?nopage=/a/b&…``
(``nested_redirect``), where the step-through page shows the same notice.
"""
import re
from typing import NamedTuple, Optional
from urllib.parse import quote, urlparse


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
NO_PAGE_PARAM = "nopage"   # ``/?nopage=/a/b``: the nested address a visitor asked for (``nested_redirect``)
# Path segments Streamlit 1.67 itself serves below (its routes and the folders of its static files): a
# nested path with one of them anywhere is never redirected (at /playground the frontend asks
# /playground/_stcore/health first; tests/components/test_nested_paths.py checks the list against
# Streamlit's own route table).
STREAMLIT_ROOTS = frozenset({"_stcore", "static", "media", "component", "app", "auth"})


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


def nested_redirect(path: str, query: str = "", base_url_path: str = "") -> Optional[str]:
    """Where to send a request for ``path`` that Streamlit would answer with a blank page, else None.

    Two or more segments below the base path, none of them one of Streamlit's own roots: the root address
    with the query kept and ``nopage`` naming the path (the step-through page shows "No page at …").
    A root further in is Streamlit's too: at ``/playground`` its frontend first asks
    ``/playground/_stcore/health`` (is ``/playground`` the base path?) and must get Streamlit's 404.

    >>> nested_redirect("/a/b", "x=1"), nested_redirect("/stepp"), nested_redirect("/static/js/i.js")
    ('/?x=1&nopage=/a/b', None, None)
    >>> nested_redirect("/playground/_stcore/health"), nested_redirect("/lab/_stcore/host-config")
    (None, None)
    """
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    if base and not (path == base or path.startswith(base + "/")):
        return None
    segments = [s for s in path[len(base):].split("/") if s]
    if len(segments) < 2 or any(s in STREAMLIT_ROOTS for s in segments):
        return None
    asked = quote("/" + "/".join(segments), safe="/")
    kept = "&".join(p for p in query.split("&") if p and not p.startswith(NO_PAGE_PARAM + "="))
    return f"{base}/?{kept + '&' if kept else ''}{NO_PAGE_PARAM}={asked}"


NOTICE_PATH_MAX = 80   # characters of an unknown address the notice repeats (the rest: "…")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:&])")   # Markdown, LaTeX ($), icons and emoji (:)


def no_page_notice(path: str) -> str:
    r"""The one-line notice at an address no page has, in Markdown (``path`` as asked, with its leading
    "/"). The address is the visitor's text: its Markdown and LaTeX characters are escaped.

    >>> print(no_page_notice("/a/[b]$"))
    No page at “/a/\[b\]\$”: this is the step-through page. The menu lists every page.
    """
    if len(path) > NOTICE_PATH_MAX:
        path = path[:NOTICE_PATH_MAX - 1] + "…"
    shown = _MARKDOWN.sub(r"\\\1", path)
    return f"No page at “{shown}”: this is the step-through page. The menu lists every page."


def tab_title(title: str) -> str:
    """The browser tab's title of a page: its own title first (the tab strip cuts the end)."""
    return f"{title} · {APP_NAME}"
