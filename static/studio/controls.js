/* The step controls: the arrow keys (and a presenter's clicker: PageUp, PageDown), Home and
 * End, Play, the step buttons and the slider; P and Esc for presentation mode. */
import { state } from "./state.js";
import { $ } from "./dom.js";
import { onLang, t } from "./i18n.js";
import { toggleCurrentGroup } from "./groups.js";
import { catchUpPanel } from "./panel.js";
import { setPresenting, togglePresenting } from "./present.js";
import { setStep } from "./steps.js";

const ICON_PLAY = '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M6 4l10 6-10 6z"/></svg>';
const ICON_PAUSE = '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M5 4h3.5v12H5zM11.5 4H15v12h-3.5z"/></svg>';

export function stopPlay() {
  const timers = state.timers;
  if (!timers.play) return;        // not playing: the button already says Play
  clearInterval(timers.play); timers.play = null;
  const b = $("#step-play");
  b.innerHTML = ICON_PLAY; b.classList.remove("playing"); b.setAttribute("aria-label", t("page.step.play"));
}

export function togglePlay() {
  const { trace } = state.doc;
  if (!trace) return;
  if (state.timers.play) { stopPlay(); return; }
  if (state.view.step >= trace.steps.length) setStep(0);
  const b = $("#step-play");
  b.innerHTML = ICON_PAUSE; b.classList.add("playing"); b.setAttribute("aria-label", t("page.step.pause"));
  state.timers.play = setInterval(() => {
    if (state.view.step >= state.doc.trace.steps.length) { stopPlay(); return; }
    setStep(state.view.step + 1);
  }, Number($("#speed").value));
}

onLang(() => $("#step-play").setAttribute("aria-label", t(state.timers.play ? "page.step.pause" : "page.step.play")));

function lastStep() { return state.doc.trace ? state.doc.trace.steps.length : 0; }

function isTyping(target) {
  return target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT" || target.isContentEditable);
}

function initKeys() {
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.querySelector("dialog[open]")) return;       // keys belong to the dialog
    const slider = e.target && e.target.id === "step-slider";
    if (isTyping(e.target) && !slider) return;
    const k = state.view.step;
    const presenting = state.page.presenting;
    // in presentation mode the up and down arrows step too (nothing else there is moved by keys)
    const next = e.key === "ArrowRight" || e.key === "PageDown" || (presenting && e.key === "ArrowDown");
    const prev = e.key === "ArrowLeft" || e.key === "PageUp" || (presenting && e.key === "ArrowUp");
    if (next) { stopPlay(); setStep(k + 1, { hurry: e.repeat }); e.preventDefault(); }
    else if (prev) { stopPlay(); setStep(k - 1, { hurry: e.repeat }); e.preventDefault(); }
    else if (e.key === "p" || e.key === "P") { togglePresenting(); e.preventDefault(); }
    else if (e.key === "Escape" && presenting) { setPresenting(false); e.preventDefault(); }
    else if (e.key === "Home") { stopPlay(); setStep(0); e.preventDefault(); }
    else if (e.key === "End") { stopPlay(); setStep(lastStep()); e.preventDefault(); }
    else if (e.key === " " && e.target.tagName !== "BUTTON") { togglePlay(); e.preventDefault(); }
    else if (e.key === "e" || e.key === "E") { toggleCurrentGroup(); e.preventDefault(); }
  });
  // A held arrow key let go: its last step's panel now, not after the pause.
  document.addEventListener("keyup", (e) => {
    if (["ArrowRight", "ArrowLeft", "PageDown", "PageUp", "ArrowDown", "ArrowUp"].includes(e.key) && state.timers.panelCatchUp) catchUpPanel();
  });
}

/** Wire the keys, the step buttons, the slider and the speed. */
export function initControls() {
  initKeys();
  $("#step-first").onclick = () => { stopPlay(); setStep(0); };
  $("#step-prev").onclick = () => { stopPlay(); setStep(state.view.step - 1); };
  $("#step-next").onclick = () => { stopPlay(); setStep(state.view.step + 1); };
  $("#step-last").onclick = () => { stopPlay(); setStep(lastStep()); };
  $("#step-play").onclick = togglePlay;
  $("#step-slider").addEventListener("input", (e) => { stopPlay(); setStep(Number(e.target.value)); });
  $("#speed").addEventListener("change", () => { if (state.timers.play) { stopPlay(); togglePlay(); } });
}
