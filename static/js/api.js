// Talks to /api/v1. At most one request is in flight: while it runs, newer requests collapse into
// the newest, which is sent the moment the current one returns. Answers are handed over in order,
// so a drag gets feedback at the server's pace and the last position always wins.
import { t } from "./i18n.js";

const TIMEOUT_MS = 60000;

export class Loader {
  // onResult(job, results) and onError(job, error) receive the job object given to request(), with `took`, the
  // milliseconds its answers took.
  constructor({ onResult, onError }) {
    this.onResult = onResult;
    this.onError = onError;
    this.wanted = null;
    this.busy = false;
    this.generation = 0;
  }

  request(job) {
    this.wanted = job;
    if (!this.busy) this.next();
  }

  // Forgets the wanted job and drops the answer of the one in flight.
  cancel() {
    this.wanted = null;
    this.generation += 1;
  }

  get idle() {
    return !this.busy && this.wanted === null;
  }

  async next() {
    const job = this.wanted;
    const generation = this.generation;
    this.wanted = null;
    this.busy = true;
    let results = null;
    let error = null;
    const start = performance.now();
    try {
      results = await Promise.all(job.urls.map((url) => fetchJSON(url)));
    } catch (err) {
      error = err;
    }
    job.took = performance.now() - start; // ms from asking to the answers in hand
    this.busy = false;
    const superseded = this.wanted !== null;
    if (superseded) this.next(); // the server starts on the newer job while this answer is drawn
    if (generation !== this.generation) return;
    if (error === null) this.onResult(job, results);
    else if (!superseded) this.onError(job, error);
  }
}

const DTYPES = { f4: Float32Array, f8: Float64Array, i1: Int8Array, i2: Int16Array, i4: Int32Array,
  u1: Uint8Array, u2: Uint16Array, u4: Uint32Array };

// The bytes of a base64 text (natively where the browser can).
function bytesOf(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

// One of Plotly's base64 typed arrays ({dtype: "f4", bdata, shape}) as a typed array (2-D: one per row, views
// into one buffer, no copies); anything else as it is.
export function typedArray(node) {
  const Type = DTYPES[node?.dtype];
  if (!Type || typeof node.bdata !== "string") return node;
  const flat = new Type(bytesOf(node.bdata).buffer);
  // The shape: [n] or [rows, cols], or plotly.py's "rows, cols"; absent for one dimension.
  const shape = typeof node.shape === "string" ? node.shape.split(",").map(Number) : node.shape ?? [flat.length];
  if (shape.length === 1) return flat;
  const [rows, cols] = shape;
  return Array.from({ length: rows }, (_, r) => flat.subarray(r * cols, (r + 1) * cols));
}

// Every base64 typed array of an answer as a typed array.
export function decodeArrays(node) {
  if (Array.isArray(node)) return node.map(decodeArrays);
  if (node === null || typeof node !== "object") return node;
  if (typeof node.bdata === "string") return typedArray(node);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, decodeArrays(v)]));
}

// {ok, status, body, retryAfter, compute}: a 422 is an answer (field errors), not an exception; a network failure throws.
// `priority`: "low" for answers fetched ahead of need.
export async function fetchJSON(url, priority = "auto") {
  const headers = { Accept: "application/json" };
  const response = await fetch(url, { headers, priority, signal: AbortSignal.timeout(TIMEOUT_MS) });
  let body;
  try {
    body = await response.json();
  } catch {
    body = { detail: [{ field: null, message: t("The server answered {status} without JSON.", { status: response.status }) }] };
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  // The server's milliseconds computing this answer; null when it came from the server's cache.
  const compute = Number(/compute;dur=([0-9.]+)/.exec(response.headers.get("Server-Timing") ?? "")?.[1] ?? NaN);
  const answer = { ok: response.ok, status: response.status, url, retryAfter, compute: Number.isNaN(compute) ? null : compute };
  return { ...answer, body: response.ok ? decodeArrays(body) : body };
}
