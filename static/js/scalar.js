// The scalar RNN view: one unit's factors, their running product, where the unit sits on phi', and
// the (1 +- eps)^N calculator. Fields and figures; view.js wires them.
import { $, draw, startView } from "./view.js";
import * as plots from "./plots.js";
import { fromLog10, plain, powerTicks } from "./format.js";
import { t } from "./i18n.js";

const SPEC = {
  fields: {
    activation: { kind: "choice" },
    weight: { kind: "number" },
    bias: { kind: "number" },
    h0: { kind: "number" },
    input_scale: { kind: "number" },
    steps: { kind: "integer" },
    seed: { kind: "integer" },
    eps: { kind: "number" },
    horizon: { kind: "integer" },
  },
};

const nums = (values) => Array.from(values, (v) => (v === null || !Number.isFinite(v) ? null : v));

// Two stacked panels on one step axis: the running product above, each step's factor below.
function factorsFigure(d) {
  const T = d.log10_factor.length;
  const steps = Array.from({ length: T }, (_, i) => i + 1);
  const fig = plots.logLinesFigure([
    plots.line(d.log10_running, t("running product |∂h_t/∂h_0|"), { line: { color: plots.COLORS.rnn, width: 3 } }),
    { ...plots.line(d.bound.slice().reverse(), "(γ|w|)^t", { line: { color: plots.COLORS.bound, dash: "dash" } }), meta: "overlay" },
  ], { title: t("Each factor and their product"), xTitle: t("step t") });
  const f = nums(d.log10_factor);
  fig.data.push({
    type: "bar", name: t("factor |w φ′(a_t)|"), x: steps, y: f, yaxis: "y2", textposition: "none",
    marker: { color: f.map((v) => (v > 0 ? "#d6604d" : "#4393c3")) },
    text: Array.from(d.log10_factor, fromLog10), hovertemplate: `${t("step %{x}: factor %{text}")}<extra></extra>`,
  });
  const span = Math.max(0.5, ...f.filter((v) => v !== null).map(Math.abs)) * 1.1;
  fig.layout.yaxis = { ...fig.layout.yaxis, domain: [0.4, 1] };
  fig.layout.xaxis = { ...fig.layout.xaxis, anchor: "y2" }; // step ticks under the bars
  fig.layout.yaxis2 = { domain: [0, 0.3], range: [-span, span], title: { text: t("factor") }, ...powerTicks(-span, span, 3) };
  return fig;
}

// The run's a_t as dots on phi'; values off the drawn range (an exploding linear unit reaches 10^300)
// are counted in the legend rather than drawn far outside it.
function activationFigure(d) {
  const { a } = d.curve;
  const x = [], y = [], text = [];
  nums(d.pre).forEach((v, i) => {
    if (v === null || v < a[0] || v > a[a.length - 1]) return;
    x.push(v);
    y.push(Math.pow(10, d.log10_dphi[i]));
    text.push(t("step {step}", { step: i + 1 }));
  });
  const beyond = d.pre.length - x.length;
  return plots.activationFigure(d.curve, [{
    type: "scatter", mode: "markers",
    name: beyond ? t("this run's a_t on φ′ ({count} beyond ±{limit})", { count: beyond, limit: a[a.length - 1] }) : t("this run's a_t on φ′"),
    x, y, text, marker: { color: plots.COLORS.lstm, size: 7, opacity: 0.6 },
    hovertemplate: "%{text}: a %{x:.3g}, φ′ %{y:.3g}<extra></extra>",
  }]);
}

function compoundFigure(c) {
  const N = c.horizon;
  return plots.logLinesFigure([
    { type: "scatter", mode: "lines", name: `(1 + ${c.eps})^n`, x: [0, N], y: [0, c.log10_grow], line: { color: "#b2182b", width: 3 } },
    { type: "scatter", mode: "lines", name: `(1 − ${c.eps})^n`, x: [0, N], y: [0, c.log10_shrink], line: { color: "#2166ac", width: 3 } },
  ], { title: t("The same step, repeated n times"), xTitle: "n" });
}

function figures({ data: d }) {
  return [
    () => {
      draw($("plot-factors"), factorsFigure(d));
      const c = d.compound;
      $("compound").innerHTML = `(1 − ${c.eps})<sup>${c.horizon}</sup> = ${plain(c.log10_shrink)}<br>` +
        `(1 + ${c.eps})<sup>${c.horizon}</sup> = ${plain(c.log10_grow)}`;
      const s = d.summary;
      $("summary").innerHTML = `<dl><dt>γ = sup φ′</dt><dd>${s.gamma}</dd><dt>γ|w|</dt><dd>${s.gamma_abs_weight.toPrecision(4)}</dd>` +
        `<dt>|∂h_T/∂h_0|</dt><dd>${fromLog10(d.decay[0])}</dd></dl>` +
        `<p>${s.gamma_abs_weight < 1 ? t("γ|w| < 1: every factor is below 1, the product vanishes.") : t("γ|w| ≥ 1: factors above 1 are possible where φ′ is near its peak.")}</p>`;
    },
    () => draw($("plot-activation"), activationFigure(d)),
    () => draw($("plot-compound"), compoundFigure(d.compound)),
  ];
}

startView({ spec: SPEC, config: JSON.parse(document.getElementById("page-config").textContent), figures });
