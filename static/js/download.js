// "Download data": every view's numbers as CSV (long form, built here from the API's JSON) and JSON (the
// API's own answer, or the training lab's run as gathered by the page), and "reproduce it": the answer
// with the exact weights and a NumPy script that recomputes the decay curve (RNN, LSTM, GRU) from it.
import { current } from "./view.js";
import { fileStem, viewName } from "./names.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

// One CSV cell: numbers at full precision (the shortest text that reads back to the same double),
// -Infinity and NaN as -inf and nan. `nothing` is what a null stands for: in a log10 column the API
// writes an exact zero as null (-inf), elsewhere null means "not defined" (nan).
export function cell(v, nothing = "nan") {
  if (v === null || v === undefined) return nothing;
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "nan";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    return String(v);
  }
  const text = String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv = (header, rows) => [header.join(","), ...rows.map((r) => r.join(","))].join("\n") + "\n";
const log10 = (v) => cell(v, "-inf");

// Recurrent view, long form: model, series (decay, bound, rho, mean_field, cell_path, carry_path,
// reference, pairs), t, k and log10 of the norm. Curves run over k = 0..T with t = T; the (t, k)
// heatmap has one row per pair with k <= t.
function recurrentCSV(bodies) {
  const rows = [];
  for (const model of ["rnn", "lstm", "gru"]) {
    const d = bodies[model];
    if (!d) continue;
    const T = d.config.steps;
    const curve = (series, values) => values.forEach((v, k) => rows.push([model, series, T, k, log10(v)]));
    curve("decay", d.decay.log10_norm);
    if (d.bound) curve("bound", d.bound.log10);
    if (d.theory) {
      curve("rho", d.theory.rho_log10);
      if (d.theory.mean_field?.applies) curve("mean_field", d.theory.mean_field.log10);
    }
    const path = d.cell_path ? ["cell_path", d.cell_path] : d.carry_path ? ["carry_path", d.carry_path] : null;
    if (path) {
      curve(path[0], path[1].log10_norm);
      curve("reference", path[1].reference_log10);
    }
    const p = d.pairs;
    p.t.forEach((tt, r) => p.k.forEach((k, c) => { if (k <= tt) rows.push([model, "pairs", tt, k, log10(p.log10_norm[r][c])]); }));
  }
  return csv(["model", "series", "t", "k", "log10_norm"], rows);
}

// Scalar view, long form: each per-step array of the answer with its step (those with T entries run
// over t = 1..T, those with T + 1 over 0..T).
function scalarCSV({ data: d }) {
  const T = d.config.steps;
  const rows = [];
  for (const series of ["decay", "bound", "log10_running", "log10_factor", "log10_dphi", "pre", "states"]) {
    const first = d[series].length === T ? 1 : 0;
    const nothing = series === "pre" || series === "states" ? "nan" : "-inf";
    d[series].forEach((v, i) => rows.push([series, i + first, cell(v, nothing)]));
  }
  return csv(["series", "step", "value"], rows);
}

// Feed-forward view: one row per layer l = 0..L (h_0 is the input; W_l and the unit fractions start at l = 1).
function feedforwardCSV({ data: d }) {
  const rows = d.log10_grad_h.map((g, l) => [
    l, log10(g), log10(d.log10_rms_h[l]),
    l ? log10(d.log10_grad_w[l - 1]) : "nan", l ? cell(d.saturated_fraction[l - 1]) : "nan", l ? cell(d.dead_fraction[l - 1]) : "nan",
  ]);
  return csv(["layer", "log10_grad_h", "log10_rms_h", "log10_grad_w", "saturated_fraction", "dead_fraction"], rows);
}

// Cliff view: the grid, one row per (w, b) with the error E and log10 of its gradient's norm.
function cliffCSV({ cliff: s }) {
  const rows = [];
  s.b.forEach((b, i) => s.w.forEach((w, j) => rows.push([cell(w), cell(b), cell(s.loss[i][j]), log10(s.log10_norm[i][j])])));
  return csv(["w", "b", "E", "log10_grad_norm"], rows);
}

const UPDATES = {
  step: "step", loss: "loss", accuracy: "accuracy", log10_grad_norm: "gnorm", clipped: "clipped",
  random_step: "random", nonfinite: "nonfinite", log10_far_share: "far", omega: "omega",
};

// Training lab: one row per update of the run shown.
function trainCSV(run) {
  const names = Object.keys(UPDATES);
  const rows = run.step.map((_, i) => names.map((n) => cell(run[UPDATES[n]][i], n.startsWith("log10") ? "-inf" : "nan")));
  return csv(names, rows);
}

// The run as the server sent it: the start event, every update's numbers by column, the snapshots of
// how far back the error reaches, and the done event.
function trainJSON(run) {
  const updates = Object.fromEntries(Object.entries(UPDATES).map(([name, key]) => [name, run[key]]));
  return JSON.stringify({ start: run.start, updates, snapshots: run.snaps, done: run.done }, null, 1);
}

const CSV = { recurrent: recurrentCSV, scalar: scalarCSV, feedforward: feedforwardCSV, cliff: cliffCSV };
const MAIN = { recurrent: ["rnn", "lstm", "gru"], scalar: ["data"], feedforward: ["data"], cliff: ["cliff"] };
const WEIGHTS = { recurrent: ["rnn", "lstm", "gru"], scalar: ["data"], feedforward: ["data"] };

function save(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

const say = (text) => { $("dl-status").textContent = text; };

async function downloadCSV() {
  const view = viewName();
  if (view === "train") {
    if (!current.run) return say(t("Start a run first: the CSV holds its updates."));
    return save(trainCSV(current.run), `${fileStem()}.csv`, "text/csv");
  }
  const names = MAIN[view].filter((n) => n in current.sources);
  if (!names.length) return say(t("Fix the highlighted value first."));
  say(t("Preparing…"));
  try {
    const answers = await Promise.all(names.map(async (n) => {
      const response = await fetch(current.sources[n]);
      if (!response.ok) throw new Error(t("Server error {status}", { status: response.status }));
      return [n, await response.json()];
    }));
    save(CSV[view](Object.fromEntries(answers)), `${fileStem()}.csv`, "text/csv");
    say("");
  } catch (err) {
    say(err.message);
  }
}

function link(href, text, download) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  if (download) a.download = download;
  return a;
}

const label = (name) => (name === "data" ? "JSON" : name);

function update() {
  const view = viewName();
  const sources = current.sources;
  const json = $("dl-json-links");
  if (view === "train") {
    $("dl-run-json").hidden = false;
    json.replaceChildren();
  } else {
    json.replaceChildren(...Object.entries(sources).map(([n, url]) => link(url, label(n), `${fileStem()}_${n}.json`)));
  }
  const weights = (WEIGHTS[view] || []).filter((n) => n in sources);
  $("dl-weights").hidden = !weights.length;
  $("dl-weights-links").replaceChildren(...weights.map((n) => link(`${sources[n]}&include=weights`, label(n), `${fileStem()}_${n}_weights.json`)));
  const noScript = view !== "recurrent" || !weights.length; // the script knows the recurrent cells only
  $("dl-script").hidden = noScript;
  $("dl-script-how").hidden = noScript;
}

if ($("data-out")) {
  $("dl-csv").addEventListener("click", downloadCSV);
  $("dl-run-json").addEventListener("click", () => {
    if (!current.run) say(t("Start a run first: the JSON holds its updates."));
    else save(trainJSON(current.run), `${fileStem()}.json`, "application/json");
  });
  // The links follow the state while the panel is open; closed, they are written when it opens (a drag
  // changes the state at every step).
  const panel = $("data-out");
  document.addEventListener("view:change", () => { if (panel.open) update(); });
  panel.addEventListener("toggle", () => { if (panel.open) update(); });
  update();
}
