// Small enhancements on top of htmx; every page works without this file.
document.addEventListener("htmx:afterSwap", function (event) {
  // Move focus to the first error or heading of a swapped fragment, for screen readers.
  var target = event.detail.target;
  var focus = target && target.querySelector("[aria-invalid='true'], [data-focus]");
  if (focus) { focus.focus(); }
});
