/* The Train view's pictures in parameter space: the loss over two chosen coordinates with
 * every other parameter held (contours by d3-contour, vendored) and each run's path on it;
 * and word vectors moving (each vector's path over two of its entries; frozen ones stay
 * put). The loss grid and the paths are the server's (/api/train/slice, the runs'
 * trajectories); this module only places them on screen. */
import { contours } from "../vendor/d3/d3-contour.esm.js";
import { state } from "./state.js";
import { $, el, svgEl } from "./dom.js";
import { postTrainSlice } from "./api.js";
import { fmt } from "./format.js";
import { RUN_COLOURS } from "./train-plots.js";
import { indicesOf } from "./train-update.js";
import { msgText, t as tr } from "./i18n.js";

const GRID = 41;             // points per side of the loss slice
const LEVELS = 14;           // contour levels, spread over the slice's losses
const MAX_COORDS = 60;       // entries of one tensor offered as a coordinate
const SLICE_DELAY = 400;     // ms: a slice held at the slider's iteration is asked for once the slider rests
// vectors get colours of their own, apart from the runs' colours
const VECTOR_COLOURS = ["#0d9488", "#9333ea", "#ca8a04", "#475569", "#db2777", "#2563eb", "#65a30d", "#c2410c"];
const W = 560, H = 380, M = { l: 66, r: 22, t: 12, b: 40 };   // the plots' size and margins, in SVG units

/* ---------------------------------------------------------------- coordinates */

function coordText(c) { return c.entry.length ? `${c.name}[${c.entry.join(", ")}]` : c.name; }

/** Every scalar coordinate offered: each scalar parameter, and the first entries of each tensor. */
function coordinates() {
  const out = [];
  for (const p of state.train.result.parameters) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    for (let k = 0; k < Math.min(size, MAX_COORDS); k++) out.push({ name: p.name, entry: indicesOf(k, p.shape) });
  }
  return out;
}

function sameCoord(a, b) { return a && b && a.name === b.name && a.entry.join() === b.entry.join(); }

/* ---------------------------------------------------------------- the slice */

export function buildSlice() {
  const pick = (axis) => el("select", { id: `train-slice-${axis}`, "aria-label": tr("train.slice.axis_aria", { axis }),
    onchange: (e) => { state.train.slice[axis] = JSON.parse(e.target.value); state.train.slice.answer = null; requestSlice(0); } });
  return el("div", { class: "card train-slice" },
    el("div", { class: "card-head" }, el("h2", { text: tr("train.slice.heading") }),
      el("span", { class: "tr-pickers" },
        el("label", { class: "tr-field" }, el("span", { text: "x" }), pick("x")),
        el("label", { class: "tr-field" }, el("span", { text: "y" }), pick("y")))),
    el("div", { id: "train-slice-plot", class: "tr-svgbox" }),
    el("p", { id: "train-slice-held", class: "tr-caption" }));
}

/** Ask for the slice (at once, or once the slider rests). */
export function requestSlice(delay = 0) {
  const s = state.train.slice;
  clearTimeout(s.timer);
  s.timer = setTimeout(fetchSlice, delay);
}

/** The coordinate pickers, with the coordinates kept chosen (or the first two); false when the
 *  program has fewer than two trained numbers. */
export function renderPickers() {
  const s = state.train.slice;
  const coords = coordinates();
  if (coords.length < 2) return false;
  if (!coords.some((c) => sameCoord(c, s.x))) s.x = coords[0];
  if (!coords.some((c) => sameCoord(c, s.y)) || sameCoord(s.x, s.y)) s.y = coords.find((c) => !sameCoord(c, s.x));
  for (const axis of ["x", "y"]) {
    $(`#train-slice-${axis}`).replaceChildren(...coords.map((c) => el("option", { value: JSON.stringify(c), selected: sameCoord(c, s[axis]), text: coordText(c) })));
  }
  return true;
}

async function fetchSlice() {
  const t = state.train;
  const s = t.slice;
  if (!t.result || !t.body) return;
  if (!renderPickers()) {
    $("#train-slice-plot").replaceChildren(el("p", { class: "muted", text: tr("train.slice.too_few") }));
    return;
  }
  const seq = ++s.seq;
  const run = Math.min(t.openRun, t.result.runs.length - 1);
  let res;
  try {
    res = await postTrainSlice({ ...t.body, run, iteration: t.iteration, x: s.x, y: s.y, grid: GRID });
  } catch (_) { res = { ok: false, data: { message: tr("train.unreachable") } }; }
  if (seq !== s.seq) return;
  if (!res.ok) { s.answer = null; $("#train-slice-plot").replaceChildren(el("p", { class: "error", text: (res.data && res.data.message) || `HTTP ${res.status}` })); return; }
  s.answer = { ...res.data, run, iteration: t.iteration };
  renderSlice();
}

/** A linear map from [d0, d1] to [r0, r1]. */
function linear(d0, d1, r0, r1) { return (v) => r0 + (d1 === d0 ? 0.5 : (v - d0) / (d1 - d0)) * (r1 - r0); }

function ticks(d0, d1, count = 5) { return Array.from({ length: count }, (_, k) => d0 + (k / (count - 1)) * (d1 - d0)); }

/** Axes with a few ticks, for a plot from (x0, x1) × (y0, y1). */
function axes(svg, sx, sy, [x0, x1], [y0, y1], xLabel, yLabel) {
  const g = svgEl("g");
  g.setAttribute("class", "tr-axes");
  const line = (a, b, c, d) => { const l = svgEl("line"); l.setAttribute("x1", a); l.setAttribute("y1", b); l.setAttribute("x2", c); l.setAttribute("y2", d); g.append(l); };
  const text = (x, y, s, anchor, cls = "") => { const e = svgEl("text"); e.setAttribute("x", x); e.setAttribute("y", y); e.setAttribute("text-anchor", anchor); if (cls) e.setAttribute("class", cls); e.textContent = s; g.append(e); };
  line(M.l, H - M.b, W - M.r, H - M.b);
  line(M.l, M.t, M.l, H - M.b);
  for (const v of ticks(x0, x1)) { line(sx(v), H - M.b, sx(v), H - M.b + 4); text(sx(v), H - M.b + 15, fmt(v, 3), "middle"); }
  for (const v of ticks(y0, y1)) { line(M.l - 4, sy(v), M.l, sy(v)); text(M.l - 6, sy(v) + 4, fmt(v, 3), "end"); }
  text((M.l + W - M.r) / 2, H - 6, xLabel, "middle", "tr-axis-label");
  const yl = svgEl("text");
  yl.setAttribute("transform", `translate(13 ${(M.t + H - M.b) / 2}) rotate(-90)`);
  yl.setAttribute("text-anchor", "middle");
  yl.setAttribute("class", "tr-axis-label");
  yl.textContent = yLabel;
  g.append(yl);
  svg.append(g);
}

/** An empty plot: `name` makes its clip path's id, `label` is what a screen reader hears. */
function newPlot(name, label) {
  const svg = svgEl("svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const clip = svgEl("clipPath");
  clip.id = `${name.replace(/\W+/g, "-")}-clip`;
  const r = svgEl("rect");
  for (const [k, v] of Object.entries({ x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b })) r.setAttribute(k, v);
  clip.append(r);
  svg.append(clip);
  return { svg, clipId: clip.id };
}

/** Levels spread over the losses drawn (their quantiles), so a steep valley still shows rings. */
function levels(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const out = [];
  for (let k = 1; k <= LEVELS; k++) out.push(sorted[Math.min(sorted.length - 1, Math.floor((k / (LEVELS + 1)) * sorted.length))]);
  return [...new Set(out)];
}

function shade(k, count) {
  const a = count > 1 ? k / (count - 1) : 0;
  const mix = (p, q) => Math.round(p + (q - p) * a);
  return `rgb(${mix(250, 148)}, ${mix(250, 163)}, ${mix(249, 184)})`;     // near white (high loss) … slate (low), so the runs' colours stand out
}

/** Draw the slice kept, with each run's path up to the slider's iteration. */
export function renderSlice() {
  const t = state.train;
  const a = t.slice.answer;
  if (!a) return;
  if (!a.exact && a.iteration !== t.iteration) requestSlice(SLICE_DELAY);
  const xs = a.x.values, ys = a.y.values, n = xs.length, m = ys.length;
  const hx = n > 1 ? (xs[n - 1] - xs[0]) / (n - 1) : 1, hy = m > 1 ? (ys[m - 1] - ys[0]) / (m - 1) : 1;
  const xr = [xs[0] - hx / 2, xs[n - 1] + hx / 2], yr = [ys[0] - hy / 2, ys[m - 1] + hy / 2];
  const sx = linear(xr[0], xr[1], M.l, W - M.r), sy = linear(yr[0], yr[1], H - M.b, M.t);
  const flat = a.loss.flat().map((v) => (typeof v === "number" ? v : Number.NaN));
  const finiteMax = Math.max(...flat.filter(Number.isFinite));
  const grid = flat.map((v) => (Number.isFinite(v) ? v : finiteMax));
  const { svg, clipId } = newPlot("loss slice", tr("train.slice.plot_aria"));
  const body = svgEl("g");
  body.setAttribute("clip-path", `url(#${clipId})`);
  const lv = levels(grid);
  const rings = contours().size([n, m]).thresholds(lv)(grid);
  // below the lowest level: the darkest shade, under every ring
  const under = svgEl("rect");
  for (const [k, v] of Object.entries({ x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: shade(lv.length, lv.length + 1) })) under.setAttribute(k, v);
  body.append(under);
  // d3-contour's grid units put value (i, j) at (i + ½, j + ½)
  const px = ([u, v]) => `${sx(xs[0] + (u - 0.5) * hx).toFixed(1)},${sy(ys[0] + (v - 0.5) * hy).toFixed(1)}`;
  rings.forEach((c, k) => {
    const d = c.coordinates.map((poly) => poly.map((ring) => `M${ring.map(px).join("L")}Z`).join("")).join("");
    if (!d) return;
    const p = svgEl("path");
    p.setAttribute("d", d);
    p.setAttribute("class", "tr-contour");
    p.setAttribute("fill", shade(lv.length - 1 - k, lv.length + 1));
    p.dataset.level = String(c.value);
    body.append(p);
  });
  a.paths.forEach((path, r) => {
    const colour = RUN_COLOURS[r % RUN_COLOURS.length];
    const upTo = Math.min(t.iteration, path.length - 1);
    const pts = path.filter((q) => q.every(Number.isFinite));
    const all = svgEl("polyline");
    all.setAttribute("points", pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" "));
    all.setAttribute("class", "tr-path-all");
    all.setAttribute("stroke", colour);
    const done = svgEl("polyline");
    done.setAttribute("points", path.slice(0, upTo + 1).filter((q) => q.every(Number.isFinite)).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" "));
    done.setAttribute("class", "tr-path");
    done.setAttribute("stroke", colour);
    done.dataset.run = String(r);
    body.append(all, done);
    const here = path[upTo];
    if (here && here.every(Number.isFinite)) {
      const dot = svgEl("circle");
      dot.setAttribute("cx", sx(here[0]).toFixed(1));
      dot.setAttribute("cy", sy(here[1]).toFixed(1));
      dot.setAttribute("r", "5.5");
      dot.setAttribute("fill", colour);
      dot.setAttribute("class", "tr-here");
      body.append(dot);
    }
  });
  const start = a.paths[0] && a.paths[0][0];
  if (start) {
    const s0 = svgEl("rect");
    for (const [k, v] of Object.entries({ x: sx(start[0]) - 4, y: sy(start[1]) - 4, width: 8, height: 8, class: "tr-start" })) s0.setAttribute(k, v);
    body.append(s0);
  }
  svg.append(body);
  axes(svg, sx, sy, xr, yr, coordText(a.x), coordText(a.y));
  const box = $("#train-slice-plot");
  box.replaceChildren(svg);
  box.dataset.contours = String(body.querySelectorAll(".tr-contour").length);
  box.dataset.paths = String(a.paths.length);
  box.dataset.exact = String(!!a.exact);
  $("#train-slice-held").textContent = a.exact ? tr("train.slice.exact")
    : tr("train.slice.caption", { held: a.held_msg ? msgText(a.held_msg) : a.held });
  // the slice's range follows the runs that did not diverge; a diverged run's path runs off it
  const off = t.result.runs.filter((r) => r.diverged_at !== null && r.diverged_at !== undefined);
  if (off.length) $("#train-slice-held").textContent += ` ${tr(off.length > 1 ? "train.slice.off_many" : "train.slice.off_one", { labels: off.map((r) => r.spec.label).join(", ") })}`;
}

/* ---------------------------------------------------------------- word vectors */

export function buildVectors() {
  const v = state.train.vectors;
  const num = (key, label) => el("label", { class: "tr-field" }, el("span", { text: label }),
    el("input", { type: "number", min: "0", value: String(v[key]), id: `train-vec-${key}`, onchange: (e) => { v[key] = Math.max(0, Number.parseInt(e.target.value, 10) || 0); renderVectors(); } }));
  return el("div", { class: "card train-vectors" },
    el("div", { class: "card-head" }, el("h2", { text: tr("train.vectors.heading") }),
      el("span", { class: "tr-pickers" },
        el("label", { class: "tr-field" }, el("span", { text: tr("train.vectors.run") }),
          el("select", { id: "train-vec-run", "aria-label": tr("train.vectors.run_aria"), onchange: (e) => { v.run = Number(e.target.value); renderVectors(); } })),
        num("a", tr("train.vectors.entry_x")), num("b", tr("train.vectors.entry_y")))),
    el("div", { id: "train-vec-plot", class: "tr-svgbox" }),
    el("p", { class: "tr-caption", text: tr("train.vectors.caption") }));
}

/** Each trainable vector's path over two entries in one run, and the frozen vectors' fixed points. */
export function renderVectors() {
  const t = state.train;
  const v = t.vectors;
  if (!t.result) return;
  v.run = Math.min(v.run, t.result.runs.length - 1);
  $("#train-vec-run").replaceChildren(...t.result.runs.map((r, i) => el("option", { value: String(i), selected: i === v.run, text: r.spec.label || tr("train.run.name", { n: i + 1 }) })));
  const traj = t.result.runs[v.run].trajectories || {};
  const moving = [];
  for (const p of t.result.parameters) {
    const tr = traj[p.name];
    if (p.shape.length !== 1 || !tr) continue;
    const ia = tr.entries.indexOf(v.a), ib = tr.entries.indexOf(v.b);
    if (ia < 0 || ib < 0 || v.a === v.b) continue;
    moving.push({ name: p.name, pts: tr.values.map((row) => [row[ia], row[ib]]) });
  }
  const nodes = (state.doc.trace && state.doc.trace.nodes) || [];
  const still = nodes.filter((nd) => nd.frozen && nd.shape.length === 1 && nd.shape[0] > Math.max(v.a, v.b) && v.a !== v.b)
    .map((nd) => ({ name: nd.name || nd.label, at: [nd.value[v.a], nd.value[v.b]] }));
  const box = $("#train-vec-plot");
  box.dataset.moving = String(moving.length);
  box.dataset.frozen = String(still.length);
  if (!moving.length && !still.length) {
    box.replaceChildren(el("p", { class: "muted", text: tr("train.vectors.none") }));
    return;
  }
  const it = t.iteration;
  const every = [...moving.flatMap((q) => q.pts), ...still.map((q) => q.at)].filter((q) => q.every(Number.isFinite));
  const ext = (k) => { const vs = every.map((q) => q[k]); const lo = Math.min(...vs), hi = Math.max(...vs), pad = (hi - lo || 1) * 0.12; return [lo - pad, hi + pad]; };
  const xr = ext(0), yr = ext(1);
  const sx = linear(xr[0], xr[1], M.l, W - M.r), sy = linear(yr[0], yr[1], H - M.b, M.t);
  const { svg, clipId } = newPlot("vectors moving", tr("train.vectors.plot_aria"));
  const body = svgEl("g");
  body.setAttribute("clip-path", `url(#${clipId})`);
  const label = (x, y, s) => { const e = svgEl("text"); e.setAttribute("x", x + 7); e.setAttribute("y", y - 6); e.setAttribute("class", "tr-vec-label"); e.textContent = s; body.append(e); };
  moving.forEach((q, k) => {
    const colour = VECTOR_COLOURS[k % VECTOR_COLOURS.length];
    const upTo = q.pts.slice(0, Math.min(it, q.pts.length - 1) + 1).filter((p) => p.every(Number.isFinite));
    const line = svgEl("polyline");
    line.setAttribute("points", upTo.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" "));
    line.setAttribute("class", "tr-path");
    line.setAttribute("stroke", colour);
    line.dataset.vector = q.name;
    const s0 = svgEl("circle"), s1 = svgEl("circle");
    const [a0, b0] = upTo[0], [a1, b1] = upTo[upTo.length - 1];
    for (const [c, x, y, cls] of [[s0, a0, b0, "tr-vec-start"], [s1, a1, b1, "tr-here"]]) {
      c.setAttribute("cx", sx(x).toFixed(1)); c.setAttribute("cy", sy(y).toFixed(1)); c.setAttribute("r", "4"); c.setAttribute("class", cls);
      c.setAttribute(cls === "tr-here" ? "fill" : "stroke", colour);
    }
    body.append(line, s0, s1);
    label(sx(a1), sy(b1), q.name);
  });
  for (const q of still) {
    const d = svgEl("path");
    const [x, y] = [sx(q.at[0]), sy(q.at[1])];
    d.setAttribute("d", `M${x},${y - 6}L${x + 6},${y}L${x},${y + 6}L${x - 6},${y}Z`);
    d.setAttribute("class", "tr-frozen");
    body.append(d);
    label(x, y, tr("train.vectors.frozen", { name: q.name }));
  }
  svg.append(body);
  axes(svg, sx, sy, xr, yr, tr("train.vectors.axis", { n: v.a }), tr("train.vectors.axis", { n: v.b }));
  box.replaceChildren(svg);
}
