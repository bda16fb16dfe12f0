// A story in presenter mode, as app/pages/story_present.py declares it (the page carries it as JSON in
// #story-present): the panels that make its claim, the controls that demonstrate it, the arrows' step for
// each, two presets (keys 1 and 2) and the numbers beside its figures that say the claim, shown in large type.
// Every change goes through the page's own inputs (input and change events), so the URL and the figures follow.

import { LANG } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export const STORY = (() => {
  try {
    return JSON.parse($("story-present")?.textContent || "null");
  } catch {
    return null;
  }
})();

export const inputOf = (name) => $(`in-${name}`) || $(name);

// Sets one input as a hand would, and tells the page (the views listen for input or change).
function setValue(el, value) {
  if (el.type === "checkbox") el.checked = value === "true";
  else el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  el.dispatchEvent(new Event("change", { bubbles: true }));
}

// Moves a control one step in direction `dir` (±1): a checkbox toggles, a choice takes the next (or previous)
// option, a number moves by the story's step for it (else the input's own), or by a tenth of its range (`big`).
// In the training lab the settings are locked while a run goes on: the run is stopped first.
export async function nudge(el, dir, big = false) {
  if (el.matches(":disabled")) await stopRun();
  if (el.matches(":disabled")) return;
  if (el.type === "checkbox") {
    setValue(el, String(!el.checked));
    return;
  }
  if (el.tagName === "SELECT") {
    const n = el.options.length;
    setValue(el, el.options[(el.selectedIndex + dir + n) % n].value);
    return;
  }
  const lo = Number(el.min), hi = Number(el.max);
  const own = el.step && el.step !== "any" ? Number(el.step) : NaN;
  const declared = STORY?.steps?.[el.name];
  const by = big ? (hi - lo) / 10 : declared ?? (Number.isFinite(own) ? own : (hi - lo) / 100);
  const clamp = (v) => Math.min(hi, Math.max(lo, v));
  let v = clamp(Number(el.value) + dir * by);
  if (Number.isFinite(own)) v = clamp(lo + Math.round((v - lo) / own) * own); // on the input's grid
  const text = String(Number(v.toPrecision(10)));
  if (text !== el.value) setValue(el, text);
}

// The preset's name, for a moment, in the middle of the screen.
let toast = null;
let toastTimer = null;
function announce(text) {
  if (!toast) {
    toast = Object.assign(document.createElement("p"), { id: "present-toast", className: "present-toast" });
    toast.setAttribute("role", "status");
    document.body.append(toast);
  }
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 1800);
}

// Resolves once `ok()` holds (checked every 50 ms), or after `ms`.
const until = (ok, ms = 15000) => new Promise((resolve) => {
  const t0 = performance.now();
  const check = () => (ok() || performance.now() - t0 > ms ? resolve() : setTimeout(check, 50));
  check();
});

// Stops the training lab's run going on (if any) and waits until the page has taken it down.
async function stopRun() {
  const start = $("start"), stop = $("stop");
  if (!start || !stop || stop.disabled) return;
  stop.click();
  await until(() => !start.disabled);
}

// The training lab's Start, once the run going on (if any) has stopped.
export async function startRun() {
  await stopRun();
  const start = $("start");
  if (start && !start.disabled) start.click();
}

// Preset `i` (0 or 1): its values through the page's inputs; in the training lab, then a run.
export async function preset(i) {
  const p = STORY?.presets?.[i];
  if (!p) return;
  announce(`${i + 1} · ${p.name}`);
  await stopRun();
  for (const [name, value] of Object.entries(p.values)) {
    const el = inputOf(name);
    if (el) setValue(el, value);
  }
  if (STORY.run) await startRun();
}

// The story's numbers in large type, kept equal to what the page writes beside its figures.
let key = null;
let watcher = null;
const COLON = LANG === "zh" ? "：" : ": ";
const NUMBER = /[−-]?\d[\d.,]*(?:e[−-]?\d+)?(?:\s*%)?/g;

// One line per key: "term: value" for a <dd>, else the element's text or, with a label, the number picked from it.
function keyLines() {
  const lines = [];
  for (const { sel, label, pick } of STORY?.key ?? []) {
    for (const el of document.querySelectorAll(sel)) {
      const term = el.tagName === "DD" ? el.previousElementSibling?.textContent.trim() : "";
      const text = el.textContent.trim();
      if (!text) continue;
      if (label) {
        const numbers = text.match(NUMBER) ?? [];
        const value = pick === "percent" ? numbers.find((n) => n.endsWith("%")) : numbers[pick ?? 0];
        if (value) lines.push(`${label}${COLON}${value}`);
      } else lines.push(term ? `${term}${COLON}${text}` : text);
    }
  }
  return lines;
}

function writeKey() {
  const lines = keyLines();
  const now = lines.join("\n");
  if (key.dataset.text === now) return;
  key.dataset.text = now;
  key.replaceChildren(...lines.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
}

export function showKey(on) {
  if (!STORY?.key?.length) return;
  if (!key) {
    key = Object.assign(document.createElement("div"), { id: "present-key", className: "present-key" });
    key.setAttribute("aria-live", "polite");
    ($("controls") ?? document.querySelector("main"))?.append(key);
    watcher = new MutationObserver(() => writeKey());
  }
  if (on) {
    writeKey();
    watcher.observe(document.querySelector("main"), { childList: true, subtree: true, characterData: true });
  } else watcher.disconnect();
}
