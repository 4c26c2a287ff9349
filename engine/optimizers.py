"""The five optimizers with `torch.optim`'s names, hyperparameters, defaults and update rules.

Each update is written as PyTorch's single-tensor implementation writes it (the same
operations in the same order, on float64), so a run agrees with PyTorch to rounding. An
update can also explain itself: every state buffer after it, the effective step size, the
update Δθ, and the rule in the lecture's notation (θ the parameters, α the learning rate,
g = ∇θJ the gradient, λ the weight decay), in symbols and with one entry's numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .errors import SpecError
from .i18n import msg

Array = np.ndarray


@dataclass
class Explained:
    """One update, explained: every quantity of its rule by name (arrays in the parameter's
    shape, or numbers), the buffers kept after it, the effective step size and Δθ."""
    quantities: dict[str, Any]
    state: dict[str, Any]
    step_size: Any
    update: Array


# A rule: lines (left side, right side with {placeholders}, the quantity it computes). The
# placeholders name quantities; in symbols they read as SYMBOLS says, with numbers as
# the entry's values. Lines whose condition is false for the spec are left out.
Line = tuple[str, str, str]

SYMBOLS = {
    "theta": r"\theta_t", "theta_next": r"\theta_{t+1}", "grad": r"\nabla_{\theta} J(\theta_t)", "g": "g_t",
    "lr": r"\alpha", "lr_t": r"\alpha_t", "wd": r"\lambda", "mu": r"\mu", "tau": r"\tau", "eps": r"\epsilon",
    "b1": r"\beta_1", "b2": r"\beta_2", "rho": r"\rho", "eta": r"\eta", "k": "t",
    "buf_prev": "v_{t-1}", "buf": "v_t", "step_dir": "d_t",
    "sum_prev": "G_{t-1}", "sum": "G_t",
    "sq_prev": "v_{t-1}", "sq": "v_t", "gavg_prev": r"\bar g_{t-1}", "gavg": r"\bar g_t",
    "mbuf_prev": "b_{t-1}", "mbuf": "b_t", "denom": "s_t",
    "m_prev": "m_{t-1}", "m": "m_t", "v_prev": "v_{t-1}", "v": "v_t", "m_hat": r"\hat m_t", "v_hat": r"\hat v_t",
    "vmax_prev": r"v^{\max}_{t-1}", "vmax": r"v^{\max}_t", "theta_decayed": r"\theta'_t",
}


@dataclass(frozen=True)
class Optimizer:
    name: str
    defaults: dict[str, Any]
    check: Callable[[dict, str], None]
    update: Callable[..., Any]          # (p, g, state, lr, k, hp, explain) → new p, or (new p, Explained)
    rule: Callable[[dict, int], list[Line]]    # (hyperparameters, update count t ≥ 1) → its lines
    buffers: Callable[[dict], list[str]]   # the state buffers this spec keeps (names as in `state`)


def _range(field: str, v: float, low: float, high: float | None = None, *, closed_high: bool = False) -> None:
    if v < low or (high is not None and (v > high if closed_high else v >= high)):
        if high is None:
            raise SpecError(field, msg("train.error.ge", low=f"{low:g}", got=f"{v:g}"))
        bound = f"[{low:g}, {high:g}{']' if closed_high else ')'}"
        raise SpecError(field, msg("train.error.in", bound=bound, got=f"{v:g}"))


# ---------------------------------------------------------------- SGD
def _sgd(p: Array, g: Array, st: dict, lr: float, k: int, hp: dict, explain: bool):
    wd, mu, tau, nesterov = hp["weight_decay"], hp["momentum"], hp["dampening"], hp["nesterov"]
    grad = g
    if wd != 0:
        g = g + wd * p
    q = {"theta": p, "grad": grad, "g": g, "lr_t": lr, "wd": wd, "mu": mu, "tau": tau}
    d = g
    if mu != 0:
        prev = st.get("momentum_buffer")
        q["buf_prev"] = 0.0 if prev is None else prev
        buf = g.copy() if prev is None else mu * prev + (1 - tau) * g
        st["momentum_buffer"] = buf
        q["buf"] = buf
        d = g + mu * buf if nesterov else buf
        q["step_dir"] = d
    new = p - lr * d
    if not explain:
        return new
    q["theta_next"] = new
    return new, Explained(q, {"momentum_buffer": st["momentum_buffer"]} if mu != 0 else {},
                          lr * np.ones_like(p), new - p)


def _sgd_check(hp: dict, where: str) -> None:
    _range(f"{where}.momentum", hp["momentum"], 0)
    _range(f"{where}.dampening", hp["dampening"], 0)
    _range(f"{where}.weight_decay", hp["weight_decay"], 0)
    if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
        raise SpecError(f"{where}.nesterov", msg("optim.error.nesterov"))


def _sgd_rule(hp: dict, k: int) -> list[Line]:
    lines: list[Line] = []
    if hp["weight_decay"]:
        lines.append(("g_t", "{grad} + {wd}*{theta}", "g"))
    if hp["momentum"]:
        # PyTorch starts the buffer at the first gradient itself (no dampening then).
        lines.append(("v_t", "{g}" if k == 1 else "{mu}*{buf_prev} + (1 - {tau})*{g}", "buf"))
        if hp["nesterov"]:
            lines.append(("d_t", "{g} + {mu}*{buf}", "step_dir"))
            lines.append((r"\theta_{t+1}", r"{theta} - {lr_t}*{step_dir}", "theta_next"))
        else:
            lines.append((r"\theta_{t+1}", r"{theta} - {lr_t}*{buf}", "theta_next"))
    else:
        lines.append((r"\theta_{t+1}", r"{theta} - {lr_t}*{g}", "theta_next"))
    return lines


# ---------------------------------------------------------------- Adagrad
def _adagrad(p: Array, g: Array, st: dict, lr: float, k: int, hp: dict, explain: bool):
    wd, decay, eps = hp["weight_decay"], hp["lr_decay"], hp["eps"]
    grad = g
    if wd != 0:
        g = g + wd * p
    clr = lr / (1 + (k - 1) * decay)
    prev = st.get("sum")
    if prev is None:
        prev = np.full_like(p, hp["initial_accumulator_value"])
    total = prev + g * g
    st["sum"] = total
    std = np.sqrt(total) + eps
    new = p - clr * (g / std)
    if not explain:
        return new
    q = {"theta": p, "grad": grad, "g": g, "lr": hp["lr"], "lr_t": clr, "wd": wd, "eta": decay, "k": k,
         "eps": eps, "sum_prev": prev, "sum": total, "theta_next": new}
    return new, Explained(q, {"sum": total}, clr / std, new - p)


def _adagrad_check(hp: dict, where: str) -> None:
    for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
        _range(f"{where}.{key}", hp[key], 0)


def _adagrad_rule(hp: dict, k: int) -> list[Line]:
    lines: list[Line] = []
    if hp["weight_decay"]:
        lines.append(("g_t", "{grad} + {wd}*{theta}", "g"))
    lines.append(("G_t", "{sum_prev} + {g}^2", "sum"))
    if hp["lr_decay"]:
        lines.append((r"\alpha_t", r"\frac{{lr}}{1 + ({k} - 1)*{eta}}", "lr_t"))
    lines.append((r"\theta_{t+1}", r"{theta} - {lr_t}*\frac{{g}}{\sqrt{{sum}} + {eps}}", "theta_next"))
    return lines


# ---------------------------------------------------------------- RMSprop
def _rmsprop(p: Array, g: Array, st: dict, lr: float, k: int, hp: dict, explain: bool):
    wd, rho, eps, mu, centered = hp["weight_decay"], hp["alpha"], hp["eps"], hp["momentum"], hp["centered"]
    grad = g
    if wd != 0:
        g = g + wd * p
    sq_prev = st.get("square_avg")
    sq_prev = np.zeros_like(p) if sq_prev is None else sq_prev
    sq = rho * sq_prev + (1 - rho) * (g * g)
    st["square_avg"] = sq
    q: dict[str, Any] = {"theta": p, "grad": grad, "g": g, "lr_t": lr, "wd": wd, "rho": rho, "eps": eps,
                         "mu": mu, "sq_prev": sq_prev, "sq": sq}
    if centered:
        ga_prev = st.get("grad_avg")
        ga_prev = np.zeros_like(p) if ga_prev is None else ga_prev
        ga = ga_prev + (1 - rho) * (g - ga_prev)          # lerp, as PyTorch writes it
        st["grad_avg"] = ga
        q["gavg_prev"], q["gavg"] = ga_prev, ga
        avg = np.sqrt(sq - ga * ga) + eps
    else:
        avg = np.sqrt(sq) + eps
    q["denom"] = avg
    if mu > 0:
        b_prev = st.get("momentum_buffer")
        b_prev = np.zeros_like(p) if b_prev is None else b_prev
        b = mu * b_prev + g / avg
        st["momentum_buffer"] = b
        q["mbuf_prev"], q["mbuf"] = b_prev, b
        new = p - lr * b
    else:
        new = p - lr * (g / avg)
    if not explain:
        return new
    q["theta_next"] = new
    state = {key: st[key] for key in ("square_avg", "grad_avg", "momentum_buffer") if key in st}
    return new, Explained(q, state, lr / avg, new - p)


def _rmsprop_check(hp: dict, where: str) -> None:
    for key in ("alpha", "eps", "weight_decay", "momentum"):
        _range(f"{where}.{key}", hp[key], 0)


def _rmsprop_rule(hp: dict, k: int) -> list[Line]:
    lines: list[Line] = []
    if hp["weight_decay"]:
        lines.append(("g_t", "{grad} + {wd}*{theta}", "g"))
    lines.append(("v_t", "{rho}*{sq_prev} + (1 - {rho})*{g}^2", "sq"))
    if hp["centered"]:
        lines.append((r"\bar g_t", r"{rho}*{gavg_prev} + (1 - {rho})*{g}", "gavg"))
        lines.append(("s_t", r"\sqrt{{sq} - {gavg}^2} + {eps}", "denom"))
    else:
        lines.append(("s_t", r"\sqrt{{sq}} + {eps}", "denom"))
    if hp["momentum"] > 0:
        lines.append(("b_t", r"{mu}*{mbuf_prev} + \frac{{g}}{{denom}}", "mbuf"))
        lines.append((r"\theta_{t+1}", r"{theta} - {lr_t}*{mbuf}", "theta_next"))
    else:
        lines.append((r"\theta_{t+1}", r"{theta} - {lr_t}*\frac{{g}}{{denom}}", "theta_next"))
    return lines


# ---------------------------------------------------------------- Adam and AdamW
def _adam_like(decoupled: bool):
    def update(p: Array, g: Array, st: dict, lr: float, k: int, hp: dict, explain: bool):
        (b1, b2), eps, wd, ams = hp["betas"], hp["eps"], hp["weight_decay"], hp["amsgrad"]
        theta = p
        grad = g
        if wd != 0:
            if decoupled:
                p = p * (1 - lr * wd)
            else:
                g = g + wd * p
        m_prev, v_prev = st.get("exp_avg"), st.get("exp_avg_sq")
        if m_prev is None:
            m_prev, v_prev = np.zeros_like(p), np.zeros_like(p)
        m = m_prev + (1 - b1) * (g - m_prev)              # lerp, as PyTorch writes it
        v = b2 * v_prev + (1 - b2) * (g * g)
        st["exp_avg"], st["exp_avg_sq"] = m, v
        bc1 = 1 - b1 ** k
        bc2_sqrt = math.sqrt(1 - b2 ** k)
        step = lr / bc1
        if ams:
            vmax_prev = st.get("max_exp_avg_sq")
            vmax_prev = np.zeros_like(p) if vmax_prev is None else vmax_prev
            vmax = np.maximum(vmax_prev, v)
            st["max_exp_avg_sq"] = vmax
            denom = np.sqrt(vmax) / bc2_sqrt + eps
        else:
            denom = np.sqrt(v) / bc2_sqrt + eps
        new = p - step * (m / denom)
        if not explain:
            return new
        q = {"theta": theta, "grad": grad, "g": g, "lr_t": lr, "wd": wd, "b1": b1, "b2": b2, "eps": eps, "k": k,
             "m_prev": m_prev, "v_prev": v_prev, "m": m, "v": v, "m_hat": m / bc1, "v_hat": v / (1 - b2 ** k),
             "theta_decayed": p, "theta_next": new}
        state = {"exp_avg": m, "exp_avg_sq": v, "m_hat": q["m_hat"], "v_hat": q["v_hat"]}
        if ams:
            q["vmax_prev"], q["vmax"] = vmax_prev, vmax
            q["v_hat"] = vmax / (1 - b2 ** k)
            state["max_exp_avg_sq"] = vmax
            state["v_hat"] = q["v_hat"]
        return new, Explained(q, state, step / denom, new - theta)
    return update


def _adam_check(hp: dict, where: str) -> None:
    betas = hp["betas"]
    if (not isinstance(betas, (list, tuple)) or len(betas) != 2
            or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in betas)):
        raise SpecError(f"{where}.betas", msg("optim.error.betas", got=repr(betas)))
    for i, b in enumerate(betas):
        if not (math.isfinite(b) and 0 <= b < 1):
            raise SpecError(f"{where}.betas", msg("optim.error.beta", beta=f"β{'₁₂'[i]}", got=f"{b:g}"))
    hp["betas"] = [float(betas[0]), float(betas[1])]
    _range(f"{where}.eps", hp["eps"], 0)
    _range(f"{where}.weight_decay", hp["weight_decay"], 0)


def _adam_rule(decoupled: bool):
    def rule(hp: dict, k: int) -> list[Line]:
        lines: list[Line] = []
        theta = "{theta}"
        if hp["weight_decay"]:
            if decoupled:
                lines.append((r"\theta'_t", r"{theta}*(1 - {lr_t}*{wd})", "theta_decayed"))
                theta = "{theta_decayed}"
            else:
                lines.append(("g_t", "{grad} + {wd}*{theta}", "g"))
        lines.append(("m_t", "{b1}*{m_prev} + (1 - {b1})*{g}", "m"))
        lines.append(("v_t", "{b2}*{v_prev} + (1 - {b2})*{g}^2", "v"))
        lines.append((r"\hat m_t", r"\frac{{m}}{1 - {b1}^{{k}}}", "m_hat"))
        if hp["amsgrad"]:
            lines.append((r"v^{\max}_t", r"\max({vmax_prev}, {v})", "vmax"))
            lines.append((r"\hat v_t", r"\frac{{vmax}}{1 - {b2}^{{k}}}", "v_hat"))
        else:
            lines.append((r"\hat v_t", r"\frac{{v}}{1 - {b2}^{{k}}}", "v_hat"))
        lines.append((r"\theta_{t+1}", theta + r" - {lr_t}*\frac{{m_hat}}{\sqrt{{v_hat}} + {eps}}", "theta_next"))
        return lines
    return rule


def _adam_buffers(hp: dict) -> list[str]:
    return ["exp_avg", "exp_avg_sq", "m_hat", "v_hat"] + (["max_exp_avg_sq"] if hp["amsgrad"] else [])


OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in [
    Optimizer("sgd", {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
              _sgd_check, _sgd, _sgd_rule, lambda hp: ["momentum_buffer"] if hp["momentum"] else []),
    Optimizer("adagrad", {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0,
                          "eps": 1e-10},
              _adagrad_check, _adagrad, _adagrad_rule, lambda hp: ["sum"]),
    Optimizer("rmsprop", {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
                          "centered": False},
              _rmsprop_check, _rmsprop, _rmsprop_rule,
              lambda hp: ["square_avg"] + (["grad_avg"] if hp["centered"] else [])
              + (["momentum_buffer"] if hp["momentum"] > 0 else [])),
    Optimizer("adam", {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
              _adam_check, _adam_like(False), _adam_rule(False), _adam_buffers),
    Optimizer("adamw", {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False},
              _adam_check, _adam_like(True), _adam_rule(True), _adam_buffers),
]}

# What each hyperparameter is: a number or a flag (betas is checked by its optimizer).
FLAGS = {"nesterov", "centered", "amsgrad"}


def unknown_optimizer(name: Any):
    """Why `name` is not an optimizer, and which are."""
    return msg("optim.error.unknown", name=repr(name), names=", ".join(OPTIMIZERS))


def check_optimizer(spec: dict, where: str) -> dict:
    """The optimizer's hyperparameters from a run spec, every default filled in (SpecError if bad)."""
    name = spec.get("optimizer")
    if name not in OPTIMIZERS:
        raise SpecError(f"{where}.optimizer", unknown_optimizer(name))
    opt = OPTIMIZERS[name]
    hp: dict[str, Any] = {}
    for key, default in opt.defaults.items():
        v = spec.get(key, default)
        field = f"{where}.{key}"
        if key in FLAGS:
            if not isinstance(v, bool):
                raise SpecError(field, msg("train.error.flag", got=repr(v)))
        elif key != "betas":
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise SpecError(field, msg("train.error.finite", got=repr(v)))
            v = float(v)
        hp[key] = list(v) if key == "betas" and isinstance(v, (list, tuple)) else v
    _range(f"{where}.lr", hp["lr"], 0)
    opt.check(hp, where)
    return hp


def tex_number(x: float) -> str:
    """A number as the rule's LaTeX writes it: 4 significant digits, powers of ten as × 10ⁿ."""
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return r"\infty" if x > 0 else (r"-\infty" if x < 0 else r"\text{NaN}")
    text = f"{x:.4g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = (f"{mant} \\times " if mant not in ("1", "-1") else ("-" if mant == "-1" else "")) \
            + f"10^{{{int(exp)}}}"
    return text


def fill_rule(lines: list[Line], numbers: dict[str, float] | None) -> str:
    """The rule as LaTeX (`aligned`): in symbols, or with each quantity's number and the result.
    A * in a template is a product: juxtaposition in symbols, a centred dot between numbers."""
    out = []
    for lhs, rhs, result in lines:
        if numbers is None:
            text = _sub(rhs, lambda key: SYMBOLS[key]).replace("*", " ")
            out.append(f"{lhs} &= {text}")
        else:
            text = _sub(rhs, lambda key: _paren(tex_number(numbers[key]))).replace("*", r" \cdot ")
            out.append(f"{lhs} &= {text} = {tex_number(numbers[result])}")
    return r"\begin{aligned}" + r" \\ ".join(out) + r"\end{aligned}"


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") or "times" in text else text


def _sub(template: str, value: Callable[[str], str]) -> str:
    """Replace each {name} that names a quantity; other braces are LaTeX's own."""
    out, i = [], 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(template[i:])
            break
        end = template.find("}", j)
        key = template[j + 1:end] if end > 0 else ""
        if key in SYMBOLS:
            out.append(template[i:j] + value(key))
            i = end + 1
        else:
            out.append(template[i:j + 1])
            i = j + 1
    return "".join(out)
