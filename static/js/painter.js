// Figures reach the screen at the screen's pace. Each plot keeps only the newest figure it was given; every
// animation frame draws waiting plots, those on screen first and among them the one drawn least recently, until
// the frame's budget is spent. A plot off screen waits until the figures stop coming (the hand is still), so a
// drag spends every frame on what the user sees, and every figure on screen follows it.
//
// A figure that differs from the one a plot shows only in its data arrays (a new state of the same view) is
// drawn through Plotly's transition path, with no duration: the traces and axes move to the new numbers without
// the plot being rebuilt, the same picture at a fraction of the cost. When the layout is unchanged too, but for
// the range and ticks of an axis (as in most drags), only the traces are recomputed and redrawn, by their own
// Plotly modules (inplace.js): cheaper still, and heatmaps too (which Plotly cannot transition).
//
// Figures are submitted in batches (one state of the view): a batch's callbacks run when its first plot, and
// when all its plots, show its figures; a batch whose plot got a figure of another state before being drawn
// never completes.
import { projected } from "./present.js";
import { numbers, redrawInPlace, scalar } from "./inplace.js";
import { configFor, renameDownloads } from "./plots.js";

const BUDGET_MS = 40; // drawing per frame, after the first plot: a state on screen is best drawn in one frame
export const STILL_MS = 150; // no new figure for this long: the hand is still, and plots off screen are drawn

const waiting = new Map(); // plot element -> {fig, batches, resize, after}
const lastDrawn = new WeakMap(); // plot element -> time of its last draw (least recent goes first)
const shapeOf = new WeakMap(); // plot element -> the shape of the figure it shows (shape() below)
const shown = new WeakMap(); // plot element -> the data it shows, and a copy of its layout (see inplace.js)
const onScreen = new Set();
const watched = new WeakSet();
let lastSubmit = -Infinity;
let frameAsked = false;
let stillTimer = null;

const observer = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (e.isIntersecting) onScreen.add(e.target);
    else onScreen.delete(e.target);
  }
  ask();
});

function watch(el) {
  if (watched.has(el)) return;
  watched.add(el);
  observer.observe(el);
}

// A figure batch: `tag` names the state; onFirst(el) runs when its first plot is drawn, onAll() when every one is.
export class Batch {
  constructor(tag, { onFirst = () => {}, onAll = () => {} } = {}) {
    Object.assign(this, { tag, onFirst, onAll, open: new Set(), first: null, sealed: false });
  }

  // No more figures: onAll runs once every submitted plot is drawn (with onFirst, at once if there were none).
  seal() {
    this.sealed = true;
    if (this.first === null) this.onFirst(null);
    if (!this.open.size) this.onAll();
  }

  drawn(el) {
    this.open.delete(el);
    if (el === this.first) this.onFirst(el);
    if (this.sealed && !this.open.size) this.onAll();
  }
}

// Queues `fig` for plot `el` in `batch`; `resize`: fit the plot to its container after drawing (its siblings
// changed); `after(el)` runs once it is drawn.
export function submit(el, fig, batch, { resize = false, after = null } = {}) {
  watch(el);
  // A batch of the same state waiting on this plot (the view's and its side panels') is drawn by the newer figure.
  const batches = [batch, ...(waiting.get(el)?.batches ?? []).filter((b) => b !== batch && b.tag === batch.tag)];
  waiting.set(el, { fig, batches, resize, after });
  batch.open.add(el);
  batch.first ??= el;
  lastSubmit = performance.now();
  clearTimeout(stillTimer);
  stillTimer = setTimeout(ask, STILL_MS + 1);
  ask();
}

// Drops whatever `el` was waiting to draw (its plot is being cleared or removed).
export function forget(el) {
  for (const b of waiting.get(el)?.batches ?? []) b.open.delete(el);
  waiting.delete(el);
  shown.delete(el);
  shapeOf.delete(el);
  traceShapeOf.delete(el);
}

function ask() {
  if (frameAsked) return;
  frameAsked = true;
  requestAnimationFrame(frame);
}

const still = () => performance.now() - lastSubmit >= STILL_MS;

// The plot to draw next: a waiting one on screen, least recently drawn first; once still, any waiting one.
function pick() {
  let best = null;
  for (const el of waiting.keys()) {
    if (!el.isConnected) { forget(el); continue; }
    if (!onScreen.has(el) && !still()) continue;
    const rank = (onScreen.has(el) ? 0 : 1e12) + (lastDrawn.get(el) ?? -1);
    if (best === null || rank < best.rank) best = { el, rank };
  }
  return best?.el ?? null;
}

function frame() {
  frameAsked = false;
  const start = performance.now();
  let next = pick();
  while (next) {
    draw(next);
    if (performance.now() - start > BUDGET_MS) break;
    next = pick();
  }
  if (pick()) ask(); // otherwise what waits is off screen, and the timer set by submit() comes back for it
}

// A figure without its numbers: everything but its arrays of numbers or labels (data, axis ranges, tick values
// and texts), as JSON. Two figures of one shape differ only in what Plotly's transition path redraws.
const skeleton = (v) => (scalar(v) ? v : Array.isArray(v) ? v.map(skeleton)
  : Object.fromEntries(Object.entries(v).filter(([, x]) => !numbers(x)).map(([k, x]) => [k, skeleton(x)])));

const traceShapeOf = new WeakMap(); // plot element -> the shape of its traces alone
const heat = (fig) => fig.data.some((t) => t.type === "heatmap");

function draw(el) {
  const { fig, batches, resize, after } = waiting.get(el);
  waiting.delete(el);
  const f = projected(el, fig); // larger type and lines in presenter mode, titles fitted to a phone
  const traceForm = JSON.stringify(skeleton(f.data));
  const form = traceForm + JSON.stringify(skeleton(f.layout));
  const layoutCopy = JSON.parse(JSON.stringify(f.layout)); // before Plotly adds its own keys to the layout object
  const visible = f.data.map((t) => t.visible); // before a click on the legend changes it
  const moving = Boolean(el._fullLayout) && shapeOf.get(el) === form;
  // In place: the traces of one shape (the layout may differ where Plotly.relayout can move it, see inplace.js).
  const sameTraces = Boolean(el._fullLayout) && traceShapeOf.get(el) === traceForm;
  if (!(sameTraces && redrawInPlace(el, shown.get(el), f))) {
    const layout = moving && !heat(f) ? { ...f.layout, transition: { duration: 0 } } : f.layout;
    Plotly.react(el, f.data, layout, el._context ? undefined : configFor(el)); // the config once: see renameDownloads
  }
  renameDownloads(el);
  shapeOf.set(el, form);
  traceShapeOf.set(el, traceForm);
  shown.set(el, { data: f.data, layout: layoutCopy, visible });
  if (resize) Plotly.Plots.resize(el);
  lastDrawn.set(el, performance.now());
  el.dataset.state = batches[0].tag;
  after?.(el);
  for (const b of batches) b.drawn(el);
}
