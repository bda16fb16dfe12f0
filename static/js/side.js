// Side panels (theory, near/far, spectrum) of a view: asked for at once when on screen, else once the hand rests.
import { STILL_MS } from "./painter.js";

// When to ask for a view's side panels. `panels` maps each side name to the element that shows it (null: always
// at once): a name whose panel is on screen and whose answer would change is asked for at once; otherwise the
// request waits until the state has rested for STILL_MS (as plots off screen do), so a drag spends the server and
// the page on what is seen.
export function sideRequests(panels) {
  const seen = new Set();
  const watch = panels && new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) seen.add(e.target); else seen.delete(e.target);
  });
  const els = Object.fromEntries(Object.entries(panels ?? {}).map(([name, id]) => [name, document.getElementById(id)]).filter(([, el]) => el));
  for (const el of Object.values(els)) watch.observe(el);
  let last = {}; // name -> the URL last asked for
  let timer = null;
  return {
    request(job, loader) {
      clearTimeout(timer);
      const urls = Object.fromEntries(job.models.map((m, i) => [m, job.urls[i]]));
      const now = !panels || Object.keys(last).length === 0
        || job.models.some((m) => seen.has(els[m]) && urls[m] !== last[m]);
      const send = () => { last = urls; loader.request(job); };
      if (now) send();
      else timer = setTimeout(send, STILL_MS);
    },
    cancel() {
      clearTimeout(timer);
    },
  };
}
