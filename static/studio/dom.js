/* Small DOM helpers shared by every module: queries, element building, KaTeX, the toast,
 * and keeping elements out of the Tab order. */
import { state } from "./state.js";

export const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** An HTML element: attributes (class, text, on<event> handlers, the rest as attributes), then children. */
export function el(tag, attrs = {}, ...children) {
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

/** An SVG element. */
export function svgEl(tag) {
  return document.createElementNS(SVG_NS, tag);
}

const TEX_CACHE_MAX = 2000;

/** LaTeX rendered by KaTeX (vendored, loaded as a classic script: window.katex); plain text without it. */
export function tex(latex, display = false) {
  const cache = state.caches.tex;
  const key = (display ? "D" : "I") + latex;
  const hit = cache.get(key);
  if (hit) return hit.cloneNode(true);
  const span = el("span", { class: "math", "data-latex": latex });
  span.textContent = latex;
  if (window.katex) {
    try { window.katex.render(latex, span, { throwOnError: false, displayMode: display, output: "html" }); }
    catch (_) { span.textContent = latex; }    // plain text
  }
  if (cache.size >= TEX_CACHE_MAX) cache.clear();
  cache.set(key, span);    // only ever copied from: it can be shown itself this once
  return span;
}

/** A short message at the bottom of the page. */
export function toast(msg) {
  const t = $("#toast");
  t.textContent = msg;
  t.classList.add("show");
  clearTimeout(state.timers.toast);
  state.timers.toast = setTimeout(() => t.classList.remove("show"), 2200);
}

const FOCUSABLE = "button, [tabindex], a[href]";

/** Take the focusable elements under `root` out of the Tab order (on = false) or put them back. */
export function focusable(root, on) {
  const saved = state.caches.savedTabIndex;
  for (const e of root.querySelectorAll(FOCUSABLE)) {
    if (on) {
      if (saved.has(e)) {
        const index = saved.get(e);
        if (index === null) e.removeAttribute("tabindex"); else e.setAttribute("tabindex", index);
        saved.delete(e);
      }
    } else if (!saved.has(e)) { saved.set(e, e.getAttribute("tabindex")); e.setAttribute("tabindex", "-1"); }
  }
}

/** Keep `e` out of the Tab order until its pane is shown, then give it `index`. */
export function outOfTabOrder(e, index) {
  state.caches.savedTabIndex.set(e, index);
  e.tabIndex = -1;
}

/** A point on screen in the user units of an SVG element. */
export function svgPoint(elem, clientX, clientY) {
  const p = new DOMPoint(clientX, clientY);
  return p.matrixTransform(elem.getScreenCTM().inverse());
}

/** The box of a node's shape (Graphviz's polygon, path or ellipse, the first in `g`) read from
 *  its coordinates, in the drawing's units: no layout asked of the browser (getBBox lays out
 *  the whole drawing, 0.5 s at 4,000 boxes). Any other shape: getBBox. */
export function shapeBox(g) {
  const shape = g.querySelector("polygon, path, ellipse");
  if (shape && shape.localName === "ellipse") {
    const [cx, cy, rx, ry] = ["cx", "cy", "rx", "ry"].map((a) => Number(shape.getAttribute(a)));
    return { x: cx - rx, y: cy - ry, width: 2 * rx, height: 2 * ry };
  }
  const text = shape && shape.getAttribute(shape.localName === "path" ? "d" : "points");
  // Graphviz writes absolute coordinates only (M, C, L and x,y pairs): every second number is a y.
  const nums = text && /^[MCL0-9.,\s-]+$/.test(text) ? text.match(/-?[0-9.]+/g).map(Number) : null;
  if (!nums || nums.length < 4 || nums.length % 2) return g.getBBox();
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < nums.length; i += 2) {
    const x = nums[i], y = nums[i + 1];
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
