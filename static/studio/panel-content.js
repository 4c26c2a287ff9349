/* What the node panel says about a node at a step: its value, its gradient, and for each
 * input the chain rule with the server's numbers. Built off-document, a chunk at a time. */
import { state } from "./state.js";
import { $, $$, el, outOfTabOrder, tex } from "./dom.js";
import { nodeTip, shapeText, texNum } from "./format.js";
import { tensorView } from "./tensor.js";

/** What the panel's buttons do: pick a node, go to a step (set once by the entry module). */
const links = { select: null, goTo: null };

export function bindPanelLinks({ select, goTo }) {
  links.select = select;
  links.goTo = goTo;
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
  const badges = [el("span", { class: `badge ${node.kind}`, text: node.kind === "op" ? `op: ${node.op}` : node.kind })];
  if (node.frozen) badges.push(el("span", { class: "badge frozen", text: "frozen" }));
  if (id === trace.output) badges.push(el("span", { class: "badge output", text: "output" }));
  const head = [
    el("div", { class: "node-title", id: "panel-title", "data-node": id },
      el("span", { class: "nt-name", text: display.header }), ...badges),
    el("div", { class: "node-expr", "data-field": "expr" }, ...whatIs(node)),
    el("div", { class: "meta" }, `node #${id} · ${shapeText(node.shape)}`,
      node.names && node.names.length > 1 ? ` · names: ${node.names.join(", ")}` : "",
      ` · line ${node.line}, col ${node.col}`),
  ];

  head.push(el("h3", { text: "Forward value" }));
  if (hasValue) head.push(el("div", { "data-field": "value" }, tensorView(node.value, node.shape, "val")));
  else head.push(waiting(`Computed at step ${display.value_at} (forward).`, display.value_at));

  head.push(el("h3", { text: "Gradient" }));
  if (!trace.backward) {
    head.push(el("div", { class: "waiting", text: "No backward pass: the output is not a scalar. Reduce it (e.g. sum(...)) to get gradients." }));
    yield head;
    return;
  }
  if (!hasGrad) {
    head.push(waiting(display.grad_at ? `Its gradient arrives at step ${display.grad_at} (backward).` : "No gradient reaches this node.", display.grad_at));
    yield head;
    return;
  }
  yield head;
  const step = trace.steps[display.grad_at - 1];
  const out = [];
  out.push(el("dl", { class: "kv" },
    el("dt", {}, "upstream ", tex(partial(node.latex))),
    el("dd", { "data-field": "upstream" }, tensorView(step.upstream, node.shape, "grad"))));

  const contribs = step.contributions || [];
  if (contribs.length > 1) {
    out.push(el("div", { class: "sumrule", text: step.sum_rule || `${display.header} feeds ${contribs.length} nodes; its gradient is the sum of their contributions.` }));
    const scalar = node.shape.length === 0;
    if (scalar) {
      const sumTex = `${partial(node.latex)} = ` + contribs.map((c) => texNum(c.downstream)).join(" + ").replace(/\+ -/g, "- ") + ` = ${texNum(step.upstream)}`;
      out.push(el("div", { class: "chain", "data-field": "sum" }, tex(sumTex)));
    }
    const ul = el("ul", { class: "contribs" });
    contribs.forEach((c) => ul.append(el("li", { "data-from": c.from },
      el("span", {}, "from ", nodeLink(c.from), ":"), tensorView(c.downstream, node.shape, "grad"))));
    out.push(ul);
  } else if (contribs.length === 1) {
    out.push(el("div", { class: "meta" }, "from ", nodeLink(contribs[0].from), " (its only successor)"));
  } else if (id === trace.output) {
    out.push(el("div", { class: "meta" }, "the output: ", tex(`${partial(node.latex)} = 1`)));
  }
  if (step.intuition) out.push(el("div", { class: "intuition", "data-field": "intuition", text: step.intuition }));

  if ((step.edges || []).length) out.push(el("h3", { text: "To each input: downstream = local × upstream" }));
  yield out;
  for (const edge of step.edges || []) yield [edgeCard(node, step, edge)];
}

/** A node's name that shows that node when clicked (e.g. the successor a gradient came from). */
function nodeLink(id) {
  const { trace } = state.doc;
  return el("button", { class: "node-link", type: "button", title: nodeTip(trace.nodes[id]),
    onclick: () => links.select(id), text: trace.display.nodes[id].header });
}

/** What a node is, in the program's own words: "v3 = x + y — unnamed …". */
function whatIs(node) {
  if (node.kind === "const") return [el("code", { text: node.expr }), " — a constant written in the program (it takes no gradient)"];
  const parts = [el("code", { text: `${node.symbol} = ${node.expr}` })];
  if (!node.name) parts.push(` — unnamed in the program, so the graph calls it ${node.symbol}`);
  else if (node.kind === "leaf") parts.push(node.frozen ? " — a frozen leaf: held fixed, no gradient" : " — a leaf: an input or parameter, it gets a gradient");
  return parts;
}

/** What is not there yet, with a button to the step where it arrives. */
function waiting(text, at) {
  const box = el("div", { class: "waiting", text });
  if (at) box.append(el("button", { class: "btn small", type: "button", onclick: () => links.goTo(at), text: `Go to step ${at}` }));
  return box;
}

/** One input of the node: its rule, local derivative, downstream gradient and the chain rule. */
function edgeCard(node, step, edge) {
  const { trace } = state.doc;
  const input = trace.nodes[edge.input];
  const inputShown = trace.display.nodes[edge.input];
  const card = el("div", { class: `edge-card${edge.skipped ? " skipped" : ""}`, "data-input": edge.input, "data-position": edge.position },
    el("div", { class: "ec-head" },
      el("span", {}, "→ ", el("b", { text: inputShown.header }), ` (input ${edge.position + 1}, ${shapeText(input.shape)})`),
      el("button", { class: "btn small", type: "button", text: "show", title: "Show this input node", onclick: () => links.select(edge.input) })));
  if (edge.rule) card.append(el("div", { class: "rule", title: edge.rule.text }, tex(edge.rule.latex)));
  if (edge.skipped) {
    card.append(el("div", { class: "waiting", text: `No gradient: the input is ${edge.skipped}.` }));
    return card;
  }
  const scalarLocal = !Array.isArray(edge.local) && edge.local !== null;
  const kv = el("dl", { class: "kv" },
    el("dt", { text: "local" }),
    el("dd", { "data-field": "local" },
      edge.local === null
        ? el("span", { class: "muted", text: `Jacobian ${edge.local_shape.join("×")} (too large to list; the rule above gives it)` })
        : jacobianView(edge, node, input, scalarLocal)),
    el("dt", { text: "downstream" }),
    el("dd", { "data-field": "downstream" }, tensorView(edge.downstream, input.shape, "grad")));
  card.append(kv);
  const allScalar = node.shape.length === 0 && input.shape.length === 0 && scalarLocal;
  const down = `\\underbrace{${partial(input.latex)}}_{\\text{downstream}}`;
  const frac = `\\frac{\\partial ${node.latex}}{\\partial ${input.latex}}`;
  const loc = (t) => `\\underbrace{${t}}_{\\text{local}}`;
  const upT = `\\underbrace{${partial(node.latex)}}_{\\text{upstream}}`;
  const formula = allScalar
    ? `${down} = ${loc(frac)} \\times ${upT}`
    : `${down} = ${loc(`\\left(${frac}\\right)^{\\!\\top}`)} ${upT}`;
  // The numbers go on a line of their own, under the symbols, so neither line wraps.
  const numbers = allScalar
    ? el("div", { class: "chain-nums" }, tex(`${texNum(edge.downstream)} = ${texNum(edge.local)} \\times ${texNum(step.upstream)}`))
    : null;
  card.append(el("div", { class: "chain", "data-field": "chain" }, tex(formula), numbers));
  const weights = weightExplorer(node, step, edge, input);
  if (weights) card.append(weights);
  return card;
}

/** The local Jacobian; beyond 2 dimensions (a vector from a matrix) as the matrix
 *  "one row per output entry, one column per input entry" that it is. */
function jacobianView(edge, node, input, scalarLocal) {
  if (scalarLocal) return tensorView(edge.local, []);
  if (edge.local_shape.length <= 2) return tensorView(edge.local, edge.local_shape);
  const size = (shape) => shape.reduce((a, b) => a * b, 1);
  const r = size(node.shape), c = size(input.shape);
  const flat = edge.local.flat(Infinity);
  const rows = Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
  const view = tensorView(rows, [r, c]);
  view.dataset.shape = edge.local_shape.join("x");
  $(".shape", view).textContent = `${edge.local_shape.join("×")}: a row per entry of ${node.symbol}, ` +
    `a column per entry of ${input.symbol} (row by row)`;
  return view;
}

/** For z = W x: pick one weight and see ∂f/∂W_ij = δ_i x_j with the server's numbers. */
function weightExplorer(node, step, edge, input) {
  const { trace } = state.doc;
  const other = node.inputs.length === 2 && edge.position === 0 ? trace.nodes[node.inputs[1]] : null;
  if (node.op !== "matmul" || !other || input.shape.length !== 2 || other.shape.length !== 1 || node.shape.length !== 1) return null;
  const box = el("div", { class: "weights", "data-field": "weights" });
  const out = el("div", { class: "chain", "data-field": "weight" });
  const show = (i, j) => {
    out.innerHTML = "";
    const W = `${input.latex}_{${i + 1}${j + 1}}`;
    out.append(tex(`${partial(W)} = \\delta_{${i + 1}}\\, ${other.latex}_{${j + 1}} = ${texNum(step.upstream[i])} \\times ${texNum(other.value[j])} = ${texNum(edge.downstream[i][j])}`));
    $$("td.picked", box.parentNode).forEach((td) => td.classList.remove("picked"));
    const td = box.parentNode.querySelector(`[data-field="downstream"] td[data-i="${i}"][data-j="${j}"]`);
    if (td) td.classList.add("picked");
  };
  const wName = input.name || input.symbol, xName = other.name || other.symbol;
  box.append(el("div", { class: "meta", text: `One weight at a time: ${wName}ᵢⱼ only feeds output i, so its gradient is δᵢ·${xName}ⱼ. Click (or Tab to) an entry of the downstream gradient above.` }), out);
  setTimeout(() => {   // the card is in the DOM now: make the gradient's cells pickable
    const cells = box.parentNode ? $$('[data-field="downstream"] td', box.parentNode) : [];
    cells.forEach((td) => {
      td.classList.add("pick");
      if (box.closest(".standby")) outOfTabOrder(td, "0"); else td.tabIndex = 0;
      const i = Number(td.dataset.i), j = Number(td.dataset.j);
      td.addEventListener("click", () => show(i, j));
      td.addEventListener("focus", () => show(i, j));
    });
    show(0, 0);
  });
  return box;
}
