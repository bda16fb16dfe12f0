// Figure builders: plain data in, Plotly figure out. They know log10 magnitudes, not models or state.
import { fromLog10, powerTicks, powerLabel } from "./format.js";
import { t } from "./i18n.js";
import { fileStem } from "./names.js";

// One fixed diverging scale for every heatmap: white at 10^0, blue vanishing, red exploding
// (ColorBrewer RdBu, colour-blind safe). Values beyond the domain saturate.
export const ZMAX = 10;
const RDBU = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
  "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"];
const COLORSCALE = RDBU.map((c, i) => [i / (RDBU.length - 1), c]);
// Line colours from Okabe & Ito's palette, told apart with any colour-vision deficiency (the GRU is black:
// a purple beside the RNN's blue looks the same blue to protanopes).
export const COLORS = { rnn: "#0072B2", lstm: "#D55E00", gru: "#000000", bound: "#555555", cell: "#009E73", ref: "#CC79A7" };

const FONT = { family: "system-ui, sans-serif", size: 13 };
export const BASE = { uirevision: "keep", font: FONT, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff" };
// The modebar downloads PNG (its camera) and SVG (the arrow), named after the view, its state and the plot.
const imageName = (gd) => `${fileStem()}_${(gd.id || "plot").replace(/^plot-/, "")}`;
const SVG_BUTTON = {
  name: "downloadSVG", title: t("Download plot as SVG"),
  icon: { width: 1000, height: 1000, path: "M440 80h120v440h150L500 760 290 520h150zM120 820h760v100H120z" },
  click: (gd) => Plotly.downloadImage(gd, { format: "svg", filename: imageName(gd) }),
};
export const CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToAdd: [SVG_BUTTON] };
// CONFIG for one plot element: its PNG named like its SVG.
export const configFor = (el) => ({ ...CONFIG, toImageButtonOptions: { filename: imageName(el) } });

// A title at the top and the legend right under it, both above the plot. The legend is placed in the
// container, so Plotly moves the plot down by however many rows its entries wrap into at the plot's
// width (a fixed margin cannot know that: long names, narrow screens). A top margin of 40 holds the title.
export const topTitle = (text) => ({ text, y: 0.98, yanchor: "top" });
export const TOP_LEGEND = { orientation: "h", x: 0, xanchor: "left", yref: "container", y: 0.9, yanchor: "top" };

// Text of `size` px as wide as about this many px: 0.55 em a Latin letter, 1 em a CJK one.
const textPx = (text, size) => size * [...text].reduce((sum, c) => sum + (/[\u2e80-\u9fff\uff00-\uffef]/.test(c) ? 1 : 0.55), 0);
// `text` broken with <br> at the space nearest its middle (or at its middle when it has none).
function halves(text) {
  const middle = text.length / 2;
  const spaces = [...text].map((c, i) => (c === " " ? i : -1)).filter((i) => i > 0);
  const at = spaces.length ? spaces.reduce((a, b) => (Math.abs(b - middle) < Math.abs(a - middle) ? b : a)) : Math.round(middle);
  return `${text.slice(0, at)}<br>${text.slice(at).trimStart()}`;
}

// A legend entry wider than its plot (a phone) is broken in two the same way; Plotly lays the legend out again.
function wrapLegend(fig, width) {
  const size = fig.layout.legend?.font?.size ?? fig.layout.font?.size ?? FONT.size;
  const room = width - 60; // the entry's line sample and padding
  if (!fig.data.some((tr) => tr.name && !tr.name.includes("<br>") && textPx(tr.name, size) > room)) return fig;
  const data = fig.data.map((tr) => (tr.name && !tr.name.includes("<br>") && textPx(tr.name, size) > room ? { ...tr, name: halves(tr.name) } : tr));
  return { ...fig, data };
}

// A title wider than its plot (a phone) breaks at the space nearest its middle; the legend under it and the
// plot move down by the added line. Widths are estimated: about 0.55 em a Latin letter, 1 em a CJK one.
export function wrapTitle(fig, width, height) {
  if (!width) return fig;
  fig = wrapLegend(fig, width);
  const title = fig.layout.title;
  const text = typeof title === "string" ? title : title?.text;
  if (!text || text.includes("<br>")) return fig;
  const size = title.font?.size ?? 1.4 * (fig.layout.font?.size ?? FONT.size); // Plotly's default title size
  if (textPx(text, size) <= width - 16) return fig;
  const wrapped = halves(text);
  const line = 1.2 * size;
  const layout = { ...fig.layout, title: { ...(typeof title === "string" ? {} : title), text: wrapped } };
  // Plotly anchors a title's first line: a top-anchored title of two lines needs the second one's room.
  if (layout.title.yanchor === "top" && height) layout.title.y = (layout.title.y ?? 1) - line / height;
  if (layout.margin) layout.margin = { ...layout.margin, t: (layout.margin.t ?? 40) + line };
  if (layout.legend?.yref === "container" && height) layout.legend = { ...layout.legend, y: layout.legend.y - line / height };
  return { ...fig, layout };
}

function colorbar() {
  const vals = [-ZMAX, -ZMAX / 2, 0, ZMAX / 2, ZMAX];
  const text = vals.map(powerLabel);
  text[0] = "≤" + text[0];
  text[text.length - 1] = "≥" + text[text.length - 1];
  return { tickvals: vals, ticktext: text, thickness: 14 };
}

// Values are log10 magnitudes: -Infinity is an exact zero, NaN (or null) is "not defined".
const isValue = (v) => v !== null && Number.isFinite(v);

function finiteRange(arrays) {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (const v of a) if (isValue(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return lo <= hi ? [lo, hi] : [-1, 1];
}

function check2d(z, rows, cols, name) {
  if (!Array.isArray(z) || z.length !== rows.length || (z.length && z[0].length !== cols.length)) {
    throw new Error(`${name}: expected a ${rows.length} x ${cols.length} array`);
  }
}

// Ticks at about `count` evenly spread positions of an index axis, labelled with the steps they stand for.
function stepTicks(steps, count = 6) {
  const last = steps.length - 1;
  const at = [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * last) / (count - 1))))];
  return { tickmode: "array", tickvals: at, ticktext: at.map((i) => String(steps[i])) };
}

// A heatmap of log10 magnitudes at the given row and column steps. Cells sit at index positions
// (Plotly draws a uniform grid as one image, far faster than bricks at sampled coordinates);
// ticks and hover name the real steps. Exact zeros take the bottom colour; undefined cells stay blank.
export function heatmap(z, { title, rows, cols, xTitle, yTitle, hoverX, hoverY }) {
  check2d(z, rows, cols, title);
  const shown = z.map((row) => Float32Array.from(row, (v) => (v === -Infinity ? -ZMAX - 1 : v)));
  const text = z.map((row, r) => Array.from(row, (v, c) => (Number.isNaN(v) ? "" : `${hoverX} ${cols[c]}, ${hoverY} ${rows[r]}: ${fromLog10(v)}`)));
  return {
    data: [{
      type: "heatmap", z: shown, text, zmin: -ZMAX, zmax: ZMAX, colorscale: COLORSCALE,
      colorbar: colorbar(), hovertemplate: "%{text}<extra></extra>", hoverongaps: false,
    }],
    layout: {
      ...BASE, title: { text: title }, margin: { l: 55, r: 10, t: 40, b: 45 },
      xaxis: { title: { text: xTitle }, ...stepTicks(cols) },
      yaxis: { title: { text: yTitle }, ...stepTicks(rows) },
    },
  };
}

export function pairsFigure(p, title) {
  return heatmap(p.log10_norm, {
    title, rows: p.t, cols: p.k, xTitle: t("source step k"), yTitle: t("target step t"), hoverX: "k", hoverY: "t",
  });
}

export function unitsFigure(u, title) {
  return heatmap(u.log10_abs, {
    title, rows: u.i, cols: u.k, xTitle: t("step k"), yTitle: t("unit i"), hoverX: "k", hoverY: t("unit"),
  });
}

// Line traces over k = 0..T of log10 values, hover in plain numbers.
export function line(values, name, style = {}) {
  const y = Array.from(values, (v) => (isValue(v) ? v : null)); // exact zeros leave a gap
  return {
    type: "scatter", mode: "lines", name, x: y.map((_, k) => k), y,
    text: Array.from(values, fromLog10), hovertemplate: `${name}<br>k %{x}: %{text}<extra></extra>`, ...style,
  };
}

// The y range follows the measured curves; reference lines (meta: "overlay", e.g. a loose bound)
// may run off the chart rather than squash the curves.
export function logLinesFigure(traces, { title, xTitle }) {
  const measured = traces.filter((tr) => tr.meta !== "overlay");
  const [lo, hi] = finiteRange((measured.length ? measured : traces).map((tr) => tr.y));
  const pad = Math.max(1, (hi - lo) * 0.1);
  return {
    data: traces,
    layout: {
      ...BASE, title: topTitle(title), margin: { l: 60, r: 10, t: 40, b: 45 }, legend: TOP_LEGEND,
      xaxis: { title: { text: xTitle } },
      yaxis: { title: { text: t("magnitude") }, range: [lo - pad, hi + pad], ...powerTicks(lo - pad, hi + pad) },
    },
  };
}

// Many unit curves over the steps `cols` as one trace, separated by gaps.
export function bundle(rows, cols, name, style) {
  const x = [], y = [];
  for (const row of rows) {
    row.forEach((v, c) => { x.push(cols[c]); y.push(isValue(v) ? v : null); });
    x.push(null); y.push(null);
  }
  return { type: "scatter", mode: "lines", name, x, y, hoverinfo: "skip", ...style };
}

// phi and phi' of one activation (curve: {a, phi, dphi, gamma}) with sup phi' marked; `extra` traces
// show where a run's pre-activations fall (markers on phi', or a histogram on the axis y2).
export function activationFigure(curve, extra, title = t("Activation and its derivative")) {
  const { a, gamma } = curve;
  return {
    data: [
      { type: "scatter", mode: "lines", name: "φ(a)", x: a, y: curve.phi, line: { color: "#555" }, hoverinfo: "skip" },
      { type: "scatter", mode: "lines", name: "φ′(a)", x: a, y: curve.dphi, line: { color: COLORS.rnn, width: 3 }, hovertemplate: "a %{x:.2f}: φ′ %{y:.3g}<extra></extra>" },
      ...extra,
    ],
    layout: {
      ...BASE, title: topTitle(title), margin: { l: 50, r: 50, t: 40, b: 45 }, legend: TOP_LEGEND,
      xaxis: { title: { text: t("pre-activation a") }, range: [a[0], a[a.length - 1]] },
      yaxis: { title: { text: "φ, φ′" }, range: [-1.1, 1.6] },
      yaxis2: { overlaying: "y", side: "right", rangemode: "tozero", tickformat: ".1%", showgrid: false },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: gamma, y1: gamma, line: { dash: "dot", color: "#767676" } }],
      annotations: [{ xref: "paper", x: 1, y: gamma, xanchor: "right", yanchor: "bottom", text: `sup φ′ = ${gamma}`, showarrow: false }],
    },
  };
}
