// The page's side of drawing a figure (the figures themselves come from app.figures through the API): the
// modebar's downloads, named after the view and its state, and a figure fitted to a narrow plot (a phone).
import { t } from "./i18n.js";
import { fileStem } from "./names.js";

const FONT = { size: 13 }; // the figures' base font size (app/figures/style.py)
// The modebar downloads PNG (its camera) and SVG (the arrow), named after the view, its state and the plot.
const imageName = (gd) => `${fileStem()}_${(gd.id || "plot").replace(/^plot-/, "")}`;
const SVG_BUTTON = {
  name: "downloadSVG", title: t("Download plot as SVG"),
  icon: { width: 1000, height: 1000, path: "M440 80h120v440h150L500 760 290 520h150zM120 820h760v100H120z" },
  click: (gd) => Plotly.downloadImage(gd, { format: "svg", filename: imageName(gd) }),
};
// The modebar keeps what a reader of these plots uses: the two downloads, box zoom, pan and reset (a narrow
// plot, on a phone: the downloads and reset); Plotly's zoom in/out, autoscale, selections and cloud upload go.
const REMOVED = ["zoomIn2d", "zoomOut2d", "autoScale2d", "select2d", "lasso2d", "sendChartToCloud"];
const NARROW = 500; // px: a plot this narrow has the short modebar
export const CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToAdd: [SVG_BUTTON], modeBarButtonsToRemove: REMOVED };
// CONFIG for one plot element: its PNG named like its SVG.
export const configFor = (el) => ({
  ...CONFIG,
  modeBarButtonsToRemove: el.clientWidth && el.clientWidth < NARROW ? [...REMOVED, "zoom2d", "pan2d"] : REMOVED,
  toImageButtonOptions: { filename: imageName(el) },
});
// The modebar's width in px: 24 px a button (static/css/app.css) and 8 px a group (Plotly's padding), at 2 px
// from the plot's right edge; 3 buttons in 3 groups on a narrow plot, else 5 in 4.
const modebarWidth = (width) => (width < NARROW ? 3 * 24 + 3 * 8 : 5 * 24 + 4 * 8) + 2;
const MODEBAR_ROW = 30;
const LEFT = 12; // px from a plot's left edge to a title placed there
// The PNG's name after the view's state changed, without a new config: Plotly rebuilds a plot whose config
// changed, and a dragged slider changes the name at every step.
export function renameDownloads(el) {
  const options = el._context?.toImageButtonOptions;
  if (options) options.filename = imageName(el);
}

// Text of `size` px as wide as about this many px: 0.55 em a Latin letter, 0.72 em a capital, 1 em a CJK one.
const CJK = /[\u2e80-\u9fff\uff00-\uffef]/;
const em = (c) => (CJK.test(c) ? 1 : /[A-Z]/.test(c) ? 0.72 : 0.55);
const textPx = (text, size) => size * [...text].reduce((sum, c) => sum + em(c), 0);
// `text` broken with <br> at the space nearest its middle (or at its middle when it has none).
function halves(text) {
  const middle = text.length / 2;
  const spaces = [...text].map((c, i) => (c === " " ? i : -1)).filter((i) => i > 0);
  const at = spaces.length ? spaces.reduce((a, b) => (Math.abs(b - middle) < Math.abs(a - middle) ? b : a)) : Math.round(middle);
  return `${text.slice(0, at)}<br>${text.slice(at).trimStart()}`;
}

// A legend entry wider than its plot (a phone) is broken in two the same way; Plotly lays the legend out again.
function wrapLegend(fig, width) {
  const size = fig.layout.legend?.font?.size ?? fig.layout.font?.size ?? FONT.size;
  const room = width - 60; // the entry's line sample and padding
  if (!fig.data.some((tr) => tr.name && !tr.name.includes("<br>") && textPx(tr.name, size) > room)) return fig;
  const data = fig.data.map((tr) => (tr.name && !tr.name.includes("<br>") && textPx(tr.name, size) > room ? { ...tr, name: halves(tr.name) } : tr));
  return { ...fig, data };
}

// A title wider than its plot (a phone) breaks at the space nearest its middle. A title that would run under the
// modebar (top right) moves to the plot's left edge if that clears it, else below the modebar. The legend under
// the title and the plot move down by the added room. Widths are estimated (textPx).
export function wrapTitle(fig, width, height) {
  if (!width) return fig;
  fig = wrapLegend(fig, width);
  const title = fig.layout.title;
  const text = typeof title === "string" ? title : title?.text;
  if (!text || text.includes("<br>")) return fig;
  const size = title.font?.size ?? 1.4 * (fig.layout.font?.size ?? FONT.size); // Plotly's default title size
  const right = width - modebarWidth(width) - 10; // where the modebar's room begins
  // Where a title `px` wide goes: the plot's middle, else its left edge (a place that holds when the plot is
  // resized), clear of the modebar; null: no room beside it.
  const place = (px) => (width / 2 + px / 2 <= right ? "middle" : LEFT + px <= right ? "left" : null);
  const widest = (lines) => Math.max(...lines.split("<br>").map((l) => textPx(l, size)));
  // Broken only between words, or anywhere in Chinese; a single word ("GRU") stays whole.
  const breakable = / /.test(text.trim()) || CJK.test(text);
  let wrapped = text;
  if (breakable && textPx(text, size) > width - 16) wrapped = halves(text);
  const line = 1.2 * size;
  const at = place(widest(wrapped));
  const added = (wrapped === text ? 0 : line) + (at === null ? MODEBAR_ROW : 0);
  if (!added && at === "middle") return fig;
  const top = typeof title !== "string" && title.yanchor === "top";
  const layout = { ...fig.layout, title: { ...(typeof title === "string" ? {} : title), text: wrapped } };
  if (at === "left") Object.assign(layout.title, { xref: "container", x: 0, xanchor: "left", pad: { l: LEFT } });
  if (height) {
    // Plotly anchors a title's first line: a top-anchored title of two lines needs the second one's room; one
    // placed by Plotly (in the top margin) is pinned under the modebar.
    if (top) layout.title.y = (layout.title.y ?? 1) - added / height;
    else if (added >= MODEBAR_ROW) Object.assign(layout.title, { yref: "container", y: 1 - (MODEBAR_ROW + 4) / height, yanchor: "top" });
  }
  const m = layout.margin ?? {};
  layout.margin = { ...m, t: (m.t ?? 100) + added };
  if (layout.legend?.yref === "container" && height) layout.legend = { ...layout.legend, y: layout.legend.y - added / height };
  return { ...fig, layout };
}
