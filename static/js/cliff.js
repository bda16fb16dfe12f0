// The cliff view: E and ||grad E|| of the two-parameter recurrent net over (w, b), and three descents from a
// clicked start (no clipping, norm clipping, element-wise clipping). Fields and figures; view.js wires them.
import { $, draw, startView } from "./view.js";
import * as plots from "./plots.js";
import { fromLog10, plain, powerLabel } from "./format.js";
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

// Okabe-Ito colours with a dash and a marker each, so the runs differ without colour too.
const RUNS = {
  none: { name: t("no clipping"), color: "#000000", dash: "solid", symbol: "circle" },
  norm: { name: t("norm clipping"), color: "#E69F00", dash: "dash", symbol: "square" },
  value: { name: t("element-wise clipping"), color: "#CC79A7", dash: "dot", symbol: "diamond" },
};
const WALL = "#b2182b"; // the app's "exploding" red
// E lies in [0, 0.49]: one fixed grey ramp. ||grad E||: the app's RdBu on the fixed domain +-ZMAX (plots.js).
const E_MAX = 0.49;
const GREYS = [[0, "#ffffff"], [1, "#6b6b6b"]];
const RDBU = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
  .map((c, i, all) => [i / (all.length - 1), c]);

let surface = null; // the last grid answer, kept so a new descent redraws over it without re-sending the grid
let descent = null;

// A legend entry's text in pixels: Chinese characters are about twice as wide as Latin ones.
const textWidth = (n) => 7 * n.length + 6 * (n.match(/[\u3000-\u9fff\uff00-\uffef]/g) || []).length;

// Room above a plot for its title and a horizontal legend of these names. Plotly keeps the legend within the
// plot area (`width` pixels); when the entries do not fit in one row it lays them out in columns of the widest.
function legendTop(names, width) {
  const sizes = names.map((n) => 40 + textWidth(n));
  const total = sizes.reduce((a, b) => a + b, 0);
  const columns = total <= width ? names.length : Math.max(1, Math.floor(width / Math.max(...sizes)));
  return 44 + 21 * Math.ceil(names.length / columns);
}

const window2d = (cfg) => ({
  w: [cfg.w_center - cfg.w_range, cfg.w_center + cfg.w_range],
  b: [cfg.b_center - cfg.b_range, cfg.b_center + cfg.b_range],
});
const inside = (win, w, b) => w >= win.w[0] && w <= win.w[1] && b >= win.b[0] && b <= win.b[1];

// The first step at which a run leaves the window (null: it stays on the map).
function leaves(run, win) {
  const i = run.w.findIndex((w, j) => !inside(win, w, run.b[j]));
  return i < 0 ? null : i;
}

function runTraces(d, showlegend) {
  if (!d) return [];
  const traces = d.runs.map((r) => {
    const s = RUNS[r.method];
    return {
      type: "scatter", mode: "lines+markers", name: s.name, x: r.w, y: r.b, showlegend,
      line: { color: s.color, width: 2.5, dash: s.dash }, marker: { color: s.color, size: 6, symbol: s.symbol, line: { color: "#fff", width: 1 } },
      customdata: r.loss.map((e, i) => [i, e, fromLog10(r.log10_norm[i] ?? -Infinity)]),
      hovertemplate: `${t("{name}, step %{customdata[0]}", { name: s.name })}<br>w %{x:.4g}, b %{y:.4g}<br>E %{customdata[1]:.4f}, ‖∇E‖ %{customdata[2]}<extra></extra>`,
    };
  });
  const c = d.config;
  traces.push({
    type: "scatter", mode: "markers", name: t("start (w₀, b₀)"), x: [c.w0], y: [c.b0], showlegend: false,
    marker: { symbol: "star", size: 16, color: "#000", line: { color: "#fff", width: 1.5 } }, hoverinfo: "skip",
  });
  return traces;
}

function wallTraces(s) {
  return s.wall.map((br) => ({
    type: "scatter", mode: "lines", name: t("wall"), x: br.w, y: br.b, showlegend: false, line: { color: WALL, width: 2, dash: "dot" },
    text: br.log10_norm.map(fromLog10), hovertemplate: `${t("on the wall: w %{x:.3g}, b %{y:.3g}")}<br>‖∇E‖ %{text}<extra></extra>`,
  }));
}

function surfaceFigure(kind, s, d, width) {
  const win = window2d(s.config);
  const loss = kind === "loss";
  const ticks = [-plots.ZMAX, -plots.ZMAX / 2, 0, plots.ZMAX / 2, plots.ZMAX];
  const heat = loss
    ? { z: s.loss, zmin: 0, zmax: E_MAX, colorscale: GREYS, colorbar: { title: { text: "E" }, thickness: 14 },
      hovertemplate: "w %{x:.3f}, b %{y:.3f}<br>E %{z:.4f}<extra></extra>" }
    : { z: s.log10_norm, zmin: -plots.ZMAX, zmax: plots.ZMAX, colorscale: RDBU,
      colorbar: { thickness: 14, tickvals: ticks, ticktext: ticks.map((v, i) => (i === 0 ? "≤" : i === 4 ? "≥" : "") + powerLabel(v)) },
      hovertemplate: "w %{x:.3f}, b %{y:.3f}<br>log₁₀‖∇E‖ %{z:.2f}<extra></extra>" };
  return {
    data: [{ type: "heatmap", x: s.w, y: s.b, ...heat }, ...wallTraces(s), ...runTraces(d, loss)],
    layout: {
      ...plots.BASE, uirevision: JSON.stringify(win), // a new window resets the zoom, a new start does not
      title: { text: loss ? t("Error E over (w, b), T = {steps}", { steps: s.config.steps }) : t("Gradient norm ‖∇E‖: the wall"), y: 0.98, yanchor: "top" },
      margin: { l: 55, r: 10, t: loss && d ? legendTop(d.runs.map((r) => RUNS[r.method].name), width - 140) : 40, b: 45 },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      xaxis: { title: { text: "w" }, range: win.w, showgrid: false, zeroline: false },
      yaxis: { title: { text: "b" }, range: win.b, showgrid: false, zeroline: false },
    },
  };
}

// A click anywhere on a surface moves the start there (at the pointer, not the cell centre).
function clickable(el) {
  if (el.dataset.clickable) return;
  el.dataset.clickable = "yes";
  el.on("plotly_click", (ev) => {
    const area = el.querySelector(".nsewdrag");
    if (!area || !ev.event) return;
    const r = area.getBoundingClientRect();
    const [x0, x1] = el.layout.xaxis.range;
    const [y0, y1] = el.layout.yaxis.range;
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
  for (const [kind, id] of [["loss", "plot-loss"], ["grad", "plot-grad"]]) {
    draw($(id), surfaceFigure(kind, surface, descent, $(id).clientWidth));
    clickable($(id));
  }
}

function curvesFigure(d, width) {
  const data = d.runs.map((r) => ({
    type: "scatter", mode: "lines", name: RUNS[r.method].name, x: r.loss.map((_, i) => i), y: r.loss,
    line: { color: RUNS[r.method].color, width: 2.5, dash: RUNS[r.method].dash },
    hovertemplate: `${t("{name}<br>step %{x}: E %{y:.4f}", { name: RUNS[r.method].name })}<extra></extra>`,
  }));
  return {
    data,
    layout: {
      ...plots.BASE, title: { text: t("E at each iteration"), y: 0.98, yanchor: "top" },
      margin: { l: 55, r: 10, t: legendTop(data.map((t) => t.name), width - 65), b: 45 },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      xaxis: { title: { text: t("iteration") }, range: [0, d.config.iterations] }, yaxis: { title: { text: "E" }, range: [0, 0.5] },
    },
  };
}

function stepsFigure(d, width) {
  const cap = Math.log10(d.max_clipped_step);
  const traces = d.runs.map((r) => ({
    // Markers too: a plain run thrown onto a plain makes one huge step, then steps of exactly 0 (no line).
    ...plots.line(r.log10_step, RUNS[r.method].name, {
      mode: "lines+markers", line: { color: RUNS[r.method].color, width: 2.5, dash: RUNS[r.method].dash },
      marker: { color: RUNS[r.method].color, size: 7, symbol: RUNS[r.method].symbol },
    }),
    x: r.log10_step.map((_, i) => i + 1),
    hovertemplate: `${t("{name}<br>step %{x}: length %{text}", { name: RUNS[r.method].name })}<extra></extra>`,
  }));
  const n = d.config.iterations;
  traces.push({ type: "scatter", mode: "lines", name: "lr·v", x: [1, n], y: [cap, cap], meta: "overlay", line: { color: plots.COLORS.bound, width: 1 }, hoverinfo: "skip" });
  const fig = plots.logLinesFigure(traces, { title: t("Length of each step"), xTitle: t("iteration") });
  fig.layout.yaxis.title = { text: "‖Δ(w, b)‖" };
  fig.layout.margin.t = legendTop(traces.map((t) => t.name), width - 70);
  fig.layout.xaxis.range = [0.5, n + 0.5];
  return fig;
}

function summaryHTML(d, win) {
  const rows = d.runs.map((r) => {
    const steps = r.log10_step.filter((v) => v !== null);
    const longest = steps.length ? Math.max(...steps) : -Infinity;
    const clipped = r.clipped.filter(Boolean).length;
    const extra = clauses(
      r.method === "none" ? "" : t("clipped {count} of {total}", { count: clipped, total: r.clipped.length }),
      r.random.some(Boolean) ? t("{count} random", { count: r.random.filter(Boolean).length }) : "",
      r.stopped === "box" ? t("stopped: left |w|, |b| ≤ 10⁶") : r.stopped === "overflow" ? t("stopped: overflow") : "",
    );
    const result = t("E {loss}; longest step {step}", { loss: r.loss[r.loss.length - 1].toPrecision(3), step: plain(longest) });
    return `<dt>${RUNS[r.method].name}</dt><dd>${extra ? t("{result}; {details}", { result, details: extra }) : result}</dd>`;
  });
  const plainRun = d.runs.find((r) => r.method === "none");
  const first = Math.max(...plainRun.log10_step.filter((v) => v !== null), -Infinity);
  const off = leaves(plainRun, win);
  const ratio = first - Math.log10(d.max_clipped_step);
  let text = t("Clipped steps are at most lr·v = {cap} long.", { cap: d.max_clipped_step.toPrecision(3) });
  if (ratio >= 1) {
    text = sentences(off !== null
      ? t("Without clipping the longest step is {ratio} times lr·v: thrown off the map at step {step}.", { ratio: plain(ratio), step: off })
      : t("Without clipping the longest step is {ratio} times lr·v.", { ratio: plain(ratio) }), text);
  }
  return `<h3>${t("After {count} iterations", { count: d.config.iterations })}</h3><dl>${rows.join("")}</dl><p>${text}</p>`;
}

function figures({ cliff }) {
  // The same grid again (a new start): keep the old arrays, so Plotly does not redraw the heatmaps.
  if (!surface || JSON.stringify(surface.config) !== JSON.stringify(cliff.config)) {
    // An exactly zero gradient (-Infinity) takes the bottom colour.
    surface = { ...cliff, log10_norm: cliff.log10_norm.map((row) => Float32Array.from(row, (v) => (v === -Infinity ? -plots.ZMAX - 1 : v))) };
  }
  const s = surface.summary;
  return [
    () => drawSurfaces(),
    () => {
      $("wall-note").textContent = s.max_wall_log10_norm === null ? t("The wall is outside this window.")
        : t("On the wall ‖∇E‖ reaches {wall}; on the grid at most {most}, typically {median}.", {
          wall: fromLog10(s.max_wall_log10_norm), most: fromLog10(s.max_log10_norm), median: fromLog10(s.median_log10_norm),
        });
    },
  ];
}

function sideFigures({ descent: d }, state) {
  descent = d;
  return [
    () => { if (surface) drawSurfaces(); },
    () => {
      draw($("plot-curves"), curvesFigure(d, $("plot-curves").clientWidth));
      draw($("plot-steps"), stepsFigure(d, $("plot-steps").clientWidth));
      const num = (k) => Number(state[k]);
      const win = window2d({ w_center: num("w_center"), w_range: num("w_range"), b_center: num("b_center"), b_range: num("b_range") });
      $("summary").innerHTML = summaryHTML(d, win);
    },
  ];
}

startView({
  spec: SPEC,
  config: JSON.parse(document.getElementById("page-config").textContent),
  modelsOf: () => ["cliff"],
  figures,
  sideOf: () => ["descent"],
  sideFigures,
});
