/* The Train view's learning-rate map: a grid of short runs over learning rate (log scale)
 * × momentum (SGD, RMSprop) or β₁ (Adam, AdamW), each cell coloured by how its run ended:
 * converged, slow, oscillating or diverged (the server classifies, and defines each class). */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { postTrainLrmap } from "./api.js";
import { fmt } from "./format.js";
import { msgText, t as tr } from "./i18n.js";

const CLASSES = ["converged", "slow", "oscillating", "diverged"];
const SECOND = { sgd: "momentum", rmsprop: "momentum", adam: "β₁", adamw: "β₁" };

export function buildLrmap() {
  const m = state.train.lrmap;
  const field = (key, label, attrs = {}) => el("label", { class: "tr-field" }, el("span", { text: label }),
    el("input", { type: "text", value: String(m[key]), id: `train-map-${key}`, spellcheck: "false", autocomplete: "off",
      onchange: (e) => { m[key] = e.target.value; }, ...attrs }));
  return el("div", { class: "card train-lrmap" },
    el("div", { class: "card-head" }, el("h2", { text: tr("train.lrmap.heading") }),
      el("span", { class: "hint", text: tr("train.lrmap.hint") })),
    el("div", { class: "tr-bar" },
      el("label", { class: "tr-field" }, el("span", { text: tr("train.lrmap.optimizer") }),
        el("select", { id: "train-map-optimizer", "aria-label": tr("train.lrmap.optimizer_aria"), onchange: (e) => { m.optimizer = e.target.value; $("#train-map-second").textContent = SECOND[m.optimizer]; } },
          ...Object.keys(SECOND).map((k) => el("option", { value: k, selected: k === m.optimizer, text: k })))),
      field("min", tr("train.lrmap.min")), field("max", tr("train.lrmap.max")), field("count", tr("train.lrmap.count"), { inputmode: "numeric" }),
      el("label", { class: "tr-field" }, el("span", { id: "train-map-second", text: SECOND[m.optimizer] }),
        el("input", { type: "text", value: m.momenta, id: "train-map-momenta", spellcheck: "false", "aria-label": tr("train.lrmap.momenta_aria"),
          onchange: (e) => { m.momenta = e.target.value; } })),
      el("button", { id: "train-map-run", class: "btn primary", onclick: drawLrmap }, tr("train.lrmap.draw"))),
    el("div", { id: "train-map", class: "tr-map" }),
    el("dl", { id: "train-map-legend", class: "tr-map-legend" }));
}

const num = (s) => { const v = Number(String(s).trim()); return String(s).trim() !== "" && Number.isFinite(v) ? v : String(s).trim(); };

/** Ask for the map with the lab's program and steps, then draw it. */
export async function drawLrmap() {
  const t = state.train;
  const m = t.lrmap;
  if (!t.body) return;
  const body = {
    source: t.body.source, steps: t.body.steps, optimizer: m.optimizer,
    lrs: { min: num(m.min), max: num(m.max), count: num(m.count) },
    momenta: String(m.momenta).split(",").map(num).filter((v) => v !== ""),
  };
  $("#train-map-run").disabled = true;
  let res;
  try { res = await postTrainLrmap(body); }
  catch (_) { res = { ok: false, data: { message: tr("train.unreachable") } }; }
  finally { $("#train-map-run").disabled = false; }
  if (!res.ok) { m.answer = null; $("#train-map").replaceChildren(el("p", { class: "error", text: (res.data && res.data.message) || `HTTP ${res.status}` })); return; }
  m.answer = res.data;
  renderLrmap();
}

/** Draw the map kept (the last answer), its legend the server's definitions. */
export function renderLrmap() {
  const a = state.train.lrmap.answer;
  const second = a.momentum_name || SECOND[state.train.lrmap.optimizer];
  const cols = a.lrs.length;
  const grid = el("div", { class: "tr-map-grid", style: `grid-template-columns: max-content repeat(${cols}, minmax(34px, 1fr))` });
  // the largest momentum on top, as on Distill's map
  const rows = a.momenta.map((mu, j) => [mu, a.cells[j]]).reverse();
  for (const [mu, cells] of rows) {
    grid.append(el("div", { class: "tr-map-axis", text: `${second} ${fmt(mu, 3)}` }));
    cells.forEach((c, i) => {
      const ended = c.class === "diverged" && c.diverged_at !== null && c.diverged_at !== undefined
        ? tr("train.lrmap.ended_diverged", { at: c.diverged_at }) : tr("train.lrmap.ended_final", { loss: fmt(c.final_loss) });
      const title = tr("train.lrmap.cell", { lr: fmt(a.lrs[i], 3), second, mu: fmt(mu, 3), class: tr(`train.lrmap.class.${c.class}.name`), ended });
      grid.append(el("div", { class: `tr-cell tr-${c.class}`, "data-class": c.class, title }));
    });
  }
  grid.append(el("div", {}), ...a.lrs.map((lr) => el("div", { class: "tr-map-axis tr-map-lr", text: fmt(lr, 2) })));
  $("#train-map").replaceChildren(grid, el("div", { class: "tr-caption", text: tr("train.lrmap.caption") }));
  $("#train-map").dataset.cells = String(a.cells.reduce((s, r) => s + r.length, 0));
  $("#train-map-legend").replaceChildren(...CLASSES.map((k) => [
    el("dt", {}, el("i", { class: `swatch tr-${k}` }), tr(`train.lrmap.class.${k}.name`)),
    el("dd", { text: a.definitions_msg && a.definitions_msg[k] ? msgText(a.definitions_msg[k]) : (a.definitions && a.definitions[k]) || "" })]).flat());
}

/** Forget the map (it belongs to another program or another number of steps). */
export function clearLrmap() {
  state.train.lrmap.answer = null;
  const map = $("#train-map");
  if (!map) return;
  map.replaceChildren();
  delete map.dataset.cells;
  $("#train-map-legend").replaceChildren();
}
