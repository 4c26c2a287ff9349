/* The colour theme: light or dark, following the system's prefers-color-scheme until the
 * reader picks one with the switch, which is remembered (localStorage). The page, the graph
 * and the panels take their colours from CSS variables (studio.css); exports stay light. */
import { state } from "./state.js";
import { $ } from "./dom.js";
import { onLang, t } from "./i18n.js";

const STORE_KEY = "backprop-studio.theme";
const SYSTEM_DARK = "(prefers-color-scheme: dark)";

function chosen() {
  try {
    const t = localStorage.getItem(STORE_KEY);
    return t === "dark" || t === "light" ? t : null;
  } catch (_) { return null; }     // storage refused (a private window): follow the system
}

function apply(theme) {
  state.page.theme = theme;
  document.documentElement.dataset.theme = theme;
  const b = $("#btn-theme");
  b.setAttribute("aria-pressed", String(theme === "dark"));
  b.title = t(theme === "dark" ? "page.theme.on" : "page.theme.off");
}

onLang(() => apply(state.page.theme));

/** Set the theme from the reader's choice or the system's, follow the system's changes
 *  until a choice is made, and wire the switch. */
export function initTheme() {
  const system = window.matchMedia(SYSTEM_DARK);
  apply(chosen() || (system.matches ? "dark" : "light"));
  system.addEventListener("change", (e) => { if (!chosen()) apply(e.matches ? "dark" : "light"); });
  $("#btn-theme").onclick = () => {
    const theme = state.page.theme === "dark" ? "light" : "dark";
    try { localStorage.setItem(STORE_KEY, theme); } catch (_) { /* not remembered */ }
    apply(theme);
  };
}
