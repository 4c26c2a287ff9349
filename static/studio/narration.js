/* Each step told in a plain sentence with its numbers: the page's twin of engine/narration.py,
 * read from the (hydrated) lean document, in the reader's language. Same decisions, same
 * catalogue keys, same numbers (`fmt`), so both tell a step alike (tests/page/test_narration.py
 * runs this module under Node over every gallery example and compares). Pure: no DOM. */
import { fmt } from "./format.js";
import { t } from "./i18n.js";
import { isSummary, pending } from "./lean.js";

const INFIX = ["add", "sub", "mul", "div", "pow", "matmul"];
const SMALL = 4;     // a tensor of at most this many entries is written out

const num = (x) => fmt(x);
/** A number as an operand of a written-out formula: a negative one in parentheses. */
function operand(x) {
  const s = num(x);
  return s.startsWith("-") ? `(${s})` : s;
}
const entries = (v) => (Array.isArray(v) ? `[${v.map(entries).join(", ")}]` : num(v));
const isNum = (x) => typeof x === "number";

function shapeText(shape) {
  if (shape.length === 1) return t("narration.shape.vector", { n: String(shape[0]) });
  return t(shape.length === 2 ? "narration.shape.matrix" : "narration.shape.tensor", { dims: shape.join("×") });
}

/** A tensor in a few words: its entries when few, else its shape and its finite entries' range. */
function tensor(v, shape) {
  let lo, hi, bad;
  if (isSummary(v)) ({ min: lo, max: hi, nonfinite: bad } = v.stats);
  else {
    const flat = Array.isArray(v) ? v.flat(Infinity) : [v];
    if (flat.length <= SMALL) return entries(v);
    lo = Infinity; hi = -Infinity; bad = 0;
    for (const x of flat) {
      if (isNum(x) && Number.isFinite(x)) { if (x < lo) lo = x; if (x > hi) hi = x; } else bad++;
    }
    if (bad === flat.length) lo = hi = "nan";
  }
  if (bad === 0 && lo === hi) return t("narration.tensor.same", { shape: shapeText(shape), v: num(lo) });
  return t("narration.tensor.range", { shape: shapeText(shape), min: num(lo), max: num(hi) });
}

const value = (v, shape) => (shape.length ? tensor(v, shape) : num(v));

function formula(node, args) {
  const { op, label } = node;
  if (INFIX.includes(op) && args.length === 2) return `${args[0]} ${label} ${args[1]}`;
  if (op === "neg") return `−${args[0]}`;
  if (op === "transpose") return `${args[0]}ᵀ`;
  if (op === "index") return `${args[0]}${label}`;
  return `${label.split("(")[0]}(${args.join(", ")})`;
}

function forward(doc, step) {
  const nodes = doc.nodes, node = nodes[step.node];
  const told = value(step.value, node.shape);
  if (node.kind === "const") return t("narration.forward.const", { value: told });
  if (node.kind === "leaf") return t(node.frozen ? "narration.forward.frozen" : "narration.forward.input", { o: node.symbol, value: told });
  const ins = node.inputs.map((i) => nodes[i]);
  const what = formula(node, ins.map((n) => n.symbol));
  if (node.shape.length || ins.some((n) => n.shape.length)) return t("narration.forward.tensor", { o: node.symbol, formula: what, value: told });
  const call = !INFIX.includes(node.op) && node.op !== "neg";
  const numbers = formula(node, ins.map((n) => (call ? num(n.value) : operand(n.value))));
  return t("narration.forward.op", { o: node.symbol, formula: what, numbers, value: told });
}

function received(doc, step, node, up) {
  const o = node.symbol, cs = step.contributions;
  if (step.node === doc.output) return t("narration.backward.output", { o, g: up });
  if (cs.length === 1) return t("narration.backward.one", { o, g: up, src: doc.nodes[cs[0].from].symbol });
  if (!cs.length) return t("narration.backward.got", { o, g: up });
  const n = String(cs.length);
  // x * x: one node using x twice is two uses, not two nodes
  const uses = new Set(cs.map((c) => c.from)).size === cs.length ? "nodes" : "times";
  if (node.shape.length) return t(`narration.backward.sum_${uses}_tensor`, { o, n, g: up });
  const terms = cs.map((c) => operand(c.downstream)).join(" + ");
  return t(`narration.backward.sum_${uses}`, { o, n, terms, g: up });
}

/** What one input gets: [kind, text] (the op's intro follows from the kinds). */
function clause(doc, step, node, edge) {
  const nodes = doc.nodes, x = nodes[edge.input], xs = x.symbol;
  if (edge.skipped) return ["skip", t(`narration.skip.${edge.skipped}`, { x: xs })];
  const { local, downstream: down } = edge;
  if (edge.local_shape.length || local === null || local === undefined) {
    if (node.op === "relu" && Array.isArray(x.value)) {      // every entry is here (not a summary)
      const flat = x.value.flat(Infinity);
      const n = flat.filter((v) => v === "inf" || (isNum(v) && v > 0)).length;
      return ["route", t("narration.clause.relu_tensor", { x: xs, n: String(n), total: String(flat.length), down: value(down, x.shape) })];
    }
    return ["tensor", t("narration.clause.tensor", { x: xs, down: value(down, x.shape) })];
  }
  const op = node.op, up = step.upstream, two = node.inputs.length === 2;
  const other = two ? nodes[node.inputs[1 - edge.position]] : null;
  const xv = x.value;
  if (op === "add" && local === 1) return ["add", t("narration.clause.add", { x: xs, up: num(up) })];
  if (op === "mul" && two) {
    return ["mul", t("narration.clause.mul", { x: xs, y: other.symbol, up: operand(up), yv: operand(other.value), down: num(down) })];
  }
  if (op === "relu" && isNum(xv)) {
    if (local === 1 && xv > 0) return ["route", t("narration.clause.relu_pass", { x: xs, xv: num(xv), up: num(up) })];
    if (local === 0 && xv <= 0) return ["route", t("narration.clause.relu_block", { x: xs, xv: num(xv) })];
  }
  if ((op === "maximum" || op === "minimum") && two && isNum(xv) && isNum(other.value)) {
    const yv = other.value, max = op === "maximum";
    const [wins, loses] = max ? [xv > yv, xv < yv] : [xv < yv, xv > yv];
    const args = { x: xs, xv: num(xv), y: other.symbol, yv: num(yv), op: node.label };
    if (local === 1 && wins) return ["route", t("narration.clause.route_win", { ...args, cmp: max ? ">" : "<", up: num(up) })];
    if (local === 0 && loses) return ["route", t("narration.clause.route_lose", { ...args, cmp: max ? "<" : ">" })];
  }
  return ["scalar", t("narration.clause.scalar", { x: xs, local: operand(local), up: operand(up), down: num(down) })];
}

function backward(doc, step) {
  const nodes = doc.nodes, node = nodes[step.node];
  const up = value(step.upstream, node.shape);
  const parts = [received(doc, step, node, up)];
  if (!step.edges.length) {
    const out = nodes[doc.output].symbol;
    if (node.kind === "leaf") {
      parts.push(node.shape.length ? t("narration.backward.leaf_tensor", { o: node.symbol, out })
        : t("narration.backward.leaf", { o: node.symbol, out, g: up }));
    }
    return join(parts);
  }
  const clauses = step.edges.slice(0, MAX_CLAUSES).map((e) => clause(doc, step, node, e));
  if ((node.op === "add" || node.op === "mul") && clauses.some(([kind]) => kind === node.op)) parts.push(t(`narration.intro.${node.op}`));
  for (const [, text] of clauses) parts.push(text);
  if (step.edges.length > MAX_CLAUSES) parts.push(t("narration.more", { n: String(step.edges.length - MAX_CLAUSES) }));
  return join(parts);
}

const MAX_CLAUSES = 6;     // inputs told one by one; the others in one sentence (engine/narration.py)

/** Sentences one after another. */
function join(parts) {
  return parts.reduceRight((b, a) => t("narration.and.same", { a, b }));
}

/** Step `i` (0-based, `doc.steps[i]`) of a hydrated trace document, told in the page's language. */
export function narrate(doc, i) {
  const step = doc.steps[i];
  if (pending(doc, step)) return t("lean.details.narration");
  return step.phase === "forward" ? forward(doc, step) : backward(doc, step);
}
