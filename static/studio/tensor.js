/* A value shown in the panels: a scalar as a number, a vector or matrix as a heatmap table. */
import { el } from "./dom.js";
import { exactTitle, fmt, heat, isNoise, shapeText } from "./format.js";
import { summaryView } from "./bigtensor.js";
import { t } from "./i18n.js";

const MAX_CELLS_SHOWN = 60;   // rows and columns shown of a big tensor

// The colours of a concat's inputs, by input position: each input's card and its block of
// the concatenated vector share one (hues apart from the heatmap's rose and blue).
const BLOCK_COLOURS = ["#0d9488", "#d97706", "#7c3aed", "#16a34a", "#db2777", "#0891b2", "#a16207", "#475569"];

/** The colour of a concat's input at `position`. */
export function blockColour(position) {
  return BLOCK_COLOURS[position % BLOCK_COLOURS.length];
}

/** A scalar as a number, a vector or matrix as a heatmap table with its shape.
 *  `scale`: the size of the numbers the value was computed from; an entry that is float
 *  noise next to it (format.js, isNoise) reads "≈ 0", its exact number in its title.
 *  `blocks` (a vector only): [{start, size, name, position, onclick}], the pieces a concat
 *  joined, each named above its entries and marked in its input's colour. */
export function tensorView(value, shape, cls = "", { scale = 0, blocks = null } = {}) {
  if (value === null || value === undefined) return el("span", { class: "muted", text: "—" });
  if (value.summary === true) return summaryView(value, shape, cls, tensorView);
  if (!shape || shape.length === 0) {
    if (isNoise(value, scale)) return el("span", { class: `num noise ${cls}`, "data-value": fmt(value), title: exactTitle(value), text: "≈ 0" });
    return el("span", { class: `num ${cls}`, "data-value": fmt(value), text: fmt(value) });
  }
  const rows = shape.length === 1 ? [value] : value;
  const flat = rows.flat().filter((v) => typeof v === "number");
  const maxAbs = flat.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const big = Math.max(scale, maxAbs);
  const cols = rows[0] ? rows[0].length : 0;
  const count = rows.length * cols;
  const dense = count > 120;
  // A wide table shows fewer digits so that it fits the panel (each cell's title has 4).
  const digits = cols <= 5 ? 4 : cols <= 7 ? 3 : 2;
  const table = el("table");
  const inBlock = shape.length === 1 && blocks ? blockOf(blocks) : null;
  if (inBlock) table.append(blockRow(blocks));
  rows.slice(0, MAX_CELLS_SHOWN).forEach((row, i) => {
    const tr = el("tr");
    row.slice(0, MAX_CELLS_SHOWN).forEach((v, j) => {
      const noise = isNoise(v, big);
      const td = el("td", { text: dense ? "" : (noise ? "≈ 0" : fmt(v, digits)), title: noise ? exactTitle(v) : fmt(v), "data-i": i, "data-j": j });
      if (noise) td.classList.add("noise");
      td.style.background = heat(v, big);
      const b = inBlock && inBlock(j);
      if (b) { td.classList.add("in-block"); td.style.setProperty("--block", blockColour(b.position)); }
      tr.append(td);
    });
    table.append(tr);
  });
  const clipped = rows.length > MAX_CELLS_SHOWN || (rows[0] && rows[0].length > MAX_CELLS_SHOWN);
  const wide = shape.length === 2 || cols > 3;     // takes the panel's whole width
  return el("div", { class: `tensor${dense ? " dense" : ""}${wide ? " wide" : ""}${inBlock ? " blocked" : ""}`, "data-shape": shape.join("x") },
    el("div", { class: "shape", text: shapeText(shape) + (clipped ? t("tensor.clipped") : "") }), table);
}

/** Which block holds entry j. */
function blockOf(blocks) {
  return (j) => blocks.find((b) => j >= b.start && j < b.start + b.size) || null;
}

/** The row above a concatenated vector: each block's name over its entries, in its colour. */
function blockRow(blocks) {
  const tr = el("tr", { class: "blocks" });
  for (const b of blocks) {
    const span = Math.min(b.size, Math.max(0, MAX_CELLS_SHOWN - b.start));
    if (!span) break;
    const name = b.onclick
      ? el("button", { class: "block-name", type: "button", title: t("tensor.block", { name: b.name, from: b.start + 1, to: b.start + b.size }), onclick: b.onclick, text: b.name })

      : el("span", { class: "block-name", text: b.name });
    const th = el("th", { colspan: String(span), "data-block": b.name, "data-start": b.start, "data-size": b.size }, name);
    th.style.setProperty("--block", blockColour(b.position));
    tr.append(th);
  }
  return tr;
}
