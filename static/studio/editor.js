/* The program editor: a textarea over a mirror that marks the error, or the source of the
 * node the step is at, with line numbers; and the error and warning boxes under it. */
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { msgText, onLang, t } from "./i18n.js";

const LINE_PX = 20;       // the editor's line height (studio.css)

export const editor = {
  textarea: null, gutter: null, mirror: null,
  // The node's mark: the mirror as the text before it, the mark, the text after it (three
  // text nodes a step rewrites: no layout is read). `lineStarts`: each line's offset.
  spanMark: null, lineStarts: [], marked: null, height: 0, scrollTop: 0,

  /** Wire the editor; Ctrl+Enter (or Cmd+Enter) calls `onRun`. */
  init(onRun) {
    this.textarea = $("#source"); this.gutter = $("#gutter"); this.mirror = $("#mirror");
    this.textarea.addEventListener("input", () => { this.clearMark(); this.refresh(); });
    this.textarea.addEventListener("scroll", () => { this.scrollTop = this.textarea.scrollTop; this.sync(); });
    new ResizeObserver(([entry]) => { this.height = entry.contentRect.height; }).observe(this.textarea);
    this.textarea.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); onRun(); }
    });
  },
  get value() { return this.textarea.value; },
  set value(v) { this.textarea.value = v; this.clearMark(); this.refresh(); },

  /** Redraw the line numbers and the mirror (with the error's mark, if any). */
  refresh() {
    const error = state.doc.error;
    const lines = this.textarea.value.split("\n");
    const errLine = error ? error.line : null;
    this.gutter.innerHTML = "";
    lines.forEach((_, i) => {
      const n = i + 1;
      this.gutter.append(n === errLine ? el("span", { class: "err", text: String(n) }) : String(n), "\n");
    });
    this.mirror.textContent = "";
    this.spanMark = null;
    this.marked = null;
    if (error && errLine) {
      const before = lines.slice(0, errLine - 1).join("\n") + (errLine > 1 ? "\n" : "");
      const line = lines[errLine - 1] ?? "";
      const c = Math.max(0, Math.min(error.col - 1, line.length));
      const end = c < line.length ? c + Math.max(1, wordLength(line, c)) : c;
      this.mirror.append(before + line.slice(0, c),
        el("mark", { class: "err", "data-line": errLine, "data-col": error.col, text: c < line.length ? line.slice(c, end) : " " }),
        line.slice(end) + "\n" + lines.slice(errLine).join("\n"));
    } else {
      const mark = el("mark", { class: "step" });
      mark.append("");
      this.mirror.append(this.textarea.value, mark, "");
      this.spanMark = { before: this.mirror.firstChild, text: mark.firstChild, after: this.mirror.lastChild };
      this.lineStarts = [0];
      for (const line of lines) this.lineStarts.push(this.lineStarts[this.lineStarts.length - 1] + line.length + 1);
    }
    this.sync();
  },

  /** Mark the source of node `id` of the trace shown (its line, col, end_line, end_col),
   *  scrolled into view; null, or a program edited since it ran: no mark. */
  markNode(id) {
    const { trace, source } = state.doc;
    const node = id !== null && trace ? trace.nodes[id] : null;
    const span = this.spanMark;
    if (!span || id === this.marked) return;
    this.marked = id;
    const text = this.textarea.value;
    const starts = this.lineStarts;
    if (!node || !node.line || text !== source) {
      span.before.data = text; span.text.data = ""; span.after.data = "";
      return;
    }
    const start = Math.min(text.length, starts[node.line - 1] + node.col - 1);
    const end = Math.max(start, Math.min(text.length, starts[node.end_line - 1] + node.end_col - 1));
    span.before.data = text.slice(0, start);
    span.text.data = text.slice(start, end);
    span.after.data = text.slice(end);
    // Scrolled from what is kept (the line height, the box's height, the last scroll): no layout read.
    const top = (node.line - 1) * LINE_PX, bottom = node.end_line * LINE_PX + LINE_PX;
    if (this.height && (top < this.scrollTop || bottom > this.scrollTop + this.height)) {
      this.textarea.scrollTop = Math.max(0, top - this.height / 3);
    }
  },
  sync() {
    const ta = this.textarea;
    this.gutter.scrollTop = ta.scrollTop; this.mirror.scrollTop = ta.scrollTop; this.mirror.scrollLeft = ta.scrollLeft;
  },
  /** The program was edited: the error no longer marks it, and its box turns stale. */
  clearMark() { if (state.doc.error) { state.doc.error = null; $("#error").classList.add("stale"); } },
  goTo(line, col) {
    const lines = this.textarea.value.split("\n");
    let pos = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    pos += Math.max(0, col - 1);
    this.textarea.focus();
    this.textarea.setSelectionRange(pos, pos);
  },
};

/** The length of the name or number starting at column c (what the error mark covers). */
function wordLength(line, c) {
  const m = line.slice(c).match(/^[A-Za-z_0-9.]+/);
  return m ? m[0].length : 1;
}

export function showError(err) {
  // A program error has a line and column to mark; a server error (busy, too large) has none.
  const located = Number.isInteger(err.line) && Number.isInteger(err.col);
  state.doc.error = located ? { line: err.line, col: err.col, message: err.message } : null;
  state.doc.errorShown = err;
  const box = $("#error");
  box.classList.remove("stale");
  box.hidden = false;
  box.innerHTML = "";
  box.append(located ? el("b", { text: t("page.error.at", { line: err.line, col: err.col }) }) : "", located ? " — " : "", msgText(err.message) || t("page.error.unknown"));
  if (state.doc.trace) box.append(el("div", { class: "error-kept", text: t("page.error.kept") }));
  box.title = located ? t("page.error.goto") : "";
  box.onclick = located ? () => editor.goTo(err.line, err.col) : null;
  editor.refresh();
}

export function clearError() {
  const marked = state.doc.error;
  state.doc.error = null;
  state.doc.errorShown = null;
  $("#error").hidden = true;
  if (marked) editor.refresh();      // else the editor is as its last edit left it (a long program: 10,000 lines)
}

export function showWarnings(messages) {
  const ul = $("#warnings");
  ul.innerHTML = "";
  state.doc.warningsShown = messages || [];
  (messages || []).forEach((m) => ul.append(el("li", { text: t("page.warning", { line: m.line, col: m.col, message: msgText(m.message) }) })));
  ul.hidden = !(messages && messages.length);
}

// A switch of language: the error and warnings shown are told again (a server message in its
// catalogue form is told in the new language; a plain one stays as it came).
onLang(() => {
  const stale = $("#error").classList.contains("stale");
  if (state.doc.errorShown && !$("#error").hidden) { showError(state.doc.errorShown); $("#error").classList.toggle("stale", stale); }
  if (state.doc.warningsShown.length) showWarnings(state.doc.warningsShown);
});
