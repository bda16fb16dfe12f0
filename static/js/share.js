// The Share dialog: the permalink of this exact state, an iframe snippet of /embed with the chosen
// controls, plot and text, and the offline file (GET /export) with its size. Links follow the state while open.
import { fileStem, viewName } from "./names.js";
import { current } from "./view.js";
import { N_, reword, t } from "./i18n.js";
import { limitMessage } from "./limits.js";
import "./download.js";

const $ = (id) => document.getElementById(id);
const dialog = $("share");
const PAGE_ONLY = ["view", "controls", "text", "plots"]; // /embed's own flags, never part of a view's state

// The view's controls by field name, with their labels, as /embed's controls= list knows them.
function controls() {
  const found = [];
  for (const control of document.querySelectorAll("#controls .control")) {
    const input = control.querySelector("input[name], select[name]");
    if (!input) continue;
    const text = control.querySelector("legend, label")?.textContent.trim() || input.name;
    found.push({ name: input.name, text, control, slider: input.type === "range" });
  }
  return found;
}
const CONTROLS = controls();

// The view's plot panels, as /embed's plots= list names them (the panel's plot-<name> element), with their titles.
function panels() {
  return [...document.querySelectorAll("#plots .panel")].map((panel) => {
    const plot = panel.querySelector('[id^="plot-"]');
    const text = panel.querySelector(".explain h2")?.textContent.trim() || plot?.getAttribute("aria-label") || plot?.id;
    return plot && { name: plot.id.slice("plot-".length), text, panel };
  }).filter(Boolean);
}
const PANELS = panels();

function checklist(container, items, name) {
  container.replaceChildren(...items.map((c, i) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = name;
    box.value = c.name;
    box.id = `${name}-${i}`;
    label.append(box, ` ${c.text}`);
    return label;
  }));
}

// The state part of the page's query (language and story included), without /embed's flags.
function stateQuery() {
  const params = new URLSearchParams(current.query ?? window.location.search);
  for (const key of PAGE_ONLY) params.delete(key);
  return params.toString();
}

function chosenControls() {
  const how = dialog.querySelector('input[name="share-controls"]:checked').value;
  if (how !== "some") return how;
  const names = [...dialog.querySelectorAll('input[name="share-control"]:checked')].map((b) => b.value);
  return names.length ? names.join(",") : "none";
}

const escapeAttr = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

const chosenPlot = () => $("share-plots").value;

function embedURL() {
  const query = stateQuery();
  const text = $("share-text").checked ? "1" : "0";
  const plot = chosenPlot() === "all" ? "" : `&plots=${chosenPlot()}`;
  return `${window.location.origin}/embed?view=${viewName()}${query ? `&${query}` : ""}&controls=${encodeURIComponent(chosenControls())}${plot}&text=${text}`;
}

// The iframe's height where the host page runs no script (the snippet's script then sets it to the page's own
// height): enough for the first plot of every view at any width, since a narrow embed puts it above the controls
// (css/embed.css); a story told above it with its text needs more. The frame scrolls for the rest.
export const FALLBACK_HEIGHT = 620;
export const STORY_HEIGHT = 420;
const fallbackHeight = () => FALLBACK_HEIGHT + (new URLSearchParams(stateQuery()).has("story") && $("share-text").checked ? STORY_HEIGHT : 0);

// A few lines for the host page: each message from the explorer's origin that reports a height resizes the
// iframe it came from (any number of them on one page; the lines run once per origin however often pasted).
function fitScript(origin) {
  return `<script>
(function (origin) {
  var key = "bpttExplorerFit " + origin;
  if (window[key]) return;
  window[key] = true;
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (e.origin !== origin || !d || d.type !== "bptt-explorer:height" || !(d.height > 0 && d.height < 100000)) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) frames[i].style.height = Math.ceil(d.height) + "px";
    }
  });
})(${JSON.stringify(origin)});
</script>`;
}

function update() {
  // The whole state, defaults written out, so the link keeps its meaning if the defaults change.
  $("share-url").value = `${window.location.origin}${window.location.pathname}?${stateQuery()}`;
  for (const button of dialog.querySelectorAll("[data-copy]")) button.textContent = t("Copy");
  for (const option of $("share-plots").options) {
    const p = PANELS.find((x) => x.name === option.value);
    option.hidden = option.disabled = Boolean(p?.panel.hidden); // panels of other models
  }
  if ($("share-plots").selectedOptions[0]?.disabled) $("share-plots").value = "all";
  const src = embedURL();
  const page = document.querySelector('nav.views a[aria-current="page"]')?.textContent.trim();
  const plot = PANELS.find((x) => x.name === chosenPlot());
  const title = [t("BPTT Explorer"), page, plot?.text].filter(Boolean).join(": ");
  $("share-snippet").value = `<iframe src="${escapeAttr(src)}" width="100%" height="${fallbackHeight()}" style="border:0;display:block" title="${escapeAttr(title)}" loading="lazy"></iframe>\n${fitScript(window.location.origin)}`;
  $("share-preview").href = src;
  const some = dialog.querySelector('input[name="share-controls"][value="some"]').checked;
  $("share-control-list").hidden = !some;
  for (const box of dialog.querySelectorAll('input[name="share-control"], input[name="share-slider"]')) {
    const c = CONTROLS.find((x) => x.name === box.value);
    box.parentElement.hidden = Boolean(c.control.closest("[hidden]")); // controls of other models
  }
}

async function copy(id, button) {
  const field = $(id);
  try {
    await navigator.clipboard.writeText(field.value);
    button.textContent = t("Copied");
  } catch {
    field.focus();
    field.select(); // no clipboard access (plain http, old browser): selected for Ctrl+C
    button.textContent = t("Selected: press Ctrl+C");
  }
  button.dataset.copied = "true";
}

// ---------- offline file ----------

let fileURL = null;

function forgetFile(message = "") {
  if (fileURL) URL.revokeObjectURL(fileURL);
  fileURL = null;
  $("share-export-link").hidden = true;
  $("share-export-status").textContent = message;
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function sliders() {
  return [...dialog.querySelectorAll('input[name="share-slider"]:checked')].filter((b) => !b.parentElement.hidden).map((b) => b.value);
}

// At most two sliders: the others wait until one is unchecked.
function limitSliders() {
  const full = sliders().length >= 2;
  for (const box of dialog.querySelectorAll('input[name="share-slider"]')) box.disabled = full && !box.checked;
}

// The export's refusals (app/export/plan.py, app/export/file.py), said again in the page's language.
const FILE_LIMITS = [
  N_("points: one frame of these settings is too much work for an export of {frames} frames; lower {fixes}"),
  N_("points: {frames} frames of these settings are too much work for one export; allowed points 2..{fit} for these settings (or lower {fixes})"),
];

async function messageOf(response) {
  if (response.status === 404) return t("This server does not make offline files yet.");
  let detail = null;
  try {
    detail = (await response.json()).detail;
  } catch {
    detail = null;
  }
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail) && detail.some((d) => d.type === "busy")) {
    const seconds = Number(response.headers.get("Retry-After")) || 1;
    return t("The server is busy with other large computations; try again in {seconds} s.", { seconds });
  }
  if (Array.isArray(detail) && detail.length) return detail.map((d) => reword(limitMessage(d.message || d.msg), FILE_LIMITS)).join(" ");
  return t("The server answered {status}.", { status: response.status });
}

// The state for the offline file: only the fields the view's answers use (a recurrent view's URL also
// keeps the settings of the models not shown), with the model, language and story.
function exportQuery() {
  const params = new URLSearchParams(stateQuery());
  const urls = Object.values(current.sources);
  if (!urls.length) return params.toString();
  const used = new Set(["model", "lang", "story"]);
  for (const url of urls) for (const key of new URLSearchParams(url.split("?")[1] || "").keys()) used.add(key);
  for (const key of [...params.keys()]) if (!used.has(key)) params.delete(key);
  return params.toString();
}

async function prepare() {
  forgetFile(t("Preparing the offline file…"));
  const button = $("share-prepare");
  button.disabled = true;
  const state = `${window.location.pathname}?${exportQuery()}`;
  const chosen = sliders();
  const url = `/export?url=${encodeURIComponent(state)}${chosen.length ? `&sliders=${chosen.join(",")}` : ""}`;
  try {
    const response = await fetch(url);
    if (!response.ok) {
      forgetFile(await messageOf(response));
      $("share-export-status").classList.add("alert");
      return;
    }
    const blob = await response.blob();
    const named = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
    const name = named ? named[1] : `${fileStem()}.html`;
    fileURL = URL.createObjectURL(blob);
    const a = $("share-export-link");
    a.href = fileURL;
    a.download = name;
    a.textContent = t("Download {name} ({size})", { name, size: formatSize(blob.size) });
    a.hidden = false;
    $("share-export-status").classList.remove("alert");
    $("share-export-status").textContent = t("Ready: {size}.", { size: formatSize(blob.size) });
  } catch {
    forgetFile(t("The server could not be reached."));
    $("share-export-status").classList.add("alert");
  } finally {
    button.disabled = false;
  }
}

// ---------- wiring ----------

if (dialog) {
  checklist($("share-control-list"), CONTROLS, "share-control");
  $("share-plots").append(...PANELS.map((p) => new Option(p.text, p.name)));
  const sliderControls = CONTROLS.filter((c) => c.slider);
  checklist($("share-slider-list"), sliderControls, "share-slider");
  $("share-offline").hidden = !sliderControls.length;
  const first = dialog.querySelector('input[name="share-slider"]');
  if (first) first.checked = true;

  $("share-open").addEventListener("click", () => {
    update();
    dialog.showModal();
  });
  $("share-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("change", (e) => {
    if (e.target.name === "share-slider") {
      limitSliders();
      forgetFile();
    } else update();
  });
  for (const button of dialog.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => copy(button.dataset.copy, button));
  }
  $("share-prepare").addEventListener("click", prepare);
  let shown = stateQuery();
  document.addEventListener("view:change", () => {
    if (dialog.open) update();
    if (stateQuery() !== shown) {
      shown = stateQuery();
      if (fileURL) forgetFile(t("The settings changed: prepare the file again."));
    }
  });
}
