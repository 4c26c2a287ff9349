/* Calls to the server's HTTP API. */

/** POST a JSON body; the answer's JSON (or a message with the HTTP status when it has none). */
export async function postJSON(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (_) { data = { message: `HTTP ${res.status}` }; }
  return { ok: res.ok, status: res.status, data };
}

/** POST /api/render: the drawing at one step, laid out in `direction`, one box per node or
 *  per statement (`level`), as a file; the raw response. */
export function postRender(source, format, step, direction = "auto", level = "auto") {
  return fetch("/api/render", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ source, format, step, direction, level }),
  });
}

/** POST /api/expand: statement `group`'s nodes drawn on their own ({group, svg}). */
export function postExpand(source, group, direction = "LR") {
  return postJSON("/api/expand", { source, group, direction });
}
