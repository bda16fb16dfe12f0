// The training lab: settings in the URL, Start and Stop, and four live figures fed by the server-sent
// events of GET /api/v1/train (read with fetch, so a 422 or 503 answer can be shown and Stop can abort).
// The server draws the figures (app/figures/train.py) and sends them with the progress events; the page keeps
// every update's numbers as well, for the data downloads (download.js).
import { apiQuery, invalid, toQuery } from "./state.js";
import { $, drawAtOnce, fromLink, keptQuery, publish, say, selectChoices, showErrors, typeset } from "./view.js";
import { decodeArrays } from "./api.js";
import { fromLog10, plain } from "./format.js";
import { LANG, N_, reword, sentences, t } from "./i18n.js";

// The server's messages (app/contract/training.py, app/endpoints/training.py), said again in the page's language.
const SERVER_TEXTS = [
  N_("Stopped at the time budget of {budget} s after {step} of {total} updates."),
  N_("Update {step} had an Inf/NaN gradient and was not applied: without clipping the run cannot go on. Turn clipping on to take a random step of size v instead."),
  N_("{limit} trainings are running, the most this server runs at once; try again in {wait} s."),
  N_("training failed: {error}"),
  N_("The server is restarting: stopped after {step} of {total} updates."),
];
const server = (message) => reword(message, SERVER_TEXTS);

const CONFIG = JSON.parse($("page-config").textContent);

const SPEC = {
  fields: {
    model: { kind: "choice" },
    task: { kind: "choice" },
    lag: { kind: "integer" },
    hidden: { kind: "integer" },
    optimizer: { kind: "choice" },
    lr: { kind: "number" },
    clip: { kind: "choice" },
    threshold: { kind: "number" },
    forget_bias: { kind: "number", models: ["lstm", "gru"] },
    reg_weight: { kind: "number", models: ["rnn"] },
    batch: { kind: "integer" },
    iterations: { kind: "integer" },
    seed: { kind: "integer" },
  },
};
const CHOICES = selectChoices();
const DRAW_EVERY_MS = 250;
const FIGURES = ["loss", "grad", "heat", "far"];

let state = fromLink(SPEC, CONFIG, CHOICES); // a bad value in the link: its default, with a note
let run = null; // the run in progress: {controller, data}
let shown = null; // the data drawn last (kept after a run ends)
let drawTimer = null;
let begun = false; // a run was started on this page (by hand, a key or a story)

// ---------- settings ----------

function writeURL() {
  if (errorsNow().length) return; // only a state the page can run reaches the address bar (and a shared link)
  history.replaceState(null, "", `?${toQuery(state, SPEC)}${keptQuery()}`);
  publish({ query: `${toQuery(state, SPEC)}${keptQuery()}` }); // the Share dialog's links follow
}

function writeControls() {
  for (const key of Object.keys(SPEC.fields)) {
    // Only what differs, and never the box under the typing hand.
    for (const el of [$(`in-${key}`), $(`num-${key}`)]) if (el && el !== document.activeElement && el.value !== state[key]) el.value = state[key];
  }
  for (const el of document.querySelectorAll("[data-show]")) {
    const on = el.dataset.show.split(" ");
    el.hidden = !(on.includes(state.model) || (on.includes("clip") && state.clip !== "none"));
  }
  $("json-link").href = `${CONFIG.api}?${apiQuery(state, SPEC, state.model)}`;
}

function set(key, value) {
  state = { ...state, [key]: value };
  writeURL();
  writeControls();
  showErrors(errorsNow());
  if (!run && (key === "task" || key === "lag")) describeTask();
}

// The task's text from the settings, until a run's start event describes it.
function describeTask() {
  $("task-text").innerHTML = taskText({ config: state });
  typeset($("task-text"));
}

function bindControls() {
  for (const key of Object.keys(SPEC.fields)) {
    const input = $(`in-${key}`);
    const live = input.type === "range" ? "input" : "change";
    input.addEventListener(live, () => set(key, input.value));
    const box = $(`num-${key}`);
    if (box) box.addEventListener("change", () => set(key, box.value));
  }
}

const errorsNow = () => Object.entries(invalid(state, SPEC, [state.model], CONFIG.limits, CHOICES)).map(([field, message]) => ({ field, message }));


// ---------- a run ----------

// A run's numbers as the events brought them (every update by column), and the figures and summary numbers
// the server drew last; `fresh` names the figures not drawn yet.
function emptyData() {
  return {
    start: null, done: null, step: [], loss: [], accuracy: [], gnorm: [], clipped: [], random: [], nonfinite: [],
    far: [], omega: [], snaps: [], elapsed: 0, figures: {}, facts: null, fresh: new Set(),
  };
}

// The figures and summary numbers an event carries (the figures' arrays are base64 float32 until decoded).
function takeFigures(d, figures, facts) {
  if (!figures) return;
  for (const [name, fig] of Object.entries(decodeArrays(figures))) {
    d.figures[name] = fig;
    d.fresh.add(name);
  }
  d.facts = facts;
}

function onStart(d, s) {
  d.start = s;
  const n = s.config.iterations;
  $("progress").max = n;
  $("task-text").innerHTML = taskText(s);
  typeset($("task-text"));
}

function onProgress(d, p) {
  const u = p.updates;
  u.step.forEach((step, i) => {
    d.step.push(step);
    d.loss.push(u.loss[i]);
    d.accuracy.push(u.accuracy ? u.accuracy[i] : null);
    d.gnorm.push(u.log10_grad_norm[i]);
    d.clipped.push(u.clipped[i]);
    d.random.push(u.random_step[i]);
    d.nonfinite.push(u.nonfinite[i]);
    d.far.push(u.log10_far_share[i]);
    d.omega.push(u.omega ? u.omega[i] : null);
  });
  for (const s of p.snapshots) d.snaps.push(s);
  d.elapsed = p.elapsed_s;
  takeFigures(d, p.figures, p.facts);
}

function onDone(d, payload) {
  const { figures, facts, ...done } = payload;
  d.done = done;
  takeFigures(d, figures, facts);
}

// Server-sent events from a fetch body: blocks separated by a blank line, "event:" and "data:" lines.
async function readEvents(body, handle) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) handle(name, JSON.parse(data.join("\n")));
    }
  }
}

// `take`: Stop takes the focus (a run started by hand, so Enter or Space stops it); a story's run leaves it be.
function setRunning(on, take = true) {
  const hadFocus = document.activeElement;
  $("settings").disabled = on;
  $("start").disabled = on;
  $("stop").disabled = !on;
  if (on && take) $("stop").focus();
  else if (hadFocus === $("stop") || hadFocus === document.body) $("start").focus();
}

async function start(how) {
  if (run) return;
  begun = true;
  const local = errorsNow();
  if (local.length) {
    showErrors(local);
    say(t("Fix the highlighted value to start."), true);
    return;
  }
  showErrors([]);
  const controller = new AbortController();
  const data = emptyData();
  run = { controller, data };
  shown = data;
  document.body.dataset.run = "running";
  document.body.dataset.updates = "0";
  setRunning(true, how !== "story");
  say(t("Starting…"));
  $("summary").innerHTML = "";
  $("progress").value = 0;
  $("progress-text").textContent = "";
  try {
    const response = await fetch(`${CONFIG.api}?${apiQuery(state, SPEC, state.model)}`, {
      headers: { Accept: "text/event-stream", "Accept-Language": LANG }, signal: controller.signal,
    });
    if (!response.ok) {
      await refused(response);
      return;
    }
    say(t("Training…"));
    await readEvents(response.body, (name, payload) => {
      if (name === "start") onStart(data, payload);
      else if (name === "progress") { onProgress(data, payload); schedule(); }
      else if (name === "done") onDone(data, payload);
      else if (name === "error") data.error = payload.message;
    });
    finish(data);
  } catch (err) {
    if (err.name === "AbortError") stopped(data);
    else {
      document.body.dataset.run = "error";
      say(t("The server could not be reached or the connection broke; the run is lost. Start again when it is back."), true);
    }
  } finally {
    run = null;
    setRunning(false);
    drawNow();
  }
}

async function refused(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const details = (body?.detail || [{ field: null, message: t("The server answered {status}.", { status: response.status }) }])
    .map((d) => ({ ...d, message: server(d.message) }));
  const loose = showErrors(details);
  if (response.status === 503) {
    const wait = response.headers.get("Retry-After");
    const text = sentences(...loose);
    say(wait ? t("{message} (retry after {wait} s)", { message: text, wait }) : text, true);
  } else say(loose.length ? sentences(...loose) : t("Fix the highlighted value to start."), true);
  document.body.dataset.run = "refused";
}

function finish(d) {
  if (d.error) {
    document.body.dataset.run = "error";
    say(server(d.error), true);
  } else if (d.done) {
    document.body.dataset.run = "done";
    say(d.done.reason === "finished" ? "" : server(d.done.message), d.done.reason !== "finished" && d.done.reason !== "budget");
  } else {
    document.body.dataset.run = "error";
    say(t("The stream ended before the run did (the server went away?)."), true);
  }
}

function stopped(d) {
  document.body.dataset.run = "stopped";
  say(t("Stopped after {count} updates; the server ended the run.", { count: d.step.length }));
}

function stop() {
  if (run) run.controller.abort();
}

// ---------- drawing ----------

function schedule() {
  if (drawTimer === null) drawTimer = setTimeout(drawNow, DRAW_EVERY_MS);
}

function drawNow() {
  clearTimeout(drawTimer);
  drawTimer = null;
  const d = shown;
  if (!d || !d.start) return;
  publish({ run: d }); // the data downloads offer this run
  const n = d.step.length;
  $("progress").value = n;
  const last = n ? d.step[n - 1] : 0;
  $("progress-text").textContent = t("update {step} of {total} · {elapsed} s of the {budget} s budget", {
    step: last, total: d.start.config.iterations, elapsed: d.elapsed.toFixed(1), budget: d.start.budget_s,
  });
  document.body.dataset.updates = String(last);
  for (const name of FIGURES) if (d.fresh.has(name)) drawAtOnce($(`plot-${name}`), d.figures[name]);
  d.fresh.clear();
  $("summary").innerHTML = summaryHTML(d);
}

function taskText(s) {
  const L = s.config.lag;
  if (s.config.task === "adding") {
    return t("The adding problem at $L = {lag}$: {lag} steps of a random value in $[0, 1]$ and a marker; one marked step in the first half, one in the second, and the net must answer the sum of the two marked values. Always answering 1 scores an MSE of $1/6 \\approx 0.167$; using the near marker alone, $1/12 \\approx 0.083$.", { lag: L });
  }
  return t("Recall at $L = {lag}$: step 1 shows one of 4 symbols, the next {lag} steps only noise; after the last step the net must name the symbol (cross-entropy). Chance is 25 %, a loss of $\\ln 4 \\approx 1.39$.", { lag: L });
}

function verdict(d) {
  const s = d.start;
  const e = d.done?.evaluation;
  if (!e) return "";
  if (s.config.task === "adding") {
    const mse = e.loss;
    const value = mse.toPrecision(3);
    return e.solved ? t("Held-out MSE {value}: solved.", { value })
      : mse < 0.06 ? t("Held-out MSE {value}: partly learned: both markers are used, not yet exactly.", { value })
      : mse < 0.12 ? t("Held-out MSE {value}: about what the near marker alone gives (0.083): the far marker is not learned.", { value })
      : t("Held-out MSE {value}: no better than always answering 1 (0.167).", { value });
  }
  const acc = e.accuracy;
  const value = (100 * acc).toFixed(1);
  return e.solved ? t("Held-out accuracy {value} %: solved.", { value })
    : acc < 0.35 ? t("Held-out accuracy {value} %: chance level (25 %): the symbol is not carried across the lag.", { value })
    : t("Held-out accuracy {value} %: partly learned.", { value });
}

// The loss's name as the server gives it ("MSE", "cross-entropy"), in the page's language.
const lossName = (s) => (s.loss_name === "cross-entropy" ? t("cross-entropy") : s.loss_name);

// The summary from the numbers the server sent with the figures (app/figures/train.py facts).
function summaryHTML(d) {
  const f = d.facts;
  if (!f || !f.updates) return "";
  const rows = [
    [t("{loss} (running mean)", { loss: lossName(d.start) }), f.loss_mean === null ? "—" : f.loss_mean.toPrecision(3)],
    [t("largest ‖g‖"), f.log10_grad_max === null ? "—" : fromLog10(f.log10_grad_max)],
    [t("clipped updates"), t("{count} of {total}", { count: f.clipped, total: f.updates })],
    [t("Inf/NaN gradients"), String(f.nonfinite)],
    [t("far share (mean)"), f.far_mean === null ? "—" : plain(f.far_mean)],
  ];
  const dl = `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>`;
  const why = {
    finished: "", budget: server(d.done?.message), shutdown: server(d.done?.message),
    diverged: t("Diverged: an Inf/NaN gradient without clipping."),
  };
  const end = d.done ? `<p>${verdict(d)}${LANG === "zh" ? "" : " "}${why[d.done.reason] ?? ""}</p>` : "";
  return dl + end;
}

// A story (story=c11 in the URL, known to the server: its banner is on the page) opens with its run going, so
// its figures fill at once; not in an embed (a course page may hold several). Once per page, and only on
// screen: a story opened in a background tab starts when it is first shown, and not at all when a run was
// started by hand before. The server's limits hold as for Start (a 503 is shown with its wait); the loss
// figure's title says "live run, seed N".
function autostart() {
  if (!document.querySelector("aside.story") || document.body.classList.contains("embed")) return;
  const go = () => {
    if (document.visibilityState !== "visible") return;
    document.removeEventListener("visibilitychange", go);
    if (begun) return;
    document.body.dataset.autostarted = "1";
    start("story");
  };
  if (document.visibilityState === "visible") go();
  else document.addEventListener("visibilitychange", go);
}

// ---------- start ----------

writeControls();
bindControls();
showErrors(errorsNow());
$("start").addEventListener("click", start);
$("stop").addEventListener("click", stop);
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && run) stop(); });
document.body.dataset.run = "idle";
autostart();
$("task-text").innerHTML = taskText({ config: state });
if (document.readyState === "complete") typeset(document.body); else window.addEventListener("load", () => typeset(document.body));
