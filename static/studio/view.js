/* Pan and zoom. The view is not an SVG viewBox (a new viewBox lays out every text of the
 * drawing again): the zoom is the transform of a group around each layer of the drawing,
 * the pan a CSS transform of the stage that holds the layers. */
import { state } from "./state.js";
import { $ } from "./dom.js";
import { updateMinimap } from "./minimap.js";

const MIN_TEXT_PX = 11;           // node text is never shown smaller than this at the start
const MAX_INITIAL_SCALE = 1.5;
const MAX_ZOOM = 8;               // screen pixels per point, zoomed in the most
const ZOOM_SETTLE = 150;          // ms after the last wheel event: the drawing is drawn at its new scale
const PRESENT_GAIN = 2;           // presentation mode: node text at least this many times the normal view's
const SWIPE_MS = 600;             // a touch moved at least SWIPE_PX sideways within this time is a swipe (a step),
const SWIPE_PX = 60;              // not a pan

/** The part of the drawing on screen: the view grown to the box's aspect ratio, centred
 *  (what an SVG viewBox with preserveAspectRatio "xMidYMid meet" shows). */
export function visibleArea(v = state.view.rect) {
  const { w: cw, h: ch } = state.view.box;
  const s = Math.min(cw / v.w, ch / v.h) || 1;
  const w = cw / s || v.w, h = ch / s || v.h;
  return { x: v.x - (w - v.w) / 2, y: v.y - (h - v.h) / 2, w, h, s };
}

/** The scale a drawing starts at in a box of cw × ch pixels: fitted, but its node text
 *  (`nodeFont` drawing units) never below MIN_TEXT_PX, and a tiny graph never blown up
 *  past MAX_INITIAL_SCALE. */
function startScale(cw, ch, fit, nodeFont) {
  const scale = Math.min(cw / fit.w, ch / fit.h);
  const readable = MIN_TEXT_PX / (nodeFont || MIN_TEXT_PX);
  return scale < readable ? readable : Math.min(scale, MAX_INITIAL_SCALE);
}

/** The view a newly installed drawing starts at, in the graph box `box`. The whole graph
 *  when its node text is MIN_TEXT_PX or more that way; a bigger graph starts with its node
 *  text at that size, at its start (where the forward pass starts: its left, or its top
 *  when laid out top to bottom, over the column of the output `spine`, a box), with the
 *  overview map showing the rest, and the view then follows the current step.
 *  `nodeFont`: the node text's size in drawing units. In presentation mode the scale is at
 *  least PRESENT_GAIN times the one the normal layout's box would start at. */
export function startView(box, nodeFont, direction, spine, size = null) {
  state.drawing.start = { nodeFont, direction, spine };
  restartView(box, size);
}

/** The starting view again, in the box as it is now (presentation mode entered or left).
 *  `size`: the box's, if read before the drawing was put in it (reading it after lays out
 *  the whole drawing, once more than the first frame does). */
export function restartView(box, size = null) {
  const view = state.view, full = state.drawing.bounds, start = state.drawing.start;
  if (!full || !start) return;
  view.fitRect = { ...full };
  view.rect = { ...full };
  view.box = size || { w: box.clientWidth, h: box.clientHeight };
  if (!state.page.presenting) view.normalBox = { ...view.box };
  const fit = view.fitRect;
  const cw = view.box.w, ch = view.box.h;
  if (!(cw > 0)) return;
  const fitScale = Math.min(cw / fit.w, ch / fit.h);
  let s = startScale(cw, ch, fit, start.nodeFont);
  if (state.page.presenting) {
    const normal = view.normalBox && view.normalBox.w > 0 ? view.normalBox : view.box;
    s = Math.max(PRESENT_GAIN * startScale(normal.w, normal.h, fit, start.nodeFont),
      Math.min(fitScale, PRESENT_GAIN * MAX_INITIAL_SCALE));
  }
  const w = cw / s, h = ch / s;
  if (s > fitScale * 1.0001) {          // too big to fit: start at the start
    const mid = start.spine ? start.spine.x + start.spine.w / 2 : fit.x + fit.w / 2;
    view.rect = start.direction === "TB"
      ? { x: Math.max(fit.x, Math.min(fit.x + fit.w - w, mid - w / 2)), y: fit.y, w, h }
      : { x: fit.x, y: fit.y + (fit.h - h) / 2, w, h };
  } else {                              // fits: centred in the box; "fit" returns here
    view.rect = { x: fit.x - (w - fit.w) / 2, y: fit.y - (h - fit.h) / 2, w, h };
    view.fitRect = { ...view.rect };
  }
}

/** Pan (never zoom) so that a node is on screen: centre it when any part of it is off
 *  screen. Computed from the boxes measured at install, so it forces no layout. */
export function ensureVisible(id) {
  const view = state.view;
  const b = state.drawing.nodeBoxes.get(id);
  if (!b || !view.rect || !view.box.w) return;
  const a = visibleArea();
  if (b.x >= a.x && b.x + b.w <= a.x + a.w && b.y >= a.y && b.y + b.h <= a.y + a.h) return;
  view.rect = { ...view.rect, x: view.rect.x + (b.x + b.w / 2) - (a.x + a.w / 2), y: view.rect.y + (b.y + b.h / 2) - (a.y + a.h / 2) };
  applyView();
}

/** Show the view. The stage is the whole drawing at the view's zoom, moved by a CSS
 *  transform (a layer of its own, will-change): a pan moves the pixels already drawn. A
 *  zoom draws it all again at the new scale, so the text stays sharp; `quick` (a wheel
 *  gesture under way) scales the drawing as drawn, and draws it again once the gesture pauses. */
export function applyView({ quick = false } = {}) {
  const { view, drawing, timers } = state;
  clearTimeout(timers.zoomSettle);
  timers.zoomSettle = null;
  if (drawing.stage && view.rect && view.box.w) {
    const { x, y, s } = visibleArea();
    const f = drawing.bounds;
    const k = quick && view.drawnScale ? s / view.drawnScale : 1;
    if (k !== 1) timers.zoomSettle = setTimeout(applyView, ZOOM_SETTLE);
    else if (view.drawnScale !== s) {
      view.drawnScale = s;
      drawing.stage.style.width = `${f.w * s}px`;
      drawing.stage.style.height = `${f.h * s}px`;
      const m = `matrix(${s} 0 0 ${s} ${-f.x * s} ${-f.y * s})`;
      for (const v of drawing.viewports) v.setAttribute("transform", m);
      if (drawing.flow) drawing.flow.view.setAttribute("transform", m);
    }
    // Whole pixels: a layer moved by a fraction of one is resampled, and its text blurs.
    drawing.stage.style.transform = `translate(${Math.round((f.x - x) * s)}px, ${Math.round((f.y - y) * s)}px)` +
      (k !== 1 ? ` scale(${k})` : "");
    // The view in drawing units, for tools and tests.
    $("#graph").dataset.view = `${view.rect.x} ${view.rect.y} ${view.rect.w} ${view.rect.h}`;
  }
  updateMinimap(view.rect ? visibleArea() : null);
}

/** Move the view by a fraction of its size (keyboard panning). */
export function pan(fx, fy) {
  const view = state.view;
  if (!view.rect) return;
  view.rect = { ...view.rect, x: view.rect.x + fx * view.rect.w, y: view.rect.y + fy * view.rect.h };
  applyView();
}

/** Centre the view on a point of the drawing (a click on the overview map). */
export function centerOn(p) {
  const view = state.view;
  view.rect = { ...view.rect, x: p.x - view.rect.w / 2, y: p.y - view.rect.h / 2 };
  applyView();
}

/** Zoom by `factor` (below 1: in) about the drawing point (cx, cy), the view's centre by default. */
export function zoom(factor, cx, cy, { quick = false } = {}) {
  const view = state.view;
  if (!view.rect) return;
  const v = view.rect, fit = view.fitRect;
  // In as far as MAX_ZOOM screen pixels per point (or a 25th of the fitted view on a small
  // graph), out to four times the fitted view; a step never goes the other way (on a graph
  // too big to fit, a 25th of the whole drawing is wider than the starting view). Widths
  // as seen in the box: a tall drawing's own width is far less than its fitted view's.
  const seen = visibleArea(v).w, fitSeen = visibleArea(fit).w;
  const minW = Math.min(fitSeen / 25, (view.box.w || fitSeen) / MAX_ZOOM), maxW = fitSeen * 4;
  const w = factor < 1 ? Math.max(seen * factor, Math.min(seen, minW)) : Math.min(seen * factor, Math.max(seen, maxW));
  const f = w / seen;
  if (cx === undefined) { cx = v.x + v.w / 2; cy = v.y + v.h / 2; }
  view.rect = { x: cx - (cx - v.x) * f, y: cy - (cy - v.y) * f, w: v.w * f, h: v.h * f };
  applyView({ quick });
}

export function fitView() {
  const view = state.view;
  if (view.fitRect) { view.rect = { ...view.fitRect }; applyView(); }
}

/** The drawing point under a point on screen (the box shows visibleArea()). */
function drawingPoint(box, clientX, clientY) {
  const a = visibleArea(), r = box.getBoundingClientRect();
  return { x: a.x + (clientX - r.left - box.clientLeft) / a.s, y: a.y + (clientY - r.top - box.clientTop) / a.s };
}

/** Wheel and buttons zoom, a drag or Shift+arrows pan, two fingers pinch to zoom; a click
 *  (no drag) on a node calls `onNodeClick(id)`, a quick sideways swipe of one finger
 *  `onSwipe(+1)` (to the left: the next step) or `onSwipe(-1)`. */
export function initPanZoom(onNodeClick, onSwipe) {
  const box = $("#graph");
  box.addEventListener("wheel", (e) => {
    const svg = $("svg", box);
    if (!svg) return;
    e.preventDefault();
    const p = drawingPoint(box, e.clientX, e.clientY);
    zoom(Math.exp(e.deltaY * 0.0015), p.x, p.y, { quick: true });
  }, { passive: false });
  let drag = null, pinch = null;
  const touches = new Map();          // pointer id -> its last point, while down
  const spread = () => { const [a, b] = touches.values(); return { d: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }; };
  box.addEventListener("pointerdown", (e) => {
    const svg = $("svg", box);
    if (!svg || e.button !== 0) return;
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (touches.size === 2) {          // a second finger: the pan gives way to a pinch
      drag = null;
      pinch = spread();
      box.setPointerCapture(e.pointerId);
      return;
    }
    if (touches.size > 2) return;
    drag = { x: e.clientX, y: e.clientY, rect: { ...state.view.rect }, moved: false, id: e.pointerId,
      touch: e.pointerType === "touch", t: performance.now() };
  });
  box.addEventListener("pointermove", (e) => {
    if (touches.has(e.pointerId)) touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pinch && touches.size === 2) {
      const now = spread();
      if (now.d > 0 && pinch.d > 0) {
        const p = drawingPoint(box, now.x, now.y);
        zoom(pinch.d / now.d, p.x, p.y, { quick: true });
      }
      pinch = now;
      return;
    }
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) { drag.moved = true; box.classList.add("dragging"); box.setPointerCapture(drag.id); }
    const scale = 1 / visibleArea(drag.rect).s;
    state.view.rect = { ...drag.rect, x: drag.rect.x - dx * scale, y: drag.rect.y - dy * scale };
    applyView();
  });
  const end = (e) => {
    touches.delete(e.pointerId);
    if (pinch) { if (touches.size < 2) { pinch = null; applyView(); } return; }
    if (!drag) return;
    const was = drag;
    drag = null;
    box.classList.remove("dragging");
    const dx = e.clientX - was.x, dy = e.clientY - was.y;
    if (was.touch && onSwipe && performance.now() - was.t < SWIPE_MS && Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > 2 * Math.abs(dy)) {
      state.view.rect = was.rect;      // a swipe steps; the view stays where it was
      applyView();
      onSwipe(dx < 0 ? 1 : -1);
    } else if (!was.moved) {
      const g = e.target.closest && e.target.closest("g.node");
      if (g && g.dataset.node !== undefined) onNodeClick(Number(g.dataset.node));
    }
  };
  box.addEventListener("pointerup", end);
  box.addEventListener("pointercancel", (e) => { touches.delete(e.pointerId); drag = null; pinch = null; box.classList.remove("dragging"); });
  box.addEventListener("keydown", (e) => {
    const PAN = { ArrowLeft: [-0.2, 0], ArrowRight: [0.2, 0], ArrowUp: [0, -0.2], ArrowDown: [0, 0.2] };
    if (e.shiftKey && PAN[e.key]) { pan(...PAN[e.key]); e.preventDefault(); }
    else if (e.key === "+" || e.key === "=") { zoom(1 / 1.25); e.preventDefault(); }
    else if (e.key === "-" || e.key === "_") { zoom(1.25); e.preventDefault(); }
    else if (e.key === "0") { fitView(); e.preventDefault(); }
  });
  $("#zoom-in").onclick = () => zoom(1 / 1.25);
  $("#zoom-out").onclick = () => zoom(1.25);
  $("#zoom-fit").onclick = fitView;
}
