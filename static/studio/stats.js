/* A tensor's statistics as the server computed them (a node's `stats`, a layer's rows):
 * mean, std, min, max and norm, a histogram drawn from the server's edges and counts, the
 * saturated or dead fraction with its rule, and for a leaf made by a constructor the variance
 * it was drawn with beside the measured one. Drawing only: every number comes from the server. */
import { state } from "./state.js";
import { el, svgEl } from "./dom.js";
import { fmt } from "./format.js";
import { t } from "./i18n.js";

const HIST_W = 160;     // a histogram's plot area in SVG units (it scales with its box)
const HIST_H = 46;
const AXIS_H = 13;      // the edge labels under the bars

/** A fraction as a percentage: "38%", "2.5%". */
export function percent(fraction) {
  if (typeof fraction !== "number" || !Number.isFinite(fraction)) return fmt(fraction);
  const p = 100 * fraction;
  return `${p === 0 || p === 100 || p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** The catalogue's template `key` as nodes: string `args` filled in, each `{name}` of `nodes`
 *  replaced by that element, so a language can put the elements in its own word order. */
export function told(key, args = {}, nodes = {}) {
  return t(key, args).split(/\{([A-Za-z_][A-Za-z0-9_]*)\}/).map((part, i) => (i % 2 ? (nodes[part] ?? `{${part}}`) : part))
    .filter((part) => part !== "");
}

/** A saturated or dead rule ("σ < 0.03 or σ > 0.97") in the reader's language: the
 *  nonlinearities' table says whose rule it is, the catalogue has its words. */
export function ruleText(rule) {
  for (const a of state.tips.activations || []) {
    for (const r of a.regions || []) if (r.rule === rule) return t(`act.band.${a.name}.${r.kind}`);
  }
  return rule;
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
    preserveAspectRatio: "none", "aria-label": label ? t("stats.hist_of", { label }) : t("stats.hist") });
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
  const edgeText = (x, anchor, text) => svg("text", { x, y: height + AXIS_H - 2, "text-anchor": anchor }, document.createTextNode(text));
  box.append(edgeText(1, "start", fmt(lo, 3)), edgeText(width - 1, "end", fmt(hi, 3)));
  return box;
}

/** A histogram with its title ("value", "gradient") over it, in a figure. */
export function histFigure(stats, cls, title, field) {
  return el("figure", { class: `hist-fig ${cls}`, "data-field": field },
    el("figcaption", { text: title }), histogram(stats, cls, { label: title }));
}

/** One saturated or dead fact: the share in bold, then its rule; `title` puts the rule in a tooltip too. */
export function unitFact(kind, band, { title = false } = {}) {
  const rule = ruleText(band.rule);
  return el("div", { class: `unit-fact ${kind === "dead" ? "dead" : "sat"}`, "data-field": kind, title: title ? rule : null },
    el("b", { text: t(`stats.${kind}`, { percent: percent(band.fraction) }) }), ` (${rule})`);
}

/** The saturated and dead facts of a value's stats, each with its rule stated. */
export function unitFacts(value) {
  const out = [];
  if (!value) return out;
  if (value.saturated) out.push(unitFact("saturated", value.saturated));
  if (value.dead) out.push(unitFact("dead", value.dead));
  return out;
}

const ROWS = [["mean", "stats.row.mean"], ["std", "stats.row.std"], ["min", "stats.row.min"], ["max", "stats.row.max"], ["norm", "stats.row.norm.same"]];

/** The statistics block of a tensor node at a step: a table (value | gradient), the two
 *  histograms side by side, the saturated or dead fraction, and a constructor's variance.
 *  `hasGrad` false: the gradient's column waits (`gradNote` says why). */
export function statsBlock(stats, { hasGrad, gradNote }) {
  const value = stats.value;
  const grad = hasGrad ? stats.grad : null;
  const head = el("tr", {}, el("th"), el("th", { class: "val", text: t("stats.value") }), el("th", { class: "grad", text: t("stats.gradient.same") }));
  const table = el("table", { class: "stats-table", "data-field": "stats" }, head);
  for (const [key, name] of ROWS) {
    table.append(el("tr", { "data-stat": key }, el("th", { text: t(name) }),
      el("td", { class: "val", "data-part": "value", title: exact(value[key]), text: fmt(value[key]) }),
      el("td", { class: "grad", "data-part": "grad", title: grad ? exact(grad[key]) : null, text: grad ? fmt(grad[key]) : "—" })));
  }
  const figs = el("div", { class: "hist-pair" }, histFigure(value, "val", t("stats.value"), "value-hist"),
    grad ? histFigure(grad, "grad", t("stats.gradient.same"), "grad-hist")
      : el("figure", { class: "hist-fig grad waiting-fig", "data-field": "grad-hist" }, el("figcaption", { text: t("stats.gradient.same") }), el("div", { class: "muted", text: gradNote })));
  const out = [table, figs, ...unitFacts(value)];
  if (value.nonfinite) out.push(el("div", { class: "unit-fact bad", "data-field": "nonfinite", text: nonfiniteText(value.nonfinite) }));
  if (grad && grad.nonfinite) out.push(el("div", { class: "unit-fact bad", text: t("stats.grad_nonfinite.same", { text: nonfiniteText(grad.nonfinite) }) }));
  const init = stats.init;
  if (init) out.push(initLine(init));
  return out;
}

/** The entries left out of the statistics because they are not finite numbers. */
function nonfiniteText(n) {
  const count = typeof n === "number" ? n : Object.values(n).reduce((a, b) => a + (Number(b) || 0), 0);
  return t(count === 1 ? "stats.nonfinite.one" : "stats.nonfinite.many", { count });
}

// What each constructor's variance is, in words (the number is the server's).
const VARIANCE_RULES = { xavier: "2 / (n_in + n_out)", kaiming: "2 / n_in", randn: "scale²" };

/** A leaf made by a constructor: the variance it was drawn with beside the measured one. */
function initLine(init) {
  const rule = VARIANCE_RULES[init.kind];
  const bound = init.bound !== undefined && init.bound !== null ? t("stats.init.bound", { bound: fmt(init.bound) }) : "";
  return el("div", { class: "init-line", "data-field": "init" }, told("stats.init.line", { rule: rule ? `${rule} = ` : "", bound }, {
    kind: el("code", { text: init.kind }),
    variance: el("b", { "data-field": "init-variance", text: fmt(init.variance) }),
    measured: el("b", { "data-field": "init-measured", text: fmt(init.measured_variance) }),
  }));
}

function exact(x) { return typeof x === "number" ? String(x) : null; }
