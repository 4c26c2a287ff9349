"""Every rule text true at the numbers it is shown with.

Each rule of the op table carries the formulas its two texts state (`local_of`,
`downstream_of`), written as the text reads (∂zᵢ/∂Wᵢⱼ = xⱼ builds a Jacobian from x; δ xᵀ is
an outer product), not as the VJP computes. For every op, on every test program of
`test_ops.CASES` and at the ties and kinks where the text changes, the formulas evaluated at
the step's numbers must give the document's `local` and `downstream`, and the document's
texts must be the ones those formulas belong to. So a label cannot drift from the math.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from engine import OPS, trace
from engine.autodiff import Symbols, broadcast_axes, fill
from engine.ops import Claim, Rule, RuleAt
from tests.engine.reference import assert_close, literal, program
from tests.engine.test_ops import case_program, cases_of

ROOT = Path(__file__).resolve().parents[2]

# Programs at the numbers where a rule's text changes: (op, program, what the text must say).
AT_KINKS = [
    ("maximum", "a = 2.0\nb = 2.0\nf = max(a, b)", "½"),
    ("maximum", "a = [1.0, 2.0]\nb = [1.0, 3.0]\nf = sum(max(a, b))", "½ where"),
    ("minimum", "a = [-1.5, 0.5]\nb = [-1.5, 0.5]\nf = sum(min(a, b))", "½"),
    ("maximum", "a = [1.0, 2.0]\nb = 2.0\nf = sum(max(a, b))", "½ where"),
    ("relu", "a = [0.0, 1.0]\nf = sum(relu(a))", "relu′(0) = 0"),
    ("abs", "a = 0.0\nf = abs(a)", "abs′(0) = 0"),
    ("hardtanh", "a = [1.0, -1.0, 0.5]\nf = sum(hardtanh(a))", "hardtanh′(±1) = 0"),
    ("leaky_relu", "a = 0.0\nf = leaky_relu(a, 0.3)", "leaky_relu′(0) = the slope"),
    ("elu", "a = [0.0, -1.0]\nf = sum(elu(a, alpha=0.5))", "elu′(0) = α"),
]

# Broadcast inputs: (program, the input's name, the words its downstream rule must carry).
BROADCASTS = [
    ("X = randn(5, 4, seed=1)\nW = randn(4, 3, seed=2)\nb = randn(3, seed=3)\nf = sum(X @ W + b)", "b",
     "b (3) was broadcast over 5 rows (5×3), so its gradient is the upstream summed over axis 0"),
    ("A = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]\nc = [[0.5], [2.0], [-1.0]]\nf = sum(A * c)", "c",
     "c (3×1) was broadcast over 2 columns (3×2), so its gradient is the upstream summed over axis 1"),
    ("u = [1.0, -2.0, 3.0]\nk = 0.5\nf = sum(max(u, k))", "k",
     "k (a single number) was broadcast to all 3 entries, so its gradient is the upstream summed over every entry"),
]


def elementwise_jacobian(local: np.ndarray, in_shape: tuple, out_shape: tuple) -> np.ndarray:
    """The Jacobian of an elementwise rule: output entry k depends on the input entry it was
    copied from (broadcasting), with derivative local[k]."""
    local = np.broadcast_to(local, out_shape)
    jac = np.zeros(out_shape + in_shape)
    lead = len(out_shape) - len(in_shape)
    for k in np.ndindex(*out_shape):
        src = tuple(0 if n == 1 else k[lead + a] for a, n in enumerate(in_shape))
        jac[k + src] = local[k]
    return jac


def claimed(rule: Rule, claim: Claim, in_shape: tuple, out_shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """What the rule's texts say the local Jacobian and the downstream gradient are."""
    local = np.asarray(rule.local_of(claim), np.float64)
    down = np.asarray(rule.downstream_of(claim), np.float64)
    if rule.elementwise:
        local = elementwise_jacobian(local, in_shape, out_shape)
        down = np.broadcast_to(down, out_shape)
        axes = broadcast_axes(in_shape, out_shape)
        down = down.sum(axis=axes, keepdims=True) if axes else down
        down = down.reshape(in_shape)
    return local, down


def check_rules(t, op: str | None = None) -> int:
    """Hold every edge of every backward step (of `op`, or all) to its rule's formulas; the
    number of edges checked."""
    doc = t.to_dict()
    nodes = t.nodes
    symbols = Symbols(nodes)
    out_sym = symbols(t.output)
    checked = 0
    for step in doc["steps"]:
        if step["phase"] != "backward" or step["op"] not in OPS or (op and step["op"] != op):
            continue
        node = nodes[step["node"]]
        entry = OPS[node.op]
        ins = [np.asarray(nodes[i].value, np.float64) for i in node.inputs]
        out = np.asarray(node.value, np.float64)
        up = np.asarray(step["upstream"], np.float64)
        in_shapes = tuple(nodes[i].shape for i in node.inputs)
        for e in step["edges"]:
            pos = e["position"]
            x_sym = symbols(e["input"])
            if e["skipped"]:
                assert e["skipped"] in e["rule"]["text"] and e["skipped"] in e["downstream_rule"]["text"]
                assert e["rule"]["text"].startswith(x_sym[0])
                continue
            case = entry.case(pos, ins, out, node.attrs) if entry.case else ""
            at = RuleAt(pos, in_shapes, node.shape, node.attrs, case)
            rule = entry.rule(at)
            y = ins[1 - pos] if len(ins) == 2 else None
            y_sym = symbols(node.inputs[1 - pos]) if len(ins) == 2 else None
            # The document shows this rule's texts.
            node_sym = symbols(node.id)
            assert e["rule"]["text"].startswith(fill(rule.local, node_sym, x_sym, y_sym)[0])
            assert e["rule"]["latex"] == fill(rule.local, node_sym, x_sym, y_sym)[1]
            down_words = fill(rule.downstream, node_sym, x_sym, y_sym)[0]
            if not node.shape:
                down_words = down_words.replace(" ⊙ ", " · ")
            assert e["downstream_rule"]["text"].startswith(f"∂{out_sym[0]}/∂{x_sym[0]} = {down_words}")
            # And what they say holds at the step's numbers.
            local, down = claimed(rule, Claim(ins[pos], y, out, up, ins, pos, node.attrs),
                                  nodes[e["input"]].shape, node.shape)
            what = f"{node.op} edge {pos} ({e['rule']['text']})"
            if e["local"] is not None:
                assert_close(np.asarray(e["local"]), local.reshape(e["local_shape"]), rtol=1e-12, atol=1e-14,
                             what=what + ": local")
            assert_close(np.asarray(e["downstream"]), down, rtol=1e-12, atol=1e-14, what=what + ": downstream")
            checked += 1
    return checked


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_rule_says_what_the_document_computes(name: str) -> None:
    for k, case in enumerate(cases_of(name)):         # fails for an op without test programs
        vals, body, _ = case_program(case, seed=100 + k)
        t = trace(program(vals, body))
        assert check_rules(t, name) > 0, f"{name}: {case.expr} checked no edge"


@pytest.mark.parametrize("op, source, says", AT_KINKS, ids=[s for _, s, _ in AT_KINKS])
def test_rules_at_ties_and_kinks_state_the_convention_applied(op: str, source: str, says: str) -> None:
    t = trace(source)
    assert check_rules(t, op) > 0
    texts = [e["rule"]["text"] for s in t.to_dict()["steps"] if s["phase"] == "backward" and s["op"] == op
             for e in s["edges"] if not e["skipped"]]
    assert texts and all(says in text for text in texts), texts


def test_every_op_with_a_case_has_a_program_at_its_kink() -> None:
    with_case = {name for name, op in OPS.items() if op.case is not None}
    assert with_case <= {op for op, _, _ in AT_KINKS}


def test_the_tie_of_the_issue_reads_one_half() -> None:
    # issue 11, item 2: f = (x + y) * max(y, z) with y = z, step 8 (the max node).
    t = trace("x = 1.0; y = 2.0; z = 2.0\nf = (x + y) * max(y, z)")
    steps = t.to_dict()["steps"]
    step = steps[7]
    assert step["op"] == "maximum"
    for e in step["edges"]:
        assert e["local"] == 0.5
        assert "½" in e["rule"]["text"] and "1[" not in e["rule"]["text"]
        assert e["rule"]["latex"].endswith(r"\tfrac{1}{2}")
    check_rules(t)


@pytest.mark.parametrize("source, name, says", BROADCASTS, ids=[b[1] for b in BROADCASTS])
def test_a_broadcast_input_is_explained_as_a_sum(source: str, name: str, says: str) -> None:
    t = trace(source)
    check_rules(t)
    steps = [s for s in t.to_dict()["steps"] if s["phase"] == "backward"]
    node = next(n for n in t.nodes if name in n.names)
    step, edge = next((s, e) for s in steps for e in s["edges"] if e["input"] == node.id)
    assert says in edge["downstream_rule"]["text"]
    assert r"\sum_{" in edge["downstream_rule"]["latex"]
    assert says.split(", so")[0] in step["intuition"]
    assert "was broadcast" in edge["rule"]["text"]


def test_an_edge_into_a_constant_says_why_and_states_no_rule() -> None:
    # issue 11, item 4: the exponent 2 in W ** 2 (W with negative entries) is a constant.
    t = trace("W = [[1.0, -2.0], [0.5, -3.0]]\nf = sum(W ** 2)")
    check_rules(t)
    pw = next(s for s in t.to_dict()["steps"] if s["phase"] == "backward" and s["op"] == "pow")
    const = pw["edges"][1]
    assert const["skipped"] == "constant" and const["local"] is None and const["downstream"] is None
    for key in ("rule", "downstream_rule"):
        assert "ln" not in const[key]["text"] and "constant" in const[key]["text"]
        assert "no gradient" in const[key]["text"]


def test_an_edge_into_a_frozen_leaf_says_why() -> None:
    t = trace("E = frozen([[0.1, 0.2], [0.3, 0.4]])\nw = [1.0, 2.0]\nf = sum(E @ w)")
    mm = next(s for s in t.to_dict()["steps"] if s["phase"] == "backward" and s["op"] == "matmul")
    e = mm["edges"][0]
    assert e["skipped"] == "frozen" and "E is frozen" in e["rule"]["text"]
    check_rules(t)


def test_fan_out_contributions_name_their_input_position() -> None:
    # issue 11, item 6: x * x sends two contributions, one through each input.
    t = trace("x = 3.0\nz = x * x")
    x_step = next(s for s in t.to_dict()["steps"] if s["phase"] == "backward" and s["node"] == 0)
    assert [c["position"] for c in x_step["contributions"]] == [0, 1]
    assert [c["text"] for c in x_step["contributions"]] == ["from z = x * x, as its 1st input",
                                                            "from z = x * x, as its 2nd input"]
    t = trace("u = [1.0, 2.0]\ns = sum(exp(u)) + u[0]")
    u_step = next(s for s in t.to_dict()["steps"] if s["phase"] == "backward" and s["node"] == 0)
    assert [c["text"] for c in u_step["contributions"]] == ["from v3 = u[0]", "from v1 = exp(u)"]


@pytest.mark.parametrize("source, want", [
    ("W = randn(4, 10, seed=1)\nx = randn(10, seed=2)\ns = sum(W @ x)", ("∂v2ᵢ/∂Wᵢⱼ = xⱼ", "∂s/∂W = δ xᵀ")),
    ("W = randn(4, 10, seed=1)\nx = randn(10, seed=2)\ns = sum(W @ x)", ("∂v2ᵢ/∂xⱼ = Wᵢⱼ", "∂s/∂x = Wᵀ δ")),
    ("x = randn(2, seed=1)\nW = randn(2, 3, seed=2)\ns = sum(x @ W)", ("∂v2ⱼ/∂Wᵢⱼ = xᵢ", "∂s/∂W = x δᵀ")),
    ("X = randn(5, 2, seed=1)\nW = randn(2, 3, seed=2)\ns = sum(X @ W)", ("∂v2ᵢₖ/∂Wⱼₖ = Xᵢⱼ", "∂s/∂W = Xᵀ δ")),
    ("u = randn(3, seed=1)\nv = randn(3, seed=2)\ns = dot(u, v)", ("∂s/∂vᵢ = uᵢ", "∂s/∂v = δ u")),
    ("u = randn(3, seed=1)\nv = randn(2, seed=2)\ns = sum(outer(u, v))", ("∂v2ᵢⱼ/∂vⱼ = uᵢ", "∂s/∂v = δᵀ u")),
])
def test_product_rules_name_local_and_downstream_apart(source: str, want: tuple[str, str]) -> None:
    # issue 11, item 1: the local rule is a derivative of the node, δ appears only downstream.
    t = trace(source)
    check_rules(t)
    mm = next(s for s in t.to_dict()["steps"] if s["phase"] == "backward" and s["op"] in ("matmul", "outer"))
    name = want[1][want[1].index("/∂") + 2]
    edge = next(e for e in mm["edges"] if t.nodes[e["input"]].name == name)
    assert edge["rule"]["text"].startswith(want[0]) and "δ" not in edge["rule"]["text"]
    assert edge["downstream_rule"]["text"].startswith(want[1])


# ---------------------------------------------------------------- LaTeX through KaTeX
NAMES = ("museums = [0.1, 0.2]\nin_ = [0.3, 0.4]\nmuseums = relu(museums)\nh_1 = [1.0, -1.0]\nh_1 = h_1 * 2.0\n"
         "h_1 = tanh(h_1)\nh_1 = exp(h_1)\nh_1 = h_1 ** 2\nx = concat(museums, in_, h_1)\nW = randn(2, 6, seed=1)\n"
         "z = W @ x\nM = outer(z, museums)\nq = sum(M.T) + sum(softmax(z)) + museums[1]\n"
         "s = q + cross_entropy(z, 1) + mean(max(z, museums)) + dot(museums, in_)")


def all_latex(doc: dict) -> list[str]:
    out = [n["latex"] for n in doc["nodes"]]
    for s in doc["steps"]:
        if s["phase"] == "backward":
            for e in s["edges"]:
                out += [e["rule"]["latex"], e["downstream_rule"]["latex"]]
    return out


def test_marks_on_a_longer_name_go_after_the_whole_name() -> None:
    doc = trace(NAMES).to_dict()
    latex = {n["symbol"]: n["latex"] for n in doc["nodes"]}
    assert latex["museums′"] == r"{\mathrm{museums}}'"
    assert latex["h_1⁽4⁾"] == r"{h_{\mathrm{1}}}^{(4)}"
    assert latex["h_1′"] == r"{h_{\mathrm{1}}}'"
    for tex in all_latex(doc):
        assert r"\bar" not in tex and r"\acute" not in tex, tex


def test_every_formula_renders_in_katex_without_an_accent_over_a_word() -> None:
    """The page's KaTeX renders every symbol and rule; no accent sits over a multi-letter word
    (KaTeX centres \\bar over the word: "museūms"), and a prime follows the whole name."""
    assert shutil.which("node"), "node runs the vendored KaTeX: scripts/setup.sh --test installs it (nodejs)"
    formulas = sorted(set(all_latex(trace(NAMES).to_dict())))
    script = """
const katex = require(process.argv[1]);
const formulas = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = formulas.map((t) => {
  try { return {ok: true, mathml: katex.renderToString(t, {output: "mathml", throwOnError: true})}; }
  catch (e) { return {ok: false, error: String(e)}; }
});
process.stdout.write(JSON.stringify(out));
"""
    run = subprocess.run(["node", "-e", script, str(ROOT / "static/vendor/katex/katex.min.js")],
                         input=json.dumps(formulas), capture_output=True, text=True, timeout=60, check=True)
    for tex, r in zip(formulas, json.loads(run.stdout)):
        assert r["ok"], f"{tex}: {r.get('error')}"
        assert '<mover accent="true"><mrow>' not in r["mathml"], f"an accent over a word: {tex}"
    museums = next(json.loads(run.stdout)[k]["mathml"] for k, t in enumerate(formulas)
                   if t == r"{\mathrm{museums}}'")
    # The prime's base is the whole word.
    assert "<msup><mrow>" + "".join(f'<mi mathvariant="normal">{c}</mi>' for c in "museums") + "</mrow><mo" in museums


def test_input_positions_are_written_as_english_ordinals() -> None:
    from engine.autodiff import ordinal
    words = {0: "1st", 1: "2nd", 2: "3rd", 3: "4th", 10: "11th", 11: "12th", 12: "13th",
             20: "21st", 21: "22nd", 22: "23rd", 100: "101st", 110: "111th", 111: "112th"}
    assert {pos: ordinal(pos) for pos in words} == words
    doc = trace("x = [1.0]\nw = concat(" + ", ".join(["x"] * 23) + ")\nf = sum(w)").to_dict()
    texts = [c["text"] for s in doc["steps"] if s["phase"] == "backward" and s["node"] == 0
             for c in s["contributions"]]
    assert any(t.endswith("as its 21st input") for t in texts) and any(t.endswith("as its 23rd input") for t in texts)
