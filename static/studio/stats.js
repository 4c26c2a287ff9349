/* A tensor's statistics as the server computed them (a node's `stats`, a layer's rows):
 * mean, std, min, max and norm, a histogram drawn from the server's edges and counts, the
 * saturated or dead fraction with its rule, and for a leaf made by a constructor the variance
 * it was drawn with beside the measured one. Drawing only: every number comes from the server. */
import { el, svgEl } from "./dom.js";
import { fmt } from "./format.js";

const HIST_W = 160;     // a histogram's plot area in SVG units (it scales with its box)
const HIST_H = 46;
const AXIS_H = 13;      // the edge labels under the bars

/** A fraction as a percentage: "38%", "2.5%". */
export function percent(fraction) {
  if (typeof fraction !== "number" || !Number.isFinite(fraction)) return fmt(fraction);
  const p = 100 * fraction;
  return `${p === 0 || p === 100 || p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** An SVG element with attributes. */
function svg(tag, attrs = {}, ...children) {
  const e = svgEl(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  for (const c of children) if (c) e.append(c);
  return e;
}

/** A histogram of `stats.histogram` ({edges, counts}) as an SVG of bars: `cls` "val" or
 *  "grad" colours it; its first and last edges are written under it, and 0 is marked when
 *  it lies inside. Each bar's title gives its bin and count. */
export function histogram(stats, cls, { label = "", width = HIST_W, height = HIST_H } = {}) {
  const h = stats && stats.histogram;
  const box = svg("svg", { class: `hist ${cls}`, viewBox: `0 0 ${width} ${height + AXIS_H}`, role: "img",
    preserveAspectRatio: "none", "aria-label": label ? `histogram of ${label}` : "histogram" });
  if (!h || !h.counts || !h.counts.length) return box;
  const { edges, counts } = h;
  const most = Math.max(...counts);
  const n = counts.length;
  const lo = edges[0], hi = edges[edges.length - 1];
  const total = counts.reduce((a, b) => a + b, 0);
  box.dataset.total = String(total);
  box.append(svg("line", { class: "axis", x1: 0, x2: width, y1: height + 0.5, y2: height + 0.5 }));
  counts.forEach((c, i) => {
    if (!c) return;
    const w = width / n;
    const bh = Math.max(1.5, (c / most) * (height - 2));    // a bin with a few units still shows
    box.append(svg("rect", { x: (i * w + 0.5).toFixed(2), y: (height - bh).toFixed(2), width: Math.max(0.5, w - 1).toFixed(2), height: bh.toFixed(2), "data-count": c },
      svg("title", {}, document.createTextNode(`[${fmt(edges[i], 3)}, ${fmt(edges[i + 1], 3)}): ${c}`))));
  });
  // where 0 falls, when the edges span it (bins are equal: the edges are a linear scale)
  if (typeof lo === "number" && typeof hi === "number" && lo < 0 && hi > 0) {
    const x = ((0 - lo) / (hi - lo)) * width;
    box.append(svg("line", { class: "zero", x1: x.toFixed(2), x2: x.toFixed(2), y1: 0, y2: height + 3 }));
  }
  const t = (x, anchor, text) => svg("text", { x, y: height + AXIS_H - 2, "text-anchor": anchor }, document.createTextNode(text));
  box.append(t(1, "start", fmt(lo, 3)), t(width - 1, "end", fmt(hi, 3)));
  return box;
}

/** A histogram with its title ("value", "gradient") over it, in a figure. */
export function histFigure(stats, cls, title, field) {
  return el("figure", { class: `hist-fig ${cls}`, "data-field": field },
    el("figcaption", { text: title }), histogram(stats, cls, { label: title }));
}

/** The saturated and dead facts of a value's stats, each with its rule stated. */
export function unitFacts(value) {
  const out = [];
  if (!value) return out;
  if (value.saturated) out.push(el("div", { class: "unit-fact sat", "data-field": "saturated" },
    el("b", { text: `${percent(value.saturated.fraction)} saturated` }), ` (${value.saturated.rule})`));
  if (value.dead) out.push(el("div", { class: "unit-fact dead", "data-field": "dead" },
    el("b", { text: `${percent(value.dead.fraction)} dead` }), ` (${value.dead.rule})`));
  return out;
}

const ROWS = [["mean", "mean"], ["std", "std"], ["min", "min"], ["max", "max"], ["norm", "‖·‖ norm"]];

/** The statistics block of a tensor node at a step: a table (value | gradient), the two
 *  histograms side by side, the saturated or dead fraction, and a constructor's variance.
 *  `hasGrad` false: the gradient's column waits (`gradNote` says why). */
export function statsBlock(stats, { hasGrad, gradNote }) {
  const value = stats.value;
  const grad = hasGrad ? stats.grad : null;
  const head = el("tr", {}, el("th"), el("th", { class: "val", text: "value" }), el("th", { class: "grad", text: "gradient" }));
  const table = el("table", { class: "stats-table", "data-field": "stats" }, head);
  for (const [key, name] of ROWS) {
    table.append(el("tr", { "data-stat": key }, el("th", { text: name }),
      el("td", { class: "val", "data-part": "value", title: exact(value[key]), text: fmt(value[key]) }),
      el("td", { class: "grad", "data-part": "grad", title: grad ? exact(grad[key]) : null, text: grad ? fmt(grad[key]) : "—" })));
  }
  const figs = el("div", { class: "hist-pair" }, histFigure(value, "val", "value", "value-hist"),
    grad ? histFigure(grad, "grad", "gradient", "grad-hist")
      : el("figure", { class: "hist-fig grad waiting-fig", "data-field": "grad-hist" }, el("figcaption", { text: "gradient" }), el("div", { class: "muted", text: gradNote })));
  const out = [table, figs, ...unitFacts(value)];
  if (value.nonfinite) out.push(el("div", { class: "unit-fact bad", "data-field": "nonfinite", text: nonfiniteText(value.nonfinite) }));
  if (grad && grad.nonfinite) out.push(el("div", { class: "unit-fact bad", text: `gradient: ${nonfiniteText(grad.nonfinite)}` }));
  const init = stats.init;
  if (init) out.push(initLine(init));
  return out;
}

/** The entries left out of the statistics because they are not finite numbers. */
function nonfiniteText(n) {
  const count = typeof n === "number" ? n : Object.values(n).reduce((a, b) => a + (Number(b) || 0), 0);
  return `${count} entr${count === 1 ? "y is" : "ies are"} not finite (nan or ±inf), left out of these statistics`;
}

// What each constructor's variance is, in words (the number is the server's).
const VARIANCE_RULES = { xavier: "2 / (n_in + n_out)", kaiming: "2 / n_in", randn: "scale²" };

/** A leaf made by a constructor: the variance it was drawn with beside the measured one. */
function initLine(init) {
  const rule = VARIANCE_RULES[init.kind];
  const drawn = el("span", {}, "drawn with variance ", rule ? `${rule} = ` : "", el("b", { "data-field": "init-variance", text: fmt(init.variance) }));
  const bound = init.bound !== undefined && init.bound !== null ? ` (uniform on ±${fmt(init.bound)})` : "";
  return el("div", { class: "init-line", "data-field": "init" },
    el("code", { text: init.kind }), " ", drawn, bound, "; measured ",
    el("b", { "data-field": "init-measured", text: fmt(init.measured_variance) }));
}

function exact(x) { return typeof x === "number" ? String(x) : null; }
