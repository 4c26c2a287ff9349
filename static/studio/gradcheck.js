/* The gradient check tab: every leaf's backprop gradient next to a two-sided difference,
 * with f(θ+h), f(θ−h) and the one-sided difference beside it when the server sends them. */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { postJSON } from "./api.js";
import { fmt, shapeText } from "./format.js";

const DEFAULT_H = 1e-4;

/** The h typed in the tab's field: a positive finite number, or null (with the reason shown). */
function readH() {
  const field = $("#gradcheck-h");
  if (!field) return DEFAULT_H;
  const text = field.value.trim();
  const h = text === "" ? DEFAULT_H : Number(text);
  const ok = Number.isFinite(h) && h > 0;
  field.setAttribute("aria-invalid", String(!ok));
  return ok ? h : null;
}

export async function runGradcheck() {
  const { trace, source } = state.doc;
  if (!trace) return;
  const out = $("#gradcheck-result");
  out.innerHTML = "";
  const h = readH();
  if (h === null) { out.append(el("div", { class: "gc-summary fail", text: "h must be a positive number, e.g. 1e-4." })); return; }
  out.append(el("div", { class: "muted", text: "Checking…" }));
  const init = state.doc.init;     // the graph's initialization, so the check is of the numbers shown
  const res = await postJSON("/api/trace", init ? { source, gradcheck: true, h, init } : { source, gradcheck: true, h });
  out.innerHTML = "";
  if (!res.ok) { out.append(el("div", { class: "gc-summary fail", text: res.data.message })); return; }
  const gc = res.data.gradcheck;
  if (!gc) { out.append(el("div", { class: "muted", text: "No gradient check was returned." })); return; }
  const nLeaves = gc.leaves.length;
  const tol = gc.rtol !== undefined ? `rtol ${fmt(gc.rtol)}, atol ${fmt(gc.atol)}` : `tolerance ${fmt(gc.tolerance)}`;
  out.append(el("div", { class: `gc-summary ${gc.passed ? "pass" : "fail"}`, id: "gc-summary" },
    el("b", { text: gc.passed ? "Passed" : "Failed" }),
    ` · ${nLeaves} lea${nLeaves === 1 ? "f" : "ves"}${gc.unchecked_leaves ? ` (${gc.unchecked_leaves} not checked)` : ""} · h = ${fmt(gc.h)} · ${tol}`,
    gc.kinks ? el("div", { class: "gc-kinks", text: `${gc.kinks} entr${gc.kinks === 1 ? "y" : "ies"} within h of a kink, where a difference cannot match; ` +
      (gc.passed_away_from_kinks ? "every other entry passed." : "some entries away from kinks failed too.") }) : null));
  const detailed = gc.leaves.some((leaf) => leaf.entries.some((en) => en.one_sided !== undefined));
  if (detailed) {
    out.append(el("p", { class: "muted gc-why", text: "Two-sided: (f(θ+h) − f(θ−h)) / 2h, error O(h²). One-sided: (f(θ+h) − f(θ)) / h, " +
      "error O(h): compare the two relative errors, and try a larger h." }));
  }
  const head = ["entry", "analytic", "two-sided", "rel. error", ""];
  const table = el("table", { class: "gc-table" },
    el("thead", {}, el("tr", {}, ...head.map((t) => el("th", { text: t })))));
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
      const index = en.index && en.index.length ? `[${en.index.join(", ")}]` : "·";
      tb.append(el("tr", { "data-leaf-entry": name, class: en.kink ? "kink" : null },
        el("td", { text: index }),
        el("td", { text: fmt(en.analytic) }), el("td", { text: fmt(en.numeric) }),
        el("td", { text: fmt(en.rel_error) }),
        el("td", { class: en.passed ? "ok" : (en.kink ? "kink" : "no"), text: en.passed ? "✓" : (en.kink ? "⚠" : "✗"),
          title: en.kink ? "at a kink: the difference straddles it" : null })));
      if (en.one_sided !== undefined) tb.append(detailRow(name, en));
      if (en.kink || en.note) {
        tb.append(el("tr", { class: "gc-note", "data-leaf-note": name },
          el("td", { colspan: "5", text: `${en.kink ? "⚠ kink: " : ""}${en.note || "the difference straddles a kink, where the derivative jumps"}` })));
      }
    }
  }
  table.append(tb);
  out.append(el("div", { class: "gc-wrap" }, table));
}

/** The numbers behind an entry's differences: f(θ+h), f(θ−h), the one-sided difference and its error. */
function detailRow(name, en) {
  const parts = [
    ["f(θ+h)", en.f_plus, "f_plus"], ["f(θ−h)", en.f_minus, "f_minus"],
    ["one-sided", en.one_sided, "one_sided"], ["its rel. error", en.one_sided_rel_error, "one_sided_rel_error"],
  ].filter(([, v]) => v !== undefined);
  return el("tr", { class: "gc-detail", "data-leaf-detail": name },
    el("td", { colspan: "5" }, ...parts.map(([label, v, key]) =>
      el("span", { class: "gc-part", "data-key": key }, `${label} `, el("b", { text: fmt(v) })))));
}
