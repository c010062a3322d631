// Backprop Lens keeps each page's state in the address bar and rewrites it on every change. Streamlit
// writes a new query string with history.pushState, so every slider move would become a Back step.
// This makes a push that changes only the query (same path) a replaceState: Back then goes to the
// previous page. Page switches change the path and stay pushes. Installed once per tab, never removed.
export default function () {
  if (window.__backpropLensReplaceQuery) return;
  window.__backpropLensReplaceQuery = true;
  const push = window.history.pushState.bind(window.history);
  window.history.pushState = function (state, title, url) {
    try {
      const target = new URL(url, window.location.href);
      if (target.pathname === window.location.pathname) {
        return window.history.replaceState(state, title, url);
      }
    } catch (e) { /* not a URL we can read: leave it to the browser */ }
    return push(state, title, url);
  };
}
