/* The language switch: the top bar's buttons (each language named in itself), the address's
 * `lang` (a shared link opens in its language), the reader's last choice remembered, and
 * `<html lang>` (i18n.js's setLang). A switch re-tells the page from the catalogue; the
 * program is not run again (modules re-tell what they show through `onLang`). */
import { LANGS, lang, setLang } from "./i18n.js";
import { $, $$ } from "./dom.js";
import { writeHash } from "./share.js";

const STORE_KEY = "backprop-studio.lang";

/** The language as the address carries it: left out for English, the default (a link without
 *  it opens in the reader's language). */
export function langAddress() { return lang() === "en" ? null : lang(); }

/** The language a link asks for (`params`: the address's parts), or null. */
export function addressLang(params) {
  const l = params && params.get("lang");
  return LANGS.includes(l) ? l : null;
}

function remembered() {
  try { return localStorage.getItem(STORE_KEY); } catch (_) { return null; }
}

/** The switch and the glossary link follow the language shown. */
function mark(l) {
  for (const b of $$(".lang-switch [data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === l));
  const g = $("#link-glossary");
  if (g) g.href = `/glossary?lang=${l}`;
}

/** Show the page in `l`; `remember`: the reader chose it (kept for the next visit); `write`:
 *  the address follows (not when the address itself asked for `l`). */
export async function switchLang(l, { remember = false, write = true } = {}) {
  if (!(await setLang(l))) return false;
  mark(l);
  if (remember) { try { localStorage.setItem(STORE_KEY, l); } catch (_) { /* not remembered */ } }
  // a ?lang= in the address would bring the old language back on a reload
  const url = new URL(location.href);
  if (url.searchParams.has("lang") && url.searchParams.get("lang") !== l) {
    url.searchParams.delete("lang");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  if (write) writeHash();
  return true;
}

/** Wire the switch. The page came in the language the server chose (`?lang=`, else the
 *  browser's preference); a link's `lang`, else the reader's last choice, wins over that. */
export async function initLanguage(params) {
  for (const b of $$(".lang-switch [data-lang]")) b.onclick = () => switchLang(b.dataset.lang, { remember: true });
  const asked = new URL(location.href).searchParams.get("lang");
  const wanted = addressLang(params) || (asked ? null : remembered());
  if (wanted && wanted !== lang()) await switchLang(wanted, { write: false });
  mark(lang());
}
