// Ticking in place on "My plan". A change to a milestone's checkbox posts its form with fetch
// (the CSRF token is one of the form's fields) and asks for JSON; the server answers with the
// item and the progress bars rendered again, which replace the old ones. Focus goes back to the
// item's checkbox, and an "Undo" button sits right after it for a few seconds (the server renders
// it as a small form that posts the opposite change). Without JavaScript the same forms post
// normally and the server redirects back to the item.
(function () {
  "use strict";
  var UNDO_MS = 8000;
  var live = document.getElementById("tick-live");
  // A box changed again while its first change was on its way: what the person wants in the end.
  var wanted = {};
  document.documentElement.classList.add("js");

  function say(text) {
    if (!live) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function replace(id, html) {
    var old = document.getElementById(id);
    if (!old) { return null; }
    var holder = document.createElement(old.tagName === "LI" ? "ul" : "div");
    holder.innerHTML = html;
    var fresh = holder.firstElementChild;
    if (fresh) { old.replaceWith(fresh); }
    return fresh;
  }

  function expireUndo(itemId) {
    window.setTimeout(function () {
      var button = document.querySelector("#item-" + itemId + " button.undo");
      var undoForm = document.getElementById("undo-" + itemId);
      if (!button) { return; }
      var hadFocus = document.activeElement === button;
      button.remove();
      if (undoForm) { undoForm.remove(); }
      if (hadFocus) {
        var box = document.getElementById("done-" + itemId);
        if (box) { box.focus(); }
      }
    }, UNDO_MS);
  }

  function send(form) {
    var itemId = form.getAttribute("data-item");
    var item = document.getElementById("item-" + itemId);
    var details = item ? item.querySelector("details.item-more") : null;
    var wasOpen = details ? details.open : false;
    if (form.classList.contains("is-saving")) {
      var changed = form.querySelector("input[type=checkbox]");
      if (changed) { wanted[itemId] = changed.checked; }
      return;
    }
    form.classList.add("is-saving");
    if (item) { item.setAttribute("aria-busy", "true"); }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      var fragments = answer.fragments || {};
      Object.keys(fragments).forEach(function (id) { replace(id, fragments[id]); });
      var fresh = document.getElementById("item-" + itemId);
      if (fresh && wasOpen) {
        var more = fresh.querySelector("details.item-more");
        if (more) { more.open = true; }
      }
      var box = document.getElementById("done-" + itemId);
      if (box) { box.focus(); }
      say(answer.message + (answer.undo ? " Undo is next to the item for a few seconds." : ""));
      if (answer.undo) { expireUndo(itemId); }
      if (box && itemId in wanted) {
        var last = wanted[itemId];
        delete wanted[itemId];
        if (box.checked !== last && box.form) {
          box.checked = last;
          send(box.form);
        }
      }
    }).catch(function () {
      // The network or the answer failed: fall back to the ordinary post.
      form.classList.remove("is-saving");
      form.submit();
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.type !== "checkbox" || !box.form || !box.form.classList.contains("tick")) { return; }
    send(box.form);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.classList || !form.classList.contains("tick")) { return; }
    event.preventDefault();
    send(form);
  });
})();
