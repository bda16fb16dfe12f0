// Presenter mode, for a projector: `present=1` in the URL or the key P. Only the view's main plot and the
// one or two controls that matter stay on screen (the others are hidden, their values stay in the URL),
// in large type with thick lines, dark on white. `present=scale,forget_bias` names the controls; without
// names a story chooses them (STORY below), else the view (data-present on its form, per model where the
// models differ). Keys: arrows move the focused slider, or the first presented one (← →) and the second
// (↑ ↓); Page Down / N and Page Up / B step through the stories; F fullscreen; ? the key help; K plays or stops
// the sweep of a slider and Space stops it (play.js).
import { configFor, wrapTitle } from "./plots.js";
import { t } from "./i18n.js";
import { sizeOf } from "./sizes.js";

// The controls each story is about (names of fields, or "start" for the training lab's run buttons).
const STORY = {
  c1: ["weight", "steps"], c2: ["weight", "steps"], c3: ["scale", "steps"], c4: ["input_scale", "scale"],
  c5: ["activation", "layers"], c6: ["scale", "steps"], c7: ["lr", "threshold"], c8: ["threshold", "lr"],
  c9: ["threshold", "lr"], c10: ["forget_bias", "steps"], c11: ["start", "lag"], c12: ["peephole", "steps"],
  c13: ["init", "layers"], c14: ["init", "layers"], c15: ["start", "lag"], c16: ["start", "lag"],
};

const FONT = 24; // plot text in px; the page's own text is sized in present.css
const NAME = /^[a-z_0-9]+$/;
const body = document.body;
const main = document.getElementById("plots");
export const presenting = () => body.classList.contains("present");

// The controls shown, by name, most important first.
function chosen() {
  const q = new URLSearchParams(window.location.search);
  const named = (q.get("present") || "").split(",").filter((n) => NAME.test(n) && n !== "1");
  if (named.length) return named;
  const story = STORY[q.get("story")];
  if (story) return story;
  const form = document.getElementById("controls");
  if (!form) return [];
  let model = q.get("model");
  try {
    model ??= JSON.parse(document.getElementById("page-config").textContent).defaults.model;
  } catch { /* pages without a config have one set of controls */ }
  return (form.dataset[`present${(model || "").replace(/^./, (c) => c.toUpperCase())}`] || form.dataset.present || "")
    .split(" ").filter(Boolean);
}

const inputOf = (name) => document.getElementById(`in-${name}`) || document.getElementById(name);
const shown = () => chosen().map(inputOf).filter(Boolean);
// What the arrow keys move (and Play, its first slider): the presented sliders, choices and flags, in order.
export const movable = () => shown().filter((el) => el.matches("input[type=range], input[type=number], input[type=checkbox], select"));

function mark() {
  for (const el of document.querySelectorAll(".presented")) el.classList.remove("presented");
  if (!presenting()) return;
  for (const el of shown()) {
    // The control and any group holding it (the group's other controls stay hidden).
    for (let c = el.closest(".control, .run-bar"); c; c = c.parentElement.closest("#controls .control")) c.classList.add("presented");
  }
  main?.querySelector(".panel")?.classList.add("presented");
}

// The figure as drawn in presenter mode: larger text, thicker lines and markers, black text. The title sits
// at the top and a horizontal legend right under it (both in container coordinates: the plot height `h`
// in px turns the fixed pixel offsets into fractions), and the margins make room for the larger ticks.
function forProjector(fig, h) {
  const layout = { ...fig.layout, font: { ...fig.layout.font, size: FONT, color: "#000" } };
  const title = fig.layout.title;
  if (title) {
    layout.title = { ...(typeof title === "string" ? { text: title } : title), font: { size: FONT + 4, color: "#000" },
      yref: "container", y: 1 - 8 / h, yanchor: "top" };
  }
  if (layout.legend?.orientation === "h") {
    layout.legend = { ...layout.legend, yref: "container", y: 1 - (title ? 2.4 * FONT : 8) / h, yanchor: "top", x: 0, xanchor: "left" };
  }
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(key)) layout[key] = { ...layout[key], linecolor: "#000", tickcolor: "#000" };
  }
  const m = layout.margin ?? {};
  layout.margin = { ...m, t: Math.max(m.t ?? 0, 2.5 * FONT), l: Math.max(m.l ?? 0, 5 * FONT), b: Math.max(m.b ?? 0, 3.5 * FONT) };
  if (layout.annotations) layout.annotations = layout.annotations.map((a) => ({ ...a, font: { ...a.font, size: FONT } }));
  if (layout.shapes) layout.shapes = layout.shapes.map((s) => (s.line ? { ...s, line: { ...s.line, width: 2 * (s.line.width ?? 1.5) } } : s));
  const data = fig.data.map((tr) => {
    const out = { ...tr };
    if (tr.type === "scatter" && (tr.mode ?? "lines").includes("lines")) {
      const w = tr.line?.width;
      // Main curves at least 4 px; thin companions (single units, raw values) double.
      out.line = { ...tr.line, width: w !== undefined && w < 2 ? 2 * w : Math.max(4, 1.6 * (w ?? 2)) };
    }
    if (tr.marker?.size) out.marker = { ...tr.marker, size: 1.5 * tr.marker.size };
    if (tr.colorbar) out.colorbar = { ...tr.colorbar, thickness: 24 };
    return out;
  });
  return { data, layout };
}

// view.js draw(): the figure to draw in `el` now, for the projector or with its title fitted to the plot's
// width (a phone); the original is kept so a toggle can redraw it either way.
const drawn = new WeakMap();
export function projected(el, fig, fresh = false) {
  drawn.set(el, fig);
  const { width, height } = sizeOf(el, fresh);
  return presenting() ? forProjector(fig, height || 450) : wrapTitle(fig, width, height);
}

function redraw() {
  for (const el of document.querySelectorAll(".js-plotly-plot")) {
    const fig = drawn.get(el);
    if (fig) {
      const f = projected(el, fig, true);
      Plotly.react(el, f.data, f.layout, configFor(el));
    }
    if (el.offsetParent !== null) Plotly.Plots.resize(el);
  }
}

// A link that keeps presenter mode (a story's previous/next).
function keepPresenting(a) {
  const url = new URL(a.getAttribute("href"), window.location.href);
  if (presenting()) url.searchParams.set("present", "1");
  else url.searchParams.delete("present");
  a.setAttribute("href", url.pathname + url.search);
}

// On screen while presenting: a way out for a lecturer without a keyboard at hand (a clicker, a touch screen).
let exit = null;
function exitButton() {
  if (!exit) {
    exit = Object.assign(document.createElement("button"), { type: "button", id: "present-exit", className: "present-exit" });
    exit.textContent = t("Leave presenter mode (P)");
    exit.addEventListener("click", () => setPresenting(false));
    body.append(exit);
  }
  return exit;
}

function setPresenting(on) {
  body.classList.toggle("present", on);
  exitButton().hidden = !on;
  const url = new URL(window.location.href);
  if (on && !url.searchParams.has("present")) url.searchParams.set("present", "1");
  if (!on) url.searchParams.delete("present");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
  for (const a of document.querySelectorAll(".story-nav a")) keepPresenting(a);
  mark();
  redraw();
}

// Moves a presented control one step (a slider, a number box, a choice) or sets a flag (on: up or right).
function nudge(el, dir) {
  if (el.type === "checkbox") {
    if (el.checked === dir > 0) return;
    el.checked = dir > 0;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  } else if (el.tagName === "SELECT") {
    const i = Math.min(el.options.length - 1, Math.max(0, el.selectedIndex + dir));
    if (i === el.selectedIndex) return;
    el.selectedIndex = i;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  } else {
    if (dir > 0) el.stepUp(); else el.stepDown();
    el.dispatchEvent(new Event(el.type === "range" ? "input" : "change", { bubbles: true }));
  }
}

let help = null;
function showHelp() {
  if (!help) {
    help = document.createElement("dialog");
    help.id = "present-help";
    help.setAttribute("aria-labelledby", "present-help-title");
    const rows = [
      ["P", t("presenter mode on or off")], ["← →", t("move the first slider")], ["↑ ↓", t("move the second slider")],
      ["Page Down, N", t("next story")], ["Page Up, B", t("previous story")], ["F", t("full screen")],
      ["K", t("play: sweep the slider from end to end, or stop")], ["Space", t("stop playing")],
      ["Esc", t("leave full screen")], ["?", t("show this help")],
    ];
    const h = Object.assign(document.createElement("h2"), { id: "present-help-title", textContent: t("Presenter keys") });
    const list = document.createElement("dl");
    for (const [keys, what] of rows) {
      const dt = document.createElement("dt");
      dt.append(Object.assign(document.createElement("kbd"), { textContent: keys }));
      list.append(dt, Object.assign(document.createElement("dd"), { textContent: what }));
    }
    const close = Object.assign(document.createElement("button"), { type: "button", textContent: t("Close") });
    close.addEventListener("click", () => help.close());
    help.append(h, list, close);
    body.append(help);
  }
  if (help.open) help.close(); else help.showModal();
}

// Keys typed into a field belong to the field.
const typing = (el) => el instanceof HTMLElement && (el.isContentEditable || el.matches("textarea, select, input:not([type=range], [type=checkbox], [type=radio], [type=button])"));

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || typing(e.target)) return;
  if (document.querySelector("dialog[open]:not(#present-help)")) return; // another dialog has the keys
  const key = e.key;
  if (key === "?") { showHelp(); e.preventDefault(); return; }
  if (key === "p" || key === "P") { setPresenting(!presenting()); e.preventDefault(); return; }
  if (!presenting()) return;
  const story = (rel) => document.querySelector(`.story-nav a[rel=${rel}]`);
  const go = (a) => { if (a) { e.preventDefault(); window.location.assign(a.href); } };
  if (key === "PageDown" || key === "n" || key === "N") go(story("next"));
  else if (key === "PageUp" || key === "b" || key === "B") go(story("prev"));
  else if (key === "f" || key === "F") {
    e.preventDefault();
    const done = document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen();
    done.catch(() => {}); // refused (an embedding page without allowfullscreen): the view stays as it is
  } else if (key === "Escape" && document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else if (key.startsWith("Arrow") && !(e.target instanceof HTMLElement && e.target.matches("input, select, textarea"))) {
    const [first, second] = movable();
    const el = key === "ArrowLeft" || key === "ArrowRight" ? first : second;
    if (!el) return;
    e.preventDefault();
    nudge(el, key === "ArrowRight" || key === "ArrowUp" ? 1 : -1);
  }
}

if (main) {
  document.addEventListener("keydown", onKey);
  const asked = new URLSearchParams(window.location.search).get("present");
  if (asked !== null && asked !== "0") setPresenting(true);
}
