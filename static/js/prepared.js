// States prepared ahead for a drag where the server cannot follow the hand (a large network: ~200 ms a state).
//
// Once such a state has been drawn and the hand has rested for a second, and the server took SLOW_MS or more
// to compute it (or answered from its cache, when the first state prepared tells), the answers along the slider
// last moved are fetched one by one on a grid of 250 steps across the slider, nearest the hand first (at most
// MOST of them), at low priority, and kept in memory. While that slider is then dragged (or held, or played), the view shows the
// prepared state nearest the hand at once, labelled with the value it shows; the exact state is asked for once
// the hand rests, and replaces it. Anything else that changes makes the grid void.
import { fetchJSON } from "./api.js";
import { STILL_MS } from "./painter.js";

const INTERVALS = 250; // of a slider's grid: a drag across a fifth of it in 3 s meets 50 prepared states
const MOST = 120; // states prepared, nearest the hand first (~40 MB at n = 128, T = 500)
export const SLOW_MS = 100; // slower answers follow a drag less often than the grid below (at 0.04 a scale step)
const REST_MS = 1000; // the hand rests this long before states are prepared

// The state without `slider`, as text: states that differ only in the slider share a grid.
const baseOf = (state, slider) => JSON.stringify({ ...state, [slider]: null });

export class Prepared {
  // urlsOf(state): the main answers' URLs of a state; valid(state): whether the view can show it.
  constructor({ urlsOf, valid }) {
    Object.assign(this, { urlsOf, valid, slider: null, base: null, step: 0, answers: new Map(), generation: 0 });
    this.slow = false; // whether the server was seen taking SLOW_MS or more for a state of this grid
    this.timer = null;
  }

  // Called once a state is drawn: `compute`, the server's milliseconds computing its answers (null: they came
  // from its cache, so the first state prepared tells); `slider`, the slider last moved.
  rest(state, slider, compute) {
    this.stop();
    const input = slider && document.getElementById(`in-${slider}`);
    if (!input || input.type !== "range" || (compute !== null && compute < SLOW_MS)) return;
    this.use(state, slider);
    if (compute !== null) this.slow = true;
    this.timer = setTimeout(() => this.prepare(state, slider, input), REST_MS);
  }

  // An exact state came from the server after `compute` ms (null: from its cache): a slow one makes this grid's
  // prepared states stand in during drags from now on.
  seen(state, compute) {
    if (compute !== null && compute >= SLOW_MS && this.slider && baseOf(state, this.slider) === this.base) this.slow = true;
  }

  // Stops fetching (the hand moves again: the server's time is the exact state's).
  stop() {
    clearTimeout(this.timer);
    this.generation += 1;
  }

  // The grid's values as the slider writes them, nearest to `input`'s value first.
  grid(input) {
    const [lo, hi, step] = [Number(input.min), Number(input.max), Number(input.step) || 1];
    const every = Math.max(1, Math.round((hi - lo) / step / INTERVALS)) * step;
    const probe = input.cloneNode();
    const values = new Set();
    for (let v = lo; v <= hi + step / 2; v += every) {
      probe.value = String(v);
      values.add(probe.value);
    }
    probe.value = String(hi);
    values.add(probe.value);
    this.step = every;
    const here = Number(input.value);
    return [...values].sort((a, b) => Math.abs(a - here) - Math.abs(b - here)).slice(0, MOST);
  }

  // The grid of `slider` around `state` (a new one, empty, when anything else changed).
  use(state, slider) {
    const base = baseOf(state, slider);
    if (base === this.base && slider === this.slider) return;
    Object.assign(this, { base, slider, slow: false });
    this.answers.clear();
  }

  async prepare(state, slider, input) {
    const generation = this.generation;
    for (const value of this.grid(input)) {
      const next = { ...state, [slider]: value };
      if (this.answers.has(value) || !this.valid(next)) continue;
      let results;
      try {
        results = await Promise.all(this.urlsOf(next).map((url) => fetchJSON(url, "low")));
      } catch {
        return; // the server is away: the view reports it on its next request
      }
      if (generation !== this.generation || !results.every((r) => r.ok)) return; // moved, or the server is busy
      const computed = results.map((r) => r.compute).filter((ms) => ms !== null);
      if (computed.length && Math.max(...computed) < SLOW_MS / 2) return; // quick: a drag keeps up with the server
      if (computed.length) this.slow = true;
      this.answers.set(value, results);
      document.body.dataset.prepared = `${slider}:${this.answers.size}`; // how far the grid is, for the curious
    }
  }

  // The prepared state nearest `state` ({state, results}), if the server is slow for this grid, `state` differs
  // from the grid's only in its slider, and one lies within a grid step; null otherwise.
  nearest(state) {
    // Answers from the server's cache alone do not tell: the live state, which may come as quickly, is asked for.
    if (!this.slow || !this.slider || baseOf(state, this.slider) !== this.base) return null;
    const here = Number(state[this.slider]);
    let best = null;
    for (const [value, results] of this.answers) {
      const d = Math.abs(Number(value) - here);
      if (best === null || d < best.d) best = { d, value, results };
    }
    if (best === null || best.d > this.step) return null;
    return { state: { ...state, [this.slider]: best.value }, results: best.results };
  }
}

// Once a quickly answered state rests, the answers one step either side on the slider last moved (`moved`) go
// into the browser's cache (the server allows an hour), so the next arrow key or nudge draws at once. A large
// computation is not made twice more on speculation. `still()`: whether the state is still the one drawn.
const AHEAD_MS = 150;
let aheadTimer = null;
export function fetchNeighbours(moved, took, still, state, valid, urlsOf) {
  clearTimeout(aheadTimer);
  const input = moved && document.getElementById(`in-${moved}`);
  if (!input || input.type !== "range" || !(took < AHEAD_MS)) return;
  aheadTimer = setTimeout(() => {
    if (!still()) return;
    for (const dir of [1, -1]) {
      const probe = input.cloneNode();
      probe.value = input.value;
      if (dir > 0) probe.stepUp(); else probe.stepDown();
      if (probe.value === input.value) continue;
      const next = { ...state, [moved]: probe.value };
      if (!valid(next)) continue;
      for (const url of urlsOf(next)) fetch(url, { priority: "low", headers: { Accept: "application/json" } }).catch(() => {});
    }
  }, STILL_MS);
}
