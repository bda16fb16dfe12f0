// The recurrent view: RNN, LSTM and GRU alone or side by side. The figures come from app.figures
// (GET /api/v1/figures/<model>, and nearfar and spectrum for the RNN's side panels); this file declares the
// fields and writes the numbers beside the figures; view.js wires the rest.
import { $, clear, draw, startView } from "./view.js";
import { plain } from "./format.js";
import { N_, reword, sentences, t } from "./i18n.js";
import { drawChaosBar, spectrumNote } from "./theory.js";

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
    reset_after: { models: ["gru"], kind: "flag" },
    seed: { kind: "integer" },
    norm: { kind: "choice" },
  },
};

const LABEL = { rnn: "RNN", lstm: "LSTM", gru: "GRU" };

// The server's budget messages (app/endpoints/api.py, app/contract/theory.py), most specific first.
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
// One plot per model, side by side, sharing one colour bar (the scale is the same for all: the figures put it
// on the last one).
function row(container, models, figureOf) {
  const ids = models.map((m) => `${container.id}-${m}`);
  let changed = false;
  for (const child of [...container.children]) {
    if (!ids.includes(child.id)) { clear(child); child.remove(); changed = true; }
  }
  const els = ids.map((id) => {
    let el = $(id);
    if (!el) { el = document.createElement("div"); el.id = id; el.className = "plot"; container.appendChild(el); changed = true; }
    return el;
  });
  els.forEach((el, i) => {
    const fig = figureOf(models[i]);
    const scaled = fig.data.some((trace) => trace.type === "heatmap" && trace.showscale !== false);
    el.classList.toggle("with-scale", scaled); // a little wider, so its plot area matches the others
    draw(el, fig, { resize: changed });
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

// phi, phi' and a histogram of every pre-activation of the run: how many units sit in the flat tails.
function drawActivation(fig, h) {
  draw($("plot-activation"), fig);
  const pct = (v) => `${(100 * v).toFixed(1)} %`;
  const share = pct(h.saturated_fraction);
  const dead = h.zero_fraction ? t(" ({share} exactly 0: dead at that step)", { share: pct(h.zero_fraction) }) : "";
  $("activation-note").textContent = h.beyond
    ? t("{share} of the pre-activations have φ′ below 10⁻³ of its peak{dead}; {beyond} lie beyond ±8.", { share, dead, beyond: pct(h.beyond / (h.total || 1)) })
    : t("{share} of the pre-activations have φ′ below 10⁻³ of its peak{dead}.", { share, dead });
}

// C6: the total gradient dE/dW split by the distance t - k its terms travelled.
function drawNearFar({ figures: fig, facts: d }) {
  const el = $("plot-nearfar");
  if (!d.computed) {
    clear(el);
    $("nearfar-note").textContent = reword(d.message, NEARFAR_BUDGET);
    return;
  }
  draw(el, fig.nearfar);
  $("nearfar-note").textContent = d.log10_share === null ? "" :
    t("Distances ≥ {distance} carry {share} % of ‖∂E/∂W‖ = {total}.", { distance: d.distance, share: plain(d.log10_share + 2), total: plain(d.log10_total) });
}

// Each model's figures, most important first (painter.js draws those on screen first, and the first of them
// names the state whose first figure is up).
function figures({ figures: answer }, state) {
  const { figures: fig, facts } = answer;
  const models = RECURRENT.filter((m) => m in facts);
  const own = (name, m) => fig[models.length > 1 ? `${name}_${m}` : name];
  const tasks = [() => {
    draw($("plot-decay"), fig.decay);
    $("summary").innerHTML = models.map((m) => summaryHTML(facts[m])).join("");
  }];
  tasks.push(() => {
    row($("plot-pairs"), models, (m) => own("pairs", m));
    const estimated = models.filter((m) => !facts[m].pairs.exact);
    $("pairs-note").textContent = sentences(...estimated.map((m) => t("{model}: {message}", { model: LABEL[m], message: reword(facts[m].pairs.message, PAIRS_BUDGET) })));
  });
  tasks.push(() => row($("plot-units"), models, (m) => own("units", m)));
  if (facts.rnn) tasks.push(() => drawActivation(fig.activation, facts.rnn.preactivations));
  if (facts.lstm) tasks.push(() => draw($("plot-cell"), fig.cell));
  if (facts.gru) {
    tasks.push(() => {
      draw($("plot-carry"), fig.carry);
      // The GRU's candidate as the figures compute it: the reset gate before or after W_h.
      for (const p of document.querySelectorAll("#panel-carry .candidate")) p.hidden = p.dataset.resetAfter !== state.reset_after;
    });
  }
  return tasks;
}

// The RNN's side panels, from endpoints of their own: near/far terms, the singular spectrum and the
// mean-field chi along the scale slider.
// The side panels that were asked for (an embed may leave some out).
function sideFigures({ nearfar, spectrum, meanfield }, state) {
  return [
    nearfar && (() => drawNearFar(nearfar)),
    spectrum && (() => drawSpectrum(spectrum)),
    meanfield && (() => drawChaosBar($("chaos-bar"), $("chaos-note"), meanfield, CONFIG.limits.scale, state.init !== "identity")),
  ].filter(Boolean);
}

function drawSpectrum({ figures: fig, facts: d }) {
  const el = $("plot-spectrum");
  if (!d.computed) {
    clear(el);
    $("spectrum-note").textContent = reword(d.message, SPECTRUM_BUDGET);
    return;
  }
  draw(el, fig.spectrum);
  $("spectrum-note").textContent = spectrumNote(d.decades);
}

const CONFIG = JSON.parse(document.getElementById("page-config").textContent);
const modelsOf = (state) => (state.model === "compare" ? RECURRENT : [state.model]);
startView({
  spec: SPEC,
  config: CONFIG,
  figures,
  modelsOf,
  figureView: (state) => state.model,
  sideOf: (state) => (modelsOf(state).includes("rnn") ? ["nearfar", "spectrum", "meanfield"] : []),
  sideViews: ["nearfar", "spectrum"],
  sideFigures,
  sidePanels: { nearfar: "plot-nearfar", spectrum: "plot-spectrum", meanfield: "chaos-bar" },
});
