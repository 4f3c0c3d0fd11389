// Ticking is instant where JavaScript runs: a change to a milestone's checkbox submits its form.
// Without JavaScript the same form works with its "Save" button. While the note / evidence
// section is open, the person is still writing, so nothing is sent until they press "Save".
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.type !== "checkbox" || !box.form || !box.form.classList.contains("tick")) {
      return;
    }
    var details = box.form.querySelector("details");
    if (details && details.open) {
      return;
    }
    box.form.classList.add("is-saving");
    if (typeof box.form.requestSubmit === "function") {
      box.form.requestSubmit();
    } else {
      box.form.submit();
    }
  });
})();
