// briefing.js — progressive enhancement only: everything works without it.
// - Escape closes an open reference preview or tapped-open sidenote.
// - Previews are nudged back inside the viewport on narrow screens.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function place(preview) {
    preview.style.removeProperty("--shift");
    var box = preview.getBoundingClientRect();
    var margin = 12;
    var overflow = box.right - (window.innerWidth - margin);
    if (overflow > 0) {
      preview.style.setProperty("--shift", -Math.min(overflow, box.left - margin) + "px");
    }
  }

  function show(ref) {
    var preview = ref.querySelector(".ref-preview");
    if (!preview) return;
    ref.classList.remove("ref-dismissed");
    place(preview);
  }

  document.addEventListener("mouseover", function (event) {
    var ref = event.target.closest && event.target.closest(".ref");
    if (ref) show(ref);
  });
  document.addEventListener("focusin", function (event) {
    var ref = event.target.closest && event.target.closest(".ref");
    if (ref) show(ref);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".ref:hover, .ref:focus-within").forEach(function (ref) {
      ref.classList.add("ref-dismissed");
    });
    document.querySelectorAll(".margin-toggle:checked").forEach(function (toggle) {
      toggle.checked = false;
    });
  });
})();
