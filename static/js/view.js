// Wires one view's controls, URL, API and figures together. A view (recurrent.js, scalar.js, ...)
// declares its fields and builds its figures; everything else is here, the same on every page.
import { Loader } from "./api.js";
import { apiQuery, clip, fromURL, invalid, toQuery } from "./state.js";
import { LANG, t } from "./i18n.js";
import { Batch, STILL_MS, forget, submit } from "./painter.js";
import { configFor, renameDownloads } from "./plots.js";
import { projected } from "./present.js";
import { busyWait, limitMessage } from "./limits.js";
import { Prepared, fetchNeighbours } from "./prepared.js";
import { sideRequests } from "./side.js";

// Page-level parameters that are not a view's state but must survive its URL rewrites: the language,
// the story told, an embedded view's choices (/embed) and presenter mode (present.js, which may turn it
// on or off after the page loaded: read from the address bar each time).
const KEPT = ["lang", "story", "view", "controls", "plots", "text", "present"];
export const keptQuery = () => {
  const kept = new URLSearchParams(window.location.search);
  return KEPT.filter((k) => kept.has(k)).map((k) => `&${k}=${encodeURIComponent(kept.get(k))}`).join("");
};

export const $ = (id) => document.getElementById(id);

// Enter in a field must not reload the page (and lose nothing the user set); no inline handlers (CSP).
$("controls")?.addEventListener("submit", (e) => e.preventDefault());

// Puts each message beside its control; returns the ones that belong to no control.
let marked = true; // messages or highlights may be on the page (those written in the HTML, before the first call)
export function showErrors(details) {
  if (!marked && !details.length) return [];
  for (const el of document.querySelectorAll(".error")) el.textContent = "";
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  marked = details.length > 0;
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
export function say(text, alert = false) {
  $("status").textContent = text;
  $("status").classList.toggle("alert", alert);
}

// The figures of a view as app.figures builds them (GET /api/v1/figures/<view>), in the page's language.
export const figuresURL = (view, query) => `/api/v1/figures/${view}?${query}${query ? "&" : ""}lang=${LANG}`;

// Figures drawn while a view's answer is painted belong to its batch (painter.js); others to one of their own.
let batch = null;

// A plot or panel an embedding page left out (/embed's plots=): never fetched for, never drawn.
const hidden = (el) => Boolean(el?.closest(".embed-hidden"));

// Queues `fig` for plot `el`: painter.js draws it in a coming frame, at once if it is on screen.
// `resize`: fit the plot to its container after drawing (its siblings changed); `after(el)` runs once it is drawn.
export function draw(el, fig, { resize = false, after = null } = {}) {
  if (hidden(el)) return;
  const own = batch ?? new Batch(el.id);
  submit(el, fig, own, { resize, after });
  if (own !== batch) own.seal();
}

// Draws `fig` in plot `el` now, for figures that come seldom (the training lab's, every half second at most).
export function drawAtOnce(el, fig) {
  forget(el);
  const f = projected(el, fig); // larger type and lines in presenter mode, titles fitted to a phone
  Plotly.react(el, f.data, f.layout, configFor(el));
}

// Empties a plot, with whatever it was waiting to draw.
export function clear(el) {
  forget(el);
  Plotly.purge(el);
}

// Runs a view's drawing tasks for one state, `tag`: their figures form one batch; onFirst runs when the first
// figure is on screen, onAll when all are.
function paintBatch(tasks, tag, onFirst, onAll) {
  batch = new Batch(tag, { onFirst, onAll });
  try {
    for (const task of tasks) task();
  } finally {
    const done = batch;
    batch = null;
    done.seal();
  }
}

// What the Share dialog and the data downloads read (share.js, download.js): the JSON URL of each API
// answer the view draws, by name ({} while the settings are invalid), and numbers a view gathers itself
// (the training lab's run); `query` is the whole state as a query string, defaults written out.
// A view calls publish() when they change; listeners hear "view:change".
export const current = { query: null, sources: {}, run: null };
export function publish(change) {
  Object.assign(current, change);
  document.dispatchEvent(new CustomEvent("view:change"));
}

// Each <select>'s allowed values by name, for invalid() (state.js).
export const selectChoices = () => Object.fromEntries(
  [...document.querySelectorAll("select")].map((s) => [s.name, [...s.options].map((o) => o.value)]),
);

// Renders the $...$ and $$...$$ maths under `el` with KaTeX, once its script has loaded.
export function typeset(el = document.body) {
  if (window.renderMathInElement) {
    window.renderMathInElement(el, { delimiters: [{ left: "$$", right: "$$", display: true }, { left: "$", right: "$", display: false }], throwOnError: false });
  }
}

// The state a link asks for. A value the view cannot show falls back to its default, and a note above the plots
// names the field, what was given (at most 40 characters) and what is allowed; the address bar is then corrected.
export function fromLink(spec, config, choices) {
  const state = fromURL(window.location.search, config.defaults, spec);
  const notes = [];
  const asked = new URLSearchParams(window.location.search).get("model");
  if (spec.models && asked !== null && state.model !== (spec.aliases?.[asked] || asked)) {
    notes.push(t("{key} must be one of: {choices} (got '{raw}')", { key: "model", choices: spec.models.join(", "), raw: clip(asked) }));
  }
  // Every field, whichever model it belongs to: another model may be chosen next.
  const bad = invalid(state, spec, spec.models ?? [undefined], config.limits, choices);
  for (const [key, message] of Object.entries(bad)) {
    notes.push(message);
    state[key] = String(config.defaults[key]);
  }
  if (notes.length) {
    const note = Object.assign(document.createElement("p"), { id: "url-note", className: "status alert" });
    note.setAttribute("role", "status");
    note.textContent = `${t("The link had values this view cannot show; it shows the defaults instead.")} ${notes.join(LANG === "zh" ? "；" : "; ")}`;
    $("status")?.before(note);
    history.replaceState(null, "", `?${toQuery(state, spec)}${keptQuery()}`);
  }
  return state;
}

// spec: the fields (state.js); config: page-config ({limits, defaults, api}); modelsOf(state): the
// models to ask for (default: the one endpoint config.api); figures(byModel, state): the drawing tasks,
// most important first. With figureView(state) (a view name of app.figures), the page asks
// /api/v1/figures/<name> for its figures, built in Python as for the offline export and notebooks, and
// figures({figures: answer}, state) draws them; the data downloads still name the models' own endpoints.
// sideOf(state) names secondary endpoints (theory, near/far) fetched on a loader of their own, so a slow one
// never holds the main figures back; sideFigures(byName, state) draws them (body[data-side] then names the
// state they belong to). A side name listed in sideViews is a view of app.figures: /api/v1/figures/<name>.
// sidePanels ({name: element id}) lets side panels off screen wait until the hand is still (sideRequests).
export function startView({ spec, config, figures, modelsOf = () => [undefined], figureView = null, sideOf = () => [], sideViews = [], sideFigures = () => [], sidePanels = null }) {
  const CHOICES = selectChoices();
  let state = fromLink(spec, config, CHOICES);
  const side = sideRequests(sidePanels);
  let retryTimer = null;
  let slowTimer = null;
  let retryDelay = 500;
  const urlOf = (m) => (m === undefined ? config.api : config.api[m]);
  const valid = (st) => Object.keys(invalid(st, spec, modelsOf(st), config.limits, CHOICES)).length === 0;


  // Only what differs is written: a dragged slider changes one value at every step.
  let shownModels = null; // the models whose controls are shown
  function writeControls() {
    for (const radio of document.querySelectorAll('input[name="model"]')) radio.checked = radio.value === state.model;
    for (const [key, field] of Object.entries(spec.fields)) {
      const input = $(`in-${key}`);
      if (field.kind === "flag") { input.checked = state[key] === "true"; continue; }
      if (input.value !== state[key]) input.value = state[key];
      const box = $(`num-${key}`);
      if (box && box !== document.activeElement && box.value !== state[key]) box.value = state[key]; // never under the typing hand
    }
    const active = modelsOf(state);
    if (String(active) === shownModels) return;
    shownModels = String(active);
    for (const el of document.querySelectorAll("[data-models]")) {
      const hidden = !el.dataset.models.split(" ").some((m) => active.includes(m));
      if (el.hidden !== hidden) el.hidden = hidden;
    }
  }

  // The main answers of a state: the view's figures, or the models' data.
  function mainURLs(st) {
    const models = modelsOf(st);
    const view = figureView?.(st);
    const format = spec.compact ? "&format=compact" : ""; // base64 typed arrays where the endpoint has them
    return view
      ? [figuresURL(view, apiQuery(st, spec, models.length === 1 ? models[0] : undefined))]
      : models.map((m) => `${urlOf(m)}?${apiQuery(st, spec, m)}${format}`);
  }

  // Once a state is drawn and the hand rests: its neighbours on the slider last moved, if it came quickly, or a
  // grid of prepared states along it, if it came slowly (prepared.js).
  let moved = null; // the name of the range input last moved
  let slid = null; // the range input whose move the coming refresh follows
  let exactTimer = null;
  const prepared = new Prepared({ urlsOf: mainURLs, valid });
  function prepareAhead(tag, took, compute) {
    // Before any slider moved: the first one shown (a lecturer's link opened, the drag yet to come).
    // (offsetParent costs a layout: asked only before any slider moved)
    const first = () => [...document.querySelectorAll('#controls input[type="range"]')].find((el) => el.offsetParent);
    prepared.rest(state, moved ?? first()?.id.replace(/^in-/, ""), compute);
    fetchNeighbours(moved, took, () => toQuery(state, spec) === tag && loader.idle, state, valid, mainURLs);
  }

  // The address bar follows a slider's first move at once, and the rest of a drag once the hand is still
  // (STILL_MS without a move): a history rewrite costs the page ~10 ms, browsers throttle frequent ones, and a
  // drag sends an input every 16 ms.
  let urlTimer = null;
  let lastMove = -Infinity;
  // `now`: a choice, a flag or a typed number (no stream of them follows) is written at once.
  function writeURL(now = false) {
    const write = () => {
      clearTimeout(urlTimer);
      urlTimer = null;
      if (!valid(state)) return; // only a state the view can show reaches the address bar (and a shared link)
      history.replaceState(null, "", `?${toQuery(state, spec)}${keptQuery()}`);
      for (const el of document.querySelectorAll(".js-plotly-plot")) renameDownloads(el); // names follow the URL
    };
    clearTimeout(urlTimer);
    const rested = performance.now() - lastMove >= STILL_MS;
    lastMove = performance.now();
    if (now || rested) write();
    else urlTimer = setTimeout(write, STILL_MS);
  }

  // Settings changed in one go (a click on the cliff's surface sets w0 and b0) make one request: the refresh
  // waits for the end of the current event.
  let queued = false;
  function set(key, value, now = $(`in-${key}`)?.type !== "range") {
    state = { ...state, [key]: value };
    writeURL(now);
    writeControls();
    if (queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; refresh(); });
  }

  function bindControls() {
    for (const radio of document.querySelectorAll('input[name="model"]')) {
      radio.addEventListener("change", () => set("model", radio.value));
    }
    for (const [key, field] of Object.entries(spec.fields)) {
      const input = $(`in-${key}`);
      if (field.kind === "flag") { input.addEventListener("change", () => set(key, String(input.checked))); continue; }
      input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => {
        if (input.type === "range") { moved = key; slid = key; }
        set(key, input.value);
      });
      const box = $(`num-${key}`);
      if (box) box.addEventListener("change", () => set(key, box.value, true));
    }
  }


  function stale(messages) {
    say([t("Showing the last valid result; fix the highlighted value."), ...messages].join(" "), true);
  }

  // The figures of one answer, queued at once (painter.js draws them at the screen's pace, those on screen first);
  // body[data-drawn] names the state whose first figure is up, body[data-rendered] the state whose figures are
  // all up. A newer answer replaces figures still waiting from an older one.
  // `took`: null for a prepared state; `compute`: the server's milliseconds (null: from its cache).
  let painted = null; // the tag of the state last painted
  function paint(tasks, tag, took, compute = null) {
    painted = tag;
    performance.mark("render-start");
    paintBatch(tasks, tag, () => { document.body.dataset.drawn = tag; }, () => {
      performance.measure("render", "render-start"); // visible in the browser's performance tools
      document.body.dataset.rendered = tag;
      if (took !== null) prepareAhead(tag, took, compute);
    });
  }

  // A prepared state near the hand's, labelled, while the slider moves; the exact one once the hand rests.
  function showPrepared(near, models) {
    loader.cancel(); // an older exact state must not follow this one
    const byModel = Object.fromEntries(near.results.map((r, i) => [models[i] ?? "data", r.body]));
    const tag = toQuery(near.state, spec);
    if (tag !== painted) paint(figures(byModel, near.state), tag, null); // the hand moved within one grid cell
    const label = document.querySelector(`label[for="in-${prepared.slider}"]`)?.textContent.trim() || prepared.slider;
    say(t("Showing {name} = {value} while the slider moves; the exact figures follow when it stops.", { name: label, value: near.state[prepared.slider] }));
    clearTimeout(exactTimer);
    exactTimer = setTimeout(() => refresh(false), STILL_MS);
  }

  // `sliding`: whether a slider's move asked for it (a prepared state may stand in while it moves).
  function refresh(sliding = true) {
    clearTimeout(retryTimer);
    clearTimeout(exactTimer);
    prepared.stop();
    const models = modelsOf(state);
    const local = invalid(state, spec, models, config.limits, CHOICES);
    if (Object.keys(local).length) {
      loader.cancel();
      side.cancel();
      sideLoader.cancel();
      document.body.classList.remove("busy");
      stale(showErrors(Object.entries(local).map(([field, message]) => ({ field, message }))));
      publish({ sources: {} });
      return;
    }
    const view = figureView?.(state);
    const urls = mainURLs(state);
    $("json-link").href = `${urlOf(models[0])}?${apiQuery(state, spec, models[0])}`;
    clearTimeout(slowTimer);
    // Large sizes take a moment: say so rather than look frozen. (The busy cursor only then: a class on the
    // body restyles every plot's SVG, twice a state.)
    slowTimer = setTimeout(() => {
      if (loader.idle) return;
      say(t("Computing…"));
      document.body.classList.add("busy");
    }, 300);
    const near = sliding && slid !== null && slid === prepared.slider ? prepared.nearest(state) : null;
    slid = null;
    if (near) return showPrepared(near, view ? ["figures"] : models);
    loader.request({ tag: toQuery(state, spec), models: view ? ["figures"] : models, urls, state });
    const names = sideOf(state).filter((n) => !hidden($(sidePanels?.[n]))); // an embed may leave panels out
    publish({
      query: `${toQuery(state, spec)}${keptQuery()}`,
      sources: Object.fromEntries([...models, ...names].map((m) => [m ?? "data", `${urlOf(m)}?${apiQuery(state, spec, m)}`])),
    });
    if (names.length) {
      const sideURLs = names.map((m) => (sideViews.includes(m)
        ? figuresURL(m, apiQuery(state, spec, m)) : `${urlOf(m)}?${apiQuery(state, spec, m)}`));
      side.request({ tag: toQuery(state, spec), models: names, urls: sideURLs, state }, sideLoader);
    }
  }

  function onResult(job, results) {
    retryDelay = 500;
    if (loader.idle) document.body.classList.remove("busy");
    const wait = busyWait(results);
    if (wait !== null) {
      // Every heavy slot is taken (a class opening the same link): keep the plots, retry when one frees.
      say(t("Server busy; retrying in {seconds} s. Your settings are kept in the address bar.", { seconds: wait }), true);
      retryTimer = setTimeout(refresh, wait * 1000);
      return;
    }
    const details = results.flatMap((r) => (r.ok ? [] : r.body.detail || [{ message: t("Server error {status}", { status: r.status }) }]));
    const messages = showErrors(details.map((d) => ({ ...d, message: limitMessage(d.message) })));
    if (results.every((r) => r.ok)) {
      const byModel = Object.fromEntries(results.map((r, i) => [job.models[i] ?? "data", r.body]));
      const computed = results.map((r) => r.compute).filter((ms) => ms !== null);
      const compute = computed.length ? Math.max(...computed) : null;
      prepared.seen(job.state, compute);
      paint(figures(byModel, job.state), job.tag, job.took, compute);
      say(loader.idle ? "" : t("Computing…"));
    } else {
      stale(messages);
    }
  }

  function onError() {
    // The server is away (restarting, Wi-Fi gone): keep the plots and the URL, try again with backoff.
    say(t("Server unreachable; retrying in {seconds} s. Your settings are kept in the address bar.", { seconds: Math.round(retryDelay / 100) / 10 }), true);
    retryTimer = setTimeout(refresh, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 8000);
  }

  const loader = new Loader({ onResult, onError });

  // Secondary panels: queued when they arrive, like the main figures; errors there are the main request's to
  // report (same fields), and a dropped connection is retried by the main loader.
  function onSide(job, results) {
    if (!results.every((r) => r.ok)) return;
    const byName = Object.fromEntries(results.map((r, i) => [job.models[i], r.body]));
    paintBatch(sideFigures(byName, job.state), job.tag, () => {}, () => { document.body.dataset.side = job.tag; });
  }
  const sideLoader = new Loader({ onResult: onSide, onError: () => {} });

  writeControls();
  bindControls();
  refresh();
  if (document.readyState === "complete") typeset(); else window.addEventListener("load", () => typeset());
}
