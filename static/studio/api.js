/* Calls to the server's HTTP API. Every request names the page's language
 * (Accept-Language), so the server's messages come back in it. */
import { lang, t } from "./i18n.js";

/** The headers of a request: the page's language, and the body's type when it has one. */
export function apiHeaders(json = true) {
  const h = { "Accept-Language": lang() };
  if (json) h["Content-Type"] = "application/json";
  return h;
}

/** The message when the server cannot be reached, in the page's language. */
export const unreachable = () => t("api.unreachable");

/** POST a JSON body; the answer's JSON (or a message with the HTTP status when it has none). */
export async function postJSON(url, body) {
  const res = await fetch(url, { method: "POST", headers: apiHeaders(), body: JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (_) { data = { message: t("api.http_status.same", { status: res.status }) }; }
  return { ok: res.ok, status: res.status, data };
}

/** POST /api/window: exact entries [r0, r1) × [c0, c1) of node `node`'s value or gradient (`what`). */
export function postWindow(source, node, what, rows, cols) {
  return postJSON("/api/window", { source, node, what, rows, cols });
}

/** POST /api/render: the drawing at one step, laid out in `direction`, one box per node or
 *  per statement (`level`), as a file; the raw response. `variant`: the graph's other keys, as
 *  /api/trace was asked (e.g. {unroll: true}). */
export function postRender(source, format, step, direction = "auto", level = "auto", variant = null) {
  return fetch("/api/render", {
    method: "POST", headers: apiHeaders(),
    body: JSON.stringify({ source, format, step, direction, level, ...variant }),
  });
}

/** POST /api/vectorize: the program as written and unrolled, side by side. */
export function postVectorize(source) {
  return postJSON("/api/vectorize", { source });
}

/** POST /api/walkthrough: steps `from`..`to` as a file of `format` (pdf, pptx, gif, mp4, html), its texts in `lang`; the raw response. */
export function postWalkthrough(source, format, from, to, frameMs, direction = "auto", lang = "en") {
  return fetch("/api/walkthrough", {
    method: "POST", headers: apiHeaders(),
    body: JSON.stringify({ source, format, from, to, frame_ms: frameMs, direction, lang }),
  });
}

/** POST /api/train: the runs' document, or with `inspect` one iteration's state and trace. */
export const postTrain = (body) => postJSON("/api/train", body);

/** POST /api/train/slice: the loss over two coordinates, every other parameter held, and the paths. */
export const postTrainSlice = (body) => postJSON("/api/train/slice", body);

/** POST /api/train/lrmap: short runs over learning rate × momentum, each classified. */
export const postTrainLrmap = (body) => postJSON("/api/train/lrmap", body);

/** GET /api/train/options: the lab's examples, the optimizers and schedules with PyTorch's defaults, the limits. */
export async function getTrainOptions() {
  try {
    const res = await fetch("/api/train/options", { headers: apiHeaders(false) });
    return { ok: res.ok, status: res.status, data: await res.json() };
  } catch (_) { return { ok: false, status: 0, data: { message: unreachable() } }; }
}

/** GET a JSON answer: {ok, status, data}, as postJSON. */
export async function getJSON(url) {
  const res = await fetch(url, { headers: apiHeaders(false) });
  let data = null;
  try { data = await res.json(); } catch (_) { data = { message: t("api.http_status.same", { status: res.status }) }; }
  return { ok: res.ok, status: res.status, data };
}

/** POST /api/layers: the layer view of `source` under each initialization of `inits`
 *  (null: as written; "naive", "xavier", "he", "zeros"). */
export function postLayers(source, inits) {
  return postJSON("/api/layers", { source, inits });
}

/** GET /api/activations: every nonlinearity with its curve, derivative, saturated regions and kink. */
export function getActivations() {
  return getJSON("/api/activations");
}

/** POST /api/expand: statement `group`'s nodes drawn on their own ({group, svg}). */
export function postExpand(source, group, direction = "LR") {
  return postJSON("/api/expand", { source, group, direction });
}

/** The /api/trace (and /api/render) keys of a variant (see run.js's runProgram). */
export function variantKeys(variant) {
  if (!variant) return {};
  if (variant.at) {
    const at = variant.at;
    return { at: { steps: at.steps, runs: at.runs, run: at.run, iteration: at.iteration } };
  }
  return variant;
}
