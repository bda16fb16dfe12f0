// Magnitudes travel as log10 values; these turn them into text without ever forming 10**x.

export function fromLog10(l) {
  if (l === -Infinity) return "0";
  if (l === null || l === undefined || !Number.isFinite(l)) return "";
  let e = Math.floor(l);
  let m = Math.pow(10, l - e);
  if (Number(m.toFixed(1)) >= 10) { m /= 10; e += 1; }
  return `${m.toFixed(1)}e${e}`;
}

export function powerLabel(p) {
  return p === 0 ? "1" : `10<sup>${p}</sup>`;
}

// Tick positions at round powers of ten for a log10 axis spanning [lo, hi].
export function powerTicks(lo, hi, target = 6) {
  const span = Math.max(hi - lo, 1);
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  const step = steps.find((s) => span / s <= target) || 1000;
  const vals = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) vals.push(v);
  return { tickvals: vals, ticktext: vals.map(powerLabel) };
}

// A magnitude given as log10, in plain digits when it reads well (0.02552, 37.78), else as 2.6e-40.
export function plain(l) {
  return Number.isFinite(l) && Math.abs(l) < 5 ? Number(Math.pow(10, l).toPrecision(4)).toString() : fromLog10(l);
}
