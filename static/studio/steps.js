/* Stepping: what is shown after step k. A step touches only what changes between the step
 * shown and the new one, then the step label, the panel and (later) the address follow. */
import { state, currentStep } from "./state.js";
import { $, el } from "./dom.js";
import { t } from "./i18n.js";
import { paintEdge, paintNode, showFlow } from "./drawing.js";
import { editor } from "./editor.js";
import { showGroups } from "./groups.js";
import { markCurrent } from "./minimap.js";
import { onLang } from "./i18n.js";
import { narrate } from "./narration.js";
import { paintRow, scrollToRow, scrollToRowByLayout } from "./order.js";
import { panelNode, renderPanel, showTab } from "./panel.js";
import { updateHash } from "./share.js";
import { ensureVisible } from "./view.js";

/** For each step k, the nodes and edges whose texts change at k (their value or gradient
 *  appears), and each node's incoming edges in the drawing: so a step touches only those. */
const NONE = Object.freeze([]);

export function indexSteps(doc) {
  const total = doc.steps.length;
  // A step's list is made when something changes at it (most steps change one node: no empty lists).
  const nodesAt = new Array(total + 1).fill(NONE), edgesAt = new Array(total + 1).fill(NONE);
  const add = (lists, k, x) => { if (lists[k] === NONE) lists[k] = [x]; else lists[k].push(x); };
  const at = (k) => (k !== null && k >= 0 && k <= total ? k : null);
  for (const display of doc.display.nodes) {
    const v = at(display.value_at), g = at(display.grad_at);
    if (v !== null) add(nodesAt, v, display.id);
    if (g !== null && g !== v) add(nodesAt, g, display.id);
  }
  const edgesOf = new Map();
  doc.display.edges.forEach((display, i) => {
    const v = at(display.value_at), g = display.grad !== null ? at(display.grad_at) : null;
    if (v !== null) add(edgesAt, v, i);
    if (g !== null && g !== v) add(edgesAt, g, i);
    if (!edgesOf.has(display.node)) edgesOf.set(display.node, []);
    edgesOf.get(display.node).push(i);
  });
  state.doc.stepIndex = { nodesAt, edgesAt, edgesOf };
}

/** Show step k. `keepSelection`: a picked node stays picked; `hurry`: a held key's repeated
 *  step, which leaves a panel not prepared beforehand for later (see renderPanel). */
export function setStep(k, { keepSelection = false, hurry = false } = {}) {
  const { trace } = state.doc;
  const view = state.view;
  if (!trace) return;
  const total = trace.steps.length;
  const prev = view.shown;
  view.step = Math.max(0, Math.min(total, k));
  if (!keepSelection) view.selected = null;
  const step = currentStep();
  const current = step ? step.node : null;
  const selected = view.selected;

  // Reads first, while the layout is still clean from the last frame; writes after.
  scrollToRow(current);
  if (current !== null) ensureVisible(current);
  if (selected !== null) ensureVisible(selected);

  // Only what changes between the step shown and this one: the nodes and edges whose
  // values or gradients appear or disappear in between, and the current and selected nodes.
  const nodes = new Set(), edges = new Set();
  const { nodesAt, edgesAt, edgesOf } = state.doc.stepIndex;
  const all = !prev || Math.abs(view.step - prev.step) > total / 4;
  if (all) {
    trace.display.nodes.forEach((display) => nodes.add(display.id));
    trace.display.edges.forEach((display, i) => edges.add(i));
  } else {
    for (let j = Math.min(prev.step, view.step) + 1; j <= Math.max(prev.step, view.step); j++) {
      for (const id of nodesAt[j]) nodes.add(id);
      for (const i of edgesAt[j]) edges.add(i);
    }
    for (const id of [prev.current, prev.selected]) if (id !== null) nodes.add(id);
    if (prev.current !== null) for (const i of edgesOf.get(prev.current) || []) edges.add(i);
  }
  for (const id of [current, selected]) if (id !== null) nodes.add(id);
  if (current !== null) for (const i of edgesOf.get(current) || []) edges.add(i);
  for (const id of nodes) showNode(trace.display.nodes[id], current, selected);
  for (const i of edges) showEdge(trace.display.edges[i], current, step);
  showGroups(all ? null : prev.step, current, selected);
  if (state.drawing.minimap && (!prev || prev.current !== current)) markCurrent(current);
  showFlow(step && step.phase === "backward" ? current : null);
  editor.markNode(selected !== null ? selected : current);
  view.shown = { step: view.step, current, selected };
  scrollToRowByLayout(current);

  const slider = $("#step-slider");
  slider.value = String(view.step);
  slider.setAttribute("aria-valuetext", stepText());
  $("#step-label").innerHTML = "";
  $("#step-label").append(...stepLabel());
  $("#step-label").title = stepText();       // the label shows two lines; the whole text on hover
  showNarration();
  $("#step-prev").disabled = $("#step-first").disabled = view.step === 0;
  $("#step-next").disabled = $("#step-last").disabled = view.step === total;
  renderPanel(panelNode(), { hurry });
  updateHash();
}

/** The step shown told in a sentence, just above the step bar (an ARIA live region). */
function showNarration() {
  $("#narration").textContent = state.view.step > 0 ? narrate(state.doc.trace, state.view.step - 1) : "";
}
onLang(() => { if (state.doc.trace) showNarration(); });

/** Node `display` as of the step shown, in the drawing and in the order list. */
function showNode(display, current, selected) {
  const k = state.view.step;
  const hasValue = display.value_at !== null && k >= display.value_at;
  const hasGrad = display.grad_at !== null && k >= display.grad_at;
  const isCurrent = display.id === current, isSelected = selected === display.id;
  const key = (hasValue ? 1 : 0) | (hasGrad ? 2 : 0) | (isCurrent ? 4 : 0) | (isSelected ? 8 : 0);
  paintNode(display, key, hasValue, hasGrad, isCurrent, isSelected);
  paintRow(display.id, key, hasValue, hasGrad, isCurrent, isSelected);
}

/** Edge `display`'s labels and highlight as of the step shown: its value once its input is
 *  computed, its gradient once that flows back, hot while its node is the current one. */
function showEdge(display, current, step) {
  const k = state.view.step;
  const showValue = display.value_at !== null && k >= display.value_at;
  const showGrad = display.grad !== null && display.grad_at !== null && k >= display.grad_at;
  const hot = current !== null && display.node === current;
  const backward = hot && step.phase === "backward";
  const key = (showValue ? 1 : 0) | (showGrad ? 2 : 0) | (hot ? 4 : 0) | (backward ? 8 : 0);
  paintEdge(display, key, showValue, showGrad, hot, backward);
}

/** Pick node `id`: the panel shows it, and the drawing and the list mark it. */
export function selectNode(id) {
  if (!state.doc.trace) return;
  state.view.selected = id;
  showTab("node");
  setStep(state.view.step, { keepSelection: true });
}

function stepText() {
  const { trace } = state.doc;
  const total = trace.steps.length;
  const step = currentStep();
  if (!step) return t("page.step.text.start", { total });
  const display = trace.display.nodes[step.node];
  return t(`page.step.text.${step.phase}`, { k: state.view.step, total, node: display.header });
}

function stepLabel() {
  const { trace } = state.doc;
  const k = state.view.step;
  const total = trace.steps.length;
  const step = currentStep();
  const count = el("b", { text: t("page.step.count", { k, total }) });
  if (!step) return [count, t("page.step.start")];
  const display = trace.display.nodes[step.node];
  const phase = step.phase === "forward"
    ? el("span", { class: "ph-f", text: t("page.step.forward") }) : el("span", { class: "ph-b", text: t("page.step.backward") });
  const what = step.phase === "forward" ? ` · ${display.header}: ${display.value}`
    : t(trace.nodes[step.node].inputs.length ? "page.step.to.inputs" : "page.step.receives", { node: display.header });
  const done = k === total ? t(trace.backward ? "page.step.done" : "page.step.done.nobackward") : "";
  return [count, " · ", phase, what, done];
}
