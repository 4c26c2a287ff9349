/* Vectorization, side by side: the program as written (matrix ops) and unrolled (one node
 * per scalar operation), with their node counts, step counts and the engine's time, and a
 * way to step through the unrolled graph in the Graph view. The numbers are the server's. */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { postVectorize } from "./api.js";
import { fmt } from "./format.js";

let openGraph = null;   // (variant) => void: show the program in the Graph view (set by the entry module)

function ms(seconds) { return `${fmt(seconds * 1000)} ms`; }

function sizeRow(name, what, size) {
  return el("tr", {}, [
    el("th", { scope: "row" }, [el("b", { text: name }), el("span", { class: "muted", text: ` ${what}` })]),
    el("td", { class: "num", text: String(size.nodes) }),
    el("td", { class: "num", text: String(size.steps) }),
    el("td", { class: "num", text: ms(size.seconds) }),
  ]);
}

function result(data) {
  const v = data.vectorized, u = data.unrolled;
  const agree = Math.max(data.max_value_difference, data.max_gradient_difference);
  return [
    el("table", { class: "vec-table" }, [
      el("thead", {}, [el("tr", {}, [el("th", { text: "" }), el("th", { text: "nodes" }), el("th", { text: "steps" }), el("th", { text: "engine time" })])]),
      el("tbody", {}, [
        sizeRow("As written", "(matrix ops)", v),
        sizeRow("Unrolled", "(one node per number)", u),
      ]),
    ]),
    el("p", { class: "vec-ratio", text:
      `Unrolled, the same program has ${fmt(u.nodes / v.nodes)}× the nodes and ${fmt(u.steps / v.steps)}× the steps, `
      + `and the engine takes ${fmt(u.seconds / v.seconds)}× as long. `
      + `Values and gradients agree to ${agree === 0 ? "the last bit" : fmt(agree)}.`
      + (u.seconds < 2 * v.seconds ? " At this size both are quick; the unrolled graph grows with every entry "
        + "(a product of an n × m matrix by a vector is n·m multiplications and n·(m − 1) additions), "
        + "the matrix op stays one node: try 8 × 8 weights." : "") }),
    el("div", { class: "vec-actions" }, [
      el("button", { class: "btn primary small", id: "vec-open-unrolled", text: "Step through the unrolled graph",
        title: "Show the unrolled graph in the Graph view: ∂z_i/∂W_ij = x_j, weight by weight",
        onclick: () => openGraph && openGraph({ unroll: true }) }),
      el("button", { class: "btn small", id: "vec-open-written", text: "The graph as written",
        onclick: () => openGraph && openGraph(null) }),
    ]),
  ];
}

/** Fill the vectorization card for the program shown (one request per program). */
export async function showVectorize() {
  const box = $("#tips-vectorize");
  if (!box) return;
  const source = state.doc.source;
  if (box.dataset.source === source && box.childElementCount) return;
  box.dataset.source = source;
  const head = [
    el("h2", { text: "Vectorization: matrix ops, not loops" }),
    el("p", { class: "muted", text: "The same program as the engine runs it (one node per matrix operation) and "
      + "unrolled into one node per scalar multiplication, addition and nonlinearity, as a loop would compute it." }),
  ];
  const body = el("div", { class: "vec-body", "aria-live": "polite" }, [el("p", { class: "muted", text: "Comparing…" })]);
  box.classList.add("vec-card");
  box.replaceChildren(...head, body);
  if (!source) { body.replaceChildren(el("p", { class: "muted", text: "Run a program first." })); return; }
  let res;
  try { res = await postVectorize(source); }
  catch (_) { res = { ok: false, data: { message: "Cannot reach the Backprop Studio server" } }; }
  if (box.dataset.source !== source) return;           // another program was run meanwhile
  if (!res.ok) {
    const d = res.data || {};
    const where = d.line ? `line ${d.line}, col ${d.col}: ` : "";
    body.replaceChildren(el("p", { class: "vec-refused", text: `This program cannot be unrolled: ${where}${d.message || `HTTP ${res.status}`}` }));
    return;
  }
  body.replaceChildren(...result(res.data));
}

/** `open(variant)` shows the program in the Graph view, as written (null) or unrolled. */
export function initVectorize(open) { openGraph = open; }
