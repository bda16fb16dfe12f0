// Wires the controls, the URL, the API and the figures together. Nothing else talks to more than one of them.
import { Loader } from "./api.js";
import { FIELDS, apiQuery, fromURL, invalid, modelsOf, toQuery } from "./state.js";
import * as plots from "./plots.js";

const config = JSON.parse(document.getElementById("page-config").textContent);
const $ = (id) => document.getElementById(id);
const LABEL = { rnn: "RNN", lstm: "LSTM", gru: "GRU" };
const JACOBIAN = { rnn: "‖∂h_t/∂h_k‖", lstm: "‖∂(h_t,c_t)/∂(h_k,c_k)‖", gru: "‖∂h_t/∂h_k‖" };
let state = fromURL(window.location.search, config);
let retryTimer = null;
let slowTimer = null;
let retryDelay = 500;

function writeControls() {
  for (const radio of document.querySelectorAll('input[name="model"]')) radio.checked = radio.value === state.model;
  for (const [key, field] of Object.entries(FIELDS)) {
    const input = $(`in-${key}`);
    if (field.kind === "flag") { input.checked = state[key] === "true"; continue; }
    input.value = state[key];
    const box = $(`num-${key}`);
    if (box) box.value = state[key];
  }
  const active = modelsOf(state);
  for (const el of document.querySelectorAll("[data-models]")) {
    el.hidden = !el.dataset.models.split(" ").some((m) => active.includes(m));
  }
}

function set(key, value) {
  state = { ...state, [key]: value };
  history.replaceState(null, "", `?${toQuery(state)}`);
  writeControls();
  refresh();
}

function bindControls() {
  for (const radio of document.querySelectorAll('input[name="model"]')) {
    radio.addEventListener("change", () => set("model", radio.value));
  }
  for (const [key, field] of Object.entries(FIELDS)) {
    const input = $(`in-${key}`);
    if (field.kind === "flag") { input.addEventListener("change", () => set(key, String(input.checked))); continue; }
    input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => set(key, input.value));
    const box = $(`num-${key}`);
    if (box) box.addEventListener("change", () => set(key, box.value));
  }
}

const CHOICES = Object.fromEntries(
  [...document.querySelectorAll("select")].map((s) => [s.name, [...s.options].map((o) => o.value)]),
);

// Puts each message beside its control; returns the ones that belong to no control.
function showErrors(details) {
  for (const el of document.querySelectorAll(".error")) el.textContent = "";
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const loose = [];
  for (const d of details) {
    const slot = d.field && $(`err-${d.field}`);
    if (slot) {
      slot.textContent = d.message;
      for (const id of [`in-${d.field}`, `num-${d.field}`]) $(id)?.setAttribute("aria-invalid", "true");
    } else loose.push(d.message);
  }
  return loose;
}

// The line above the plots: progress in grey, problems in red.
function say(text, alert = false) {
  $("status").textContent = text;
  $("status").classList.toggle("alert", alert);
}

function stale(messages) {
  say(["Showing the last valid result; fix the highlighted value.", ...messages].join(" "), true);
}

function draw(el, fig) {
  Plotly.react(el, fig.data, fig.layout, plots.CONFIG);
}

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
      ? "below 1: every long product vanishes (sufficient condition)"
      : "at least 1: exploding is possible (necessary condition)";
    return `<h3>RNN</h3>${list([["ρ(W)", s.spectral_radius], ["‖W‖₂", s.sigma_max], ["γ = sup φ′", s.gamma], ["γ‖W‖₂", s.gamma_sigma_max]])}` +
      `<p>γ‖W‖₂ is ${verdict}.</p>`;
  }
  if (data.model === "gru") {
    return `<h3>GRU</h3>${list([["σ(−b_z)", s.sigmoid_minus_update_bias], ["mean z", s.mean_update_gate], ["min z", s.min_update_gate], ["‖W_h‖₂ (all gates)", s.recurrent_sigma_max]])}`;
  }
  return `<h3>LSTM</h3>${list([["σ(b_f)", s.sigmoid_forget_bias], ["mean f", s.mean_forget_gate], ["min f", s.min_forget_gate], ["‖W_h‖₂ (all gates)", s.recurrent_sigma_max]])}`;
}

// A gated cell's direct path (LSTM cell state, GRU carry) beside its full Jacobian.
function pathFigure(path, decay, { title, single, norm, full, reference, color }) {
  return plots.logLinesFigure([
    plots.bundle(path.log10_per_unit, path.k, single, { line: { color: "rgba(0,158,115,0.25)", width: 1 } }),
    plots.line(path.log10_norm, norm, { line: { color: plots.COLORS.cell, width: 3 } }),
    plots.line(decay.log10_norm, full, { line: { color, dash: "dash", width: 2 } }),
    plots.line(path.reference_log10, reference, { line: { color: plots.COLORS.ref, dash: "dot" } }),
  ], { title, xTitle: "source step k" });
}

// The figures of one answer, most important first. Each is drawn in a frame of its own, so the
// decay curve follows the slider at once and the heatmaps come in the next frames; a newer answer
// drops whatever is still waiting from an older one.
function figures(byModel) {
  const models = Object.keys(byModel);
  const tasks = [];
  tasks.push(() => {
    const traces = [];
    for (const m of models) {
      const d = byModel[m];
      traces.push(plots.line(d.decay.log10_norm, `${LABEL[m]} ${JACOBIAN[m].replace(/_t/g, "_T")}`, { line: { color: plots.COLORS[m], width: 3 } }));
      if (m === "rnn") traces.push(plots.line(d.bound.log10, "Pascanu bound (γ‖W‖₂)^(T−k)", { line: { color: plots.COLORS.bound, dash: "dash" }, meta: "overlay" }));
      if (m === "lstm") traces.push(plots.line(d.cell_path.reference_log10, "σ(b_f)^(T−k)", { line: { color: plots.COLORS.ref, dash: "dot" }, meta: "overlay" }));
      if (m === "gru") traces.push(plots.line(d.carry_path.reference_log10, "σ(−b_z)^(T−k)", { line: { color: plots.COLORS.ref, dash: "dashdot" }, meta: "overlay" }));
    }
    draw($("plot-decay"), plots.logLinesFigure(traces, { title: "Gradient reaching step k from step T", xTitle: "source step k" }));
    $("summary").innerHTML = models.map((m) => summaryHTML(byModel[m])).join("");
  });
  tasks.push(() => {
    const notes = [];
    row($("plot-pairs"), models, (m) => {
      const p = byModel[m].pairs;
      if (!p.exact) notes.push(`${LABEL[m]}: ${p.message}`);
      // Side by side the plots are narrow: the model's name alone (the panel's text says what is shown).
      const what = models.length > 2 ? "" : `: ${JACOBIAN[m]}`;
      return plots.pairsFigure(p, `${LABEL[m]}${what}${p.exact ? "" : " (estimate)"}`);
    });
    $("pairs-note").textContent = notes.join(" ");
  });
  // Same fixed scale as the heatmap above; one colour bar for both keeps the redraw cheaper.
  tasks.push(() => row($("plot-units"), models, (m) => plots.unitsFigure(byModel[m].units, `${LABEL[m]}: |∂L/∂h_k[i]|`), false));
  const { lstm, gru } = byModel;
  if (lstm) {
    tasks.push(() => draw($("plot-cell"), pathFigure(lstm.cell_path, lstm.decay, {
      title: "LSTM: cell-state path vs all paths", single: "single units ∏ f_j[i]", norm: "cell path ‖∏ diag(f_j)‖",
      full: "full Jacobian ‖∂(h_T,c_T)/∂(h_k,c_k)‖", reference: "σ(b_f)^(T−k)", color: plots.COLORS.lstm,
    })));
  }
  if (gru) {
    tasks.push(() => draw($("plot-carry"), pathFigure(gru.carry_path, gru.decay, {
      title: "GRU: carry path vs all paths", single: "single units ∏ (1 − z_j[i])", norm: "carry path ‖∏ diag(1 − z_j)‖",
      full: "full Jacobian ‖∂h_T/∂h_k‖", reference: "σ(−b_z)^(T−k)", color: plots.COLORS.gru,
    })));
  }
  return tasks;
}

let painting = 0;

// Runs the first task now and one more after each painted frame; body[data-drawn] names the state
// whose first figure is up, body[data-rendered] the state whose figures are all up.
function paint(tasks, tag) {
  const mine = ++painting;
  const next = (i) => {
    if (mine !== painting) return; // a newer answer took over
    tasks[i]();
    if (i === 0) document.body.dataset.drawn = tag;
    // rAF then a task: the next figure is drawn after this frame has been painted, not before it.
    if (i + 1 < tasks.length) requestAnimationFrame(() => setTimeout(() => next(i + 1), 0));
    else {
      performance.measure("render", "render-start"); // visible in the browser's performance tools
      document.body.dataset.rendered = tag;
    }
  };
  performance.mark("render-start");
  next(0);
}

function refresh() {
  clearTimeout(retryTimer);
  const local = invalid(state, config.limits, CHOICES);
  if (Object.keys(local).length) {
    loader.cancel();
    document.body.classList.remove("busy");
    stale(showErrors(Object.entries(local).map(([field, message]) => ({ field, message }))));
    return;
  }
  const models = modelsOf(state);
  const urls = models.map((m) => `${config.api[m]}?${apiQuery(state, m)}&format=compact`);
  $("json-link").href = `${config.api[models[0]]}?${apiQuery(state, models[0])}`;
  document.body.classList.add("busy");
  clearTimeout(slowTimer);
  // Large sizes take a moment: say so rather than look frozen.
  slowTimer = setTimeout(() => { if (!loader.idle) say("Computing…"); }, 300);
  loader.request({ tag: toQuery(state), models, urls });
}

function onResult(job, results) {
  retryDelay = 500;
  if (loader.idle) document.body.classList.remove("busy");
  const messages = showErrors(results.flatMap((r) => (r.ok ? [] : r.body.detail || [{ message: `Server error ${r.status}` }])));
  if (results.every((r) => r.ok)) {
    paint(figures(Object.fromEntries(results.map((r, i) => [job.models[i], r.body]))), job.tag);
    say(loader.idle ? "" : "Computing…");
  } else {
    stale(messages);
  }
}

function onError() {
  // The server is away (restarting, Wi-Fi gone): keep the plots and the URL, try again with backoff.
  say(`Server unreachable; retrying in ${Math.round(retryDelay / 100) / 10} s. Your settings are kept in the address bar.`, true);
  retryTimer = setTimeout(refresh, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 8000);
}

const loader = new Loader({ onResult, onError });

function typeset() {
  if (window.renderMathInElement) {
    window.renderMathInElement(document.body, { delimiters: [{ left: "$$", right: "$$", display: true }, { left: "$", right: "$", display: false }], throwOnError: false });
  }
}

writeControls();
bindControls();
refresh();
if (document.readyState === "complete") typeset(); else window.addEventListener("load", typeset);
