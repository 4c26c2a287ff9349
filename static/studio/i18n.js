/* The page's texts in the reader's language: the catalogues are the engine's
 * (engine/catalogue/<lang>.json, served at /i18n/<lang>.json; the page's own language comes
 * inside the page). Templates are filled as engine/i18n.py fills them: `{name}` replaced when
 * `name` is given, other braces kept. Elements carry their keys (`data-i18n` for the text,
 * `data-i18n-title`, `data-i18n-aria-label`, `data-i18n-placeholder` for attributes), so a
 * switch of language re-tells them; modules that write texts themselves register `onLang`. */

export const LANGS = ["en", "ko"];
const catalogues = new Map();        // lang -> {key: template}
const hooks = [];                    // called after the language changes
const missing = new Set();           // keys asked for that the catalogue lacks (the tests read it)
let current = "en";

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `template` with each `{name}` in `args` replaced; other braces kept. */
export function fill(template, args) {
  if (!args) return template;
  return template.replace(PLACEHOLDER, (m, name) => (Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : m));
}

/** The text of `key` in the current language, filled with `args` (a `{key, args}` message
 *  among them is told too). A missing key shows as the key itself, and is recorded. */
export function t(key, args) {
  const cat = catalogues.get(current) || {};
  let template = cat[key];
  if (template === undefined) { missing.add(key); template = key; }
  if (!args) return template;
  const told = {};
  for (const [k, v] of Object.entries(args)) told[k] = v && typeof v === "object" && "key" in v ? msgText(v) : v;
  return fill(template, told);
}

/** A message from the server (`{key, args}`, engine/i18n.py's `Msg`) told in the current
 *  language; a plain string is shown as it is. */
export function msgText(m) {
  if (m === null || m === undefined) return "";
  if (typeof m === "string") return m;
  return t(m.key, m.args);
}

export function lang() { return current; }
export function missingKeys() { return [...missing]; }

/** The language the reader prefers, of those the studio speaks. */
export function preferredLang() {
  for (const l of navigator.languages || [navigator.language || "en"]) {
    const base = String(l).toLowerCase().split("-")[0];
    if (LANGS.includes(base)) return base;
  }
  return "en";
}

/** Take the catalogue the page came with (`<script id="catalogue-data" data-lang=…>`). */
export function initI18n() {
  const el = document.getElementById("catalogue-data");
  if (el) {
    catalogues.set(el.dataset.lang, JSON.parse(el.textContent));
    current = el.dataset.lang;
  }
}

/** Switch to `l` (fetching its catalogue once), re-tell the page's marked texts, and call
 *  the hooks. Resolves to false for a language the studio does not speak. */
export async function setLang(l) {
  if (!LANGS.includes(l)) return false;
  if (!catalogues.has(l)) {
    const r = await fetch(`/i18n/${l}.json`);
    if (!r.ok) return false;
    catalogues.set(l, await r.json());
  }
  const changed = l !== current;
  current = l;
  document.documentElement.lang = l;
  applyStatic(document);
  if (changed) for (const fn of hooks) fn(l);
  return true;
}

/** Call `fn(lang)` after every switch of language. */
export function onLang(fn) { hooks.push(fn); }

const ATTRS = [["i18nTitle", "title"], ["i18nAriaLabel", "aria-label"], ["i18nPlaceholder", "placeholder"]];

/** Tell every marked element under `root` in the current language. */
export function applyStatic(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const [data, attr] of ATTRS) {
    const sel = `[data-${data.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`;
    for (const el of root.querySelectorAll(sel)) el.setAttribute(attr, t(el.dataset[data]));
  }
}

/** Whether the current language's catalogue has `key` (for texts that may come from elsewhere). */
export function has(key) { return Object.prototype.hasOwnProperty.call(catalogues.get(current) || {}, key); }
