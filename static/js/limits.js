// The server's limits (app/contract/cost.py, app/service/limits.py) said again in the page's language: a request over the
// time budget (422, with what to lower and to what) and the per-request compute cap (503); and when all
// heavy slots are busy (503 with Retry-After), how long to wait before asking again.
import { LANG, N_, reword, t } from "./i18n.js";

const TEXTS = [
  N_("This request would take about {seconds} s, over the limit of {limit} s: lower {fixes}."),
  N_("This request would take about {seconds} s, over the limit of {limit} s."),
  N_("The computation stopped at the limit of {limit} s of compute per request: lower {fixes} and try again."),
];

// "steps to 485 or hidden to 175": parameter names stay as they are (they are the URL's), the words around
// them are translated.
function fixes(text) {
  if (LANG === "en") return text;
  return text
    .replace(/(\w+) to (\d+)/g, (_, name, value) => t("{name} to {value}", { name, value }))
    .replace(/ or /g, t(" or "))
    .replace(/ and /g, t(" and "))
    .replace("the sizes", t("the sizes"));
}

export function limitMessage(message) {
  const said = reword(message, TEXTS);
  return said === message ? message : fixes(said);
}

// A refusal worth retrying by itself: every heavy slot was busy. Its wait in seconds (Retry-After), or null.
export function busyWait(results) {
  const busy = results.find((r) => r.status === 503 && r.body?.detail?.some((d) => d.type === "busy"));
  return busy ? Math.min(Math.max(busy.retryAfter || 1, 1), 30) : null;
}
