/* The drawing: the server's SVG installed in the graph box, split into layers, and each
 * node's and edge's texts and classes set for a step. The server computed every text;
 * a step only shows or hides them, so stepping never needs a request. */
import { state } from "./state.js";
import { $, $$, el, shapeBox, svgEl } from "./dom.js";
import { lang, msgText, onLang, t } from "./i18n.js";
import { nodeTip, shapeLine, valueLine } from "./format.js";
import { enableExports } from "./export.js";
import { buildMinimap, updateMinimap } from "./minimap.js";
import { groupFont, installGroups, showLevel } from "./groups.js";
import { applyView, startView } from "./view.js";

const TILE_NODES = 40;   // nodes (with the edges into them) per layer of the drawing

/** Install the drawing of trace `doc` (or the message saying why there is none). */
export function installGraph(doc) {
  const box = $("#graph");
  const msg = $("#graph-message");
  const { drawing, view } = state;
  box.innerHTML = "";
  drawing.nodes.clear(); drawing.edges.clear();
  drawing.bounds = drawing.flow = drawing.stage = null;
  view.fitRect = view.rect = view.drawnScale = null;
  drawing.viewports = [];
  drawing.nodeBoxes.clear();
  view.shown = null;
  enableExports(!!doc.svg);
  showDirection(doc);
  showLevel(doc);
  if (!doc.svg) {
    installGroups(doc, null, null);
    buildMinimap(null);
    updateMinimap(null);
    showNoDrawing(doc);
    return;
  }
  msg.hidden = true;
  box.dataset.drawing = "done";
  // Read by the HTML parser (the SVG in an HTML document, as if inline): twice as fast as the
  // XML one on a big drawing (0.13 s against 0.35 s at 4,354 boxes). The server sanitized it.
  const svg = new DOMParser().parseFromString(doc.svg, "text/html").querySelector("svg");
  svg.removeAttribute("width"); svg.removeAttribute("height");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Computation graph");
  const live = document.adoptNode(svg);       // moved, not copied (importNode copied 5 MB of SVG)
  const vb = live.viewBox.baseVal;
  drawing.bounds = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };     // the whole drawing
  live.removeAttribute("viewBox");     // the view is set by view.js, not by a viewBox
  $$("title", live).forEach((t) => t.remove());   // Graphviz's "n3->n5" tooltips are noise here
  const byId = new Map($$("g.node, g.edge", live).map((g) => [g.id, g]));
  const size = { w: box.clientWidth, h: box.clientHeight };    // the box is empty: no drawing laid out (contain: strict)
  drawing.stage = el("div", { class: "stage" });
  drawing.stage.append(...splitDrawing(live, byId, doc));
  box.append(drawing.stage);
  drawing.flow = flowLayer(live);
  for (const display of doc.display.nodes) {
    const g = byId.get(display.svg_id);
    if (!g) continue;
    g.dataset.node = display.id;
    g.setAttribute("tabindex", "-1");
    const tip = svgEl("title");
    tip.textContent = nodeTip(doc.nodes[display.id]);
    g.prepend(tip);
    const texts = $$("text", g);
    if (texts[1] && lang() !== "en") texts[1].textContent = shapeLine(display.shape);
    drawing.nodes.set(display.id, { g, texts, key: -1 });
  }
  for (const display of doc.display.edges) {
    const g = byId.get(display.id);
    if (!g) continue;
    const texts = $$("text", g);
    const val = texts[0] || null, grad = texts[1] || null;
    if (val) val.classList.add("val");
    if (grad) grad.classList.add("grad");
    drawing.edges.set(display.id, { g, val, grad, key: -1 });
  }
  installGroups(doc, byId, measureNodes(live));
  const first = drawing.nodes.values().next().value;
  startView(box, first ? Number(first.texts[0]?.getAttribute("font-size")) : groupFont(), doc.direction,
    drawing.nodeBoxes.get(doc.output), size);
  buildMinimap(live);
  applyView();
}

/** The drawing as a stack of full-size SVG layers, each holding the groups of TILE_NODES
 *  consecutive nodes and the edges into them, each wrapped in a "viewport" group whose
 *  transform is the view. The browser repaints a whole layer when anything in it changes;
 *  a step changes a few neighbouring nodes, so it repaints one or two small layers. The
 *  first layer is Graphviz's own svg. */
function splitDrawing(live, byId, doc) {
  const g0 = $("g.graph", live) || live.querySelector("g");
  const levels = doc.level === "statements" ? doc.display.statements : null;     // collapsed: boxes
  const count = Math.max(1, Math.ceil((levels ? levels.groups : doc.display.nodes).length / TILE_NODES));
  const svgs = [live], layers = [g0];
  for (let t = 1; t < count; t++) {
    const svg = svgEl("svg");
    svg.setAttribute("class", "tile");
    svg.setAttribute("aria-hidden", "true");
    const layer = svgEl("g");
    if (g0.getAttribute("transform")) layer.setAttribute("transform", g0.getAttribute("transform"));
    svg.append(layer);
    svgs.push(svg); layers.push(layer);
  }
  const put = (id, at) => { const g = byId.get(id); if (g) layers[Math.floor(at / TILE_NODES)].append(g); };
  if (count > 1 && levels) {
    for (const d of levels.groups) put(d.svg_id, d.id);
    for (const c of levels.copies) put(c.svg_id, c.consumer);
    for (const e of levels.edges) put(e.id, e.group);
  } else if (count > 1) {
    for (const display of doc.display.nodes) put(display.svg_id, display.id);
    for (const display of doc.display.edges) put(display.id, display.node);
  }
  state.drawing.viewports = svgs.map((svg) => {
    const viewport = svgEl("g");
    viewport.setAttribute("class", "viewport");
    viewport.append(...svg.childNodes);
    svg.append(viewport);
    return viewport;
  });
  return svgs;
}

/** Why there is no drawing (the server's reason), and what still works. */
function showNoDrawing(doc) {
  const msg = $("#graph-message");
  msg.hidden = false;
  msg.innerHTML = "";
  $("#graph").dataset.drawing = doc.drawing === "later" ? "pending" : "none";
  if (doc.drawing === "later") {     // asked for right after the trace (run.js): steps work meanwhile
    msg.append(el("span", { class: "muted", text: t("lean.drawing") }));
    return;
  }
  const parts = msgText(doc.svg_error).split("`").map((s, i) => (i % 2 ? el("code", { text: s }) : s));
  msg.append(el("b", { text: t("page.nodrawing") }), ...parts,
    el("div", { class: "muted", text: t("page.nodrawing.still") }));
}

// A switch of language: the toggles and the no-drawing message say it again.
onLang(() => {
  const doc = state.doc.trace;
  if (!doc) return;
  for (const display of doc.display ? doc.display.nodes : []) {      // the boxes' words (the next paint re-tells values)
    const rec = state.drawing.nodes.get(display.id);
    if (!rec) continue;
    rec.key = -1;
    if (rec.texts[1]) rec.texts[1].textContent = shapeLine(display.shape);
  }
  showDirection(doc);
  if (!doc.svg) showNoDrawing(doc);
});

/** The layout toggle says how the drawing is laid out, and offers the other way. */
function showDirection(doc) {
  const b = $("#btn-direction");
  const tb = doc.direction === "TB";
  b.disabled = !doc.svg;
  b.textContent = tb ? "↓ TB" : "→ LR";
  b.title = t(tb ? "page.direction.tb.title" : "page.direction.lr.title");
  // The name starts with the button's own text (what a speech user says to press it).
  b.setAttribute("aria-label", t(tb ? "page.direction.tb.label" : "page.direction.lr.label"));
  $("#graph").dataset.direction = doc.direction || "";
}

/** A layer over the drawing for the moving dashes of the edges a gradient flows along: an
 *  animation inside the drawing would repaint all of it every frame, in a layer of its own
 *  only that layer is repainted. */
function flowLayer(live) {
  const svg = svgEl("svg");
  svg.setAttribute("class", "flow-layer");
  svg.setAttribute("aria-hidden", "true");
  const view = svgEl("g");
  const layer = svgEl("g");
  const g0 = $("g.graph", live);
  if (g0 && g0.getAttribute("transform")) layer.setAttribute("transform", g0.getAttribute("transform"));
  view.append(layer);
  svg.append(view);
  state.drawing.stage.append(svg);
  return { view, layer, node: null };
}

/** The flow layer shows the edges into node `id` while its gradient goes back (null: none);
 *  not an edge into a frozen leaf or a constant, along which no gradient goes. */
export function showFlow(id) {
  const { flow, edges } = state.drawing;
  if (!flow || flow.node === id) return;
  flow.node = id;
  const paths = [];
  for (const i of id !== null ? state.doc.stepIndex.edgesOf.get(id) || [] : []) {
    const display = state.doc.trace.display.edges[i];
    if (display.inactive) continue;
    const rec = edges.get(display.id);
    const path = rec && rec.g.querySelector("path");
    if (path) {
      const p = svgEl("path");
      p.setAttribute("d", path.getAttribute("d"));
      paths.push(p);
    }
  }
  flow.layer.replaceChildren(...paths);
}

/** Each node's box in drawing units (the units of the view), measured once: stepping then
 *  knows whether a node is on screen without asking the browser for its layout. Returns the
 *  drawing's transform (Graphviz's units to drawing units). */
function measureNodes(live) {
  const g0 = $("g.graph", live) || live.querySelector("g g");
  const t = g0 && g0.transform.baseVal.consolidate();
  const m = t ? t.matrix : { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 };
  for (const [id, { g }] of state.drawing.nodes) {
    const b = shapeBox(g);
    const xs = [b.x, b.x + b.width].map((x) => m.a * x + m.e), ys = [b.y, b.y + b.height].map((y) => m.d * y + m.f);
    state.drawing.nodeBoxes.set(id, { x: Math.min(...xs), y: Math.min(...ys), w: Math.abs(xs[1] - xs[0]), h: Math.abs(ys[1] - ys[0]) });
  }
  return m;
}


/** Node `display` in the drawing: its value and gradient lines (or the placeholders), and whether
 *  it is current or selected. `key` sums up the flags: the DOM is touched only when it changes. */
export function paintNode(display, key, hasValue, hasGrad, isCurrent, isSelected) {
  const rec = state.drawing.nodes.get(display.id);
  if (!rec || rec.key === key) return;
  const placeholders = state.doc.trace.display.placeholders;
  rec.key = key;
  if (rec.texts[2]) rec.texts[2].textContent = valueLine(hasValue ? display.value : placeholders.value);
  if (rec.texts[3]) rec.texts[3].textContent = hasGrad ? display.grad : placeholders.grad;
  rec.g.classList.toggle("pending", !hasValue);
  rec.g.classList.toggle("no-grad", !hasGrad);
  rec.g.classList.toggle("current", isCurrent);
  rec.g.classList.toggle("selected", isSelected && !isCurrent);
}

/** Edge `display`'s labels and highlight as of the step shown (see showEdge in steps.js). An
 *  inactive edge (into a frozen leaf or a constant) is not hot while its node's gradient goes
 *  back, as the server's drawing of that step has it. */
export function paintEdge(display, key, showValue, showGrad, hot, backward) {
  const rec = state.drawing.edges.get(display.id);
  if (!rec || rec.key === key) return;
  rec.key = key;
  if (rec.val) rec.val.style.visibility = showValue ? "visible" : "hidden";
  if (rec.grad) rec.grad.style.visibility = showGrad ? "visible" : "hidden";
  const flows = !display.inactive;
  rec.g.classList.toggle("hot", hot && (flows || !backward));
  rec.g.classList.toggle("backward", backward && flows);
}
