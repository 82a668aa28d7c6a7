// gongkai catalog: elder mode (长者模式). Larger text and higher contrast, remembered on this
// device. Every page works without this script; it only adds the switch.
(function () {
  "use strict";
  var KEY = "gongkai-elder";
  var root = document.documentElement;
  var button = document.getElementById("elder-toggle");
  if (!button) return;
  function set(on) {
    root.classList.toggle("elder", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    try {
      if (on) localStorage.setItem(KEY, "1");
      else localStorage.removeItem(KEY);
    } catch (e) {
      /* storage may be off: the mode still applies to this page */
    }
  }
  button.hidden = false;
  button.setAttribute("aria-pressed", root.classList.contains("elder") ? "true" : "false");
  button.addEventListener("click", function () {
    set(!root.classList.contains("elder"));
  });
})();
