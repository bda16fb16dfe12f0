// A view's controls on a phone: a compact bar that stays at the top of the screen while the plots scroll under
// it, holding only the one or two controls that matter (the same ones presenter mode shows: the story's, else
// the view's data-present for the current model). "All settings" opens the rest in the same bar; a control
// with an error always shows. Wider screens, presenter mode and embedded views keep the full form.
import { movable } from "./present.js";

const form = document.getElementById("controls");
const toggle = document.getElementById("more-settings");
const narrow = window.matchMedia("(max-width: 760px)");

// Marks the main controls (and any group holding one) and, on a phone, folds the rest away.
function mark() {
  for (const el of form.querySelectorAll(".main-control")) el.classList.remove("main-control");
  const main = movable().filter((el) => form.contains(el));
  for (const el of main) {
    for (let c = el.closest(".control"); c; c = c.parentElement.closest("#controls .control")) c.classList.add("main-control");
  }
  // The training lab's run buttons belong with its main slider.
  form.querySelector(".run-bar")?.classList.add("main-control");
  form.classList.toggle("compact", narrow.matches && main.length > 0 && !document.body.classList.contains("embed"));
}

if (form && toggle) {
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    form.classList.toggle("open", open);
  });
  // The model chosen changes which controls matter; view.js has written it to the URL by then.
  form.addEventListener("change", mark);
  narrow.addEventListener("change", mark);
  mark();
}
