// The cliff view: E and ||grad E|| of the two-parameter recurrent net over (w, b), and three descents from a
// clicked start (no clipping, norm clipping, element-wise clipping). The figures come from app.figures: the
// surfaces with the wall (GET /api/v1/figures/cliff_surface) and the runs (GET /api/v1/figures/descent, a side
// view: a new start recomputes the runs only, drawn over the surfaces already there). This file declares the
// fields, puts the runs on the surfaces, moves the start on a click and writes the numbers beside the figures;
// view.js wires the rest.
import { $, draw, startView } from "./view.js";
import { apiQuery } from "./state.js";
import { fromLog10, plain } from "./format.js";
import { clauses, sentences, t } from "./i18n.js";

const GRID = ["w_center", "w_range", "b_center", "b_range", "resolution", "steps"];
const DESCENT = ["w0", "b0", "lr", "threshold", "iterations", "steps", "seed"];
const SPEC = {
  compact: true,
  only: { cliff: GRID, descent: DESCENT },
  fields: Object.fromEntries([
    ...["w_center", "w_range", "b_center", "b_range", "w0", "b0", "lr", "threshold"].map((k) => [k, { kind: "number" }]),
    ...["resolution", "steps", "iterations", "seed"].map((k) => [k, { kind: "integer" }]),
  ]),
};

let surfaces = null; // {grid, figures}: the last surfaces, kept (arrays and all) so new runs redraw over them
let runs = null; // the last descent answer: {figures, facts}

// A surface with the runs on top, as app/figures/cliff.py overlay() draws them for the export: the surface's
// traces first, the runs' layout (their legend) over the surface's.
const overlay = (base, top) => (top ? { data: [...base.data, ...top.data], layout: { ...base.layout, ...top.layout } } : base);

// A click anywhere on a surface, or in the zoom around the start, moves the start there (at the pointer, not
// the cell centre).
function clickable(el) {
  if (el.dataset.clickable) return;
  el.dataset.clickable = "yes";
  el.on("plotly_click", (ev) => {
    const p = ev.points?.[0];
    const [xa, ya] = p ? [p.xaxis._name, p.yaxis._name] : ["xaxis", "yaxis"];
    const area = el.querySelector(`.nsewdrag[data-subplot="${xa.replace("axis", "")}${ya.replace("axis", "")}"]`);
    if (!area || !ev.event) return;
    const r = area.getBoundingClientRect();
    const [x0, x1] = el.layout[xa].range;
    const [y0, y1] = el.layout[ya].range;
    const w = x0 + ((ev.event.clientX - r.left) / r.width) * (x1 - x0);
    const b = y1 - ((ev.event.clientY - r.top) / r.height) * (y1 - y0);
    const digits = Math.max(0, Math.ceil(-Math.log10((x1 - x0) / 2000)));
    for (const [key, v] of [["w0", w], ["b0", b]]) {
      $(`in-${key}`).value = String(Number(v.toFixed(digits)));
      $(`in-${key}`).dispatchEvent(new Event("input"));
    }
  });
}

function drawSurfaces() {
  if (!surfaces) return;
  for (const name of ["loss", "grad"]) {
    draw($(`plot-${name}`), overlay(surfaces.figures[name], runs?.figures[name]), { after: clickable });
  }
}

// The first point at which the plain run leaves the window of `state` (null: it stays on the map).
function leaves(figures, state) {
  const num = (k) => Number(state[k]);
  const [w0, w1] = [num("w_center") - num("w_range"), num("w_center") + num("w_range")];
  const [b0, b1] = [num("b_center") - num("b_range"), num("b_center") + num("b_range")];
  const path = figures.loss.data.find((tr) => tr.meta === "none");
  const i = path.x.findIndex((w, j) => !(w >= w0 && w <= w1 && path.y[j] >= b0 && path.y[j] <= b1));
  return i < 0 ? null : i;
}

function summaryHTML({ figures, facts }, state) {
  const names = Object.fromEntries(figures.loss.data.filter((tr) => tr.meta).map((tr) => [tr.meta, tr.name]));
  const rows = facts.runs.map((r) => {
    const extra = clauses(
      r.method === "none" ? "" : t("clipped {count} of {total}", { count: r.clipped, total: r.steps }),
      r.random ? t("{count} random", { count: r.random }) : "",
      r.stopped === "box" ? t("stopped: left |w|, |b| ≤ 10⁶") : r.stopped === "overflow" ? t("stopped: overflow") : "",
    );
    const longest = r.longest_log10_step ?? -Infinity; // null: the run stood still
    const result = t("E {loss}; longest step {step}", { loss: r.loss.toPrecision(3), step: plain(longest) });
    return `<dt>${names[r.method]}</dt><dd>${extra ? t("{result}; {details}", { result, details: extra }) : result}</dd>`;
  });
  const cap = facts.max_clipped_step;
  const first = facts.runs.find((r) => r.method === "none").longest_log10_step ?? -Infinity;
  const off = leaves(figures, state);
  const ratio = first - Math.log10(cap);
  let text = t("Clipped steps are at most lr·v = {cap} long.", { cap: cap.toPrecision(3) });
  if (ratio >= 1) {
    text = sentences(off !== null
      ? t("Without clipping the longest step is {ratio} times lr·v: thrown off the map at step {step}.", { ratio: plain(ratio), step: off })
      : t("Without clipping the longest step is {ratio} times lr·v.", { ratio: plain(ratio) }), text);
  }
  return `<h3>${t("After {count} iterations", { count: facts.iterations })}</h3><dl>${rows.join("")}</dl><p>${text}</p>`;
}

function figures({ figures: answer }, state) {
  // The same grid again (a new start): the surfaces drawn are still right; keep their arrays, so Plotly does
  // not redraw the heatmaps.
  const grid = apiQuery(state, SPEC, "cliff");
  const fresh = surfaces?.grid !== grid;
  if (fresh) surfaces = { grid, figures: answer.figures };
  const s = answer.facts.summary;
  return [
    () => { if (fresh) drawSurfaces(); },
    () => {
      $("wall-note").textContent = s.max_wall_log10_norm === null ? t("The wall is outside this window.")
        : t("On the wall ‖∇E‖ reaches {wall}; on the grid at most {most}, typically {median}.", {
          wall: fromLog10(s.max_wall_log10_norm), most: fromLog10(s.max_log10_norm), median: fromLog10(s.median_log10_norm),
        });
    },
  ];
}

function sideFigures({ descent }, state) {
  runs = descent;
  return [
    () => drawSurfaces(),
    () => {
      draw($("plot-curves"), descent.figures.curves);
      draw($("plot-steps"), descent.figures.steps);
      $("summary").innerHTML = summaryHTML(descent, state);
    },
  ];
}

startView({
  spec: SPEC,
  config: JSON.parse(document.getElementById("page-config").textContent),
  modelsOf: () => ["cliff"],
  figures,
  figureView: () => "cliff_surface",
  sideOf: () => ["descent"],
  sideViews: ["descent"],
  sideFigures,
});
