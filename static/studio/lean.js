/* The lean trace document (engine/lean.py) read back: each number is sent once, and the
 * page puts each where the full document has it, as a reference to the one copy (no number
 * is copied): a forward step's value is its node's, a backward step's upstream its node's
 * gradient, an edge without `downstream` sends its input's whole gradient, a contribution's
 * downstream is the edge's it came through. A big tensor stays a summary ({summary: true,
 * shape, stats, preview, first}); its exact entries come from /api/window.
 * Its explanation texts are messages ({key, args}) with the nodes' names as placeholders
 * ({o}, {x}, {y}, {s}; {O}… in LaTeX): `tellStep` tells a step's in the page's language and
 * names the nodes when a panel first shows that step (or shows it after a switch of language),
 * keeping each message (`said`). A big program's backward steps may come without their details
 * (`details` "later", engine/lean.py): `pending` until /api/details completes them (`complete`). */
import { lang, msgText } from "./i18n.js";

/** Whether `v` is a big tensor's summary. */
export function isSummary(v) {
  return v !== null && typeof v === "object" && v.summary === true;
}

/** Fill the references of a lean document in place; returns it. */
export function hydrate(doc) {
  if (!doc.lean) return doc;
  const nodes = doc.nodes;
  for (const n of nodes) {          // a summary knows whose it is, for /api/window
    if (isSummary(n.value)) Object.assign(n.value, { node: n.id, what: "value" });
    if (isSummary(n.grad)) Object.assign(n.grad, { node: n.id, what: "grad" });
  }
  const edgeOf = new Map();          // "node:position" -> the edge record of that node's step
  for (const step of doc.steps) {
    const node = nodes[step.node];
    if (step.phase === "forward") { step.value = node.value; continue; }
    step.upstream = node.grad;
    if (doc.details === "later") continue;      // node and op only, for now: nothing to tell or link
    keepSaid(doc, step);
    for (const e of step.edges) {
      if (!("downstream" in e)) e.downstream = e.skipped ? null : nodes[e.input].grad;
      edgeOf.set(`${step.node}:${e.position}`, e);
    }
    // a node's backward step comes after the steps of every node it feeds (reverse order)
    for (const c of step.contributions) {
      const e = edgeOf.get(`${c.from}:${c.position}`);
      c.downstream = e ? e.downstream : null;
    }
  }
  return doc;
}

/** Whether step `step` of a document is a backward step still waiting for its details. */
export function pending(doc, step) {
  return doc.details === "later" && step.phase === "backward";
}

/** A document shown without its details, completed in place by the /api/details answer (read
 *  back by packed.js's `unpackDetails`): its backward steps in full, the display model's edges. */
export function complete(doc, { backward, displayEdges }) {
  const forward = doc.nodes.length;
  if (doc.steps.length !== forward + backward.length) throw new Error(`${backward.length} backward steps for ${doc.steps.length - forward}`);
  for (let i = 0; i < backward.length; i++) doc.steps[forward + i] = backward[i];
  doc.display.edges = displayEdges;
  delete doc.details;
  return hydrate(doc);
}

/** The names a step's texts stand for: a (text, LaTeX) pair per placeholder. */
function symbolOf(doc, id) { const n = doc.nodes[id]; return [n.symbol, n.latex]; }

const NO_OTHER = ["·", "\\cdot"];      // {y} of a node without exactly two inputs

/** Keep a backward step's messages and the names they stand for (`said`), once. */
function keepSaid(doc, step) {
  if (step.said) return;
  const node = doc.nodes[step.node];
  const o = symbolOf(doc, step.node), s = symbolOf(doc, doc.output);
  const two = node.inputs.length === 2;
  step.said = { intuition: step.intuition, sum_rule: step.sum_rule, names: { o } };
  for (const c of step.contributions) c.said = { text: c.text, names: { o: symbolOf(doc, c.from) } };
  for (const e of step.edges) {
    const names = { o, x: symbolOf(doc, e.input), y: two ? symbolOf(doc, node.inputs[1 - e.position]) : NO_OTHER, s };
    e.said = { rule: e.rule, downstream_rule: e.downstream_rule, names };
  }
}

/** A message told by `tell`, then each {k} (words) or {K} (LaTeX) replaced by its name. */
function named(m, names, latex, tell) {
  let out = tell(m);
  for (const [k, pair] of Object.entries(names)) out = out.replaceAll(`{${latex ? k.toUpperCase() : k}}`, pair[latex ? 1 : 0]);
  return out;
}

/** Tell every explanation text of a hydrated lean document, as the full document of
 *  Trace.to_dict(lang) has them. */
export function tellTexts(doc, tell = msgText) {
  if (doc.lean) for (const step of doc.steps) tellStep(step, tell);
  return doc;
}

/** Tell the explanation texts of one backward step (`tell`: a message to text in the page's
 *  language, i18n.js's msgText), unless already told in this language. */
export function tellStep(step, tell = msgText) {
  if (step.phase !== "backward" || !step.said || (tell === msgText && step.toldIn === lang())) return step;
  step.toldIn = tell === msgText ? lang() : null;
  const { said } = step;
  step.intuition = said.intuition ? tell(said.intuition) : null;
  step.sum_rule = said.sum_rule ? named(said.sum_rule, said.names, false, tell) : null;
  for (const c of step.contributions) c.text = named(c.said.text, c.said.names, false, tell);
  for (const e of step.edges) {
    for (const k of ["rule", "downstream_rule"]) {
      const m = e.said[k];
      e[k] = { text: named(m.text, e.said.names, false, tell), latex: named(m.latex, e.said.names, true, tell) };
    }
  }
  return step;
}
