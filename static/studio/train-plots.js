/* The Train view's curves: every run's loss overlaid (log scale on request), under it each
 * run's learning rate and gradient norm, on one iteration axis with the slider's iteration
 * marked. Drawn with uPlot (vendored); the numbers are the server's, as they are. */
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { state } from "./state.js";
import { $ } from "./dom.js";
import { fmt } from "./format.js";
import { t as tr } from "./i18n.js";

export const RUN_COLOURS = ["#4f46e5", "#e11d48", "#059669", "#ea580c", "#0891b2", "#a21caf"];

const PLOTS = [
  { id: "#train-loss", key: "losses", label: () => tr("train.plot.loss.same"), height: 210, legend: true },
  { id: "#train-lr", key: "lrs", label: () => tr("train.plot.lr.same"), height: 100, legend: false },
  { id: "#train-gn", key: "grad_norms", label: () => "‖g‖", height: 130, legend: false },
];

let pick = () => {};
let observer = null;
let observed = null;

/** A series as uPlot draws it: numbers kept, anything else (a non-finite "inf", a missing
 *  iteration after divergence) a gap; as long as the iteration axis. */
function series(values, length) {
  const out = new Array(length).fill(null);
  (values || []).forEach((v, i) => { if (i < length && typeof v === "number" && Number.isFinite(v)) out[i] = v; });
  return out;
}

/** Whether every drawn value is positive, so a log axis can show them all. */
function positive(data) {
  return data.slice(1).every((s) => s.every((v) => v === null || v > 0));
}

/** A log axis labels its powers of ten only (its other ticks are the 2 … 9 between them). */
function isPowerOfTen(v) {
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-9;
}

function markHook(u) {
  const x = u.valToPos(state.train.iteration, "x", true);
  const { ctx } = u;
  ctx.save();
  ctx.strokeStyle = "#ea580c";
  ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
  ctx.beginPath();
  ctx.moveTo(x, u.bbox.top);
  ctx.lineTo(x, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.restore();
}

function width() {
  return Math.max(300, ($(".train-curves") || document.body).clientWidth - 26);
}

/** Draw the three charts from the last /api/train answer; a click on one picks its iteration. */
export function drawCurves(onPick) {
  if (onPick) pick = onPick;
  const t = state.train;
  for (const u of t.plots) u.destroy();
  t.plots = [];
  if (!t.result) return;
  const n = t.result.steps + 1;
  const xs = Array.from({ length: n }, (_, i) => i);
  const runs = t.result.runs;
  for (const p of PLOTS) {
    const data = [xs, ...runs.map((r) => series(r[p.key], n))];
    const log = p.key === "losses" && t.logScale && positive(data);
    const box = $(p.id);
    box.dataset.series = String(runs.length);
    box.dataset.scale = log ? "log" : "linear";
    box.replaceChildren();
    const u = new uPlot({
      width: width(), height: p.height,
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [
        { label: p.key === "grad_norms" ? tr("train.plot.iteration") : null, size: p.key === "grad_norms" ? 40 : 22 },
        { label: p.label(), size: 62, values: (_, ticks) => ticks.map((v) => (!log || isPowerOfTen(v) ? fmt(v, 3) : "")) },
      ],
      series: [{ label: tr("train.plot.iteration") }, ...runs.map((r, i) => ({
        label: r.spec.label || tr("train.run.name", { n: i + 1 }), stroke: RUN_COLOURS[i % RUN_COLOURS.length], width: 1.6,
        value: (_, v) => fmt(v), points: { show: false },
      }))],
      legend: { show: p.legend },
      cursor: { sync: { key: "train" }, drag: { x: false, y: false } },
      hooks: { draw: [markHook] },
    }, data, box);
    u.over.addEventListener("click", () => { if (u.cursor.idx !== null && u.cursor.idx !== undefined) pick(u.cursor.idx); });
    t.plots.push(u);
  }
  const note = $("#train-loss").dataset.scale === "linear" && t.logScale ? tr("train.plot.log_linear") : "";
  $("#train-loss").title = note;
  const card = $(".train-curves");
  if (observed !== card) {          // the card is new when the view was built again (a switch of language)
    if (!observer) observer = new ResizeObserver(() => { for (const u of state.train.plots) u.setSize({ width: width(), height: u.height }); });
    if (observed) observer.unobserve(observed);
    observer.observe(card);
    observed = card;
  }
}

/** Mark the slider's iteration on every chart. */
export function markIteration() {
  for (const u of state.train.plots) u.redraw(false);
}
