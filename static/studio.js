/* Backprop Studio page. The server computes everything (values, gradients, layout, and
 * the texts each node and edge shows); this script only draws: it swaps texts and classes
 * in the server's SVG for each step, so stepping never needs a request. */
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const S = {
  trace: null,          // last good /api/trace answer
  source: "",           // the program that answer belongs to
  k: 0,                 // steps applied (0 = nothing computed)
  selected: null,       // node picked by click (null: follow the current step)
  timer: null,          // playback interval
  nodeEls: new Map(),   // node id -> {g, texts}
  edgeEls: new Map(),   // edge id -> {g, val, grad}
  orderEls: new Map(),  // node id -> <li> of the topological order
  view: null, base: null,
  viewport: null,       // <g> wrapping the drawing: its transform is the zoom (drawing units to pixels)
  viewports: [],        // the same for each layer of the drawing (see splitDrawing)
  stage: null,          // the box holding the drawing's layers: its CSS transform is the pan
  scale: null,          // the zoom the layers are drawn at (pixels per drawing unit)
  box: { w: 0, h: 0 },  // the graph box's size in pixels, kept by a ResizeObserver (never read while stepping)
  nodeBox: new Map(),   // node id -> its box in drawing units, measured once when the graph is installed
  idx: null,            // per-step change lists (see indexSteps)
  shown: null,          // what the DOM shows: {k, cur, sel}, or null when it must all be redrawn
  error: null,          // {line, col, message} of the last failed run
};

/* ---------------------------------------------------------------- formatting */

/** A number as Python's format(x, ".4g") writes it (so page and images agree); fewer digits on request. */
function fmt(x, digits = 4) {
  if (x === null || x === undefined) return "—";
  if (typeof x === "string") return x;
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  if (x === 0) return "0";
  const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  const [m, e] = x.toExponential(digits - 1).split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= digits) return strip(m) + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
  return strip(x.toFixed(Math.max(0, digits - 1 - exp)));
}

function shapeText(shape) {
  if (!shape || shape.length === 0) return "scalar";
  if (shape.length === 1) return `vector ${shape[0]}`;
  return shape.join("×");
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const TEX_CACHE = new Map();    // latex -> its rendered span, copied for each use
const TEX_CACHE_MAX = 2000;

function tex(latex, display = false) {
  const key = (display ? "D" : "I") + latex;
  const hit = TEX_CACHE.get(key);
  if (hit) return hit.cloneNode(true);
  const span = el("span", { class: "math", "data-latex": latex });
  span.textContent = latex;
  if (window.katex) {
    try { katex.render(latex, span, { throwOnError: false, displayMode: display, output: "html" }); }
    catch (_) { span.textContent = latex; }    // plain text
  }
  if (TEX_CACHE.size >= TEX_CACHE_MAX) TEX_CACHE.clear();
  TEX_CACHE.set(key, span);    // only ever copied from: it can be shown itself this once
  return span;
}

/** A number ready to sit inside LaTeX. */
function texNum(x) {
  const s = fmt(x);
  const m = s.match(/^(-?[\d.]+)e([+-])0*(\d+)$/);
  return m ? `${m[1]}\\times 10^{${m[2] === "-" ? "-" : ""}${m[3]}}` : s;
}

/** A diverging colour for v relative to the largest magnitude (blue < 0 < rose). */
function heat(v, maxAbs) {
  if (typeof v !== "number" || !maxAbs) return "";
  const a = Math.min(1, Math.abs(v) / maxAbs) * 0.55;
  return v >= 0 ? `rgba(225, 29, 72, ${a.toFixed(3)})` : `rgba(37, 99, 235, ${a.toFixed(3)})`;
}

/** A scalar as a number, a vector or matrix as a heatmap table with its shape. */
function tensorView(value, shape, cls = "") {
  if (value === null || value === undefined) return el("span", { class: "muted", text: "—" });
  if (!shape || shape.length === 0) return el("span", { class: `num ${cls}`, "data-value": fmt(value), text: fmt(value) });
  const rows = shape.length === 1 ? [value] : value;
  const flat = rows.flat().filter((v) => typeof v === "number");
  const maxAbs = flat.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const cols = rows[0] ? rows[0].length : 0;
  const count = rows.length * cols;
  const dense = count > 120;
  // A wide table shows fewer digits so that it fits the panel (each cell's title has 4).
  const digits = cols <= 5 ? 4 : cols <= 7 ? 3 : 2;
  const table = el("table");
  rows.slice(0, 60).forEach((row, i) => {
    const tr = el("tr");
    row.slice(0, 60).forEach((v, j) => {
      const td = el("td", { text: dense ? "" : fmt(v, digits), title: fmt(v), "data-i": i, "data-j": j });
      td.style.background = heat(v, maxAbs);
      tr.append(td);
    });
    table.append(tr);
  });
  const clipped = rows.length > 60 || (rows[0] && rows[0].length > 60);
  const wide = shape.length === 2 || cols > 3;     // takes the panel's whole width
  return el("div", { class: `tensor${dense ? " dense" : ""}${wide ? " wide" : ""}`, "data-shape": shape.join("x") },
    el("div", { class: "shape", text: shapeText(shape) + (clipped ? " (first 60×60 shown)" : "") }), table);
}

/* ---------------------------------------------------------------- server calls */

async function postJSON(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (_) { data = { message: `HTTP ${res.status}` }; }
  return { ok: res.ok, status: res.status, data };
}

function toast(msg) {
  const t = $("#toast");
  t.textContent = msg;
  t.classList.add("show");
  clearTimeout(toast.t);
  toast.t = setTimeout(() => t.classList.remove("show"), 2200);
}

/* ---------------------------------------------------------------- editor */

const editor = {
  ta: null, gutter: null, mirror: null,
  init() {
    this.ta = $("#source"); this.gutter = $("#gutter"); this.mirror = $("#mirror");
    this.ta.addEventListener("input", () => { this.clearMark(); this.refresh(); });
    this.ta.addEventListener("scroll", () => this.sync());
    this.ta.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); runProgram(); }
    });
  },
  get value() { return this.ta.value; },
  set value(v) { this.ta.value = v; this.clearMark(); this.refresh(); },
  refresh() {
    const lines = this.ta.value.split("\n");
    const errLine = S.error ? S.error.line : null;
    this.gutter.innerHTML = "";
    lines.forEach((_, i) => {
      const n = i + 1;
      this.gutter.append(n === errLine ? el("span", { class: "err", text: String(n) }) : String(n), "\n");
    });
    this.mirror.textContent = "";
    if (S.error && errLine) {
      const before = lines.slice(0, errLine - 1).join("\n") + (errLine > 1 ? "\n" : "");
      const line = lines[errLine - 1] ?? "";
      const c = Math.max(0, Math.min(S.error.col - 1, line.length));
      const end = c < line.length ? c + Math.max(1, wordLength(line, c)) : c;
      this.mirror.append(before + line.slice(0, c),
        el("mark", { "data-line": errLine, "data-col": S.error.col, text: c < line.length ? line.slice(c, end) : " " }),
        line.slice(end) + "\n" + lines.slice(errLine).join("\n"));
    } else {
      this.mirror.textContent = this.ta.value;
    }
    this.sync();
  },
  sync() { this.gutter.scrollTop = this.ta.scrollTop; this.mirror.scrollTop = this.ta.scrollTop; this.mirror.scrollLeft = this.ta.scrollLeft; },
  clearMark() { if (S.error) { S.error = null; $("#error").classList.add("stale"); } },
  goTo(line, col) {
    const lines = this.ta.value.split("\n");
    let pos = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    pos += Math.max(0, col - 1);
    this.ta.focus();
    this.ta.setSelectionRange(pos, pos);
  },
};

function wordLength(line, c) {
  const m = line.slice(c).match(/^[A-Za-z_0-9.]+/);
  return m ? m[0].length : 1;
}

function showError(err) {
  // A program error has a line and column to mark; a server error (busy, too large) has none.
  const located = Number.isInteger(err.line) && Number.isInteger(err.col);
  S.error = located ? { line: err.line, col: err.col, message: err.message } : null;
  const box = $("#error");
  box.classList.remove("stale");
  box.hidden = false;
  box.innerHTML = "";
  box.append(located ? el("b", { text: `Line ${err.line}, col ${err.col}` }) : "", located ? " — " : "", err.message || "Something went wrong.");
  if (S.trace) box.append(el("div", { class: "error-kept", text: "The graph still shows the last program that ran." }));
  box.title = located ? "Go to the error" : "";
  box.onclick = located ? () => editor.goTo(err.line, err.col) : null;
  editor.refresh();
}

function clearError() {
  S.error = null;
  $("#error").hidden = true;
  editor.refresh();
}

function showWarnings(messages) {
  const ul = $("#warnings");
  ul.innerHTML = "";
  (messages || []).forEach((m) => ul.append(el("li", { text: `Line ${m.line}, col ${m.col}: ${m.message}` })));
  ul.hidden = !(messages && messages.length);
}

/* ---------------------------------------------------------------- running */

let RUNS = 0;   // finished runs, exposed as body[data-runs] so tests and tools can wait on it

async function runProgram(step = 0) {
  try { return await runProgramInner(step); }
  finally { document.body.dataset.runs = String(++RUNS); }
}

async function runProgramInner(step) {
  stopPlay();
  const source = editor.value;
  $("#btn-run").disabled = true;
  let res;
  try { res = await postJSON("/api/trace", { source, gradcheck: false }); }
  catch (e) { showError({ message: "Cannot reach the Backprop Studio server: is it still running?" }); return false; }
  finally { $("#btn-run").disabled = false; }
  if (!res.ok) { showError(res.data || { message: `HTTP ${res.status}` }); return false; }
  clearError();
  S.trace = res.data;
  S.source = source;
  S.selected = null;
  showWarnings(S.trace.messages);
  $("#gradcheck-result").innerHTML = "";
  S.encodedSource = encodeURIComponent(source);
  S.panelKey = null;
  indexSteps(S.trace);
  installGraph(S.trace);
  buildOrder(S.trace);
  const slider = $("#step-slider");
  slider.max = String(S.trace.steps.length);
  const nf = S.trace.steps.filter((s) => s.phase === "forward").length;
  const pct = (100 * nf / Math.max(1, S.trace.steps.length)).toFixed(2);
  slider.style.setProperty("--track", `linear-gradient(to right, var(--forward-soft) 0 ${pct}%, var(--grad-soft) ${pct}% 100%)`);
  setStep(Math.max(0, Math.min(step, S.trace.steps.length)));
  return true;
}

/* ---------------------------------------------------------------- graph */

function installGraph(doc) {
  const box = $("#graph");
  const msg = $("#graph-message");
  box.innerHTML = "";
  S.nodeEls.clear(); S.edgeEls.clear();
  S.full = S.base = S.view = S.viewport = S.flow = S.stage = S.scale = null;
  S.viewports = [];
  S.nodeBox.clear();
  S.shown = null;
  // Pictures need a drawing; DOT (unpinned when there is no drawing) and JSON always work.
  for (const fmt of ["svg", "png", "pdf"]) {
    const b = $(`[data-export="${fmt}"]`);
    b.disabled = !doc.svg;
    b.title = doc.svg ? `Download the graph at this step as ${fmt.toUpperCase()}` : "No drawing for this graph (see the message on the graph)";
  }
  if (!doc.svg) {
    buildMinimap(null);
    updateMinimap();
    msg.hidden = false;
    msg.innerHTML = "";
    const parts = (doc.svg_error || "").split("`").map((t, i) => (i % 2 ? el("code", { text: t }) : t));
    msg.append(el("b", { text: "The graph cannot be drawn here. " }), ...parts,
      el("div", { class: "muted", text: "Stepping, the topological order, the node panel and the DOT and JSON exports still work." }));
    return;
  }
  msg.hidden = true;
  const svg = new DOMParser().parseFromString(doc.svg, "image/svg+xml").documentElement;
  svg.removeAttribute("width"); svg.removeAttribute("height");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Computation graph");
  const live = document.importNode(svg, true);
  // The view is not the viewBox (a new viewBox lays out every text of the drawing again,
  // tens of ms for a few hundred nodes): the zoom is the transform of one group around the
  // drawing, the pan a CSS transform of the stage that holds it (see applyView).
  const vb = live.viewBox.baseVal;
  S.full = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };     // the whole drawing
  live.removeAttribute("viewBox");
  $$("title", live).forEach((t) => t.remove());   // Graphviz's "n3->n5" tooltips are noise here
  const byId = new Map($$("g.node, g.edge", live).map((g) => [g.id, g]));
  S.stage = el("div", { class: "stage" });
  S.stage.append(...splitDrawing(live, byId, doc));
  box.append(S.stage);
  S.flow = flowLayer(live);
  for (const d of doc.display.nodes) {
    const g = byId.get(d.svg_id);
    if (!g) continue;
    g.dataset.node = d.id;
    g.setAttribute("tabindex", "-1");
    const tip = document.createElementNS("http://www.w3.org/2000/svg", "title");
    tip.textContent = nodeTip(doc.nodes[d.id]);
    g.prepend(tip);
    S.nodeEls.set(d.id, { g, texts: $$("text", g) });
  }
  for (const d of doc.display.edges) {
    const g = byId.get(d.id);
    if (!g) continue;
    const texts = $$("text", g);
    const val = texts[0] || null, grad = texts[1] || null;
    if (val) val.classList.add("val");
    if (grad) grad.classList.add("grad");
    S.edgeEls.set(d.id, { g, val, grad });
  }
  S.base = { ...S.full };
  S.view = { ...S.base };
  // The whole graph when it is readable that way; a big graph fitted whole would be too
  // small to read: start at a readable zoom on its left (where the forward pass starts),
  // with the overview map showing the rest; the view then follows the current step.
  measureNodes(live);
  S.box = { w: box.clientWidth, h: box.clientHeight };
  const cw = S.box.w, ch = S.box.h;
  const scale = Math.min(cw / S.base.w, ch / S.base.h);
  if (cw > 0 && scale < MIN_READABLE_SCALE) {
    const w = cw / START_SCALE, h = ch / START_SCALE;
    S.view = { x: S.base.x, y: S.base.y + (S.base.h - h) / 2, w, h };
  } else if (cw > 0 && scale > MAX_INITIAL_SCALE) {      // a tiny graph: don't blow it up
    const w = cw / MAX_INITIAL_SCALE, h = ch / MAX_INITIAL_SCALE;
    S.view = { x: S.base.x - (w - S.base.w) / 2, y: S.base.y - (h - S.base.h) / 2, w, h };
    S.base = { ...S.view };      // "fit" returns here
  } else if (cw > 0) {           // fit: centre the graph in the box's aspect ratio
    const w = cw / scale, h = ch / scale;
    S.view = { x: S.base.x - (w - S.base.w) / 2, y: S.base.y - (h - S.base.h) / 2, w, h };
    S.base = { ...S.view };
  }
  buildMinimap(live);
  applyView();
}

const MIN_READABLE_SCALE = 0.75;  // screen pixels per point below which labels are hard to read
const START_SCALE = 0.9;          // where a graph too big to fit starts: comfortably readable
const MAX_INITIAL_SCALE = 1.5;
const MAX_ZOOM = 8;               // screen pixels per point, zoomed in the most
const MINIMAP_MAX = { w: 200, h: 110 };   // pixels

const TILE_NODES = 40;   // nodes (with the edges into them) per layer of the drawing

/** The drawing as a stack of full-size SVG layers, each holding the groups of TILE_NODES
 *  consecutive nodes and the edges into them, each wrapped in a "viewport" group whose
 *  transform is the view. The browser repaints a whole layer when anything in it changes
 *  (~6 ms for 400 nodes in one layer); a step changes a few neighbouring nodes, so it
 *  repaints one or two small layers. The first layer is Graphviz's own svg. */
function splitDrawing(live, byId, doc) {
  const NS = "http://www.w3.org/2000/svg";
  const g0 = $("g.graph", live) || live.querySelector("g");
  const count = Math.max(1, Math.ceil(doc.display.nodes.length / TILE_NODES));
  const svgs = [live], layers = [g0];
  for (let t = 1; t < count; t++) {
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("class", "tile");
    svg.setAttribute("aria-hidden", "true");
    const layer = document.createElementNS(NS, "g");
    if (g0.getAttribute("transform")) layer.setAttribute("transform", g0.getAttribute("transform"));
    svg.append(layer);
    svgs.push(svg); layers.push(layer);
  }
  if (count > 1) {
    for (const d of doc.display.nodes) { const g = byId.get(d.svg_id); if (g) layers[Math.floor(d.id / TILE_NODES)].append(g); }
    for (const d of doc.display.edges) { const g = byId.get(d.id); if (g) layers[Math.floor(d.node / TILE_NODES)].append(g); }
  }
  S.viewports = svgs.map((svg) => {
    const viewport = document.createElementNS(NS, "g");
    viewport.setAttribute("class", "viewport");
    viewport.append(...svg.childNodes);
    svg.append(viewport);
    return viewport;
  });
  S.viewport = S.viewports[0];
  return svgs;
}

/** A layer over the drawing for the moving dashes of the edges a gradient flows along.
 *  An animation inside the drawing would repaint all of it every frame (~10 ms at 400
 *  nodes); in a layer of its own, only that layer is repainted. */
function flowLayer(live) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "flow-layer");
  svg.setAttribute("aria-hidden", "true");
  const view = document.createElementNS(NS, "g");
  const layer = document.createElementNS(NS, "g");
  const g0 = $("g.graph", live);
  if (g0 && g0.getAttribute("transform")) layer.setAttribute("transform", g0.getAttribute("transform"));
  view.append(layer);
  svg.append(view);
  S.stage.append(svg);
  return { view, layer, node: null };
}

/** The flow layer shows the edges into node `id` while its gradient goes back (null: none). */
function showFlow(id) {
  if (!S.flow || S.flow.node === id) return;
  S.flow.node = id;
  const paths = [];
  for (const i of id !== null ? S.idx.edgesOf.get(id) || [] : []) {
    const rec = S.edgeEls.get(S.trace.display.edges[i].id);
    const path = rec && rec.g.querySelector("path");
    if (path) {
      const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
      p.setAttribute("d", path.getAttribute("d"));
      paths.push(p);
    }
  }
  S.flow.layer.replaceChildren(...paths);
}

/** Each node's box in drawing units (the units of S.view), measured once: stepping then
 *  knows whether a node is on screen without asking the browser for its layout. */
function measureNodes(live) {
  const g0 = $("g.graph", live) || live.querySelector("g g");
  const t = g0 && g0.transform.baseVal.consolidate();
  const m = t ? t.matrix : { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 };
  for (const [id, { g }] of S.nodeEls) {
    const b = g.getBBox();
    const xs = [b.x, b.x + b.width].map((x) => m.a * x + m.e), ys = [b.y, b.y + b.height].map((y) => m.d * y + m.f);
    S.nodeBox.set(id, { x: Math.min(...xs), y: Math.min(...ys), w: Math.abs(xs[1] - xs[0]), h: Math.abs(ys[1] - ys[0]) });
  }
}

/** The part of the drawing on screen: the view grown to the box's aspect ratio, centred
 *  (what an SVG viewBox with preserveAspectRatio "xMidYMid meet" shows). */
function visibleArea(v = S.view) {
  const { w: cw, h: ch } = S.box;
  const s = Math.min(cw / v.w, ch / v.h) || 1;
  const w = cw / s || v.w, h = ch / s || v.h;
  return { x: v.x - (w - v.w) / 2, y: v.y - (h - v.h) / 2, w, h, s };
}

/** The overview map: every node as a box and every edge as a line, plus the visible area.
 *  The map never changes; the current node's mark and the visible area are drawn over it
 *  in an SVG of their own (a sibling laid exactly over the map, same size and units), so a
 *  step or a pan repaints those two boxes, not the map's hundreds of shapes (~1 ms). */
function buildMinimap(live) {
  const mm = $("#minimap");
  mm.innerHTML = "";
  if (S.mm) S.mm.over.remove();
  S.mm = null;
  if (!S.full) return;
  const NS = "http://www.w3.org/2000/svg";
  const f = S.full;
  const k = Math.min(MINIMAP_MAX.w / f.w, MINIMAP_MAX.h / f.h);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("width", String(Math.round(f.w * k)));
  svg.setAttribute("height", String(Math.round(f.h * k)));
  svg.setAttribute("viewBox", `${f.x} ${f.y} ${f.w} ${f.h}`);
  svg.setAttribute("aria-hidden", "true");
  // Graphviz draws inside a transformed group: copy its transform so coordinates agree.
  const g0 = $("g.graph", live) || live.querySelector("g g");
  const layer = document.createElementNS(NS, "g");
  if (g0 && g0.getAttribute("transform")) layer.setAttribute("transform", g0.getAttribute("transform"));
  svg.append(layer);
  for (const { g } of S.edgeEls.values()) {
    const path = g.querySelector("path");
    if (!path) continue;
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", path.getAttribute("d"));
    p.setAttribute("class", "mm-edge");
    layer.append(p);
  }
  const nodes = new Map();
  for (const [id, { g }] of S.nodeEls) {
    const shape = g.querySelector("path, polygon");
    if (!shape) continue;
    const b = shape.getBBox();
    const r = document.createElementNS(NS, "rect");
    const d = S.trace.display.nodes[id];
    Object.entries({ x: b.x, y: b.y, width: b.width, height: b.height, rx: 6 }).forEach(([a, v]) => r.setAttribute(a, String(v)));
    r.setAttribute("class", `mm-node ${d.output ? "output" : d.kind}`);
    layer.append(r);
    nodes.set(id, r);
  }
  const over = svg.cloneNode(false);
  over.setAttribute("class", "minimap-over");
  over.setAttribute("hidden", "");
  const overLayer = layer.cloneNode(false);
  const current = document.createElementNS(NS, "rect");
  current.setAttribute("class", "mm-node current");
  current.setAttribute("display", "none");
  overLayer.append(current);
  const view = document.createElementNS(NS, "rect");
  view.setAttribute("class", "mm-view");
  over.append(overLayer, view);
  mm.append(svg);
  mm.after(over);
  S.mm = { svg, over, view, nodes, current };
}

/** Show the overview only while part of the graph is out of view; frame what is visible. */
function updateMinimap() {
  const mm = $("#minimap");
  if (!S.mm || !S.view || !S.full) { mm.hidden = true; return; }
  const v = S.view, f = S.full, eps = 0.5;
  const whole = v.x <= f.x + eps && v.y <= f.y + eps && v.x + v.w >= f.x + f.w - eps && v.y + v.h >= f.y + f.h - eps;
  mm.hidden = whole;
  S.mm.over.toggleAttribute("hidden", whole);
  const { x, y, w, h } = visibleArea();
  Object.entries({ x, y, width: w, height: h }).forEach(([a, val]) => S.mm.view.setAttribute(a, String(val)));
  mm.dataset.view = [x, y, w, h].map((n) => n.toFixed(1)).join(" ");
}

function initMinimap() {
  const mm = $("#minimap");
  let dragging = false;
  const moveTo = (e) => {
    if (!S.mm || !S.view) return;
    const p = svgPoint(S.mm.svg, e.clientX, e.clientY);
    S.view = { ...S.view, x: p.x - S.view.w / 2, y: p.y - S.view.h / 2 };
    applyView();
  };
  mm.addEventListener("pointerdown", (e) => { dragging = true; mm.setPointerCapture(e.pointerId); moveTo(e); e.preventDefault(); });
  mm.addEventListener("pointermove", (e) => { if (dragging) moveTo(e); });
  mm.addEventListener("pointerup", () => { dragging = false; });
  mm.addEventListener("pointercancel", () => { dragging = false; });
}

/** Pan (never zoom) so that a node is on screen: centre it when any part of it is off
 *  screen. Computed from the boxes measured at install, so it forces no layout. */
function ensureVisible(id) {
  const b = S.nodeBox.get(id);
  if (!b || !S.view || !S.box.w) return;
  const a = visibleArea();
  if (b.x >= a.x && b.x + b.w <= a.x + a.w && b.y >= a.y && b.y + b.h <= a.y + a.h) return;
  S.view = { ...S.view, x: S.view.x + (b.x + b.w / 2) - (a.x + a.w / 2), y: S.view.y + (b.y + b.h / 2) - (a.y + a.h / 2) };
  applyView();
}

/** Show S.view. The stage is the whole drawing at the view's zoom, moved by a CSS
 *  transform (a layer of its own, will-change): a pan moves the pixels already drawn, while
 *  a transform inside the drawing repainted every layer of it (~15 ms at 400 nodes). A zoom
 *  draws it all again at the new scale, so the text stays sharp. */
function applyView({ quick = false } = {}) {
  clearTimeout(S.zoomLater);
  S.zoomLater = null;
  if (S.viewport && S.view && S.box.w) {
    const { x, y, s } = visibleArea();
    const f = S.full;
    // quick (a wheel gesture under way): the drawing as drawn, scaled as a layer (~1 ms, a
    // little blurred), drawn again at the new scale once the gesture pauses (tens of ms at
    // a few hundred nodes: every text is laid out again).
    const k = quick && S.scale ? s / S.scale : 1;
    if (k !== 1) S.zoomLater = setTimeout(applyView, ZOOM_SETTLE);
    else if (S.scale !== s) {
      S.scale = s;
      S.stage.style.width = `${f.w * s}px`;
      S.stage.style.height = `${f.h * s}px`;
      const m = `matrix(${s} 0 0 ${s} ${-f.x * s} ${-f.y * s})`;
      for (const v of S.viewports) v.setAttribute("transform", m);
      if (S.flow) S.flow.view.setAttribute("transform", m);
    }
    // Whole pixels: a layer moved by a fraction of one is resampled, and its text blurs.
    S.stage.style.transform = `translate(${Math.round((f.x - x) * s)}px, ${Math.round((f.y - y) * s)}px)` +
      (k !== 1 ? ` scale(${k})` : "");
    // The view in drawing units, for tools and tests (what the viewBox used to say).
    $("#graph").dataset.view = `${S.view.x} ${S.view.y} ${S.view.w} ${S.view.h}`;
  }
  updateMinimap();
}

/** Move the view by a fraction of its size (keyboard panning). */
function pan(fx, fy) {
  if (!S.view) return;
  S.view = { ...S.view, x: S.view.x + fx * S.view.w, y: S.view.y + fy * S.view.h };
  applyView();
}

const ZOOM_SETTLE = 150;  // ms after the last wheel event: the drawing is drawn at its new scale

function zoom(factor, cx, cy, { quick = false } = {}) {
  if (!S.view) return;
  const v = S.view;
  // In as far as MAX_ZOOM screen pixels per point (or a 25th of the fitted view on a small
  // graph), out to four times the fitted view; a step never goes the other way (on a graph
  // too big to fit, a 25th of the whole drawing is wider than the starting view).
  const minW = Math.min(S.base.w / 25, (S.box.w || S.base.w) / MAX_ZOOM), maxW = S.base.w * 4;
  const w = factor < 1 ? Math.max(v.w * factor, Math.min(v.w, minW)) : Math.min(v.w * factor, Math.max(v.w, maxW));
  const f = w / v.w;
  if (cx === undefined) { cx = v.x + v.w / 2; cy = v.y + v.h / 2; }
  S.view = { x: cx - (cx - v.x) * f, y: cy - (cy - v.y) * f, w: v.w * f, h: v.h * f };
  applyView({ quick });
}

function fitView() { if (S.base) { S.view = { ...S.base }; applyView(); } }

/** A point on screen in the user units of an SVG element (the drawing's, for the viewport group). */
function svgPoint(elem, clientX, clientY) {
  const p = new DOMPoint(clientX, clientY);
  return p.matrixTransform(elem.getScreenCTM().inverse());
}

function initPanZoom() {
  const box = $("#graph");
  box.addEventListener("wheel", (e) => {
    const svg = $("svg", box);
    if (!svg) return;
    e.preventDefault();
    // The drawing point under the cursor, from the view (the box shows visibleArea()).
    const a = visibleArea(), r = box.getBoundingClientRect();
    const x = e.clientX - r.left - box.clientLeft, y = e.clientY - r.top - box.clientTop;
    zoom(Math.exp(e.deltaY * 0.0015), a.x + x / a.s, a.y + y / a.s, { quick: true });
  }, { passive: false });
  let drag = null;
  box.addEventListener("pointerdown", (e) => {
    const svg = $("svg", box);
    if (!svg || e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, view: { ...S.view }, moved: false, id: e.pointerId };
  });
  box.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) { drag.moved = true; box.classList.add("dragging"); box.setPointerCapture(drag.id); }
    const scale = 1 / visibleArea(drag.view).s;
    S.view = { ...drag.view, x: drag.view.x - dx * scale, y: drag.view.y - dy * scale };
    applyView();
  });
  const end = (e) => {
    if (!drag) return;
    const wasDrag = drag.moved;
    drag = null;
    box.classList.remove("dragging");
    if (!wasDrag) {
      const g = e.target.closest && e.target.closest("g.node");
      if (g && g.dataset.node !== undefined) selectNode(Number(g.dataset.node));
    }
  };
  box.addEventListener("pointerup", end);
  box.addEventListener("pointercancel", () => { drag = null; box.classList.remove("dragging"); });
  box.addEventListener("keydown", (e) => {
    const PAN = { ArrowLeft: [-0.2, 0], ArrowRight: [0.2, 0], ArrowUp: [0, -0.2], ArrowDown: [0, 0.2] };
    if (e.shiftKey && PAN[e.key]) { pan(...PAN[e.key]); e.preventDefault(); }
    else if (e.key === "+" || e.key === "=") { zoom(1 / 1.25); e.preventDefault(); }
    else if (e.key === "-" || e.key === "_") { zoom(1.25); e.preventDefault(); }
    else if (e.key === "0") { fitView(); e.preventDefault(); }
  });
  $("#zoom-in").onclick = () => zoom(1 / 1.25);
  $("#zoom-out").onclick = () => zoom(1.25);
  $("#zoom-fit").onclick = fitView;
}

/* ---------------------------------------------------------------- order list */

function nodeTitle(d) { return d.header; }

const MAX_ORDER_ITEMS = 3000;   // a longer list would slow every step; the rest is summarized

function buildOrder(doc) {
  const ol = $("#order");
  ol.innerHTML = "";
  S.orderEls = new Map();
  const frag = document.createDocumentFragment();
  for (const d of doc.display.nodes.slice(0, MAX_ORDER_ITEMS)) {
    const li = el("li", { "data-node": d.id },
      el("button", { type: "button", title: nodeTip(doc.nodes[d.id]), onclick: () => selectNode(d.id) },
        el("span", { class: "oid", text: `#${d.id}` }),
        el("span", { class: "oname", text: nodeTitle(d) }),
        el("span", { class: "oshape" }, d.shape.replace("  · frozen", " · frozen"),
          el("span", { class: "dots", "aria-hidden": "true" }, el("i", { class: "dot v" }), el("i", { class: "dot g" })))));
    li.row = S.orderEls.size;
    S.orderEls.set(d.id, li);
    frag.append(li);
  }
  const more = doc.display.nodes.length - MAX_ORDER_ITEMS;
  if (more > 0) frag.append(el("li", { class: "muted", text: `… and ${more} more nodes` }));
  ol.append(frag);
  measureOrder();
}

/** The order list's rows are one line each, all the same height: measure them once, so
 *  that stepping can scroll a row into view by arithmetic instead of asking for layout. */
function measureOrder() {
  const ol = $("#order");
  const rows = [...S.orderEls.values()];
  S.orderRows = null;
  ol.scrollTop = 0;                 // the first row is drawn: its height is a real one
  S.orderH = ol.clientHeight;
  if (rows.length < 2 || !S.orderH) return;
  // Rows off screen are not drawn (content-visibility): they take this height meanwhile.
  ol.style.setProperty("--row-h", `${rows[0].offsetHeight}px`);
  const top = (li) => li.getBoundingClientRect().top - ol.getBoundingClientRect().top + ol.scrollTop - ol.clientTop;
  const first = top(rows[0]), h = rows[0].offsetHeight;
  const pitch = (top(rows[rows.length - 1]) - first) / (rows.length - 1);
  if (h > 0 && Math.abs(pitch - h) < 0.5) S.orderRows = { first, h };    // else: scrollIntoView
}

/* ---------------------------------------------------------------- stepping */

function currentStep() { return S.trace && S.k > 0 ? S.trace.steps[S.k - 1] : null; }

/** For each step k, the nodes and edges whose texts change at k (their value or gradient
 *  appears), and each node's outgoing edges in the drawing: so a step touches only those. */
function indexSteps(doc) {
  const total = doc.steps.length;
  const nodesAt = Array.from({ length: total + 1 }, () => []);
  const edgesAt = Array.from({ length: total + 1 }, () => []);
  const at = (k) => (k !== null && k >= 0 && k <= total ? k : null);
  for (const d of doc.display.nodes) {
    const v = at(d.value_at), g = at(d.grad_at);
    if (v !== null) nodesAt[v].push(d.id);
    if (g !== null && g !== v) nodesAt[g].push(d.id);
  }
  const edgesOf = new Map();
  doc.display.edges.forEach((d, i) => {
    const v = at(d.value_at), g = d.grad !== null ? at(d.grad_at) : null;
    if (v !== null) edgesAt[v].push(i);
    if (g !== null && g !== v) edgesAt[g].push(i);
    if (!edgesOf.has(d.node)) edgesOf.set(d.node, []);
    edgesOf.get(d.node).push(i);
  });
  S.idx = { nodesAt, edgesAt, edgesOf };
}

function setStep(k, { keepSelection = false, hurry = false } = {}) {
  if (!S.trace) return;
  const total = S.trace.steps.length;
  const prev = S.shown;
  S.k = Math.max(0, Math.min(total, k));
  if (!keepSelection) S.selected = null;
  const step = currentStep();
  const cur = step ? step.node : null;
  const sel = S.selected;

  // Reads first, while the layout is still clean from the last frame; writes after.
  const ol = $("#order");
  const li = cur !== null ? S.orderEls.get(cur) : null;
  let scrollTo = null;
  if (li && S.orderRows && S.orderH) {
    const top = S.orderRows.first + li.row * S.orderRows.h, bottom = top + S.orderRows.h;
    const st = ol.scrollTop;
    if (top < st) scrollTo = top;
    else if (bottom > st + S.orderH) scrollTo = bottom - S.orderH;
  }
  if (scrollTo !== null) ol.scrollTop = scrollTo;
  if (cur !== null) ensureVisible(cur);
  if (sel !== null) ensureVisible(sel);

  // Only what changes between the step shown and this one: the nodes and edges whose
  // values or gradients appear or disappear in between, and the current and selected nodes.
  const nodes = new Set(), edges = new Set();
  const { nodesAt, edgesAt, edgesOf } = S.idx;
  const all = !prev || Math.abs(S.k - prev.k) > total / 4;
  if (all) {
    S.trace.display.nodes.forEach((d) => nodes.add(d.id));
    S.trace.display.edges.forEach((d, i) => edges.add(i));
  } else {
    for (let j = Math.min(prev.k, S.k) + 1; j <= Math.max(prev.k, S.k); j++) {
      for (const id of nodesAt[j]) nodes.add(id);
      for (const i of edgesAt[j]) edges.add(i);
    }
    for (const id of [prev.cur, prev.sel]) if (id !== null) nodes.add(id);
    if (prev.cur !== null) for (const i of edgesOf.get(prev.cur) || []) edges.add(i);
  }
  for (const id of [cur, sel]) if (id !== null) nodes.add(id);
  if (cur !== null) for (const i of edgesOf.get(cur) || []) edges.add(i);
  for (const id of nodes) showNode(S.trace.display.nodes[id], cur, sel);
  for (const i of edges) showEdge(S.trace.display.edges[i], cur, step);
  if (S.mm && (!prev || prev.cur !== cur)) {
    const now = cur !== null ? S.mm.nodes.get(cur) : null;
    if (now) for (const a of ["x", "y", "width", "height", "rx"]) S.mm.current.setAttribute(a, now.getAttribute(a));
    S.mm.current.setAttribute("display", now ? "inline" : "none");
  }
  showFlow(step && step.phase === "backward" ? cur : null);
  S.shown = { k: S.k, cur, sel };
  if (li && !S.orderRows) li.scrollIntoView({ block: "nearest" });

  const slider = $("#step-slider");
  slider.value = String(S.k);
  slider.setAttribute("aria-valuetext", stepText());
  $("#step-label").innerHTML = "";
  $("#step-label").append(...stepLabel());
  $("#step-label").title = stepText();       // the label shows two lines; the whole text on hover
  $("#step-prev").disabled = $("#step-first").disabled = S.k === 0;
  $("#step-next").disabled = $("#step-last").disabled = S.k === total;
  renderPanel(panelNode(), { hurry });
  updateHash();
}

/** One node as of step S.k, in the drawing and in the order list (the DOM only if it changed). */
function showNode(d, cur, sel) {
  const ph = S.trace.display.placeholders;
  const hasValue = d.value_at !== null && S.k >= d.value_at;
  const hasGrad = d.grad_at !== null && S.k >= d.grad_at;
  const isCur = d.id === cur, isSel = sel === d.id;
  const key = (hasValue ? 1 : 0) | (hasGrad ? 2 : 0) | (isCur ? 4 : 0) | (isSel ? 8 : 0);
  const rec = S.nodeEls.get(d.id);
  if (rec && rec.key !== key) {
    rec.key = key;
    if (rec.texts[2]) rec.texts[2].textContent = hasValue ? d.value : ph.value;
    if (rec.texts[3]) rec.texts[3].textContent = hasGrad ? d.grad : ph.grad;
    rec.g.classList.toggle("pending", !hasValue);
    rec.g.classList.toggle("no-grad", !hasGrad);
    rec.g.classList.toggle("current", isCur);
    rec.g.classList.toggle("selected", isSel && !isCur);
  }
  const li = S.orderEls.get(d.id);
  if (li && li.key !== key) {
    li.key = key;
    li.classList.toggle("has-value", hasValue);
    li.classList.toggle("has-grad", hasGrad);
    li.classList.toggle("current", isCur);
    li.classList.toggle("selected", isSel);
  }
}

/** One edge's labels and highlight as of step S.k. */
function showEdge(d, cur, step) {
  const rec = S.edgeEls.get(d.id);
  if (!rec) return;
  const showVal = d.value_at !== null && S.k >= d.value_at;
  const showGrad = d.grad !== null && d.grad_at !== null && S.k >= d.grad_at;
  const hot = cur !== null && d.node === cur;
  const back = hot && step.phase === "backward";
  const key = (showVal ? 1 : 0) | (showGrad ? 2 : 0) | (hot ? 4 : 0) | (back ? 8 : 0);
  if (rec.key === key) return;
  rec.key = key;
  if (rec.val) rec.val.style.visibility = showVal ? "visible" : "hidden";
  if (rec.grad) rec.grad.style.visibility = showGrad ? "visible" : "hidden";
  rec.g.classList.toggle("hot", hot);
  rec.g.classList.toggle("backward", back);
}

function stepText() {
  const total = S.trace.steps.length;
  const step = currentStep();
  if (!step) return `Step 0 of ${total}: nothing computed yet`;
  const d = S.trace.display.nodes[step.node];
  return `Step ${S.k} of ${total}: ${step.phase} at ${d.header}`;
}

function stepLabel() {
  const total = S.trace.steps.length;
  const step = currentStep();
  const count = el("b", { text: `Step ${S.k} / ${total}` });
  if (!step) return [count, " · nothing computed yet — press → to start the forward pass"];
  const d = S.trace.display.nodes[step.node];
  const phase = step.phase === "forward"
    ? el("span", { class: "ph-f", text: "forward" }) : el("span", { class: "ph-b", text: "backward" });
  const what = step.phase === "forward" ? ` · ${d.header}: ${d.value}`
    : (S.trace.nodes[step.node].inputs.length ? ` · from ${d.header} to its inputs` : ` · ${d.header} receives its gradient`);
  const done = S.k === total ? (S.trace.backward ? " · done" : " · done (no backward pass: the output is not a scalar)") : "";
  return [count, " · ", phase, what, done];
}

const ICON_PLAY = '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M6 4l10 6-10 6z"/></svg>';
const ICON_PAUSE = '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M5 4h3.5v12H5zM11.5 4H15v12h-3.5z"/></svg>';

function stopPlay() {
  if (!S.timer) return;        // not playing: the button already says Play
  clearInterval(S.timer); S.timer = null;
  const b = $("#step-play");
  b.innerHTML = ICON_PLAY; b.classList.remove("playing"); b.setAttribute("aria-label", "Play");
}

function togglePlay() {
  if (!S.trace) return;
  if (S.timer) { stopPlay(); return; }
  if (S.k >= S.trace.steps.length) setStep(0);
  const b = $("#step-play");
  b.innerHTML = ICON_PAUSE; b.classList.add("playing"); b.setAttribute("aria-label", "Pause");
  S.timer = setInterval(() => {
    if (S.k >= S.trace.steps.length) { stopPlay(); return; }
    setStep(S.k + 1);
  }, Number($("#speed").value));
}

/* ---------------------------------------------------------------- node panel */

function selectNode(id) {
  if (!S.trace) return;
  S.selected = id;
  showTab("node");
  setStep(S.k, { keepSelection: true });
}

function outLatex() { return S.trace.nodes[S.trace.output].latex || "f"; }

function partial(nodeLatex) { return `\\frac{\\partial ${outLatex()}}{\\partial ${nodeLatex}}`; }

/** What the panel shows for node `id` at step k: it changes only with these. */
function panelKey(id, k) {
  const d = S.trace.display.nodes[id];
  const hasValue = d.value_at !== null && k >= d.value_at;
  const hasGrad = d.grad_at !== null && k >= d.grad_at;
  return `${id} ${hasValue} ${hasGrad}`;
}

/** The node the panel shows: the selected one, else the current step's, else the output. */
function panelNode() {
  const step = currentStep();
  return S.selected !== null ? S.selected : (step ? step.node : S.trace.output);
}

const PANEL_LAG = 150;   // ms: the panel of a held key's steps is built once they pause this long

/** The panel shows node `id` as it is at step S.k. `hurry` (a held key's repeated steps):
 *  a panel not prepared while idle is not built in the step, which would make the step miss
 *  its frame; the panel is marked as lagging and built when the key is let go or pauses. */
function renderPanel(id, { hurry = false } = {}) {
  const p = $("#panel-node");
  clearTimeout(S.panelLater);
  S.panelLater = null;
  // Not lagging, unless this step leaves the panel behind again (below).
  const stack = $("#panel-stack");
  if (stack && stack.classList.contains("lagging")) {
    stack.classList.remove("lagging");
    for (const pane of stack.querySelectorAll("[aria-busy]")) pane.removeAttribute("aria-busy");
  }
  if (!S.trace) {
    p.innerHTML = "";
    p.append(el("div", { class: "empty-state", text: "Run a program to see its nodes." }));
    return;
  }
  // The panel shows a node as it is at this step: rebuild it only when that changes.
  const key = panelKey(id, S.k);
  if (S.panelKey !== key) {
    const was = S.panelKey;
    // Built (and laid out) while the page was idle (see preparePanels), or built now.
    const ready = takePrepared(key);
    if (!ready && hurry) {
      stack.classList.add("lagging");
      p.setAttribute("aria-busy", "true");
      S.panelLater = setTimeout(catchUpPanel, PANEL_LAG);
      // Panels queued for steps the key has passed would be built (a chunk per idle
      // callback, or per timeout) during the hold and thrown away: catching up queues anew.
      if (S.prep) {
        if (S.prep.handle) cancelIdleCallback(S.prep.handle);
        S.prep.handle = null;
        S.prep.queue = [];
      }
      return;
    }
    S.panelKey = key;
    if (ready && !S.panelScrolled) showPane(p, ready, was);
    else if (ready) {         // keep the scroll, as a rebuild does: its children moved in
      titleId(ready, true);
      focusable(ready, true);
      p.replaceChildren(...ready.childNodes);
      S.prep.free.push(ready);
    }
    else {
      const parts = [];
      for (const chunk of panelParts(id, S.k)) parts.push(...chunk);
      p.replaceChildren(...parts);
    }
  }
  preparePanels();
}

/** Build the panel a held key left behind (the key was let go, or its steps paused). */
function catchUpPanel() {
  if (S.trace) renderPanel(panelNode());
}

/** The panel of node `id` at step k, built off-document: a generator of chunks of its
 *  children, each a small piece of work (a formula or an edge's card), so that it can be
 *  built a chunk at a time while the page is idle. */
function* panelParts(id, k) {
  const n = S.trace.nodes[id];
  const d = S.trace.display.nodes[id];
  const hasValue = d.value_at !== null && k >= d.value_at;
  const hasGrad = d.grad_at !== null && k >= d.grad_at;
  const badges = [el("span", { class: `badge ${n.kind}`, text: n.kind === "op" ? `op: ${n.op}` : n.kind })];
  if (n.frozen) badges.push(el("span", { class: "badge frozen", text: "frozen" }));
  if (id === S.trace.output) badges.push(el("span", { class: "badge output", text: "output" }));
  const head = [
    el("div", { class: "node-title", id: "panel-title", "data-node": id },
      el("span", { class: "nt-name", text: d.header }), ...badges),
    el("div", { class: "node-expr", "data-field": "expr" }, ...whatIs(n)),
    el("div", { class: "meta" }, `node #${id} · ${shapeText(n.shape)}`,
      n.names && n.names.length > 1 ? ` · names: ${n.names.join(", ")}` : "",
      ` · line ${n.line}, col ${n.col}`),
  ];

  head.push(el("h3", { text: "Forward value" }));
  if (hasValue) head.push(el("div", { "data-field": "value" }, tensorView(n.value, n.shape, "val")));
  else head.push(waiting(`Computed at step ${d.value_at} (forward).`, d.value_at));

  head.push(el("h3", { text: "Gradient" }));
  if (!S.trace.backward) {
    head.push(el("div", { class: "waiting", text: "No backward pass: the output is not a scalar. Reduce it (e.g. sum(...)) to get gradients." }));
    yield head;
    return;
  }
  if (!hasGrad) {
    head.push(waiting(d.grad_at ? `Its gradient arrives at step ${d.grad_at} (backward).` : "No gradient reaches this node.", d.grad_at));
    yield head;
    return;
  }
  yield head;
  const step = S.trace.steps[d.grad_at - 1];
  const out = [];
  out.push(el("dl", { class: "kv" },
    el("dt", {}, "upstream ", tex(partial(n.latex))),
    el("dd", { "data-field": "upstream" }, tensorView(step.upstream, n.shape, "grad"))));

  const contribs = step.contributions || [];
  if (contribs.length > 1) {
    out.push(el("div", { class: "sumrule", text: step.sum_rule || `${d.header} feeds ${contribs.length} nodes; its gradient is the sum of their contributions.` }));
    const scalar = n.shape.length === 0;
    if (scalar) {
      const sumTex = `${partial(n.latex)} = ` + contribs.map((c) => texNum(c.downstream)).join(" + ").replace(/\+ -/g, "- ") + ` = ${texNum(step.upstream)}`;
      out.push(el("div", { class: "chain", "data-field": "sum" }, tex(sumTex)));
    }
    const ul = el("ul", { class: "contribs" });
    contribs.forEach((c) => ul.append(el("li", { "data-from": c.from },
      el("span", {}, "from ", nodeLink(c.from), ":"), tensorView(c.downstream, n.shape, "grad"))));
    out.push(ul);
  } else if (contribs.length === 1) {
    out.push(el("div", { class: "meta" }, "from ", nodeLink(contribs[0].from), " (its only successor)"));
  } else if (id === S.trace.output) {
    out.push(el("div", { class: "meta" }, "the output: ", tex(`${partial(n.latex)} = 1`)));
  }
  if (step.intuition) out.push(el("div", { class: "intuition", "data-field": "intuition", text: step.intuition }));

  if ((step.edges || []).length) out.push(el("h3", { text: "To each input: downstream = local × upstream" }));
  yield out;
  for (const e of step.edges || []) yield [edgeCard(n, step, e)];
}

/* Panels prepared while idle. After a step, the panels that the next step (→) and the
 * previous one (←) would show are built in standby panes: panes stacked under the node
 * panel, the same size, hidden (visibility), a chunk at a time in idle callbacks (each
 * chunk a few ms at most, so no frame waits for them), each chunk laid out at once, in the
 * idle callback. A step then shows the standby pane instead of the panel: no building,
 * styling or laying out in the step, only painting. A prepared panel belongs to one
 * program (S.trace) and one panel key; anything else (a jump, a selected node, a new
 * program) finds none and builds its panel at once. */
const IDLE_TIMEOUT = 300;       // ms: an idle callback runs by then even on a busy page
const IDLE_SLICE = 4;           // ms: the idle work of one callback stops after this
const STANDBY = 2;              // standby panes: the next step's panel and the previous one's
const PANE_ATTRS = ["id", "role", "aria-labelledby", "tabindex"];   // the shown pane's

function nextPanels() {
  const total = S.trace.steps.length;
  const at = (k) => (k >= 1 && k <= total ? S.trace.steps[k - 1].node : S.trace.output);
  const out = [];
  for (const k of [S.k + 1, S.k - 1]) {
    if (k < 0 || k > total) continue;
    const id = at(k);
    out.push({ key: panelKey(id, k), id, k });
  }
  return out;
}

/** The standby panes (made once, under the node panel in its stack). */
function standbyPanes() {
  if (!S.standby) {
    S.standby = [];
    for (let i = 0; i < STANDBY; i++) {
      const pane = el("div", { class: "card panel standby", "aria-hidden": "true" });
      $("#panel-stack").prepend(pane);      // under the shown pane
      S.standby.push(pane);
    }
  }
  return S.standby;
}

/** A prepared pane's title carries the panel title's id only once shown (ids are unique). */
let STANDBY_IDS = 0;
function titleId(pane, shown) {
  const t = pane.firstElementChild;
  if (t && t.classList.contains("node-title")) t.id = shown ? "panel-title" : `panel-title-standby-${++STANDBY_IDS}`;
}

/** A standby pane is under the shown one, not hidden (see studio.css), so its buttons are
 *  kept out of the Tab order until it is shown (`inert` would restyle all of it). */
const FOCUSABLE = "button, [tabindex], a[href]";
function focusable(root, on) {
  for (const e of root.querySelectorAll(FOCUSABLE)) {
    if (on) {
      if ("tabWas" in e) { if (e.tabWas === null) e.removeAttribute("tabindex"); else e.setAttribute("tabindex", e.tabWas); delete e.tabWas; }
    } else if (!("tabWas" in e)) { e.tabWas = e.getAttribute("tabindex"); e.setAttribute("tabindex", "-1"); }
  }
}

/** Show a prepared pane in place of the panel `p`, which becomes a standby pane. */
function showPane(p, pane, was) {
  if (p.contains(document.activeElement)) document.activeElement.blur();   // as when its content is replaced
  titleId(p, false);
  titleId(pane, true);
  for (const a of PANE_ATTRS) { pane.setAttribute(a, p.getAttribute(a)); p.removeAttribute(a); }
  p.setAttribute("tabindex", "-1");       // a scrollable pane is otherwise reachable with Tab
  pane.removeAttribute("aria-hidden");
  p.setAttribute("aria-hidden", "true");
  focusable(pane, true);
  focusable(p, false);
  pane.classList.remove("standby");
  p.classList.add("standby");
  S.standby[S.standby.indexOf(pane)] = p;
  // The panel just left is the one a step back shows: kept, ready, unless it holds a choice
  // of the student's (a picked weight) that a fresh panel would not.
  if (was && !p.querySelector(".weights")) S.prep.ready.set(was, p);
  else S.prep.free.push(p);
}

/** Forget every prepared panel (their panes are free again). */
function dropPrepared() {
  const P = S.prep;
  if (!P) return;
  for (const pane of P.ready.values()) P.free.push(pane);
  if (P.job) P.free.push(P.job.pane);
  P.ready.clear(); P.queue = []; P.job = null;
}

function takePrepared(key) {
  const P = S.prep;
  if (!P || P.trace !== S.trace) return null;
  const hit = P.ready.get(key);
  if (!hit) return null;
  P.ready.delete(key);
  P.used++;
  return hit;
}

function preparePanels() {
  if (!window.requestIdleCallback || !S.trace || !$("#panel-stack")) return;
  if (!S.prep || S.prep.trace !== S.trace) {
    if (S.prep && S.prep.handle) cancelIdleCallback(S.prep.handle);
    S.prep = { trace: S.trace, ready: new Map(), free: [...standbyPanes()], queue: [], job: null, handle: null,
      ms: S.prep ? S.prep.ms : 0, used: S.prep ? S.prep.used : 0, longest: S.prep ? S.prep.longest : 0 };
  }
  const P = S.prep;
  const want = nextPanels().filter((w) => w.key !== S.panelKey);
  const keys = new Set(want.map((w) => w.key));
  for (const [k, pane] of [...P.ready]) if (!keys.has(k)) { P.ready.delete(k); P.free.push(pane); }
  if (P.job && !keys.has(P.job.key)) { P.free.push(P.job.pane); P.job = null; }
  P.queue = want.filter((w) => !P.ready.has(w.key) && !(P.job && P.job.key === w.key));
  if ((P.job || P.queue.length) && !P.handle) P.handle = requestIdleCallback(idlePrepare, { timeout: IDLE_TIMEOUT });
}

function idlePrepare(deadline) {
  const P = S.prep;
  P.handle = null;
  if (P.trace !== S.trace) return;
  const t0 = performance.now();
  let last = 0;
  // At least one chunk per callback (a timed-out callback has no idle time left); another
  // only if it should still fit in the slice and in the idle period, judged by the last one.
  do {
    const c0 = performance.now();
    if (!P.job) {
      const w = P.queue.shift();
      if (!w) break;
      const pane = P.free.pop();
      if (!pane) { P.queue.unshift(w); break; }
      pane.replaceChildren();
      pane.scrollTop = 0;
      P.job = { key: w.key, pane, gen: panelParts(w.id, w.k) };
    }
    const r = P.job.gen.next();
    if (r.done) {
      P.ready.set(P.job.key, P.job.pane);
      P.job = null;
    } else {
      P.job.pane.append(...r.value);
      titleId(P.job.pane, false);
      focusable(P.job.pane, false);
      void P.job.pane.firstElementChild.offsetWidth;   // styled and laid out now, not in a step's frame
    }
    last = performance.now() - c0;
    P.longest = Math.max(P.longest || 0, last);
  } while (performance.now() - t0 + last < IDLE_SLICE && deadline.timeRemaining() > last);
  P.ms += performance.now() - t0;
  if (P.job || P.queue.length) P.handle = requestIdleCallback(idlePrepare, { timeout: IDLE_TIMEOUT });
}

/** A node's name that shows that node when clicked (e.g. the successor a gradient came from). */
function nodeLink(id) {
  return el("button", { class: "node-link", type: "button", title: nodeTip(S.trace.nodes[id]),
    onclick: () => selectNode(id), text: S.trace.display.nodes[id].header });
}

/** What a node is, in the program's own words: "v3 = x + y — unnamed …". */
function whatIs(n) {
  if (n.kind === "const") return [el("code", { text: n.expr }), " — a constant written in the program (it takes no gradient)"];
  const parts = [el("code", { text: `${n.symbol} = ${n.expr}` })];
  if (!n.name) parts.push(` — unnamed in the program, so the graph calls it ${n.symbol}`);
  else if (n.kind === "leaf") parts.push(n.frozen ? " — a frozen leaf: held fixed, no gradient" : " — a leaf: an input or parameter, it gets a gradient");
  return parts;
}

/** A node's tooltip: the program text it stands for. */
function nodeTip(n) {
  const what = n.kind === "const" ? `constant ${n.expr}` : `${n.symbol} = ${n.expr}`;
  return `${what}  (line ${n.line}, col ${n.col})`;
}

function waiting(text, at) {
  const box = el("div", { class: "waiting", text });
  if (at) box.append(el("button", { class: "btn small", type: "button", onclick: () => setStep(at, { keepSelection: true }), text: `Go to step ${at}` }));
  return box;
}

function edgeCard(n, step, e) {
  const inp = S.trace.nodes[e.input];
  const di = S.trace.display.nodes[e.input];
  const card = el("div", { class: `edge-card${e.skipped ? " skipped" : ""}`, "data-input": e.input, "data-position": e.position },
    el("div", { class: "ec-head" },
      el("span", {}, "→ ", el("b", { text: di.header }), ` (input ${e.position + 1}, ${shapeText(inp.shape)})`),
      el("button", { class: "btn small", type: "button", text: "show", title: "Show this input node", onclick: () => selectNode(e.input) })));
  if (e.rule) card.append(el("div", { class: "rule", title: e.rule.text }, tex(e.rule.latex)));
  if (e.skipped) {
    card.append(el("div", { class: "waiting", text: `No gradient: the input is ${e.skipped}.` }));
    return card;
  }
  const scalarLocal = !Array.isArray(e.local) && e.local !== null;
  const kv = el("dl", { class: "kv" },
    el("dt", { text: "local" }),
    el("dd", { "data-field": "local" },
      e.local === null
        ? el("span", { class: "muted", text: `Jacobian ${e.local_shape.join("×")} (too large to list; the rule above gives it)` })
        : jacobianView(e, n, inp, scalarLocal)),
    el("dt", { text: "downstream" }),
    el("dd", { "data-field": "downstream" }, tensorView(e.downstream, inp.shape, "grad")));
  card.append(kv);
  const allScalar = n.shape.length === 0 && inp.shape.length === 0 && scalarLocal;
  const down = `\\underbrace{${partial(inp.latex)}}_{\\text{downstream}}`;
  const frac = `\\frac{\\partial ${n.latex}}{\\partial ${inp.latex}}`;
  const loc = (t) => `\\underbrace{${t}}_{\\text{local}}`;
  const upT = `\\underbrace{${partial(n.latex)}}_{\\text{upstream}}`;
  const formula = allScalar
    ? `${down} = ${loc(frac)} \\times ${upT}`
    : `${down} = ${loc(`\\left(${frac}\\right)^{\\!\\top}`)} ${upT}`;
  // The numbers go on a line of their own, under the symbols, so neither line wraps.
  const numbers = allScalar
    ? el("div", { class: "chain-nums" }, tex(`${texNum(e.downstream)} = ${texNum(e.local)} \\times ${texNum(step.upstream)}`))
    : null;
  card.append(el("div", { class: "chain", "data-field": "chain" }, tex(formula), numbers));
  const weights = weightExplorer(n, step, e, inp);
  if (weights) card.append(weights);
  return card;
}

/** The local Jacobian; beyond 2 dimensions (a vector from a matrix) as the matrix
 *  "one row per output entry, one column per input entry" that it is. */
function jacobianView(e, n, inp, scalarLocal) {
  if (scalarLocal) return tensorView(e.local, []);
  if (e.local_shape.length <= 2) return tensorView(e.local, e.local_shape);
  const size = (shape) => shape.reduce((a, b) => a * b, 1);
  const r = size(n.shape), c = size(inp.shape);
  const flat = e.local.flat(Infinity);
  const rows = Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
  const view = tensorView(rows, [r, c]);
  view.dataset.shape = e.local_shape.join("x");
  $(".shape", view).textContent = `${e.local_shape.join("×")}: a row per entry of ${n.symbol}, ` +
    `a column per entry of ${inp.symbol} (row by row)`;
  return view;
}

/** For z = W x: pick one weight and see ∂f/∂W_ij = δ_i x_j with the server's numbers. */
function weightExplorer(n, step, e, inp) {
  const other = n.inputs.length === 2 && e.position === 0 ? S.trace.nodes[n.inputs[1]] : null;
  if (n.op !== "matmul" || !other || inp.shape.length !== 2 || other.shape.length !== 1 || n.shape.length !== 1) return null;
  const box = el("div", { class: "weights", "data-field": "weights" });
  const out = el("div", { class: "chain", "data-field": "weight" });
  const show = (i, j) => {
    out.innerHTML = "";
    const W = `${inp.latex}_{${i + 1}${j + 1}}`;
    out.append(tex(`${partial(W)} = \\delta_{${i + 1}}\\, ${other.latex}_{${j + 1}} = ${texNum(step.upstream[i])} \\times ${texNum(other.value[j])} = ${texNum(e.downstream[i][j])}`));
    $$("td.picked", box.parentNode).forEach((td) => td.classList.remove("picked"));
    const td = box.parentNode.querySelector(`[data-field="downstream"] td[data-i="${i}"][data-j="${j}"]`);
    if (td) td.classList.add("picked");
  };
  const wName = inp.name || inp.symbol, xName = other.name || other.symbol;
  box.append(el("div", { class: "meta", text: `One weight at a time: ${wName}ᵢⱼ only feeds output i, so its gradient is δᵢ·${xName}ⱼ. Click (or Tab to) an entry of the downstream gradient above.` }), out);
  setTimeout(() => {   // the card is in the DOM now: make the gradient's cells pickable
    const cells = box.parentNode ? $$('[data-field="downstream"] td', box.parentNode) : [];
    cells.forEach((td) => {
      td.classList.add("pick");
      if (box.closest(".standby")) { td.tabWas = "0"; td.tabIndex = -1; } else td.tabIndex = 0;
      const i = Number(td.dataset.i), j = Number(td.dataset.j);
      td.addEventListener("click", () => show(i, j));
      td.addEventListener("focus", () => show(i, j));
    });
    show(0, 0);
  });
  return box;
}

/* ---------------------------------------------------------------- gradient check */

async function runGradcheck() {
  if (!S.trace) return;
  const out = $("#gradcheck-result");
  out.innerHTML = "";
  out.append(el("div", { class: "muted", text: "Checking…" }));
  const res = await postJSON("/api/trace", { source: S.source, gradcheck: true });
  out.innerHTML = "";
  if (!res.ok) { out.append(el("div", { class: "gc-summary fail", text: res.data.message })); return; }
  const gc = res.data.gradcheck;
  if (!gc) { out.append(el("div", { class: "muted", text: "No gradient check was returned." })); return; }
  const nLeaves = gc.leaves.length;
  const tol = gc.rtol !== undefined ? `rtol ${fmt(gc.rtol)}, atol ${fmt(gc.atol)}` : `tolerance ${fmt(gc.tolerance)}`;
  out.append(el("div", { class: `gc-summary ${gc.passed ? "pass" : "fail"}`, id: "gc-summary" },
    el("b", { text: gc.passed ? "Passed" : "Failed" }),
    ` · ${nLeaves} lea${nLeaves === 1 ? "f" : "ves"}${gc.unchecked_leaves ? ` (${gc.unchecked_leaves} not checked)` : ""} · h = ${fmt(gc.h)} · ${tol}`));
  const table = el("table", { class: "gc-table" },
    el("thead", {}, el("tr", {}, ...["entry", "analytic", "numeric", "rel. error", ""].map((h) => el("th", { text: h })))));
  const tb = el("tbody");
  for (const leaf of gc.leaves) {
    const name = leaf.name || S.trace.display.nodes[leaf.node].header;
    tb.append(el("tr", { class: "leafrow", "data-leaf": name },
      el("td", { colspan: "3" }, `${name} `, el("span", { class: "muted", text: leaf.shape ? shapeText(leaf.shape) : "" }),
        leaf.sampled ? el("span", { class: "muted", text: ` · ${leaf.checked} of ${leaf.size} entries sampled` }) : ""),
      el("td", { text: fmt(leaf.max_rel_error), title: "largest relative error" }),
      el("td", {}, leaf.passed === null
        ? el("span", { class: "badge", text: "not checked", title: "the check's budget of entries ran out before this leaf" })
        : el("span", { class: `badge ${leaf.passed ? "pass" : "fail"}`, text: leaf.passed ? "pass" : "fail" }))));
    for (const en of leaf.entries) {
      tb.append(el("tr", { "data-leaf-entry": name },
        el("td", { text: en.index && en.index.length ? `[${en.index.join(", ")}]` : "·" }),
        el("td", { text: fmt(en.analytic) }), el("td", { text: fmt(en.numeric) }),
        el("td", { text: fmt(en.rel_error) }),
        el("td", { class: en.passed ? "ok" : "no", text: en.passed ? "✓" : "✗" })));
    }
  }
  table.append(tb);
  out.append(table);
}

/* ---------------------------------------------------------------- export and share */

function download(blob, filename) {
  const a = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

async function exportAs(format) {
  if (!S.trace) return;
  if (format === "json") {
    const { svg, svg_error, display, ...doc } = S.trace;
    download(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }), "backprop-trace.json");
    return;
  }
  const res = await fetch("/api/render", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ source: S.source, format, step: S.k }),
  });
  if (!res.ok) {
    let m = `HTTP ${res.status}`;
    try { m = (await res.json()).message; } catch (_) { /* keep status */ }
    toast(`Export failed: ${m}`);
    return;
  }
  const cd = res.headers.get("Content-Disposition") || "";
  const name = (cd.match(/filename="([^"]+)"/) || [])[1] || `backprop-step-${S.k}.${format}`;
  download(await res.blob(), name);
}

function encodeState() {
  return `#program=${S.encodedSource}&step=${S.k}`;      // the program encoded once per run
}

const HASH_DELAY = 250;   // ms: the address follows the step once stepping pauses

/** Keep the address (a shareable link) at this step. Writing it costs a few ms with a long
 *  program, so a run of steps (a held key, Play) writes it once, when it pauses. */
function updateHash() {
  if (!S.trace) return;
  S.hashDue = performance.now() + HASH_DELAY;       // one timer for a run of steps, not one per step
  if (!S.hashTimer) S.hashTimer = setTimeout(hashLater, HASH_DELAY);
}

function hashLater() {
  S.hashTimer = null;
  const wait = S.hashDue - performance.now();
  if (wait > 1) S.hashTimer = setTimeout(hashLater, wait);
  else writeHash();
}

function writeHash() {
  clearTimeout(S.hashTimer);
  S.hashTimer = null;
  if (!S.trace) return;
  const h = encodeState();
  if (S.hash !== h) { history.replaceState(null, "", h); S.hash = h; }
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has("program")) return null;
  const step = Number.parseInt(params.get("step") || "0", 10);
  return { source: params.get("program"), step: Number.isFinite(step) ? step : 0 };
}

async function copyLink() {
  writeHash();
  const url = location.href;
  try { await navigator.clipboard.writeText(url); toast("Link copied: it opens this program at this step"); }
  catch (_) { toast("Copy this page's address to share it"); }
}

/* ---------------------------------------------------------------- wiring */

function showTab(name) {
  for (const t of ["node", "gradcheck"]) {
    $(`#tab-${t}`).setAttribute("aria-selected", String(t === name));
    $(t === "node" ? "#panel-stack" : `#panel-${t}`).hidden = t !== name;
  }
}

function isTyping(target) {
  return target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT" || target.isContentEditable);
}

function initKeys() {
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if ($("#examples-dialog").open) return;
    const slider = e.target && e.target.id === "step-slider";
    if (isTyping(e.target) && !slider) return;
    if (e.key === "ArrowRight") { stopPlay(); setStep(S.k + 1, { hurry: e.repeat }); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { stopPlay(); setStep(S.k - 1, { hurry: e.repeat }); e.preventDefault(); }
    else if (e.key === "Home") { stopPlay(); setStep(0); e.preventDefault(); }
    else if (e.key === "End") { stopPlay(); setStep(S.trace ? S.trace.steps.length : 0); e.preventDefault(); }
    else if ((e.key === " " && e.target.tagName !== "BUTTON") || e.key === "p") { togglePlay(); e.preventDefault(); }
  });
  // A held arrow key let go: its last step's panel now, not after the pause.
  document.addEventListener("keyup", (e) => {
    if ((e.key === "ArrowRight" || e.key === "ArrowLeft") && S.panelLater) catchUpPanel();
  });
}

function loadExample(id) {
  const ex = EXAMPLES.find((x) => x.id === id);
  if (!ex) return;
  editor.value = ex.source.replace(/\n$/, "");
  $("#examples-dialog").close();
  runProgram(0);
}

let EXAMPLES = [];

async function init() {
  EXAMPLES = JSON.parse($("#examples-data").textContent);
  editor.init();
  initPanZoom();
  initMinimap();
  // The visible area changes with the box: keep its size (read here, never while stepping).
  new ResizeObserver(([entry]) => {
    const r = entry.contentRect;
    if (r.width === S.box.w && r.height === S.box.h) return;
    S.box = { w: r.width, h: r.height };
    applyView();
  }).observe($("#graph"));
  new ResizeObserver(([entry]) => { S.orderH = entry.target.clientHeight; }).observe($("#order"));
  // Whether the node panel is scrolled (a step then keeps that scroll, as it always did).
  $("#panel-stack").addEventListener("scroll", (e) => { if (e.target.id === "panel-node") S.panelScrolled = e.target.scrollTop > 0; }, true);
  initKeys();
  $("#btn-run").onclick = () => runProgram(0);
  $("#step-first").onclick = () => { stopPlay(); setStep(0); };
  $("#step-prev").onclick = () => { stopPlay(); setStep(S.k - 1); };
  $("#step-next").onclick = () => { stopPlay(); setStep(S.k + 1); };
  $("#step-last").onclick = () => { stopPlay(); setStep(S.trace ? S.trace.steps.length : 0); };
  $("#step-play").onclick = togglePlay;
  $("#step-slider").addEventListener("input", (e) => { stopPlay(); setStep(Number(e.target.value)); });
  $("#speed").addEventListener("change", () => { if (S.timer) { stopPlay(); togglePlay(); } });
  $("#btn-gradcheck").onclick = runGradcheck;
  $("#tab-node").onclick = () => showTab("node");
  $("#tab-gradcheck").onclick = () => showTab("gradcheck");
  $$("[data-export]").forEach((b) => { b.onclick = () => exportAs(b.dataset.export); });
  $("#btn-share").onclick = copyLink;
  $("#btn-examples").onclick = () => $("#examples-dialog").showModal();
  $("#examples-close").onclick = () => $("#examples-dialog").close();
  $$("[data-example]").forEach((b) => { b.onclick = () => loadExample(b.dataset.example); });
  $$(".math[data-tex]").forEach((m) => m.replaceWith(tex(m.dataset.tex)));
  window.addEventListener("pagehide", writeHash);      // a reload comes back at this step
  window.addEventListener("hashchange", () => {
    clearTimeout(S.hashTimer);  // the address was changed by hand: nothing pending overwrites it,
    S.hashTimer = null;         // (a later step starts a new timer)
    S.hash = null;              // and the next step writes it again
    const st = readHash();
    if (st && (st.source !== S.source || st.step !== S.k)) { editor.value = st.source; runProgram(st.step); }
  });
  renderPanel(null);
  const st = readHash();
  if (st) { editor.value = st.source; await runProgram(st.step); }
  else { editor.value = EXAMPLES[0].source.replace(/\n$/, ""); await runProgram(0); }
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", init);
