/* A big tensor, sent as a summary (engine/lean.py): its preview drawn on a canvas (each
 * cell the mean of a block of entries), its statistics and first entries, and exact entries
 * fetched on demand: a click on the preview asks /api/window for that block. */
import { state } from "./state.js";
import { el } from "./dom.js";
import { postWindow } from "./api.js";
import { fmt, heat, shapeText } from "./format.js";
import { msgText, t } from "./i18n.js";

const CANVAS_SIDE = 320;        // px: the preview's longer side on screen
const WINDOW_SIDE = 8;          // rows and columns of exact entries fetched at once

function drawPreview(canvas, pv) {
  const rows = pv.values.length, cols = pv.values[0].length;
  const cell = Math.max(1, Math.floor(CANVAS_SIDE / Math.max(rows, cols)));
  canvas.width = cols * cell;
  canvas.height = rows * cell;
  let maxAbs = 0;
  for (const r of pv.values) for (const v of r) if (typeof v === "number") maxAbs = Math.max(maxAbs, Math.abs(v));
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  pv.values.forEach((r, i) => r.forEach((v, j) => {
    const c = heat(v, maxAbs);
    if (!c) return;
    ctx.fillStyle = c;
    ctx.fillRect(j * cell, i * cell, cell, cell);
  }));
  return cell;
}

/** The summary `s` of a value of `shape` (its `node` and `what` set when it is a node's value or gradient). */
export function summaryView(s, shape, cls, tensorView) {
  const pv = s.preview;
  const [bh, bw] = pv.block;
  const canvas = el("canvas", { class: "preview", role: "img",
    "aria-label": t("tensor.big.aria", { shape: shapeText(shape), rows: pv.values.length, cols: pv.values[0].length }) });
  const cell = drawPreview(canvas, pv);
  const st = s.stats;
  const stats = el("dl", { class: "big-stats" }, ...["mean", "std", "min", "max", "norm"].flatMap((k) =>
    [el("dt", { text: k }), el("dd", { class: `num ${cls}`, "data-stat": k, text: fmt(st[k]) })]));
  if (st.nonfinite) stats.append(el("dt", { text: t("tensor.big.nonfinite") }), el("dd", { class: "num", text: String(st.nonfinite) }));
  const exact = el("div", { class: "big-window", "aria-live": "polite" });
  const parts = [
    el("div", { class: "shape", text: t("tensor.big.shape", { shape: shapeText(shape), size: s.size.toLocaleString("en"), bh, bw }) }),
    canvas, stats,
    el("div", { class: "big-first", text: t("tensor.big.first", { first: s.first.map((v) => fmt(v)).join(", ") }) }),
  ];
  if (s.node !== undefined) {
    const rows = shape.length === 1 ? 1 : shape[0], cols = shape[shape.length - 1];
    const fetchAt = async (r, c) => {
      const r1 = Math.min(rows, r + WINDOW_SIDE), c1 = Math.min(cols, c + WINDOW_SIDE);
      exact.replaceChildren(el("p", { class: "muted", text: t("tensor.big.fetching") }));
      let res;
      try { res = await postWindow(state.doc.source, s.node, s.what, [r, r1], [c, c1]); }
      catch (_) { res = { ok: false, data: { message: t("tensor.big.unreachable") } }; }
      if (!res.ok) { exact.replaceChildren(el("p", { class: "error", text: msgText(res.data.message) || `HTTP ${res.status}` })); return; }
      const w = res.data;
      const label = shape.length === 1 ? t("tensor.big.entries", { from: c, to: c1 - 1 })
        : t("tensor.big.block", { r0: r, r1: r1 - 1, c0: c, c1: c1 - 1 });
      exact.replaceChildren(el("div", { class: "shape", text: t("tensor.big.exact", { what: label }) }),
        tensorView(shape.length === 1 ? w.values[0] : w.values, shape.length === 1 ? [c1 - c] : [r1 - r, c1 - c], cls));
    };
    canvas.title = t("tensor.big.click");
    canvas.addEventListener("click", (e) => {
      const box = canvas.getBoundingClientRect();
      const i = Math.floor((e.clientY - box.top) * canvas.height / box.height / cell);
      const j = Math.floor((e.clientX - box.left) * canvas.width / box.width / cell);
      fetchAt(pv.rows[Math.min(i, pv.rows.length - 1)], pv.cols[Math.min(j, pv.cols.length - 1)]);
    });
    parts.push(el("button", { class: "btn small big-exact", type: "button", text: t("tensor.big.first_block"), onclick: () => fetchAt(0, 0) }), exact);

  }
  return el("div", { class: "tensor big wide", "data-shape": shape.join("x") }, ...parts);
}
