/* Stepping: what is shown after step k. A step touches only what changes between the step
 * shown and the new one, then the step label, the panel and (later) the address follow. */
import { state, currentStep } from "./state.js";
import { $, el } from "./dom.js";
import { paintEdge, paintNode, showFlow } from "./drawing.js";
import { markCurrent } from "./minimap.js";
import { paintRow, scrollToRow, scrollToRowByLayout } from "./order.js";
import { panelNode, renderPanel, showTab } from "./panel.js";
import { updateHash } from "./share.js";
import { ensureVisible } from "./view.js";

/** For each step k, the nodes and edges whose texts change at k (their value or gradient
 *  appears), and each node's incoming edges in the drawing: so a step touches only those. */
export function indexSteps(doc) {
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
    trace.display.nodes.forEach((d) => nodes.add(d.id));
    trace.display.edges.forEach((d, i) => edges.add(i));
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
  if (state.drawing.minimap && (!prev || prev.current !== current)) markCurrent(current);
  showFlow(step && step.phase === "backward" ? current : null);
  view.shown = { step: view.step, current, selected };
  scrollToRowByLayout(current);

  const slider = $("#step-slider");
  slider.value = String(view.step);
  slider.setAttribute("aria-valuetext", stepText());
  $("#step-label").innerHTML = "";
  $("#step-label").append(...stepLabel());
  $("#step-label").title = stepText();       // the label shows two lines; the whole text on hover
  $("#step-prev").disabled = $("#step-first").disabled = view.step === 0;
  $("#step-next").disabled = $("#step-last").disabled = view.step === total;
  renderPanel(panelNode(), { hurry });
  updateHash();
}

/** Node `d` as of the step shown, in the drawing and in the order list. */
function showNode(d, current, selected) {
  const k = state.view.step;
  const hasValue = d.value_at !== null && k >= d.value_at;
  const hasGrad = d.grad_at !== null && k >= d.grad_at;
  const isCurrent = d.id === current, isSelected = selected === d.id;
  const key = (hasValue ? 1 : 0) | (hasGrad ? 2 : 0) | (isCurrent ? 4 : 0) | (isSelected ? 8 : 0);
  paintNode(d, key, hasValue, hasGrad, isCurrent, isSelected);
  paintRow(d.id, key, hasValue, hasGrad, isCurrent, isSelected);
}

/** Edge `d`'s labels and highlight as of the step shown: its value once its input is
 *  computed, its gradient once that flows back, hot while its node is the current one. */
function showEdge(d, current, step) {
  const k = state.view.step;
  const showValue = d.value_at !== null && k >= d.value_at;
  const showGrad = d.grad !== null && d.grad_at !== null && k >= d.grad_at;
  const hot = current !== null && d.node === current;
  const backward = hot && step.phase === "backward";
  const key = (showValue ? 1 : 0) | (showGrad ? 2 : 0) | (hot ? 4 : 0) | (backward ? 8 : 0);
  paintEdge(d, key, showValue, showGrad, hot, backward);
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
  if (!step) return `Step 0 of ${total}: nothing computed yet`;
  const d = trace.display.nodes[step.node];
  return `Step ${state.view.step} of ${total}: ${step.phase} at ${d.header}`;
}

function stepLabel() {
  const { trace } = state.doc;
  const k = state.view.step;
  const total = trace.steps.length;
  const step = currentStep();
  const count = el("b", { text: `Step ${k} / ${total}` });
  if (!step) return [count, " · nothing computed yet — press → to start the forward pass"];
  const d = trace.display.nodes[step.node];
  const phase = step.phase === "forward"
    ? el("span", { class: "ph-f", text: "forward" }) : el("span", { class: "ph-b", text: "backward" });
  const what = step.phase === "forward" ? ` · ${d.header}: ${d.value}`
    : (trace.nodes[step.node].inputs.length ? ` · from ${d.header} to its inputs` : ` · ${d.header} receives its gradient`);
  const done = k === total ? (trace.backward ? " · done" : " · done (no backward pass: the output is not a scalar)") : "";
  return [count, " · ", phase, what, done];
}
