/* The lean trace document (engine/lean.py) read back: each number is sent once, and the
 * page puts each where the full document has it, as a reference to the one copy (no number
 * is copied): a forward step's value is its node's, a backward step's upstream its node's
 * gradient, an edge without `downstream` sends its input's whole gradient, a contribution's
 * downstream is the edge's it came through. A big tensor stays a summary ({summary: true,
 * shape, stats, preview, first}); its exact entries come from /api/window. */

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
