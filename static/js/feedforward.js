// The deep feed-forward view: gradient norms per layer, each layer's pre-activations, and dead or
// saturated units. Fields and figures; view.js wires them.
import { $, draw, startView } from "./view.js";
import * as plots from "./plots.js";
import { fromLog10, plain } from "./format.js";
import { sentences, t } from "./i18n.js";

const SPEC = {
  fields: {
    layers: { kind: "integer" },
    width: { kind: "integer" },
    activation: { kind: "choice" },
    init: { kind: "choice" },
    batch_norm: { kind: "flag" },
    batch: { kind: "integer" },
    input_scale: { kind: "number" },
    seed: { kind: "integer" },
  },
};

const range = (from, count) => Array.from({ length: count }, (_, i) => from + i);
const percent = (v) => (v === 0 ? "0 %" : `${(100 * v).toPrecision(v >= 0.1 ? 3 : 2)} %`);

// A log10 line over layers first, first + 1, ...; exact zeros leave a gap.
function layerLine(values, name, first, style) {
  return { ...plots.line(values, name, style), x: range(first, values.length), hovertemplate: `${t("{name}<br>layer %{x}: %{text}", { name })}<extra></extra>` };
}

function gradsFigure(d) {
  const fig = plots.logLinesFigure([
    layerLine(d.log10_grad_w, "‖∂E/∂W_l‖", 1, { line: { color: plots.COLORS.rnn, width: 3 }, mode: "lines+markers", marker: { size: 4 } }),
    layerLine(d.log10_grad_h, "‖∂E/∂h_l‖", 0, { line: { color: plots.COLORS.lstm, width: 2 } }),
    layerLine(d.log10_rms_h, t("RMS of h_l"), 0, { line: { color: plots.COLORS.bound, width: 1.5, dash: "dot" } }),
  ], { title: t("Gradient norm per layer"), xTitle: t("layer l (0: the input)") });
  fig.layout.xaxis = { ...fig.layout.xaxis, range: [-0.5, d.config.layers + 0.5], zeroline: false };
  return fig;
}

// One fixed colour domain for every run: log10 of a bin's share of its layer, 10^-4 .. 1.
const SHARE_MIN = -4;

// Columns: 0 = below -10, 1..40 = the bins, 41 = at or above 10; value v sits at x = 2 (v + 10) + 0.5.
const atValue = (v) => 2 * (v + 10) + 0.5;

function histFigure(d) {
  const h = d.preactivations;
  const L = h.counts.length, last = h.edges.length;
  const layers = range(1, L);
  const z = [], text = [];
  h.counts.forEach((row, i) => {
    const all = [h.below[i], ...row, h.above[i]];
    z.push(all.map((c) => (c > 0 ? Math.max(Math.log10(c / h.total), SHARE_MIN) : null)));
    text.push(all.map((c, k) => {
      const where = k === 0 ? `a < ${h.edges[0]}` : k === last ? `a ≥ ${h.edges[last - 1]}` : `${h.edges[k - 1]} ≤ a < ${h.edges[k]}`;
      return t("layer {layer}, {range}: {count} ({share})", { layer: i + 1, range: where, count: c, share: percent(c / h.total) });
    }));
  });
  const vline = (v, style) => ({ type: "line", xref: "x", yref: "paper", x0: atValue(v), x1: atValue(v), y0: 0, y1: 1, line: style });
  const edge = { color: "#888", width: 1 };
  const shapes = [vline(-10, edge), vline(10, edge)];
  const annotations = [];
  const flat = { color: "#d6604d", width: 2, dash: "dash" };
  const label = (v, text, xanchor) => ({ xref: "x", yref: "paper", x: atValue(v), y: 1, xanchor, yanchor: "bottom", showarrow: false, text, font: { color: "#b2182b", size: 12 } });
  if (h.flat_beyond !== null) {
    shapes.push(vline(-h.flat_beyond, flat), vline(h.flat_beyond, flat));
    annotations.push(label(-h.flat_beyond, t("← saturated"), "right"), label(h.flat_beyond, t("saturated →"), "left"));
  } else if (d.config.activation === "relu" || d.config.activation === "leaky_relu") {
    shapes.push(vline(0, flat));
    annotations.push(label(0, d.config.activation === "relu" ? "← φ′ = 0" : "← φ′ = 0.01", "right"));
  }
  const ticks = [[0, "<−10"], [atValue(-5), "−5"], [atValue(0), "0"], [atValue(5), "5"], [last, "≥10"]];
  return {
    data: [{
      type: "heatmap", x: range(0, last + 1), y: layers, z, text, zmin: SHARE_MIN, zmax: 0, colorscale: "Viridis",
      hovertemplate: "%{text}<extra></extra>", hoverongaps: false,
      colorbar: { thickness: 14, tickvals: [-4, -3, -2, -1, 0], ticktext: ["≤0.01%", "0.1%", "1%", "10%", "100%"] },
    }],
    layout: {
      ...plots.BASE, title: { text: t("Pre-activations a_l per layer"), y: 0.98, yanchor: "top" },
      margin: { l: 55, r: 10, t: 60, b: 45 }, shapes, annotations,
      xaxis: { title: { text: t("pre-activation a") }, range: [-0.5, last + 0.5], tickmode: "array", tickvals: ticks.map((tick) => tick[0]), ticktext: ticks.map((tick) => tick[1]), showgrid: false, zeroline: false },
      yaxis: { title: { text: t("layer l") }, range: [0.5, L + 0.5], showgrid: false, zeroline: false },
    },
  };
}

function deadFigure(d) {
  const act = d.config.activation;
  const relu = act === "relu" || act === "leaky_relu";
  const flatName = relu ? t("a ≤ 0 (φ′ = {slope}), per input", { slope: act === "relu" ? "0" : "0.01" }) : t("saturated (φ′ < 10⁻³ sup φ′), per input");
  const deadName = relu ? (act === "relu" ? t("dead: a ≤ 0 for every input") : t("a ≤ 0 for every input")) : t("saturated for every input");
  const layers = range(1, d.dead_fraction.length);
  const bar = (y, name, color) => ({
    type: "bar", name, x: layers, y, marker: { color }, hovertemplate: `${t("{name}<br>layer %{x}: %{y:.1%}", { name })}<extra></extra>`,
  });
  return {
    data: [bar(d.saturated_fraction, flatName, "#92c5de"), bar(d.dead_fraction, deadName, "#b2182b")],
    layout: {
      ...plots.BASE, barmode: "group", bargap: 0.15,
      title: plots.topTitle(act === "linear" ? t("Flat units per layer (linear: never)") : t("Flat and dead units per layer")),
      margin: { l: 55, r: 10, t: 40, b: 45 }, legend: plots.TOP_LEGEND,
      xaxis: { title: { text: t("layer l") }, range: [0.5, layers.length + 0.5] },
      yaxis: { title: { text: t("share of units") }, range: [0, 1], tickformat: ".0%" },
      annotations: d.saturated_fraction.some((v) => v > 0) ? [] : [{
        xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, text: t("no flat units in any layer"), font: { color: "#555", size: 14 },
      }],
    },
  };
}

// How fast the first layer learns next to the last, and whether every step is huge or tiny.
function verdict(s, L) {
  const first = s.log10_grad_w_first, last = s.log10_grad_w_last;
  if (last === null) return t("No gradient reaches the last layer: every unit of the output layer is flat.");
  if (first === null) return t("No gradient reaches layer 1: a dead layer above it blocks every path.");
  const r = s.log10_first_over_last;
  const power = Math.abs(r).toFixed(1);
  const text = L === 1 ? t("One layer: the first is the last.")
    : Math.abs(r) < 1 ? t("The first and last layers' gradients are within a factor of 10 of each other.")
    : r < 0 ? t("Layers near the input learn 10<sup>{power}</sup> times slower than the last one: the gradient vanishes.", { power })
    : t("Layers near the input get 10<sup>{power}</sup> times larger gradients than the last one: the gradient explodes.", { power });
  if (Math.min(first, last) > 3) return sentences(text, t("Every weight gradient is huge (≥ {value}): steps that size explode.", { value: fromLog10(Math.min(first, last)) }));
  if (Math.max(first, last) < -3) return sentences(text, t("Every weight gradient is tiny (≤ {value}): no layer learns.", { value: fromLog10(Math.max(first, last)) }));
  return text;
}

function summaryHTML(d) {
  const s = d.summary, L = d.config.layers;
  return `<dl><dt>‖∂E/∂W_1‖</dt><dd>${fromLog10(s.log10_grad_w_first ?? -Infinity)}</dd>` +
    `<dt>‖∂E/∂W_${L}‖</dt><dd>${fromLog10(s.log10_grad_w_last ?? -Infinity)}</dd>` +
    `<dt>${t("first / last")}</dt><dd>${s.log10_first_over_last === null ? "—" : plain(s.log10_first_over_last)}</dd>` +
    `<dt>${t("flat, mean")}</dt><dd>${percent(s.mean_saturated_fraction)}</dd>` +
    `<dt>${t("dead, mean")}</dt><dd>${percent(s.mean_dead_fraction)}</dd></dl>` +
    `<p>${verdict(s, L)}</p>`;
}

function histNote(d) {
  const s = d.summary;
  const beyond = s.beyond_fraction > 0 ? t("{share} of all pre-activations lie beyond ±10.", { share: percent(s.beyond_fraction) }) : "";
  const flat = d.preactivations.flat_beyond === null ? ""
    : t("{share} are saturated (|a| > {limit}).", { share: percent(s.mean_saturated_fraction), limit: d.preactivations.flat_beyond.toFixed(2) });
  return sentences(beyond, flat);
}

function figures({ data: d }) {
  return [
    () => {
      draw($("plot-grads"), gradsFigure(d));
      $("summary").innerHTML = summaryHTML(d);
    },
    () => {
      draw($("plot-hist"), histFigure(d));
      $("hist-note").textContent = histNote(d);
    },
    () => draw($("plot-dead"), deadFigure(d)),
  ];
}

startView({ spec: SPEC, config: JSON.parse(document.getElementById("page-config").textContent), figures });
