// Backprop Lens: reports the size in px of a chart on the page (components/drawing/chart_size.py).
// Plain JavaScript, no build step. Watches the chart's container with a ResizeObserver and calls
// setStateValue("size", {w, h}) only when the size differs from the one the server last placed the
// chart's numbers for (data.known) by at least data.bucket px: a window that keeps its size costs no
// rerun, and a resize costs one, after it settles (250 ms).
export default function ({ data, parentElement, setStateValue }) {
  const state = parentElement.__blChartSize || (parentElement.__blChartSize = {});
  state.data = data;
  state.setStateValue = setStateValue;
  if (state.started) return state.cleanup;
  state.started = true;

  const measure = () => {
    const d = state.data;
    const box = document.querySelector(`.st-key-${d.target}`);
    if (!box) return;
    const chart = box.querySelector('[data-testid="stPlotlyChart"]') || box;
    const svg = chart.querySelector(".main-svg");
    // plotly's own px (its text is laid out in them), else the box as laid out
    let w = svg ? Number(svg.getAttribute("width")) : 0;
    let h = svg ? Number(svg.getAttribute("height")) : 0;
    if (!w || !h) {
      const r = chart.getBoundingClientRect();
      w = Math.round(r.width);
      h = Math.round(r.height);
    }
    if (!w || !h) return;
    const [kw, kh] = d.known || [0, 0];
    if (Math.abs(w - kw) >= d.bucket || Math.abs(h - kh) >= d.bucket) {
      // Report only when no run is drawing: a report is a rerun carrying every widget's value as the
      // browser has it, and sent while a run (e.g. a preset that sets the sliders) was still drawing, it
      // carried the sliders' old values and undid the preset's.
      const app = document.querySelector('[data-testid="stApp"]');
      const running = app && app.dataset.testScriptState === "running";
      const now = performance.now();
      if (running) { state.idleSince = null; later(); return; }
      if (state.idleSince == null) state.idleSince = now;
      if (now - state.idleSince < IDLE_MS) { later(); return; }
      state.idleSince = null;
      d.known = [w, h];
      state.setStateValue("size", { w: Math.round(w), h: Math.round(h) });
    }
  };
  const IDLE_MS = 0;     // report as soon as no run is drawing (a delay put the report amid the next clicks)
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(measure, 250); };
  const observer = new ResizeObserver(later);
  let watched = null;
  // the chart's container is drawn after this component (and redrawn by reruns): watch whichever is there
  const attach = () => {
    const box = document.querySelector(`.st-key-${state.data.target}`);
    if (box && box !== watched) {
      if (watched) observer.unobserve(watched);
      observer.observe(box);
      watched = box;
      later();
    }
  };
  const poll = setInterval(attach, 500);
  attach();
  state.cleanup = () => {
    clearInterval(poll);
    clearTimeout(timer);
    observer.disconnect();
    state.started = false;
  };
  return state.cleanup;
}
