/* Running a program: /api/trace (packed, without waiting for Graphviz), then the order list
 * and step k at once, "drawing…" in the graph box until /api/drawing answers right after. A big
 * program comes without its backward steps' details (`details` "later"): /api/details answers
 * them after the drawing; meanwhile its steps step, a backward step's panel saying they come. */
import { state } from "./state.js";
import { $, toast } from "./dom.js";
import { msgText, onLang, t } from "./i18n.js";
import { postJSON, variantKeys } from "./api.js";
import { stopPlay } from "./controls.js";
import { installGraph } from "./drawing.js";
import { clearError, editor, showError, showWarnings } from "./editor.js";
import { buildOrder } from "./order.js";
import { complete, hydrate } from "./lean.js";
import { unpack, unpackDetails } from "./packed.js";
import { dropPrepared } from "./prepare.js";
import { indexSteps, selectNode, setStep } from "./steps.js";

const runHooks = [];     // callbacks run after each program that ran (a lab follows the program)

/** Run `fn` after each run that succeeded. */
export function afterRun(fn) { runHooks.push(fn); }

/** Run the editor's program and show it at `step`; true when it ran. `variant`: another graph
 *  of the same program, as more keys of the /api/trace request: `{unroll: true}` its scalar
 *  graph, `{at}` (a training iteration: {steps, runs, run, iteration, label}) traced at that
 *  iteration's parameters, `{init}` its weight matrices redrawn by an initialization; null (or
 *  `{init: null}`): the program as written. The graph view says which it shows. `level`:
 *  "auto" (one box per node where that fits, else per statement), "nodes" or "statements". */
export async function runProgram(step = 0, variant = null, level = "auto") {
  state.groups.level = level;
  try {
    const ran = await runAndShow(step, variant && (variant.unroll || variant.at || variant.init) ? variant : null);
    if (ran && state.doc.trace === ran) for (const fn of runHooks) fn();    // not for a run a newer one replaced
    return !!ran;
  } finally { document.body.dataset.runs = String(++state.doc.runs); }
}

/** Draw the program shown again, laid out in `direction` ("LR": left to right, "TB": top to
 *  bottom) with one box per node or per statement (`level`: "nodes", "statements"); the step
 *  and the picked node stay. Only the drawing changes: the trace is the same. */
export async function redraw({ direction = state.doc.trace?.direction, level = state.doc.trace?.level } = {}) {
  const doc = state.doc;
  if (!doc.trace) return false;
  let res;
  try { res = await postJSON("/api/drawing", { source: doc.source, direction, level, ...variantKeys(doc.variant) }); }
  catch (e) { res = { ok: false, data: { message: t("page.run.unreachable") } }; }
  if (!res.ok || !res.data.svg) { toast(t("page.redraw.failed", { why: msgText(res.data && (res.data.message || res.data.svg_error)) || t("page.redraw.nodrawing") })); return false; }
  state.groups.level = res.data.level;
  Object.assign(doc.trace, { svg: res.data.svg, svg_error: res.data.svg_error, direction: res.data.direction,
    level: res.data.level, nodes_fit: res.data.nodes_fit });
  installGraph(doc.trace);
  setStep(state.view.step, { keepSelection: true });
  return true;
}

/** The graph view's bars saying which graph of the program it shows (hidden for the program as written). */
function showVariant(variant, trace) {
  const unroll = !!(variant && variant.unroll);
  $("#variant-banner").hidden = !unroll;
  $("#variant-text").textContent = unroll
    ? t("page.variant.unrolled", { nodes: trace.nodes.length })
    : "";
  const at = variant && variant.at;
  $("#graph-at").hidden = !at;
  if (at) $("#graph-at-text").textContent = t(at.iteration === 1 ? "page.at.text.one" : "page.at.text", { iteration: at.iteration, label: at.label });
}

// A switch of language: the graph view's bars say which graph they show again.
onLang(() => { if (state.doc.trace) showVariant(state.doc.variant, state.doc.trace); });

/** Run and show; the trace shown, or false when the program did not run. */
async function runAndShow(step, variant) {
  stopPlay();
  const source = editor.value;
  $("#btn-run").disabled = true;
  let res;
  const apart = state.doc.drawingApart;
  const form = apart ? { drawing: false, packed: true, details: false } : {};
  try { res = await postJSON("/api/trace", { source, gradcheck: false, level: state.groups.level, ...form, ...variantKeys(variant) }); }
  catch (e) { showError({ message: t("page.run.unreachable.running") }); return false; }
  finally { $("#btn-run").disabled = false; }
  if (!res.ok) { showError(res.data || { message: `HTTP ${res.status}` }); return false; }
  clearError();
  const doc = state.doc;
  doc.trace = hydrate(unpack(res.data));
  doc.source = source;
  doc.variant = variant;
  doc.at = variant && variant.at ? variant.at : null;
  showVariant(variant, doc.trace);
  doc.init = variant && variant.init ? variant.init : null;
  state.view.selected = null;
  showWarnings(doc.trace.messages);
  $("#gradcheck-result").innerHTML = "";
  doc.encodedSource = encodeURIComponent(source);
  state.panel.key = null;
  indexSteps(doc.trace);
  installGraph(doc.trace);
  buildOrder(doc.trace, selectNode);
  const slider = $("#step-slider");
  slider.max = String(doc.trace.steps.length);
  const forward = doc.trace.steps.filter((s) => s.phase === "forward").length;
  const pct = (100 * forward / Math.max(1, doc.trace.steps.length)).toFixed(2);
  slider.style.setProperty("--track", `linear-gradient(to right, var(--forward-soft) 0 ${pct}%, var(--grad-soft) ${pct}% 100%)`);
  setStep(Math.max(0, Math.min(step, doc.trace.steps.length)));
  const shown = doc.trace;
  if (apart) await drawLater(shown, source, variant);
  return shown;
}

/** The backward steps' details of the big trace just shown (its forward steps already step):
 *  the steps completed, the step shown told again with them. */
async function detailsLater(trace, source, variant) {
  let res;
  try { res = await postJSON("/api/details", { source, ...variantKeys(variant) }); }
  catch (e) { res = { ok: false, data: { message: t("page.run.unreachable") } }; }
  if (state.doc.trace !== trace) return;        // a newer run's trace is shown
  if (!res.ok) { toast(msgText(res.data && res.data.message) || `HTTP ${res.status}`); return; }
  complete(trace, unpackDetails(res.data));
  if (trace.svg && trace.level === "nodes") installGraph(trace);   // its edges are known only now
  indexSteps(trace);
  dropPrepared();
  state.panel.key = null;
  state.view.shown = null;
  setStep(state.view.step, { keepSelection: true });
}

/** The drawing of the trace just shown, asked for right after it (the steps already work). */
async function drawLater(trace, source, variant) {
  let res;
  try { res = await postJSON("/api/drawing", { source, level: trace.level, ...variantKeys(variant) }); }
  catch (e) { res = { ok: false, data: { message: t("page.run.unreachable") } }; }
  if (state.doc.trace !== trace) return;        // a newer run's trace is shown: not this drawing
  // A big program's details, made by the server after the drawing: asked for before it is installed.
  const details = trace.details === "later" ? detailsLater(trace, source, variant) : null;
  const d = res.ok ? res.data : { svg: null, svg_error: (res.data && res.data.message) || `HTTP ${res.status}` };
  Object.assign(trace, { svg: d.svg, svg_error: d.svg_error, drawing: "done" },
    res.ok ? { direction: d.direction, level: d.level, nodes_fit: d.nodes_fit } : {});
  installGraph(trace);
  setStep(state.view.step, { keepSelection: true });
  if (details) await details;
}
