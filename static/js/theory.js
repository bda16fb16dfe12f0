// Theory beside the RNN's measured gradients: the edge of chaos along the scale slider (mean field)
// and the singular spectrum of dh_T/dh_0 for gaussian and orthogonal W.
import * as plots from "./plots.js";
import { fromLog10, powerTicks } from "./format.js";

const INIT_STYLE = {
  gaussian: { name: "gaussian W", color: "#D55E00" },
  orthogonal: { name: "orthogonal W", color: "#0072B2" },
  identity: { name: "identity × scale", color: "#009E73" },
};
const VANISH = "#92c5de";
const EXPLODE = "#f4a582";

// A strip under the scale slider: blue where the mean-field chi < 1 (gradients vanish), red where chi > 1,
// and a tick at the edge of chaos chi = 1. `bar` is the strip, `note` the text under it.
export function drawChaosBar(bar, note, mf, { lo, hi }, applies) {
  const at = (s) => `${(100 * (s - lo)) / (hi - lo)}%`;
  const stops = [];
  mf.scale.forEach((s, i) => {
    const colour = mf.chi[i] < 1 ? VANISH : EXPLODE;
    const prev = stops[stops.length - 1];
    if (!prev || prev.colour !== colour) stops.push({ colour, from: s });
  });
  bar.style.background = `linear-gradient(to right, ${stops.map((p, i) => {
    const end = i + 1 < stops.length ? at(stops[i + 1].from) : "100%";
    return `${p.colour} ${at(p.from)} ${end}`;
  }).join(", ")})`;
  bar.replaceChildren();
  if (mf.edge_of_chaos !== null) {
    const tick = document.createElement("span");
    tick.className = "edge";
    tick.style.left = at(mf.edge_of_chaos);
    bar.appendChild(tick);
  }
  const edge = mf.edge_of_chaos === null
    ? "χ < 1 on the whole slider: this activation's gradients vanish at every scale."
    : `Edge of chaos χ = 1 at scale ${mf.edge_of_chaos.toPrecision(4)}.`;
  note.textContent = `Mean field: blue χ < 1 (vanishing), red χ > 1. ${edge}` +
    (applies ? "" : " (For random W; the identity init is not.)");
}

// Histogram of log10 singular values, one per init, on a shared axis; the mean-field root mean square
// singular value chi^(T/2) marked.
export function spectrumFigure(d) {
  const values = d.spectra.map((s) => s.log10_values.filter((x) => x !== null));
  let lo = Math.min(...values.flat()), hi = Math.max(...values.flat());
  if (!(lo <= hi)) { lo = -1; hi = 1; }
  // One set of bins for every init, so the bars compare; at least a tenth of a decade wide.
  const size = Math.max(0.1, (hi - lo) / 40);
  const xbins = { start: lo - size / 2, end: hi + size / 2, size };
  const traces = d.spectra.map((s, i) => ({
    type: "histogram", name: `${INIT_STYLE[s.init].name}: ${spread(s.log10_values)}`, x: values[i], xbins,
    opacity: 0.6, marker: { color: INIT_STYLE[s.init].color }, hovertemplate: "σ ≈ 10^%{x}: %{y} values<extra></extra>",
  }));
  const pad = Math.max(0.5, 0.05 * (hi - lo));
  const shapes = [], annotations = [];
  if (d.log10_mean_field !== null) {
    const x = d.log10_mean_field;
    shapes.push({ type: "line", x0: x, x1: x, yref: "paper", y0: 0, y1: 1, line: { dash: "dash", color: plots.COLORS.bound } });
    annotations.push({ x, yref: "paper", y: 1, xanchor: "right", yanchor: "bottom", text: `mean field χ^(T/2) = ${fromLog10(x)}`, showarrow: false });
    lo = Math.min(lo, x); hi = Math.max(hi, x);
  }
  return {
    data: traces,
    layout: {
      ...plots.BASE, title: { text: "Singular values of ∂h_T/∂h_0", y: 0.98, yanchor: "top" }, barmode: "overlay",
      margin: { l: 50, r: 10, t: 80, b: 45 }, legend: { orientation: "h", x: 0, y: 1.08, yanchor: "bottom" },
      xaxis: { title: { text: "singular value σ_i" }, range: [lo - pad, hi + pad], ...powerTicks(lo - pad, hi + pad) },
      yaxis: { title: { text: "count" } }, shapes, annotations,
    },
  };
}

// "3.6 decades": how far the nonzero singular values spread.
function spread(values) {
  const v = values.filter((x) => x !== null);
  if (!v.length) return "all zero";
  const zeros = values.length - v.length;
  return `${(v[0] - v[v.length - 1]).toFixed(1)} decades${zeros ? `, ${zeros} exactly 0` : ""}`;
}

export function spectrumNote(d) {
  const by = Object.fromEntries(d.spectra.map((s) => [s.init, s.log10_values]));
  const width = (v) => { const f = v.filter((x) => x !== null); return f.length ? f[0] - f[f.length - 1] : 0; };
  const g = width(by.gaussian), o = width(by.orthogonal);
  return `Gaussian W: the singular values span ${g.toFixed(1)} decades; orthogonal W: ${o.toFixed(1)}.` +
    (o < g ? " Orthogonal weights keep the directions closer together (dynamical isometry)." : "");
}
