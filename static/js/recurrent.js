// The recurrent view: RNN, LSTM and GRU alone or side by side. Fields and figures; view.js wires them.
import { $, draw, startView } from "./view.js";
import * as plots from "./plots.js";
import { plain } from "./format.js";
import { N_, reword, sentences, t } from "./i18n.js";
import { drawChaosBar, spectrumFigure, spectrumNote } from "./theory.js";

export const RECURRENT = ["rnn", "lstm", "gru"];

const SPEC = {
  models: [...RECURRENT, "compare"],
  aliases: { both: "compare" },
  compact: true, // links made before the GRU existed said "both" for RNN beside LSTM
  only: { meanfield: ["activation", "input_scale", "bias"] },
  fields: {
    activation: { models: ["rnn", "nearfar", "spectrum"], kind: "choice" },
    scale: { kind: "number" },
    init: { models: ["rnn", "nearfar", "spectrum"], kind: "choice" },
    hidden: { kind: "integer" },
    steps: { kind: "integer" },
    input_scale: { kind: "number" },
    bias: { models: ["rnn", "nearfar", "spectrum"], kind: "number" },
    forget_bias: { models: ["lstm"], kind: "number" },
    update_bias: { models: ["gru"], kind: "number" },
    peephole: { models: ["lstm"], kind: "flag" },
    coupled: { models: ["lstm"], kind: "flag" },
    seed: { kind: "integer" },
    norm: { kind: "choice" },
  },
};

const LABEL = { rnn: "RNN", lstm: "LSTM", gru: "GRU" };

// The server's budget messages (app/api.py, app/nearfar.py, app/theory.py), most specific first.
const PAIRS_BUDGET = [
  N_("Estimated: the exact heatmap needs {work} work units, over the budget of {budget}; for exact values lower steps to {steps} or less, or hidden to {hidden} or less."),
  N_("Estimated: the exact heatmap needs {work} work units, over the budget of {budget}; for exact values lower steps to {steps} or less."),
];
const NEARFAR_BUDGET = [
  N_("The near/far split needs {work} multiply-adds, over the budget of {budget}: lower steps to {steps} or hidden to {hidden}."),
];
const SPECTRUM_BUDGET = [
  N_("The singular spectrum needs {work} work units ((T + 100) n^3), over the budget of {budget}: lower steps to {steps} or hidden to {hidden}."),
  N_("The singular spectrum needs {work} work units ((T + 100) n^3), over the budget of {budget}: lower hidden to {hidden}."),
];
const JACOBIAN = { rnn: "‖∂h_t/∂h_k‖", lstm: "‖∂(h_t,c_t)/∂(h_k,c_k)‖", gru: "‖∂h_t/∂h_k‖" };

function row(container, models, build, withScale = true) {
  // One plot per model, side by side, sharing one colour bar (the scale is the same for all).
  const ids = models.map((m) => `${container.id}-${m}`);
  let changed = false;
  for (const child of [...container.children]) {
    if (!ids.includes(child.id)) { Plotly.purge(child); child.remove(); changed = true; }
  }
  const els = ids.map((id) => {
    let el = $(id);
    if (!el) { el = document.createElement("div"); el.id = id; el.className = "plot"; container.appendChild(el); changed = true; }
    return el;
  });
  els.forEach((el, i) => {
    const fig = build(models[i]);
    const scaled = withScale && i === els.length - 1;
    for (const trace of fig.data) if (trace.type === "heatmap") trace.showscale = scaled;
    el.classList.toggle("with-scale", scaled); // a little wider, so its plot area matches the others
    draw(el, fig);
    if (changed) Plotly.Plots.resize(el);
  });
}

function summaryHTML(data) {
  const s = data.summary;
  const f = (v) => (v === null ? "—" : Number(v).toPrecision(4));
  const list = (pairs) => `<dl>${pairs.map(([k, v]) => `<dt>${k}</dt><dd>${f(v)}</dd>`).join("")}</dl>`;
  if (data.model === "rnn") {
    const verdict = s.gamma_sigma_max < 1
      ? t("γ‖W‖₂ is below 1: every long product vanishes (sufficient condition).")
      : t("γ‖W‖₂ is at least 1: exploding is possible (necessary condition).");
    const mf = data.theory.mean_field;
    const rows = [["ρ(W)", s.spectral_radius], ["‖W‖₂", s.sigma_max], ["γ = sup φ′", s.gamma], ["γ‖W‖₂", s.gamma_sigma_max]];
    if (mf.applies) rows.push([t("mean-field χ"), mf.chi]);
    // rho < 1 < ||W||_2: the norm bound says nothing, yet the linear part of the product shrinks like rho^k.
    const rhoNote = s.spectral_radius < 1 && s.sigma_max > 1
      ? `<p>${t("‖W‖₂ > 1 yet ρ(W) < 1: powers of W still vanish, at the rate ρ(W) per step (dotted line), after a transient.")}</p>` : "";
    return `<h3>RNN</h3>${list(rows)}<p>${verdict}</p>${rhoNote}`;
  }
  if (data.model === "gru") {
    return `<h3>GRU</h3>${list([["σ(−b_z)", s.sigmoid_minus_update_bias], [t("mean z"), s.mean_update_gate], [t("min z"), s.min_update_gate], [t("‖W_h‖₂ (all gates)"), s.recurrent_sigma_max]])}`;
  }
  return `<h3>LSTM</h3>${list([["σ(b_f)", s.sigmoid_forget_bias], [t("mean f"), s.mean_forget_gate], [t("min f"), s.min_forget_gate], [t("‖W_h‖₂ (all gates)"), s.recurrent_sigma_max]])}`;
}

// A gated cell's direct path (LSTM cell state, GRU carry) beside its full Jacobian.
function pathFigure(path, decay, { title, single, norm, full, reference, color }) {
  return plots.logLinesFigure([
    plots.bundle(path.log10_per_unit, path.k, single, { line: { color: "rgba(0,158,115,0.25)", width: 1 } }),
    plots.line(path.log10_norm, norm, { line: { color: plots.COLORS.cell, width: 3 } }),
    plots.line(decay.log10_norm, full, { line: { color, dash: "dash", width: 2 } }),
    plots.line(path.reference_log10, reference, { line: { color: plots.COLORS.ref, dash: "dot" } }),
  ], { title, xTitle: t("source step k") });
}

// The figures of one answer, most important first. Each is drawn in a frame of its own, so the
// decay curve follows the slider at once and the heatmaps come in the next frames; a newer answer
// drops whatever is still waiting from an older one.
// phi, phi' and a histogram of every pre-activation of the run: how many units sit in the flat tails.
function drawActivation(h) {
  const total = h.counts.reduce((s, c) => s + c, h.below + h.above) || 1;
  const mids = h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2);
  draw($("plot-activation"), plots.activationFigure(h.curve, [{
    type: "bar", name: t("share of this run's a_t[i]"), x: mids, y: h.counts.map((c) => c / total), yaxis: "y2",
    width: h.edges[1] - h.edges[0], marker: { color: "rgba(213,94,0,0.3)" }, hovertemplate: "a ≈ %{x:.2f}: %{y:.1%}<extra></extra>",
  }], t("Where the RNN's units sit on φ′")));
  const pct = (v) => `${(100 * v).toFixed(1)} %`;
  const share = pct(h.saturated_fraction);
  const dead = h.zero_fraction ? t(" ({share} exactly 0: dead at that step)", { share: pct(h.zero_fraction) }) : "";
  $("activation-note").textContent = h.below + h.above
    ? t("{share} of the pre-activations have φ′ below 10⁻³ of its peak{dead}; {beyond} lie beyond ±8.", { share, dead, beyond: pct((h.below + h.above) / total) })
    : t("{share} of the pre-activations have φ′ below 10⁻³ of its peak{dead}.", { share, dead });
}

// C6: the total gradient dE/dW split by the distance t - k its terms travelled.
function drawNearFar(d) {
  const el = $("plot-nearfar");
  if (!d.computed) {
    Plotly.purge(el);
    $("nearfar-note").textContent = reword(d.message, NEARFAR_BUDGET);
    return;
  }
  const total = d.log10_term.map(() => d.log10_total);
  draw(el, plots.logLinesFigure([
    { ...plots.line(d.log10_term, t("term at distance δ: ‖S_δ‖"), { line: { color: plots.COLORS.rnn, width: 3 } }), hovertemplate: "δ %{x}: %{text}<extra></extra>" },
    { ...plots.line(d.log10_tail, t("what distances ≥ δ carry: ‖Σ_{δ′≥δ} S_δ′‖"), { line: { color: plots.COLORS.lstm, width: 2 } }), hovertemplate: "δ ≥ %{x}: %{text}<extra></extra>" },
    { ...plots.line(total, t("total ‖∂E/∂W‖"), { line: { color: plots.COLORS.bound, dash: "dash" } }), hoverinfo: "skip" },
  ], { title: t("The total gradient, by how far its terms travelled"), xTitle: t("distance δ = t − k") }));
  const at = Math.min(10, d.log10_share.length - 1);
  const share = d.log10_share[at];
  $("nearfar-note").textContent = share === null ? "" :
    t("Distances ≥ {distance} carry {share} % of ‖∂E/∂W‖ = {total}.", { distance: at, share: plain(share + 2), total: plain(d.log10_total) });
}

function figures(byModel) {
  const models = RECURRENT.filter((m) => m in byModel);
  const tasks = [];
  tasks.push(() => {
    const traces = [];
    for (const m of models) {
      const d = byModel[m];
      traces.push(plots.line(d.decay.log10_norm, `${LABEL[m]} ${JACOBIAN[m].replace(/_t/g, "_T")}`, { line: { color: plots.COLORS[m], width: 3 } }));
      if (m === "rnn") {
        traces.push(plots.line(d.bound.log10, t("Pascanu bound (γ‖W‖₂)^(T−k)"), { line: { color: plots.COLORS.bound, dash: "dash" }, meta: "overlay" }));
        const s = d.summary;
        const rhoMatters = s.spectral_radius < 1 && s.sigma_max > 1;
        traces.push(plots.line(d.theory.rho_log10, "ρ(W)^(T−k)", { line: { color: plots.COLORS.bound, dash: "dot", width: rhoMatters ? 2 : 1 }, meta: "overlay", visible: rhoMatters ? true : "legendonly" }));
        const mf = d.theory.mean_field;
        if (mf.applies) traces.push(plots.line(mf.log10, t("mean field χ^((T−k)/2)"), { line: { color: plots.COLORS.ref, dash: "dashdot", width: 2 }, meta: "overlay" }));
      }
      if (m === "lstm") traces.push(plots.line(d.cell_path.reference_log10, "σ(b_f)^(T−k)", { line: { color: plots.COLORS.ref, dash: "dot" }, meta: "overlay" }));
      if (m === "gru") traces.push(plots.line(d.carry_path.reference_log10, "σ(−b_z)^(T−k)", { line: { color: plots.COLORS.ref, dash: "dashdot" }, meta: "overlay" }));
    }
    draw($("plot-decay"), plots.logLinesFigure(traces, { title: t("Gradient reaching step k from step T"), xTitle: t("source step k") }));
    $("summary").innerHTML = models.map((m) => summaryHTML(byModel[m])).join("");
  });
  tasks.push(() => {
    const notes = [];
    row($("plot-pairs"), models, (m) => {
      const p = byModel[m].pairs;
      if (!p.exact) notes.push(t("{model}: {message}", { model: LABEL[m], message: reword(p.message, PAIRS_BUDGET) }));
      // Side by side the plots are narrow: the model's name alone (the panel's text says what is shown).
      const what = models.length > 2 ? "" : `: ${JACOBIAN[m]}`;
      const title = `${LABEL[m]}${what}`;
      return plots.pairsFigure(p, p.exact ? title : t("{title} (estimate)", { title }));
    });
    $("pairs-note").textContent = sentences(...notes);
  });
  // Same fixed scale as the heatmap above; one colour bar for both keeps the redraw cheaper.
  tasks.push(() => row($("plot-units"), models, (m) => plots.unitsFigure(byModel[m].units, models.length > 2 ? LABEL[m] : `${LABEL[m]}: |∂L/∂h_k[i]|`), false));
  const { rnn, lstm, gru } = byModel;
  if (rnn) tasks.push(() => drawActivation(rnn.preactivations));
  if (lstm) {
    tasks.push(() => draw($("plot-cell"), pathFigure(lstm.cell_path, lstm.decay, {
      title: t("LSTM: cell-state path vs all paths"), single: t("single units ∏ f_j[i]"), norm: t("cell path ‖∏ diag(f_j)‖"),
      full: t("full Jacobian ‖∂(h_T,c_T)/∂(h_k,c_k)‖"), reference: "σ(b_f)^(T−k)", color: plots.COLORS.lstm,
    })));
  }
  if (gru) {
    tasks.push(() => draw($("plot-carry"), pathFigure(gru.carry_path, gru.decay, {
      title: t("GRU: carry path vs all paths"), single: t("single units ∏ (1 − z_j[i])"), norm: t("carry path ‖∏ diag(1 − z_j)‖"),
      full: t("full Jacobian ‖∂h_T/∂h_k‖"), reference: "σ(−b_z)^(T−k)", color: plots.COLORS.gru,
    })));
  }
  return tasks;
}

// The RNN's side panels, from endpoints of their own: near/far terms, the singular spectrum and the
// mean-field chi along the scale slider.
function sideFigures({ nearfar, spectrum, meanfield }, state) {
  return [
    () => drawNearFar(nearfar),
    () => drawSpectrum(spectrum),
    () => drawChaosBar($("chaos-bar"), $("chaos-note"), meanfield, CONFIG.limits.scale, state.init !== "identity"),
  ];
}

function drawSpectrum(d) {
  const el = $("plot-spectrum");
  if (!d.computed) {
    Plotly.purge(el);
    $("spectrum-note").textContent = reword(d.message, SPECTRUM_BUDGET);
    return;
  }
  draw(el, spectrumFigure(d));
  $("spectrum-note").textContent = spectrumNote(d);
}

const CONFIG = JSON.parse(document.getElementById("page-config").textContent);
const modelsOf = (state) => (state.model === "compare" ? RECURRENT : [state.model]);
startView({
  spec: SPEC,
  config: CONFIG,
  figures,
  modelsOf,
  sideOf: (state) => (modelsOf(state).includes("rnn") ? ["nearfar", "spectrum", "meanfield"] : []),
  sideFigures,
});
