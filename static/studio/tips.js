/* The Tips view: the lecture's practical tips on the program shown. Its parts: the layer
 * view under an initialization (or four side by side: the switch), the activation explorer,
 * and a room for vectorization. Its settings ride in the shared link; what it triggers
 * elsewhere (opening a traced program in the Graph view) comes as a callback from studio.js. */
import { state } from "./state.js";
import { $, $$, el } from "./dom.js";
import { getActivations, postLayers } from "./api.js";
import { msgText, onLang, t } from "./i18n.js";
import { addressPart, writeHash } from "./share.js";
import { onView, showView } from "./views.js";
import { INITS, initName, renderLayers } from "./tips-layers.js";
import { renderExplorer } from "./tips-explorer.js";

const PARTS = ["layers", "activations", "vectorize"];
const MODES = ["written", ...INITS, "compare"];
const COMPARED = INITS;         // the switch's columns: naive, Xavier, He, zeros
const LAYERS_KEPT = 8;          // /api/layers answers kept, so going back to a setting asks nothing

/** What the view's buttons do elsewhere: open the program traced with an init in the Graph
 *  view, load a gallery example. */
const links = { openTraced: null, loadExample: null };

const DEEP_EXAMPLE = "deep-tanh";    // the gallery's network the layer view is made for

/** Set up the view: its address parts, its buttons; the nonlinearities are fetched once
 *  (the node panel shows its explorer button for their nodes). Returns when they are in. */
export function initTips({ openTraced, loadExample }) {
  links.openTraced = openTraced;
  links.loadExample = loadExample;
  onView("tips", renderTips);
  addressPart("tips", () => (state.page.view === "tips" && state.tips.part !== "layers" ? state.tips.part : null));
  addressPart("tips-init", () => (state.tips.init !== "written" ? state.tips.init : null));
  addressPart("act", () => (state.tips.part === "activations" ? state.tips.act : null));
  addressPart("act-node", () => (state.tips.part === "activations" && state.tips.actNode !== null ? String(state.tips.actNode) : null));
  addressPart("init", () => state.doc.init);
  $$("[data-tip]").forEach((b) => { b.onclick = () => { showPart(b.dataset.tip); writeHash(); }; });
  onLang(() => {
    // a column's error was told by the server in the language it was asked in: ask again
    for (const [key, inits] of [...state.tips.layers]) if (inits.some((e) => e.error)) state.tips.layers.delete(key);
    showGraphInit();
    if (state.page.view === "tips") renderTips();
  });
  return loadActivations();
}

async function loadActivations() {
  let res;
  try { res = await getActivations(); } catch (_) { res = { ok: false }; }
  const list = res.ok && res.data ? (Array.isArray(res.data) ? res.data : res.data.activations) : null;
  state.tips.activations = Array.isArray(list) ? list : [];
}

/** The Tips view's settings from a shared link (before the view is shown). */
export function restoreTips(params) {
  const part = params.get("tips");
  const mode = params.get("tips-init");
  const node = Number.parseInt(params.get("act-node") || "", 10);
  state.tips.act = params.get("act") || null;
  state.tips.actNode = Number.isFinite(node) ? node : null;
  state.tips.part = PARTS.includes(part) ? part : (state.tips.act ? "activations" : "layers");
  state.tips.init = MODES.includes(mode) ? mode : "written";
}

/** The initialization a shared link asks the graph to be traced with (null: as written). */
export function initFromAddress(params) {
  const init = params.get("init");
  return INITS.includes(init) ? init : null;
}

/** Show the part `name` of the Tips view. */
export function showPart(name) {
  state.tips.part = PARTS.includes(name) ? name : "layers";
  if (state.page.view === "tips") renderTips();
}

/** Open the activation explorer at node `id` (from its node panel): its curve, its inputs marked. */
export function exploreNode(id) {
  const node = state.doc.trace && state.doc.trace.nodes[id];
  if (!node) return;
  state.tips.act = node.op;
  state.tips.actNode = id;
  state.tips.part = "activations";
  showView("tips");
  writeHash();
}

/** Draw the view from state: the part chosen, for the program shown. */
export function renderTips() {
  const { tips } = state;
  for (const b of $$("[data-tip]")) b.setAttribute("aria-selected", String(b.dataset.tip === tips.part));
  for (const name of PARTS) $(`#tips-${name}`).hidden = name !== tips.part;
  $("#tips-program").textContent = t(state.doc.trace ? "tips.program.shown" : "tips.program.none");
  if (tips.part === "layers") showLayers();
  else if (tips.part === "activations") renderExplorer($("#tips-activations"), { select: selectAct });
}

function selectAct(op, node) {
  state.tips.act = op;
  state.tips.actNode = node;
  renderTips();
  writeHash();
}

/** The layer view: the switch, then the layers under the chosen initialization(s). */
function showLayers() {
  const box = $("#tips-layers");
  const { tips, doc } = state;
  if (!doc.trace) { box.replaceChildren(el("div", { class: "empty-state", text: t("tips.layers.empty") })); return; }
  const inits = tips.init === "compare" ? COMPARED : [tips.init === "written" ? null : tips.init];
  const key = `${inits.join(",")}\n${doc.source}`;
  const bar = switchBar();
  const known = tips.layers.get(key);
  if (known) {
    box.replaceChildren(bar, renderLayers(known, { compare: tips.init === "compare", open: openTraced }));
    const few = known.every((e) => !e.layers || e.layers.length < 2);
    if (few && links.loadExample && doc.examples.some((e) => e.id === DEEP_EXAMPLE)) {
      box.append(el("div", { class: "waiting", "data-field": "try-deep" }, t("tips.layers.try_deep"),
        el("button", { class: "btn small", type: "button", onclick: () => links.loadExample(DEEP_EXAMPLE), text: t("tips.layers.load_deep") })));
    }
    return;
  }
  box.replaceChildren(bar, el("div", { class: "empty-state", "data-field": "layers-busy", text: t("tips.layers.busy") }));
  fetchLayers(key, doc.source, inits);
}

async function fetchLayers(key, source, inits) {
  const { tips } = state;
  if (tips.asked === key) return;
  tips.asked = key;
  let res;
  try { res = await postLayers(source, inits); } catch (_) { res = { ok: false, data: { message: { key: "tips.unreachable", args: {} } } }; }
  if (tips.asked !== key) return;        // a newer question was asked meanwhile
  tips.asked = null;
  if (!res.ok) {
    const msg = (res.data && msgText(res.data.message)) || `HTTP ${res.status}`;
    if (state.page.view === "tips" && tips.part === "layers") $("#tips-layers").replaceChildren(switchBar(), el("div", { class: "error", "data-field": "layers-error", text: msg }));
    return;
  }
  if (tips.layers.size >= LAYERS_KEPT) tips.layers.delete(tips.layers.keys().next().value);   // the oldest
  tips.layers.set(key, res.data.inits);
  if (state.page.view === "tips" && tips.part === "layers") showLayers();
}

function openTraced(init) {
  if (links.openTraced) links.openTraced(init);
}

/** The initialization switch: one layer view (as written, or one init), or four side by side. */
function switchBar() {
  const bar = el("div", { class: "init-switch", role: "radiogroup", "aria-label": t("init.switch") },
    el("span", { class: "group-label", text: t("init.switch") }));
  for (const mode of MODES) {
    const on = state.tips.init === mode;
    bar.append(el("button", { type: "button", role: "radio", "aria-checked": String(on), "data-init": mode,
      class: mode === "compare" ? "compare" : null, title: t(`init.title.${mode}`),
      onclick: () => { state.tips.init = mode; showLayers(); writeHash(); },
      text: mode === "compare" ? t("init.compare") : initName(mode === "written" ? null : mode) }));
  }
  return bar;
}

/** The graph toolbar's note of the initialization the graph was traced with (hidden: as written). */
export function showGraphInit() {
  const chip = $("#graph-init");
  if (!chip) return;
  const init = state.doc.init;
  chip.hidden = !init;
  if (!init) { chip.replaceChildren(); return; }
  chip.replaceChildren(t("init.chip", { init: initName(init) }),
    el("button", { type: "button", class: "node-link", "data-field": "as-written", title: t("init.chip_title"),
      onclick: () => openTraced(null), text: t("init.name.written") }));
}

/** A new program ran: the Tips view, when shown, follows it. */
export function tipsAfterRun() {
  showGraphInit();
  if (state.page.view === "tips") renderTips();
}
