// briefing.js — progressive enhancement only: every page works without it.
// - Escape closes an open reference preview or a tapped-open sidenote.
// - Previews are nudged back inside the viewport on narrow screens.
// - Tables that scroll sideways become keyboard-focusable, so they can be scrolled without a mouse.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function place(preview) {
    preview.style.removeProperty("--shift");
    var box = preview.getBoundingClientRect();
    var margin = 12;
    var overflow = box.right - (document.documentElement.clientWidth - margin);
    if (overflow > 0) {
      preview.style.setProperty("--shift", -Math.min(overflow, Math.max(0, box.left - margin)) + "px");
    }
  }

  function show(event) {
    var ref = event.target.closest && event.target.closest(".ref");
    if (!ref) return;
    ref.classList.remove("ref-dismissed");
    var preview = ref.querySelector(".ref-preview");
    if (preview) place(preview);
  }

  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".ref:hover, .ref:focus-within").forEach(function (ref) {
      ref.classList.add("ref-dismissed");
    });
    document.querySelectorAll(".margin-toggle:checked").forEach(function (toggle) {
      toggle.checked = false;
    });
  });

  function focusableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (!wrap.hasAttribute("tabindex")) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          var caption = wrap.querySelector("caption");
          wrap.setAttribute("aria-label", caption ? caption.textContent : "Table (scrolls sideways)");
        }
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  focusableTables();
  window.addEventListener("resize", focusableTables);
})();
