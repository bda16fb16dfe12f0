// Every piece of page state, declared once: its type and which model uses it.
// The whole state lives in the query string, so a copied link reproduces the view, seed included.

export const MODELS = ["rnn", "lstm", "gru", "compare"];
export const RECURRENT = ["rnn", "lstm", "gru"];
// Links made before the GRU existed said "both" for RNN beside LSTM.
const ALIASES = { both: "compare" };

// Defaults and ranges come from the server (page-config), which owns them.
export const FIELDS = {
  activation: { models: ["rnn"], kind: "choice" },
  scale: { models: RECURRENT, kind: "number" },
  init: { models: ["rnn"], kind: "choice" },
  hidden: { models: RECURRENT, kind: "integer" },
  steps: { models: RECURRENT, kind: "integer" },
  input_scale: { models: RECURRENT, kind: "number" },
  bias: { models: ["rnn"], kind: "number" },
  forget_bias: { models: ["lstm"], kind: "number" },
  update_bias: { models: ["gru"], kind: "number" },
  peephole: { models: ["lstm"], kind: "flag" },
  coupled: { models: ["lstm"], kind: "flag" },
  seed: { models: RECURRENT, kind: "integer" },
  norm: { models: RECURRENT, kind: "choice" },
};

// A checkbox's value: the spellings the server accepts, written the one way.
const FLAG = { true: "true", 1: "true", yes: "true", on: "true", false: "false", 0: "false", no: "false", off: "false" };

export function defaults(config) {
  const state = { model: "rnn" };
  for (const key of Object.keys(FIELDS)) {
    const owner = RECURRENT.find((m) => key in config[m]);
    state[key] = String(config[owner][key]);
  }
  return state;
}

// Values are kept as the strings the user typed: the server validates them and a
// bad value is shown next to its control, never silently replaced.
export function fromURL(search, config) {
  const state = defaults(config);
  const params = new URLSearchParams(search);
  const model = ALIASES[params.get("model")] || params.get("model");
  if (MODELS.includes(model)) state.model = model;
  for (const key of Object.keys(FIELDS)) {
    if (!params.has(key)) continue;
    const raw = params.get(key).trim();
    state[key] = FIELDS[key].kind === "flag" ? FLAG[raw.toLowerCase()] || raw : raw;
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
  return state.model === "compare" ? RECURRENT : [state.model];
}

// The same checks the server makes, answered at once: {field: message} for the fields of the active models.
// `choices` maps a choice field to its allowed values.
export function invalid(state, limits, choices) {
  const active = modelsOf(state);
  const errors = {};
  for (const [key, field] of Object.entries(FIELDS)) {
    if (!field.models.some((m) => active.includes(m))) continue;
    const raw = state[key];
    if (field.kind === "flag") {
      if (raw !== "true" && raw !== "false") errors[key] = `${key} must be one of: true, false (got '${raw}')`;
      continue;
    }
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
