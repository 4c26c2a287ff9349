/* The weight explorer of a product's edge card: pick an entry of an input's gradient and see
 * which entries of the upstream δ and of the other input it is made of, with the numbers.
 *
 * Every product form is one matrix product once its vectors are read as a row or a column
 * (a vector on the left of @ as 1×k, on the right as k×1; outer(a, b) as a column times a
 * row): z = A B, so ∂s/∂A = δ Bᵀ (∂s/∂A_rc = Σ_m δ_rm B_cm) and ∂s/∂B = Aᵀ δ
 * (∂s/∂B_rc = Σ_i A_ir δ_ic). The numbers are the server's: the entry shown is the
 * document's downstream value; the terms only say which numbers it is made of. */
import { el, tex } from "./dom.js";
import { exactTitle, texNum } from "./format.js";
import { tensorView } from "./tensor.js";
import { t as say } from "./i18n.js";

const MAX_TERMS_WRITTEN = 3;    // a longer sum is written as its first two terms, ⋯, its last
const DIGITS = 3;               // of each factor, so that a sum fits the panel (the entry has 4)

/** How a value of `shape` reads as a matrix: "matrix", "row" (1×k), "col" (k×1) or "scalar" (1×1). */
function asMatrix(value, shape, kind) {
  if (shape.length === 2) return { kind: "matrix", m: value };
  if (shape.length === 0) return { kind: "scalar", m: [[value]] };
  return kind === "row" ? { kind, m: [value] } : { kind, m: value.map((v) => [v]) };
}

/** The index in the value's own shape of the matrix entry (r, c). */
function ownIndex(kind, r, c) {
  return kind === "matrix" ? [r, c] : kind === "row" ? [c] : kind === "col" ? [r] : [];
}

/** The matrix entry (r, c) of the cell (data-i, data-j) that tensorView draws for an index. */
function cellOf(index) {
  return index.length === 2 ? index : index.length === 1 ? [0, index[0]] : null;
}

/** The product read as matrices, or null when the op is not a product of at most 2-d values. */
function productForm(node, trace) {
  if (node.inputs.length !== 2 || (node.op !== "matmul" && node.op !== "outer")) return null;
  const [a, b] = node.inputs.map((i) => trace.nodes[i]);
  if (a.shape.length > 2 || b.shape.length > 2 || node.shape.length > 2) return null;
  let A, B, outKind;
  if (node.op === "outer") {
    A = asMatrix(a.value, a.shape, "col");
    B = asMatrix(b.value, b.shape, "row");
    outKind = "matrix";
  } else {
    A = asMatrix(a.value, a.shape, "row");
    B = asMatrix(b.value, b.shape, "col");
    outKind = node.shape.length === 2 ? "matrix" : node.shape.length === 0 ? "scalar" : a.shape.length === 1 ? "row" : "col";
  }
  return { A, B, outKind, nodes: [a, b] };
}

/** An index as a LaTeX subscript: 1-based, commas once a number has two digits. */
function sub(index) {
  const parts = index.map((i) => (typeof i === "number" ? String(i + 1) : i));
  return parts.some((p) => p.length > 1) ? parts.join(",") : parts.join("");
}

/** `name` with a subscript (a name that has one already is bracketed first). */
function entry(latex, index) {
  if (!index.length) return latex;
  const base = /[_^]/.test(latex) ? `(${latex})` : latex;
  return `${base}_{${sub(index)}}`;
}

function factor(x) {
  const t = texNum(x, 0, DIGITS);
  return t.startsWith("-") ? `(${t})` : t;
}

/** The terms of the gradient entry (r, c) of input `position`: [{up, other}], each an index
 *  into δ and the other input (own shapes) and their numbers. */
function terms(form, delta, position, r, c) {
  const out = [];
  const at = (m, i, j) => (m[i] === undefined ? undefined : m[i][j]);    // undefined for letters
  if (position === 0) {           // ∂s/∂A_rc = Σ_m δ_rm B_cm
    for (let m = 0; m < delta.m[0].length; m++) {
      out.push({ up: ownIndex(delta.kind, r, m), other: ownIndex(form.B.kind, c, m), u: at(delta.m, r, m), o: at(form.B.m, c, m) });
    }
  } else {                        // ∂s/∂B_rc = Σ_i A_ir δ_ic
    for (let i = 0; i < delta.m.length; i++) {
      out.push({ up: ownIndex(delta.kind, i, c), other: ownIndex(form.A.kind, i, r), u: at(delta.m, i, c), o: at(form.A.m, i, r) });
    }
  }
  return out;
}

/** A product's weight explorer for one edge card, or null for any other op. `partial(latex)`
 *  writes ∂(output)/∂(latex); `blocks(id)` the concat blocks of node id's vector (or null).
 *  The downstream table of `card` becomes pickable. */
export function productExplorer(node, step, edge, input, card, { trace, partial, blocks }) {
  // a big tensor is sent as a summary: its entries one by one are not at hand
  const values = [step.upstream, edge.downstream, ...node.inputs.map((i) => trace.nodes[i].value)];
  if (values.some((v) => v && v.summary === true)) return null;
  const form = productForm(node, trace);
  if (!form || edge.downstream === null || edge.downstream === undefined || input.shape.length === 0) return null;
  const position = edge.position;
  const other = form.nodes[1 - position];
  const mine = position === 0 ? form.A : form.B;
  const delta = asMatrix(step.upstream, node.shape, form.outKind);
  const grad = asMatrix(edge.downstream, input.shape, mine.kind).m;
  const first = position === 0;          // δ Bᵀ: δ first; Aᵀ δ: the other input first
  const pair = (d, o) => (first ? `${d}\\, ${o}` : `${o}\\, ${d}`);
  const nums = (t, times) => (first ? `${factor(t.u)} ${times} ${factor(t.o)}` : `${factor(t.o)} ${times} ${factor(t.u)}`);
  // The general entry, with letters: ∂s/∂W_ij = δ_i x_j, or a sum over k.
  const letters = ["i", "j"];
  const symbolic = terms({ ...form, A: { ...form.A, m: [[0]] }, B: { ...form.B, m: [[0]] } }, { ...delta, m: [[0]] }, position, letters[0], letters[1]);
  const t0 = symbolic[0];
  const inner = (position === 0 ? delta.m[0].length : delta.m.length) > 1;
  const general = (idx) => idx.map((v) => (v === 0 ? "k" : v));
  const ownLetters = ownIndex(mine.kind, "i", "j");
  const head = `${partial(entry(input.latex, ownLetters))} = ${inner ? "\\sum_{k} " : ""}` +
    pair(entry("\\delta", inner ? general(t0.up) : t0.up), entry(other.latex, inner ? general(t0.other) : t0.other));

  const box = el("div", { class: "weights", "data-field": "weights", "data-form": `${node.op} ${node.inputs.map((i) => trace.nodes[i].shape.length).join("")}` });
  const out = el("div", { class: "chain", "data-field": "weight" });
  const deltaView = el("div", { class: "wx-delta" });
  const otherView = el("div", { class: "wx-other" });
  const upView = tensorView(step.upstream, node.shape, "grad");
  const otherValue = tensorView(other.value, other.shape, "val", { blocks: blocks(other.id) });
  deltaView.append(el("div", { class: "meta" }, say("panel.explorer.delta"), tex(partial(node.latex))), upView);
  otherView.append(el("div", { class: "meta" }, say("panel.explorer.other", { name: other.name || other.symbol })), otherValue);
  const mark = (view, indices) => {
    for (const td of view.querySelectorAll("td.used")) td.classList.remove("used");
    if (view.classList.contains("num")) { view.classList.toggle("used", indices.length > 0); return; }
    for (const index of indices) {
      const cell = cellOf(index);
      const td = cell && view.querySelector(`td[data-i="${cell[0]}"][data-j="${cell[1]}"]`);
      if (td) td.classList.add("used");
    }
  };
  const show = (r, c, td) => {
    const ts = terms(form, delta, position, r, c);
    const value = grad[r][c];
    const index = ownIndex(mine.kind, r, c);
    const written = ts.length > MAX_TERMS_WRITTEN ? [...ts.slice(0, MAX_TERMS_WRITTEN - 1), null, ts[ts.length - 1]] : ts;
    const symbols = written.map((t) => (t ? pair(entry("\\delta", t.up), entry(other.latex, t.other)) : "\\cdots")).join(" + ");
    const numbers = written.map((t) => (t ? nums(t, ts.length === 1 ? "\\times" : "\\cdot") : "\\cdots")).join(" + ");
    const lhs = partial(entry(input.latex, index));
    // One product fits a line; a sum gets a line for its symbols and one for its numbers.
    out.replaceChildren(tex(ts.length === 1
      ? `${lhs} = ${symbols} = ${numbers} = ${texNum(value)}`
      : `\\begin{aligned}&${lhs} = ${symbols}\\\\ &\\quad = ${numbers}\\\\ &\\quad = ${texNum(value)}\\end{aligned}`));
    out.title = `${exactTitle(value)}; ${say(ts.length === 1 ? "panel.explorer.term" : "panel.explorer.terms", { n: ts.length })}`;
    out.dataset.index = JSON.stringify(index);
    out.dataset.entry = JSON.stringify(value);
    out.dataset.terms = JSON.stringify(ts.map((t) => [t.u, t.o]));
    for (const p of card.querySelectorAll("td.picked")) p.classList.remove("picked");
    if (td) td.classList.add("picked");
    mark(upView, ts.map((t) => t.up));
    mark(otherValue, ts.map((t) => t.other));
  };
  box.append(
    el("div", { class: "meta" }, say("panel.explorer.one"), tex(head),
      say(inner ? "panel.explorer.pick.sum" : "panel.explorer.pick.numbers")),

    out, el("div", { class: "wx-parts" }, deltaView, otherView));
  const cells = [...card.querySelectorAll('[data-field="downstream"] td')];
  for (const td of cells) {
    const i = Number(td.dataset.i), j = Number(td.dataset.j);
    const [r, c] = mine.kind === "col" ? [j, 0] : [i, j];
    td.classList.add("pick");
    td.tabIndex = 0;       // a pane prepared while idle takes it out of the Tab order until shown
    td.addEventListener("click", () => show(r, c, td));
    td.addEventListener("focus", () => show(r, c, td));
  }
  show(0, 0, cells[0]);
  return box;
}
