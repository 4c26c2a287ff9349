/* The topological order: one row per node, marked as the steps give it a value and a gradient. */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { t } from "./i18n.js";
import { nodeTip, shapeText } from "./format.js";

// A longer list keeps in the page only the rows in view (and OVERSCAN on each side): every
// node is listed, at any size, for the cost of a few dozen rows.
const VIRTUAL_FROM = 1000;
const OVERSCAN = 20;
const PAD = 6;                  // the list's own padding (studio.css .order), above the first row

/** One node's row. */
function makeRow(doc, display, onPick) {
  return el("li", { "data-node": display.id },
    el("button", { type: "button", title: nodeTip(doc.nodes[display.id]), onclick: () => onPick(display.id) },
      el("span", { class: "oid", text: `#${display.id}` }),
      el("span", { class: "oname", text: display.header }),
      el("span", { class: "oshape" }, shapeText(doc.nodes[display.id].shape) + (display.shape.includes("frozen") ? " · frozen" : ""),
        el("span", { class: "dots", "aria-hidden": "true" }, el("i", { class: "dot v" }), el("i", { class: "dot g" }))),
      el("span", { class: "sr-only" })));      // the row in words, for a screen reader (paintRow)
}

/** List the nodes of trace `doc`; a click on a row calls `onPick(id)`. */
export function buildOrder(doc, onPick) {
  const ol = $("#order");
  const order = state.order;
  const rows = order.rows;
  ol.innerHTML = "";
  rows.clear();
  const list = doc.display.nodes;
  order.virtual = list.length > VIRTUAL_FROM
    ? { doc, onPick, ids: list.map((d) => d.id), first: -1, last: -1, above: gap(), below: gap() } : null;
  if (order.virtual) {
    list.forEach((display, i) => rows.set(display.id, { li: null, row: i, key: -1, paint: null }));
    const probe = makeRow(doc, list[0], onPick);       // one row, measured: all are as tall
    rows.get(list[0].id).li = probe;
    probe.setAttribute("aria-setsize", String(list.length));
    probe.setAttribute("aria-posinset", "1");
    ol.append(probe);
    measureOrder();
    watchOrder(ol);
    renderWindow();
    return;
  }
  const frag = document.createDocumentFragment();
  for (const display of list) {
    const li = makeRow(doc, display, onPick);
    rows.set(display.id, { li, row: rows.size, key: -1, paint: null });
    frag.append(li);
  }
  ol.append(frag);
  measureOrder();
}

/** The list's rows are one line each, all the same height: measure them once, so that
 *  stepping can scroll a row into view by arithmetic instead of asking for layout. */
function measureOrder() {
  const ol = $("#order");
  const order = state.order;
  const rows = [...order.rows.values()].map((r) => r.li).filter(Boolean);
  order.pitch = null;
  ol.scrollTop = 0;                 // the first row is drawn: its height is a real one
  order.height = ol.clientHeight;
  if (!rows.length || !order.height) return;
  // Rows off screen are not drawn (content-visibility): they take this height meanwhile.
  ol.style.setProperty("--row-h", `${rows[0].offsetHeight}px`);
  const top = (li) => li.getBoundingClientRect().top - ol.getBoundingClientRect().top + ol.scrollTop - ol.clientTop;
  const first = top(rows[0]), height = rows[0].offsetHeight;
  if (order.virtual) { if (height > 0) order.pitch = { first, height }; return; }
  if (rows.length < 2) return;
  const pitch = (top(rows[rows.length - 1]) - first) / (rows.length - 1);
  if (height > 0 && Math.abs(pitch - height) < 0.5) order.pitch = { first, height };    // else: scrollIntoView
}

let watched = null;

/** A long list follows its scrolling and its size (a list first laid out hidden is measured once shown). */
function watchOrder(ol) {
  if (watched === ol) return;
  watched = ol;
  ol.addEventListener("scroll", () => { if (state.order.virtual) renderWindow(); }, { passive: true });
  new ResizeObserver(() => {
    const order = state.order;
    if (!order.virtual) return;
    order.height = ol.clientHeight;
    if (!order.pitch && order.height) measureOrder();
    renderWindow();
  }).observe(ol);
}

/** A long list's rows in view, made as they come into view (each painted as of the step shown);
 *  two spacers stand for the rows above and below. Rows that stay in view stay in the page
 *  (a focused row keeps its focus: Tab walks the list as the browser scrolls it). */
function renderWindow() {
  const order = state.order, v = order.virtual;
  if (!v) return;
  const ol = $("#order");
  const n = v.ids.length;
  const pitch = order.pitch ? order.pitch.height : 25;
  const top = ol.scrollTop, height = order.height || ol.clientHeight;
  const first = Math.max(0, Math.floor((top - PAD) / pitch) - OVERSCAN);
  const last = Math.min(n - 1, Math.ceil((top + height - PAD) / pitch) + OVERSCAN);
  if (first === v.first && last === v.last) return;
  const row = (r) => {
    const rec = order.rows.get(v.ids[r]);
    if (!rec.li) {
      rec.li = makeRow(v.doc, v.doc.display.nodes[v.ids[r]], v.onPick);
      rec.li.setAttribute("aria-setsize", String(n));      // the whole list's length, for a screen reader
      rec.li.setAttribute("aria-posinset", String(r + 1));
      if (rec.paint) { rec.key = -1; paintRow(v.ids[r], ...rec.paint); }
    }
    return rec.li;
  };
  const overlap = v.first >= 0 && first <= v.last && last >= v.first;
  for (let r = v.first; r >= 0 && r <= v.last; r++) {
    if (r >= first && r <= last) continue;
    const rec = order.rows.get(v.ids[r]);
    if (overlap) rec.li.remove();
    rec.li = null;
  }
  if (overlap) {                    // only the rows that come into view are added, above and below
    const above = [], below = [];
    for (let r = first; r < v.first; r++) above.push(row(r));
    for (let r = v.last + 1; r <= last; r++) below.push(row(r));
    v.above.after(...above);
    v.below.before(...below);
  } else {
    const lis = [];
    for (let r = first; r <= last; r++) lis.push(row(r));
    ol.replaceChildren(v.above, ...lis, v.below);
  }
  v.first = first; v.last = last;
  v.above.style.height = `${first * pitch}px`;
  v.below.style.height = `${(n - 1 - last) * pitch}px`;
}

/** An empty row standing for `rows` rows out of view (padding would not do: the list's size
 *  would grow with it). */
function gap() {
  return el("li", { class: "gap", "aria-hidden": "true" });
}

/** Scroll the list so that node `id`'s row is in view. Reads the scroll position only (the
 *  layout is still clean from the last frame), then writes it: call before the step's other writes. */
export function scrollToRow(id) {
  const row = id !== null ? state.order.rows.get(id) : null;
  const { pitch, height } = state.order;
  if (!row || !pitch || !height) return;
  const ol = $("#order");
  const top = pitch.first + row.row * pitch.height, bottom = top + pitch.height;
  const scrollTop = ol.scrollTop;
  if (top < scrollTop) ol.scrollTop = top;
  else if (bottom > scrollTop + height) ol.scrollTop = bottom - height;
  else return;
  renderWindow();                   // a long list: the rows now in view made before the step paints them
}

/** Without a measured pitch, the browser scrolls node `id`'s row into view (after the step's writes). */
export function scrollToRowByLayout(id) {
  const row = id !== null ? state.order.rows.get(id) : null;
  if (row && row.li && !state.order.pitch) row.li.scrollIntoView({ block: "nearest" });
}

/** Node `id`'s row as of the step shown; `key` sums up the flags (the DOM only if it changed). */
export function paintRow(id, key, hasValue, hasGrad, isCurrent, isSelected) {
  const row = state.order.rows.get(id);
  if (!row || row.key === key) return;
  row.key = key;
  row.paint = [key, hasValue, hasGrad, isCurrent, isSelected];     // a long list's row made later paints so
  const li = row.li;
  if (!li) return;
  li.firstChild.lastChild.textContent = rowText(id, hasValue, hasGrad, isCurrent);
  if (isCurrent) li.firstChild.setAttribute("aria-current", "step"); else li.firstChild.removeAttribute("aria-current");
  li.classList.toggle("has-value", hasValue);
  li.classList.toggle("has-grad", hasGrad);
  li.classList.toggle("current", isCurrent);
  li.classList.toggle("selected", isSelected);
}

/** What node `id`'s row adds in words for a screen reader, after its shown text (number,
 *  name, shape): its op, and its value and gradient as of the step shown (the drawing's texts). */
function rowText(id, hasValue, hasGrad, isCurrent) {
  const { nodes, display } = state.doc.trace;
  const node = nodes[id], shown = display.nodes[id];
  const op = node.kind === "op" ? t("page.order.op", { op: node.op }) : t(node.kind === "const" ? "page.order.const" : (node.frozen ? "page.order.frozen" : "page.order.leaf"));
  return `— ${op}, ` +
    `${hasValue ? shown.value : t("page.order.novalue")}, ${hasGrad ? shown.grad.replace(/^grad/, "gradient") : t("page.order.nograd")}` +
    (isCurrent ? t("page.order.current") : "");
}

/** A switch of language: every row is told again at the next step shown, and the summary line now. */
export function retellOrder() {
  const doc = state.doc.trace;
  for (const [id, r] of state.order.rows) {
    r.key = -1;
    if (!r.li) continue;
    const shape = r.li.querySelector(".oshape").firstChild;
    if (doc && shape && shape.nodeType === Node.TEXT_NODE) shape.textContent = shapeText(doc.nodes[id].shape) + (shape.textContent.includes("frozen") ? " · frozen" : "");
  }
}
