// Theory beside the RNN's measured gradients: the edge of chaos along the scale slider (mean field)
// and the singular spectrum of dh_T/dh_0 for gaussian and orthogonal W.
import * as plots from "./plots.js";
import { fromLog10, powerTicks } from "./format.js";
import { sentences, t } from "./i18n.js";

const INIT_STYLE = {
  gaussian: { name: t("gaussian W"), color: "#D55E00" },
  orthogonal: { name: t("orthogonal W"), color: "#0072B2" },
  identity: { name: t("identity × scale"), color: "#009E73" },
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
    ? t("χ < 1 on the whole slider: this activation's gradients vanish at every scale.")
    : t("Edge of chaos χ = 1 at scale {scale}.", { scale: mf.edge_of_chaos.toPrecision(4) });
  note.textContent = sentences(t("Mean field: blue χ < 1 (vanishing), red χ > 1."), edge,
    applies ? "" : t("(For random W; the identity init is not.)"));
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
    type: "histogram", name: t("{init}: {spread}", { init: INIT_STYLE[s.init].name, spread: spread(s.log10_values) }), x: values[i], xbins,
    opacity: 0.6, marker: { color: INIT_STYLE[s.init].color }, hovertemplate: `${t("σ ≈ 10^%{x}: %{y} values")}<extra></extra>`,
  }));
  const pad = Math.max(0.5, 0.05 * (hi - lo));
  const shapes = [], annotations = [];
  if (d.log10_mean_field !== null) {
    const x = d.log10_mean_field;
    shapes.push({ type: "line", x0: x, x1: x, yref: "paper", y0: 0, y1: 1, line: { dash: "dash", color: plots.COLORS.bound } });
    annotations.push({
      x, yref: "paper", y: 1, xanchor: "right", yanchor: "top", text: t("mean field χ^(T/2) = {value}", { value: fromLog10(x) }),
      showarrow: false, bgcolor: "rgba(255,255,255,0.85)", // inside the plot: the legend is above it
    });
    lo = Math.min(lo, x); hi = Math.max(hi, x);
  }
  return {
    data: traces,
    layout: {
      ...plots.BASE, title: plots.topTitle(t("Singular values of ∂h_T/∂h_0")), barmode: "overlay",
      margin: { l: 50, r: 10, t: 40, b: 45 }, legend: plots.TOP_LEGEND,
      xaxis: { title: { text: t("singular value σ_i") }, range: [lo - pad, hi + pad], ...powerTicks(lo - pad, hi + pad) },
      yaxis: { title: { text: t("count") } }, shapes, annotations,
    },
  };
}

// "3.6 decades": how far the nonzero singular values spread.
function spread(values) {
  const v = values.filter((x) => x !== null);
  if (!v.length) return t("all zero");
  const zeros = values.length - v.length;
  const decades = (v[0] - v[v.length - 1]).toFixed(1);
  return zeros ? t("{decades} decades, {zeros} exactly 0", { decades, zeros }) : t("{decades} decades", { decades });
}

export function spectrumNote(d) {
  const by = Object.fromEntries(d.spectra.map((s) => [s.init, s.log10_values]));
  const width = (v) => { const f = v.filter((x) => x !== null); return f.length ? f[0] - f[f.length - 1] : 0; };
  const g = width(by.gaussian), o = width(by.orthogonal);
  return sentences(
    t("Gaussian W: the singular values span {gaussian} decades; orthogonal W: {orthogonal}.", { gaussian: g.toFixed(1), orthogonal: o.toFixed(1) }),
    o < g ? t("Orthogonal weights keep the directions closer together (dynamical isometry).") : "",
  );
}
