// The page's texts in its language (lang=zh or en in the URL). English is the source: t("...") returns
// the text itself when the page is English or the catalogue has no entry. Placeholders are {name}.
const TEXTS = JSON.parse(document.getElementById("texts")?.textContent || "{}");

export const LANG = new URLSearchParams(window.location.search).get("lang") === "zh" ? "zh" : "en";

export function t(text, params = {}) {
  const out = TEXTS[text] ?? text;
  return out.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

// Marks a text for the catalogue without translating it (gettext's N_): for reword()'s templates.
export const N_ = (text) => text;

// Sentences one after another: a space between them in English, none after Chinese full stops.
export function sentences(...parts) {
  return parts.filter(Boolean).join(LANG === "zh" ? "" : " ");
}

// Clauses of one list: ", " between them in English, a Chinese comma in Chinese.
export function clauses(...parts) {
  return parts.filter(Boolean).join(LANG === "zh" ? "，" : ", ");
}

// A sentence the server words in English (a budget message), said again in the page's language: the
// first template (N_ texts, most specific first) whose {name}s match the message gives the words, the
// message the values. English comes back unchanged; an unknown message too.
export function reword(message, templates) {
  if (!message) return message;
  for (const template of templates) {
    const names = [];
    const source = template.split(/(\{\w+\})/).map((part) => {
      const name = /^\{(\w+)\}$/.exec(part);
      if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(name[1]);
      return "(.+?)";
    }).join("");
    const match = new RegExp(`^${source}$`).exec(message);
    if (match) return t(template, Object.fromEntries(names.map((n, i) => [n, match[i + 1]])));
  }
  return message;
}

// The language links keep whatever the page shows now (the URL changes as sliders move).
for (const a of document.querySelectorAll("a[data-lang]")) {
  a.addEventListener("click", (e) => {
    e.preventDefault();
    const url = new URL(window.location.href);
    url.searchParams.set("lang", a.dataset.lang);
    window.location.assign(url.toString());
  });
}
