/* The walkthrough player: the graph at each step and what the node panel says, with step
 * buttons, a slider and the arrow keys (Home and End too). One script for two hosts: the
 * HTML player (drawing/player.py inlines it) and the notebook widget (anywidget's ESM,
 * drawing/notebook.py), both through anywidget's model (get, set, on, off, save_changes).
 * It shows what Python prepared (drawing/player.py, player_data): no maths here. */

/** An element with attributes and children (strings become text, never markup). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (key === "text") node.textContent = value;
    else if (key === "onclick") node.addEventListener("click", value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The graph in `graph` at any step of the range. The whole SVG is written once; a step
 *  then writes again only the node and edge groups whose slots changed since the step
 *  shown (applying the steps' changes forward, or again from the first step when going
 *  back). Graphviz's SVG: every user text in it is escaped. */
function graphView(graph, data) {
  const frames = data.frames;
  if (frames.whole) {           // a drawing that cannot be cut: each step whole
    return (k) => { graph.innerHTML = frames.whole[k - data.first]; markGradients(graph.querySelectorAll("g.node, g.edge"), data.placeholder); };
  }
  const { outer, groups, base, changes } = frames;
  const groupOf = [];
  groups.forEach((group, n) => { for (const slot of group.slots) groupOf[slot] = n; });
  let values = base.slice();
  let at = data.first;
  const markup = (group) => {
    let out = group.parts[0];
    group.slots.forEach((slot, i) => { out += values[slot] + group.parts[i + 1]; });
    return out;
  };
  let elements = [];
  const writeAll = () => {
    let whole = outer[0];
    groups.forEach((group, n) => { whole += markup(group) + outer[n + 1]; });
    graph.innerHTML = whole;
    const byId = new Map([...graph.querySelectorAll("g[id]")].map((g) => [g.id, g]));
    elements = groups.map((group) => byId.get(group.id));
    markGradients(elements, data.placeholder);
  };
  writeAll();
  const holder = document.createElementNS(SVG_NS, "g");

  return (k) => {
    // the groups to write again: those with a slot changed by a step between the two
    const touched = new Set();
    for (let j = Math.min(at, k) + 1; j <= Math.max(at, k); j++) {
      for (const [slot] of changes[j - data.first - 1]) touched.add(groupOf[slot]);
    }
    if (k < at) values = base.slice();
    for (let j = (k < at ? data.first : at) + 1; j <= k; j++) {
      for (const [slot, value] of changes[j - data.first - 1]) values[slot] = value;
    }
    at = k;
    if (touched.size > groups.length / 4) { writeAll(); return; }     // a long jump: all at once
    for (const n of touched) {
      holder.innerHTML = markup(groups[n]);
      const fresh = holder.firstElementChild;
      elements[n].replaceWith(fresh);
      elements[n] = fresh;
    }
    markGradients([...touched].map((n) => elements[n]), data.placeholder);
  };
}

/** Gradient lines in the page's gradient colour: a node's fourth line once it holds a
 *  gradient (not `placeholder`), an edge's second line (a colour, not a number: drawn from
 *  the texts shown). */
function markGradients(groups, placeholder) {
  for (const g of groups) {
    const texts = g.querySelectorAll("text");
    if (g.classList.contains("node")) {
      if (texts[3]) texts[3].classList.toggle("bp-grad", texts[3].textContent !== placeholder);
    } else if (texts[1]) {
      texts[1].classList.toggle("bp-grad", !g.classList.contains("inactive") && texts[1].textContent.trim() !== "");
    }
  }
}

/** Rows of label and text, the text marked as a value or a gradient. */
function rowsList(rows) {
  const dl = el("dl", { class: "bp-rows" });
  for (const [label, text, kind] of rows) {
    dl.append(el("dt", { text: label }), el("dd", { class: kind || null, text }));
  }
  return dl;
}

// The player's own words when its data has none (data made before it carried `ui`).
const UI = {
  to_each: "To each input: downstream = local × upstream", step: "step",
  fit: "Fit the graph to the width, or show it at full size", fit_short: "Fit",
  first: "First step (Home)", previous: "Previous step (←)", next: "Next step (→)", last: "Last step (End)",
  program: "The program",
};

/** The panel of one step: its label, rows, the sum rule, each input edge, the intuition. */
function panelView(panel, ui = UI) {
  const parts = [el("div", { class: `bp-label ${panel.phase}`, text: panel.label }), rowsList(panel.rows)];
  if (panel.note) parts.push(el("div", { class: "bp-note", text: panel.note }));
  if (panel.intuition) parts.push(el("div", { class: "bp-intuition", text: panel.intuition }));
  if (panel.edges.length) parts.push(el("h4", { text: ui.to_each }));
  for (const edge of panel.edges) {
    parts.push(el("div", { class: `bp-edge${edge.skipped ? " skipped" : ""}` },
      el("div", { class: "bp-edge-title", text: edge.title }), rowsList(edge.rows)));
  }
  return parts;
}

/** Keep the current node in view when the graph is larger than its box. */
function reveal(graph) {
  const node = graph.querySelector("g.node.current");
  if (!node) return;
  const box = graph.getBoundingClientRect(), r = node.getBoundingClientRect();
  if (r.left < box.left || r.right > box.right) graph.scrollLeft += r.left - box.left - (box.width - r.width) / 2;
  if (r.top < box.top || r.bottom > box.bottom) graph.scrollTop += r.top - box.top - (box.height - r.height) / 2;
}

/** Show the player in `root`, stepping with `model`'s "step"; `keys`: where arrow keys are
 *  heard (the root by default; the whole document for the HTML player). */
function render({ model, el: root }, { keys = root } = {}) {
  const data = model.get("data");
  const { first, last } = data;
  const ui = { ...UI, ...data.ui };
  const clamp = (k) => Math.max(first, Math.min(last, Math.round(Number(k)) || 0));
  const go = (k) => { model.set("step", clamp(k)); model.save_changes(); };
  const button = (text, title, to) => el("button", { type: "button", class: "bp-btn", title, "aria-label": title, text, onclick: () => go(to()) });

  const slider = el("input", { type: "range", min: first, max: last, step: 1, value: first, "aria-label": ui.step });
  slider.addEventListener("input", () => go(slider.value));
  const stepText = el("span", { class: "bp-count" });
  const fit = el("button", { type: "button", class: "bp-btn bp-fit", title: ui.fit, text: "1:1" });
  const graph = el("div", { class: "bp-graph fit" });
  const drawAt = graphView(graph, data);
  const panel = el("div", { class: "bp-panel", "aria-live": "polite" });
  const told = el("p", { class: "bp-narration", "aria-live": "polite" });     // the step in a sentence
  fit.addEventListener("click", () => { fit.textContent = graph.classList.toggle("fit") ? "1:1" : ui.fit_short; reveal(graph); });
  const bar = el("div", { class: "bp-bar" },
    button("|◀", ui.first, () => first),
    button("◀", ui.previous, () => model.get("step") - 1),
    button("▶", ui.next, () => model.get("step") + 1),
    button("▶|", ui.last, () => last),
    slider, stepText, fit);
  root.classList.add("bp-player");
  if (!root.hasAttribute("tabindex")) root.setAttribute("tabindex", "0");
  root.replaceChildren(bar, told, el("div", { class: "bp-body" }, graph, panel));
  if (data.source && root.classList.contains("standalone")) {
    root.append(el("details", { class: "bp-source" }, el("summary", { text: ui.program }), el("pre", { text: data.source })));
  }

  function show() {
    const k = clamp(model.get("step"));
    drawAt(k);
    panel.replaceChildren(...panelView(data.panels[k - first], ui));
    told.textContent = data.panels[k - first].narration || "";
    slider.value = String(k);
    stepText.textContent = `${k} / ${data.total}`;
    root.dataset.step = String(k);
    reveal(graph);
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target === slider) return;
    const k = model.get("step");
    const to = { ArrowRight: k + 1, ArrowLeft: k - 1, Home: first, End: last }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    if (keys !== document) event.stopPropagation();    // a notebook's own keys leave the cells alone
    go(to);
  }

  model.on("change:step", show);
  keys.addEventListener("keydown", onKey);
  root.addEventListener("click", (event) => { if (event.target.tagName !== "INPUT") root.focus({ preventScroll: true }); });
  show();
  return () => { model.off("change:step", show); keys.removeEventListener("keydown", onKey); };
}

/** The HTML player: the data from the page's JSON element, a model of its own, keys from
 *  the whole document, and the step in the address (#step=K) so a link can open at a step. */
export function standalone(root, dataId) {
  const state = { data: JSON.parse(document.getElementById(dataId).textContent), step: 0 };
  const match = /^#step=(\d+)$/.exec(window.location.hash);
  const { first, last } = state.data;
  state.step = match ? Math.max(first, Math.min(last, Number(match[1]))) : first;
  const handlers = new Map();
  const model = {
    get: (key) => state[key],
    set(key, value) {
      if (state[key] === value) return;
      state[key] = value;
      for (const fn of handlers.get(`change:${key}`) || []) fn();
    },
    on(name, fn) { handlers.set(name, [...(handlers.get(name) || []), fn]); },
    off(name, fn) { handlers.set(name, (handlers.get(name) || []).filter((f) => f !== fn)); },
    save_changes() {
      try { history.replaceState(null, "", `#step=${state.step}`); } catch { /* a host that keeps its address */ }
    },
  };
  render({ model, el: root }, { keys: document });
}

export default { render };
