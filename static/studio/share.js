/* The address as a shareable link: #program=…&step=… opens this program at this step;
 * parts added by other modules (the view, a lab's settings) follow, so a link restores them. */
import { state } from "./state.js";
import { toast } from "./dom.js";
import { t } from "./i18n.js";

const ADDRESS_DELAY = 250;   // ms: the address follows the step once stepping pauses

const parts = new Map();     // key -> () => its value in the address, or null to leave it out

/** Carry `key` in the address: `get()` returns its current value (a string), or null. A
 *  module that changes such a value calls `writeHash()`. */
export function addressPart(key, get) { parts.set(key, get); }

function encodeState() {
  let h = `#program=${state.doc.encodedSource}&step=${state.view.step}`;      // the program encoded once per run
  for (const [key, get] of parts) {
    const v = get();
    if (v !== null && v !== undefined && v !== "") h += `&${key}=${encodeURIComponent(v)}`;
  }
  return h;
}

/** Keep the address at this step. Writing it is slow with a long program, so a run of
 *  steps (a held key, Play) writes it once, when it pauses: one timer for the whole run. */
export function updateHash() {
  const timers = state.timers;
  if (!state.doc.trace) return;
  timers.addressDue = performance.now() + ADDRESS_DELAY;
  if (!timers.address) timers.address = setTimeout(hashLater, ADDRESS_DELAY);
}

function hashLater() {
  const timers = state.timers;
  timers.address = null;
  const wait = timers.addressDue - performance.now();
  if (wait > 1) timers.address = setTimeout(hashLater, wait);
  else writeHash();
}

/** Write the address now (if it changed). */
export function writeHash() {
  clearTimeout(state.timers.address);
  state.timers.address = null;
  if (!state.doc.trace) return;
  const h = encodeState();
  if (state.view.address !== h) { history.replaceState(null, "", h); state.view.address = h; }
}

/** The address was changed by hand: nothing pending overwrites it, and the next step writes it again. */
export function forgetHash() {
  clearTimeout(state.timers.address);
  state.timers.address = null;
  state.view.address = null;
}

/** The program and step in the address, with all its parts (`params`, a URLSearchParams), or null. */
export function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has("program")) return null;
  const step = Number.parseInt(params.get("step") || "0", 10);
  return { source: params.get("program"), step: Number.isFinite(step) ? step : 0, params };
}

export async function copyLink() {
  writeHash();
  const url = location.href;
  try { await navigator.clipboard.writeText(url); toast(t("page.share.copied")); }
  catch (_) { toast(t("page.share.failed")); }
}
