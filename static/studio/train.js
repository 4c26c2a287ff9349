/* The Train view: the runs' settings (optimizers with their hyperparameters, one schedule,
 * the number of steps), one /api/train call that runs them all from the program's values,
 * and the iteration slider every part of the view follows. The parts draw themselves:
 * train-plots.js (curves), train-update.js (the update with numbers), train-slice.js (paths
 * on a loss slice, word vectors), train-lrmap.js (the learning-rate map). The server
 * computes everything; this module only keeps the settings and the answers. */
import { state } from "./state.js";
import { $, el, toast } from "./dom.js";
import { getTrainOptions, postTrain } from "./api.js";
import { fmt } from "./format.js";
import { addressPart, writeHash } from "./share.js";
import { onView } from "./views.js";
import { drawCurves, markIteration, RUN_COLOURS } from "./train-plots.js";
import { buildUpdate, inspectLater, renderUpdate } from "./train-update.js";
import { buildSlice, renderPickers, renderSlice, requestSlice, buildVectors, renderVectors } from "./train-slice.js";
import { buildLrmap, clearLrmap, renderLrmap } from "./train-lrmap.js";
import { has, msgText, onLang, t as tr } from "./i18n.js";

/* The optimizers in the order the form offers them; their hyperparameters and PyTorch's
 * defaults come from the server (GET /api/train/options), so the form shows what it runs. */
const TITLES = { sgd: "SGD", adagrad: "Adagrad", rmsprop: "RMSprop", adam: "Adam", adamw: "AdamW" };
const SYMBOLS = { beta1: "β₁", beta2: "β₂", eps: "ε", alpha: "α" };
const LABEL_KEYS = { weight_decay: "optim.hyper.weight_decay.same", initial_accumulator_value: "optim.hyper.initial_accumulator_value" };
/** A hyperparameter's label: a symbol, a word from the catalogue, or PyTorch's name. */
const hyperLabel = (name) => SYMBOLS[name] || (LABEL_KEYS[name] ? tr(LABEL_KEYS[name]) : name);
const runName = (r, i) => r.spec.label || tr("train.run.name", { n: i + 1 });
/** A lab example's title or description: the catalogue's (`gallery.train.<id>.<field>`), else the server's. */
const exampleText = (ex, field) => (has(`gallery.train.${ex.id}.${field}`) ? tr(`gallery.train.${ex.id}.${field}`) : ex[field]);
const unreachable = () => ({ ok: false, data: { message: tr("train.unreachable") } });
/* What a schedule's parameters start with where PyTorch has no default. */
const SCHEDULE_START = { step: { step_size: "10" }, exponential: { gamma: "0.95" }, cosine: { t_max: "100" },
  cyclic: { base_lr: "0.001", max_lr: "0.01", step_size_up: "10" } };
// Gentle enough for every lab example (each falls and none diverges in 100 steps).
const DEFAULT_RUNS = [{ optimizer: "sgd", hyper: { lr: "0.002", momentum: "0.9" } }, { optimizer: "adam", hyper: { lr: "0.05" } }];
const MAX_RUNS = 8;           // the server's runs per request, until its options say

const shown = (v) => (v === null || v === undefined ? "" : typeof v === "number" ? fmt(v) : String(v));

/** An optimizer's hyperparameters other than lr, as the form shows them: [name, PyTorch's default]. */
function hyperOf(name) {
  const out = [];
  for (const [k, v] of Object.entries(state.train.options.optimizers[name])) {
    if (k === "lr") continue;
    if (k === "betas") out.push(["beta1", shown(v[0])], ["beta2", shown(v[1])]);
    else out.push([k, typeof v === "boolean" ? v : shown(v)]);
  }
  return out;
}

/** A schedule's parameters: [name, PyTorch's default, what the field starts with]. */
function scheduleParams(name) {
  return Object.entries(state.train.options.schedules[name]).map(([k, v]) => [k, shown(v), (SCHEDULE_START[name] || {})[k] || ""]);
}

const maxRuns = () => (state.train.options ? state.train.options.limits.runs : MAX_RUNS);

let hooks = { openInGraph: async () => false, loadSource: () => {} };

/** Wire the view: built when first shown; its settings ride in the address. */
export function initTrain(callbacks) {
  hooks = { ...hooks, ...callbacks };
  if (!state.train.runs.length) state.train.runs = DEFAULT_RUNS.map((r) => ({ optimizer: r.optimizer, hyper: { ...r.hyper } }));
  onView("train", showTrain);
  addressPart("train", trainAddress);
  onLang(retell);
}

/** Tell the view again in the language just chosen: rebuilt from the settings and the
 *  answers kept, nothing asked of the server. */
function retell() {
  const t = state.train;
  if (!t.built || !t.options) return;
  build();
  if (t.error) { $("#train-error").textContent = t.error; $("#train-error").hidden = false; }
  if (t.result) {
    $("#train-open").disabled = false;
    redraw();
  }
  if (t.lrmap.answer) renderLrmap();
}

/* ---------------------------------------------------------------- the address */

function trainAddress() {
  const t = state.train;
  if (!t.built && !state.doc.at) return null;
  return JSON.stringify({
    runs: t.runs, schedule: t.schedule, steps: t.steps, log: t.logScale, it: t.iteration,
    param: t.param, entry: t.entry, x: t.slice.x, y: t.slice.y, vectors: t.vectors,
    lrmap: { optimizer: t.lrmap.optimizer, min: t.lrmap.min, max: t.lrmap.max, count: t.lrmap.count, momenta: t.lrmap.momenta },
  });
}

/** A link's fields as the form keeps them: text, or true/false for a checkbox. */
function texts(fields) {
  const out = {};
  if (fields && typeof fields === "object") for (const [k, v] of Object.entries(fields)) out[k] = typeof v === "boolean" ? v : String(v ?? "");
  return out;
}

/** The lab's settings from a shared link's `train` part (anything unreadable is left at its default). */
export function restoreTrain(params) {
  const text = params && params.get("train");
  if (!text) return;
  let a;
  try { a = JSON.parse(text); } catch (_) { return; }
  const t = state.train;
  if (Array.isArray(a.runs) && a.runs.length) {
    t.runs = a.runs.filter((r) => r && TITLES[r.optimizer]).slice(0, MAX_RUNS)
      .map((r) => ({ optimizer: r.optimizer, hyper: texts(r.hyper) }));
  }
  if (a.schedule && typeof a.schedule.name === "string") t.schedule = { name: a.schedule.name, params: texts(a.schedule.params) };
  if (Number.isInteger(a.steps) && a.steps > 0) t.steps = a.steps;
  if (typeof a.log === "boolean") t.logScale = a.log;
  if (Number.isInteger(a.it) && a.it >= 0) t.iteration = a.it;
  if (typeof a.param === "string") t.param = a.param;
  if (Number.isInteger(a.entry)) t.entry = a.entry;
  if (a.x && a.y) { t.slice.x = a.x; t.slice.y = a.y; }
  if (a.vectors) Object.assign(t.vectors, a.vectors);
  if (a.lrmap) Object.assign(t.lrmap, a.lrmap, { answer: null });
}

/* ---------------------------------------------------------------- the request */

function number(text) {
  const v = Number(text);
  return text !== "" && Number.isFinite(v) ? v : text;     // not a number: sent as typed, the server names it
}

/** A run's label: its optimizer and learning rate, numbered when two runs would read the same. */
function labels() {
  const t = state.train;
  const seen = new Map();
  return state.train.runs.map((r) => {
    const base = `${TITLES[r.optimizer]} lr ${r.hyper.lr || shown(t.options.optimizers[r.optimizer].lr)}`;
    const n = (seen.get(base) || 0) + 1;
    seen.set(base, n);
    return n > 1 ? `${base} (${n})` : base;
  });
}

/** The run specs as /api/train takes them: typed fields only (the server fills the defaults). */
export function runSpecs() {
  const t = state.train;
  const schedule = { name: t.schedule.name };
  for (const [name] of scheduleParams(t.schedule.name)) {
    const v = (t.schedule.params[name] || "").trim();
    if (v !== "") schedule[name] = number(v);
  }
  const names = labels();
  return t.runs.map((r, i) => {
    const spec = { optimizer: r.optimizer };
    if (r.hyper.lr && r.hyper.lr.trim() !== "") spec.lr = number(r.hyper.lr.trim());
    const betas = [r.hyper.beta1, r.hyper.beta2];
    const hyper = hyperOf(r.optimizer);
    for (const [name, dflt] of hyper) {
      const v = r.hyper[name];
      if (typeof dflt === "boolean") { if (v) spec[name] = true; }
      else if (!name.startsWith("beta") && v && v.trim() !== "") spec[name] = number(v.trim());
    }
    if (betas.some((b) => b && b.trim() !== "")) {
      const d = Object.fromEntries(hyper);
      spec.betas = betas.map((b, k) => number((b && b.trim()) || d[`beta${k + 1}`]));
    }
    return { ...spec, schedule: { ...schedule }, label: names[i] };
  });
}

/** The body every training request shares: the program, the steps and the runs. */
export function trainBody() {
  return { source: state.doc.source, steps: state.train.steps, runs: runSpecs() };
}

/** The training iteration a link's graph shows (`at`: its run and iteration, with the lab's
 *  runs restored from the same link), as runProgram takes it; null when there is none. */
export async function atFromAddress(params) {
  let a = null;
  try { a = JSON.parse(params.get("at") || "null"); } catch (_) { return null; }
  if (!a || !Number.isInteger(a.run) || !Number.isInteger(a.iteration) || await loadOptions()) return null;
  const runs = runSpecs();
  if (a.run < 0 || a.run >= runs.length) return null;
  return { steps: state.train.steps, runs, run: a.run, iteration: a.iteration, label: runs[a.run].label };
}

/** Run every run from the program's values; true when the server answered. */
export async function runTraining() {
  const t = state.train;
  const body = trainBody();
  const key = JSON.stringify(body);
  $("#train-run").disabled = true;
  let res;
  try { res = await postTrain(body); }
  catch (_) { res = unreachable(); }
  finally { $("#train-run").disabled = false; }
  const box = $("#train-error");
  if (!res.ok) {
    t.error = (res.data && res.data.message) || `HTTP ${res.status}`;
    box.textContent = t.error;
    box.hidden = false;
    $("#view-train").dataset.trained = "error";
    $("#view-train").classList.toggle("tr-stale", !!t.result);     // what is drawn belongs to the last good request
    t.key = "";                   // whatever is asked next runs again
    return false;
  }
  t.error = null;
  box.hidden = true;
  $("#view-train").classList.remove("tr-stale");
  $("#train-open").disabled = false;
  if (!t.body || t.body.source !== body.source || t.body.steps !== body.steps) clearLrmap();     // the map belongs to another program
  t.result = res.data;
  t.body = body;
  t.key = key;
  t.inspected = [];
  t.inspectSeq += 1;             // an inspection still on its way belongs to the runs before
  t.iteration = Math.min(t.iteration, t.result.steps);
  const names = t.result.parameters.map((p) => p.name);
  if (!names.includes(t.param)) { t.param = names[0] || null; t.entry = 0; }
  t.slice.answer = null;
  renderResult();
  $("#view-train").dataset.trained = String(Number($("#view-train").dataset.trained || 0) + 1 || 1);
  writeHash();
  return true;
}

/* ---------------------------------------------------------------- rendering */

function renderResult() {
  redraw();
  inspectLater(0);
  requestSlice();
}

/** Every part from the answers kept (the update's inspections, the slice). */
function redraw() {
  const t = state.train;
  const slider = $("#train-iter");
  slider.max = String(t.result.steps);
  slider.value = String(t.iteration);
  t.openRun = Math.min(t.openRun, t.result.runs.length - 1);
  const finite = (i) => t.result.runs[i].diverged_at === null || t.result.runs[i].diverged_at === undefined;
  if (!finite(t.openRun)) t.openRun = Math.max(0, t.result.runs.findIndex((_, i) => finite(i)));     // a run that did not diverge
  $("#train-open-run").replaceChildren(...t.result.runs.map((r, i) => el("option", { value: String(i), selected: i === t.openRun, text: runName(r, i) })));
  renderIterationLabel();
  drawCurves(setIteration);
  renderUpdate();
  if (t.slice.answer) { renderPickers(); renderSlice(); }
  renderVectors();
  renderDiverged();
}

function renderDiverged() {
  const notes = state.train.result.runs.map((r, i) => (r.diverged_at === null || r.diverged_at === undefined ? null
    : el("li", { class: "train-diverged", "data-run": String(i) }, el("i", { class: "swatch", style: `background:${RUN_COLOURS[i % RUN_COLOURS.length]}` }),
      tr("train.diverged", { label: runName(r, i), at: r.diverged_at }))))
    .filter(Boolean);
  $("#train-notes").replaceChildren(...notes);
}

function renderIterationLabel() {
  const t = state.train;
  $("#train-iter-label").textContent = tr("train.iteration.of", { it: t.iteration, steps: t.result ? t.result.steps : t.steps });
  $("#train-open").textContent = tr("train.open.iteration", { it: t.iteration });
}

/** Show iteration `it` everywhere in the view (curves' mark, the update, the slice's points). */
export function setIteration(it) {
  const t = state.train;
  if (!t.result) return;
  t.iteration = Math.max(0, Math.min(it, t.result.steps));
  $("#train-iter").value = String(t.iteration);
  renderIterationLabel();
  markIteration();
  renderSlice();
  renderVectors();
  inspectLater();
}

function field(label, value, placeholder, onchange, attrs = {}) {
  return el("label", { class: "tr-field" }, el("span", { text: label }),
    el("input", { type: "text", value, placeholder, spellcheck: "false", autocomplete: "off", inputmode: "decimal",
      title: placeholder ? tr("train.default", { value: placeholder }) : null, onchange: (e) => onchange(e.target.value), ...attrs }));
}

function runCard(run, i) {
  const o = state.train.options.optimizers[run.optimizer];
  const select = el("select", { "aria-label": tr("train.run.optimizer_aria", { n: i + 1 }), "data-field": "optimizer",
    title: msgText(state.train.options.texts && state.train.options.texts.optimizers[run.optimizer]) || null,
    onchange: (e) => { state.train.runs[i] = { optimizer: e.target.value, hyper: { lr: run.hyper.lr || "" } }; renderRuns(); } },
  ...Object.entries(TITLES).map(([k, v]) => el("option", { value: k, selected: k === run.optimizer, text: v })));
  const fields = [field("lr", run.hyper.lr || "", shown(o.lr), (v) => { run.hyper.lr = v; renderRuns(); }, { "data-hyper": "lr" })];
  for (const [name, dflt] of hyperOf(run.optimizer)) {
    if (typeof dflt === "boolean") {
      fields.push(el("label", { class: "tr-field tr-check", title: tr("train.default", { value: dflt }) },
        el("input", { type: "checkbox", checked: !!run.hyper[name], "data-hyper": name, onchange: (e) => { run.hyper[name] = e.target.checked; } }),
        el("span", { text: name })));
    } else fields.push(field(hyperLabel(name), run.hyper[name] || "", dflt, (v) => { run.hyper[name] = v; }, { "data-hyper": name }));
  }
  return el("div", { class: "tr-run", "data-run": String(i) },
    el("div", { class: "tr-run-head" }, el("i", { class: "swatch", style: `background:${RUN_COLOURS[i % RUN_COLOURS.length]}` }), select,
      el("button", { class: "btn icon", title: tr("train.run.remove_title"), "aria-label": tr("train.run.remove_aria", { n: i + 1 }), disabled: state.train.runs.length < 2,
        onclick: () => { state.train.runs.splice(i, 1); renderRuns(); } }, "✕")),
    el("div", { class: "tr-fields" }, ...fields));
}

function renderRuns() {
  const t = state.train;
  $("#train-runs").replaceChildren(...t.runs.map(runCard));
  $("#train-add").disabled = t.runs.length >= maxRuns();
}

function renderSchedule() {
  const s = state.train.schedule;
  $("#train-schedule").value = s.name;
  const texts = state.train.options.texts;
  $("#train-schedule").title = (texts && msgText(texts.schedules[s.name])) || "";
  $("#train-schedule-params").replaceChildren(...scheduleParams(s.name).map(([name, dflt, start]) => {
    if (s.params[name] === undefined) s.params[name] = start;
    return field(name, s.params[name], dflt, (v) => { s.params[name] = v; }, { "data-schedule": name });
  }));
}

/** Put a lab example in the editor and train it. */
function loadExample(select) {
  const ex = state.train.options.examples.find((x) => x.id === select.value);
  select.value = "";
  if (ex) hooks.loadSource(ex.source.replace(/\n$/, ""));
}

/** The form from the settings kept (a link opened in this tab may have changed them). */
function renderSettings() {
  const t = state.train;
  renderRuns();
  renderSchedule();
  $("#train-steps").value = String(t.steps);
  $("#train-log").checked = t.logScale;
}

function build() {
  const t = state.train;
  const root = $("#view-train");
  const slider = el("input", { type: "range", id: "train-iter", min: "0", max: String(t.steps), value: String(t.iteration), "aria-label": tr("train.slider.aria"),
    oninput: (e) => setIteration(Number(e.target.value)), onchange: () => writeHash() });
  root.replaceChildren(
    el("div", { class: "card train-setup" },
      el("div", { class: "card-head" }, el("h2", { text: tr("train.setup.heading") }),
        el("span", { class: "hint", text: tr("train.setup.hint") }),
        el("select", { id: "train-example", "aria-label": tr("train.examples.aria"), onchange: (e) => loadExample(e.target) },
          el("option", { value: "", text: tr("train.examples.choose") }),
          ...t.options.examples.map((ex) => el("option", { value: ex.id, title: exampleText(ex, "description"), text: exampleText(ex, "title") })))),
      el("div", { id: "train-runs", class: "tr-runs" }),
      el("div", { class: "tr-bar" },
        el("button", { id: "train-add", class: "btn small", onclick: () => { t.runs.push({ optimizer: "sgd", hyper: { lr: "0.1", momentum: "0.9" } }); renderRuns(); } }, tr("train.add")),
        el("label", { class: "tr-field" }, el("span", { text: tr("train.schedule.label") }),
          el("select", { id: "train-schedule", "aria-label": tr("train.schedule.aria"), onchange: (e) => { t.schedule = { name: e.target.value, params: {} }; renderSchedule(); } },
            ...Object.keys(t.options.schedules).map((k) => el("option", { value: k, text: tr(`sched.${k}.title`) })))),
        el("span", { id: "train-schedule-params", class: "tr-fields" }),
        el("label", { class: "tr-field" }, el("span", { text: tr("train.steps.label") }),
          el("input", { id: "train-steps", type: "number", min: "1", max: String(t.options.limits.steps), value: String(t.steps), onchange: (e) => { t.steps = Math.max(1, Number.parseInt(e.target.value, 10) || 1); } })),
        el("button", { id: "train-run", class: "btn primary", onclick: runTraining }, tr("train.run_all"))),
      el("div", { id: "train-error", class: "error", role: "alert", hidden: true }),
      el("ul", { id: "train-notes", class: "tr-notes" })),
    el("div", { class: "card train-curves" },
      el("div", { class: "card-head" }, el("h2", { text: tr("train.curves.heading") }),
        el("label", { class: "tr-check" }, el("input", { type: "checkbox", id: "train-log", checked: t.logScale,
          onchange: (e) => { t.logScale = e.target.checked; drawCurves(); writeHash(); } }), el("span", { text: tr("train.log_scale") }))),
      el("div", { id: "train-legend", class: "tr-legend" }),
      el("div", { id: "train-loss", class: "tr-plot", "data-plot": "loss" }),
      el("div", { id: "train-lr", class: "tr-plot", "data-plot": "lr" }),
      el("div", { id: "train-gn", class: "tr-plot", "data-plot": "grad_norm" }),
      el("div", { class: "tr-slider" }, slider, el("span", { id: "train-iter-label", class: "hint", "aria-live": "polite" }),
        el("select", { id: "train-open-run", "aria-label": tr("train.open_run.aria"), title: tr("train.open_run.title"), onchange: (e) => { t.openRun = Number(e.target.value); requestSlice(0); } }),
        el("button", { id: "train-open", class: "btn small", disabled: true, title: tr("train.open.title"),
          onclick: openIteration }, tr("train.open.button")))),
    buildUpdate(), buildSlice(), buildVectors(), buildLrmap());
  renderRuns();
  renderSchedule();
  renderIterationLabel();
  t.built = true;
}

/** The server's options for the form, once; null when they are there, else why not. */
async function loadOptions() {
  const t = state.train;
  if (!t.options) {
    const res = await getTrainOptions();
    if (!res.ok) return (res.data && res.data.message) || tr("train.unreachable");
    t.options = res.data;
  }
  if (!t.options.schedules[t.schedule.name]) t.schedule = { name: "constant", params: {} };     // a link's unknown schedule
  return null;
}

async function showTrain() {
  const t = state.train;
  const failed = await loadOptions();
  if (failed) { $("#view-train").replaceChildren(el("p", { class: "error", text: failed })); return; }
  if (!t.built) build();
  else renderSettings();
  if (!state.doc.source) return;
  if (t.key !== JSON.stringify(trainBody())) runTraining();
  writeHash();
}

/** The graph view traces the program at the iteration shown, for the first run (or the run picked). */
function openIteration() {
  const t = state.train;
  if (!t.result) return;
  const run = Math.min(t.openRun, t.result.runs.length - 1);
  const body = trainBody();
  const label = runName(t.result.runs[run], run);
  t.at = { steps: body.steps, runs: body.runs, run, iteration: t.iteration, label };
  hooks.openInGraph(t.at).then((ok) => { if (!ok) toast(tr("train.open.failed")); });
}
