/* The overview map: every node as a box and every edge as a line, plus the visible area.
 * The map never changes; the current node's mark and the visible area are drawn over it
 * in an SVG of their own (a sibling laid exactly over the map, same size and units), so a
 * step or a pan repaints those two boxes, not the map's hundreds of shapes. */
import { state } from "./state.js";
import { $, shapeBox, svgEl, svgPoint } from "./dom.js";

const MINIMAP_MAX = { w: 200, h: 110 };   // pixels

/** Build the map of the installed drawing (`live`: its first SVG; null: no drawing, no map). */
export function buildMinimap(live) {
  const box = $("#minimap");
  const { drawing } = state;
  box.innerHTML = "";
  if (drawing.minimap) drawing.minimap.over.remove();
  drawing.minimap = null;
  if (!drawing.bounds) return;
  const f = drawing.bounds;
  const k = Math.min(MINIMAP_MAX.w / f.w, MINIMAP_MAX.h / f.h);
  const svg = svgEl("svg");
  svg.setAttribute("width", String(Math.round(f.w * k)));
  svg.setAttribute("height", String(Math.round(f.h * k)));
  svg.setAttribute("viewBox", `${f.x} ${f.y} ${f.w} ${f.h}`);
  svg.setAttribute("aria-hidden", "true");
  // Graphviz draws inside a transformed group: copy its transform so coordinates agree.
  const g0 = $("g.graph", live) || live.querySelector("g g");
  const layer = svgEl("g");
  if (g0 && g0.getAttribute("transform")) layer.setAttribute("transform", g0.getAttribute("transform"));
  svg.append(layer);
  const groupEdges = [...state.groups.into.values()].flat().map((g) => ({ g }));
  for (const { g } of [...drawing.edges.values(), ...groupEdges]) {
    const path = g.querySelector("path");
    if (!path) continue;
    const p = svgEl("path");
    p.setAttribute("d", path.getAttribute("d"));
    p.setAttribute("class", "mm-edge");
    layer.append(p);
  }
  const nodes = new Map();
  for (const [id, { g }] of drawing.nodes) {
    if (!g.querySelector("path, polygon")) continue;
    const b = shapeBox(g);          // from its coordinates: no layout of the whole drawing
    const r = svgEl("rect");
    const d = state.doc.trace.display.nodes[id];
    Object.entries({ x: b.x, y: b.y, width: b.width, height: b.height, rx: 6 }).forEach(([a, v]) => r.setAttribute(a, String(v)));
    r.setAttribute("class", `mm-node ${d.output ? "output" : d.kind}`);
    layer.append(r);
    nodes.set(id, r);
  }
  // Collapsed: a box per statement, which marks each of its nodes.
  const statements = state.doc.trace.display.statements;
  for (const [gid, { g }] of state.groups.records) {
    if (!g.querySelector("path, polygon")) continue;
    const b = shapeBox(g);          // from its coordinates: no layout of the whole drawing
    const r = svgEl("rect");
    const d = statements.groups[gid];
    Object.entries({ x: b.x, y: b.y, width: b.width, height: b.height, rx: 6 }).forEach(([a, v]) => r.setAttribute(a, String(v)));
    r.setAttribute("class", `mm-node ${d.output ? "output" : d.kind}`);
    layer.append(r);
    for (const n of d.nodes) nodes.set(n, r);
  }
  const over = svg.cloneNode(false);
  over.setAttribute("class", "minimap-over");
  over.setAttribute("hidden", "");
  const overLayer = layer.cloneNode(false);
  const current = svgEl("rect");
  current.setAttribute("class", "mm-node current");
  current.setAttribute("display", "none");
  overLayer.append(current);
  const view = svgEl("rect");
  view.setAttribute("class", "mm-view");
  over.append(overLayer, view);
  box.append(svg);
  box.after(over);
  drawing.minimap = { svg, over, view, nodes, current };
}

/** Show the map only while part of the graph is out of view; frame `area`, the part visible. */
export function updateMinimap(area) {
  const box = $("#minimap");
  const map = state.drawing.minimap, v = state.view.rect, f = state.drawing.bounds;
  if (!map || !v || !f) { box.hidden = true; return; }
  const eps = 0.5;
  const whole = v.x <= f.x + eps && v.y <= f.y + eps && v.x + v.w >= f.x + f.w - eps && v.y + v.h >= f.y + f.h - eps;
  box.hidden = whole;
  map.over.toggleAttribute("hidden", whole);
  const { x, y, w, h } = area;
  Object.entries({ x, y, width: w, height: h }).forEach(([a, val]) => map.view.setAttribute(a, String(val)));
  box.dataset.view = [x, y, w, h].map((n) => n.toFixed(1)).join(" ");
}

/** Mark node `current` on the map (null: no mark). */
export function markCurrent(current) {
  const map = state.drawing.minimap;
  const box = current !== null ? map.nodes.get(current) : null;
  if (box) for (const a of ["x", "y", "width", "height", "rx"]) map.current.setAttribute(a, box.getAttribute(a));
  map.current.setAttribute("display", box ? "inline" : "none");
}

/** A click or drag on the map calls `onPick` with the point under the pointer, in drawing units. */
export function initMinimap(onPick) {
  const box = $("#minimap");
  let dragging = false;
  const moveTo = (e) => {
    if (!state.drawing.minimap || !state.view.rect) return;
    onPick(svgPoint(state.drawing.minimap.svg, e.clientX, e.clientY));
  };
  box.addEventListener("pointerdown", (e) => { dragging = true; box.setPointerCapture(e.pointerId); moveTo(e); e.preventDefault(); });
  box.addEventListener("pointermove", (e) => { if (dragging) moveTo(e); });
  box.addEventListener("pointerup", () => { dragging = false; });
  box.addEventListener("pointercancel", () => { dragging = false; });
}
