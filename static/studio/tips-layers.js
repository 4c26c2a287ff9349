/* The layer view: one row per layer of a deep program, with its activations' histogram and
 * its gradient's side by side, the saturated or dead fraction, and the gradient's norm as a
 * bar on a log scale shared by every column, so vanishing and exploding gradients are seen
 * as bars that shrink or grow from layer to layer. Several columns: the initialization switch. */
import { el, tex } from "./dom.js";
import { fmt, shapeText } from "./format.js";
import { t } from "./i18n.js";
import { histFigure, unitFact } from "./stats.js";

/** The initializations the switch offers, in its order. */
export const INITS = ["naive", "xavier", "he", "zeros"];

/** An initialization's name as the page writes it (null: the program as written). */
export function initName(init) {
  if (init === null || init === undefined) return t("init.name.written");
  return INITS.includes(init) ? t(`init.name.${init}.same`) : init;
}

const FORMULAS = {
  naive: "W \\sim \\mathcal{N}(0,\\,1)",
  xavier: "\\operatorname{Var}(W) = \\frac{2}{n_{\\text{in}} + n_{\\text{out}}}",
  he: "\\operatorname{Var}(W) = \\frac{2}{n_{\\text{in}}}",
  zeros: "W = 0",
};

/** The log scale of the gradient norms shown: whole decades around the smallest and largest
 *  nonzero finite norm (a picture's axis, not a statistic). */
function normScale(columns) {
  const norms = [];
  for (const c of columns) for (const l of c.layers || []) {
    const n = l.grad_norm;
    if (typeof n === "number" && Number.isFinite(n) && n > 0) norms.push(n);
  }
  if (!norms.length) return null;
  let lo = Math.floor(Math.log10(Math.min(...norms)));
  let hi = Math.ceil(Math.log10(Math.max(...norms)));
  if (hi <= lo) hi = lo + 1;
  return { lo, hi };
}

/** The bar of a gradient norm on the shared log scale. */
function normBar(norm, scale) {
  const finite = typeof norm === "number" && Number.isFinite(norm);
  const bar = el("div", { class: "norm-bar", "data-field": "grad-norm", "data-norm": norm === null || norm === undefined ? null : String(norm) });
  const fill = el("i");
  if (finite && norm > 0 && scale) {
    const f = (Math.log10(norm) - scale.lo) / (scale.hi - scale.lo);
    fill.style.width = `${Math.max(2, Math.min(100, 100 * f)).toFixed(1)}%`;
  } else {
    bar.classList.add(finite ? "zero" : "bad");
  }
  bar.append(fill, el("span", { text: finite && norm === 0 ? t("tips.layers.norm_zero") : fmt(norm, 3) }));
  return bar;
}

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** 10 to a whole power, written as on paper: "10⁻⁵". */
function decade(e) { return `10${String(e).split("").map((c) => SUPERSCRIPT[c] || c).join("")}`; }

/** The scale's decades, written above the bars. */
function scaleAxis(scale) {
  if (!scale) return el("div", { class: "norm-axis" }, el("span", { text: t("tips.layers.norm") }));
  return el("div", { class: "norm-axis", "data-field": "norm-scale", title: t("tips.layers.scale_title") },
    el("b", { text: decade(scale.lo) }), el("span", { text: t("tips.layers.scale") }), el("b", { text: decade(scale.hi) }));
}

/** How a layer's units fare: saturated or dead fraction (its rule stated), and under zeros the symmetry. */
function layerFacts(layer) {
  const out = [];
  // the rule lives in the value's statistics (the layer's own `saturated`, `dead` are the fractions)
  const band = (key) => (layer.value && layer.value[key]) || (layer[key] && typeof layer[key] === "object" ? layer[key] : null);
  const sat = band("saturated");
  const dead = band("dead");
  if (sat) out.push(unitFact("saturated", sat, { title: true }));
  if (dead) out.push(unitFact("dead", dead, { title: true }));
  const sym = layer.symmetric;
  if (sym && sym.same) out.push(el("div", { class: "unit-fact sym", "data-field": "symmetric" },
    el("b", { text: t("tips.layers.symmetric") }), t("tips.layers.symmetric_fact", { layer: layer.name })));
  else if (sym && sym.units > 1) out.push(el("div", { class: "unit-fact muted", "data-field": "distinct",
    title: t("tips.layers.distinct_title"), text: t("tips.layers.distinct", { units: sym.units, distinct: sym.distinct_gradients }) }));
  return out;
}

/** One row: the layer's name and shape, its two histograms, its facts and its gradient norm. */
function layerRow(layer, scale, compact) {
  const head = el("div", { class: "layer-name" },
    el("code", { text: layer.name }), el("span", { class: "muted", text: ` ${layer.op ? layer.op + " · " : ""}${shapeText(layer.shape)}` }));
  const hists = el("div", { class: "hist-pair" },
    histFigure(layer.value, "val", t("tips.layers.activations"), "value-hist"),
    layer.grad ? histFigure(layer.grad, "grad", t("tips.layers.gradients"), "grad-hist")
      : el("figure", { class: "hist-fig grad waiting-fig" }, el("figcaption", { text: t("tips.layers.gradients") }), el("div", { class: "muted", text: t("tips.layers.none") })));
  const facts = el("div", { class: "layer-facts" }, ...layerFacts(layer));
  const row = el("div", { class: `layer-row${compact ? " compact" : ""}${layer.symmetric && layer.symmetric.same ? " symmetric" : ""}`,
    "data-layer": layer.name, "data-node": layer.node });
  if (compact) row.append(head, normBar(layer.grad_norm, scale), hists, facts);
  else row.append(head, hists, facts, normBar(layer.grad_norm, scale));
  return row;
}

/** An initialization's head: its name, formula and the button that opens it in the Graph view. */
function initHead(init, open) {
  return el("div", { class: "init-head", "data-init": init === null ? "written" : init },
    el("h3", { text: initName(init) }),
    el("div", { class: "init-formula" }, init && FORMULAS[init] ? tex(FORMULAS[init]) : t("init.own")),
    el("button", { class: "btn small", type: "button", "data-field": "open-graph", onclick: () => open(init),
      title: t("tips.layers.open_title", { init: initName(init) }), text: t("tips.layers.open") }));
}

/** What an initialization's column says above its rows: its error, no layers, or the symmetry it leaves. */
function initNote(entry) {
  if (entry.error) return el("div", { class: "error", "data-field": "layers-error", text: entry.error });
  const layers = entry.layers || [];
  if (!layers.length) return el("div", { class: "waiting", "data-field": "no-layers", text: t("tips.layers.no_layers") });
  const same = layers.filter((l) => l.symmetric && l.symmetric.same).map((l) => l.name);
  if (!same.length) return null;
  const rest = same.slice(1);
  return el("div", { class: "symmetry-callout", "data-field": "symmetry" },
    el("b", { text: t("tips.layers.symmetry_head") }),
    t("tips.layers.symmetry", { layer: same[0], rest: rest.length ? t("tips.layers.symmetry_rest", { layers: rest.join(", ") }) : "" }));
}

/** The layer view of /api/layers' `inits`: one column per initialization, side by side, a
 *  layer's cells on one row, their norm bars on one scale. `open(init)`: open the program
 *  traced with it in the Graph view. */
export function renderLayers(inits, { compare, open }) {
  const scale = normScale(inits);
  const box = el("div", { class: `layer-view${compare ? " compare" : ""}`, "data-columns": inits.length });
  box.append(el("p", { class: "muted layer-intro", text: t(compare ? "tips.layers.intro_compare" : "tips.layers.intro") }));
  const grid = el("div", { class: "init-grid" });
  grid.style.setProperty("--cols", String(inits.length));
  const cell = (entry, child) => el("div", { class: "init-cell", "data-init": entry.init === null || entry.init === undefined ? "written" : entry.init }, child);
  const init = (entry) => (entry.init === undefined ? null : entry.init);
  for (const entry of inits) grid.append(cell(entry, initHead(init(entry), open)));
  // what a column says above its rows spans the whole row, named by its column, so the other columns lose no height
  inits.forEach((entry) => {
    const note = initNote(entry);
    if (!note) return;
    if (inits.length > 1) note.prepend(el("b", { class: "note-init", text: `${initName(init(entry))}: ` }));
    grid.append(el("div", { class: "init-note", "data-init": init(entry) === null ? "written" : init(entry) }, note));
  });
  const rows = Math.max(0, ...inits.map((e) => (e.error ? 0 : (e.layers || []).length)));
  if (!rows) { box.append(grid); return box; }
  if (!compare) {
    grid.append(el("div", { class: "layer-row layer-labels" }, el("span", { text: t("tips.layers.layer.same") }),
      el("span", { text: t("tips.layers.hists") }), el("span", { text: t("tips.layers.units") }), scaleAxis(scale)));
  } else for (const entry of inits) grid.append(cell(entry, scaleAxis(scale)));
  for (let i = 0; i < rows; i++) {
    for (const entry of inits) {
      const layer = !entry.error && entry.layers ? entry.layers[i] : null;
      grid.append(layer ? cell(entry, layerRow(layer, scale, compare)) : cell(entry, null));
    }
  }
  box.append(grid);
  return box;
}
