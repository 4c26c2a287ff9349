/* Calls to the server's HTTP API. */

/** POST a JSON body; the answer's JSON (or a message with the HTTP status when it has none). */
export async function postJSON(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (_) { data = { message: `HTTP ${res.status}` }; }
  return { ok: res.ok, status: res.status, data };
}

/** POST /api/render: the drawing at one step, laid out in `direction`, as a file; the raw response. */
export function postRender(source, format, step, direction = "auto") {
  return fetch("/api/render", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ source, format, step, direction }),
  });
}

/** GET a JSON answer: {ok, status, data}, as postJSON. */
export async function getJSON(url) {
  const res = await fetch(url);
  let data = null;
  try { data = await res.json(); } catch (_) { data = { message: `HTTP ${res.status}` }; }
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
