/* The activation explorer: each nonlinearity's curve and its derivative as the server
 * sampled them with the op table's own forward and VJP, the saturated regions shaded, the
 * kink convention at 0 stated, and a node's input values marked on both curves (the points
 * come from the trace document: the node's inputs, its values and its local derivatives). */
import { state } from "./state.js";
import { el, svgEl, tex } from "./dom.js";
import { fmt } from "./format.js";
import { t } from "./i18n.js";
import { percent, ruleText, told } from "./stats.js";

const W = 600, H = 300;                   // the plot in SVG units
const PAD = { l: 36, r: 12, t: 12, b: 24 };
const Y_SHOWN = 3;                        // the y axis reaches at most ±3: the derivatives stay readable

/** An SVG element with attributes and children. */
function svg(tag, attrs = {}, ...children) {
  const e = svgEl(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  for (const c of children) if (c) e.append(c);
  return e;
}

// the words inside a formula's LaTeX (leaky_relu's "a: the slope"), in the reader's language
const TEX_WORDS = [["\\text{: the slope}", "act.slope"]];

function texWords(latex) {
  return TEX_WORDS.reduce((s, [words, key]) => s.split(words).join(`\\text{: ${t(key)}}`), latex || "");
}

function text(x, y, s, attrs = {}) {
  return svg("text", { x, y, ...attrs }, document.createTextNode(s));
}

/** Where a nonlinearity's gradient (nearly) vanishes, as the server says (its `regions`:
 *  {kind: "saturated" | "dead", rule, intervals: [[low, high]]}, ±inf at an open end), one
 *  entry per interval. */
function regions(act) {
  const out = [];
  for (const r of act.regions || []) for (const [from, to] of r.intervals || []) out.push({ from, to, rule: r.rule, kind: r.kind });
  return out;
}

const num = (v, fallback) => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

/** The input values, outputs and local derivatives of node `id`, entry by entry (flattened),
 *  from the trace document; the derivatives only when its backward step lists its Jacobian. */
export function nodePoints(id) {
  const { trace } = state.doc;
  const node = trace && trace.nodes[id];
  if (!node || !node.inputs.length) return null;
  const xs = [trace.nodes[node.inputs[0]].value].flat(Infinity);
  const ys = [node.value].flat(Infinity);
  let ds = null;
  const at = trace.display.nodes[id].grad_at;
  const edge = at ? (trace.steps[at - 1].edges || []).find((e) => e.position === 0) : null;
  if (edge && edge.local !== null && edge.local !== undefined) {
    const flat = [edge.local].flat(Infinity);
    const n = xs.length;
    if (flat.length === n * n) ds = xs.map((_, k) => flat[k * n + k]);     // the Jacobian's diagonal
    else if (flat.length === n) ds = flat;
  }
  return { node, xs, ys, ds };
}

/** The plot: f and f′ over the server's sampled range, the saturated regions shaded, the
 *  points marked. */
function plot(act, points) {
  const xs = act.x, ys = act.y, ds = act.dy;
  const x0 = xs[0], x1 = xs[xs.length - 1];
  const finite = [...ys, ...ds].filter((v) => typeof v === "number" && Number.isFinite(v));
  // the y axis holds both curves, up to Y_SHOWN: an unbounded curve (relu) leaves the plot at the top
  let y0 = Math.max(-Y_SHOWN, Math.min(0, ...finite)), y1 = Math.min(Y_SHOWN, Math.max(1, ...finite));
  const pad = 0.06 * (y1 - y0);
  y0 -= pad; y1 += pad;
  const px = (x) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const py = (y) => H - PAD.b - ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  const sx = (x) => px(Math.min(x1, Math.max(x0, x)));        // a mark beyond the plot sits at its edge
  const sy = (y) => py(Math.min(y1, Math.max(y0, y)));
  const box = svg("svg", { class: "act-plot", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": t("act.plot_label", { name: act.name }) },
    svg("defs", {}, svg("clipPath", { id: "act-plot-area" }, svg("rect", { x: PAD.l, y: PAD.t, width: W - PAD.l - PAD.r, height: H - PAD.t - PAD.b }))));
  for (const r of regions(act)) {
    const a = sx(num(r.from, x0)), b = sx(num(r.to, x1));
    if (b - a > 0.5) box.append(svg("rect", { class: `sat-region ${r.kind}`, x: a.toFixed(1), y: PAD.t, width: (b - a).toFixed(1), height: H - PAD.t - PAD.b, "data-from": r.from, "data-to": r.to },
      svg("title", {}, document.createTextNode(`${t(`act.kind.${r.kind}`)}${r.rule ? `: ${ruleText(r.rule)}` : ""}`))));
  }
  // the grid: every whole number on the x axis, the y axis's whole numbers (or halves)
  const ystep = y1 - y0 > 4 ? 1 : 0.5;
  for (let x = Math.ceil(x0); x <= x1; x++) {
    box.append(svg("line", { class: x === 0 ? "axis" : "grid", x1: sx(x), x2: sx(x), y1: PAD.t, y2: H - PAD.b }));
    box.append(text(sx(x), H - PAD.b + 14, String(x), { "text-anchor": "middle" }));
  }
  for (let y = Math.ceil(y0 / ystep) * ystep; y <= y1; y += ystep) {
    box.append(svg("line", { class: Math.abs(y) < 1e-9 ? "axis" : "grid", x1: PAD.l, x2: W - PAD.r, y1: sy(y), y2: sy(y) }));
    box.append(text(PAD.l - 5, sy(y) + 4, fmt(y, 2), { "text-anchor": "end" }));
  }
  for (const k of (act.kink && act.kink.at) || []) {
    box.append(svg("path", { class: "kink-mark", d: `M${sx(k).toFixed(1)},${(H - PAD.b - 7).toFixed(1)} l5,7 l-5,7 l-5,-7 z`, "data-at": k },
      svg("title", {}, document.createTextNode(t("act.kink_at", { x: fmt(k), text: kinkText(act) })))));
  }
  const line = (vals, cls) => svg("polyline", { class: cls, "clip-path": "url(#act-plot-area)",
    points: xs.flatMap((x, i) => (typeof vals[i] === "number" && Number.isFinite(vals[i]) ? [`${px(x).toFixed(1)},${py(vals[i]).toFixed(1)}`] : [])).join(" ") });
  box.append(line(ds, "curve-d"), line(ys, "curve-f"));
  if (points) {
    const marks = svg("g", { class: "marks", "data-node": points.node.id });
    points.xs.forEach((x, k) => {
      if (typeof x !== "number") return;
      const out = (v) => typeof v === "number" && (v < y0 || v > y1);
      const beyond = x < x0 || x > x1 || out(points.ys[k]) || (points.ds && out(points.ds[k]));
      const tip = t("act.mark", { x: fmt(x), name: act.name, y: fmt(points.ys[k]),
        derivative: points.ds ? t("act.mark_derivative", { d: fmt(points.ds[k]) }) : "", beyond: beyond ? t("act.mark_beyond") : "" });
      marks.append(svg("circle", { class: `mark-f${beyond ? " beyond" : ""}`, cx: sx(x).toFixed(1), cy: sy(points.ys[k]).toFixed(1), r: 4, "data-x": x },
        svg("title", {}, document.createTextNode(tip))));
      if (points.ds) marks.append(svg("circle", { class: `mark-d${beyond ? " beyond" : ""}`, cx: sx(x).toFixed(1), cy: sy(points.ds[k]).toFixed(1), r: 3.2 },
        svg("title", {}, document.createTextNode(tip))));
    });
    box.append(marks);
  }
  return box;
}

/** The explorer in `box`: the list of nonlinearities, the chosen one's plot and texts, and
 *  the node whose inputs are marked. `select(op, node)` changes the choice. */
export function renderExplorer(box, { select }) {
  const acts = state.tips.activations || [];
  if (!acts.length) { box.replaceChildren(el("div", { class: "empty-state", text: t("act.none") })); return; }
  const { trace } = state.doc;
  const act = acts.find((a) => a.name === state.tips.act) || acts.find((a) => a.name === "tanh") || acts[0];
  const list = el("div", { class: "act-list", role: "listbox", "aria-label": t("act.list") });
  for (const a of acts) {
    const count = trace ? Object.values(trace.nodes).filter((n) => n.op === a.name).length : 0;
    list.append(el("button", { type: "button", role: "option", "aria-selected": String(a === act), "data-act": a.name,
      onclick: () => select(a.name, firstNodeOf(a.name)) }, el("span", { text: a.name }), count ? el("span", { class: "act-count", title: t(count === 1 ? "act.count.one" : "act.count.many", { count }), text: String(count) }) : null));
  }
  const nodes = trace ? Object.values(trace.nodes).filter((n) => n.op === act.name) : [];
  // the node asked for, else (the explorer opened from its list) the program's first such node
  const asked = state.tips.act === act.name ? state.tips.actNode : (nodes.length ? nodes[0].id : null);
  const marked = nodes.some((n) => n.id === asked) ? asked : null;
  const points = marked !== null ? nodePoints(marked) : null;
  const picker = el("select", { "aria-label": t("act.pick_label"), "data-field": "act-node", onchange: (e) => select(act.name, e.target.value === "" ? null : Number(e.target.value)) },
    el("option", { value: "", text: nodes.length ? t("act.no_node") : t("act.no_node_of", { name: act.name }) }),
    ...nodes.map((n) => el("option", { value: String(n.id), selected: n.id === marked, text: `${n.symbol} = ${n.expr}` })));
  const info = el("div", { class: "act-info" },
    el("div", { class: "act-formula", "data-field": "formula" }, el("span", { class: "act-label", text: t("act.function") }), tex(texWords(act.formula) || act.name, true)),
    el("div", { class: "act-formula d", "data-field": "derivative" }, el("span", { class: "act-label", text: t("act.derivative") }), tex(texWords(act.derivative), true)),
    ...regions(act).filter((r, i, all) => r.rule && all.findIndex((q) => q.rule === r.rule) === i)
      .map((r) => el("div", { class: `unit-fact ${r.kind === "dead" ? "dead" : "sat"}`, "data-field": `${r.kind}-rule` },
        el("b", { text: t("act.shaded", { kind: t(`act.kind.${r.kind}`) }) }), t(r.kind === "dead" ? "act.where_dead" : "act.where_saturated", { rule: ruleText(r.rule) }))),
    act.kink ? el("div", { class: "act-kink", "data-field": "kink" },
      el("b", { text: t("act.kink_head", { at: act.kink.at.map((k) => fmt(k)).join(", ") }) }), kinkText(act)) : null,
    el("label", { class: "act-pick" }, told("act.pick", {}, { picker })),
    points ? markedText(act, points) : null);
  const legend = el("div", { class: "act-legend" },
    el("span", { class: "lg-f", text: `— ${act.name}(x)` }), el("span", { class: "lg-d", text: t("act.legend.derivative") }),
    regions(act).some((r) => r.kind === "saturated") ? el("span", { class: "lg-s", text: t("act.legend.saturated") }) : null,
    regions(act).some((r) => r.kind === "dead") ? el("span", { class: "lg-dead", text: t("act.legend.dead") }) : null,
    points ? el("span", { class: "lg-m", text: t("act.legend.marks") }) : null);
  box.replaceChildren(el("div", { class: "act-explorer", "data-act": act.name },
    list, el("div", { class: "act-main" }, plot(act, points), legend), info));
}

/** What the marks show: how many inputs, and the node's saturated or dead fraction (from its stats). */
function markedText(act, points) {
  const { node, xs } = points;
  const value = node.stats && node.stats.value;
  const facts = [];
  if (value && value.saturated) facts.push(t("act.marked_saturated", { percent: percent(value.saturated.fraction), rule: ruleText(value.saturated.rule) }));
  if (value && value.dead) facts.push(t("act.marked_dead", { percent: percent(value.dead.fraction), rule: ruleText(value.dead.rule) }));
  // a node called with other parameters (leaky_relu(x, 0.1)) sits off the curve drawn at the defaults
  const other = Object.entries(act.params || {}).filter(([k, v]) => node.attrs && node.attrs[k] !== undefined && node.attrs[k] !== v);
  if (other.length) facts.push(t("act.marked_params", { curve: other.map(([k, v]) => `${k} = ${fmt(v)}`).join(", "),
    node: other.map(([k]) => `${k} = ${fmt(node.attrs[k])}`).join(", ") }));
  return el("div", { class: "act-marked", "data-field": "marked" }, told(xs.length === 1 ? "act.marked.one" : "act.marked.many", {
    count: xs.length, where: t(points.ds ? "act.marked_both" : "act.marked_curve"),
    facts: facts.length ? t("act.marked_facts", { facts: facts.join(", ") }) : t("act.marked_end"),
  }, { node: el("code", { text: node.symbol }) }));
}

/** The convention at a nonlinearity's kink ("relu′(0) = 0") in the reader's language. */
function kinkText(act) {
  return act.kink ? t(`act.kink.${act.name}`) : "";
}

function firstNodeOf(op) {
  const { trace } = state.doc;
  const n = trace ? Object.values(trace.nodes).find((m) => m.op === op) : null;
  return n ? n.id : null;
}
