/* The page's views: the graph (with its node panel) and the labs. A lab fills the centre
 * and right columns while it is chosen; the program and order list stay on the left. A lab
 * module registers what to do when it is shown (`onView`), and is built only then. */
import { state } from "./state.js";
import { $, $$ } from "./dom.js";

const shownHooks = new Map();   // view name -> callback run each time the view is shown

/** Run `fn` each time the view `name` is shown (a lab builds itself, or refreshes for a new program). */
export function onView(name, fn) { shownHooks.set(name, fn); }

/** The view's name as the address carries it: null for the graph (the default). */
export function viewAddress() { return state.page.view === "graph" ? null : state.page.view; }

/** Show the view `name` ("graph", "train", "tips"; anything else: the graph). */
export function showView(name) {
  if (!$(`.views [data-view="${name}"]`)) name = "graph";
  state.page.view = name;
  $("main.layout").dataset.view = name;
  for (const b of $$(".views [data-view]")) b.setAttribute("aria-selected", String(b.dataset.view === name));
  for (const s of $$(".pane-lab")) s.hidden = s.id !== `view-${name}`;
  const hook = shownHooks.get(name);
  if (hook) hook();
}
