/* The collapsed drawing: one box per statement (the server's display.statements). A box
 * lights up while any of its steps is current, shows its value after its last forward step
 * and its gradient after its last backward step; the copies of a high-fan-out statement
 * light up with it. A box expands in place: the server draws the statement's nodes on their
 * own (/api/expand) and the page lays that inset over the box, so nothing else moves; its
 * nodes and edges then step like the full drawing's. */
import { state } from "./state.js";
import { $, $$, el, shapeBox, svgEl, toast } from "./dom.js";
import { postExpand } from "./api.js";
import { lang, msgText, onLang, t } from "./i18n.js";
import { shapeLine, valueLine } from "./format.js";

/** A statement's size in words: "3 nodes, 5 steps". */
function groupSize(d) {
  return t(d.nodes.length === 1 ? "page.group.size.one" : "page.group.size", { nodes: d.nodes.length, steps: d.steps.length });
}

function groupTip(d) { return t("page.group.tip", { header: d.header, size: groupSize(d) }); }
function copyTip(d) { return t("page.group.copy.tip", { header: d.header }); }

// A switch of language: the boxes' tooltips, the level button and mark, and the statement box (built again).
onLang(() => {
  const trace = state.doc.trace;
  if (!trace) return;
  showLevel(trace);
  state.groups.panel = null;
  if (trace.level !== "statements") return;
  const groups = trace.display.statements.groups;
  for (const [id, rec] of state.groups.records) {
    rec.key = -1;                                  // the next paint tells the value line again
    if (rec.texts[1]) rec.texts[1].textContent = shapeLine(groups[id].shape);
    for (const tip of [rec.g, ...rec.copies].map((g) => g.querySelector(":scope > title"))) {
      if (tip && tip.dataset.group) tip.textContent = groupTip(groups[Number(tip.dataset.group)]);
      else if (tip && tip.dataset.copyOf) tip.textContent = copyTip(groups[Number(tip.dataset.copyOf)]);
    }
  }
});

let hooks = { goTo: () => {}, repaint: () => {}, select: () => {} };

/** `goTo(k)`: show step k; `repaint()`: show the step again, everything redrawn; `select(id)`: pick a node. */
export function initGroups(h) {
  hooks = h;
  $("#group-panel").addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.step) hooks.goTo(Number(b.dataset.step));
    else if (b.dataset.expand) toggleGroup(Number(b.dataset.expand));
  });
}

/** Whether the drawing shown is the collapsed one. */
export function collapsed() {
  const t = state.doc.trace;
  return !!(t && t.svg && t.level === "statements");
}

/** The group of node `id` (null: none, or not collapsed). */
export function groupOf(id) {
  return collapsed() && id !== null ? state.doc.trace.display.statements.of[id] : null;
}

/** Register the boxes, copies and edges of the collapsed drawing `live` (its groups by id in
 *  `byId`); each node's box is its statement's, so the view and the map follow a step. */
export function installGroups(doc, byId, matrix) {
  const g = state.groups;
  g.records.clear(); g.into.clear(); g.insets.clear();
  g.shown = new Map();
  if (doc.level !== "statements" || !doc.svg) return;
  const levels = doc.display.statements;
  for (const d of levels.groups) {
    const box = byId.get(d.svg_id);
    if (!box) continue;
    box.dataset.node = d.head;
    box.dataset.group = d.id;
    box.setAttribute("tabindex", "-1");
    const tip = svgEl("title");
    tip.dataset.group = d.id;
    tip.textContent = groupTip(d);
    box.prepend(tip);
    box.addEventListener("dblclick", () => toggleGroup(d.id));
    const texts = $$("text", box);
    if (texts[1] && lang() !== "en") texts[1].textContent = shapeLine(d.shape);   // as node boxes are told
    g.records.set(d.id, { g: box, texts, copies: [], key: -1 });
  }
  for (const c of levels.copies) {
    const copy = byId.get(c.svg_id), rec = g.records.get(c.group);
    if (!copy || !rec) continue;
    copy.dataset.node = levels.groups[c.group].head;
    const tip = svgEl("title");
    tip.dataset.copyOf = c.group;
    tip.textContent = copyTip(levels.groups[c.group]);
    copy.prepend(tip);
    rec.copies.push(copy);
  }
  for (const e of levels.edges) {
    const edge = byId.get(e.id);
    if (!edge) continue;
    if (!g.into.has(e.group)) g.into.set(e.group, []);
    g.into.get(e.group).push(edge);
  }
  for (const [id, rec] of g.records) {
    const b = shapeBox(rec.g);
    const xs = [b.x, b.x + b.width].map((x) => matrix.a * x + matrix.e), ys = [b.y, b.y + b.height].map((y) => matrix.d * y + matrix.f);
    const box = { x: Math.min(...xs), y: Math.min(...ys), w: Math.abs(xs[1] - xs[0]), h: Math.abs(ys[1] - ys[0]) };
    for (const n of levels.groups[id].nodes) state.drawing.nodeBoxes.set(n, box);
  }
}

/** The text size of the boxes, in drawing units (the view starts with it readable). */
export function groupFont() {
  const first = state.groups.records.values().next().value;
  return first ? Number(first.texts[0]?.getAttribute("font-size")) : 0;
}

/** Show every box that changes between step `from` (null: none shown yet) and the step
 *  shown, and the current and picked statements. */
export function showGroups(from, current, selected) {
  if (!collapsed()) return;
  const { trace } = state.doc;
  const levels = trace.display.statements;
  const k = state.view.step;
  const cur = groupOf(current), sel = groupOf(selected);
  const ids = new Set();
  const shown = state.groups.shown;
  if (from === null || Math.abs(from - k) > levels.groups.length / 4) levels.groups.forEach((d) => ids.add(d.id));
  else {
    const lo = Math.min(from, k), hi = Math.max(from, k);
    for (const d of levels.groups) {
      if ((d.value_at > lo && d.value_at <= hi) || (d.grad_at !== null && d.grad_at > lo && d.grad_at <= hi)) ids.add(d.id);
    }
  }
  for (const id of shown.keys()) ids.add(id);       // the last current and picked ones
  shown.clear();
  if (cur !== null) { ids.add(cur); shown.set(cur, true); }
  if (sel !== null) { ids.add(sel); shown.set(sel, true); }
  for (const id of ids) paintGroup(levels.groups[id], k, id === cur, id === sel);
  showGroupPanel(sel !== null ? sel : cur);
}

function paintGroup(d, k, isCurrent, isSelected) {
  const rec = state.groups.records.get(d.id);
  if (!rec) return;
  const hasValue = d.value_at !== null && k >= d.value_at;
  const hasGrad = d.grad_at !== null && k >= d.grad_at;
  const key = (hasValue ? 1 : 0) | (hasGrad ? 2 : 0) | (isCurrent ? 4 : 0) | (isSelected ? 8 : 0);
  if (rec.key === key) return;
  rec.key = key;
  const placeholders = state.doc.trace.display.placeholders;
  if (rec.texts[2]) rec.texts[2].textContent = valueLine(hasValue ? d.value : placeholders.value);
  if (rec.texts[3]) rec.texts[3].textContent = hasGrad ? d.grad : placeholders.grad;
  for (const g of [rec.g, ...rec.copies]) {
    g.classList.toggle("pending", !hasValue);
    g.classList.toggle("current", isCurrent);
    g.classList.toggle("selected", isSelected && !isCurrent);
  }
  rec.g.classList.toggle("no-grad", !hasGrad);
  for (const edge of state.groups.into.get(d.id) || []) edge.classList.toggle("hot", isCurrent);
}

/** The panel's statement box: the statement of the picked (else the current) node, with
 *  every step inside it, each a link to that step. */
function showGroupPanel(id) {
  const box = $("#group-panel");
  if (!collapsed() || id === null) { box.hidden = true; state.groups.panel = null; return; }
  const k = state.view.step;
  const key = `${id}:${k}:${state.groups.insets.has(id)}`;
  box.hidden = false;
  if (state.groups.panel === key) return;
  state.groups.panel = key;
  const { trace } = state.doc;
  const d = trace.display.statements.groups[id];
  const open = state.groups.insets.has(id);
  const steps = d.steps.map((s) => {
    const step = trace.steps[s - 1];
    const node = trace.display.nodes[step.node];
    return el("li", { class: s === k ? "current" : (s < k ? "done" : "") },
      el("button", { class: "link", "data-step": String(s), text: t("page.group.step", { k: s, phase: t(`page.step.${step.phase}`), node: node.header }) }));
  });
  box.replaceChildren(
    el("div", { class: "group-head" },
      el("b", { text: t("page.group.statement", { name: d.name }) }),
      el("span", { class: "muted", text: ` · ${groupSize(d)}` }),
      el("button", { class: "btn small", "data-expand": String(id), id: "btn-expand-group", text: t(open ? "page.group.collapse" : "page.group.expand"), title: t("page.group.expand.title") })),
    el("ol", { class: "group-steps", "aria-label": t("page.group.steps.label", { name: d.name }) }, steps));
}

/** Expand statement `id` in place (its nodes drawn over its box), or collapse it again. */
export async function toggleGroup(id) {
  if (!collapsed()) return;
  const insets = state.groups.insets;
  if (insets.has(id)) { removeInset(id); hooks.repaint(); return; }
  const { trace, source } = state.doc;
  const res = await postExpand(source, id, trace.direction);
  if (state.doc.trace !== trace || insets.has(id)) return;       // another program, or twice
  if (!res.ok) { toast(t("page.group.expand.failed", { why: msgText(res.data.message) || `HTTP ${res.status}` })); return; }
  addInset(id, res.data.svg);
  hooks.repaint();
}

/** Expand or collapse the statement of the picked (else the current) node. */
export function toggleCurrentGroup() {
  const step = state.view.step > 0 ? state.doc.trace.steps[state.view.step - 1] : null;
  const id = groupOf(state.view.selected !== null ? state.view.selected : (step ? step.node : null));
  if (id !== null) toggleGroup(id);
}

function addInset(id, svgText) {
  const rec = state.groups.records.get(id);
  const box = state.drawing.nodeBoxes.get(state.doc.trace.display.statements.groups[id].head);
  if (!rec || !box) return;
  const svg = new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement;
  const vb = svg.viewBox.baseVal;
  const g0 = $("g.graph", svg);
  $$("title", g0).forEach((t) => t.remove());
  const layer = svgEl("svg");
  layer.setAttribute("class", "inset-layer");
  const viewport = svgEl("g");
  viewport.setAttribute("class", "viewport");
  viewport.setAttribute("transform", state.drawing.viewports[0].getAttribute("transform") || "");
  const place = svgEl("g");
  place.setAttribute("class", "inset");
  place.dataset.group = id;
  // Just under the box (else above it), centred on it, so the box (lit while its steps are
  // current) stays in view; inside the drawing's bounds, outside which nothing is painted.
  const f = state.drawing.bounds, gap = 14;
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const x = clamp(box.x + box.w / 2 - vb.width / 2, f.x + 4, f.x + f.w - vb.width - 4);
  const below = box.y + box.h + gap, above = box.y - gap - vb.height;
  const y = below + vb.height <= f.y + f.h - 4 || above < f.y + 4
    ? clamp(below, f.y + 4, f.y + f.h - vb.height - 4) : above;
  place.setAttribute("transform", `translate(${x} ${y})`);
  const frame = svgEl("rect");
  Object.entries({ x: -4, y: -4, width: vb.width + 8, height: vb.height + 8, rx: 8, class: "inset-frame" }).forEach(([a, v]) => frame.setAttribute(a, String(v)));
  place.append(frame, document.importNode(g0, true));
  viewport.append(place);
  layer.append(viewport);
  state.drawing.stage.append(layer);
  state.drawing.viewports.push(viewport);
  const nodes = [], edges = [];
  for (const g of $$("g.node", place)) {
    const m = /^node-(\d+)$/.exec(g.id);
    if (!m) continue;
    const nid = Number(m[1]);
    g.dataset.node = nid;
    state.drawing.nodes.set(nid, { g, texts: $$("text", g), key: -1 });
    nodes.push(nid);
  }
  for (const g of $$("g.edge", place)) {
    const texts = $$("text", g);
    if (texts[0]) texts[0].classList.add("val");
    if (texts[1]) texts[1].classList.add("grad");
    state.drawing.edges.set(g.id, { g, val: texts[0] || null, grad: texts[1] || null, key: -1 });
    edges.push(g.id);
  }
  rec.g.classList.add("expanded");
  state.groups.insets.set(id, { layer, viewport, nodes, edges });
}

function removeInset(id) {
  const inset = state.groups.insets.get(id);
  if (!inset) return;
  inset.layer.remove();
  state.drawing.viewports = state.drawing.viewports.filter((v) => v !== inset.viewport);
  for (const n of inset.nodes) state.drawing.nodes.delete(n);
  for (const e of inset.edges) state.drawing.edges.delete(e);
  const rec = state.groups.records.get(id);
  if (rec) rec.g.classList.remove("expanded");
  state.groups.insets.delete(id);
}

/** The level toggle: one box per statement, or per node where the full drawing fits. */
export function showLevel(doc) {
  const b = $("#btn-level");
  const statements = doc.level === "statements";
  b.hidden = !doc.svg && !statements;
  b.disabled = !statements && !doc.svg;
  b.textContent = t(statements ? "page.level.statements" : "page.level.nodes");
  const canExpand = statements && doc.nodes_fit;
  b.title = t(statements ? (canExpand ? "page.level.statements.title" : "page.level.statements.big.title") : "page.level.nodes.title");
  b.setAttribute("aria-label", `${b.textContent}: ${b.title}`);      // the visible text first, as screen readers expect
  b.disabled = statements && !canExpand;
  $("#graph").dataset.level = doc.svg ? doc.level : "";
  const mark = $("#level-mark");
  mark.hidden = !statements || !doc.svg;
  mark.textContent = statements ? t("page.level.mark", { statements: doc.display.statements.groups.length.toLocaleString("en"), nodes: doc.nodes.length.toLocaleString("en") }) : "";
}
