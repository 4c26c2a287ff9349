/* Vectorization, side by side: the program as written (matrix ops) and unrolled (one node
 * per scalar operation), with their node counts, step counts and the engine's time, and a
 * way to step through the unrolled graph in the Graph view. The numbers are the server's. */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { postVectorize } from "./api.js";
import { fmt } from "./format.js";
import { msgText, onLang, t } from "./i18n.js";

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
      el("thead", {}, [el("tr", {}, [el("th", { text: "" }), el("th", { text: t("vec.nodes") }), el("th", { text: t("vec.steps") }), el("th", { text: t("vec.time") })])]),
      el("tbody", {}, [
        sizeRow(t("vec.written"), t("vec.written_what"), v),
        sizeRow(t("vec.unrolled"), t("vec.unrolled_what"), u),
      ]),
    ]),
    el("p", { class: "vec-ratio", text: t("vec.ratio", {
      nodes: fmt(u.nodes / v.nodes), steps: fmt(u.steps / v.steps), time: fmt(u.seconds / v.seconds),
      agree: agree === 0 ? t("vec.agree_exact") : t("vec.agree", { diff: fmt(agree) }),
      small: u.seconds < 2 * v.seconds ? t("vec.small") : "" }) }),
    el("div", { class: "vec-actions" }, [
      el("button", { class: "btn primary small", id: "vec-open-unrolled", text: t("vec.open_unrolled"),
        title: t("vec.open_unrolled_title"),
        onclick: () => openGraph && openGraph({ unroll: true }) }),
      el("button", { class: "btn small", id: "vec-open-written", text: t("vec.open_written"),
        onclick: () => openGraph && openGraph(null) }),
    ]),
  ];
}

/** Why the server would not unroll the program (its refusal names the line and column). */
function refusal(res) {
  const d = res.data || {};
  const where = d.line ? t("vec.where", { line: d.line, col: d.col }) : "";
  return el("p", { class: "vec-refused", text: t("vec.refused", { where, message: msgText(d.message) || `HTTP ${res.status}` }) });
}

/** Draw the card from the last answer (`state.tips.vectorized`), in the current language. */
function renderVectorize() {
  const box = $("#tips-vectorize");
  if (!box || box.dataset.source === undefined) return;     // not shown yet
  const shown = state.tips.vectorized;
  const head = [
    el("h2", { text: t("vec.title") }),
    el("p", { class: "muted", text: t("vec.intro") }),
  ];
  let body;
  if (!state.doc.source) body = [el("p", { class: "muted", text: t("vec.no_program") })];
  else if (!shown || shown.source !== state.doc.source) body = [el("p", { class: "muted", text: t("vec.busy") })];
  else body = shown.res.ok ? result(shown.res.data) : [refusal(shown.res)];
  box.classList.add("vec-card");
  box.replaceChildren(...head, el("div", { class: "vec-body", "aria-live": "polite" }, body));
}

/** Fill the vectorization card for the program shown (one request per program). */
export async function showVectorize() {
  const box = $("#tips-vectorize");
  if (!box) return;
  const source = state.doc.source;
  if (box.dataset.source === source && box.childElementCount) return;
  box.dataset.source = source;
  renderVectorize();
  if (!source) return;
  let res;
  try { res = await postVectorize(source); }
  catch (_) { res = { ok: false, data: { message: { key: "tips.unreachable", args: {} } } }; }
  if (box.dataset.source !== source) return;           // another program was run meanwhile
  state.tips.vectorized = { source, res };
  renderVectorize();
}

/** `open(variant)` shows the program in the Graph view, as written (null) or unrolled. */
export function initVectorize(open) {
  openGraph = open;
  onLang(renderVectorize);
}
