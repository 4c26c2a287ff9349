/* Numbers and texts as the page writes them. Pure functions: no DOM, no state (words from the catalogue). */
import { lang, t } from "./i18n.js";

/** A number as Python's format(x, ".4g") writes it (so page and images agree); fewer digits on request. */
export function fmt(x, digits = 4) {
  if (x === null || x === undefined) return "—";
  if (typeof x === "string") return x;
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  if (x === 0) return "0";
  const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  const [mantissa, e] = x.toExponential(digits - 1).split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= digits) return strip(mantissa) + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
  return strip(x.toFixed(Math.max(0, digits - 1 - exp)));
}

/** A shape in words: "scalar", "vector 3", "2×3". */
export function shapeText(shape) {
  if (!shape || shape.length === 0) return t("page.shape.scalar");
  if (shape.length === 1) return t("page.shape.vector", { n: shape[0] });
  return shape.join("×");
}

/* Float noise: an entry this much smaller than the numbers it is computed from (the scale
 * of its tensor or step) is a rounding error where the exact answer is 0, e.g. 2.22e-16
 * left by 0.1 + 0.2 − 0.3. Double precision carries about 16 digits; 1e-12 leaves room for
 * the rounding of a few dozen operations and is far below any gradient a program means. */
export const NOISE = 1e-12;

/** Whether x is float noise next to numbers of size `scale` (shown as ≈ 0). */
export function isNoise(x, scale) {
  return typeof x === "number" && x !== 0 && Number.isFinite(x) && Number.isFinite(scale) && Math.abs(x) < NOISE * scale;
}

/** The largest magnitude among numbers and nested lists of numbers (0 for none). */
export function scaleOf(...values) {
  let m = 0;
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object" && v.summary === true) {   // a big tensor's summary (lean.js)
      for (const x of [v.stats.min, v.stats.max]) if (typeof x === "number") m = Math.max(m, Math.abs(x));
    }
    else if (typeof v === "number" && Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  };
  values.forEach(walk);
  return m;
}

/** A number as shown: "≈ 0" for float noise at this scale, else `fmt`. */
export function shownNum(x, scale = 0, digits = 4) {
  return isNoise(x, scale) ? "≈ 0" : fmt(x, digits);
}

/** The exact number behind a shown one, for its title: every digit JavaScript keeps. */
export function exactTitle(x) {
  return typeof x === "number" ? t("page.exact", { x: String(x) }) : fmt(x);
}

/** A number ready to sit inside LaTeX (`digits` significant); float noise at `scale` as ≈ 0. */
export function texNum(x, scale = 0, digits = 4) {
  if (isNoise(x, scale)) return "{\\approx}0";
  const s = fmt(x, digits);
  const m = s.match(/^(-?[\d.]+)e([+-])0*(\d+)$/);
  return m ? `${m[1]}\\times 10^{${m[2] === "-" ? "-" : ""}${m[3]}}` : s;
}

/** A diverging colour for v relative to the largest magnitude (blue < 0 < rose). */
export function heat(v, maxAbs) {
  if (typeof v !== "number" || !maxAbs) return "";
  const a = Math.min(1, Math.abs(v) / maxAbs) * 0.55;
  return v >= 0 ? `rgba(225, 29, 72, ${a.toFixed(3)})` : `rgba(37, 99, 235, ${a.toFixed(3)})`;
}

/** A node's tooltip: the program text it stands for. */
export function nodeTip(node) {
  const what = node.kind === "const" ? t("page.tip.const", { expr: node.expr }) : `${node.symbol} = ${node.expr}`;
  return t("page.tip.node", { what, line: node.line, col: node.col });
}

/** A box's shape line ("scalar", "vector 4", "4×10 · frozen") in the page's language. */
export function shapeLine(shape) {
  return shape.replace(/^scalar/, t("page.shape.scalar")).replace(/^vector (\d+)/, (m, n) => t("page.shape.vector", { n }));
}

/** A box's value line ("value 3") in the page's language; English as the server wrote it. */
export function valueLine(text) {
  return lang() === "en" ? text : text.replace(/^value /, `${t("page.svg.value")} `);
}
