// Backprop Lens playground player: plays frames the server trained ahead (components/playground/player.py).
// Plain JavaScript and <canvas>; no build step, nothing fetched. Streamlit calls the default export on
// every new `data` with the same parentElement: the player lives on that element and is updated in place.
//
// To the server: trigger "need_more" {have: seq} when fewer than LOW_SECONDS of frames are left;
// state "paused_at" {step, reason, n} when play stops on a shown frame (Pause, P, or a stop frame);
// trigger "command" "play" for the P key while paused.
//
// While playing, a click on the page's Step, Epoch, Save or Copy-link button is taken here (before
// Streamlit sees it): the player pauses on the frame shown, as Pause does. Step and Epoch travel with the
// pause ({then: "step"}: the server pauses there, then steps); Save and Copy link are clicked again once
// the server has agreed on the paused step (the page is drawn paused), so the file and the link hold
// exactly the frame the student saw.

let LOW_SECONDS = 1.0;      // from the server (player.LOW_SECONDS)
const MAX_FPS = 30;
const CURVE_MAX = 2000;

const css = (el, text) => { el.textContent = text; };
// the page's buttons (Streamlit keys) a click on which pauses first while playing, and what follows
const PAUSE_FIRST = [["pg_step", "step"], ["pg_epoch", "epoch"], ["share_save", "save"], ["share_link", "link"]];
const CLICK_AFTER = { save: "share_save", link: "share_link" };
let clickAfterPause = null;   // {key, at}: module-wide, the paused page may mount a new player
// {playId, at}: the play this tab paused, until the server draws the page paused. The pause's rerun
// re-creates the playing fragment's player for a moment (a new element in play mode with the last
// chunk): that player must not start the paused play again (it did, 1 pause in 2, a second of frames
// from before or after the frozen one).
let pausedPlay = null;
const PAUSED_PLAY_MS = 30000;  // forgotten after this long without the server's answer (e.g. a restart)

function hexRgb(h) {
  if (h.startsWith("rgb")) return h.match(/[\d.]+/g).slice(0, 3).map(Number);
  const n = parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// 256-entry RGB table of a plotly-style colour scale [[t, colour], …]
function scaleTable(scale, opacity = 1) {
  const stops = scale.map(([t, c]) => [t, hexRgb(c)]);
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < stops.length - 2 && t > stops[k + 1][0]) k++;
    const [t0, c0] = stops[k], [t1, c1] = stops[k + 1];
    const u = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
    for (let ch = 0; ch < 3; ch++) {
      const v = c0[ch] + u * (c1[ch] - c0[ch]);
      out[i * 3 + ch] = Math.round(v * opacity + 255 * (1 - opacity));
    }
  }
  return out;
}
const tableColor = (tab, level) => `rgb(${tab[level * 3]},${tab[level * 3 + 1]},${tab[level * 3 + 2]})`;

function b64bytes(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// base64 of deflated bytes → bytes (engine/playback.pack)
async function inflate(text) {
  const stream = new Blob([b64bytes(text)]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// a chunk as sent → frames with their bytes (the inverse of engine/playback.pack)
async function decodeChunk(c) {
  const [heat, maps, weights, grads] = await Promise.all([inflate(c.heat), inflate(c.maps), inflate(c.weights),
    c.grads ? inflate(c.grads) : Promise.resolve(new Uint8Array(0))]);
  const n = c.frames.length, size = n ? heat.length / n : 0;
  for (let i = 1; i < n; i++) {        // each frame was sent as its difference from the previous one
    const o = i * size, p = o - size;
    for (let k = 0; k < size; k++) heat[o + k] = heat[o + k] + heat[p + k];
  }
  const nd = c.frames.filter((f) => f.detail).length;
  const m = nd ? maps.length / nd : 0, w = nd ? weights.length / nd : 0;
  let d = 0;
  return c.frames.map((f, i) => {
    const out = Object.assign({}, f, { heat: heat.subarray(i * size, (i + 1) * size) });
    if (f.detail) {
      out.maps = maps.subarray(d * m, (d + 1) * m);
      out.weights = weights.subarray(d * w, (d + 1) * w);
      if (grads.length) out.grads = grads.subarray(d * w, (d + 1) * w);   // one level per weight
      d += 1;
    }
    return out;
  });
}

// one formatter, as components/drawing/style.fmt: 4 significant digits, a real minus sign
function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "—";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  let text;
  if (a >= 1e-4 && a < 1e5) {
    text = Number(v.toPrecision(digits)).toString();
  } else {
    text = v.toExponential(Math.max(digits - 2, 1)).replace(/e([+-])(\d)$/, "e$10$2");
  }
  return text.replace(/-/g, "−");
}
const pct = (v) => (v === null || v === undefined ? "—" : `${(100 * v).toFixed(1)} %`);
const int = (v) => Math.round(v).toLocaleString("en-US");
const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const pow10 = (e) => "10" + String(e).split("").map((c) => SUP[c]).join("");

function niceTicks(lo, hi, n = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || mag * 10;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

// a canvas that keeps its CSS size and draws at the device's pixel ratio
function makeCanvas(parent, cls, label) {
  const c = document.createElement("canvas");
  c.className = cls;
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", label);
  parent.appendChild(c);
  return c;
}
function fit(canvas, w, h, zoom = 1) {
  const r = (window.devicePixelRatio || 1) * zoom;   // presenter mode's CSS zoom: as sharp as the rest
  if (canvas.width !== Math.round(w * r) || canvas.height !== Math.round(h * r)) {
    canvas.width = Math.round(w * r);
    canvas.height = Math.round(h * r);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
  }
  const g = canvas.getContext("2d");
  g.setTransform(r, 0, 0, r, 0, 0);
  g.clearRect(0, 0, w, h);
  return g;
}

function marker(g, symbol, x, y, s) {
  g.beginPath();
  if (symbol === "circle") g.arc(x, y, s, 0, 2 * Math.PI);
  else if (symbol === "square") g.rect(x - s * 0.85, y - s * 0.85, s * 1.7, s * 1.7);
  else if (symbol === "diamond") { g.moveTo(x, y - s * 1.25); g.lineTo(x + s * 1.05, y); g.lineTo(x, y + s * 1.25); g.lineTo(x - s * 1.05, y); }
  else if (symbol === "triangle-up") { g.moveTo(x, y - s * 1.2); g.lineTo(x + s * 1.1, y + s * 0.8); g.lineTo(x - s * 1.1, y + s * 0.8); }
  else {
    const n = symbol === "star" ? 10 : 5;
    for (let i = 0; i < n; i++) {
      const ang = -Math.PI / 2 + (i * 2 * Math.PI) / n, rr = symbol === "star" && i % 2 ? s * 0.5 : s * 1.15;
      g[i ? "lineTo" : "moveTo"](x + rr * Math.cos(ang), y + rr * Math.sin(ang));
    }
  }
  g.closePath();
}

const FONT = "DejaVu Sans, Arial, sans-serif";
const MIN_FONT = 14;          // px: the smallest text the player draws (× presenter mode's zoom)
const CB_BAR = 14, CB_GAP = 5;
let measurer = null;
function textWidth(text, px) {
  if (!measurer) measurer = document.createElement("canvas").getContext("2d");
  measurer.font = `${px}px ${FONT}`;
  return measurer.measureText(text).width;
}
// width of a colour bar with its tick labels and its rotated title (drawn by colorbar at x … x + this)
function colorbarWidth(ticks) {
  return CB_BAR + CB_GAP + Math.max(0, ...ticks.map(([, text]) => textWidth(text, MIN_FONT))) + CB_GAP + MIN_FONT + 6;
}

// a title at (x, y) in up to px pixels, smaller (down to MIN_FONT) where the canvas is narrow
function title(g, text, x, y, w, px) {
  const size = Math.max(MIN_FONT, Math.min(px, Math.floor(px * (w - x - 4) / textWidth(text, px))));
  g.font = `${size}px ${FONT}`; g.textAlign = "left"; g.textBaseline = "top"; g.fillStyle = "#111";
  g.fillText(text, x, y);
}

function colorbar(g, x, y, h, tab, ticks, title) {
  for (let i = 0; i < h; i++) {
    g.fillStyle = tableColor(tab, Math.round(255 * (1 - i / (h - 1))));
    g.fillRect(x, y + i, CB_BAR, 1.5);
  }
  g.strokeStyle = "#444"; g.lineWidth = 1; g.strokeRect(x, y, CB_BAR, h);
  g.fillStyle = "#111"; g.font = `${MIN_FONT}px ${FONT}`; g.textAlign = "left"; g.textBaseline = "middle";
  for (const [t, text] of ticks) g.fillText(text, x + CB_BAR + CB_GAP, y + h * (1 - t));
  const titleX = x + colorbarWidth(ticks) - 6 - MIN_FONT / 2;     // the title's line, beside the widest tick
  g.save(); g.translate(titleX, y + h / 2); g.rotate(Math.PI / 2); g.textAlign = "center";
  g.fillText(title, 0, 0); g.restore();
}

class Player {
  constructor(root) {
    this.root = root;
    this.api = null;
    this.layout = null;
    this.frames = [];        // queued frames, frames[this.at] is on screen
    this.at = -1;
    this.seq = 0;            // last chunk received
    this.asked = 0;          // last chunk asked for
    this.stopAtEnd = null;   // the stop reason of the last chunk received
    this.mode = "paused";
    this.state = "paused";   // playing | waiting | paused-pending | paused
    this.fps = MAX_FPS;
    this.curve = [];
    this.lastShown = 0;
    this.pauses = 0;
    this.shownLog = [];      // [time, step] of the last second, for "steps / s shown"
    this.detail = null;
    this.build();
    this.onKey = (e) => this.key(e);
    document.addEventListener("keydown", this.onKey);
    this.onClick = (e) => this.intercept(e);
    window.addEventListener("click", this.onClick, true);   // capture, on window: before React's handlers
    this.tick = (now) => this.loop(now);
    this.raf = null;           // the animation loop runs only while playing (an idle tab costs nothing)
    this.ro = new ResizeObserver(() => { this.sized = false; this.drawAll(); });
    this.ro.observe(this.root);
    this.onResize = () => { this.sized = false; this.drawAll(); };   // a window only taller or shorter
    window.addEventListener("resize", this.onResize);
  }

  build() {
    const r = this.root;
    r.innerHTML = "";
    r.classList.add("blp");
    r.setAttribute("role", "region");     // a landmark; its aria-label is the summary of the frame shown
    const bar = document.createElement("div");
    bar.className = "blp-bar";
    this.button = document.createElement("button");
    this.button.className = "blp-play";
    this.button.type = "button";
    this.button.addEventListener("click", () => this.toggle());
    bar.appendChild(this.button);
    this.status = document.createElement("span");
    this.status.className = "blp-status";
    r.appendChild(bar);
    this.metrics = document.createElement("div");
    this.metrics.className = "blp-metrics";
    this.metricEls = {};
    for (const [k, label] of [["epoch", "Epoch"], ["step", "Step"], ["train_loss", "Train loss"], ["test_loss", "Test loss"],
      ["train_acc", "Train accuracy"], ["test_acc", "Test accuracy"], ["speed", "Steps / s shown"]]) {
      const box = document.createElement("div");
      box.className = `blp-metric blp-m-${k}`;
      box.innerHTML = `<div class="blp-mlabel">${label}</div><div class="blp-mvalue" data-metric="${k}">—</div>`;
      this.metrics.appendChild(box);
      this.metricEls[k] = box.querySelector(".blp-mvalue");
    }
    bar.appendChild(this.metrics);
    bar.appendChild(this.status);
    this.live = document.createElement("div");
    this.live.className = "blp-sr";
    this.live.setAttribute("aria-live", "polite");
    r.appendChild(this.live);
    const views = document.createElement("div");
    views.className = "blp-views";       // a grid: its columns are set by geometry()
    this.views = views;
    this.boundary = makeCanvas(views, "blp-boundary", "decision boundary");
    this.curves = makeCanvas(views, "blp-curves", "loss and accuracy curves");
    this.graph = makeCanvas(views, "blp-graph", "network graph");
    this.thumbs = makeCanvas(views, "blp-thumbs", "every neuron's output");
    r.appendChild(views);
    this.setButton();
  }

  // ------------------------------------------------------------ data from the server
  update(data, api) {
    this.api = api;
    if (data.layout && data.layout_id !== this.layoutId) {
      this.layout = data.layout;
      this.layoutId = data.layout_id;
      const L = this.layout;
      this.heatTab = scaleTable(L.heat_scale, L.heat_opacity || 1);
      this.divTab = scaleTable(L.diverging);
      this.seqTab = scaleTable(L.sequential || L.diverging);
      if (data.play_id !== this.playId) this.curve = (L.curve || []).slice();
      this.root.dataset.layout = this.layoutId;
      this.sized = false;
    }
    if (data.low_seconds) LOW_SECONDS = data.low_seconds;
    const wasMode = this.mode;
    this.mode = data.mode;
    this.root.dataset.mode = this.mode;
    if (this.mode === "paused") {
      this.frames = []; this.at = -1; this.seq = 0; this.asked = 0; this.stopAtEnd = null; this.decoding = 0;
      this.state = "paused";
      this.replaced = false;
      pausedPlay = null;   // the server agreed: the page is drawn paused
      this.pauseNonce = data.nonce;
      this.root.style.display = "none";
      this.then = null;
      const after = clickAfterPause;
      clickAfterPause = null;
      if (after && performance.now() - after.at < 60000) {
        // the server is at the paused step now: Save / Copy link as the student clicked it
        document.body.dataset.blpClickedAfter = after.key;
        setTimeout(() => { const b = document.querySelector(`.st-key-${after.key} button`); if (b) b.click(); }, 30);
      }
    } else {
      this.root.style.display = "";
      if (wasMode !== "play" || data.play_id !== this.playId) {
        this.playId = data.play_id; this.frames = []; this.at = -1; this.seq = 0; this.asked = 0; this.decoding = 0;
        this.stopAtEnd = null; this.shownLog = [];
        if (this.layout) this.curve = (this.layout.curve || []).slice();
        // a player re-created for a play this tab has paused: the page is about to be drawn paused
        const wasReplaced = this.replaced;
        this.replaced = !!(pausedPlay && pausedPlay.playId === data.play_id
                           && performance.now() - pausedPlay.at < PAUSED_PLAY_MS);
        if (this.replaced) this.state = "paused-pending";
        else if (this.state !== "paused-pending" || wasReplaced) this.state = "waiting";
      }
      const c = data.chunk;
      if (c && !this.replaced && c.seq > this.seq && c.seq > (this.decoding || 0)) {
        this.decoding = c.seq;
        const playId = this.playId;
        decodeChunk(c).then((frames) => { if (playId === this.playId && this.mode === "play") this.accept(c, frames); });
      }
    }
    this.root.dataset.state = this.state;
    this.setButton();
    this.run();
  }

  accept(c, frames) {
    if (c.seq <= this.seq || this.dead || this.replaced) return;   // decoded after the player was removed
    if (c.seq === this.asked && this.askedAt) this.rtt = (performance.now() - this.askedAt) / 1000;
    this.seq = c.seq;
    this.fps = Math.min(MAX_FPS, c.fps || MAX_FPS);
    this.note = c.note || "";
    if (this.at > 0) { this.frames = this.frames.slice(this.at); this.at = 0; }
    if (this.starving) { this.starving = false; this.lastShown = performance.now() - 1000 / this.fps; }
    for (const f of frames) this.frames.push(f);
    this.stopAtEnd = c.stop ? { reason: c.stop, step: frames[frames.length - 1].step } : null;
    if (this.state === "waiting") this.state = "playing";
    if (this.at < 0 && this.frames.length) { this.at = 0; this.show(0, performance.now()); }
    if (this.wantPause && this.at >= 0) { this.wantPause = false; this.pause("user", this.then); }
    this.root.dataset.state = this.state;
    this.setButton();
    this.run();
  }

  // ------------------------------------------------------------ playing
  run() {
    if (this.raf === null && this.state === "playing") this.raf = requestAnimationFrame(this.tick);
  }

  loop(now) {
    this.raf = null;
    if (this.state !== "playing" || this.dead) return;
    this.raf = requestAnimationFrame(this.tick);
    if (this.at < 0) return;
    const period = 1000 / this.fps;
    if (now - this.lastShown < period - 4) return;
    if (this.at + 1 < this.frames.length) {
      // as a video does: a display slower than the frames skips some, so training keeps its pace
      const due = Math.max(1, Math.floor((now - this.lastShown + 4) / period));
      this.show(Math.min(this.at + due, this.frames.length - 1), now);
    } else if (!this.stopAtEnd) {
      this.starving = true;              // the next chunk is late: when it comes, play it from its start
      this.root.dataset.starved = (Number(this.root.dataset.starved || 0) + 1).toString();
    } else if (this.stopAtEnd && this.frames[this.at].step === this.stopAtEnd.step) {
      this.pause(this.stopAtEnd.reason);
      return;
    }
    const left = (this.frames.length - 1 - this.at) / this.fps;
    // ask early enough for the server's answer to come before the frames run out (1.3 × the last round trip)
    const low = Math.min(Math.max(LOW_SECONDS, 1.3 * (this.rtt || 0)), 0.9 * this.frames.length / this.fps);
    if (left < low && !this.stopAtEnd && this.asked < this.seq + 1 && this.api) {
      this.asked = this.seq + 1;
      this.askedAt = now;
      const showing = this.at >= 0 ? this.frames[this.at].step : undefined;   // the address bar holds this frame
      this.api.setTriggerValue("need_more", { have: this.seq, rtt: this.rtt || 0, showing });   // slow answers: longer chunks
    }
  }

  show(i, now) {
    const from = Math.max(0, this.at + 1);
    this.lastShown = this.at >= 0 && now - this.lastShown < 2000 / this.fps
      ? this.lastShown + (i - this.at) * 1000 / this.fps : now;   // keep the beat; restart it after a stall
    this.at = i;
    const f = this.frames[i];
    for (let k = from; k <= i; k++) {      // every frame's numbers reach the curves, shown or skipped
      const g = this.frames[k];
      if (g.maps) this.detail = g;
      this.curve.push([g.epoch, g.train_loss, g.test_loss, g.train_acc, g.test_acc]);
    }
    this.shownLog.push([now, f.step]);
    while (this.shownLog.length > 2 && now - this.shownLog[0][0] > 1000) this.shownLog.shift();
    if (this.curve.length > CURVE_MAX) this.curve = this.curve.filter((_, k) => k % 2 === 0 || k === this.curve.length - 1);
    this.root.dataset.step = f.step;
    const shown = Number(this.root.dataset.shown || 0) + 1;
    this.root.dataset.shown = shown.toString();
    // something above the player grew or shrank (a notice, a wrapped row): fit the views again
    if (shown % 30 === 0 && this.geo && Math.abs(this.viewsTop() - this.geo.y) > 4) this.sized = false;
    this.drawFrame(f, this.detail !== this.drawnDetail);
    this.drawnDetail = this.detail;
  }

  toggle() {
    if (this.state === "playing" || this.state === "waiting") this.pause("user");
    else if (this.api) {
      this.state = "waiting";
      this.replaced = false;      // the student plays again: this player takes the new play's frames
      this.root.dataset.state = this.state;
      this.status.textContent = "starting…";
      this.api.setTriggerValue("command", "play");
    }
  }

  // a click on Step, Epoch, Save or Copy link while playing: pause on the frame shown first
  intercept(e) {
    if (this.mode !== "play" || !e.target || !e.target.closest) return;
    const hit = PAUSE_FIRST.find(([key]) => e.target.closest(`.st-key-${key} button, .st-key-${key} a`));
    if (!hit) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    this.then = hit[1];
    if (CLICK_AFTER[hit[1]]) clickAfterPause = { key: CLICK_AFTER[hit[1]], at: performance.now() };
    if (this.state === "paused-pending") {    // already paused, the server not yet agreed: say what follows
      if (!CLICK_AFTER[hit[1]] && this.api) {
        this.pauses += 1;
        this.api.setStateValue("paused_at", { step: Number(this.root.dataset.pausedStep), reason: "user", then: hit[1],
          n: Date.now() * 1000 + this.pauses });
      }
      return;
    }
    this.pause("user", hit[1]);
  }

  pause(reason, then) {
    if (this.at < 0) {                 // nothing shown yet: pause on the first frame that arrives
      this.wantPause = true;
      return;
    }
    const f = this.frames[this.at];
    this.state = "paused-pending";
    this.root.dataset.state = this.state;
    this.root.dataset.pausedStep = f.step;
    this.root.dataset.pausedAt = performance.now().toFixed(1);
    window.__blpLastPause = { step: f.step, at: performance.now(), reason };   // for tests and benchmarks
    pausedPlay = { playId: this.playId, at: performance.now() };
    this.setButton();
    this.drawFrame(f, true);
    this.pauses += 1;
    const words = { user: "Paused", diverged: "Stopped: the numbers overflowed", epoch_limit: "Paused at the epoch limit",
      time_limit: "Paused after the play time limit" }[reason] || "Paused";
    const next = { step: ", then one step", epoch: ", then to the end of the epoch", save: ", to save",
      link: ", for the link" }[then] || "";
    this.live.textContent = `${words} at step ${int(f.step)}, epoch ${f.epoch.toFixed(1)}${next}.`;
    const report = { step: f.step, reason, n: Date.now() * 1000 + this.pauses };
    if (then === "step" || then === "epoch") report.then = then;
    if (this.api) this.api.setStateValue("paused_at", report);
  }

  key(e) {
    if (e.key !== "p" && e.key !== "P") return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const tag = t && t.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) return;
    e.preventDefault();
    if (this.mode === "play" && (this.state === "playing" || this.state === "waiting")) this.pause("user");
    else if (this.api) {
      this.state = "waiting";
      this.replaced = false;
      this.root.dataset.state = this.state;
      this.api.setTriggerValue("command", "play");
    }
  }

  setButton() {
    const playing = this.state === "playing" || this.state === "waiting";
    this.button.textContent = playing ? "Pause (P)" : "Play (P)";   // words: an icon glyph may be missing from the font
    this.button.setAttribute("aria-pressed", playing ? "true" : "false");
    if (this.state === "paused-pending") this.status.textContent = `paused at step ${this.root.dataset.pausedStep}`;
    else if (this.state === "waiting") this.status.textContent = "starting…";
    else if (this.state === "playing") this.status.textContent = this.note || "";
  }

  destroy() {
    this.dead = true;
    if (this.raf !== null) cancelAnimationFrame(this.raf);
    document.removeEventListener("keydown", this.onKey);
    window.removeEventListener("resize", this.onResize);
    window.removeEventListener("click", this.onClick, true);
    this.ro.disconnect();
  }

  // ------------------------------------------------------------ drawing
  drawAll() {
    if (this.at >= 0 && this.frames[this.at]) this.drawFrame(this.frames[this.at], true);
  }

  drawFrame(f, detail) {
    if (!this.layout) return;
    const t0 = performance.now();
    this.paint(f, detail);
    const ms = performance.now() - t0;
    this.drawMs = this.drawMs === undefined ? ms : 0.9 * this.drawMs + 0.1 * ms;
    this.root.dataset.drawMs = this.drawMs.toFixed(1);
  }

  paint(f, detail) {
    if (!this.sized || !this.geo) this.geo = this.geometry();
    this.metric(f);
    this.drawBoundary(f);
    this.drawCurves(f);
    if ((detail || !this.sized) && this.detail) {
      this.drawGraph(this.detail);
      this.drawThumbs(this.detail);
    }
    this.sized = true;
  }

  metric(f) {
    const m = this.metricEls, L = this.layout;
    css(m.epoch, f.epoch.toFixed(2));
    css(m.step, int(f.step));
    css(m.train_loss, fmt(f.train_loss));
    css(m.test_loss, fmt(f.test_loss));
    css(m.train_acc, L.task === "regression" ? "—" : pct(f.train_acc));
    css(m.test_acc, L.task === "regression" ? "—" : pct(f.test_acc));
    const log = this.shownLog;
    const dt = log.length > 1 ? (log[log.length - 1][0] - log[0][0]) / 1000 : 0;
    const speed = dt > 0.25 ? (log[log.length - 1][1] - log[0][1]) / dt : null;
    css(m.speed, this.state === "playing" && speed !== null ? int(speed) : this.state === "playing" ? "…" : "paused");
    const acc = L.task === "regression" ? "" : `, train accuracy ${pct(f.train_acc)}, test accuracy ${pct(f.test_acc)}`;
    this.root.setAttribute("aria-label", `Training ${this.state === "playing" ? "playing" : "paused"}: epoch ${f.epoch.toFixed(1)}, ` +
      `step ${int(f.step)}, train loss ${fmt(f.train_loss)}, test loss ${fmt(f.test_loss)}${acc}`);
    this.boundary.setAttribute("aria-label", `${L.title} at step ${int(f.step)}` + (f.finite ? "" : ": output overflowed (NaN/inf)"));
  }

  width() { return Math.max(280, this.root.clientWidth || 800); }

  // CSS zoom on an ancestor (presenter mode): screen pixels per CSS pixel of the player
  zoom() {
    const w = this.root.offsetWidth;
    return w ? Math.max(0.5, Math.min(3, this.root.getBoundingClientRect().width / w)) : 1;
  }

  // Where each canvas goes and how large, from the player's width and the window's height below the
  // counters (as if scrolled to the top). Wide (≥ 760 px): the boundary on the left, the curves over the
  // network on the right, all in the first screen as on the paused page; neuron maps below. Narrow: one
  // view per row.
  viewsTop() {
    let y = this.views.getBoundingClientRect().top;
    for (let e = this.views.parentElement; e; e = e.parentElement) y += e.scrollTop || 0;
    return y;
  }

  geometry() {
    const L = this.layout, W = this.width(), zoom = this.zoom();
    const y = this.viewsTop();
    const avail = Math.max(320, (window.innerHeight - y) / zoom - 12);
    const wide = W >= 760, gap = 16;
    const left = 56, top = 36, below = 48;
    const bw = wide ? Math.floor((W - gap) * 0.5) : W, rw = wide ? W - gap - bw : W;
    const cb = colorbarWidth(L.heat_ticks);
    // legend rows at this width (as boundaryOverlay lays them out)
    let rows = 1, lx = left;
    for (const item of L.legend) {
      const wdt = textWidth(item.text, MIN_FONT) + 30;
      if (lx + wdt > bw && lx > left) { rows += 1; lx = left; }
      lx += wdt + 8;
    }
    const legendH = L.legend.length ? rows * 24 + 4 : 0;
    const plot = Math.floor(Math.max(160, Math.min(bw - left - 12 - cb - 6, wide ? avail - top - below - legendH : 560, 640)));
    const bh = top + plot + below + legendH;
    const tallest = Math.max(...L.sizes);
    let ch, gh;
    if (wide) {       // the curves over the network, together as tall as the boundary (or the screen)
      const R = Math.max(bh, Math.min(avail, 900));
      ch = Math.max(180, Math.floor((R - gap) * 0.42));
      gh = Math.max(190, R - gap - ch);
    } else {
      ch = 360;
      gh = Math.max(320, Math.min(900, 55 * tallest + 150));
    }
    const v = this.views.style;
    v.display = "grid"; v.gap = `${gap}px`; v.alignItems = "start";
    v.gridTemplateColumns = wide ? `${bw}px ${rw}px` : `${W}px`;
    this.boundary.style.gridRow = wide ? "span 2" : "";
    this.thumbs.style.gridColumn = "1 / -1";
    this.root.dataset.layoutMode = wide ? "wide" : "narrow";
    this.root.dataset.minFont = String(MIN_FONT);
    return { y, zoom, wide, bw, bh, plot, left, top, legendH, cb, cw: rw, ch, gw: rw, gh, tw: W };
  }

  drawBoundary(f) {
    const L = this.layout, G0 = this.geo;
    const size = G0.bw, plot = G0.plot, left = G0.left, top = G0.top, H = G0.bh;
    const g = fit(this.boundary, size, H, G0.zoom);
    const G = L.G, bytes = f.heat;
    if (!this.img || this.img.width !== G) {
      this.off = document.createElement("canvas");
      this.off.width = G; this.off.height = G;
      this.img = this.off.getContext("2d").createImageData(G, G);
    }
    const px = this.img.data, tab = this.heatTab;
    for (let row = 0; row < G; row++) {
      for (let col = 0; col < G; col++) {
        const v = bytes[row * G + col], o = ((G - 1 - row) * G + col) * 4;
        px[o] = tab[v * 3]; px[o + 1] = tab[v * 3 + 1]; px[o + 2] = tab[v * 3 + 2]; px[o + 3] = 255;
      }
    }
    this.off.getContext("2d").putImageData(this.img, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(this.off, left, top, plot, plot);
    if (L.task === "binary" && !L.discretize) this.contour(g, bytes, G, left, top, plot);
    // points, axes, colour bar and legend do not change while playing: drawn once per size
    const key = `${this.layoutId}:${size}:${H}:${plot}:${(window.devicePixelRatio || 1) * G0.zoom}`;
    if (this.overlayKey !== key) {
      this.overlayKey = key;
      this.overlay = this.boundaryOverlay(size, H, plot, left, top);
    }
    g.drawImage(this.overlay, 0, 0, size, H);
    const heading = `${L.title} · step ${int(f.step)}`;
    const tx = textWidth(heading, 20) + left + 4 <= size ? left : 8;    // a phone: from the canvas's left edge
    title(g, heading, tx, 6, size, 20);
    if (!f.finite) {
      g.font = "22px DejaVu Sans, Arial, sans-serif"; g.fillStyle = "#fff"; g.fillRect(left + 10, top + plot / 2 - 18, plot - 20, 36);
      g.fillStyle = "#b00020"; g.textAlign = "center"; g.textBaseline = "middle";
      g.fillText("output overflowed (NaN/inf)", left + plot / 2, top + plot / 2);
    }
  }

  boundaryOverlay(size, H, plot, left, top) {
    const L = this.layout, r = (window.devicePixelRatio || 1) * this.geo.zoom;
    const c = document.createElement("canvas");
    c.width = Math.round(size * r); c.height = Math.round(H * r);
    const g = c.getContext("2d");
    g.setTransform(r, 0, 0, r, 0, 0);
    const [x0, x1, y0, y1] = L.extent;
    const sx = (x) => left + ((x - x0) / (x1 - x0)) * plot, sy = (y) => top + plot - ((y - y0) / (y1 - y0)) * plot;
    for (const part of L.show_test ? ["train", "test"] : ["train"]) {
      const P = L.points[part];
      if (!P) continue;
      const test = part === "test";
      for (let i = 0; i < P.x.length; i++) {
        const v = P.c[i];
        if (L.task === "regression") {
          marker(g, test ? "diamond" : "circle", sx(P.x[i]), sy(P.y[i]), 4.2);
          g.fillStyle = tableColor(this.divTab, Math.round(255 * Math.min(1, Math.max(0, 0.5 + 0.5 * v / L.y_range))));
          g.fill(); g.lineWidth = test ? 1.5 : 1; g.strokeStyle = "#111"; g.stroke();
        } else {
          marker(g, L.class_symbols[v], sx(P.x[i]), sy(P.y[i]), 4.2);
          g.fillStyle = L.class_colors[v]; g.fill();
          g.lineWidth = test ? 1.6 : 1; g.strokeStyle = test ? "#111" : "#fff"; g.stroke();
        }
      }
    }
    g.strokeStyle = "#888"; g.lineWidth = 1; g.strokeRect(left, top, plot, plot);
    g.fillStyle = "#111"; g.font = "15px DejaVu Sans, Arial, sans-serif";
    g.textAlign = "center"; g.textBaseline = "top";
    for (const t of niceTicks(x0, x1)) g.fillText(fmt(t, 3), sx(t), top + plot + 4);
    g.textAlign = "right"; g.textBaseline = "middle";
    for (const t of niceTicks(y0, y1)) g.fillText(fmt(t, 3), left - 5, sy(t));
    g.font = "18px DejaVu Sans, Arial, sans-serif"; g.textAlign = "center"; g.textBaseline = "top";
    g.fillText("x₁", left + plot / 2, top + plot + 22);
    g.save(); g.translate(14, top + plot / 2); g.rotate(-Math.PI / 2); g.fillText("x₂", 0, -6); g.restore();
    colorbar(g, left + plot + 12, top + plot * 0.05, plot * 0.9, this.heatTab, L.heat_ticks, L.heat_title);
    // legend: marker symbol and colour per class, hollow = test
    let lx = left, ly = top + plot + 58;
    g.font = `${MIN_FONT}px ${FONT}`; g.textBaseline = "middle"; g.textAlign = "left";
    for (const item of L.legend) {
      const wdt = g.measureText(item.text).width + 30;
      if (lx + wdt > size && lx > left) { lx = left; ly += 24; }
      if (item.line) { g.strokeStyle = "#111"; g.lineWidth = 2.5; g.beginPath(); g.moveTo(lx, ly); g.lineTo(lx + 18, ly); g.stroke(); }
      else {
        marker(g, item.symbol, lx + 9, ly, 5);
        g.fillStyle = item.color; g.fill(); g.lineWidth = item.test ? 1.6 : 1; g.strokeStyle = item.test ? "#111" : "#fff"; g.stroke();
      }
      g.fillStyle = "#111"; g.fillText(item.text, lx + 24, ly);
      lx += wdt + 8;
    }
    return c;
  }

  // the ŷ = 0.5 line by marching squares over the 8-bit grid (level 127.5)
  contour(g, bytes, G, left, top, plot) {
    const c = plot / G, lvl = 127.5;
    const px = (col) => left + (col + 0.5) * c, py = (row) => top + plot - (row + 0.5) * c;
    g.strokeStyle = "#111"; g.lineWidth = 2.5; g.beginPath();
    for (let r = 0; r < G - 1; r++) {
      for (let q = 0; q < G - 1; q++) {
        const a = bytes[r * G + q], b = bytes[r * G + q + 1], d = bytes[(r + 1) * G + q], e = bytes[(r + 1) * G + q + 1];
        const pts = [];
        if ((a > lvl) !== (b > lvl)) pts.push([q + (lvl - a) / (b - a), r]);
        if ((b > lvl) !== (e > lvl)) pts.push([q + 1, r + (lvl - b) / (e - b)]);
        if ((d > lvl) !== (e > lvl)) pts.push([q + (lvl - d) / (e - d), r + 1]);
        if ((a > lvl) !== (d > lvl)) pts.push([q, r + (lvl - a) / (d - a)]);
        for (let k = 0; k + 1 < pts.length; k += 2) {
          g.moveTo(px(pts[k][0]), py(pts[k][1])); g.lineTo(px(pts[k + 1][0]), py(pts[k + 1][1]));
        }
      }
    }
    g.stroke();
  }

  drawCurves(f) {
    const L = this.layout, G0 = this.geo;
    const w = G0.cw, h = G0.ch, left = 70, right = L.task === "regression" ? 20 : 70, bottom = 54;
    const g = fit(this.curves, w, h, G0.zoom);
    const series = [[1, "train loss", "#111111", [], null], [2, "test loss", "#555555", [10, 6], null]];
    if (L.task !== "regression") series.push([3, "train accuracy", "#d94801", [], "acc"], [4, "test accuracy", "#d94801", [3, 4], "acc"]);
    // the legend above the plot, in as many rows as the width needs
    const keys = [];
    let kx = 8, ky = 14;
    for (const item of series) {
      const wdt = 30 + textWidth(item[1], MIN_FONT) + 18;
      if (kx + wdt > w && kx > 8) { kx = 8; ky += 22; }
      keys.push([kx, ky, item]);
      kx += wdt;
    }
    const top = ky + 30;
    const pw = w - left - right, ph = h - top - bottom;
    const pts = this.curve;
    if (!pts.length) return;
    const xmax = Math.max(1e-9, pts[pts.length - 1][0]), xmin = 0;
    let lo = Infinity, hi = -Infinity;
    for (const p of pts) for (const v of [p[1], p[2]]) if (v !== null && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!(lo < Infinity)) { lo = 0.01; hi = 1; }
    let elo = Math.floor(Math.log10(lo)), ehi = Math.ceil(Math.log10(hi));
    if (ehi === elo) ehi += 1;
    const sx = (x) => left + ((x - xmin) / (xmax - xmin)) * pw;
    const sy = (v) => top + ph - ((Math.log10(v) - elo) / (ehi - elo)) * ph;
    const sa = (a) => top + ph - ((a * 100 + 2) / 106) * ph;
    g.strokeStyle = "#e6e6e6"; g.lineWidth = 1; g.fillStyle = "#111"; g.font = "15px DejaVu Sans, Arial, sans-serif";
    g.textAlign = "right"; g.textBaseline = "middle";
    const every = Math.max(1, Math.ceil((ehi - elo) / 6));
    for (let e = elo; e <= ehi; e += every) {
      g.beginPath(); g.moveTo(left, sy(Math.pow(10, e))); g.lineTo(left + pw, sy(Math.pow(10, e))); g.stroke();
      g.fillText(pow10(e), left - 6, sy(Math.pow(10, e)));
    }
    g.textAlign = "center"; g.textBaseline = "top";
    for (const t of niceTicks(xmin, xmax)) g.fillText(fmt(t, 3), sx(t), top + ph + 4);
    g.font = "17px DejaVu Sans, Arial, sans-serif";
    g.fillText("epoch", left + pw / 2, top + ph + 26);
    g.save(); g.translate(16, top + ph / 2); g.rotate(-Math.PI / 2); g.fillText("loss (log)", 0, -6); g.restore();
    if (L.task !== "regression") {
      g.font = "15px DejaVu Sans, Arial, sans-serif"; g.textAlign = "left"; g.textBaseline = "middle";
      for (const a of ph < 130 ? [0, 50, 100] : [0, 25, 50, 75, 100]) g.fillText(String(a), left + pw + 6, sa(a / 100));
      g.save(); g.translate(w - 12, top + ph / 2); g.rotate(Math.PI / 2); g.textAlign = "center"; g.font = "17px DejaVu Sans, Arial, sans-serif";
      g.fillText("accuracy %", 0, 0); g.restore();
    }
    g.strokeStyle = "#888"; g.strokeRect(left, top, pw, ph);
    for (const item of series) item[4] = item[4] === "acc" ? sa : sy;
    g.save(); g.beginPath(); g.rect(left, top, pw, ph); g.clip();
    for (const [k, , color, dash, scale] of series) {
      g.strokeStyle = color; g.lineWidth = 3; g.setLineDash(dash); g.beginPath();
      let on = false;
      for (const p of pts) {
        const v = p[k];
        if (v === null || (scale === sy && !(v > 0))) { on = false; continue; }
        g[on ? "lineTo" : "moveTo"](sx(p[0]), scale(v)); on = true;
      }
      g.stroke();
    }
    g.restore(); g.setLineDash([]);
    g.font = `${MIN_FONT}px ${FONT}`; g.textAlign = "left"; g.textBaseline = "middle";
    for (const [lx, ly, [, name, color, dash]] of keys) {
      g.strokeStyle = color; g.lineWidth = 3; g.setLineDash(dash);
      g.beginPath(); g.moveTo(lx, ly); g.lineTo(lx + 26, ly); g.stroke(); g.setLineDash([]);
      g.fillStyle = "#111"; g.fillText(name, lx + 30, ly);
    }
    this.curves.setAttribute("aria-label", `loss and accuracy against the epoch; now train loss ${fmt(f.train_loss)}, test loss ${fmt(f.test_loss)}`);
  }

  drawGraph(f) {
    const L = this.layout, G0 = this.geo, N = L.nodes;
    const w = G0.gw, h = G0.gh;
    const g = fit(this.graph, w, h, G0.zoom);
    const m = f.weight_range;
    // "Colour edges by: gradient": |∂L/∂w| of the last step on a log scale (as the paused graph), else w
    const byGrad = L.edge_mode === "gradient" && f.grads && f.grad_range;
    let ticks = [[0, fmt(-m, 3)], [0.5, "0"], [1, fmt(m, 3)]];
    if (byGrad) {
      const [lo, hi] = f.grad_range, every = Math.max(1, Math.ceil((hi - lo) / 6));
      ticks = [];
      for (let k = hi; k >= lo; k -= every) ticks.push([(k - lo) / (hi - lo), k === 0 ? "1" : pow10(k)]);
    }
    const pad = 40, top = 66, right = colorbarWidth(ticks) + 30;
    let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
    for (let i = 0; i < N.x.length; i++) { xlo = Math.min(xlo, N.x[i]); xhi = Math.max(xhi, N.x[i]); ylo = Math.min(ylo, N.y[i]); yhi = Math.max(yhi, N.y[i]); }
    const sx = (x) => pad + ((x - xlo) / Math.max(1e-9, xhi - xlo)) * (w - pad - right);
    const sy = (y) => top + (1 - (y - ylo) / Math.max(1e-9, yhi - ylo)) * (h - top - 40);
    const wb = f.weights;
    const dense = N.src.length > 2000;
    for (let e = 0; e < N.src.length; e++) {
      const lv = wb[e], mag = Math.abs(lv - 127.5) / 127.5;
      g.strokeStyle = byGrad ? tableColor(this.seqTab, f.grads[e]) : tableColor(this.divTab, lv);
      g.lineWidth = L.edge_widths[Math.min(L.edge_widths.length - 1, Math.floor(Math.sqrt(mag) * L.edge_widths.length))] * (dense ? 0.5 : 1);
      g.setLineDash(lv < 127.5 && !dense ? [6, 4] : []);
      g.beginPath(); g.moveTo(sx(N.x[N.src[e]]), sy(N.y[N.src[e]])); g.lineTo(sx(N.x[N.dst[e]]), sy(N.y[N.dst[e]])); g.stroke();
    }
    g.setLineDash([]);
    const tallest = Math.max(...L.sizes), named = tallest <= 8;
    const spacing = (h - top - 40) / Math.max(1, tallest - 1);
    let r = Math.max(7, Math.min(16, (h - top - 40) / tallest / 3));
    // a short graph has no room for names above the nodes: they go inside, the nodes as large as that needs
    const inside = named && spacing < 2 * r + MIN_FONT + 14;
    if (inside) r = Math.min(spacing / 2 - 2, Math.max(r, Math.max(...L.labels.map((t) => textWidth(t, MIN_FONT))) / 2 + 3));
    g.font = `${Math.max(MIN_FONT, Math.round(r * 1.1))}px ${FONT}`; g.textAlign = "center"; g.textBaseline = "middle";
    if (inside) g.font = `${MIN_FONT}px ${FONT}`;
    for (let i = 0; i < N.x.length; i++) {
      g.beginPath(); g.arc(sx(N.x[i]), sy(N.y[i]), r, 0, 2 * Math.PI);
      g.fillStyle = "#fff"; g.fill(); g.lineWidth = N.ids[i] === L.selected ? 3.5 : 1.5; g.strokeStyle = "#111"; g.stroke();
      if (named) { g.fillStyle = "#111"; g.fillText(L.labels[i], sx(N.x[i]), sy(N.y[i]) - (inside ? 0 : r + 10)); }
    }
    if (byGrad) title(g, `Edges: |∂L/∂w| (log, last step) · dashed w < 0 · step ${int(f.step)}`, 8, 6, w, 17);
    else title(g, `Edges: weight w (dashed < 0) · step ${int(f.step)}`, 8, 6, w, 17);
    colorbar(g, w - right + 20, top + 10, h - top - 50, byGrad ? this.seqTab : this.divTab, ticks, byGrad ? "|∂L/∂w|" : "w");
    this.graph.setAttribute("aria-label", `network graph ${L.sizes.join(" → ")}, edges coloured by ` + (byGrad
      ? `|∂L/∂w| of the last step, log scale from 10^${f.grad_range[0]} to 10^${f.grad_range[1]}`
      : `weight w from ${fmt(-m, 3)} to ${fmt(m, 3)}`) + ` at step ${int(f.step)}`);
  }

  drawThumbs(f) {
    const L = this.layout, G0 = this.geo, sizes = L.sizes, T = L.T;
    const w = Math.min(G0.tw, G0.wide ? 900 : G0.tw);
    const cols = sizes.length, tallest = Math.max(...sizes);
    const aticks = [[0, "−1"], [0.5, "0"], [1, "1"]];
    const right = colorbarWidth(aticks) + 24, top = 58;
    const cell = Math.max(16, Math.min(90, Math.floor(Math.min((w - right - 10) / cols / 1.3, 640 / tallest / 1.35))));
    const gap = Math.round(cell * 0.3);
    const named = tallest <= 8;
    const rowH = cell + gap + (named ? 16 : 0);
    const h = Math.max(260, top + tallest * rowH + 20);
    const g = fit(this.thumbs, w, h, G0.zoom);
    const bytes = f.maps;
    if (!this.toff || this.toff.width !== T) {
      this.toff = document.createElement("canvas"); this.toff.width = T; this.toff.height = T;
      this.timg = this.toff.getContext("2d").createImageData(T, T);
    }
    const tctx = this.toff.getContext("2d"), px = this.timg.data, tab = this.divTab;
    let node = 0;
    g.imageSmoothingEnabled = false;
    g.font = `${MIN_FONT}px ${FONT}`; g.textAlign = "center"; g.textBaseline = "top"; g.fillStyle = "#111";
    for (let l = 0; l < cols; l++) {
      const x = 10 + l * (cell + gap);
      g.fillStyle = "#111"; g.fillText(l === 0 ? "in" : l === cols - 1 ? "out" : `h${SUP[l]}`, x + cell / 2, top - 22);
      for (let j = 0; j < sizes[l]; j++, node++) {
        const y = top + ((tallest - sizes[l]) / 2 + j) * rowH;
        const base = node * T * T;
        for (let row = 0; row < T; row++) for (let col = 0; col < T; col++) {
          const v = bytes[base + row * T + col], o = ((T - 1 - row) * T + col) * 4;
          px[o] = tab[v * 3]; px[o + 1] = tab[v * 3 + 1]; px[o + 2] = tab[v * 3 + 2]; px[o + 3] = 255;
        }
        tctx.putImageData(this.timg, 0, 0);
        g.drawImage(this.toff, x, y, cell, cell);
        g.lineWidth = L.nodes.ids[node] === L.selected ? 3 : 1; g.strokeStyle = "#111"; g.strokeRect(x, y, cell, cell);
        if (named) { g.fillStyle = "#111"; g.fillText(L.labels[node], x + cell / 2, y + cell + 2); }
      }
    }
    title(g, "Every neuron's output a (own scale)", 8, 6, w, 16);
    colorbar(g, w - right + 14, top, Math.min(h - top - 30, 300), tab, aticks, "a / max|a|");
  }
}

export default function (args) {
  const { data, parentElement, setStateValue, setTriggerValue } = args;
  const host = parentElement.querySelector(".blp-root") || parentElement;
  let p = host.__blpPlayer;
  if (!p) {
    p = new Player(host);
    host.__blpPlayer = p;
  }
  p.update(data || {}, { setStateValue, setTriggerValue });
  return () => {
    p.destroy();
    delete host.__blpPlayer;
  };
}
