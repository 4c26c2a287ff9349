/* What the node panel says about a node at a step: its value, its gradient, and for each
 * input the chain rule with the server's numbers. Built off-document, a chunk at a time. */
import { state } from "./state.js";
import { $, el, tex } from "./dom.js";
import { exactTitle, isNoise, nodeTip, scaleOf, shapeText, texNum } from "./format.js";
import { blockColour, tensorView } from "./tensor.js";
import { productExplorer } from "./explorer.js";
import { chainNumbers, ordinal } from "./chain.js";
import { statsBlock } from "./stats.js";
import { t } from "./i18n.js";
import { pending, tellStep } from "./lean.js";

/** What the panel's buttons do: pick a node, go to a step, open the activation explorer
 *  at a node (set once by the entry module). */
const links = { select: null, goTo: null, explore: null };

export function bindPanelLinks({ select, goTo, explore = null }) {
  links.select = select;
  links.goTo = goTo;
  links.explore = explore;
}

/** What the panel shows for node `id` at step k: it changes only with these. */
export function panelKey(id, k) {
  const display = state.doc.trace.display.nodes[id];
  const hasValue = display.value_at !== null && k >= display.value_at;
  const hasGrad = display.grad_at !== null && k >= display.grad_at;
  return `${id} ${hasValue} ${hasGrad}`;
}

function outLatex() { const { trace } = state.doc; return trace.nodes[trace.output].latex || "f"; }

function partial(nodeLatex) { return `\\frac{\\partial ${outLatex()}}{\\partial ${nodeLatex}}`; }

/** The panel of node `id` at step k, built off-document: a generator of chunks of its
 *  children, each a small piece of work (a formula or an edge's card), so that it can be
 *  built a chunk at a time while the page is idle. */
export function* panelParts(id, k) {
  const { trace } = state.doc;
  const node = trace.nodes[id];
  const display = trace.display.nodes[id];
  const hasValue = display.value_at !== null && k >= display.value_at;
  const hasGrad = display.grad_at !== null && k >= display.grad_at;
  const badges = [el("span", { class: `badge ${node.kind}`, text: node.kind === "op" ? t("panel.badge.op", { op: node.op }) : t(`panel.kind.${node.kind}`) })];
  if (node.frozen) badges.push(el("span", { class: "badge frozen", text: t("panel.badge.frozen") }));
  if (id === trace.output) badges.push(el("span", { class: "badge output", text: t("panel.badge.output") }));
  const head = [
    el("div", { class: "node-title", id: "panel-title", "data-node": id },
      el("span", { class: "nt-name", text: display.header }), ...badges),
    el("div", { class: "node-expr", "data-field": "expr" }, ...whatIs(node)),
    el("div", { class: "meta" }, t("panel.meta.node", { id, shape: shapeText(node.shape) }),
      node.names && node.names.length > 1 ? t("panel.meta.names", { names: node.names.join(", ") }) : "",
      t("panel.meta.where", { line: node.line, col: node.col })),
  ];

  head.push(el("h3", { text: t("panel.forward") }));
  const valueScale = magnitude(node.value, ...node.inputs.map((i) => trace.nodes[i].value));
  if (hasValue) head.push(el("div", { "data-field": "value" }, tensorView(node.value, node.shape, "val", { scale: valueScale, blocks: blocksOf(id) })));
  else head.push(waiting(t("panel.value.at", { step: display.value_at }), display.value_at));
  if (hasValue) head.push(...statistics(node, display, hasGrad), ...exploreLink(node));

  head.push(el("h3", { text: t("panel.gradient") }));
  if (!trace.backward) {
    head.push(el("div", { class: "waiting", text: t("panel.no_backward") }));
    yield head;
    return;
  }
  if (!hasGrad) {
    head.push(waiting(display.grad_at ? t("panel.grad.at", { step: display.grad_at }) : t("panel.grad.none"), display.grad_at));
    yield head;
    return;
  }
  const step = trace.steps[display.grad_at - 1];
  if (pending(trace, step)) {         // a big program's details follow: the panel is built again then
    head.push(el("dl", { class: "kv" },
      el("dt", {}, t("panel.upstream"), " ", tex(partial(node.latex))),
      el("dd", { "data-field": "upstream" }, tensorView(step.upstream, node.shape, "grad", { scale: magnitude(step.upstream), blocks: blocksOf(id) }))),
      el("div", { class: "waiting", "data-field": "details-pending", text: t("panel.details.pending") }));
    yield head;
    return;
  }
  tellStep(step);
  yield head;
  const contribs = step.contributions || [];
  const upScale = upstreamScale(id, step);
  const out = [];
  out.push(el("dl", { class: "kv" },
    el("dt", {}, t("panel.upstream"), " ", tex(partial(node.latex))),
    el("dd", { "data-field": "upstream" }, tensorView(step.upstream, node.shape, "grad", { scale: upScale, blocks: blocksOf(id) }))));

  if (contribs.length > 1) {
    out.push(el("div", { class: "sumrule", text: step.sum_rule || t("panel.sum", { node: display.header, n: contribs.length }) }));
    const scalar = node.shape.length === 0;
    if (scalar) {
      const sumTex = `${partial(node.latex)} = ` + contribs.map((c) => texNum(c.downstream, upScale)).join(" + ").replace(/\+ -/g, "- ") + ` = ${texNum(step.upstream, upScale)}`;
      const noisy = [...contribs.map((c) => c.downstream), step.upstream].filter((v) => isNoise(v, upScale));
      out.push(el("div", { class: "chain", "data-field": "sum", title: noisy.length ? noisy.map(exactTitle).join("; ") : null }, tex(sumTex)));
    }
    const ul = el("ul", { class: "contribs" });
    contribs.forEach((c) => ul.append(el("li", { "data-from": c.from, "data-position": c.position },
      el("span", {}, ...fromParts(c, ":")),
      tensorView(c.downstream, node.shape, "grad", { scale: upScale, blocks: blocksOf(id) }))));
    out.push(ul);
  } else if (contribs.length === 1) {
    out.push(el("div", { class: "meta", "data-position": contribs[0].position }, ...fromParts(contribs[0], t("panel.from.only"))));
  } else if (id === trace.output) {
    out.push(el("div", { class: "meta" }, t("panel.output.is"), tex(`${partial(node.latex)} = 1`)));
  }
  if (step.intuition) out.push(el("div", { class: "intuition", "data-field": "intuition", text: step.intuition }));

  if ((step.edges || []).length) out.push(el("h3", { text: t("panel.to_inputs") }));
  yield out;
  for (const edge of step.edges || []) yield [edgeCard(node, step, edge)];
}

/** A tensor node's statistics (value after its forward step, gradient after its backward one). */
function statistics(node, display, hasGrad) {
  if (!node.stats) return [];
  const { trace } = state.doc;
  const gradNote = !trace.backward ? t("panel.stats.no_backward") : display.grad_at ? t("panel.stats.after", { step: display.grad_at }) : t("panel.stats.no_grad");
  return [el("h3", { text: t("panel.statistics") }), el("div", { class: "stats", "data-field": "statistics" },
    ...statsBlock(node.stats, { hasGrad: hasGrad && trace.backward && !!node.stats.grad, gradNote }))];
}

/** For a nonlinearity's node: a button to its curve in the activation explorer, this node's inputs marked. */
function exploreLink(node) {
  const acts = state.tips.activations;
  if (!links.explore || !acts || !acts.some((a) => a.name === node.op)) return [];
  return [el("button", { class: "btn small explore-link", type: "button", "data-field": "explore",
    title: t("panel.explore.title", { op: node.op }),
    onclick: () => links.explore(node.id), text: t("panel.explore", { op: node.op }) })];
}

/** "from z (x * x), as its 2nd input" + `end`: where a contribution came from, the successor
 *  a link, in the words of the page's language. */
function fromParts(c, end) {
  const parts = t("panel.from", { node: "\u0000", through: "\u0001" }).split(/([\u0000\u0001])/);
  return [...parts.map((p) => (p === "\u0000" ? nodeLink(c.from) : p === "\u0001" ? throughPosition(c) : p)), end];
}


/** Through which input of its successor a contribution came: ", as its 1st input" (when
 *  the document says; a node used twice by one successor sends one contribution per use). */
function throughPosition(c) {
  if (c.position === undefined || c.position === null) return "";
  const succ = state.doc.trace.nodes[c.from];
  return el("span", { class: "through", title: nodeTip(succ) }, t("panel.through", { expr: succ.expr, nth: ordinal(c.position + 1) }));
}

/** The blocks of node `id`'s vector when it is a concat: one per input, named and coloured,
 *  each name a link to its input (null for any other node). */
function blocksOf(id) {
  const { trace } = state.doc;
  const node = trace.nodes[id];
  if (node.op !== "concat" || node.shape.length !== 1) return null;
  let start = 0;
  return node.inputs.map((i, position) => {
    const size = trace.nodes[i].shape.length ? trace.nodes[i].shape[0] : 1;
    const block = { start, size, position, name: trace.nodes[i].name || trace.display.nodes[i].header, onclick: () => links.select(i) };
    start += size;
    return block;
  });
}

/** The backward step of node `id` (null if it has none). */
function stepOf(id) {
  const at = state.doc.trace.display.nodes[id].grad_at;
  return at ? state.doc.trace.steps[at - 1] : null;
}

// The largest magnitude of each value array of the document, found once: a big input's
// values are read by every panel that shows one of its edges.
const magnitudes = new WeakMap();

/** The largest magnitude among values (numbers or the document's nested lists). */
function magnitude(...values) {
  let m = 0;
  for (const v of values) {
    if (!Array.isArray(v)) { m = Math.max(m, scaleOf(v)); continue; }
    if (!magnitudes.has(v)) magnitudes.set(v, scaleOf(v));
    m = Math.max(m, magnitudes.get(v));
  }
  return m;
}

/** The scale of an edge's local derivative: the local's entries and the forward values of
 *  the node's inputs it is made of (x × y's local for x is y: noise in y is noise here). */
function localScale(node, edge) {
  const { trace } = state.doc;
  return Math.max(magnitude(edge.local), magnitude(...node.inputs.map((i) => trace.nodes[i].value)));
}

/** The scale of a downstream gradient: the upstream times the local scale (format.js, isNoise). */
function edgeScale(node, step, edge) {
  return Math.max(magnitude(edge.downstream), magnitude(step.upstream) * localScale(node, edge));
}

/** The size of the numbers a node's gradient is summed from: its contributions' scales. */
function upstreamScale(id, step) {
  const { trace } = state.doc;
  let scale = magnitude(step.upstream);
  if (id === trace.output) scale = Math.max(scale, 1);
  for (const c of step.contributions || []) {
    const succ = stepOf(c.from);
    const edge = succ && (succ.edges || []).find((e) => e.input === id && (c.position === undefined || e.position === c.position));
    if (edge) scale = Math.max(scale, edgeScale(trace.nodes[c.from], succ, edge));
  }
  return scale;
}

/** A node's name that shows that node when clicked (e.g. the successor a gradient came from). */
function nodeLink(id) {
  const { trace } = state.doc;
  return el("button", { class: "node-link", type: "button", title: nodeTip(trace.nodes[id]),
    onclick: () => links.select(id), text: trace.display.nodes[id].header });
}

/** What a node is, in the program's own words: "v3 = x + y — unnamed …". */
function whatIs(node) {
  if (node.kind === "const") return [el("code", { text: node.expr }), t("panel.what.const")];
  const parts = [el("code", { text: `${node.symbol} = ${node.expr}` })];
  if (!node.name) parts.push(t("panel.what.unnamed", { symbol: node.symbol }));
  else if (node.kind === "leaf") parts.push(node.frozen ? t("panel.what.frozen") : t("panel.what.leaf"));
  return parts;
}

/** What is not there yet, with a button to the step where it arrives. */
function waiting(text, at) {
  const box = el("div", { class: "waiting", text });
  if (at) box.append(el("button", { class: "btn small", type: "button", onclick: () => links.goTo(at), text: t("panel.goto", { step: at }) }));
  return box;
}

/** One input of the node: its local derivative and downstream gradient, each with its rule,
 *  and the chain rule with the numbers. */
function edgeCard(node, step, edge) {
  const { trace } = state.doc;
  const input = trace.nodes[edge.input];
  const inputShown = trace.display.nodes[edge.input];
  const block = node.op === "concat" ? blockColour(edge.position) : null;
  const card = el("div", { class: `edge-card${edge.skipped ? " skipped" : ""}${block ? " in-block" : ""}`, "data-input": edge.input, "data-position": edge.position },
    el("div", { class: "ec-head" },
      el("span", {}, "→ ", el("b", { class: block ? "block-name" : null, text: inputShown.header }), t("panel.input", { n: edge.position + 1, shape: shapeText(input.shape) })),
      el("button", { class: "btn small", type: "button", text: t("panel.show"), title: t("panel.show.title"), onclick: () => links.select(edge.input) })));
  if (block) card.style.setProperty("--block", block);
  // The local rule (∂z/∂x) and the downstream one (∂s/∂x), when the document names both;
  // a document with one rule per edge has it shown above the values, as it says it.
  const localRule = edge.downstream_rule ? edge.rule : null;
  const downRule = edge.downstream_rule || null;
  if (!localRule && !downRule && edge.rule) card.append(ruleLine(edge.rule, "rule"));
  if (edge.skipped) {
    // The document says why (its rule's words, when it names a downstream rule too).
    const why = edge.downstream_rule && edge.rule ? edge.rule.text : t("panel.skipped", { why: t(`panel.skipped.${edge.skipped}`) });
    card.append(el("div", { class: "waiting", "data-field": "skipped", text: `${why.replace(/\.$/, "")}.` }));
    return card;
  }
  const scale = edgeScale(node, step, edge);
  const scalarLocal = !Array.isArray(edge.local) && edge.local !== null;
  const kv = el("dl", { class: "kv" },
    el("dt", { text: t("panel.local") }),
    el("dd", {},
      localRule ? ruleLine(localRule, "local") : null,
      el("div", { "data-field": "local" }, edge.local === null
        ? el("span", { class: "muted", text: t(localRule ? "panel.jacobian.big.local" : "panel.jacobian.big.above", { shape: edge.local_shape.join("×") }) })
        : jacobianView(edge, node, input, scalarLocal, localScale(node, edge)))),
    el("dt", { text: t("panel.downstream") }),
    el("dd", {},
      downRule ? ruleLine(downRule, "downstream") : null,
      el("div", { "data-field": "downstream" }, tensorView(edge.downstream, input.shape, "grad", { scale, blocks: blocksOf(edge.input) }))));
  card.append(kv);
  const allScalar = node.shape.length === 0 && input.shape.length === 0 && scalarLocal;
  const down = `\\underbrace{${partial(input.latex)}}_{\\text{${t("panel.downstream")}}}`;
  const frac = `\\frac{\\partial ${node.latex}}{\\partial ${input.latex}}`;
  const loc = (x) => `\\underbrace{${x}}_{\\text{${t("panel.local")}}}`;
  const upT = `\\underbrace{${partial(node.latex)}}_{\\text{${t("panel.upstream")}}}`;
  const formula = allScalar
    ? `${down} = ${loc(frac)} \\times ${upT}`
    : `${down} = ${loc(`\\left(${frac}\\right)^{\\!\\top}`)} ${upT}`;
  // The numbers go on a line of their own, under the symbols, so neither line wraps.
  const upScale = upstreamScale(node.id, step);
  const locScale = localScale(node, edge);
  const numbers = allScalar
    ? `${texNum(edge.downstream, scale)} = ${texNum(edge.local, locScale)} \\times ${texNum(step.upstream, upScale)}`
    : chainNumbers(edge, step, node, input, { scale, localScale: locScale, upScale });
  const noisy = [[edge.downstream, scale], [edge.local, locScale], [step.upstream, upScale]].filter(([v, sc]) => !Array.isArray(v) && isNoise(v, sc)).map(([v]) => v);
  card.append(el("div", { class: "chain", "data-field": "chain" }, tex(formula),
    el("div", { class: "chain-nums", "data-field": "chain-numbers", title: noisy.length ? noisy.map(exactTitle).join("; ") : null }, tex(numbers))));
  const weights = productExplorer(node, step, edge, input, card, { trace, partial, blocks: blocksOf });
  if (weights) card.append(weights);
  return card;
}

/** A rule as LaTeX, its words in the title; `kind`: "local", "downstream" or "rule" (not said which). */
function ruleLine(rule, kind) {
  const label = kind === "rule" ? null : t(`panel.rule.${kind}`);
  return el("div", { class: "rule", "data-rule": kind, "data-label": label, title: rule.text }, tex(rule.latex));
}

/** The local Jacobian; beyond 2 dimensions (a vector from a matrix) as the matrix
 *  "one row per output entry, one column per input entry" that it is. */
function jacobianView(edge, node, input, scalarLocal, scale) {
  if (scalarLocal) return tensorView(edge.local, [], "", { scale });
  if (edge.local_shape.length <= 2) return tensorView(edge.local, edge.local_shape, "", { scale });
  const size = (shape) => shape.reduce((a, b) => a * b, 1);
  const r = size(node.shape), c = size(input.shape);
  const flat = edge.local.flat(Infinity);
  const rows = Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
  const view = tensorView(rows, [r, c], "", { scale });
  view.dataset.shape = edge.local_shape.join("x");
  $(".shape", view).textContent = t("panel.jacobian.rows", { shape: edge.local_shape.join("×"), o: node.symbol, x: input.symbol });

  return view;
}
