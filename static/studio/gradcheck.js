/* The gradient check tab: every leaf's backprop gradient next to a two-sided difference,
 * with f(θ+h), f(θ−h) and the one-sided difference beside it when the server sends them.
 * Its words come from the catalogue (`check.*`); a switch of language re-tells the last check. */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { postJSON } from "./api.js";
import { fmt, shapeText } from "./format.js";
import { msgText, onLang, t } from "./i18n.js";

let shown = null;      // the check on screen ({gc, trace}), re-told when the language changes
onLang(() => { if (shown && $("#gradcheck-result")) renderCheck(shown.gc, shown.trace); });

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
  shown = null;
  const h = readH();
  if (h === null) { out.append(el("div", { class: "gc-summary fail", text: t("check.h_invalid") })); return; }
  out.append(el("div", { class: "muted", text: t("check.checking") }));
  const init = state.doc.init;     // the graph's initialization, so the check is of the numbers shown
  const res = await postJSON("/api/trace", init ? { source, gradcheck: true, h, init } : { source, gradcheck: true, h });
  out.innerHTML = "";
  if (!res.ok) { out.append(el("div", { class: "gc-summary fail", text: res.data.message })); return; }
  const gc = res.data.gradcheck;
  if (!gc) { out.append(el("div", { class: "muted", text: t("check.none") })); return; }
  shown = { gc, trace };
  renderCheck(gc, trace);
}

/** The check's summary and table, in the page's language. */
function renderCheck(gc, trace) {
  const out = $("#gradcheck-result");
  out.innerHTML = "";
  const nLeaves = gc.leaves.length;
  const tol = gc.rtol !== undefined ? t("check.tol.same", { rtol: fmt(gc.rtol), atol: fmt(gc.atol) }) : t("check.tolerance", { tol: fmt(gc.tolerance) });
  out.append(el("div", { class: `gc-summary ${gc.passed ? "pass" : "fail"}`, id: "gc-summary" },
    el("b", { text: gc.passed ? t("check.passed") : t("check.failed") }),
    t(nLeaves === 1 ? "check.leaves_one" : "check.leaves_many", { n: nLeaves })
      + (gc.unchecked_leaves ? t("check.unchecked", { n: gc.unchecked_leaves }) : "")
      + t("check.h.same", { h: fmt(gc.h) }) + tol,
    gc.kinks ? el("div", { class: "gc-kinks", text: t(gc.kinks === 1 ? "check.kinks_one" : "check.kinks_many", { n: gc.kinks }) +
      t(gc.passed_away_from_kinks ? "check.kinks_rest_passed" : "check.kinks_rest_failed") }) : null));
  const detailed = gc.leaves.some((leaf) => leaf.entries.some((en) => en.one_sided !== undefined));
  if (detailed) out.append(el("p", { class: "muted gc-why", text: t("check.why") }));
  const head = [t("check.col.entry"), t("check.col.analytic"), t("check.col.two_sided"), t("check.col.rel_error"), ""];
  const table = el("table", { class: "gc-table" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { text: h })))));
  const tb = el("tbody");
  for (const leaf of gc.leaves) {
    const name = leaf.name || trace.display.nodes[leaf.node].header;
    tb.append(el("tr", { class: "leafrow", "data-leaf": name },
      el("td", { colspan: "3" }, `${name} `, el("span", { class: "muted", text: leaf.shape ? shapeText(leaf.shape) : "" }),
        leaf.sampled ? el("span", { class: "muted", text: t("check.sampled", { checked: leaf.checked, size: leaf.size }) }) : ""),
      el("td", { text: fmt(leaf.max_rel_error), title: t("check.largest") }),
      el("td", {}, leaf.passed === null
        ? el("span", { class: "badge", text: t("check.not_checked"), title: t("check.not_checked_title") })
        : el("span", { class: `badge ${leaf.passed ? "pass" : "fail"}`, text: leaf.passed ? t("check.pass") : t("check.fail") }))));
    for (const en of leaf.entries) {
      const index = en.index && en.index.length ? `[${en.index.join(", ")}]` : "·";
      tb.append(el("tr", { "data-leaf-entry": name, class: en.kink ? "kink" : null },
        el("td", { text: index }),
        el("td", { text: fmt(en.analytic) }), el("td", { text: fmt(en.numeric) }),
        el("td", { text: fmt(en.rel_error) }),
        el("td", { class: en.passed ? "ok" : (en.kink ? "kink" : "no"), text: en.passed ? "✓" : (en.kink ? "⚠" : "✗"),
          title: en.kink ? t("check.kink_title") : null })));
      if (en.one_sided !== undefined) tb.append(detailRow(name, en));
      if (en.kink || en.note) {
        tb.append(el("tr", { class: "gc-note", "data-leaf-note": name },
          el("td", { colspan: "5", text: (en.kink ? t("check.kink_prefix.same") : "") + (msgText(en.note_msg || en.note) || t("check.kink_default")) })));
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
    [t("check.one_sided"), en.one_sided, "one_sided"], [t("check.one_sided_error"), en.one_sided_rel_error, "one_sided_rel_error"],
  ].filter(([, v]) => v !== undefined);
  return el("tr", { class: "gc-detail", "data-leaf-detail": name },
    el("td", { colspan: "5" }, ...parts.map(([label, v, key]) =>
      el("span", { class: "gc-part", "data-key": key }, `${label} `, el("b", { text: fmt(v) })))));
}
