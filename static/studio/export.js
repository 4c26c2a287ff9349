/* Exports: the drawing at the step shown (SVG, PNG, PDF, DOT, drawn by the server) and the trace as JSON. */
import { state } from "./state.js";
import { $, el, toast } from "./dom.js";
import { msgText, onLang, t } from "./i18n.js";
import { postRender, variantKeys } from "./api.js";

/** Pictures need a drawing; DOT (unpinned when there is no drawing) and JSON always work. */
export function enableExports(hasDrawing) {
  for (const format of ["svg", "png", "pdf"]) {
    const b = $(`[data-export="${format}"]`);
    b.disabled = !hasDrawing;
    b.title = t(hasDrawing ? `page.export.${format}.title` : "page.export.nodrawing");
  }
  const walk = $("#btn-walkthrough");
  walk.disabled = !hasDrawing;
  walk.title = t(hasDrawing ? "page.export.walkthrough.title" : "page.export.nodrawing");
}

// A switch of language re-tells the titles from the catalogue; a graph without a drawing says so again.
onLang(() => { if (state.doc.trace) enableExports(!!state.doc.trace.svg); });

/** Save ``blob`` as ``filename`` (the browser's download). */
export function download(blob, filename) {
  const a = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

export async function exportAs(format) {
  const { trace, source } = state.doc;
  const step = state.view.step;
  if (!trace) return;
  if (format === "json") {
    const { svg, svg_error, display, direction, lean, drawing, ...doc } = trace;     // read back in full (lean.js)
    download(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }), "backprop-trace.json");
    return;
  }
  const res = await postRender(source, format, step, trace.direction || "auto", trace.level || "auto", variantKeys(state.doc.variant));   // as on the page
  if (!res.ok) {
    let m = `HTTP ${res.status}`;
    try { m = msgText((await res.json()).message); } catch (_) { /* keep status */ }
    toast(t("page.export.failed", { why: m }));
    return;
  }
  const cd = res.headers.get("Content-Disposition") || "";
  const name = (cd.match(/filename="([^"]+)"/) || [])[1] || `backprop-step-${step}.${format}`;
  download(await res.blob(), name);
}
