/* The gradient check tab: every leaf's backprop gradient next to a two-sided difference. */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { postJSON } from "./api.js";
import { fmt, shapeText } from "./format.js";

export async function runGradcheck() {
  const { trace, source } = state.doc;
  if (!trace) return;
  const out = $("#gradcheck-result");
  out.innerHTML = "";
  out.append(el("div", { class: "muted", text: "Checking…" }));
  const res = await postJSON("/api/trace", { source, gradcheck: true });
  out.innerHTML = "";
  if (!res.ok) { out.append(el("div", { class: "gc-summary fail", text: res.data.message })); return; }
  const gc = res.data.gradcheck;
  if (!gc) { out.append(el("div", { class: "muted", text: "No gradient check was returned." })); return; }
  const nLeaves = gc.leaves.length;
  const tol = gc.rtol !== undefined ? `rtol ${fmt(gc.rtol)}, atol ${fmt(gc.atol)}` : `tolerance ${fmt(gc.tolerance)}`;
  out.append(el("div", { class: `gc-summary ${gc.passed ? "pass" : "fail"}`, id: "gc-summary" },
    el("b", { text: gc.passed ? "Passed" : "Failed" }),
    ` · ${nLeaves} lea${nLeaves === 1 ? "f" : "ves"}${gc.unchecked_leaves ? ` (${gc.unchecked_leaves} not checked)` : ""} · h = ${fmt(gc.h)} · ${tol}`));
  const table = el("table", { class: "gc-table" },
    el("thead", {}, el("tr", {}, ...["entry", "analytic", "numeric", "rel. error", ""].map((h) => el("th", { text: h })))));
  const tb = el("tbody");
  for (const leaf of gc.leaves) {
    const name = leaf.name || trace.display.nodes[leaf.node].header;
    tb.append(el("tr", { class: "leafrow", "data-leaf": name },
      el("td", { colspan: "3" }, `${name} `, el("span", { class: "muted", text: leaf.shape ? shapeText(leaf.shape) : "" }),
        leaf.sampled ? el("span", { class: "muted", text: ` · ${leaf.checked} of ${leaf.size} entries sampled` }) : ""),
      el("td", { text: fmt(leaf.max_rel_error), title: "largest relative error" }),
      el("td", {}, leaf.passed === null
        ? el("span", { class: "badge", text: "not checked", title: "the check's budget of entries ran out before this leaf" })
        : el("span", { class: `badge ${leaf.passed ? "pass" : "fail"}`, text: leaf.passed ? "pass" : "fail" }))));
    for (const en of leaf.entries) {
      tb.append(el("tr", { "data-leaf-entry": name },
        el("td", { text: en.index && en.index.length ? `[${en.index.join(", ")}]` : "·" }),
        el("td", { text: fmt(en.analytic) }), el("td", { text: fmt(en.numeric) }),
        el("td", { text: fmt(en.rel_error) }),
        el("td", { class: en.passed ? "ok" : "no", text: en.passed ? "✓" : "✗" })));
    }
  }
  table.append(tb);
  out.append(table);
}
