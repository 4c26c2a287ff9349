/* The numbers of a chain line for vectors and matrices: the first entries of each side with
 * its shape, e.g. [0.31, −0.39, 1.7, …]₍₁₀₎ = Jᵀ₍₄ₓ₁₀₎ [1, −0.5, 0.25, …]₍₄₎. Pure: LaTeX text
 * from the document's numbers, nothing computed. */
import { texNum } from "./format.js";
import { t } from "./i18n.js";

const ENTRIES = 3;          // entries written of a vector (and of a matrix's first row: 2)
const DIGITS = 3;           // significant digits of each (the tables above have 4)

/** 1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st (in the page's language: the catalogue's
 *  words, as the engine's contributions say them). */
export function ordinal(n) {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
  return t(`contrib.nth.${suffix}`, { n });
}

function shapeTag(shape) {
  return `_{\\scriptscriptstyle(${shape.join("\\times ")})}`;
}

/** A vector's first entries: [a, b, c, \dots]. */
function row(values, scale, n) {
  const shown = values.slice(0, n).map((v) => texNum(v, scale, DIGITS));
  if (values.length > n) shown.push("\\dots");
  return `[${shown.join(",\\ ")}]`;
}

/** The first entries of a value of `shape`, then its shape; a scalar as its number. */
export function preview(value, shape, scale, entries = ENTRIES) {
  if (!shape.length) return texNum(value, scale, DIGITS);
  if (value && value.summary === true) {          // a big tensor: its first entries are sent exactly
    const n = shape.length === 1 ? entries : ENTRIES - 1;
    const first = `[${value.first.slice(0, n).map((v) => texNum(v, scale, DIGITS)).join(",\\ ")},\\ \\dots]`;
    return (shape.length === 1 ? first : `[${first},\\ \\dots]`) + shapeTag(shape);
  }
  if (shape.length === 1) return row(value, scale, entries) + shapeTag(shape);
  let first = value, depth = shape.length;
  while (depth > 2) { first = first[0]; depth--; }          // the first matrix of a stack
  const rows = [row(first[0], scale, ENTRIES - 1)];
  if (shape[shape.length - 2] > 1 || shape.length > 2) rows.push("\\dots");
  return `[${rows.join(",\\ ")}]` + shapeTag(shape);
}

/** Whether a square local Jacobian is diagonal (an elementwise op): only its diagonal is written. */
function diagonal(local, shape) {
  if (!Array.isArray(local) || shape.length !== 2 || shape[0] !== shape[1]) return false;
  return local.every((r, i) => r.every((v, j) => i === j || v === 0));
}

/** The numbers of `downstream = localᵀ upstream` for an edge that is not all scalars. */
export function chainNumbers(edge, step, node, input, { scale = 0, localScale = 0, upScale = 0 } = {}) {
  const down = preview(edge.downstream, input.shape, scale);
  let local, entries = ENTRIES;
  if (edge.local === null) local = `J^{\\top}${shapeTag(edge.local_shape)}`;
  else if (!Array.isArray(edge.local)) local = texNum(edge.local, localScale, DIGITS);
  else if (diagonal(edge.local, edge.local_shape)) {
    local = `\\operatorname{diag}${row(edge.local.map((r, i) => r[i]), localScale, ENTRIES).replace(/^\[/, "(").replace(/\]$/, ")")}${shapeTag(edge.local_shape)}`;
  } else {
    local = `${preview(edge.local, edge.local_shape, localScale).replace(/_\{\\scriptscriptstyle/, "^{\\top}_{\\scriptscriptstyle")}`;
    entries = edge.local_shape.length > 1 ? 2 : ENTRIES;      // the line has a matrix on it
  }
  const up = preview(step.upstream, node.shape, upScale, entries);
  const times = node.shape.length === 0 ? " \\times " : "\\, ";
  // Two lines, so that each fits the panel: the downstream, then local and upstream.
  return `\\begin{aligned}&${down}\\\\ &= ${local}${times}${up}\\end{aligned}`;
}
