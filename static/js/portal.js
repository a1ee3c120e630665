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
