// A view's state, declared once: each field's kind and which models use it. The whole state lives in
// the query string, so a copied link reproduces the view, seed included. Defaults and ranges come from
// the server (page-config), which owns them.

import { t } from "./i18n.js";

// A checkbox's value: the spellings the server accepts, written the one way.
const FLAG = { true: "true", 1: "true", yes: "true", on: "true", false: "false", 0: "false", no: "false", off: "false" };

// spec: { fields: {name: {kind, models?}}, models?: [...], aliases?: {old: new}, only?: {endpoint: [fields]} };
// a field without `models` belongs to every model. `defaults` maps each field (and `model`) to its default value.
export function fromURL(search, defaults, spec) {
  const state = Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, String(v)]));
  const params = new URLSearchParams(search);
  if (spec.models) {
    const model = spec.aliases?.[params.get("model")] || params.get("model");
    if (spec.models.includes(model)) state.model = model;
  }
  for (const [key, field] of Object.entries(spec.fields)) {
    if (!params.has(key)) continue;
    const raw = params.get(key).trim();
    state[key] = field.kind === "flag" ? FLAG[raw.toLowerCase()] || raw : raw;
  }
  return state;
}

export function toQuery(state, spec) {
  const params = new URLSearchParams(spec.models ? { model: state.model } : {});
  for (const key of Object.keys(spec.fields)) params.set(key, state[key]);
  return params.toString();
}

const uses = (field, model) => !field.models || model === undefined || field.models.includes(model);

// The API query of one model: only the fields that model takes (spec.only lists them for endpoints
// that take a few fields of a model, e.g. the mean-field curve).
export function apiQuery(state, spec, model) {
  const params = new URLSearchParams();
  const only = spec.only?.[model];
  for (const [key, field] of Object.entries(spec.fields)) {
    if (only ? only.includes(key) : uses(field, model)) params.set(key, state[key]);
  }
  return params.toString();
}

// At most 40 characters of a value a message repeats (a pasted page of text makes a short message).
export const clip = (raw) => (raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);

// The same checks the server makes, answered at once: {field: message} for the fields of the active
// models. `choices` maps a choice field to its allowed values, `limits` a number field to {lo, hi}.
export function invalid(state, spec, active, limits, choices) {
  const errors = {};
  for (const [key, field] of Object.entries(spec.fields)) {
    if (!active.some((m) => uses(field, m))) continue;
    const raw = clip(String(state[key] ?? ""));
    if (field.kind === "flag") {
      if (raw !== "true" && raw !== "false") errors[key] = t("{key} must be one of: {choices} (got '{raw}')", { key, choices: "true, false", raw });
      continue;
    }
    if (field.kind === "choice") {
      if (choices[key] && !choices[key].includes(state[key])) errors[key] = t("{key} must be one of: {choices} (got '{raw}')", { key, choices: choices[key].join(", "), raw });
      continue;
    }
    if (!limits[key]) continue; // a field the server checks alone
    const { lo, hi } = limits[key];
    const value = state[key] === "" ? NaN : Number(state[key]);
    const ok = Number.isFinite(value) && value >= lo && value <= hi && (field.kind !== "integer" || Number.isInteger(value));
    if (!ok) {
      errors[key] = field.kind === "integer"
        ? t("{key} must be an integer in {lo}..{hi} (got '{raw}')", { key, lo, hi, raw })
        : t("{key} must be a number in {lo}..{hi} (got '{raw}')", { key, lo, hi, raw });
    }
  }
  return errors;
}
