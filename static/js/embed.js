// A view inside an iframe (/embed): only the controls and plots the embedding page asked for, and the page's
// height told to the parent so the iframe can fit it ({type: "bptt-explorer:height", height} by postMessage;
// the Share dialog's snippet listens for it).
import { t } from "./i18n.js";

const body = document.body;
const wanted = body.dataset.controls || "all";

if (wanted !== "all") {
  const names = new Set(wanted === "none" ? [] : wanted.split(","));
  for (const control of document.querySelectorAll("#controls .control")) {
    const inputs = [...control.querySelectorAll("input[name], select[name]")];
    if (inputs.length && !inputs.some((i) => names.has(i.name))) control.classList.add("embed-hidden");
  }
  if (!names.size) body.classList.add("no-controls");
}

// plots=decay,pairs (or plot-decay): the other panels are not shown. The server has checked the names.
const plots = body.dataset.plots || "all";
const chosen = plots === "all" ? null : new Set(plots.split(",").map((n) => n.trim().replace(/^plot-/, "")));
const panels = [...document.querySelectorAll("#plots .panel")];
const nameOf = (panel) => panel.querySelector('[id^="plot-"]')?.id.slice("plot-".length);
if (chosen) for (const panel of panels) if (!chosen.has(nameOf(panel))) panel.classList.add("embed-hidden");
// If a model switch hides every chosen panel, a note says so rather than leave an empty frame.
const note = document.createElement("p");
note.className = "note embed-note";
note.setAttribute("role", "status");
note.hidden = true;
document.getElementById("plots")?.append(note);
function arrange() {
  const shown = panels.filter((p) => !p.hidden && !p.classList.contains("embed-hidden"));
  const hide = shown.length > 0 || !panels.length;
  if (note.hidden === hide) return; // setting it again would be a mutation, observed: a loop
  note.hidden = hide;
  note.textContent = hide ? "" : t("The chosen plots are not drawn for this model: choose another model.");
}
arrange();
new MutationObserver(arrange).observe(document.getElementById("plots") ?? body, { attributes: true, attributeFilter: ["hidden"], subtree: true });

// The content's own height: the document's scrollHeight never falls below the frame's, so a frame sized to it
// could grow but never shrink back (a model with fewer panels, a shorter text).
function contentHeight() {
  const box = body.getBoundingClientRect();
  return Math.ceil(box.bottom + window.scrollY + parseFloat(getComputedStyle(body).marginBottom || "0"));
}

let last = 0;
function tell() {
  const height = contentHeight();
  if (height !== last && window.parent !== window) {
    last = height;
    window.parent.postMessage({ type: "bptt-explorer:height", height }, "*");
  }
}
new ResizeObserver(tell).observe(body);
window.addEventListener("load", tell);
