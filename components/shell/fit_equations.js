// Backprop Lens: equations scale down to fit their panel (components/shell/fit_equations.py).
// KaTeX does not wrap a display equation: in a narrow panel (a 1280-px projector in presenter mode,
// the sidebar open) a long row ran out of the panel and was cut. Each display equation inside a watched
// panel is shrunk (font-size, so it stays sharp) just enough to fit, down to data.min of its size; one
// that still does not fit scrolls sideways inside its own box (keyboard-reachable), never cut.
// Plain JavaScript, no build step. Installed once per tab; the panels are redrawn by reruns, so a
// MutationObserver and a ResizeObserver refit after every change.
export default function ({ data }) {
  const state = window.__blFitEquations || (window.__blFitEquations = {});
  state.data = data;
  if (state.started) return;
  state.started = true;

  const fit = (el) => {
    el.style.fontSize = "";
    el.style.overflowX = "";
    el.removeAttribute("tabindex");
    // The room: the width of the equation's container (its own box shrinks to its content: Streamlit
    // lays its markdown out as a flex item). The need: the width of the drawing, KaTeX's .base boxes
    // (the scroll width also counts KaTeX's invisible 2-px spacers, and .katex-html is a block as wide
    // as its container). Both in drawn px: presenter mode zooms the main area (CSS zoom 1.25), where
    // clientWidth stays unzoomed while getBoundingClientRect is zoomed. currentCSSZoom is the zoom
    // exactly (a ratio of rect to offsetWidth carries offsetWidth's rounding to whole px).
    const box = (el.closest('[data-testid="stMarkdownContainer"]') || el).parentElement;
    const zoom = !box ? 1 : typeof box.currentCSSZoom === "number" ? box.currentCSSZoom
      : box.offsetWidth ? box.getBoundingClientRect().width / box.offsetWidth : 1;
    const avail = box ? box.clientWidth * zoom : 0;
    const need = () => {
      const bases = [...el.querySelectorAll(".katex-html > .base")].map((b) => b.getBoundingClientRect());
      if (!bases.length) return el.scrollWidth;
      return Math.max(...bases.map((r) => r.right)) - Math.min(...bases.map((r) => r.left));
    };
    if (!avail || need() <= avail) { el.removeAttribute("data-bl-fit"); return; }
    // not all of the width scales with the font (KaTeX's struts and kerns): shrink again while still over
    let scale = 1;
    for (let i = 0; i < 5 && need() > avail && scale > state.data.min; i++) {
      scale = Math.max(state.data.min, Math.floor(scale * (avail / need()) * 0.99 * 100) / 100);
      el.style.fontSize = `${scale}em`;
    }
    el.setAttribute("data-bl-fit", String(scale));
    if (need() > avail + 1) {       // still too wide at the smallest size: scroll, not cut
      el.style.overflowX = "auto";
      el.setAttribute("tabindex", "0");
    }
  };
  let queued = false;
  const refit = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      observer.disconnect();          // our own style changes must not retrigger us
      for (const key of state.data.targets) {
        document.querySelectorAll(`.st-key-${key} .katex-display`).forEach(fit);
      }
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    });
  };
  const observer = new MutationObserver(refit);
  const resized = new ResizeObserver(refit);
  resized.observe(document.body);
  // KaTeX's fonts arrive after the first draw and change every width: refit when they have loaded
  if (document.fonts) {
    document.fonts.addEventListener("loadingdone", refit);
    document.fonts.ready.then(refit);
  }
  refit();
}
