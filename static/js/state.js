// Every piece of page state, declared once: its type and which model uses it.
// The whole state lives in the query string, so a copied link reproduces the view, seed included.

export const MODELS = ["rnn", "lstm", "both"];

// Defaults and ranges come from the server (page-config), which owns them.
export const FIELDS = {
  activation: { models: ["rnn"], kind: "choice" },
  scale: { models: ["rnn", "lstm"], kind: "number" },
  init: { models: ["rnn"], kind: "choice" },
  hidden: { models: ["rnn", "lstm"], kind: "integer" },
  steps: { models: ["rnn", "lstm"], kind: "integer" },
  input_scale: { models: ["rnn", "lstm"], kind: "number" },
  bias: { models: ["rnn"], kind: "number" },
  forget_bias: { models: ["lstm"], kind: "number" },
  seed: { models: ["rnn", "lstm"], kind: "integer" },
  norm: { models: ["rnn", "lstm"], kind: "choice" },
};

export function defaults(config) {
  const state = { model: "rnn" };
  for (const key of Object.keys(FIELDS)) {
    state[key] = String(key in config.rnn ? config.rnn[key] : config.lstm[key]);
  }
  return state;
}

// Values are kept as the strings the user typed: the server validates them and a
// bad value is shown next to its control, never silently replaced.
export function fromURL(search, config) {
  const state = defaults(config);
  const params = new URLSearchParams(search);
  if (MODELS.includes(params.get("model"))) state.model = params.get("model");
  for (const key of Object.keys(FIELDS)) {
    if (params.has(key)) state[key] = params.get(key).trim();
  }
  return state;
}

export function toQuery(state) {
  const params = new URLSearchParams({ model: state.model });
  for (const key of Object.keys(FIELDS)) params.set(key, state[key]);
  return params.toString();
}

// The API query of one model: only the fields that model takes.
export function apiQuery(state, model) {
  const params = new URLSearchParams();
  for (const [key, field] of Object.entries(FIELDS)) {
    if (field.models.includes(model)) params.set(key, state[key]);
  }
  return params.toString();
}

export function modelsOf(state) {
  return state.model === "both" ? ["rnn", "lstm"] : [state.model];
}

// The same checks the server makes, answered at once: {field: message} for the fields of the active models.
// `choices` maps a choice field to its allowed values.
export function invalid(state, limits, choices) {
  const active = modelsOf(state);
  const errors = {};
  for (const [key, field] of Object.entries(FIELDS)) {
    if (!field.models.some((m) => active.includes(m))) continue;
    const raw = state[key];
    if (field.kind === "choice") {
      if (!choices[key].includes(raw)) errors[key] = `${key} must be one of: ${choices[key].join(", ")} (got '${raw}')`;
      continue;
    }
    const { lo, hi } = limits[key];
    const value = raw === "" ? NaN : Number(raw);
    const ok = Number.isFinite(value) && value >= lo && value <= hi && (field.kind !== "integer" || Number.isInteger(value));
    if (!ok) errors[key] = `${key} must be ${field.kind === "integer" ? "an integer" : "a number"} in ${lo}..${hi} (got '${raw}')`;
  }
  return errors;
}
