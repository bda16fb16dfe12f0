// The scalar RNN view: one unit's factors, their running product, where the unit sits on phi', and
// the (1 +- eps)^N calculator. The figures come from app.figures (GET /api/v1/figures/scalar); this file
// declares the fields and writes the numbers beside them; view.js wires the rest.
import { $, draw, startView } from "./view.js";
import { fromLog10, plain } from "./format.js";
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

function figures({ figures: a }) {
  const { figures: fig, facts } = a;
  return [
    () => {
      draw($("plot-factors"), fig.factors);
      const c = facts.compound;
      $("compound").innerHTML = `(1 − ${c.eps})<sup>${c.horizon}</sup> = ${plain(c.log10_shrink)}<br>` +
        `(1 + ${c.eps})<sup>${c.horizon}</sup> = ${plain(c.log10_grow)}`;
      const s = facts.summary;
      $("summary").innerHTML = `<dl><dt>γ = sup φ′</dt><dd>${s.gamma}</dd><dt>γ|w|</dt><dd>${s.gamma_abs_weight.toPrecision(4)}</dd>` +
        `<dt>|∂h_T/∂h_0|</dt><dd>${fromLog10(facts.log10_gain)}</dd></dl>` +
        `<p>${s.gamma_abs_weight < 1 ? t("γ|w| < 1: every factor is below 1, the product vanishes.") : t("γ|w| ≥ 1: factors above 1 are possible where φ′ is near its peak.")}</p>`;
    },
    () => draw($("plot-activation"), fig.activation),
    () => draw($("plot-compound"), fig.compound),
  ];
}

startView({
  spec: SPEC,
  config: JSON.parse(document.getElementById("page-config").textContent),
  figures,
  figureView: () => "scalar",
});
