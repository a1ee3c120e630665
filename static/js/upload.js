// Upload with visible progress: forms marked data-upload are sent with XMLHttpRequest so the
// <progress> element can follow the bytes. Without this file the same forms post normally.
(function () {
  "use strict";

  function swapMain(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("main");
    var main = document.querySelector("main");
    if (fresh && main) { main.innerHTML = fresh.innerHTML; }
    if (window.htmx) { window.htmx.process(main); }
  }

  function finish(form, kind, text) {
    // The page was replaced: say "done" on the form for the same kind of document. The bar
    // has done its work and goes away.
    var target = null;
    document.querySelectorAll("form[data-upload][data-kind='" + kind + "']").forEach(function (f) {
      if (!target || f.getAttribute("action") === form.getAttribute("action")) { target = f; }
    });
    if (target && target.closest("details")) { target = document.querySelector("form[data-upload-main][data-kind='" + kind + "']"); }
    if (!target) { return; }
    var bar = target.querySelector("progress");
    var status = target.querySelector("output");
    if (bar) { bar.hidden = true; }
    if (status) { status.textContent = text; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-upload]") || !window.FormData) { return; }
    event.preventDefault();
    var bar = form.querySelector("progress");
    var status = form.querySelector("output");
    var button = form.querySelector("button[type=submit]");
    var kindInput = form.querySelector("input[name=kind]");
    var kind = kindInput ? kindInput.value : "";
    var done = form.getAttribute("data-done") || "";
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable || !bar) { return; }
      bar.hidden = false;
      bar.value = Math.round((e.loaded / e.total) * 100);
      if (status) { status.textContent = bar.value + " %"; }
    });
    xhr.addEventListener("load", function () {
      // Success ends on the documents page (after the redirect); an error comes back as the
      // page with the message next to the field. Either way the answer replaces <main>.
      swapMain(xhr.responseText);
      if (xhr.status < 400) { finish(form, kind, done); }
    });
    xhr.addEventListener("error", function () {
      if (button) { button.disabled = false; }
      if (bar) { bar.hidden = true; }
      if (status) { status.textContent = form.getAttribute("data-failed") || ""; }
    });
    if (button) { button.disabled = true; }
    if (bar) { bar.hidden = false; bar.value = 0; }
    xhr.send(new FormData(form));
  });
})();
