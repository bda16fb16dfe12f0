// The deep feed-forward view: gradient norms per layer, each layer's pre-activations, and dead or
// saturated units. The figures come from app.figures (GET /api/v1/figures/feedforward); this file declares
// the fields and writes the numbers beside them (facts); view.js wires the rest.
import { $, draw, startView } from "./view.js";
import { fromLog10, plain } from "./format.js";
import { N_, sentences, t } from "./i18n.js";

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

const percent = (v) => (v === 0 ? "0 %" : `${(100 * v).toPrecision(v >= 0.1 ? 3 : 2)} %`);

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

// The share of units flat for every input: dead only where the derivative is zero there (ReLU); a leaky ReLU's
// negative side still passes a small gradient, and tanh's or sigmoid's tails a tiny one.
const DEAD = N_("dead, mean");
const ALWAYS_FLAT = { leaky_relu: N_("a ≤ 0 for every input, mean"), tanh: N_("saturated for every input, mean"), sigmoid: N_("saturated for every input, mean") };

function summaryHTML(facts, activation) {
  const s = facts.summary, L = facts.layers;
  return `<dl><dt>‖∂E/∂W_1‖</dt><dd>${fromLog10(s.log10_grad_w_first ?? -Infinity)}</dd>` +
    `<dt>‖∂E/∂W_${L}‖</dt><dd>${fromLog10(s.log10_grad_w_last ?? -Infinity)}</dd>` +
    `<dt>${t("first / last")}</dt><dd>${s.log10_first_over_last === null ? "—" : plain(s.log10_first_over_last)}</dd>` +
    `<dt>${t("flat, mean")}</dt><dd>${percent(s.mean_saturated_fraction)}</dd>` +
    `<dt>${t(ALWAYS_FLAT[activation] ?? DEAD)}</dt><dd>${percent(s.mean_dead_fraction)}</dd></dl>` +
    `<p>${verdict(s, L)}</p>`;
}

function histNote(facts) {
  const s = facts.summary;
  const beyond = s.beyond_fraction > 0 ? t("{share} of all pre-activations lie beyond ±10.", { share: percent(s.beyond_fraction) }) : "";
  const flat = facts.flat_beyond === null ? ""
    : t("{share} are saturated (|a| > {limit}).", { share: percent(s.mean_saturated_fraction), limit: facts.flat_beyond.toFixed(2) });
  return sentences(beyond, flat);
}

function figures({ figures: a }, state) {
  const { figures: fig, facts } = a;
  return [
    () => {
      draw($("plot-grads"), fig.grads);
      $("summary").innerHTML = summaryHTML(facts, state.activation);
    },
    () => {
      draw($("plot-hist"), fig.hist);
      $("hist-note").textContent = histNote(facts);
    },
    () => draw($("plot-dead"), fig.dead),
  ];
}

startView({
  spec: SPEC,
  config: JSON.parse(document.getElementById("page-config").textContent),
  figures,
  figureView: () => "feedforward",
});
