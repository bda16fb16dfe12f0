// Each plot's size as last laid out, kept up to date by a ResizeObserver. Reading clientWidth while figures are
// being drawn would make the browser lay out the page again at every figure of a drag.
const sizes = new WeakMap();
const watch = new ResizeObserver((entries) => {
  for (const e of entries) sizes.set(e.target, { width: e.target.clientWidth, height: e.target.clientHeight });
});

// `fresh`: measure now (the page's layout just changed, before the observer could tell).
export function sizeOf(el, fresh = false) {
  let size = sizes.get(el);
  if (!size || fresh) {
    size = { width: el.clientWidth, height: el.clientHeight };
    sizes.set(el, size);
    watch.observe(el);
  }
  return size;
}
