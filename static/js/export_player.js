// The exported file's player (app/export/file.py inlines it): unpack the precomputed figures and redraw them as
// the sliders move. A classic script, no fetch and no module imports, so it runs from file:// offline.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("export-config").textContent);
  const status = document.getElementById("status");
  const inputs = config.sliders.map((s) => document.getElementById(`in-${s.name}`));
  const PLOT_CONFIG = { responsive: true, displaylogo: false };

  // base64 -> gzip bytes -> JSON, with the browser's own DecompressionStream.
  async function unpack(text) {
    const bin = atob(text.trim());
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  // A large array that repeats is stored once (app/export/file.py stored_once): {same: [frame, key, ...]} names the
  // place holding it; every repeat becomes that same object again.
  function restore(frames) {
    const at = (path) => path.reduce((node, key) => node[key], frames);
    const isRef = (v) => v !== null && typeof v === "object" && Array.isArray(v.same) && Object.keys(v).length === 1;
    const walk = (node) => {
      for (const [key, v] of Object.entries(node)) {
        if (isRef(v)) node[key] = at(v.same);
        else if (v !== null && typeof v === "object") walk(v);
      }
    };
    walk(frames);
    return frames;
  }

  // The first slider is outermost in the grid.
  function frameIndex() {
    return inputs.reduce((at, input, i) => at * config.sliders[i].values.length + Number(input.value), 0);
  }

  function showValues() {
    config.sliders.forEach((s, i) => {
      const v = s.values[Number(inputs[i].value)];
      document.getElementById(`out-${s.name}`).textContent = String(v);
      inputs[i].setAttribute("aria-valuetext", `${s.label} ${v}`);
    });
  }

  async function draw(frames) {
    const at = frameIndex();
    const frame = frames[at];
    showValues();
    await Promise.all(config.figures.map((name) => {
      const el = document.getElementById(`plot-${name}`);
      return Plotly.react(el, frame[name].data, frame[name].layout, PLOT_CONFIG);
    }));
    document.body.dataset.frame = String(at);
  }

  function typeset() {
    if (window.renderMathInElement) {
      window.renderMathInElement(document.body, {
        delimiters: [{ left: "$$", right: "$$", display: true }, { left: "$", right: "$", display: false }],
        throwOnError: false,
      });
    }
  }

  async function main() {
    typeset();
    showValues();
    const frames = restore(await unpack(document.getElementById("export-frames").textContent));
    let pending = Promise.resolve();
    const redraw = () => { pending = pending.then(() => draw(frames)); return pending; };
    inputs.forEach((input) => input.addEventListener("input", redraw));
    document.getElementById("controls").addEventListener("submit", (e) => e.preventDefault());
    await redraw();
    status.textContent = "";
    document.body.dataset.ready = "1";
  }

  main().catch((err) => {
    status.textContent = String(err);
    throw err;
  });
})();
