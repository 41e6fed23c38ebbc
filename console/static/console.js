// Progressive enhancement only: every page reads and votes without JavaScript.
(function () {
  "use strict";
  // Live tallies: the server pushes a decision's re-rendered tally when the partners' events say it changed.
  if (!window.EventSource) { return; }
  var lang = document.documentElement.lang;
  var updated = lang === "fr" ? "Mis à jour." : "Updated.";
  document.querySelectorAll("[data-live]").forEach(function (holder) {
    var source = new EventSource(holder.getAttribute("data-live"));
    source.addEventListener("open", function () { document.body.setAttribute("data-live-connected", "true"); });
    source.addEventListener("update", function (message) {
      var data = JSON.parse(message.data);
      document.querySelectorAll('[data-live-target="' + data.target + '"]').forEach(function (target) {
        target.innerHTML = data.html;
      });
      document.querySelectorAll("[data-live-status]").forEach(function (status) { status.textContent = updated; });
    });
  });
})();
