// Names for a view's downloads: the view and the settings it shows that differ from the defaults,
// e.g. "bptt-recurrent_model-lstm_scale-2". Imports nothing, so the figure module can use it too.

// The view this page draws: the Share bar names it; an embedded page has it in its URL.
export function viewName() {
  return document.getElementById("share-root")?.dataset.view || new URLSearchParams(window.location.search).get("view") || "view";
}

let defaults = null; // the view's defaults, read once from the page
export function fileStem() {
  if (!defaults) {
    const config = document.getElementById("page-config");
    defaults = config ? JSON.parse(config.textContent).defaults || {} : {};
  }
  const parts = [];
  for (const [key, value] of new URLSearchParams(window.location.search)) {
    if (key in defaults && (key === "model" || String(defaults[key]) !== value)) parts.push(`${key}-${value}`);
  }
  return [`bptt-${viewName()}`, ...parts].join("_").replace(/[^\w.-]+/g, "-").slice(0, 160);
}
