// Presenter mode, for a projector: `present=1` in the URL or the key P. Only the panels and the one or two
// controls that matter stay on screen (the others are hidden, their values stay in the URL), in large type with
// thick lines, dark on white. `present=scale,forget_bias` names the controls; without names a story chooses its
// panels, controls, presets and key numbers (app/pages/story_present.py, present_story.js), else the view (its first
// panel, and data-present on its form, per model where the models differ). Keys: ← → move the first presented
// control and ↑ ↓ the second (a focused slider takes the arrows itself); Shift + arrow moves a tenth of the
// range; 1 and 2 set the story's presets; R starts a training run; Page Down / N and Page Up / B step through the
// stories; F fullscreen; ? the key help; K plays or stops the sweep of a slider and Space stops it (play.js).
import { configFor, wrapTitle } from "./plots.js";
import { t } from "./i18n.js";
import { sizeOf } from "./sizes.js";
import { STORY, inputOf, nudge, preset, showKey, startRun } from "./present_story.js";

// Plot text in px: 24 on a 1080-line projector, 18 on a 720-line one (present.css sizes the page's own text alike).
const fontFor = () => (window.innerHeight < 800 ? 18 : 24);
const NAME = /^[a-z_0-9]+$/;
const body = document.body;
const main = document.getElementById("plots");
export const presenting = () => body.classList.contains("present");

// The controls shown, by name, most important first.
function chosen() {
  const q = new URLSearchParams(window.location.search);
  const named = (q.get("present") || "").split(",").filter((n) => NAME.test(n) && n !== "1");
  if (named.length) return named;
  if (STORY) return STORY.controls;
  const form = document.getElementById("controls");
  if (!form) return [];
  let model = q.get("model");
  try {
    model ??= JSON.parse(document.getElementById("page-config").textContent).defaults.model;
  } catch { /* pages without a config have one set of controls */ }
  return (form.dataset[`present${(model || "").replace(/^./, (c) => c.toUpperCase())}`] || form.dataset.present || "")
    .split(" ").filter(Boolean);
}

const shown = () => chosen().map(inputOf).filter(Boolean);
// What the arrow keys move (and Play, its first slider): the presented sliders, choices and flags, in order.
export const movable = () => shown().filter((el) => el.matches("input[type=range], input[type=number], input[type=checkbox], select"));

// The panels shown: the story's (those on this page and not hidden), else the view's first.
function panels() {
  const own = (STORY?.panels ?? []).map((id) => document.getElementById(id)?.closest(".panel")).filter((p) => p && !p.hidden);
  return own.length ? own : [main?.querySelector(".panel")].filter(Boolean);
}

// The box of #controls (or of its settings) that holds `el`: the one that takes the presented order.
function boxOf(el) {
  let box = el.closest(".control, .run-bar");
  while (box?.parentElement && !["controls", "settings"].includes(box.parentElement.id)) box = box.parentElement;
  return box;
}

// The presented panels' plots follow their box: the status line above the panels comes and goes, and the panels
// shrink or grow with it.
const sized = new WeakMap();
const resizer = new ResizeObserver((entries) => {
  for (const { target, contentRect } of entries) {
    const size = `${Math.round(contentRect.width)}x${Math.round(contentRect.height)}`;
    if (sized.get(target) === size) continue;
    sized.set(target, size);
    if (!presenting()) continue;
    for (const plot of target.querySelectorAll(".plot")) if (plot._fullLayout && plot.offsetParent !== null) Plotly.Plots.resize(plot);
  }
});

const ordered = new Set(); // the boxes given an order while presenting
function mark() {
  for (const el of document.querySelectorAll(".presented")) el.classList.remove("presented");
  for (const el of ordered) el.style.order = "";
  ordered.clear();
  resizer.disconnect();
  main?.classList.remove("side-by-side");
  showKey(presenting());
  if (!presenting()) return;
  // The controls in the order the keys move them: the first on the left.
  shown().forEach((el, i) => {
    // The control and any group holding it (the group's other controls stay hidden).
    for (let c = el.closest(".control, .run-bar"); c; c = c.parentElement.closest("#controls .control")) c.classList.add("presented");
    const box = boxOf(el);
    if (box && !ordered.has(box)) {
      box.style.order = String(i + 1);
      ordered.add(box);
    }
  });
  document.getElementById("start")?.closest(".run-bar")?.classList.add("presented"); // the training lab's Start
  const chosenPanels = panels();
  chosenPanels.forEach((p, i) => {
    p.classList.add("presented");
    p.style.order = String(i + 1);
    ordered.add(p);
    resizer.observe(p);
  });
  main?.classList.toggle("side-by-side", chosenPanels.length > 1);
}

// The figure as drawn in presenter mode: larger text, thicker lines and markers, black text. The title sits
// at the top and a horizontal legend right under it (both in container coordinates: the plot height `h`
// in px turns the fixed pixel offsets into fractions), and the margins make room for the larger ticks.
function forProjector(fig, h) {
  const FONT = fontFor();
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
  // Room on the right for a right-hand axis's or a colour bar's larger tick labels.
  const scaled = fig.data.some((tr) => tr.colorbar && tr.showscale !== false);
  if (layout.yaxis2?.side === "right" || scaled) layout.margin.r = Math.max(m.r ?? 0, (scaled ? 5 : 4) * FONT);
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

let help = null;
function showHelp() {
  if (!help) {
    help = document.createElement("dialog");
    help.id = "present-help";
    help.setAttribute("aria-labelledby", "present-help-title");
    const rows = [
      ["P", t("presenter mode on or off")],
      ["← →", t("move the first control (a checkbox switches, a list takes the next choice)")],
      ["↑ ↓", t("move the second control")], ["Shift + ← → ↑ ↓", t("move by a tenth of the range")],
      ...(STORY ? [["1, 2", t("the story's two presets: before and after")]] : []),
      ...(document.getElementById("start") ? [["R, Enter", t("start a training run (Enter on the Start button)")]] : []),
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
  else if ((key === "1" || key === "2") && STORY) {
    e.preventDefault();
    preset(Number(key) - 1);
  } else if ((key === "r" || key === "R") && document.getElementById("start")) {
    e.preventDefault();
    startRun();
  } else if (key.startsWith("Arrow") && !(e.target instanceof HTMLElement && e.target.matches("input, select, textarea"))) {
    const [first, second] = movable();
    const el = key === "ArrowLeft" || key === "ArrowRight" ? first : second;
    if (!el) return;
    e.preventDefault();
    nudge(el, key === "ArrowRight" || key === "ArrowUp" ? 1 : -1, e.shiftKey);
  }
}

if (main) {
  document.addEventListener("keydown", onKey);
  const asked = new URLSearchParams(window.location.search).get("present");
  if (asked !== null && asked !== "0") setPresenting(true);
}
