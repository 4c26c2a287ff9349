/* Backprop Studio page: the entry module. The server computes everything (values,
 * gradients, layout, and the texts each node and edge shows); the page only draws: it
 * swaps texts and classes in the server's SVG for each step, so stepping never needs a
 * request. The modules under studio/ each own one part of the page (see state.js for
 * everything the page keeps); this one wires them to the page's controls and starts it. */
import { counters, state } from "./studio/state.js";
import { initI18n, lang, missingKeys, onLang } from "./studio/i18n.js";
import { addressLang, initLanguage, langAddress, switchLang } from "./studio/language.js";
import { $, $$, tex } from "./studio/dom.js";
import { initControls, stopPlay } from "./studio/controls.js";
import { editor } from "./studio/editor.js";
import { exportAs } from "./studio/export.js";
import { initWalkthrough } from "./studio/walkthrough.js";
import { initGroups } from "./studio/groups.js";
import { runGradcheck } from "./studio/gradcheck.js";
import { initMinimap } from "./studio/minimap.js";
import { showTab, renderPanel } from "./studio/panel.js";
import { bindPanelLinks } from "./studio/panel-content.js";
import { dropPrepared, preparing } from "./studio/prepare.js";
import { presentAddress, setPresenting, togglePresenting } from "./studio/present.js";
import { afterRun, redraw, runProgram } from "./studio/run.js";
import { retellOrder } from "./studio/order.js";
import { addressPart, copyLink, forgetHash, readHash, writeHash } from "./studio/share.js";
import { selectNode, setStep } from "./studio/steps.js";
import { initTheme } from "./studio/theme.js";
import { applyView, centerOn, initPanZoom } from "./studio/view.js";
import { initVectorize, showVectorize } from "./studio/vectorize.js";
import { onView, showView, viewAddress } from "./studio/views.js";
import { atFromAddress, initTrain, restoreTrain } from "./studio/train.js";
import { exploreNode, initFromAddress, initTips, restoreTips, tipsAfterRun } from "./studio/tips.js";

/** The other graph of the program a link asks for (see run.js's variants), or null. */
function variantOf(params) {
  if (params.get("unroll") === "1") return { unroll: true };
  const init = initFromAddress(params);
  return init ? { init } : null;
}

/** The one handle on the page's internals, for the browser tests and the benchmark:
 *  the state and counters (read them; the page owns them), and the few calls they make. */
window.studio = Object.freeze({ state, counters, setStep, writeHash, dropPrepared, preparing, missingKeys, switchLang });

function loadExample(id) {
  const ex = state.doc.examples.find((x) => x.id === id);
  if (!ex) return;
  editor.value = ex.source.replace(/\n$/, "");
  $("#examples-dialog").close();
  runShown(0);
}

/** Run the editor's program; the Train view, when it is shown, trains the new program. */
async function runShown(step = 0) {
  const ok = await runProgram(step);
  if (ok && state.page.view === "train") showView("train");
  return ok;
}

/** "Back to backprop": the graph view traces the program at a training iteration's parameters. */
async function openInGraph(at) {
  showView("graph");
  const ok = await runProgram(0, { at });
  writeHash();
  return ok;
}

/** Show the program shown in the Graph view, traced with `init` (null: as written). */
async function openTraced(init) {
  editor.value = state.doc.source;
  showView("graph");
  await runProgram(0, { init });
  writeHash();
}

/** A switch of language: the step shown is told again (label, order list, panel, statement
 *  box) from the trace the page has; nothing is run again. */
function retellStep() {
  retellOrder();
  if (!state.doc.trace) { renderPanel(null); return; }
  dropPrepared();                      // a step's rules are told in the new language when shown (lean.js)
  state.panel.key = null;
  state.view.shown = null;
  setStep(state.view.step, { keepSelection: true });
}

/** The level a link asks for (one box per node or per statement), "auto" if none. */
function addressLevel(st) {
  const level = st.params.get("level");
  return level === "nodes" || level === "statements" ? level : "auto";
}

async function init() {
  initI18n();
  state.doc.examples = JSON.parse($("#examples-data").textContent);
  const tipsReady = initTips({ openTraced, loadExample });
  afterRun(tipsAfterRun);
  editor.init(() => runShown());
  initTheme();
  initPanZoom(selectNode, (dir) => { stopPlay(); setStep(state.view.step + dir); });
  initMinimap(centerOn);
  bindPanelLinks({ select: selectNode, goTo: (k) => setStep(k, { keepSelection: true }), explore: exploreNode });
  // The visible area changes with the box: keep its size (read here, never while stepping).
  new ResizeObserver(([entry]) => {
    const r = entry.contentRect;
    const box = state.view.box;
    if (r.width === box.w && r.height === box.h) return;
    state.view.box = { w: r.width, h: r.height };
    if (!state.page.presenting) state.view.normalBox = { ...state.view.box };
    applyView();
  }).observe($("#graph"));
  new ResizeObserver(([entry]) => { state.order.height = entry.target.clientHeight; }).observe($("#order"));
  // Whether the node panel is scrolled (a step then keeps that scroll).
  $("#panel-stack").addEventListener("scroll", (e) => { if (e.target.id === "panel-node") state.panel.scrolled = e.target.scrollTop > 0; }, true);
  initControls();
  $("#btn-run").onclick = () => runShown(0);
  $("#btn-direction").onclick = () => state.doc.trace && redraw({ direction: state.doc.trace.direction === "TB" ? "LR" : "TB" });
  $("#btn-level").onclick = () => state.doc.trace && redraw({ direction: "auto", level: state.doc.trace.level === "statements" ? "nodes" : "statements" });
  initGroups({ goTo: (k) => setStep(k, { keepSelection: true }), repaint: () => { state.view.shown = null; setStep(state.view.step, { keepSelection: true }); } });
  $("#btn-gradcheck").onclick = runGradcheck;
  $("#tab-node").onclick = () => showTab("node");
  $("#tab-gradcheck").onclick = () => showTab("gradcheck");
  $$("[data-export]").forEach((b) => { b.onclick = () => exportAs(b.dataset.export); });
  initWalkthrough();
  $("#btn-share").onclick = copyLink;
  $$(".views [data-view]").forEach((b) => { b.onclick = () => { showView(b.dataset.view); writeHash(); }; });
  addressPart("view", viewAddress);
  addressPart("lang", langAddress);
  onLang(retellStep);
  addressPart("unroll", () => (state.doc.variant && state.doc.variant.unroll ? "1" : null));
  $("#variant-back").onclick = () => runProgram(0);
  initVectorize(async (variant) => { showView("graph"); await runProgram(0, variant); writeHash(); });
  onView("tips", showVectorize);
  addressPart("present", presentAddress);
  $("#btn-present").onclick = togglePresenting;
  initTrain({ openInGraph, loadSource: (source) => { editor.value = source; return runShown(0); } });
  // the graph traced at a training iteration: its run and iteration (the runs are the lab's, in "train")
  addressPart("at", () => (state.doc.at ? JSON.stringify({ run: state.doc.at.run, iteration: state.doc.at.iteration }) : null));
  $("#graph-at-back").onclick = () => { showView("train"); writeHash(); };
  $("#graph-at-own").onclick = () => runProgram(0);
  addressPart("level", () => (state.groups.level !== "auto" ? state.groups.level : null));
  $("#btn-examples").onclick = () => $("#examples-dialog").showModal();
  $("#examples-close").onclick = () => $("#examples-dialog").close();
  $$("[data-example]").forEach((b) => { b.onclick = () => loadExample(b.dataset.example); });
  $$(".math[data-tex]").forEach((m) => m.replaceWith(tex(m.dataset.tex)));
  window.addEventListener("pagehide", writeHash);      // a reload comes back at this step
  window.addEventListener("hashchange", () => {
    forgetHash();
    const st = readHash();
    if (!st) return;
    const l = addressLang(st.params);
    if (l && l !== lang()) switchLang(l, { write: false });
    restoreTrain(st.params);
    restoreTips(st.params);
    const variant = variantOf(st.params);
    const init = variant && variant.init ? variant.init : null;
    if (st.source !== state.doc.source || st.step !== state.view.step || init !== state.doc.init) {
      editor.value = st.source;
      runProgram(st.step, variant, addressLevel(st)).then(() => showView(st.params.get("view")));
    } else showView(st.params.get("view"));
    if (st.params.get("tab") === "gradcheck") showTab("gradcheck");
    setPresenting(st.params.get("present") === "1");
  });
  await initLanguage(readHash()?.params);
  renderPanel(null);
  await tipsReady;         // the node panel offers the explorer for the nonlinearities it lists
  const st = readHash();
  if (st) {
    editor.value = st.source;
    restoreTrain(st.params);
    restoreTips(st.params);
    const at = await atFromAddress(st.params);
    await runProgram(st.step, at ? { at } : variantOf(st.params), addressLevel(st));
    showView(st.params.get("view"));
    if (st.params.get("tab") === "gradcheck") showTab("gradcheck");      // a glossary link's tab
    if (st.params.get("present") === "1") setPresenting(true);
  }
  else { editor.value = state.doc.examples[0].source.replace(/\n$/, ""); await runProgram(0); }
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", init);
