// A new state of a plot drawn in place: the traces recomputed and redrawn by their own Plotly modules, nothing else.
//
// During a drag most figures change only in their numbers: the layout (axes, ticks, titles, legend, colour bar)
// stays as it is. Plotly.react would still rebuild the defaults of every trace and of the layout, and redraw the
// axes, the legend and the titles: 15 to 30 ms a plot here. When the new figure has the same shape as the one
// shown, the same layout, and the same coordinates on every axis Plotly ranges automatically, only the traces can
// differ (and the range and ticks of an axis, which Plotly.relayout moves alone). Then each trace's numbers
// replace the old ones in Plotly's copies of the figure, and each trace module
// (scatter, bar, histogram, heatmap) computes and draws its traces as Plotly itself does in a full draw:
// `calc`, `crossTraceCalc` for each subplot, `plot` into its layer, `style`. The same code computes the same
// geometry, colours and paths: the same picture (a browser test compares the two pixel for pixel), in about a
// millisecond a plot. Hover, the PNG download and a later Plotly.react see the new state.
//
// These are Plotly's internal module methods (of the vendored, pinned Plotly.js): anything unexpected (a module
// without them, an exception) answers false, and the painter draws the figure with Plotly.react.

import { typedArray } from "./api.js";

export const scalar = (x) => x === null || typeof x !== "object";
const row = (v) => ArrayBuffer.isView(v) || (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object"));
// An array of numbers or labels: typed arrays, base64 typed arrays (format=compact), lists, and lists of rows
// (a heatmap's z, or its hover texts).
export const numbers = (v) => ArrayBuffer.isView(v) || typeof v?.bdata === "string"
  || (Array.isArray(v) && v.every((x) => scalar(x) || row(x)));

// (rows of a matrix: their number and the first one's length)
const length = (v) => (typeof v?.bdata === "string" ? `${v.dtype}:${v.shape ?? v.bdata.length}`
  : scalar(v[0]) ? v.length : `${v.length}x${v[0].length}`);

// The lengths of every array of numbers in a trace, as text: part of what must match (Plotly keeps lengths it
// derived from the arrays, such as a trace's number of points).
function lengths(v, out = []) {
  for (const [k, x] of Object.entries(v ?? {})) {
    if (numbers(x)) out.push(`${k}:${length(x)}`);
    else if (!scalar(x) && !Array.isArray(x)) lengths(x, out);
  }
  return out.join(",");
}

// Array equality by value (lists, typed arrays, rows of them), stopping at the first difference.
function same(a, b) {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a.bdata === "string" || typeof b.bdata === "string") return a.bdata === b.bdata && a.shape === b.shape;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (typeof x !== "object" || typeof y !== "object" || !same(x, y)) return false;
  }
  return true;
}

// The arrays of numbers of `from` (a new trace) that differ from those of `was` (the trace shown), each as
// [object, key, value] to set in `full` (Plotly's copy of the trace with its defaults); null if `full` lacks an
// object holding one of them.
function changedArrays(from, was, full, out = []) {
  for (const [k, x] of Object.entries(from)) {
    if (numbers(x)) {
      if (!same(x, was?.[k])) out.push([full, k, x]);
    } else if (!scalar(x) && !Array.isArray(x) && lengths(x)) {
      const inner = changedArrays(x, was?.[k], full[k] ?? {}, []);
      if (inner === null || (inner.length && (typeof full[k] !== "object" || full[k] === null))) return null;
      out.push(...inner);
    }
  }
  return out;
}

// What may move in place, set by Plotly.relayout, which redraws it alone: an axis's range and ticks.
const MOVABLE = /^([xy]axis[0-9]*\.(range|tickvals|ticktext)|shapes\[[0-9]+\]\.[xy][01])$/;

// What differs from layout `was` in layout `now`, as Plotly.relayout's updates; null when anything else differs.
function axisChanges(was, now, path = "", out = {}) {
  const keys = new Set([...Object.keys(was), ...Object.keys(now)]);
  for (const k of keys) {
    const [a, b] = [was[k], now[k]];
    const at = !path ? k : Array.isArray(was) ? `${path}[${k}]` : `${path}.${k}`;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (MOVABLE.test(at) && a !== undefined && b !== undefined) out[at] = b;
    else if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)
      && (!Array.isArray(a) || a.length === b.length)) {
      if (axisChanges(a, b, at, out) === null) return null;
    } else return null;
  }
  return out;
}

// A scatter or bar trace's number of points, as Plotly derives it: the shorter of x and y.
const pointsOf = (f) => Math.min(...["x", "y"].map((k) => f[k]?.length ?? Infinity));

// Whether figure `fig` may replace `shown` in place: plot `el` shows shown.data (of the same shape as fig) with
// the layout shown.layout (a copy taken before Plotly added its own keys to it); shown.visible: each trace's
// `visible` as the figure gave it. null: it may not; else whether an array's length changed (more layers, a
// longer run), so that Plotly's copies must be derived again from the figure.
function applies(el, shown, fig) {
  // A transition Plotly has not finished would set its own (older) paths after ours.
  if (!shown || el._transitioning) return null;
  const full = el._fullData;
  if (!full || full.length !== fig.data.length) return null;
  let resized = false;
  for (const [i, t] of fig.data.entries()) {
    const f = full[i];
    if (!f._module?.calc || !f._module?.plot) return null;
    const longer = lengths(t) !== lengths(shown.data[i]);
    // (a scatter trace's default mode depends on its number of points)
    if (longer && f.type === "scatter" && t.mode === undefined) return null;
    resized ||= longer;
    for (const letter of ["x", "y"]) {
      const axis = el._fullLayout[`${letter}axis${f[`${letter}axis`].slice(1)}`];
      // An axis Plotly ranges itself is not ranged again here (a heatmap's implied steps change with its size).
      if (!axis || (axis.autorange && (longer || !same(t[letter], shown.data[i][letter])))) return null;
    }
  }
  return { resized };
}

// Draws figure `fig` into plot `el` in place of `shown`; false (Plotly's copies untouched) where it does not apply.
export function redrawInPlace(el, shown, fig) {
  const axes = shown ? axisChanges(shown.layout, fig.layout) : null;
  const fit = axes === null ? null : applies(el, shown, fig);
  if (fit === null) return false;
  for (const key of Object.keys(axes).filter((k) => k.endsWith(".range"))) {
    const axis = key.split(".")[0];
    const now = el._fullLayout[axis]?.range;
    if (JSON.stringify(now) !== JSON.stringify(shown.layout[axis].range)) delete axes[key]; // the user zoomed: kept
  }
  const changes = fig.data.map((_, i) => changedArrays(fig.data[i], shown.data[i], el._fullData[i]));
  if (changes.some((c) => c === null)) return false;
  // Plotly's copies take the new arrays (the figures themselves are left as they are: views keep answers to
  // show them again); if anything fails from here, the plot is drawn whole. The figure first: moving ticks,
  // Plotly.relayout builds its copy with defaults again from it.
  el.data = fig.data.map((t, i) => {
    const old = el.data[i] ?? {};
    const kept = {}; // Plotly's id of the trace, and what a click on the legend set (kept, as uirevision does)
    if (old.uid !== undefined) kept.uid = old.uid;
    if (old.visible !== shown.visible[i]) kept.visible = old.visible;
    return Object.keys(kept).length ? { ...t, ...kept } : t;
  });
  try {
    if (Object.keys(axes).length) Plotly.relayout(el, axes);
    const full = el._fullData;
    const layout = el._fullLayout;
    for (const [obj, k, v] of changes.flat()) obj[k] = typedArray(v); // as Plotly makes it of a base64 array
    // New lengths: the number of points Plotly derived from x and y (scatter, bar) follows them.
    if (fit.resized) for (const f of full) if (typeof f._length === "number") f._length = pointsOf(f);
    // The traces of a module on a subplot are computed together (bars share positions, histograms bins). Where
    // none of them changed and no axis moved, they keep their calculation and their drawing (the loss surface
    // under the cliff's runs); a trace hidden from its legend is not drawn (as Plotly does).
    // (subplots overlaid on one another are drawn again together: their layers share the picture's pixels)
    const all = fit.resized || Object.values(layout._plots).some((p) => p.mainplot);
    const movedAxes = new Set(Object.keys(axes).filter((k) => !k.startsWith("shapes")).map((k) => k.split(".")[0]));
    const moved = (f) => [f.xaxis, f.yaxis].some((a) => movedAxes.has(`${a[0]}axis${a.slice(1)}`));
    const group = (f) => `${f.xaxis}${f.yaxis}:${f.type}`;
    const dirty = new Set(full.filter((f, i) => all || moved(f) || changes[i].length).map(group));
    const calcdata = full.map((f, i) => {
      if (f.visible !== true || !dirty.has(group(f))) return el.calcdata[i];
      const cd = f._module.calc(el, f);
      cd[0].trace = f;
      cd[0].t ??= {};
      return cd;
    });
    el.calcdata = calcdata;
    const subplots = new Map(); // subplot id -> module -> its traces' calcdata
    for (const cd of calcdata) {
      const f = cd[0].trace;
      if (f.visible !== true) continue;
      const id = f.xaxis + f.yaxis;
      if (!subplots.has(id)) subplots.set(id, new Map());
      const mods = subplots.get(id);
      if (!mods.has(f._module)) mods.set(f._module, []);
      mods.get(f._module).push(cd);
    }
    for (const [id, mods] of subplots) {
      const plotinfo = layout._plots[id];
      const redo = [...mods].filter(([, cds]) => cds.some((cd) => dirty.has(group(cd[0].trace))));
      for (const [mod] of redo) mod.crossTraceCalc?.(el, plotinfo);
      for (const [mod, cds] of redo) {
        const layer = plotinfo.plot.select(`g.${mod.layerName || `${mod.name}layer`}`);
        if (layer.empty()) throw new Error(`no layer for ${mod.name}`);
        mod.plot(el, plotinfo, cds, layer);
      }
    }
    for (const mod of new Set(full.map((f) => f._module))) mod.style?.(el);
  } catch (err) {
    console.warn("drawn whole:", err);
    return redrawWhole(el, fig);
  }
  return true;
}

// After a partial update, Plotly.react would see arrays it already holds as unchanged: a full redraw recomputes all.
function redrawWhole(el, fig) {
  el.layout = fig.layout;
  Plotly.redraw(el);
  return true;
}
