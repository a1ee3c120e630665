// Small enhancements on top of htmx; every page works without this file.
document.addEventListener("htmx:afterSwap", function (event) {
  // Move focus to the first error or heading of a swapped fragment, for screen readers.
  // An outerHTML swap replaces the target itself: look for its successor by id.
  var target = event.detail.target;
  if (target && !target.isConnected && target.id) { target = document.getElementById(target.id); }
  // A form that came back with errors: its error summary (at the top) comes first.
  var focus = target && (target.querySelector(".error-summary")
                         || target.querySelector("[aria-invalid='true'], [data-focus]"));
  if (focus) { focus.focus(); }
});

document.addEventListener("DOMContentLoaded", function () {
  // A form came back with errors: its summary at the top takes the focus (see macros.html).
  var summary = document.querySelector(".error-summary");
  if (summary && document.activeElement !== summary) { summary.focus(); }
});

// The staff queue refreshes itself (hx-trigger="every 30s" on [data-queue-poll]) but not while
// someone works in it: a refresh replaces the list, and with it the focus, what was typed and
// any form opened. So a refresh waits while the focus is inside the list, a form in it has
// been changed, or one of its <details> (the step forms) is open, and while the tab is hidden.
(function () {
  function changed(field) {
    if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") { return false; }
    return field.value !== field.defaultValue;
  }

  function busy(list) {
    var focused = document.activeElement;
    if (focused && focused !== list && list.contains(focused)) { return true; }
    if (list.querySelector("details[open]")) { return true; }
    return Array.prototype.some.call(list.querySelectorAll("input, textarea, select"), changed);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var list = event.detail.elt;
    if (list && list.matches && list.matches("[data-queue-poll]") && (document.hidden || busy(list))) {
      event.preventDefault();  // htmx polls again at the next interval
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    // The session ended: the answer is the login page; go there rather than into the list.
    var list = event.detail.elt;
    if (!list || !list.matches || !list.matches("[data-queue-poll]")) { return; }
    var url = event.detail.xhr && event.detail.xhr.responseURL;
    if (url && new URL(url).pathname !== window.location.pathname) {
      event.detail.shouldSwap = false;
      window.location.assign(url);
      return;
    }
    // A refresh asked for before someone started working in the list, answered after: dropped,
    // as one asked for now would not be (the next interval brings what it had).
    if (busy(list)) { event.detail.shouldSwap = false; }
  });
})();
