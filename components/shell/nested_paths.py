"""ASGI middleware of ``app.py``'s st.App: a nested unknown address opens the step-through page, not a blank one.

Streamlit's ``index.html`` loads its scripts by a relative address, so at ``/a/b`` the browser asks for
``/a/static/js/…``, gets ``index.html`` back and shows nothing. This middleware answers such a request
with a 302 to ``/?…&nopage=/a/b`` (``navigation.nested_redirect``) before Streamlit sees it; every other
request, the websocket included, passes through untouched.
"""
import streamlit as st

from components.shell.navigation import nested_redirect


class NestedPathRedirect:
    """Pure ASGI middleware (``starlette.middleware.Middleware(NestedPathRedirect)`` in ``st.App``)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            target = nested_redirect(scope["path"], scope.get("query_string", b"").decode("latin-1"),
                                     st.get_option("server.baseUrlPath") or "")
            if target is not None:
                await send({"type": "http.response.start", "status": 302,
                            "headers": [(b"location", target.encode("latin-1")), (b"content-length", b"0"),
                                        (b"cache-control", b"no-cache")]})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
