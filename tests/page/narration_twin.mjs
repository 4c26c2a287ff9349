// Runs static/studio/narration.js under Node: reads {catalogues, docs} (lean documents) on stdin,
// writes every step of every document told in each language, {lang: [[text, …], …]}.
import { readFileSync } from "node:fs";

const studio = new URL("../../static/studio/", import.meta.url);
const input = JSON.parse(readFileSync(0, "utf8"));
// What i18n.js's setLang touches of a page, and its fetch of a catalogue.
globalThis.document = { documentElement: {}, querySelectorAll: () => [] };
globalThis.fetch = async (url) => {
  const lang = String(url).match(/\/i18n\/(\w+)\.json$/)[1];
  return { ok: true, json: async () => input.catalogues[lang] };
};
const { setLang } = await import(new URL("i18n.js", studio));
const { hydrate } = await import(new URL("lean.js", studio));
const { narrate } = await import(new URL("narration.js", studio));
const docs = input.docs.map(hydrate);
const out = {};
for (const lang of Object.keys(input.catalogues)) {
  await setLang(lang);
  out[lang] = docs.map((doc) => doc.steps.map((_, i) => narrate(doc, i)));
}
process.stdout.write(JSON.stringify(out));
