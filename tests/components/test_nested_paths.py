"""The nested-address rule of ``app.py``'s st.App: which requests it redirects, where to, and that it never
touches an address Streamlit itself serves (checked against Streamlit's own route table)."""
import asyncio
import os
from urllib.parse import parse_qs, urlsplit

import pytest

from components.shell.navigation import NO_PAGE_PARAM, STREAMLIT_ROOTS, nested_redirect, no_page_notice
from components.shell.nested_paths import NestedPathRedirect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("path, query, want_path, want_query", [
    ("/a/b", "", "/", {NO_PAGE_PARAM: ["/a/b"]}),
    ("/a/b", "x=1", "/", {"x": ["1"], NO_PAGE_PARAM: ["/a/b"]}),
    ("/step/extra", "v=1&step=2", "/", {"v": ["1"], "step": ["2"], NO_PAGE_PARAM: ["/step/extra"]}),
    ("/a/b/c/", "", "/", {NO_PAGE_PARAM: ["/a/b/c"]}),
    ("/a b/ü", "", "/", {NO_PAGE_PARAM: ["/a b/ü"]}),                 # decoded in, percent-encoded out
    ("/a/b", "nopage=/evil&x=1", "/", {"x": ["1"], NO_PAGE_PARAM: ["/a/b"]}),   # one nopage: the path's
])
def test_a_nested_unknown_address_goes_to_the_root_with_its_query_and_its_name(path, query, want_path,
                                                                               want_query):
    target = urlsplit(nested_redirect(path, query))
    assert target.path == want_path
    assert parse_qs(target.query) == want_query


@pytest.mark.parametrize("path", ["/", "/stepp", "/step", "/lab/", "/_stcore/health", "/_stcore/stream",
                                  "/_stcore/bidi-components/x/y.js", "/static/js/index.js", "/media/ab.png",
                                  "/component/x/index.html", "/app/static/x.png", "/auth/login",
                                  # what the frontend asks first at /playground (is it the base path?): it
                                  # must get Streamlit's 404, or it never connects (a redirect broke every page)
                                  "/playground/_stcore/health", "/step/_stcore/host-config",
                                  "/lab/_stcore/stream"])
def test_single_level_addresses_and_streamlits_own_are_left_alone(path):
    assert nested_redirect(path, "x=1") is None


def test_a_base_url_path_is_kept_and_only_paths_below_it_count():
    assert nested_redirect("/lens/a/b", "x=1", "lens") == f"/lens/?x=1&{NO_PAGE_PARAM}=/a/b"
    assert nested_redirect("/lens/stepp", "", "/lens/") is None
    assert nested_redirect("/lens/_stcore/health", "", "lens") is None
    assert nested_redirect("/other/a/b", "", "lens") is None      # not this app's address


def test_the_roots_cover_every_nested_route_streamlit_serves():
    """Every route of Streamlit's own server with two or more segments starts with a listed root, and so
    does every folder of its static files: a Streamlit upgrade that adds one makes this fail."""
    import streamlit as st
    from streamlit import file_util

    app = st.App(os.path.join(ROOT, "app.py"))._build_starlette_app()
    nested = {r.path.strip("/").split("/")[0] for r in app.routes
              if getattr(r, "path", "") and r.path.strip("/").count("/") >= 1}
    static = {e.name for e in os.scandir(file_util.get_static_dir()) if e.is_dir()}
    assert nested, "no nested routes found: Streamlit's route table changed shape"
    assert nested | static | {"app"} <= STREAMLIT_ROOTS, sorted(nested | static - STREAMLIT_ROOTS)


def _call(middleware, path, query=b"", kind="http", method="GET"):
    sent, reached = [], []

    async def inner(scope, receive, send):
        reached.append(scope["path"])

    async def send(message):
        sent.append(message)

    scope = {"type": kind, "method": method, "path": path, "query_string": query}
    asyncio.run(middleware(inner)(scope, None, send))
    return sent, reached


def test_the_middleware_answers_a_nested_get_with_a_302_and_passes_everything_else():
    sent, reached = _call(NestedPathRedirect, "/a/b", b"x=1")
    assert not reached and sent[0]["status"] == 302
    assert dict(sent[0]["headers"])[b"location"] == f"/?x=1&{NO_PAGE_PARAM}=/a/b".encode()
    for path, kind, method in [("/stepp", "http", "GET"), ("/_stcore/stream", "websocket", "GET"),
                               ("/a/b", "http", "POST"), ("/static/js/i.js", "http", "GET")]:
        sent, reached = _call(NestedPathRedirect, path, kind=kind, method=method)
        assert reached == [path] and not sent, (path, kind, method)


def test_the_notice_escapes_the_visitors_text_and_shortens_a_long_address():
    assert no_page_notice("/no-such-page").startswith("No page at “/no\\-such\\-page”")
    assert "\\[x\\]\\(http\\:" in no_page_notice("/a/[x](http://e)")
    long = no_page_notice("/" + "a" * 300)
    assert "a" * 79 not in long and "…" in long
