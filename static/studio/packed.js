/* The packed trace document (engine/packed.py) read back to the lean document's records: a
 * list of records sent as columns ({all}, {values} or {texts}: indexes into the document's
 * table of distinct texts, with {at} when only those rows have the field), the forward steps
 * implied (node 0, 1, ... in order), each backward step's edges and contributions as counts
 * of rows of the two flat lists. An interned value is one object shared by every record that
 * has it (the page only reads it). */

const NONE = Object.freeze([]);
const DISPLAY_LISTS = [["nodes"], ["edges"], ["statements", "groups"], ["statements", "edges"], ["statements", "copies"]];

/** Columns back to a list of records. */
export function records(cols, texts) {
  const n = cols.rows;
  const out = new Array(n);
  for (let r = 0; r < n; r++) out[r] = {};
  for (const name of Object.keys(cols.fields)) {
    const c = cols.fields[name];
    const at = c.at;
    const count = at ? at.length : n;
    for (let i = 0; i < count; i++) {
      const row = at ? at[i] : i;
      out[row][name] = "all" in c ? c.all : "texts" in c ? texts[c.texts[i]] : c.values[i];
    }
  }
  return out;
}

/** A packed document as the lean one, in place; a document not packed is returned as it is. */
export function unpack(doc) {
  if (!doc.packed) return doc;
  const texts = doc.texts;
  doc.nodes = records(doc.nodes, texts);
  const s = doc.steps;
  const steps = new Array(s.forward);
  for (let i = 0; i < s.forward; i++) steps[i] = { phase: "forward", node: i };
  const edges = records(s.edges, texts), contributions = records(s.contributions, texts);
  let e = 0, c = 0;
  for (const b of records(s.backward, texts)) {     // a step without any: one shared empty list
    b.edges = b.edges ? edges.slice(e, e += b.edges) : NONE;
    b.contributions = b.contributions ? contributions.slice(c, c += b.contributions) : NONE;
    steps.push(b);
  }
  doc.steps = steps;
  if (doc.display) {
    for (const path of DISPLAY_LISTS) {
      const parent = path.length === 1 ? doc.display : doc.display[path[0]];
      parent[path[path.length - 1]] = records(parent[path[path.length - 1]], texts);
    }
  }
  delete doc.texts;
  delete doc.packed;
  return doc;
}

/** The /api/details answer (engine/packed.py's `pack_details`) read back: the backward steps
 *  in full (edges and contributions as in `unpack`) and the display model's edges. */
export function unpackDetails(d) {
  const texts = d.texts;
  const edges = records(d.edges, texts), contributions = records(d.contributions, texts);
  const backward = records(d.backward, texts);
  let e = 0, c = 0;
  for (const b of backward) {
    b.edges = edges.slice(e, e += b.edges);
    b.contributions = contributions.slice(c, c += b.contributions);
  }
  return { backward, displayEdges: records(d.display_edges, texts) };
}
