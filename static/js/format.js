// Magnitudes travel as log10 values; these turn them into text without ever forming 10**x.

export function fromLog10(l) {
  if (l === -Infinity) return "0";
  if (l === null || l === undefined || !Number.isFinite(l)) return "";
  let e = Math.floor(l);
  let m = Math.pow(10, l - e);
  if (Number(m.toFixed(1)) >= 10) { m /= 10; e += 1; }
  return `${m.toFixed(1)}e${e}`;
}

// A magnitude given as log10, in plain digits when it reads well (0.02552, 37.78), else as 2.6e-40.
export function plain(l) {
  return Number.isFinite(l) && Math.abs(l) < 5 ? Number(Math.pow(10, l).toPrecision(4)).toString() : fromLog10(l);
}
