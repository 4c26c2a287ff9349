/* Numbers and texts as the page writes them. Pure functions: no DOM, no state. */

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
  if (!shape || shape.length === 0) return "scalar";
  if (shape.length === 1) return `vector ${shape[0]}`;
  return shape.join("×");
}

/** A number ready to sit inside LaTeX. */
export function texNum(x) {
  const s = fmt(x);
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
  const what = node.kind === "const" ? `constant ${node.expr}` : `${node.symbol} = ${node.expr}`;
  return `${what}  (line ${node.line}, col ${node.col})`;
}
