// Wires one view's controls, URL, API and figures together. A view (recurrent.js, scalar.js, ...)
// declares its fields and builds its figures; everything else is here, the same on every page.
import { Loader } from "./api.js";
import { apiQuery, fromURL, invalid, toQuery } from "./state.js";
import * as plots from "./plots.js";
import { LANG, t } from "./i18n.js";
import { projected } from "./present.js";
import { busyWait, limitMessage } from "./limits.js";

// Page-level parameters that are not a view's state but must survive its URL rewrites: the language,
// the story told, an embedded view's choices (/embed) and presenter mode (present.js, which may turn it
// on or off after the page loaded: read from the address bar each time).
const KEPT = ["lang", "story", "view", "controls", "text", "present"];
export const keptQuery = () => {
  const kept = new URLSearchParams(window.location.search);
  return KEPT.filter((k) => kept.has(k)).map((k) => `&${k}=${encodeURIComponent(kept.get(k))}`).join("");
};

export const $ = (id) => document.getElementById(id);

// Enter in a field must not reload the page (and lose nothing the user set); no inline handlers (CSP).
$("controls")?.addEventListener("submit", (e) => e.preventDefault());

// Puts each message beside its control; returns the ones that belong to no control.
export function showErrors(details) {
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
export function say(text, alert = false) {
  $("status").textContent = text;
  $("status").classList.toggle("alert", alert);
}

// The figures of a view as app.figures builds them (GET /api/v1/figures/<view>), in the page's language.
export const figuresURL = (view, query) => `/api/v1/figures/${view}?${query}${query ? "&" : ""}lang=${LANG}`;

export function draw(el, fig) {
  const f = projected(el, fig); // larger type and lines in presenter mode
  Plotly.react(el, f.data, f.layout, plots.configFor(el));
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

// spec: the fields (state.js); config: page-config ({limits, defaults, api}); modelsOf(state): the
// models to ask for (default: the one endpoint config.api); figures(byModel, state): the drawing tasks,
// most important first. With figureView(state) (a view name of app.figures), the page asks
// /api/v1/figures/<name> for its figures, built in Python as for the offline export and notebooks, and
// figures({figures: answer}, state) draws them; the data downloads still name the models' own endpoints.
// sideOf(state) names secondary endpoints (theory, near/far) fetched on a loader of their own, so a slow one
// never holds the main figures back; sideFigures(byName, state) draws them (body[data-side] then names the
// state they belong to). A side name listed in sideViews is a view of app.figures: /api/v1/figures/<name>.
export function startView({ spec, config, figures, modelsOf = () => [undefined], figureView = null, sideOf = () => [], sideViews = [], sideFigures = () => [] }) {
  let state = fromURL(window.location.search, config.defaults, spec);
  let retryTimer = null;
  let slowTimer = null;
  let retryDelay = 500;
  let painting = 0;
  const urlOf = (m) => (m === undefined ? config.api : config.api[m]);
  const CHOICES = selectChoices();

  function writeControls() {
    for (const radio of document.querySelectorAll('input[name="model"]')) radio.checked = radio.value === state.model;
    for (const [key, field] of Object.entries(spec.fields)) {
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

  // Settings changed in one go (a click on the cliff's surface sets w0 and b0) make one request: the refresh
  // waits for the end of the current event.
  let queued = false;
  function set(key, value) {
    state = { ...state, [key]: value };
    history.replaceState(null, "", `?${toQuery(state, spec)}${keptQuery()}`);
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
      input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => set(key, input.value));
      const box = $(`num-${key}`);
      if (box) box.addEventListener("change", () => set(key, box.value));
    }
  }


  function stale(messages) {
    say([t("Showing the last valid result; fix the highlighted value."), ...messages].join(" "), true);
  }

  // Runs the first task now and one more after each painted frame, so the first figure follows the
  // slider at once; body[data-drawn] names the state whose first figure is up, body[data-rendered]
  // the state whose figures are all up. A newer answer drops figures still waiting from an older one.
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
    const models = modelsOf(state);
    const local = invalid(state, spec, models, config.limits, CHOICES);
    if (Object.keys(local).length) {
      loader.cancel();
      sideLoader.cancel();
      document.body.classList.remove("busy");
      stale(showErrors(Object.entries(local).map(([field, message]) => ({ field, message }))));
      publish({ sources: {} });
      return;
    }
    const format = spec.compact ? "&format=compact" : ""; // base64 typed arrays where the endpoint has them
    const view = figureView?.(state);
    const urls = view
      ? [figuresURL(view, apiQuery(state, spec, models.length === 1 ? models[0] : undefined))]
      : models.map((m) => `${urlOf(m)}?${apiQuery(state, spec, m)}${format}`);
    $("json-link").href = `${urlOf(models[0])}?${apiQuery(state, spec, models[0])}`;
    document.body.classList.add("busy");
    clearTimeout(slowTimer);
    // Large sizes take a moment: say so rather than look frozen.
    slowTimer = setTimeout(() => { if (!loader.idle) say(t("Computing…")); }, 300);
    loader.request({ tag: toQuery(state, spec), models: view ? ["figures"] : models, urls, state });
    const names = sideOf(state);
    publish({
      query: `${toQuery(state, spec)}${keptQuery()}`,
      sources: Object.fromEntries([...models, ...names].map((m) => [m ?? "data", `${urlOf(m)}?${apiQuery(state, spec, m)}`])),
    });
    if (names.length) {
      const sideURLs = names.map((m) => (sideViews.includes(m)
        ? figuresURL(m, apiQuery(state, spec, m)) : `${urlOf(m)}?${apiQuery(state, spec, m)}`));
      sideLoader.request({ tag: toQuery(state, spec), models: names, urls: sideURLs, state });
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
      paint(figures(byModel, job.state), job.tag);
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

  // Secondary panels: drawn when they arrive, each task in a frame of its own; errors there are the
  // main request's to report (same fields), and a dropped connection is retried by the main loader.
  let sidePainting = 0;
  function onSide(job, results) {
    if (!results.every((r) => r.ok)) return;
    const byName = Object.fromEntries(results.map((r, i) => [job.models[i], r.body]));
    const tasks = sideFigures(byName, job.state);
    const mine = ++sidePainting;
    const next = (i) => {
      if (mine !== sidePainting) return;
      if (i < tasks.length) { tasks[i](); requestAnimationFrame(() => setTimeout(() => next(i + 1), 0)); }
      else document.body.dataset.side = job.tag;
    };
    next(0);
  }
  const sideLoader = new Loader({ onResult: onSide, onError: () => {} });

  writeControls();
  bindControls();
  refresh();
  if (document.readyState === "complete") typeset(); else window.addEventListener("load", () => typeset());
}
