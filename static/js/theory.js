// Theory beside the RNN's measured gradients: the edge of chaos along the scale slider (mean field), and the
// words under the singular spectrum (its figure comes from app.figures.theory).
import { sentences, t } from "./i18n.js";

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

// `decades`: how far each init's nonzero singular values spread (the spectrum's facts).
export function spectrumNote(decades) {
  const g = decades.gaussian, o = decades.orthogonal;
  return sentences(
    t("Gaussian W: the singular values span {gaussian} decades; orthogonal W: {orthogonal}.", { gaussian: g.toFixed(1), orthogonal: o.toFixed(1) }),
    o < g ? t("Orthogonal weights keep the directions closer together (dynamical isometry).") : "",
  );
}
