// The benchmark floor: slider -> fetch -> decode -> Plotly.react, nothing else.
import { decodeArrays } from "./api.js";

const slider = document.getElementById("in-scale");
const plot = document.getElementById("plot-decay");

async function redraw() {
  const value = slider.value;
  const body = decodeArrays(await (await fetch(`floor.json?v=${value}`)).json());
  await Plotly.react(plot, [{ type: "heatmap", z: body.z, zmin: -10, zmax: 10 }], { uirevision: "keep" });
  plot.dataset.state = `scale=${value}&`;
  document.body.dataset.rendered = `scale=${value}&`;
}

slider.addEventListener("input", redraw);
redraw();
