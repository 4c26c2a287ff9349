/* The walkthrough dialog: a range of steps as PDF pages, PPTX slides, a GIF, an MP4 or an
 * HTML player, made by the server (/api/walkthrough) and downloaded. */
import { state } from "./state.js";
import { $, toast } from "./dom.js";
import { msgText, onLang, t } from "./i18n.js";
import { postWalkthrough } from "./api.js";
import { download } from "./export.js";
import { lang } from "./i18n.js";

/** `n` pages, slides, frames or steps, as the format makes them. */
function count(format, n) {
  return t(`page.wt.count.${format}${n === 1 ? ".one" : ""}`, { n });
}

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
  if (![c.from, c.to].every((k) => Number.isInteger(k) && k >= 0 && k <= last)) return t("page.wt.bad.range", { last });
  if (c.from > c.to) return t("page.wt.bad.order");
  if (c.to - c.from + 1 > maxPages) return t("page.wt.bad.long", { most: count(c.format, maxPages) });
  if ((c.format === "gif" || c.format === "mp4") && !(Number.isInteger(c.frameMs) && c.frameMs >= minFrame && c.frameMs <= maxFrame))
    return t("page.wt.bad.frame", { min: minFrame, max: maxFrame });
  return null;
}

/** Show what the choices make (or why not), and the frame time only where it counts. */
function update() {
  const c = choices();
  const frames = c.format === "gif" || c.format === "mp4";
  for (const e of document.querySelectorAll("#walkthrough-dialog [data-frames]")) e.hidden = !frames;
  const why = problem(c);
  const n = c.to - c.from + 1;
  $("#wt-summary").textContent = why || t("page.wt.summary", { count: count(c.format, n), from: c.from, to: c.to });
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
  $("#wt-upto").textContent = t("page.wt.upto", { k: state.view.step });
  setRange(0, last);
  $("#walkthrough-dialog").showModal();
}

async function make() {
  const c = choices();
  if (problem(c) || state.walkthrough.busy) return;
  state.walkthrough.busy = true;
  const button = $("#wt-download");
  button.textContent = t("page.wt.making");
  update();
  try {
    const res = await postWalkthrough(state.doc.source, c.format, c.from, c.to, c.frameMs, state.doc.trace.direction || "auto", lang());
    if (!res.ok) {
      let m = `HTTP ${res.status}`;
      try { m = msgText((await res.json()).message); } catch (_) { /* keep the status */ }
      toast(t("page.wt.failed", { why: m }));
      return;
    }
    const cd = res.headers.get("Content-Disposition") || "";
    const name = (cd.match(/filename="([^"]+)"/) || [])[1] || `backprop-walkthrough.${c.format}`;
    download(await res.blob(), name);
    $("#walkthrough-dialog").close();
  } finally {
    state.walkthrough.busy = false;
    button.textContent = t("page.wt.download");
    update();
  }
}

// A switch of language while the dialog is open: its summary and buttons say it again.
onLang(() => {
  if (!$("#walkthrough-dialog").open) return;
  $("#wt-upto").textContent = t("page.wt.upto", { k: state.view.step });
  $("#wt-download").textContent = t(state.walkthrough.busy ? "page.wt.making" : "page.wt.download");
  update();
});

/** Wire the dialog's fields and buttons. */
export function initWalkthrough() {
  $("#btn-walkthrough").onclick = openWalkthrough;
  $("#walkthrough-close").onclick = () => $("#walkthrough-dialog").close();
  for (const id of ["#wt-format", "#wt-from", "#wt-to", "#wt-frame"]) $(id).addEventListener("input", update);
  $("#wt-whole").onclick = () => setRange(0, lastStep());
  $("#wt-upto").onclick = () => setRange(0, state.view.step);
  $("#walkthrough-form").addEventListener("submit", (e) => { e.preventDefault(); make(); });
}
