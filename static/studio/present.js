/* Presentation mode, for a class: the graph and the current step's panel fill the screen,
 * larger (node text at least twice the normal view's), everything else hidden. The `P` key
 * or the Present button toggles it, Esc leaves it; the address carries it (present=1). */
import { currentStep, state } from "./state.js";
import { $ } from "./dom.js";
import { writeHash } from "./share.js";
import { applyView, ensureVisible, restartView } from "./view.js";
import { showView } from "./views.js";

/** The mode as the address carries it: "1" while presenting, else left out. */
export function presentAddress() { return state.page.presenting ? "1" : null; }

/** Enter (on = true) or leave presentation mode. Leaving puts back the view shown before. */
export function setPresenting(on) {
  on = Boolean(on);
  const { page, view } = state;
  if (page.presenting === on) return;
  if (on && page.view !== "graph") showView("graph");
  if (on) page.savedView = { rect: view.rect && { ...view.rect }, fitRect: view.fitRect && { ...view.fitRect }, drawing: state.drawing.start };
  page.presenting = on;
  document.documentElement.toggleAttribute("data-present", on);
  const b = $("#btn-present");
  b.setAttribute("aria-pressed", String(on));
  const box = $("#graph");
  if (on) {
    restartView(box);                   // reads the box at its new size: a one-off layout
    const step = currentStep();
    applyView();
    if (step) ensureVisible(step.node);
  } else if (page.savedView && page.savedView.rect && page.savedView.drawing === state.drawing.start) {
    const { rect, fitRect } = page.savedView;          // the same drawing: back to the view shown before
    Object.assign(view, { rect, fitRect, box: { w: box.clientWidth, h: box.clientHeight } });
    applyView();
  } else { restartView(box); applyView(); }
  writeHash();
}

export function togglePresenting() { setPresenting(!state.page.presenting); }
