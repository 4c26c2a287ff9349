/* The Train view's update with numbers: for the parameter and entry picked, at the slider's
 * iteration, each run's gradient, optimizer state, step size and update, and its update
 * rule in symbols and with the numbers filled in, side by side. One /api/train inspection
 * per run; the numbers shown are the answer's, as they are. */
import { state } from "./state.js";
import { $, el, tex } from "./dom.js";
import { postTrain } from "./api.js";
import { exactTitle, fmt, shapeText } from "./format.js";
import { RUN_COLOURS } from "./train-plots.js";
import { t as tr } from "./i18n.js";

const INSPECT_DELAY = 150;   // ms: a dragged slider asks once it rests
const MAX_ENTRIES = 400;     // entries listed in the entry picker (the first ones of a large tensor)

/** The card, empty until a training answer arrives. */
export function buildUpdate() {
  const t = state.train;
  return el("div", { class: "card train-update" },
    el("div", { class: "card-head" }, el("h2", { text: tr("train.update.heading") }),
      el("span", { class: "tr-pickers" },
        el("label", { class: "tr-field" }, el("span", { text: tr("train.update.parameter") }),
          el("select", { id: "train-param", "aria-label": tr("train.update.parameter_aria"), onchange: (e) => { t.param = e.target.value; t.entry = 0; renderUpdate(); inspectLater(0); } })),
        el("label", { class: "tr-field" }, el("span", { text: tr("train.update.entry") }),
          el("select", { id: "train-entry", "aria-label": tr("train.update.entry_aria"), onchange: (e) => { t.entry = Number(e.target.value); inspectLater(0); } })))),
    el("div", { id: "train-update-cols", class: "tr-update-cols" }));
}

function parameter() {
  const t = state.train;
  return t.result && t.result.parameters.find((p) => p.name === t.param);
}

/** A flat index as the indices of its entry (row-major, as numpy flattens). */
export function indicesOf(flat, shape) {
  const idx = [];
  for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(flat % shape[d]); flat = Math.floor(flat / shape[d]); }
  return idx;
}

function entryText(idx) { return idx.length ? `[${idx.join(", ")}]` : tr("train.update.scalar"); }

/** The entry `idx` of a value given as nested lists (a number stays itself). */
export function entryOf(v, idx) {
  for (const i of idx) { if (!Array.isArray(v)) break; v = v[i]; }
  return v;
}

/** The pickers and one column per run, from the inspections kept. */
export function renderUpdate() {
  const t = state.train;
  const p = parameter();
  if (!t.result || !p) { $("#train-update-cols").replaceChildren(el("p", { class: "muted", text: tr("train.update.none") })); return; }
  $("#train-param").replaceChildren(...t.result.parameters.map((q) => el("option", { value: q.name, selected: q.name === t.param, text: `${q.name} (${shapeText(q.shape)})` })));
  const size = p.shape.reduce((a, b) => a * b, 1);
  t.entry = Math.min(t.entry, size - 1);
  const count = Math.min(size, MAX_ENTRIES);
  $("#train-entry").replaceChildren(...Array.from({ length: count }, (_, k) => el("option", { value: String(k), selected: k === t.entry, text: entryText(indicesOf(k, p.shape)) })));
  $("#train-entry").disabled = size === 1;
  $("#train-update-cols").replaceChildren(...t.result.runs.map((r, i) => column(r, i, t.inspected[i], p)));
}

function row(name, symbol, v, field) {
  return el("tr", { "data-field": field }, el("th", {}, tex(symbol)), el("td", { class: "tr-name", text: name }),
    el("td", { class: "num", title: exactTitle(v), "data-value": typeof v === "number" ? String(v) : null, text: fmt(v) }));
}

const BUFFER_SYMBOLS = {
  momentum_buffer: "b", sum: "G", square_avg: "s", grad_avg: "\\bar g", exp_avg: "m", exp_avg_sq: "v",
  m_hat: "\\hat m", v_hat: "\\hat v", max_exp_avg_sq: "v_{\\max}",
};

function column(run, i, answer, p) {
  const head = el("div", { class: "tr-col-head" }, el("i", { class: "swatch", style: `background:${RUN_COLOURS[i % RUN_COLOURS.length]}` }),
    el("b", { text: run.spec.label || tr("train.run.name", { n: i + 1 }) }));
  const col = el("div", { class: "tr-col", "data-run": String(i) }, head);
  if (!answer) { col.append(el("p", { class: "muted", text: "…" })); return col; }
  if (answer.error) { col.append(el("p", { class: "error", text: answer.error })); return col; }
  const q = answer.parameters.find((x) => x.name === p.name);
  if (!q) { col.append(el("p", { class: "muted", text: tr("train.update.not_trained", { name: p.name }) })); return col; }
  col.dataset.iteration = String(answer.iteration);
  const idx = indicesOf(state.train.entry, p.shape);
  const tail = p.shape.length ? `_{${idx.join(",")}}` : "";
  const at = answer.iteration !== state.train.iteration ? "train.update.at_last" : "train.update.at";
  head.append(el("span", { class: "hint", text: ` ${tr(at, { it: answer.iteration })}` }));
  const rows = [
    row(tr("train.update.row.value"), `\\theta${tail}`, entryOf(q.value, idx), "value"),
    row(tr("train.update.row.grad"), `g${tail}`, entryOf(q.grad, idx), "grad"),
    ...Object.entries(q.state || {}).map(([k, v]) => row(BUFFER_SYMBOLS[k] ? tr(`train.update.buffer.${k}`) : k.replace(/_/g, " "), `${BUFFER_SYMBOLS[k] || `\\text{${k.replace(/_/g, "\\_")}}`}${tail}`, entryOf(v, idx), `state-${k}`)),
    row(tr("train.update.row.step_size"), "\\eta_{\\text{eff}}", entryOf(q.step_size, idx), "step_size"),
    row(tr("train.update.row.update"), `\\Delta\\theta${tail}`, entryOf(q.update, idx), "update"),
  ];
  col.append(el("table", { class: "tr-numbers" }, el("tbody", {}, ...rows)));
  if (q.rule) col.append(el("div", { class: "tr-rule", "data-field": "rule" }, tex(q.rule.tex, true)));
  if (q.rule && q.rule.numbers) col.append(el("div", { class: "tr-rule tr-rule-numbers", "data-field": "rule-numbers" }, tex(q.rule.numbers, true)));
  else col.append(el("p", { class: "hint", text: tr("train.update.last") }));
  return col;
}

/** The iteration a run can be inspected at: any of 0 … steps (the last has no update after
 *  it); a run that diverged, the last one before it stopped. */
function inspectable(run, it) {
  let last = state.train.result.steps;
  if (run.diverged_at !== null && run.diverged_at !== undefined) last = Math.min(last, Math.max(0, run.diverged_at - 1));
  return Math.max(0, Math.min(it, last));
}

/** Ask for every run's state at the slider's iteration once the slider rests. */
export function inspectLater(delay = INSPECT_DELAY) {
  const t = state.train;
  clearTimeout(t.timer);
  t.timer = setTimeout(inspectAll, delay);
}

async function inspectAll() {
  const t = state.train;
  const p = parameter();
  if (!t.result || !p || !t.body) return;
  const seq = ++t.inspectSeq;
  const entry = { [p.name]: indicesOf(t.entry, p.shape) };
  const answers = await Promise.all(t.result.runs.map(async (r, i) => {
    try {
      const res = await postTrain({ ...t.body, inspect: { run: i, iteration: inspectable(r, t.iteration), entry } });
      return res.ok ? res.data : { error: (res.data && res.data.message) || `HTTP ${res.status}` };
    } catch (_) { return { error: tr("train.unreachable") }; }
  }));
  if (seq !== t.inspectSeq) return;      // the slider moved on meanwhile
  t.inspected = answers;
  renderUpdate();
  const cols = $("#train-update-cols");
  cols.dataset.iteration = String(t.iteration);
  cols.dataset.seq = String(seq);
}
