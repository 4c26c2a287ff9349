/* Running a program: one /api/trace call, then the drawing, the order list and step k. */
import { state } from "./state.js";
import { $, toast } from "./dom.js";
import { postJSON } from "./api.js";
import { stopPlay } from "./controls.js";
import { installGraph } from "./drawing.js";
import { clearError, editor, showError, showWarnings } from "./editor.js";
import { buildOrder } from "./order.js";
import { indexSteps, selectNode, setStep } from "./steps.js";

/** Run the editor's program and show it at `step`, drawn at `level` ("auto": one box per
 *  node where that fits, else per statement); true when it ran. */
export async function runProgram(step = 0, level = "auto") {
  state.groups.level = level;
  try { return await runAndShow(step); }
  finally { document.body.dataset.runs = String(++state.doc.runs); }
}

/** Draw the program shown again, laid out in `direction` ("LR": left to right, "TB": top to
 *  bottom) with one box per node or per statement (`level`: "nodes", "statements"); the step
 *  and the picked node stay. Only the drawing changes: the trace is the same. */
export async function redraw({ direction = state.doc.trace?.direction, level = state.doc.trace?.level } = {}) {
  const doc = state.doc;
  if (!doc.trace) return false;
  let res;
  try { res = await postJSON("/api/trace", { source: doc.source, gradcheck: false, direction, level }); }
  catch (e) { res = { ok: false, data: { message: "Cannot reach the Backprop Studio server" } }; }
  if (!res.ok || !res.data.svg) { toast(`Cannot lay the graph out again: ${(res.data && (res.data.message || res.data.svg_error)) || "no drawing"}`); return false; }
  state.groups.level = res.data.level;
  Object.assign(doc.trace, { svg: res.data.svg, svg_error: res.data.svg_error, direction: res.data.direction,
    level: res.data.level, nodes_fit: res.data.nodes_fit });
  installGraph(doc.trace);
  setStep(state.view.step, { keepSelection: true });
  return true;
}

async function runAndShow(step) {
  stopPlay();
  const source = editor.value;
  $("#btn-run").disabled = true;
  let res;
  try { res = await postJSON("/api/trace", { source, gradcheck: false, level: state.groups.level }); }
  catch (e) { showError({ message: "Cannot reach the Backprop Studio server: is it still running?" }); return false; }
  finally { $("#btn-run").disabled = false; }
  if (!res.ok) { showError(res.data || { message: `HTTP ${res.status}` }); return false; }
  clearError();
  const doc = state.doc;
  doc.trace = res.data;
  doc.source = source;
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
  return true;
}
