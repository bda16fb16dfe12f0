// Figure builders: plain data in, Plotly figure out. They know log10 magnitudes, not models or state.
import { fromLog10, powerTicks, powerLabel } from "./format.js";

// One fixed diverging scale for every heatmap: white at 10^0, blue vanishing, red exploding
// (ColorBrewer RdBu, colour-blind safe). Values beyond the domain saturate.
export const ZMAX = 10;
const RDBU = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
  "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"];
const COLORSCALE = RDBU.map((c, i) => [i / (RDBU.length - 1), c]);
export const COLORS = { rnn: "#0072B2", lstm: "#D55E00", bound: "#555555", cell: "#009E73", ref: "#CC79A7" };

const FONT = { family: "system-ui, sans-serif", size: 13 };
const BASE = { uirevision: "keep", font: FONT, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff" };
export const CONFIG = { responsive: true, displaylogo: false };

function colorbar() {
  const vals = [-ZMAX, -ZMAX / 2, 0, ZMAX / 2, ZMAX];
  const text = vals.map(powerLabel);
  text[0] = "≤" + text[0];
  text[text.length - 1] = "≥" + text[text.length - 1];
  return { tickvals: vals, ticktext: text, thickness: 14 };
}

function finiteRange(arrays) {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (const v of a) if (v !== null) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return lo <= hi ? [lo, hi] : [-1, 1];
}

function check2d(z, name) {
  if (!Array.isArray(z) || (z.length && !Array.isArray(z[0]))) throw new Error(`${name}: expected a 2-D array`);
}

// A heatmap of log10 magnitudes; `inside(r, c)` says whether a null cell is an exact zero
// (drawn at the bottom of the scale) rather than undefined (left blank).
export function heatmap(z, { title, x, y, inside, xTitle, yTitle, hoverX, hoverY }) {
  check2d(z, title);
  const shown = z.map((row, r) => row.map((v, c) => (v === null && inside(r, c) ? -ZMAX - 1 : v)));
  const text = z.map((row, r) => row.map((v, c) => (v === null && !inside(r, c) ? "" : fromLog10(v))));
  return {
    data: [{
      type: "heatmap", z: shown, text, zmin: -ZMAX, zmax: ZMAX, colorscale: COLORSCALE, colorbar: colorbar(),
      hovertemplate: `${hoverX} %{x}, ${hoverY} %{y}: %{text}<extra></extra>`, hoverongaps: false,
    }],
    layout: {
      ...BASE, title: { text: title }, margin: { l: 55, r: 10, t: 40, b: 45 },
      xaxis: { title: { text: xTitle }, range: x, constrain: "domain" },
      yaxis: { title: { text: yTitle }, range: y },
    },
  };
}

export function pairsFigure(z, title) {
  const n = z.length;
  return heatmap(z, {
    title, inside: (t, k) => k <= t, x: [-0.5, n - 0.5], y: [-0.5, n - 0.5],
    xTitle: "source step k", yTitle: "target step t", hoverX: "k", hoverY: "t",
  });
}

export function unitsFigure(z, title) {
  const steps = z.length ? z[0].length : 0;
  return heatmap(z, {
    title, inside: () => true, x: [-0.5, steps - 0.5], y: [-0.5, z.length - 0.5],
    xTitle: "step k", yTitle: "unit i", hoverX: "k", hoverY: "unit",
  });
}

export function emptyFigure(message) {
  return {
    data: [],
    layout: { ...BASE, xaxis: { visible: false }, yaxis: { visible: false }, margin: { l: 10, r: 10, t: 10, b: 10 },
      annotations: [{ text: message, showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5, font: { size: 14 } }] },
  };
}

// Line traces over k = 0..T of log10 values, hover in plain numbers.
export function line(y, name, style = {}) {
  return {
    type: "scatter", mode: "lines", name, x: y.map((_, k) => k), y,
    text: y.map(fromLog10), hovertemplate: `${name}<br>k %{x}: %{text}<extra></extra>`, ...style,
  };
}

export function logLinesFigure(traces, { title, xTitle }) {
  const [lo, hi] = finiteRange(traces.map((t) => t.y));
  const pad = Math.max(0.5, (hi - lo) * 0.05);
  return {
    data: traces,
    layout: {
      ...BASE, title: { text: title, y: 0.98, yanchor: "top" }, margin: { l: 60, r: 10, t: 80, b: 45 },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      xaxis: { title: { text: xTitle } },
      yaxis: { title: { text: "magnitude" }, range: [lo - pad, hi + pad], ...powerTicks(lo - pad, hi + pad) },
    },
  };
}

// Many unit curves as one trace, separated by gaps.
export function bundle(rows, name, style) {
  const x = [], y = [];
  for (const row of rows) {
    row.forEach((v, k) => { x.push(k); y.push(v); });
    x.push(null); y.push(null);
  }
  return { type: "scatter", mode: "lines", name, x, y, hoverinfo: "skip", ...style };
}
