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

/** POST /api/walkthrough: steps `from`..`to` as a file of `format` (pdf, pptx, gif, mp4, html); the raw response. */
export function postWalkthrough(source, format, from, to, frameMs, direction = "auto") {
  return fetch("/api/walkthrough", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ source, format, from, to, frame_ms: frameMs, direction }),
  });
}
