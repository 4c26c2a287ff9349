/* Every field the page keeps, declared once and grouped. Modules read and write these
 * fields and add none. Counters kept for the benchmark and the tests live apart, in
 * `counters`, so that app state holds only what the page needs. */

export const state = {
  /** The program shown and its trace. */
  doc: {
    trace: null,          // last good /api/trace answer
    source: "",           // the program that answer belongs to
    variant: null,        // what else /api/trace was asked (e.g. {unroll: true}); null: the program as written
    encodedSource: "",    // that program URI-encoded, once per run (for the address)
    error: null,          // {line, col, message} of the last failed run, marked in the editor
    errorShown: null,     // the error the error box shows (told again after a switch of language)
    warningsShown: [],    // the warnings shown under the editor (likewise)
    examples: [],         // the worked examples, read from the page's JSON
    runs: 0,              // finished runs, shown as body[data-runs] so tests and tools can wait on it
    stepIndex: null,      // per-step change lists (see indexSteps in steps.js)
    at: null,             // the training iteration whose parameters the trace shows (null: the program's own)
    init: null,           // the initialization the trace was made with (null: as written; see tips.js)
    drawingApart: true,   // the trace packed and shown first, the drawing asked for after it (false:
                          // one /api/trace answer with both, as before; the benchmark compares the two)
  },

  /** The page's chosen view (studio/views.js). */
  page: {
    view: "graph",        // "graph", or a lab: "train", "tips"
    theme: "light",       // "light" or "dark" (studio/theme.js)
    presenting: false,    // presentation mode: the graph and the step's panel, large (studio/present.js)
    savedView: null,      // the view shown before presentation mode, {rect, fitRect, drawing}: leaving it goes back there
  },

  /** The Train view (studio/train*.js): its settings, the last answers, what is picked. */
  train: {
    options: null,        // GET /api/train/options: the lab's examples, optimizers and schedules with their defaults, limits
    runs: [],             // the runs' settings: {optimizer, hyper: {name: text typed}}, in order
    schedule: { name: "constant", params: {} },   // one schedule for every run (params: text typed)
    steps: 100,           // updates per run
    logScale: true,       // the loss axis on a log scale
    result: null,         // the last /api/train answer
    key: "",              // the program and settings that answer belongs to (JSON)
    error: null,          // the message of the last refused request
    iteration: 0,         // the slider: the iteration shown everywhere in the view
    param: null,          // the update panel's parameter (name)
    entry: 0,             // ... and its entry (flat index)
    inspected: [],        // per run, the inspection answer at the iteration shown (or null)
    inspectSeq: 0,        // requests sent, so a late answer for an older iteration is dropped
    body: null,           // the request that answer came from: inspections, slices and maps reuse it
    slice: { x: null, y: null, answer: null, seq: 0, timer: null },   // coordinates {name, entry}, the answer, its request

    lrmap: { optimizer: "sgd", min: "1e-3", max: "1", count: 9, momenta: "0, 0.5, 0.9, 0.99", answer: null },
    vectors: { run: 0, a: 0, b: 1 },   // the word-vector plot: the run and the two entries drawn
    openRun: 0,           // the run whose iteration "open in the graph" traces
    at: null,             // the graph view shows this iteration: {steps, runs, run, iteration, label}
    plots: [],            // the uPlot charts shown (loss, learning rate, gradient norm)
    built: false,         // whether the view's DOM is built
    timer: null,          // the pending inspection after a slider move
  },

  /** What is on screen: the step, the selection, and the part of the drawing shown. */
  view: {
    step: 0,              // steps applied (0 = nothing computed)
    selected: null,       // node picked by click (null: follow the current step)
    shown: null,          // what the DOM shows: {step, current, selected}, or null when it must all be redrawn
    rect: null,           // the part of the drawing asked for, in drawing units {x, y, w, h}
    fitRect: null,        // where "fit" returns to, in drawing units
    box: { w: 0, h: 0 },  // the graph box's size in pixels, kept by a ResizeObserver (never read while stepping)
    normalBox: null,      // the box's size out of presentation mode, {w, h}: presentation scales from it
    drawnScale: null,     // the zoom the layers are drawn at (pixels per drawing unit)
    address: null,        // the address (#program=…&step=…) last written
  },

  /** The installed drawing: the elements a step changes, and what was measured once. */
  drawing: {
    bounds: null,         // the whole drawing in drawing units {x, y, w, h}
    start: null,          // what the starting view is chosen from: {nodeFont, direction, spine}
    stage: null,          // the box holding the drawing's layers: its CSS transform is the pan
    viewports: [],        // per layer, the <g> around it: its transform is the zoom
    flow: null,           // the layer of moving dashes: {view, layer, node}
    nodes: new Map(),     // node id -> {g, texts, key}
    edges: new Map(),     // edge id -> {g, val, grad, key}
    nodeBoxes: new Map(), // node id -> its box in drawing units, measured when the graph is installed
    minimap: null,        // the overview map: {svg, over, view, nodes, current}
  },

  /** The collapsed drawing (studio/groups.js): one box per statement, some expanded in place. */
  groups: {
    level: "auto",        // asked of the server: "auto", "nodes" or "statements"
    records: new Map(),   // group id -> {g, texts, copies, key}: its box and the copies of it
    into: new Map(),      // group id -> the edges into its box
    insets: new Map(),    // group id -> {layer, viewport, nodes, edges}: expanded in place
    shown: new Map(),     // the groups drawn current or picked (group id -> true)
    panel: null,          // what the statement box in the panel shows
  },

  /** The topological order list. */
  order: {
    rows: new Map(),      // node id -> {li, row, key, paint}: li null while a long list has it out of view
    virtual: null,        // a long list: {doc, onPick, ids, first, last}, only the rows in view in the page
    pitch: null,          // {first, height} of its equal rows in pixels; null: scroll with scrollIntoView
    height: 0,            // the list's visible height in pixels
  },

  /** The node panel. */
  panel: {
    key: null,            // what the shown panel shows (see panelKey in panel-content.js)
    scrolled: false,      // whether the node panel is scrolled (a step then keeps that scroll)
  },

  /** The walkthrough dialog (studio/walkthrough.js). */
  walkthrough: {
    busy: false,          // a walkthrough is being made: its Download button waits
  },

  /** The Tips view (studio/tips.js, tips-layers.js, tips-explorer.js). */
  tips: {
    part: "layers",       // the part shown: "layers", "activations" or "vectorize"
    init: "written",      // the layer view's initialization: "written", "naive", "xavier", "he", "zeros", or "compare" (the four side by side)
    layers: new Map(),    // /api/layers answers: key (the inits asked, then the source) -> its `inits`
    asked: null,          // the key of the /api/layers call under way (source and inits)
    activations: null,    // /api/activations' nonlinearities, fetched once (null: not yet, [] when it failed)
    act: null,            // the nonlinearity the explorer shows (an op name)
    actNode: null,        // the node whose inputs the explorer marks (null: none)
    vectorized: null,     // the vectorization card's last answer: {source, res} (studio/vectorize.js)
    built: false,         // whether the view's frame is built
  },

  timers: {
    play: null,           // the playback interval
    zoomSettle: null,     // draws the drawing again at its new scale once a wheel gesture pauses
    panelCatchUp: null,   // builds the panel a held key left behind
    address: null,        // writes the address once stepping pauses
    addressDue: 0,        // when that write is due (performance.now())
    toast: null,          // hides the toast
  },

  caches: {
    tex: new Map(),       // latex -> its rendered span, copied for each use
    prepared: {           // panels prepared while idle (see prepare.js)
      trace: null,        // the trace they belong to
      ready: new Map(),   // panel key -> a standby pane holding that panel
      free: [],           // standby panes holding nothing needed
      queue: [],          // panels still to prepare: {key, id, step}
      job: null,          // the panel being prepared: {key, pane, parts}
      idle: null,         // the pending idle callback's handle
    },
    standby: [],          // the standby panes, under the node panel
    standbyIds: 0,        // ids handed to the titles of standby panes
    savedTabIndex: new WeakMap(),   // element -> its tabindex while out of the Tab order (null: none)
  },
};

/** Measured by the benchmark and the tests, not read by the page. */
export const counters = {
  prepMs: 0,              // time spent preparing panels while idle, ms
  prepUsed: 0,            // steps that found their panel prepared
  prepLongest: 0,         // the longest single chunk of idle work, ms
};

/** The step shown (null at step 0, before anything is computed). */
export function currentStep() {
  const { trace } = state.doc;
  return trace && state.view.step > 0 ? trace.steps[state.view.step - 1] : null;
}
