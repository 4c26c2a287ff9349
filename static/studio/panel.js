/* The node panel and the tabs: the panel shows a node as it is at the step shown. */
import { currentStep, state } from "./state.js";
import { $, el } from "./dom.js";
import { panelKey, panelParts } from "./panel-content.js";
import { adoptPrepared, cancelPreparing, dropPrepared, preparePanels, showPane, takePrepared } from "./prepare.js";
import { t } from "./i18n.js";

const PANEL_LAG = 150;   // ms: the panel of a held key's steps is built once they pause this long

/** The node the panel shows: the selected one, else the current step's, else the output. */
export function panelNode() {
  const step = currentStep();
  return state.view.selected !== null ? state.view.selected : (step ? step.node : state.doc.trace.output);
}

/** The panel shows node `id` as it is at the step shown. `hurry` (a held key's repeated
 *  steps): a panel not prepared while idle is not built in the step, which would make the
 *  step miss its frame; the panel is marked as lagging and built when the key is let go or pauses. */
export function renderPanel(id, { hurry = false } = {}) {
  const shown = $("#panel-node");
  const { timers, panel } = state;
  clearTimeout(timers.panelCatchUp);
  timers.panelCatchUp = null;
  // Not lagging, unless this step leaves the panel behind again (below).
  const stack = $("#panel-stack");
  if (stack && stack.classList.contains("lagging")) {
    stack.classList.remove("lagging");
    for (const pane of stack.querySelectorAll("[aria-busy]")) pane.removeAttribute("aria-busy");
  }
  if (!state.doc.trace) {
    shown.innerHTML = "";
    shown.append(el("div", { class: "empty-state", text: t("panel.empty") }));
    return;
  }
  // Rebuild the panel only when what it shows changes.
  const key = panelKey(id, state.view.step);
  if (panel.key !== key) {
    const shownKey = panel.key;
    const ready = takePrepared(key);
    if (!ready && hurry) {
      stack.classList.add("lagging");
      shown.setAttribute("aria-busy", "true");
      timers.panelCatchUp = setTimeout(catchUpPanel, PANEL_LAG);
      cancelPreparing();
      return;
    }
    panel.key = key;
    if (ready && !panel.scrolled) showPane(shown, ready, shownKey);
    else if (ready) adoptPrepared(shown, ready);     // keeps the scroll, as a rebuild does
    else {
      const parts = [];
      for (const chunk of panelParts(id, state.view.step)) parts.push(...chunk);
      shown.replaceChildren(...parts);
    }
  }
  preparePanels();
}

/** Build the panel a held key left behind (the key was let go, or its steps paused). */

export function catchUpPanel() {
  if (state.doc.trace) renderPanel(panelNode());
}

/** Show the tab `name` ("node" or "gradcheck"). */
export function showTab(name) {
  for (const t of ["node", "gradcheck"]) {
    $(`#tab-${t}`).setAttribute("aria-selected", String(t === name));
    $(t === "node" ? "#panel-stack" : `#panel-${t}`).hidden = t !== name;
  }
}
