// A view inside an iframe (/embed): only the controls the embedding page asked for, and the page's height
// told to the parent so the iframe can fit it ({type: "bptt-explorer:height", height} by postMessage).
const wanted = document.body.dataset.controls || "all";

if (wanted !== "all") {
  const names = new Set(wanted === "none" ? [] : wanted.split(","));
  for (const control of document.querySelectorAll("#controls .control")) {
    const inputs = [...control.querySelectorAll("input[name], select[name]")];
    if (inputs.length && !inputs.some((i) => names.has(i.name))) control.classList.add("embed-hidden");
  }
  if (!names.size) document.body.classList.add("no-controls");
}

let last = 0;
function tell() {
  const height = Math.ceil(document.documentElement.scrollHeight);
  if (height !== last && window.parent !== window) {
    last = height;
    window.parent.postMessage({ type: "bptt-explorer:height", height }, "*");
  }
}
new ResizeObserver(tell).observe(document.body);
window.addEventListener("load", tell);
