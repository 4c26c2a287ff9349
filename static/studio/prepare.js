/* Panels prepared while idle: the fast path of a step's panel, kept apart from the readable code.
 *
 * Building a panel (KaTeX formulas, tables) and laying it out takes longer than a frame on
 * a big node, so after a step the panels that the next step (→) and the previous one (←)
 * would show are built in standby panes: panes stacked under the node panel, the same
 * size, under the shown one, a chunk at a time in idle callbacks (each chunk small, so no
 * frame waits for it), each chunk laid out at once, in the idle callback. A step then shows
 * the standby pane instead of building its panel: only painting is left in the step. A
 * prepared panel belongs to one trace and one panel key; anything else (a jump, a selected
 * node, a new program) finds none and builds its panel at once. */
import { counters, state } from "./state.js";
import { $, el, focusable } from "./dom.js";
import { panelKey, panelParts } from "./panel-content.js";

const IDLE_TIMEOUT = 300;       // ms: an idle callback runs by then even on a busy page
const IDLE_SLICE = 4;           // ms: the idle work of one callback stops after this
const STANDBY = 2;              // standby panes: the next step's panel and the previous one's
const PANE_ATTRS = ["id", "role", "aria-labelledby", "tabindex"];   // the shown pane's

/** The panels the next and the previous step would show: {key, id, step}. */
function nextPanels() {
  const { trace } = state.doc;
  const total = trace.steps.length;
  const at = (k) => (k >= 1 && k <= total ? trace.steps[k - 1].node : trace.output);
  const out = [];
  for (const k of [state.view.step + 1, state.view.step - 1]) {
    if (k < 0 || k > total) continue;
    const id = at(k);
    out.push({ key: panelKey(id, k), id, step: k });
  }
  return out;
}

/** The standby panes (made once, under the node panel in its stack). */
function standbyPanes() {
  const panes = state.caches.standby;
  if (!panes.length) {
    for (let i = 0; i < STANDBY; i++) {
      const pane = el("div", { class: "card panel standby", "aria-hidden": "true" });
      $("#panel-stack").prepend(pane);      // under the shown pane
      panes.push(pane);
    }
  }
  return panes;
}

/** A prepared pane's title carries the panel title's id only once shown (ids are unique). */
export function titleId(pane, shown) {
  const t = pane.firstElementChild;
  if (t && t.classList.contains("node-title")) t.id = shown ? "panel-title" : `panel-title-standby-${++state.caches.standbyIds}`;
}

/** The prepared pane holding the panel `key` of the trace shown, taken out of the cache (or null). */
export function takePrepared(key) {
  const prepared = state.caches.prepared;
  if (prepared.trace !== state.doc.trace) return null;
  const hit = prepared.ready.get(key);
  if (!hit) return null;
  prepared.ready.delete(key);
  counters.prepUsed++;
  return hit;
}

/** Show a prepared pane in place of the panel `shown` (showing the panel `shownKey`), which becomes a standby pane.
 *  A standby pane is under the shown one, not hidden (see studio.css), so its buttons are
 *  kept out of the Tab order until it is shown (`inert` would restyle all of it). */
export function showPane(shown, pane, shownKey) {
  if (shown.contains(document.activeElement)) document.activeElement.blur();   // as when its content is replaced
  titleId(shown, false);
  titleId(pane, true);
  for (const a of PANE_ATTRS) { pane.setAttribute(a, shown.getAttribute(a)); shown.removeAttribute(a); }
  shown.setAttribute("tabindex", "-1");       // a scrollable pane is otherwise reachable with Tab
  pane.removeAttribute("aria-hidden");
  shown.setAttribute("aria-hidden", "true");
  focusable(pane, true);
  focusable(shown, false);
  pane.classList.remove("standby");
  shown.classList.add("standby");
  const panes = state.caches.standby;
  panes[panes.indexOf(pane)] = shown;
  // The panel just left is the one a step back shows: kept, ready, unless it holds a choice
  // of the student's (a picked weight) that a fresh panel would not.
  const prepared = state.caches.prepared;
  if (shownKey && !shown.querySelector(".weights")) prepared.ready.set(shownKey, shown);
  else prepared.free.push(shown);
}

/** Move a prepared pane's content into the shown panel, which keeps its scroll. */
export function adoptPrepared(shown, pane) {
  titleId(pane, true);
  focusable(pane, true);
  shown.replaceChildren(...pane.childNodes);
  state.caches.prepared.free.push(pane);
}

/** Forget every prepared panel (their panes are free again). */
export function dropPrepared() {
  const prepared = state.caches.prepared;
  for (const pane of prepared.ready.values()) prepared.free.push(pane);
  if (prepared.job) prepared.free.push(prepared.job.pane);
  prepared.ready.clear(); prepared.queue = []; prepared.job = null;
}

/** Stop preparing: a held key has passed the steps queued (catching up queues anew). */
export function cancelPreparing() {
  const prepared = state.caches.prepared;
  if (prepared.idle) cancelIdleCallback(prepared.idle);
  prepared.idle = null;
  prepared.queue = [];
}

/** Whether idle work is still pending for the trace shown (for tests and the benchmark). */
export function preparing() {
  const prepared = state.caches.prepared;
  return prepared.trace !== state.doc.trace || !!prepared.job || prepared.queue.length > 0;
}

/** Queue the panels of the next and previous steps, to be built while idle. */
export function preparePanels() {
  if (!window.requestIdleCallback || !state.doc.trace || !$("#panel-stack")) return;
  const prepared = state.caches.prepared;
  if (prepared.trace !== state.doc.trace) {       // a new program: every pane is free
    if (prepared.idle) cancelIdleCallback(prepared.idle);
    Object.assign(prepared, { trace: state.doc.trace, ready: new Map(), free: [...standbyPanes()], queue: [], job: null, idle: null });
  }
  const want = nextPanels().filter((w) => w.key !== state.panel.key);
  const keys = new Set(want.map((w) => w.key));
  for (const [key, pane] of [...prepared.ready]) if (!keys.has(key)) { prepared.ready.delete(key); prepared.free.push(pane); }
  if (prepared.job && !keys.has(prepared.job.key)) { prepared.free.push(prepared.job.pane); prepared.job = null; }
  prepared.queue = want.filter((w) => !prepared.ready.has(w.key) && !(prepared.job && prepared.job.key === w.key));
  if ((prepared.job || prepared.queue.length) && !prepared.idle) prepared.idle = requestIdleCallback(idlePrepare, { timeout: IDLE_TIMEOUT });
}

function idlePrepare(deadline) {
  const prepared = state.caches.prepared;
  prepared.idle = null;
  if (prepared.trace !== state.doc.trace) return;
  const t0 = performance.now();
  let last = 0;
  // At least one chunk per callback (a timed-out callback has no idle time left); another
  // only if it should still fit in the slice and in the idle period, judged by the last one.
  do {
    const c0 = performance.now();
    if (!prepared.job) {
      const w = prepared.queue.shift();
      if (!w) break;
      const pane = prepared.free.pop();
      if (!pane) { prepared.queue.unshift(w); break; }
      pane.replaceChildren();
      pane.scrollTop = 0;
      prepared.job = { key: w.key, pane, parts: panelParts(w.id, w.step) };
    }
    const job = prepared.job;
    const r = job.parts.next();
    if (r.done) {
      prepared.ready.set(job.key, job.pane);
      prepared.job = null;
    } else {
      job.pane.append(...r.value);
      titleId(job.pane, false);
      focusable(job.pane, false);
      void job.pane.firstElementChild.offsetWidth;   // styled and laid out now, not in a step's frame
    }
    last = performance.now() - c0;
    counters.prepLongest = Math.max(counters.prepLongest, last);
  } while (performance.now() - t0 + last < IDLE_SLICE && deadline.timeRemaining() > last);
  counters.prepMs += performance.now() - t0;
  if (prepared.job || prepared.queue.length) prepared.idle = requestIdleCallback(idlePrepare, { timeout: IDLE_TIMEOUT });
}
