// The training lab's figures: plain run data in (what the events brought so far), Plotly figures out.
// d: {start, done, step[], loss[], lossMean[], accMean[], gnorm[], clipped[], random[], nonfinite[], far[],
// farMean[], omega[], snaps[]}, one entry per update (snaps: one per snapshot).
import * as plots from "./plots.js";
import { fromLog10, plain, powerTicks } from "./format.js";
import { t } from "./i18n.js";

const MAX_POINTS = 1500; // per drawn line; every update is kept, every n-th one drawn
const COLORS = { raw: "#9ecae1", line: plots.COLORS.rnn, clip: "#d6604d", bad: "#b2182b", base: "#555", omega: "#888" };

// Every n-th index so that at most MAX_POINTS are drawn (the last one always).
function thin(n) {
  const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
  const idx = [];
  for (let i = 0; i < n; i += stride) idx.push(i);
  if (n && idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

const pick = (values, idx) => idx.map((i) => values[i]);

function hline(y, color, dash, yref = "y") {
  return { type: "line", xref: "paper", x0: 0, x1: 1, yref, y0: y, y1: y, line: { color, width: 1.5, dash } };
}

function label(y, text, color, yref = "y", below = false) {
  return { xref: "paper", x: 1, yref, y, xanchor: "right", yanchor: below ? "top" : "bottom", text, showarrow: false, font: { color, size: 12 } };
}

// The title, then the legend under it (Plotly makes room for as many rows as its entries take; plots.js).
function layout(d, title, xTitle, extra) {
  return {
    ...plots.BASE, title: plots.topTitle(title), margin: { l: 60, r: 50, t: 40, b: 45 }, legend: plots.TOP_LEGEND,
    xaxis: { title: { text: xTitle }, range: [0, Math.max(2, d.start.config.iterations)] }, ...extra,
  };
}

// The loss's name as the server gives it ("MSE", "cross-entropy"), in the page's language.
export const lossName = (s) => (s.loss_name === "cross-entropy" ? t("cross-entropy") : s.loss_name);

export function lossFigure(d) {
  const s = d.start;
  const idx = thin(d.step.length);
  const x = pick(d.step, idx);
  const name = lossName(s);
  const mean = t("running mean");
  const data = [
    { type: "scatter", mode: "lines", name: t("{loss}, each minibatch", { loss: name }), x, y: pick(d.loss, idx), line: { color: COLORS.raw, width: 1 }, hovertemplate: `${t("update %{x}: %{y:.4g}")}<extra></extra>` },
    { type: "scatter", mode: "lines", name: mean, x, y: pick(d.lossMean, idx), line: { color: COLORS.line, width: 3 }, hovertemplate: `${t("update %{x}: %{y:.4g}")}<extra>${mean}</extra>` },
  ];
  const shapes = [hline(s.baseline_loss, COLORS.base, "dash")];
  // Log axis: shapes and annotations sit at log10 of the value.
  const at = Math.log10;
  const annotations = [label(at(s.baseline_loss), s.config.task === "adding"
    ? t("always 1: {loss}", { loss: s.baseline_loss.toFixed(3) }) : t("chance: ln 4 = {loss}", { loss: s.baseline_loss.toFixed(2) }), COLORS.base)];
  if (s.near_only_loss !== null) {
    shapes.push(hline(s.near_only_loss, COLORS.base, "dot"));
    annotations.push(label(at(s.near_only_loss), t("near marker only: {loss}", { loss: s.near_only_loss.toFixed(3) }), COLORS.base, "y", true));
  }
  const extra = {};
  if (s.config.task === "recall") {
    data.push({ type: "scatter", mode: "lines", name: t("accuracy (running mean)"), x, y: pick(d.accMean, idx), yaxis: "y2", line: { color: plots.COLORS.lstm, width: 2 }, hovertemplate: `${t("update %{x}: %{y:.1%}")}<extra>${t("accuracy")}</extra>` });
    extra.yaxis2 = { overlaying: "y", side: "right", range: [0, 1.02], tickvals: [0, 0.25, 0.5, 0.75, 1], tickformat: ".0%", showgrid: false, title: { text: t("accuracy") } };
    shapes.push(hline(s.chance_accuracy, plots.COLORS.lstm, "dot", "y2"));
  }
  const e = d.done?.evaluation;
  if (e && e.loss !== null) {
    data.push({ type: "scatter", mode: "markers", name: t("held-out"), x: [d.step[d.step.length - 1]], y: [e.loss], marker: { color: COLORS.bad, size: 11, symbol: "diamond" }, hovertemplate: `${t("held-out: %{y:.4g}")}<extra></extra>` });
  }
  return {
    data,
    layout: { ...layout(d, t("{loss} per update", { loss: name }), t("update"), extra), shapes, annotations, yaxis: { type: "log", title: { text: name }, exponentformat: "power", dtick: logStep(decades(d.loss)) } },
  };
}

// How many powers of ten the finite positive values span.
function decades(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return lo <= hi ? Math.log10(hi / lo) : 0;
}

// One tick every 10^n with n chosen for about six ticks; within a decade or so, 2 and 5 as well.
function logStep(span) {
  if (span < 1.5) return "D2";
  return [1, 2, 5, 10, 20, 50, 100].find((n) => span / n <= 6) || 100;
}

export function gradFigure(d) {
  const idx = thin(d.step.length);
  const finite = d.gnorm.filter((v) => v !== null);
  let lo = finite.length ? Math.min(...finite) : -1;
  let hi = finite.length ? Math.max(...finite) : 1;
  const clip = d.start.config.clip;
  const v = Math.log10(d.start.config.threshold);
  if (clip !== "none") { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const pad = Math.max(0.5, 0.08 * (hi - lo));
  const top = hi + pad;
  const x = pick(d.step, idx);
  const clippedIdx = thin(d.step.length).filter((i) => d.clipped[i] && !d.nonfinite[i]);
  const bad = d.step.map((_, i) => i).filter((i) => d.nonfinite[i]);
  const data = [
    { type: "scatter", mode: "lines", name: t("‖g‖ before clipping"), x, y: pick(d.gnorm, idx), text: pick(d.gnorm, idx).map(fromLog10), line: { color: COLORS.line, width: 1.5 }, hovertemplate: `${t("update %{x}: ‖g‖ = %{text}")}<extra></extra>` },
    { type: "scatter", mode: "markers", name: t("clipped"), x: pick(d.step, clippedIdx), y: pick(d.gnorm, clippedIdx), marker: { color: COLORS.clip, size: 5 }, hoverinfo: "skip" },
  ];
  if (bad.length) {
    data.push({ type: "scatter", mode: "markers", name: d.random.some(Boolean) ? t("Inf/NaN → random step") : "Inf/NaN", x: pick(d.step, bad), y: bad.map(() => top - pad / 3), marker: { color: COLORS.bad, size: 11, symbol: "x" }, hovertemplate: `${t("update %{x}: Inf/NaN gradient")}<extra></extra>` });
  }
  const shapes = clip === "none" ? [] : [hline(v, COLORS.clip, "dash")];
  const annotations = clip === "none" ? [] : [label(v, clip === "value" ? t("v = {v} (per entry)", { v: plain(v) }) : `v = ${plain(v)}`, COLORS.clip)];
  return {
    data,
    layout: { ...layout(d, t("Gradient norm per update"), t("update"), {}), shapes, annotations, yaxis: { title: { text: "‖g‖" }, range: [lo - pad, top], ...powerTicks(lo - pad, top) } },
  };
}

export function heatFigure(d) {
  const s = d.start;
  const T = s.steps;
  const cols = Array.from({ length: T + 1 }, (_, k) => k);
  const rows = d.snaps.map((r) => r.step);
  // null is an exact zero (a saturated tanh passes nothing back); a row with Inf/NaN is left blank.
  const z = d.snaps.map((r) => {
    const end = r.log10_state_grad[T];
    if (!r.finite || end === null) return new Float32Array(T + 1).fill(NaN);
    return Float32Array.from(r.log10_state_grad, (v) => (v === null ? -Infinity : v - end));
  });
  const fig = plots.heatmap(z, { title: t("‖∂L/∂s_k‖ / ‖∂L/∂s_T‖ over training"), rows, cols, xTitle: t("step k"), yTitle: t("update"), hoverX: "k", hoverY: t("update") });
  const at = s.far_until + 0.5;
  fig.layout.shapes = [{ type: "line", xref: "x", yref: "paper", x0: at, x1: at, y0: 0, y1: 1, line: { color: "#222", width: 1.5, dash: "dash" } }];
  fig.layout.annotations = [
    { xref: "x", yref: "paper", x: at, y: 1, xanchor: "right", yanchor: "bottom", text: t("far (≥ {distance} steps) ←", { distance: s.far_distance }), showarrow: false, font: { size: 12 } },
    { xref: "x", yref: "paper", x: at, y: 1, xanchor: "left", yanchor: "bottom", text: t("→ near"), showarrow: false, font: { size: 12 } },
  ];
  fig.layout.margin = { ...fig.layout.margin, t: 60 };
  fig.layout.title = { text: fig.layout.title.text, y: 0.98, yanchor: "top" };
  return fig;
}

export function farFigure(d) {
  const idx = thin(d.step.length);
  const x = pick(d.step, idx);
  const values = d.far.filter((v) => v !== null);
  const lo = values.length ? Math.min(...values, -1) : -3;
  const data = [
    { type: "scatter", mode: "lines", name: t("each update"), x, y: pick(d.far, idx), text: pick(d.far, idx).map(plain), line: { color: COLORS.raw, width: 1 }, hovertemplate: `${t("update %{x}: %{text}")}<extra></extra>` },
    { type: "scatter", mode: "lines", name: t("running mean"), x, y: pick(d.farMean, idx), line: { color: COLORS.line, width: 3 }, hoverinfo: "skip" },
  ];
  const extra = {};
  if (d.omega.some((v) => v !== null)) {
    data.push({ type: "scatter", mode: "lines", name: "Ω", x, y: pick(d.omega, idx), yaxis: "y2", line: { color: COLORS.omega, width: 1.5 }, hovertemplate: `${t("update %{x}: Ω = %{y:.4g}")}<extra></extra>` });
    extra.yaxis2 = { overlaying: "y", side: "right", rangemode: "tozero", showgrid: false, title: { text: "Ω" } };
  }
  const hi = Math.max(0.5, ...values);
  return {
    data,
    layout: { ...layout(d, t("Share of the gradient from steps ≥ {distance} back", { distance: d.start.far_distance }), t("update"), extra), yaxis: { title: { text: "‖g_far‖ / ‖g‖" }, range: [lo - 0.5, hi + 0.2], ...powerTicks(lo - 0.5, hi + 0.2) } },
  };
}
