/* Backprop Studio page: the entry module. The server computes everything (values,
 * gradients, layout, and the texts each node and edge shows); the page only draws: it
 * swaps texts and classes in the server's SVG for each step, so stepping never needs a
 * request. The modules under studio/ each own one part of the page (see state.js for
 * everything the page keeps); this one wires them to the page's controls and starts it. */
import { counters, state } from "./studio/state.js";
import { $, $$, tex } from "./studio/dom.js";
import { initControls } from "./studio/controls.js";
import { editor } from "./studio/editor.js";
import { exportAs } from "./studio/export.js";
import { initGroups } from "./studio/groups.js";
import { runGradcheck } from "./studio/gradcheck.js";
import { initMinimap } from "./studio/minimap.js";
import { showTab, renderPanel } from "./studio/panel.js";
import { bindPanelLinks } from "./studio/panel-content.js";
import { dropPrepared, preparing } from "./studio/prepare.js";
import { redraw, runProgram } from "./studio/run.js";
import { addressPart, copyLink, forgetHash, readHash, writeHash } from "./studio/share.js";
import { selectNode, setStep } from "./studio/steps.js";
import { applyView, centerOn, initPanZoom } from "./studio/view.js";
import { showView, viewAddress } from "./studio/views.js";

/** The one handle on the page's internals, for the browser tests and the benchmark:
 *  the state and counters (read them; the page owns them), and the few calls they make. */
window.studio = Object.freeze({ state, counters, setStep, writeHash, dropPrepared, preparing });

function loadExample(id) {
  const ex = state.doc.examples.find((x) => x.id === id);
  if (!ex) return;
  editor.value = ex.source.replace(/\n$/, "");
  $("#examples-dialog").close();
  runProgram(0);
}

/** The level a link asks for (one box per node or per statement), "auto" if none. */
function addressLevel(st) {
  const level = st.params.get("level");
  return level === "nodes" || level === "statements" ? level : "auto";
}

async function init() {
  state.doc.examples = JSON.parse($("#examples-data").textContent);
  editor.init(() => runProgram());
  initPanZoom(selectNode);
  initMinimap(centerOn);
  bindPanelLinks({ select: selectNode, goTo: (k) => setStep(k, { keepSelection: true }) });
  // The visible area changes with the box: keep its size (read here, never while stepping).
  new ResizeObserver(([entry]) => {
    const r = entry.contentRect;
    const box = state.view.box;
    if (r.width === box.w && r.height === box.h) return;
    state.view.box = { w: r.width, h: r.height };
    applyView();
  }).observe($("#graph"));
  new ResizeObserver(([entry]) => { state.order.height = entry.target.clientHeight; }).observe($("#order"));
  // Whether the node panel is scrolled (a step then keeps that scroll).
  $("#panel-stack").addEventListener("scroll", (e) => { if (e.target.id === "panel-node") state.panel.scrolled = e.target.scrollTop > 0; }, true);
  initControls();
  $("#btn-run").onclick = () => runProgram(0);
  $("#btn-direction").onclick = () => state.doc.trace && redraw({ direction: state.doc.trace.direction === "TB" ? "LR" : "TB" });
  $("#btn-level").onclick = () => state.doc.trace && redraw({ direction: "auto", level: state.doc.trace.level === "statements" ? "nodes" : "statements" });
  initGroups({ goTo: (k) => setStep(k, { keepSelection: true }), repaint: () => { state.view.shown = null; setStep(state.view.step, { keepSelection: true }); } });
  $("#btn-gradcheck").onclick = runGradcheck;
  $("#tab-node").onclick = () => showTab("node");
  $("#tab-gradcheck").onclick = () => showTab("gradcheck");
  $$("[data-export]").forEach((b) => { b.onclick = () => exportAs(b.dataset.export); });
  $("#btn-share").onclick = copyLink;
  $$("[data-view]").forEach((b) => { b.onclick = () => { showView(b.dataset.view); writeHash(); }; });
  addressPart("view", viewAddress);
  addressPart("level", () => (state.groups.level !== "auto" ? state.groups.level : null));
  $("#btn-examples").onclick = () => $("#examples-dialog").showModal();
  $("#examples-close").onclick = () => $("#examples-dialog").close();
  $$("[data-example]").forEach((b) => { b.onclick = () => loadExample(b.dataset.example); });
  $$(".math[data-tex]").forEach((m) => m.replaceWith(tex(m.dataset.tex)));
  window.addEventListener("pagehide", writeHash);      // a reload comes back at this step
  window.addEventListener("hashchange", () => {
    forgetHash();
    const st = readHash();
    if (st && (st.source !== state.doc.source || st.step !== state.view.step)) {
      editor.value = st.source;
      runProgram(st.step, addressLevel(st));
    }
  });
  renderPanel(null);
  const st = readHash();
  if (st) {
    editor.value = st.source;
    await runProgram(st.step, addressLevel(st));
    showView(st.params.get("view"));
  }
  else { editor.value = state.doc.examples[0].source.replace(/\n$/, ""); await runProgram(0); }
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", init);
