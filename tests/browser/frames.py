"""Every frame any playground player shows, recorded in the page (a test and the felt-speed benchmark).

``FRAME_WATCH`` follows every ``.blp`` element, the players a rerun re-creates included, and appends
``[performance.now(), data-step]`` to ``window.__frames`` each time one shows a new frame. Watching
only the first playing player missed the re-created ones (stop 15: they showed frames after a pause).
"""

FRAME_WATCH = """() => {
  window.__frames = [];
  const seen = new WeakSet();
  const watch = () => {
    document.querySelectorAll('.blp').forEach(el => {
      if (seen.has(el)) return;
      seen.add(el);
      new MutationObserver(() => window.__frames.push([performance.now(), el.dataset.step]))
        .observe(el, {attributes: true, attributeFilter: ['data-step']});
    });
    requestAnimationFrame(watch);
  };
  watch();
}"""
