// Play, for a lecture: sweeps one slider from end to end and back (min → max → min ...) so a class watches a
// product of factors turn from vanishing to exploding with nobody at the mouse. Each move is what a hand does
// (the value set one step, an `input` event), and the next move waits until the page has drawn that state
// (body[data-rendered], and body[data-side] where side panels follow the state) and at least the chosen
// interval. A state that never draws holds the sweep up for 3 s at most; moves that keep failing with an error
// on the page stop it. The slider played is the one last focused or moved, else in presenter mode the first
// presented one, else the first visible one. Keys: K plays or stops, Space stops. Neither the speed nor playing
// is part of the URL; the slider's value is, as after any move.
import { t } from "./i18n.js";
import { movable, presenting } from "./present.js";

const MOVES = 60; // moves from one end of a slider to the other (fewer where its step is coarser)
const PATIENCE_MS = 3000; // the longest wait for a state to be drawn
const FAILURES = 3; // moves in a row not drawn, with an error on the page, that stop the sweep
const SLIDER = "#controls input[type=range]";

const body = document.body;
const bar = document.getElementById("play-bar");
const button = document.getElementById("play");
const speed = document.getElementById("play-speed");
const hint = document.getElementById("play-hint");
const said = document.getElementById("play-said");

const visible = (el) => el.getClientRects().length > 0;
const playable = (el) => el instanceof HTMLInputElement && el.matches(SLIDER) && visible(el) && Number(el.max) > Number(el.min);
const nameOf = (el) => document.querySelector(`label[for="${el.id}"]`)?.textContent.trim() || el.name;

let chosen = null; // the slider last focused or moved
let run = null; // the sweep under way: {el, failures}
let note = ""; // why the last sweep stopped, when it was not asked to: shown until a slider is chosen or Play starts
const direction = new WeakMap(); // each slider's way on: +1 up, -1 down

// The slider Play moves.
function target() {
  if (run) return run.el;
  if (chosen && playable(chosen)) return chosen;
  if (presenting()) {
    const first = movable().find(playable);
    if (first) return first;
  }
  return [...document.querySelectorAll(SLIDER)].find(playable) ?? null;
}

// Shows the bar while there is a slider to play, and says which one.
function describe() {
  const el = target();
  bar.hidden = !el;
  const text = note || (el ? t("Moves {name} from end to end and back. Keys: K plays or stops, Space stops.", { name: nameOf(el) }) : "");
  if (hint.textContent !== text) hint.textContent = text;
}

// The slider's next value, one move on: about 1/60 of its range, a whole number of its steps (at least one),
// turning round at either end. Written with the decimals of its step (no trailing zeros, as a slider says it).
const places = (x) => (String(x).split(".")[1] ?? "").length;
function nextValue(el) {
  const lo = Number(el.min);
  const hi = Number(el.max);
  const step = Number(el.step) || (hi - lo) / MOVES; // step="any": 60 moves
  const top = Math.floor((hi - lo) / step + 1e-9); // steps from end to end
  const stride = Math.max(1, Math.round(top / MOVES));
  const at = Math.min(top, Math.max(0, Math.round((Number(el.value) - lo) / step)));
  let dir = direction.get(el) ?? 1;
  if ((dir > 0 && at >= top) || (dir < 0 && at <= 0)) dir = -dir;
  direction.set(el, dir);
  const k = Math.min(top, Math.max(0, at + dir * stride));
  const decimals = Number(el.step) ? Math.max(places(el.step), places(el.min)) : 6;
  return String(Number((lo + k * step).toFixed(Math.min(10, decimals))));
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, Math.max(0, ms)); });

// True once body[data-<key>] names a state where `name` is `value`; false after `ms`.
function drawn(key, name, value, ms) {
  const has = () => new URLSearchParams(body.dataset[key] ?? "").get(name) === value;
  if (has()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok) => {
      watch.disconnect();
      clearTimeout(timer);
      resolve(ok);
    };
    const watch = new MutationObserver(() => { if (has()) done(true); });
    watch.observe(body, { attributes: true, attributeFilter: [`data-${key}`] });
    const timer = setTimeout(() => done(false), Math.max(0, ms));
  });
}

async function sweep(mine) {
  const { el } = mine;
  while (run === mine) {
    if (!playable(el)) { stop(); return; } // hidden by another model or by presenter mode
    // Side panels follow the state when they have drawn the same one as the main figures.
    const sideFollows = body.dataset.side !== undefined && body.dataset.side === body.dataset.rendered;
    el.value = nextValue(el);
    const value = el.value; // as the slider reports it, as view.js reads it
    const moved = performance.now();
    el.dispatchEvent(new Event("input", { bubbles: true }));
    const ok = await drawn("rendered", el.name, value, PATIENCE_MS);
    if (ok && sideFollows) await drawn("side", el.name, value, PATIENCE_MS - (performance.now() - moved));
    if (run !== mine) return;
    const failed = !ok && document.getElementById("status")?.classList.contains("alert");
    mine.failures = failed ? mine.failures + 1 : 0;
    if (mine.failures >= FAILURES) {
      stop(t("Play stopped: the page could not draw {name} = {value}.", { name: nameOf(el), value }));
      return;
    }
    await sleep(Number(speed.value) - (performance.now() - moved));
  }
}

function show(playing, message) {
  button.setAttribute("aria-pressed", String(playing));
  button.querySelector(".play-icon").textContent = playing ? "■" : "▶";
  button.querySelector(".play-label").textContent = playing ? t("Stop") : t("Play");
  said.textContent = message;
}

function start() {
  const el = target();
  if (!el) return;
  run = { el, failures: 0 };
  note = "";
  el.closest(".control")?.classList.add("playing");
  show(true, t("Playing {name}", { name: nameOf(el) }));
  sweep(run);
}

function stop(message) {
  if (!run) return;
  const { el } = run;
  run = null;
  el.closest(".control")?.classList.remove("playing");
  show(false, message ?? t("Stopped at {name} = {value}", { name: nameOf(el), value: el.value }));
  note = message ?? "";
  describe();
}

const toggle = () => (run ? stop() : start());

// describe() once things are still: which sliders are visible is a layout question, too dear to ask at every
// state of a drag.
let later = null;
function soon() {
  clearTimeout(later);
  later = setTimeout(describe, 250);
}

function choose(el) {
  chosen = el;
  note = "";
  soon();
}

// Keys typed into a field belong to the field; Space keeps its own meaning on buttons, links and boxes.
const typing = (el) => el instanceof HTMLElement && (el.isContentEditable || el.matches("textarea, select, input:not([type=range], [type=checkbox], [type=radio], [type=button])"));
const pressable = (el) => el instanceof HTMLElement && el.matches("button, a[href], summary, input[type=checkbox], input[type=radio], input[type=button]");

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || typing(e.target)) return;
  if (document.querySelector("dialog[open]")) return; // the dialog has the keys
  if (e.key === "k" || e.key === "K") {
    e.preventDefault();
    if (!e.repeat) toggle();
  } else if (e.key === " " && run && !pressable(e.target)) {
    e.preventDefault(); // no page scroll
    stop();
  }
}

if (bar && button && speed) {
  button.addEventListener("click", toggle);
  document.addEventListener("keydown", onKey);
  document.addEventListener("focusin", (e) => {
    if (e.target instanceof HTMLElement && e.target.matches(SLIDER)) choose(e.target);
  });
  document.addEventListener("input", (e) => {
    if (!(e.target instanceof HTMLElement) || !e.target.matches(SLIDER)) return;
    if (e.isTrusted && run?.el === e.target) stop(); // a hand took the slider over
    if (!run) choose(e.target);
  });
  // Another model or presenter mode shows other sliders.
  document.addEventListener("view:change", soon);
  new MutationObserver(soon).observe(body, { attributes: true, attributeFilter: ["class"] });
  // A page out of sight draws nothing (no animation frames): it stops rather than ask the server on.
  document.addEventListener("visibilitychange", () => { if (document.hidden) stop(); });
  describe();
}
