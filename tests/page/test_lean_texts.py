"""The page tells the lean document's texts as the engine tells the full document's: for every
gallery program, i18n.js's messages and lean.js's names (run under Node, as the page runs them)
give the rules, intuitions, contributions and sum rules of `Trace.to_dict(lang)`, in English
and in Korean."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.examples import EXAMPLES
from app.jsondoc import json_bytes
from engine import i18n, trace
from engine.lean import lean_document
from tests.engine.test_rule_texts import texts

STUDIO = Path(__file__).parents[2] / "static" / "studio"

# Reads {lang, catalogue, docs} on stdin; writes each document's texts, told by the page's code.
SCRIPT = """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
globalThis.document = { getElementById: () => ({ dataset: { lang: input.lang }, textContent: JSON.stringify(input.catalogue) }) };
const i18n = await import(process.argv[1] + "/i18n.js");
const lean = await import(process.argv[1] + "/lean.js");
i18n.initI18n();
const out = input.docs.map((doc) => {
  lean.tellTexts(lean.hydrate(doc));
  const texts = [];
  for (const s of doc.steps) {
    if (s.phase !== "backward") continue;
    texts.push(s.intuition, s.sum_rule, ...s.contributions.map((c) => c.text));
    for (const e of s.edges) texts.push(e.rule.text, e.rule.latex, e.downstream_rule.text, e.downstream_rule.latex);
  }
  return texts;
});
process.stdout.write(JSON.stringify({ out, missing: i18n.missingKeys() }));
"""


def page_texts(lang: str, docs: list[dict]) -> dict:
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is missing: bash scripts/setup.sh --test installs it"
    script = SCRIPT.replace('require("fs")', '(await import("node:fs")).default')
    payload = json.dumps({"lang": lang, "catalogue": i18n.catalogue(lang), "docs": docs})
    r = subprocess.run([node, "--experimental-default-type=module", "--input-type=module", "-e", script,
                        STUDIO.as_uri()], input=payload.encode(), capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_page_tells_the_lean_texts_as_the_full_document_has_them(lang: str) -> None:
    traces = [trace(e["source"]) for e in EXAMPLES]
    docs = [json.loads(json_bytes(lean_document(t))) for t in traces]
    got = page_texts(lang, docs)
    assert got["missing"] == [] and len(got["out"]) == len(docs)
    for e, t, told in zip(EXAMPLES, traces, got["out"]):
        assert told == texts(t.to_dict(lang)), e["id"]
