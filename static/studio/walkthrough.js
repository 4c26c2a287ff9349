/* The walkthrough dialog: a range of steps as PDF pages, PPTX slides, a GIF, an MP4 or an
 * HTML player, made by the server (/api/walkthrough) and downloaded. */
import { state } from "./state.js";
import { $, toast } from "./dom.js";
import { postWalkthrough } from "./api.js";
import { download } from "./export.js";
import { lang } from "./i18n.js";

const NOUNS = { pdf: "page", pptx: "slide", gif: "frame", mp4: "frame", html: "step" };

function lastStep() { return state.doc.trace ? state.doc.trace.steps.length : 0; }

function limits() {
  const d = $("#walkthrough-dialog").dataset;
  return { maxPages: Number(d.maxPages), minFrame: Number(d.minFrameMs), maxFrame: Number(d.maxFrameMs) };
}

/** The dialog's choices, read from its fields. */
function choices() {
  return {
    format: $("#wt-format").value,
    from: Number($("#wt-from").value),
    to: Number($("#wt-to").value),
    frameMs: Number($("#wt-frame").value),
  };
}

/** Why the choices cannot be made (null: they can). */
function problem(c) {
  const last = lastStep();
  const { maxPages, minFrame, maxFrame } = limits();
  if (![c.from, c.to].every((k) => Number.isInteger(k) && k >= 0 && k <= last)) return `Steps go from 0 to ${last}.`;
  if (c.from > c.to) return "'From' must not be after 'to'.";
  if (c.to - c.from + 1 > maxPages) return `At most ${maxPages} ${NOUNS[c.format]}s: choose a shorter range.`;
  if ((c.format === "gif" || c.format === "mp4") && !(Number.isInteger(c.frameMs) && c.frameMs >= minFrame && c.frameMs <= maxFrame))
    return `The frame time goes from ${minFrame} to ${maxFrame} ms.`;
  return null;
}

/** Show what the choices make (or why not), and the frame time only where it counts. */
function update() {
  const c = choices();
  const frames = c.format === "gif" || c.format === "mp4";
  for (const e of document.querySelectorAll("#walkthrough-dialog [data-frames]")) e.hidden = !frames;
  const why = problem(c);
  const n = c.to - c.from + 1;
  $("#wt-summary").textContent = why || `${n} ${NOUNS[c.format]}${n === 1 ? "" : "s"}: steps ${c.from} to ${c.to}.`;
  $("#wt-summary").classList.toggle("bad", Boolean(why));
  $("#wt-download").disabled = Boolean(why) || state.walkthrough.busy;
}

function setRange(from, to) {
  $("#wt-from").value = String(from);
  $("#wt-to").value = String(to);
  update();
}

/** Open the dialog on the whole walkthrough (0 to the last step). */
export function openWalkthrough() {
  if (!state.doc.trace) return;
  const last = lastStep();
  for (const id of ["#wt-from", "#wt-to"]) $(id).max = String(last);
  $("#wt-upto").textContent = `Steps 0 to ${state.view.step}`;
  setRange(0, last);
  $("#walkthrough-dialog").showModal();
}

async function make() {
  const c = choices();
  if (problem(c) || state.walkthrough.busy) return;
  state.walkthrough.busy = true;
  const button = $("#wt-download");
  button.textContent = "Making…";
  update();
  try {
    const res = await postWalkthrough(state.doc.source, c.format, c.from, c.to, c.frameMs, state.doc.trace.direction || "auto", lang());
    if (!res.ok) {
      let m = `HTTP ${res.status}`;
      try { m = (await res.json()).message; } catch (_) { /* keep the status */ }
      toast(`Walkthrough failed: ${m}`);
      return;
    }
    const cd = res.headers.get("Content-Disposition") || "";
    const name = (cd.match(/filename="([^"]+)"/) || [])[1] || `backprop-walkthrough.${c.format}`;
    download(await res.blob(), name);
    $("#walkthrough-dialog").close();
  } finally {
    state.walkthrough.busy = false;
    button.textContent = "Download";
    update();
  }
}

/** Wire the dialog's fields and buttons. */
export function initWalkthrough() {
  $("#btn-walkthrough").onclick = openWalkthrough;
  $("#walkthrough-close").onclick = () => $("#walkthrough-dialog").close();
  for (const id of ["#wt-format", "#wt-from", "#wt-to", "#wt-frame"]) $(id).addEventListener("input", update);
  $("#wt-whole").onclick = () => setRange(0, lastStep());
  $("#wt-upto").onclick = () => setRange(0, state.view.step);
  $("#walkthrough-form").addEventListener("submit", (e) => { e.preventDefault(); make(); });
}
