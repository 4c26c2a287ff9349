/* The topological order: one row per node, marked as the steps give it a value and a gradient. */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { t } from "./i18n.js";
import { nodeTip, shapeText } from "./format.js";

const MAX_ORDER_ITEMS = 3000;   // a longer list would slow every step; the rest is summarized

/** List the nodes of trace `doc`; a click on a row calls `onPick(id)`. */
export function buildOrder(doc, onPick) {
  const ol = $("#order");
  const rows = state.order.rows;
  ol.innerHTML = "";
  rows.clear();
  const frag = document.createDocumentFragment();
  for (const display of doc.display.nodes.slice(0, MAX_ORDER_ITEMS)) {
    const li = el("li", { "data-node": display.id },
      el("button", { type: "button", title: nodeTip(doc.nodes[display.id]), onclick: () => onPick(display.id) },
        el("span", { class: "oid", text: `#${display.id}` }),
        el("span", { class: "oname", text: display.header }),
        el("span", { class: "oshape" }, shapeText(doc.nodes[display.id].shape) + (display.shape.includes("frozen") ? " · frozen" : ""),
          el("span", { class: "dots", "aria-hidden": "true" }, el("i", { class: "dot v" }), el("i", { class: "dot g" }))),
        el("span", { class: "sr-only" })));      // the row in words, for a screen reader (paintRow)
    rows.set(display.id, { li, row: rows.size, key: -1 });
    frag.append(li);
  }
  const more = doc.display.nodes.length - MAX_ORDER_ITEMS;
  if (more > 0) frag.append(el("li", { class: "muted", "data-more": String(more), text: t("page.order.more", { n: more }) }));
  ol.append(frag);
  measureOrder();
}

/** The list's rows are one line each, all the same height: measure them once, so that
 *  stepping can scroll a row into view by arithmetic instead of asking for layout. */
function measureOrder() {
  const ol = $("#order");
  const order = state.order;
  const rows = [...order.rows.values()].map((r) => r.li);
  order.pitch = null;
  ol.scrollTop = 0;                 // the first row is drawn: its height is a real one
  order.height = ol.clientHeight;
  if (rows.length < 2 || !order.height) return;
  // Rows off screen are not drawn (content-visibility): they take this height meanwhile.
  ol.style.setProperty("--row-h", `${rows[0].offsetHeight}px`);
  const top = (li) => li.getBoundingClientRect().top - ol.getBoundingClientRect().top + ol.scrollTop - ol.clientTop;
  const first = top(rows[0]), height = rows[0].offsetHeight;
  const pitch = (top(rows[rows.length - 1]) - first) / (rows.length - 1);
  if (height > 0 && Math.abs(pitch - height) < 0.5) order.pitch = { first, height };    // else: scrollIntoView
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
}

/** Without a measured pitch, the browser scrolls node `id`'s row into view (after the step's writes). */
export function scrollToRowByLayout(id) {
  const row = id !== null ? state.order.rows.get(id) : null;
  if (row && !state.order.pitch) row.li.scrollIntoView({ block: "nearest" });
}

/** Node `id`'s row as of the step shown; `key` sums up the flags (the DOM only if it changed). */
export function paintRow(id, key, hasValue, hasGrad, isCurrent, isSelected) {
  const row = state.order.rows.get(id);
  if (!row || row.key === key) return;
  row.key = key;
  const li = row.li;
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
    const shape = r.li.querySelector(".oshape").firstChild;
    if (doc && shape && shape.nodeType === Node.TEXT_NODE) shape.textContent = shapeText(doc.nodes[id].shape) + (shape.textContent.includes("frozen") ? " · frozen" : "");
  }
  const more = $("#order [data-more]");
  if (more) more.textContent = t("page.order.more", { n: Number(more.dataset.more) });
}
