/* A value shown in the panels: a scalar as a number, a vector or matrix as a heatmap table. */
import { el } from "./dom.js";
import { fmt, heat, shapeText } from "./format.js";

const MAX_CELLS_SHOWN = 60;   // rows and columns shown of a big tensor

/** A scalar as a number, a vector or matrix as a heatmap table with its shape. */
export function tensorView(value, shape, cls = "") {
  if (value === null || value === undefined) return el("span", { class: "muted", text: "—" });
  if (!shape || shape.length === 0) return el("span", { class: `num ${cls}`, "data-value": fmt(value), text: fmt(value) });
  const rows = shape.length === 1 ? [value] : value;
  const flat = rows.flat().filter((v) => typeof v === "number");
  const maxAbs = flat.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const cols = rows[0] ? rows[0].length : 0;
  const count = rows.length * cols;
  const dense = count > 120;
  // A wide table shows fewer digits so that it fits the panel (each cell's title has 4).
  const digits = cols <= 5 ? 4 : cols <= 7 ? 3 : 2;
  const table = el("table");
  rows.slice(0, MAX_CELLS_SHOWN).forEach((row, i) => {
    const tr = el("tr");
    row.slice(0, MAX_CELLS_SHOWN).forEach((v, j) => {
      const td = el("td", { text: dense ? "" : fmt(v, digits), title: fmt(v), "data-i": i, "data-j": j });
      td.style.background = heat(v, maxAbs);
      tr.append(td);
    });
    table.append(tr);
  });
  const clipped = rows.length > MAX_CELLS_SHOWN || (rows[0] && rows[0].length > MAX_CELLS_SHOWN);
  const wide = shape.length === 2 || cols > 3;     // takes the panel's whole width
  return el("div", { class: `tensor${dense ? " dense" : ""}${wide ? " wide" : ""}`, "data-shape": shape.join("x") },
    el("div", { class: "shape", text: shapeText(shape) + (clipped ? " (first 60×60 shown)" : "") }), table);
}
